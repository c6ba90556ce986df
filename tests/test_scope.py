"""One as-of rule, resolved once (#20 item 1; the rule by hand: tests/test_asof.py): the snapshot-only plain screen
showing the published picture, the same as-of date and FY label across commands for one selection, the deciding
gather reused, no use case picking a default date of its own, and --help saying the rule."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from screener.app.scope import Probe, ResolvedScope, resolve_scope
from screener.cli import app
from screener.commands._app import AS_OF_HELP
from screener.data.base import MarketData
from screener.models import Quote, Scope

from .conftest import PACKAGE, SHARED_DATA, EnvRunner, make_config, make_env, need

# ------------------------------------------------------------------------------- the snapshot alone, as published
SNAPSHOT_BANNER = (
    "no price newer than 2025-10-10: as of 2025-10-10; today is 2026-12-06 — --as-of 2026-12-06 to roll fiscal years "
    "forward"
)


def _snapshot_only(tmp_path: Path) -> tuple[EnvRunner, list[str]]:
    """An empty store, no network, the clock at 2026-12-06: only the bundled snapshot of 2025-10-10 has prices."""
    config = make_config(tmp_path / "w")
    runner = EnvRunner(lambda: make_env(clock=lambda: datetime(2026, 12, 6, 9, tzinfo=UTC), offline=True))
    return runner, ["--config", str(config)]


def _companies(text: str) -> dict[str, dict[str, str]]:
    return {r["ticker"]: r for r in csv.DictReader(io.StringIO(text)) if r["row_type"] == "company"}


def test_a_plain_screen_on_the_snapshot_alone_is_the_published_picture(tmp_path: Path) -> None:
    runner, cfg = _snapshot_only(tmp_path)
    result = runner.invoke(app, ["screen", "--format", "csv", *cfg])
    assert result.exit_code == 0, result.output
    assert SNAPSHOT_BANNER in result.stderr
    rows = _companies(result.stdout)
    assert {r["as_of"] for r in rows.values()} == {"2025-10-10"}
    nre = rows["600111.SS"]
    assert nre["fy1"] == "2025" and "etr_excludes_dividend" not in nre["flags"]
    assert float(nre["etr"]) == pytest.approx(72 / 53.13 - 1 + 0.08 / 53.13)  # upside + FY1 DPS 0.08 / price
    assert float(nre["ytd_change"]) == pytest.approx(1.47)  # the sheet's YTD, as published on 2025-10-10
    lynas = rows["LYC.AX"]  # June year end: FY1 2026 at 2025-10-10; consensus P/E 79.9x at the sheet's price
    assert lynas["fy1"] == "2026" and float(lynas["pe_fy1"]) == pytest.approx(79.9)


def test_as_of_given_rolls_fiscal_years_forward_without_banner(tmp_path: Path) -> None:
    runner, cfg = _snapshot_only(tmp_path)
    result = runner.invoke(app, ["screen", "--format", "csv", "--as-of", "2026-12-06", *cfg])
    assert result.exit_code == 0, result.output
    assert "no price newer than" not in result.stderr
    nre = _companies(result.stdout)["600111.SS"]
    assert (nre["as_of"], nre["fy1"]) == ("2026-12-06", "2026")
    assert "stale_price" in nre["flags"] and "etr_excludes_dividend" in nre["flags"]  # no FY2026 DPS: asked for


# ------------------------------------------------------------------------ the same date on every command
CRE = SHARED_DATA / "prices" / "a_shares" / "xsrob_raw_2022_2026" / "000831.SZ.csv"
"""China Rare Earth's closes to 2026-07-29: in the store, newer than the snapshot's 2025-10-10."""
FX = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"
SMM = SHARED_DATA / "oxides" / "smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose store holds CNY FX, the dy_smm oxide series and 000831.SZ's closes to 2026-07-29."""
    for path in (CRE, FX, SMM):
        need(path)
    config = make_config(tmp_path_factory.mktemp("scope") / "w")
    runner = EnvRunner(lambda: make_env(clock=lambda: datetime(2026, 7, 30, 9, tzinfo=UTC), offline=True))
    cfg = ["--config", str(config)]
    for args in (
        ["fx", "import", str(FX), "--currency", "CNY"],
        ["prices", "import", str(CRE), "--ticker", "000831.SZ"],
        ["oxides", "import", str(SMM), "--series", "dy_smm", "--value-col", "SMM-REO-DXO"],
    ):
        done = runner.invoke(app, [*args, *cfg])
        assert done.exit_code == 0, done.output
    return config


def _as_of_everywhere(config: Path, today: datetime, out: Path) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Each command on ``-u producers`` (or its name 000831.SZ): the as-of date it reports, the FY1 of 000831.SZ
    where it shows one, and the commands whose stderr carries the as-of banner."""
    runner = EnvRunner(lambda: make_env(clock=lambda: today, offline=True))
    cfg, producers = ["--config", str(config)], ["-u", "producers"]
    out.mkdir()
    dates: dict[str, str] = {}
    fy1: dict[str, str] = {}
    banner: set[str] = set()

    def invoke(name: str, *args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, *cfg])
        assert result.exit_code == code, (name, result.output)
        if "no price newer than" in result.stderr:
            banner.add(name)
        return str(result.stdout)

    screened = json.loads(invoke("screen", "screen", *producers, "--format", "json"))
    dates["screen"] = screened["as_of"]
    fy1["screen"] = str(next(r["fy1"] for r in screened["rows"] if r["ticker"] == "000831.SZ"))  # a JSON number
    invoke("export", "export", *producers, "--out", str(out / "comps.csv"))
    exported = _companies((out / "comps.csv").read_text())["000831.SZ"]
    dates["export"], fy1["export"] = exported["as_of"], exported["fy1"]
    valued = json.loads(invoke("value", "value", "000831.SZ", *producers, "--pb-mean", "2", "--pb-sd", "0.5", "-f",
                               "json"))  # fmt: skip
    dates["value"], fy1["value"] = valued["as_of"], str(valued["forward_year"] - 1)  # forward = FY2 = FY1 + 1
    dates["financials"] = json.loads(invoke("financials", "financials", *producers, "--format", "json"))["as_of"]
    correlated = invoke("correlate", "correlate", *producers, "--oxide", "dy_smm", "--format", "json")
    dates["correlate"] = json.loads(correlated)["end"]  # the window ends at the as-of date
    drifted = invoke("drift", "drift", *producers, "--no-record", "--format", "json", code=4)
    dates["drift"] = json.loads(drifted)["as_of"]
    invoke("report", "report", *producers, "--out", str(out / "report.html"))
    dates["report"] = re.findall(r"as of (\d{4}-\d\d-\d\d)", (out / "report.html").read_text())[0]
    for chart, args in (
        ("chart peers", ["chart", "peers", *producers]),
        ("chart financials", ["chart", "financials", *producers]),
        ("chart rating-history", ["chart", "rating-history", "000831.SZ", *producers]),
    ):
        invoke(chart, *args, "--out", str(out / f"{chart.replace(' ', '_')}.png"))
    return dates, fy1, banner


COMMANDS = {"screen", "export", "value", "financials", "correlate", "drift", "report"}
BANNERED = COMMANDS - {"drift"} | {"chart peers", "chart financials", "chart rating-history"}
"""Every command says the held-back date on stderr (drift only in its csv/json form: here json)."""


def test_stale_prices_give_every_command_the_latest_price_date(stored: Path, tmp_path: Path) -> None:
    # today 2027-04-05; the newest price of the selection is 000831.SZ's 2026-07-29: every command is as of that
    # day, where FY2025 (reported 90 days after 2025-12-31) is out and FY1 is 2026 — at today it would be 2027
    dates, fy1, banner = _as_of_everywhere(stored, datetime(2027, 4, 5, 9, tzinfo=UTC), tmp_path / "out")
    assert dates == dict.fromkeys(COMMANDS, "2026-07-29")
    assert fy1 == dict.fromkeys(("screen", "export", "value"), "2026")
    assert banner == BANNERED | {"drift"}


def test_a_fresh_price_gives_every_command_today(stored: Path, tmp_path: Path) -> None:
    # today Fri 2026-07-31: 000831.SZ's 2026-07-29 is 2 trading days old, within 5: every command is as of today
    dates, fy1, banner = _as_of_everywhere(stored, datetime(2026, 7, 31, 9, tzinfo=UTC), tmp_path / "out")
    assert dates == dict.fromkeys(COMMANDS, "2026-07-31")
    assert fy1 == dict.fromkeys(("screen", "export", "value"), "2026")
    assert banner == set()


# ------------------------------------------------------------------------------ the decisive gather, reused
def _scope(tmp_path: Path, as_of: date, today: date, marker: Quote) -> tuple[ResolvedScope, object]:
    """A resolved snapshot scope of 600111.SS whose deciding gather (the probe) holds ``marker``: a price no source
    has, so the result shows whether the gather was reused or made again."""
    env = make_env(config=make_config(tmp_path / "w"), clock=lambda: datetime(2026, 12, 6, tzinfo=UTC))
    resolved = resolve_scope(env, Scope("snapshot", as_of), one="600111.SS")
    probe = Probe(frozenset({"600111.SS"}), frozenset({"CNY"}), MarketData(quotes={"600111.SS": marker}))
    return ResolvedScope("snapshot", as_of, False, today, None, resolved.selection, probe), env


def test_the_gather_that_decided_today_is_reused(tmp_path: Path) -> None:
    from screener.app.market import market_data

    marker = Quote("600111.SS", 1.0, "CNY", date(2026, 12, 4), "live")
    scope, env = _scope(tmp_path, date(2026, 12, 6), date(2026, 12, 6), marker)
    assert market_data(env, scope, {"600111.SS": "CNY"}, {"CNY"}).quotes["600111.SS"] == marker  # type: ignore[arg-type]
    # other names asked for: a gather of its own (the snapshot's 53.13)
    other = market_data(env, scope, {"600111.SS": "CNY", "000831.SZ": "CNY"}, {"CNY"})  # type: ignore[arg-type]
    assert other.quotes["600111.SS"].price == 53.13


def test_a_held_back_date_gathers_again_at_that_date(tmp_path: Path) -> None:
    from screener.app.market import market_data

    marker = Quote("600111.SS", 1.0, "CNY", date(2025, 10, 10), "live")
    scope, env = _scope(tmp_path, date(2025, 10, 10), date(2026, 12, 6), marker)
    got = market_data(env, scope, {"600111.SS": "CNY"}, {"CNY"})  # type: ignore[arg-type]
    assert got.quotes["600111.SS"].price == 53.13  # FX and prices picked on or before 2025-10-10, not today


# ------------------------------------------------------------------------------- nobody else picks the date
ALLOWED_TODAY = {
    ("scope", "resolve_scope"): "the rule itself: today, against which prices are fresh or stale",
    ("scope", "until"): "screener fetch asks up to --as-of, else today (it fetches; it does not screen)",
    ("market", "live_source"): "the live source's clock: quote TTL, the end of a Yahoo FX request",
    ("market", "sources"): "whether the as-of date is in the past (Yahoo serves only today's quote)",
    ("universes", "load"): "a universe file's dates may not lie in the future",
    ("universes", "configured"): "a universe file's dates may not lie in the future",
    ("universes", "one"): "a universe file's dates may not lie in the future",
    ("universes", "validate"): "a universe file's dates may not lie in the future",
    ("views", "history"): "`view history` marks the view in force today (the record of views, not a screen)",
    ("views", "set_view"): "a view set with `view set` is dated today unless --on says otherwise",
    ("views", "_append"): "the view is checked against today as it is written under the lock (see set_view)",
    ("imports", "import_prices"): "an import is stamped with its day; its dates may not lie in the future",
    ("imports", "import_price_table"): "an import is stamped with its day; its dates may not lie in the future",
    ("imports", "import_oxides"): "an import is stamped with its day; its dates may not lie in the future",
    ("imports", "import_fx_history"): "an import is stamped with its day; its dates may not lie in the future",
    ("estimates", "import_estimates"): "imported consensus may not be dated in the future",
    ("financials_import", "import_statements"): "imported estimates are known from --known-on, else today",
    ("holdings", "import_holdings"): "the universe written from an ETF's holdings is checked at today",
    ("valuation_history", "import_valuation"): "an imported valuation history may not lie in the future",
}


def _date_defaults(folder: Path) -> set[str]:
    """In the modules of ``folder``: ``module.function: today()`` for every ``….today()`` call (innermost
    function), ``module: date.max``, and ``module: X`` for every ``as_of or <today() | price_date>`` fallback."""
    found = set()
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            inner = {id(n) for f in ast.walk(function) if f is not function and isinstance(f, ast.FunctionDef)
                     for n in ast.walk(f)}  # fmt: skip
            for node in ast.walk(function):
                call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                if call and node.func.attr == "today" and id(node) not in inner:  # type: ignore[union-attr]
                    found.add(f"{path.stem}.{function.name}: today()")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and ast.unparse(node) == "date.max":
                found.add(f"{path.stem}: date.max")
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                first, *fallbacks = (ast.unparse(v) for v in node.values)
                if first.endswith("as_of") and any("today()" in f or "price_date" in f for f in fallbacks):
                    found.add(f"{path.stem}: {ast.unparse(node)}")
    return found


def test_no_use_case_picks_an_as_of_date_of_its_own() -> None:
    # a new caller of today(): resolve its date through the scope (screener.app.scope) instead
    assert _date_defaults(PACKAGE / "app") == {f"{module}.{function}: today()" for module, function in ALLOWED_TODAY}


def test_the_check_sees_each_way_of_picking_a_date(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        "def screen(env, options, quote):\n"
        "    day = options.as_of or env.today()\n"
        "    last = options.as_of or date.max\n"
        "    return as_of or quote.price_date\n"
    )
    assert _date_defaults(tmp_path) == {
        "probe.screen: today()",
        "probe: options.as_of or env.today()",
        "probe: date.max",
        "probe: as_of or quote.price_date",
    }


# -------------------------------------------------------------------------------------------------- --help
@pytest.mark.parametrize("command", [["screen"], ["value"], ["correlate"], ["chart", "peers"], ["drift"]])
def test_help_states_the_rule(command: list[str]) -> None:
    shown = " ".join(EnvRunner().invoke(app, [*command, "--help"]).stdout.split())
    assert " ".join(AS_OF_HELP.split()) in shown
    assert "stale_price_trading_days" in AS_OF_HELP and "latest price date" in AS_OF_HELP
