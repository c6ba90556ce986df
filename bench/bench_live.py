"""The live refresh through the fake Yahoo (tests/yahoo_fake.py: yfinance's real parsing over curl_cffi, served by
a loopback proxy) with an injected latency per request, as ratios measured in one run:

* `screener fetch` of 20, 100 and 300 names (synthetic universes: histories, quotes, consensus for the names
  without a house view, FX) with the worker pool (``[live] workers`` = 8) against the same code with one worker,
  and against the loop a user would write with yfinance (per ticker: ``history``, ``info``, and the consensus
  calls for not-rated names; then the FX download) — requests counted for each;
* a second `fetch` within the TTL (0 requests expected) and a next-day `fetch` (only the new bar requested per
  history, the quotes again because their TTL passed).

Every run starts cold (fresh store, yfinance's caches reset). Latency dominates, so each figure is one run.

Offline by construction: every request goes to the loopback fake. The A-share consensus job (AKShare's THS and
Sina pages) is left out — AKShare is made unimportable in this process, so `fetch` plans no such job and says so,
exactly as without the `[cn]` extra; the user's loop does not call AKShare either, so the comparison is like for
like (the AKShare path's own parsing is tested offline in tests/test_akshare_consensus.py).

    python bench/bench_live.py [--latency 0.15] [--sizes 20 100 300] [--serial-max 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402
from fake_process import FakeYahooProcess  # noqa: E402

from tests.yahoo_fake import FakeSymbol, FakeYahoo, business_days, isolate_yfinance, make_bars  # noqa: E402

NOW = dt.datetime(2025, 3, 28, 22, tzinfo=dt.UTC)  # a Friday evening, after the close everywhere
DAYS = business_days(dt.date(2025, 1, 2), dt.date(2025, 3, 28))
ZONES = {"CNY": "Asia/Shanghai", "USD": "America/New_York", "JPY": "Asia/Tokyo"}


def fake_yahoo(n: int) -> FakeYahoo:
    symbols = []
    for i in range(n):
        ticker, currency = synthetic.ticker_for(i)
        price = 10.0 + i % 97
        info = {"symbol": ticker, "currency": currency, "financialCurrency": currency, "quoteType": "EQUITY",
                "currentPrice": price, "regularMarketPrice": price, "regularMarketTime": int(NOW.timestamp()) - 3600,
                "marketCap": 1e9 + i * 1e7, "bookValue": price / 2, "trailingEps": price / 15}  # fmt: skip
        symbols.append(FakeSymbol(ticker, make_bars(DAYS, price), currency, ZONES[currency], info=info))
    for code, level in (("CNY", 7.2), ("JPY", 150.0)):
        symbols.append(FakeSymbol(f"{code}=X", make_bars(DAYS, level, 0.0), code, "Europe/London",
                                  instrument_type="CURRENCY"))  # fmt: skip
    return FakeYahoo(symbols, now=NOW)


def config_for(folder: Path, n: int, workers: int) -> Path:
    built = synthetic.build(folder, n, history_days=1, now=NOW)  # the universe file; the store is replaced below
    for kind in ("quotes", "fx", "prices"):
        for path in (built.store / kind).glob("*"):
            path.unlink()
    built.config.write_text(
        f'[universes]\nfiles = ["{built.universe.name}"]\n\n[store]\ndir = "cache"\nttl_hours = 12\n'
        f'history_start = "2025-01-02"\n\n[history]\npath = "history.sqlite"\n\n[live]\nworkers = {workers}\n'
    )
    return built.config


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def screener_fetch(fake: FakeYahooProcess, config: Path, clock: Clock, cache: Path | None) -> tuple[float, int, Any]:
    """One `screener fetch` (the use case the command runs) against the fake: seconds, requests, report. ``cache``:
    start yfinance cold there (a first fetch); None keeps its caches from the previous fetch (as the store does)."""
    from screener.app.fetch import FetchOptions, fetch, plan
    from screener.environment import Environment

    env = Environment(config=config, yahoo_session_factory=lambda c: fake.session(), clock=clock, environ={})
    if cache is not None:
        isolate_yfinance(cache)
    fake.ask("reset_log")
    start = time.perf_counter()
    report = fetch(env, plan(env, FetchOptions())).report
    return time.perf_counter() - start, fake.ask("requests"), report


def user_loop(fake: FakeYahooProcess, n: int, rated: set[str], cache: Path) -> tuple[float, int]:
    """The straightforward serial code: per ticker its history and info, consensus calls for the not-rated, then
    the FX rates in one download."""
    import yfinance as yf

    isolate_yfinance(cache)
    session = fake.session()
    fake.ask("reset_log")
    start = time.perf_counter()
    for i in range(n):
        ticker, _ = synthetic.ticker_for(i)
        handle = yf.Ticker(ticker, session=session)
        handle.history(start="2025-01-02", end="2025-03-29", auto_adjust=True)
        dict(handle.info)
        if ticker not in rated:
            _ = handle.earnings_estimate, handle.analyst_price_targets
    yf.download(["CNY=X", "JPY=X"], start="2025-03-14", end="2025-03-29", session=session, progress=False)
    return time.perf_counter() - start, fake.ask("requests")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per request (default 0.15)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--serial-max", type=int, default=100, help="largest size also run serially (slow)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help="smallest size, one run: .ci/run checks the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.serial_max, args.latency = [20], 20, 0.01
    import logging
    import warnings

    logging.getLogger("yfinance").addHandler(logging.NullHandler())
    logging.getLogger("yfinance").propagate = False
    warnings.filterwarnings("ignore")
    sys.modules["akshare"] = None  # type: ignore[assignment]  # no A-share consensus job: see the docstring
    print(f"fake Yahoo with {args.latency * 1000:.0f} ms per request; {args.workers} workers; one run per figure")
    print("A-share consensus through AKShare left out (no job planned; nothing leaves this machine)")
    print(f"{'names':>5} {'what':38} {'seconds':>8} {'requests':>9} {'vs pool':>8}")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="screener-bench-live-") as tmp:
        folder = Path(tmp)
        for n in args.sizes:
            built = fake_yahoo(n)
            built.latency = args.latency
            fake = FakeYahooProcess(built)
            try:
                rows: dict[str, tuple[float, int]] = {}
                clock = Clock()
                config = config_for(folder / f"pool{n}", n, args.workers)
                seconds, requests, report = screener_fetch(fake, config, clock, folder / f"yf{n}")
                assert report.quotes == n and not report.problems, report.problems
                rows[f"screener fetch, {args.workers} workers"] = (seconds, requests)
                if n <= args.serial_max:
                    serial = config_for(folder / f"serial{n}", n, 1)
                    seconds, requests, _ = screener_fetch(fake, serial, Clock(), folder / f"yfs{n}")
                    rows["screener fetch, 1 worker (serial)"] = (seconds, requests)
                    from screener.universe import load_universe

                    rated = {c.ticker for c in load_universe(serial.parent / "synthetic.toml").companies if c.views}
                    rows["user's loop with yfinance (serial)"] = user_loop(fake, n, rated, folder / f"yfu{n}")
                pool = rows[f"screener fetch, {args.workers} workers"][0]
                for name, (seconds, requests) in rows.items():
                    print(f"{n:5d} {name:38} {seconds:8.2f} {requests:9d} {seconds / pool:7.1f}x")
                if "screener fetch, 1 worker (serial)" in rows:
                    verdicts.append((n, rows["screener fetch, 1 worker (serial)"][0] / pool))
                # within the TTL: nothing asked
                seconds, requests, _ = screener_fetch(fake, config, clock, None)
                print(f"{n:5d} {'second fetch within the TTL':38} {seconds:8.2f} {requests:9d}")
                # the next day: one new bar per symbol
                clock.now = NOW + dt.timedelta(days=3)
                fake.ask("add_day", dt.date(2025, 3, 31), clock.now)
                seconds, requests, report = screener_fetch(fake, config, clock, None)
                charts = fake.ask("charts")
                spans = {(p2 - p1) for p1, p2 in fake.ask("last_chart_windows") if p1 and p2}
                new_rows = set(report.histories_updated.values())
                print(f"{n:5d} {'next-day fetch':38} {seconds:8.2f} {requests:9d}   {charts} chart requests, windows "
                      f"{sorted(str(s) for s in spans)} (Saturday to Monday), new rows per history "
                      f"{sorted(new_rows)}; the rest: quotes and consensus past their TTL")  # fmt: skip
            finally:
                fake.close()
    for n, ratio in verdicts:
        target = " (target >= 5x: " + ("met" if ratio >= 5 else "NOT met") + ")" if n == 100 else ""
        print(f"{n} names: the pool is {ratio:.1f}x faster than the serial path{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
