"""How `screen`, `export` and `drift` cost, as ratios to `python -c "import pandas"` timed in the same run.

1. Start-up paths on the bundled universes (21 names): `--source snapshot`; `--source auto` with a fresh store
   (the warm path: no request, no yfinance — both checked); `--source auto` offline, first with no memo (it
   probes Yahoo) and then with the outage remembered.
2. Synthetic universes of 100, 1,000 and 5,000 names served from the store (bench/synthetic.py): `screen
   --format csv`, `export --out x.csv` and `drift --no-record --format csv`. Linearity: the time per name at
   5,000 names against that at 1,000 (the issue's test), and the stricter marginal cost per name from 1,000 to
   5,000 against that from 100 to 1,000 (fixed start-up costs cancel out).

Every command runs in a subprocess (what a user waits for); each figure is the best of ``--runs`` runs,
interleaved with the baseline (timing noise on shared machines only ever adds time). Network access is made
impossible (proxy on a closed port) so any request attempt would show up as an outage memo in the store.

    python bench/bench_screen.py [--runs 5] [--sizes 100 1000 5000] [--skip-synthetic]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402

NO_NETWORK = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
              "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}  # fmt: skip


def screener_exe() -> str:
    return shutil.which("screener", path=str(Path(sys.executable).parent)) or "screener"


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def paired(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Best wall time per command, the commands interleaved run by run (so drift in machine load hits all)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(run(command, env))
    return {name: min(values) for name, values in times.items()}


def warm_config(folder: Path) -> Path:
    """The repository's config with its store in ``folder``, filled as a fetch minutes ago would leave it: a live
    quote for every name of the bundled universes (the snapshot's prices) and the FX spot table."""
    import tomlkit

    from screener.config import load_settings
    from screener.data.snapshot import SnapshotSource
    from screener.data.store import Store
    from screener.universe import load_universes

    defaults = ROOT
    doc = tomlkit.parse((defaults / "config.toml").read_text())
    doc["universes"]["files"] = [str(defaults / f) for f in doc["universes"]["files"]]  # type: ignore[index,union-attr]
    doc["store"]["dir"] = str(folder / "cache")  # type: ignore[index]
    doc["history"]["path"] = str(folder / "history.sqlite")  # type: ignore[index]
    for section in ("oxides", "fx"):
        doc.get(section, {}).pop("series", None)  # type: ignore[union-attr]
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(tomlkit.dumps(doc))
    settings = load_settings(config)
    companies = [c for u in load_universes(list(settings.universe_files)) for c in u.companies]
    store = Store(settings.cache_dir, lambda: datetime.now(UTC))
    snapshot = SnapshotSource.bundled()
    today = datetime.now(UTC).date()
    last_session = today - timedelta(days=max(0, today.weekday() - 4))
    for ticker, quote in snapshot.quotes([c.ticker for c in companies]).items():
        payload = {"price": quote.price, "currency": quote.currency, "price_date": last_session.isoformat(),
                   "market_cap": quote.market_cap}  # fmt: skip
        store.write_record("quotes", ticker, payload, source="live")
    currencies = {c.currency for c in companies} | {"USD"}
    rates = snapshot.fx_rates(currencies)
    table = {c: {"per_usd": r.per_usd, "date": last_session.isoformat(), "source": "Yahoo"} for c, r in rates.items()}
    store.write_record("fx", "spot", table, source="live")
    return config


def imports_of(command: list[str], env: dict[str, str]) -> set[str]:
    """Top-level modules a command imports (from ``python -X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sys; from screener.cli import run; sys.argv[0] = "
         "'screener'; run()", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def startup(runs: int, env: dict[str, str], folder: Path) -> dict[str, float]:
    exe = screener_exe()
    config = warm_config(folder / "warm")
    offline_config = warm_config(folder / "offline")
    memo = folder / "offline" / "cache" / "network" / "yahoo.json"
    for path in (folder / "offline" / "cache").glob("quotes/*.json"):
        path.unlink()  # nothing fresh: auto asks Yahoo
    snapshot_cmd = [exe, "screen", "--source", "snapshot", "--format", "csv"]
    warm_cmd = [exe, "screen", "--config", str(config), "--format", "csv"]
    offline_cmd = [exe, "screen", "--config", str(offline_config), "--format", "csv"]
    probes = []
    for _ in range(runs):  # auto, offline, no memo: the first command after an outage begins
        memo.unlink(missing_ok=True)
        probes.append(run(offline_cmd, env))
    results = paired(
        {
            "python -c pass": [sys.executable, "-c", "pass"],
            'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
            "screen --source snapshot": snapshot_cmd,
            "screen (auto, fresh store: warm path)": warm_cmd,
            "screen (auto, offline, outage remembered)": offline_cmd,
        },
        runs,
        env,
    )
    results["screen (auto, offline, probing Yahoo)"] = min(probes)
    warm_imports = imports_of(warm_cmd[1:], env)
    heavy = sorted(warm_imports & {"yfinance", "curl_cffi", "statsmodels", "matplotlib", "pandas", "scipy"})
    memo_written = (folder / "warm" / "cache" / "network" / "yahoo.json").exists()
    print(f"warm path imports of yfinance/curl_cffi/statsmodels/matplotlib/pandas/scipy: {heavy or 'none'}; "
          f"network attempted: {'YES (outage memo written)' if memo_written else 'no'}")  # fmt: skip
    return results


def scaling(sizes: list[int], runs: int, env: dict[str, str], folder: Path) -> dict[int, dict[str, float]]:
    exe = screener_exe()
    out: dict[int, dict[str, float]] = {}
    for n in sizes:
        built = synthetic.build(folder / f"n{n}", n)
        config = str(built.config)
        commands = {
            "screen --format csv": [exe, "screen", "--config", config, "--source", "store", "--format", "csv"],
            "export --out x.csv": [exe, "export", "--config", config, "--source", "store", "--out",
                                   str(folder / f"n{n}" / "x.csv")],
            "drift --no-record": [exe, "drift", "--config", config, "--source", "store", "--no-record", "--format",
                                  "csv"],
        }  # fmt: skip
        index = built.store / "index" / "price_changes.json"
        index.unlink(missing_ok=True)
        first = run(commands["screen --format csv"], env)  # every history read once
        out[n] = paired({'python -c "import pandas"': [sys.executable, "-c", "import pandas"], **commands}, runs, env)
        out[n]["screen, first run after the histories changed"] = first
        print(f"  built and timed {n} names", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="smallest size, one run: .ci/run checks the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.sizes = 1, [100]
    env = {**os.environ, **NO_NETWORK}
    env.pop("SCREENER_OFFLINE", None)
    print(f"machine: {os.cpu_count()} cores, {sys.platform}, python {sys.version.split()[0]}; best of {args.runs}")
    with tempfile.TemporaryDirectory(prefix="screener-bench-") as tmp:
        folder = Path(tmp)
        results = startup(args.runs, env, folder)
        baseline = results['python -c "import pandas"']
        print(f"\n{'start-up (bundled universes, 21 names)':48} {'seconds':>8} {'x import pandas':>16}")
        for name, seconds in results.items():
            print(f"{name:48} {seconds:8.3f} {seconds / baseline:15.2f}x")
        warm = results["screen (auto, fresh store: warm path)"] / baseline
        print(f"warm path target <= 1.2x import pandas: {'met' if warm <= 1.2 else 'NOT met'} ({warm:.2f}x)")
        if args.skip_synthetic:
            return 0
        scale = scaling(sorted(args.sizes), args.runs, env, folder)
        print(f"\n{'synthetic universe from the store':36} {'names':>6} {'seconds':>8} {'x pandas':>9} {'ms/name':>8}")
        bases = {n: timings.pop('python -c "import pandas"') for n, timings in scale.items()}
        for n, timings in scale.items():
            base = bases[n]
            for name, seconds in timings.items():
                print(f"{name:36} {n:6d} {seconds:8.3f} {seconds / base:8.2f}x {1000 * seconds / n:8.3f}")
        if len(scale) >= 3:
            small, mid, large = sorted(scale)[-3:]
            for name in ("screen --format csv", "export --out x.csv", "drift --no-record"):
                low = (scale[mid][name] - scale[small][name]) / (mid - small)
                high = (scale[large][name] - scale[mid][name]) / (large - mid)
                per_name = (scale[large][name] / large) / (scale[mid][name] / mid)
                verdict = "met" if per_name <= 1.5 else "NOT met"
                print(f"{name:36} time per name at {large} / at {mid}: x{per_name:.2f} (target <= 1.5: {verdict}); "
                      f"marginal ms/name {small}->{mid}: {1000 * low:.3f}, {mid}->{large}: {1000 * high:.3f} "
                      f"(x{high / low:.2f})")  # fmt: skip
            largest = scale[large]["screen --format csv"]
            ratio = largest / bases[large]
            print(f"{large}-name screen --format csv: {ratio:.2f}x import pandas (target <= 5x: "
                  f"{'met' if ratio <= 5 else 'NOT met'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
