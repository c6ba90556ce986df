"""The concurrent live refresh, through the fake Yahoo (yfinance's real parsing over curl_cffi): the pool gives the
serial path's results, really runs in parallel, shares one rate-limit pause, isolates a failing name, and keeps
what finished when interrupted."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from yahoo_fake import FakeSymbol, FakeYahoo, business_days, make_bars, make_session, serving, trend_row

from screener.cli import app
from screener.data.live import LiveSource
from screener.data.offline import OfflineMemo
from screener.data.pool import Outcome, run_pool
from screener.data.refresh import refresh
from screener.data.store import Store
from screener.data.yahoo import RetryPolicy
from screener.errors import DataUnavailable

from .conftest import EnvRunner, TickingClock, make_config, make_env

DAYS = business_days(dt.date(2025, 2, 3), dt.date(2025, 3, 28))
NAMES = [f"Z{letter}" for letter in "ABCDEFGHIJKL"]  # twelve US-style symbols
NOW = dt.datetime(2025, 3, 28, 22, tzinfo=dt.UTC)


def symbol(name: str, i: int) -> FakeSymbol:
    price = 10.0 + i
    info = {"symbol": name, "currency": "USD", "financialCurrency": "USD", "quoteType": "EQUITY",
            "currentPrice": price, "regularMarketPrice": price, "regularMarketTime": 1743192000,
            "marketCap": 1e9 * (i + 1), "bookValue": 5.0 + i / 10, "trailingEps": 0.5 + i / 100}  # fmt: skip
    sym = FakeSymbol(name, make_bars(DAYS, price), "USD", "America/New_York", info=info)
    sym.earnings_trend = [trend_row("0y", "2025-12-31", 0.4 + i / 100, 0.3, 0.5, 5, "USD")]
    return sym


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    yahoo = FakeYahoo([symbol(n, i) for i, n in enumerate(NAMES)], now=NOW)
    with serving(yahoo, tmp_path, monkeypatch) as served:
        yield served


def source(fake: FakeYahoo, root: Path, workers: int, **kwargs: object) -> LiveSource:
    store = Store(root, TickingClock(NOW))
    options: dict[str, object] = {"policy": RetryPolicy(sleep=lambda s: None), "workers": workers}
    options.update(kwargs)
    return LiveSource(lambda: make_session(fake), store, 12.0, NOW.date(), **options)  # type: ignore[arg-type]


def payloads(root: Path, kind: str) -> dict[str, dict[str, object]]:
    """What the store holds of a kind, without fetch times."""
    return {p.stem: json.loads(p.read_text())["payload"] for p in sorted((root / kind).glob("*.json"))}


# --- the pool itself ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 3, 16])
def test_pool_hands_every_outcome_back_on_the_calling_thread(workers: int) -> None:
    caller = threading.get_ident()
    seen: list[tuple[int, int | None, str]] = []

    def call(n: int) -> int:
        if n == 4:
            raise ValueError("four")
        time.sleep(0.001 * (n % 3))
        return n * n

    def handle(outcome: Outcome[int, int]) -> None:
        assert threading.get_ident() == caller
        seen.append((outcome.key, outcome.value, str(outcome.error or "")))

    assert run_pool(range(10), call, handle, workers=workers) == []
    assert sorted(seen) == [(n, None if n == 4 else n * n, "four" if n == 4 else "") for n in range(10)]
    if workers == 1:
        assert [k for k, _, _ in seen] == list(range(10))  # the serial path keeps the order


def test_pool_holds_dispatch_and_returns_what_never_started() -> None:
    started: list[int] = []

    def call(n: int) -> int:
        started.append(n)
        return n

    done: list[int] = []
    left = run_pool(range(10), call, lambda o: done.append(o.key), workers=2, hold=lambda: len(done) >= 3)
    assert len(done) >= 3 and sorted(done + left) == list(range(10)) and sorted(started) == sorted(done)
    assert left == [n for n in range(10) if n not in done]


def test_pool_cancels_what_has_not_started_when_the_handler_raises() -> None:
    started: list[int] = []

    def call(n: int) -> int:
        started.append(n)
        time.sleep(0.01)
        return n

    def handle(outcome: Outcome[int, int]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pool(range(100), call, handle, workers=4)
    time.sleep(0.1)
    assert len(started) <= 8  # the first wave and at most one more per worker; never the remaining 90+


# --- the retry policy ----------------------------------------------------------------------------------------------
def test_one_429_pauses_every_worker() -> None:
    """Thread A meets a 429 and pauses the policy; thread B, about to send its next request, waits out the rest of
    the pause (a clock that only moves when someone sleeps makes this exact)."""
    now = [0.0]
    slept: dict[str, list[float]] = {}
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.setdefault(threading.current_thread().name, []).append(round(seconds, 6))

    policy = RetryPolicy(backoff=2.0, sleep=sleep, clock=lambda: now[0])
    a = threading.Thread(target=lambda: policy.wait_or_raise(1, RuntimeError("x")), name="A")
    a.start()
    a.join()
    now[0] = 1.5
    b = threading.Thread(target=policy.wait_turn, name="B")
    b.start()
    b.join()
    assert slept == {"A": [4.0], "B": [2.5]} and policy.rate_limits == 1
    now[0] = 4.0
    c = threading.Thread(target=policy.wait_turn, name="C")
    c.start()
    c.join()
    assert "C" not in slept  # the pause is over: no wait


def test_backoff_is_capped() -> None:
    slept: list[float] = []
    policy = RetryPolicy(max_retries=10, backoff=2.0, cap=5.0, sleep=slept.append)
    for attempt in range(4):
        policy.wait_or_raise(attempt, RuntimeError("x"))
    assert slept == [2.0, 4.0, 5.0, 5.0]


# --- through the fake Yahoo ------------------------------------------------------------------------------------------
def test_concurrent_fetch_gives_the_serial_results(fake: FakeYahoo, tmp_path: Path) -> None:
    fake.latency = 0.01  # long enough for requests to overlap when they can
    results = {}
    for workers in (1, 8):
        root = tmp_path / f"w{workers}"
        live = source(fake, root, workers)
        fake.max_in_flight = 0
        report = refresh(NAMES, ["USD"], live, today=NOW.date(), history_start=DAYS[0], consensus_for=NAMES[:5])
        assert report.quotes == 12 and report.consensus == 5 and not report.problems
        results[workers] = (payloads(root, "quotes"), payloads(root, "consensus"), fake.max_in_flight)
    (serial_quotes, serial_consensus, serial_peak), (pool_quotes, pool_consensus, pool_peak) = results[1], results[8]
    assert pool_quotes == serial_quotes and pool_consensus == serial_consensus
    assert serial_quotes["ZC"]["price"] == 12.0 and serial_quotes["ZC"]["market_cap"] == 3000.0
    assert serial_peak == 1 < pool_peak  # the pool really had requests in flight together


def test_a_429_slows_all_workers_and_recovers(fake: FakeYahoo, tmp_path: Path) -> None:
    fake.latency = 0.03
    fake.rate_limit("ZB", times=2)  # two refusals in a row: yfinance's own retry does not absorb it
    slept: dict[int, float] = {}
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept[threading.get_ident()] = slept.get(threading.get_ident(), 0.0) + seconds
        time.sleep(seconds)

    policy = RetryPolicy(backoff=0.5, sleep=sleep)
    live = source(fake, tmp_path / "s", 4, policy=policy)
    quotes = live.quotes(NAMES)
    assert sorted(quotes) == NAMES and not live.problems()
    assert policy.rate_limits == 1
    assert len(slept) >= 2  # the worker that met the 429 backed off, and other workers waited their turn
    assert max(slept.values()) == pytest.approx(0.5, abs=0.01)  # the backoff itself: backoff x 2^0


def test_a_failure_on_one_name_marks_that_name_only(fake: FakeYahoo, tmp_path: Path) -> None:
    fake.latency = 0.02
    fake.disconnect("ZE")
    fake.not_found("ZG")
    root = tmp_path / "s"
    live = source(fake, root, 8, memo=OfflineMemo(Store(root, TickingClock(NOW)), 10))
    quotes = live.quotes(NAMES)
    assert sorted(quotes) == [n for n in NAMES if n not in ("ZE", "ZG")]
    problems = live.problems()
    assert set(problems) == {"ZE", "ZG"}
    assert problems["ZE"].startswith("connection failed: ") and "not found" in problems["ZG"]
    assert not (root / "network" / "yahoo.json").exists()  # Yahoo answered others: not an outage


def test_nothing_gets_through_means_unreachable_and_remembered(fake: FakeYahoo, tmp_path: Path) -> None:
    fake.network_down = True
    root = tmp_path / "s"
    store = Store(root, TickingClock(NOW))
    live = source(fake, root, 8, memo=OfflineMemo(store, 10))
    with pytest.raises(DataUnavailable, match="Yahoo unreachable: ") as caught:
        live.quotes(NAMES)
    assert "curl:" not in str(caught.value) and "See https" not in str(caught.value)
    assert len(fake.calls("quoteSummary")) <= 8  # held after the first wave: 12 names are not all probed
    outage = OfflineMemo(store, 10).current()
    assert outage is not None and outage.reason in str(caught.value)


def test_an_interrupted_fetch_keeps_what_finished(fake: FakeYahoo, tmp_path: Path) -> None:
    fake.latency = 0.02
    finished: list[str] = []

    def progress(label: str, steps: int) -> None:
        finished.append(label.split()[-1])
        if len(finished) == 3:
            raise KeyboardInterrupt  # Ctrl-C lands in the main thread while the pool runs

    root = tmp_path / "s"
    live = source(fake, root, 4, progress=progress)
    with pytest.raises(KeyboardInterrupt):
        live.quotes(NAMES)
    stored = payloads(root, "quotes")
    assert set(finished) <= set(stored) and len(stored) < len(NAMES)
    for name in finished:  # complete, readable records: each was written as it arrived
        assert stored[name]["price"] == 10.0 + NAMES.index(name)
    fake.latency = 0.0
    rerun = source(fake, root, 4)
    fake.reset_log()
    assert sorted(rerun.quotes(NAMES)) == NAMES
    assert {c.symbol for c in fake.calls("quoteSummary")} == set(NAMES) - set(stored)  # only what was missing


def test_fetch_command_uses_the_configured_workers(fake: FakeYahoo, tmp_path: Path) -> None:
    universe = tmp_path / "u.toml"
    universe.write_text(
        '[universe]\nname = "u"\n'
        + "".join(
            f'[[company]]\nticker = "{n}"\nname = "{n}"\ngroup = "G"\ncurrency = "USD"\nfiscal_year_end_month = 12\n'
            for n in NAMES
        )
    )
    runner = EnvRunner(lambda: make_env(yahoo_session_factory=lambda c: make_session(fake), clock=TickingClock(NOW)))
    for workers, expect_parallel in ((1, False), (6, True)):
        config = make_config(
            tmp_path / f"w{workers}",
            {
                "universes": {"files": [str(universe)]},
                "live": {"workers": workers},
                "store": {"history_start": "2025-02-03"},
            },
        )
        fake.max_in_flight = 0
        fake.latency = 0.01
        result = runner.invoke(app, ["fetch", "--config", str(config), "--as-of", "2025-03-28"])
        assert result.exit_code == 0, result.output
        assert "12 quotes, 12 consensus sets" in result.stdout
        assert (fake.max_in_flight > 1) is expect_parallel


def test_history_download_runs_as_many_requests_as_workers(fake: FakeYahoo, tmp_path: Path) -> None:
    """yfinance's download queues tickers on a global pool sized once to the CPU count (2 here, whatever threads=
    says): the adapter resizes it, so the configured workers really run together."""
    from screener.data.yahoo import download_closes

    fake.latency = 0.05
    fake.max_in_flight = 0
    closes, failures = download_closes(NAMES, "2025-02-03", "2025-03-29", make_session(fake), threads=6)
    assert not failures and list(closes.columns) == NAMES and len(closes) == len(DAYS)
    assert fake.max_in_flight >= 4
