"""`screener fetch --valuation` end to end with CliRunner against both fakes: baostock's own client talking to the
loopback baostock server (tests/baostock_fake.py), yfinance talking to the fake Yahoo (tests/yahoo_fake.py).
The store gets A-share multiples and book values of every name; `--offline` asks nobody; a provider that fails or
is not installed is one warning line, never a traceback, and the fetch still exits 0."""

from __future__ import annotations

import datetime as dt
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
pytest.importorskip("baostock")
from baostock_fake import FakeBaostockServer, make_daily_rows
from yahoo_fake import FakeSymbol, FakeYahoo, business_days, make_bars, make_session, serving

from screener.cli import app
from screener.data.store import Store
from screener.data.valuation import read_valuation

from .conftest import EnvRunner, TickingClock, make_config, make_env

DAYS = business_days(dt.date(2025, 1, 2), dt.date(2025, 3, 28))
COMPANIES = (("600111.SS", "China Northern Rare Earth", "CNY"), ("MP", "MP Materials", "USD"))
UNIVERSE = '[universe]\nname = "valuation"\n' + "".join(
    f'\n[[company]]\nticker = "{t}"\nname = "{n}"\ngroup = "Producers"\ncurrency = "{c}"\nfiscal_year_end_month = 12\n'
    for t, n, c in COMPANIES
)
REAL_CONNECT = socket.socket.connect


def _symbol(symbol: str, currency: str, tz: str, price: float, sheets: dict[str, dict[str, float]]) -> FakeSymbol:
    info = {"symbol": symbol, "currency": currency, "financialCurrency": currency, "quoteType": "EQUITY",
            "currentPrice": price, "regularMarketPrice": price, "regularMarketTime": 1743148800}  # fmt: skip
    return FakeSymbol(symbol, make_bars(DAYS, price), currency, tz, info=info, timeseries=sheets)


def symbols() -> list[FakeSymbol]:
    nre = {"annualCommonStockEquity": {"2023-12-31": 30_000_000_000.0, "2024-12-31": 31_500_000_000.0},
           "annualOrdinarySharesNumber": {"2023-12-31": 3_615_000_000.0, "2024-12-31": 3_615_000_000.0}}  # fmt: skip
    mp = {"quarterlyStockholdersEquity": {"2024-12-31": 1_040_000_000.0},
          "quarterlyOrdinarySharesNumber": {"2024-12-31": 162_500_000.0}}  # fmt: skip
    return [
        _symbol("600111.SS", "CNY", "Asia/Shanghai", 45.0, nre),
        _symbol("MP", "USD", "America/New_York", 21.0, mp),
        FakeSymbol("CNY=X", make_bars(DAYS, 7.2, 0.0), "CNY", "Europe/London", instrument_type="CURRENCY"),
    ]


@pytest.fixture
def yahoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    with serving(FakeYahoo(symbols(), now=dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC)), tmp_path, monkeypatch) as fake:
        yield fake


@pytest.fixture
def baostock(yahoo: FakeYahoo, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBaostockServer]:
    """The baostock fake on 127.0.0.1; the only Python-level connection the test allows (``serving`` refuses all)."""
    import baostock.common.contants as cons

    rows = make_daily_rows("sh.600111", [d.isoformat() for d in DAYS])
    with FakeBaostockServer({"sh.600111": rows}) as fake:

        def loopback_only(self: socket.socket, address: Any) -> None:
            if address != (fake.host, cons.BAOSTOCK_SERVER_PORT):
                raise AssertionError(f"a test tried to open a real network connection to {address}")
            REAL_CONNECT(self, address)

        monkeypatch.setattr(socket.socket, "connect", loopback_only)
        monkeypatch.setattr(cons, "BAOSTOCK_SERVER_IP", fake.host)
        monkeypatch.setattr(cons, "BAOSTOCK_VIP_SERVER_IP", fake.host)
        monkeypatch.setattr(cons, "BAOSTOCK_SERVER_PORT", fake.port)
        yield fake


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(dt.datetime(2025, 3, 28, 22, tzinfo=dt.UTC))


@pytest.fixture
def runner(yahoo: FakeYahoo, clock: TickingClock) -> CliRunner:
    return EnvRunner(
        lambda: make_env(yahoo_session_factory=lambda cache: make_session(yahoo), sleep=lambda s: None, clock=clock)
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    universe = tmp_path / "valuation.toml"
    universe.write_text(UNIVERSE)
    edits = {"universes": {"files": [str(universe)]}, "store": {"history_start": "2025-01-02"}}
    return make_config(tmp_path / "work", edits)


def _fetch(runner: CliRunner, config: Path, *extra: str, as_of: str = "2025-03-28") -> Any:
    return runner.invoke(app, [*extra, "fetch", "--config", str(config), "--as-of", as_of, "--valuation"])


def _store(config: Path, clock: TickingClock) -> Store:
    return Store(config.parent / "cache", clock)


def test_fetch_valuation_fills_the_store_from_both_providers(
    runner: CliRunner, config: Path, yahoo: FakeYahoo, baostock: FakeBaostockServer, clock: TickingClock
) -> None:
    result = _fetch(runner, config)
    assert result.exit_code == 0, result.output
    assert f"baostock: 1 A-shares, 1 updated (+{len(DAYS)} days), 0 up to date" in result.stdout
    assert "Yahoo statements: 2 names, 2 updated (+3 reports), 0 up to date" in result.stdout
    assert "warning" not in result.stderr and "Traceback" not in result.output
    asked = baostock.kdata_requests()
    assert [(r["code"], r["start"], r["end"]) for r in asked] == [("sh.600111", "2018-01-01", "2025-03-28")]
    store = _store(config, clock)
    nre = read_valuation(store, "600111.SS")
    assert nre is not None and len(nre.series("pb")) == len(DAYS) and set(nre.multiples["pb_source"]) == {"baostock"}
    assert [(b.period_end, b.published, b.currency) for b in nre.book_values] == [
        (dt.date(2023, 12, 31), dt.date(2024, 3, 30), "CNY"),
        (dt.date(2024, 12, 31), dt.date(2025, 3, 31), "CNY"),
    ]
    assert nre.book_values[1].bvps == pytest.approx(31_500_000_000 / 3_615_000_000)
    mp = read_valuation(store, "MP")
    assert mp is not None and mp.multiples.empty  # not an A-share: no baostock request, Yahoo book values only
    assert [round(b.bvps, 6) for b in mp.book_values] == [round(1_040_000_000 / 162_500_000, 6)]

    clock.advance(days=3)  # Monday: one new trading day; the statements are still within the TTL
    baostock.data["sh.600111"] += make_daily_rows("sh.600111", ["2025-03-31"])
    yahoo.reset_log()
    again = _fetch(runner, config, as_of="2025-03-31")
    assert again.exit_code == 0, again.output
    assert [(r["start"], r["end"]) for r in baostock.kdata_requests()[1:]] == [("2025-03-29", "2025-03-31")]
    assert "baostock: 1 A-shares, 1 updated (+1 days)" in again.stdout
    assert "Yahoo statements: 2 names, 0 updated (+0 reports), 2 up to date" in again.stdout
    assert not yahoo.calls("timeseries")


def test_without_valuation_fetch_asks_neither_provider(
    runner: CliRunner, config: Path, yahoo: FakeYahoo, baostock: FakeBaostockServer
) -> None:
    result = runner.invoke(app, ["fetch", "--config", str(config), "--as-of", "2025-03-28"])
    assert result.exit_code == 0, result.output
    assert "baostock" not in result.output and "Yahoo statements" not in result.output
    assert not baostock.requests
    assert all("BalanceSheet" not in c.url and "Equity" not in c.url for c in yahoo.calls("timeseries"))


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_offline_asks_no_provider(
    how: str, config: Path, yahoo: FakeYahoo, baostock: FakeBaostockServer, clock: TickingClock
) -> None:
    environ = {"SCREENER_OFFLINE": "1"} if how == "environment" else {}
    runner = EnvRunner(
        lambda: make_env(yahoo_session_factory=lambda c: make_session(yahoo), clock=clock, environ=environ)
    )
    result = _fetch(runner, config, *(["--offline"] if how == "flag" else []))
    assert result.exit_code == 3 and "not asked: offline" in result.output and "Traceback" not in result.output
    assert not baostock.requests and not yahoo.requests_log


def test_baostock_unreachable_is_a_banner_and_the_rest_is_fetched(
    runner: CliRunner, config: Path, yahoo: FakeYahoo, baostock: FakeBaostockServer, clock: TickingClock
) -> None:
    baostock.stop()  # nothing listens on its port any more: connection refused
    result = _fetch(runner, config)
    assert result.exit_code == 0, result.output  # a provider failure is a partial failure, as a bad ticker is
    assert "warning: baostock unreachable" in result.stderr and "Traceback" not in result.output
    assert "baostock: 1 A-shares, skipped" in result.stdout
    assert "Yahoo statements: 2 names, 2 updated" in result.stdout
    history = read_valuation(_store(config, clock), "600111.SS")
    assert history is not None and history.multiples.empty and len(history.book_values) == 2
    again = _fetch(runner, config)  # the outage is remembered: baostock is not probed again
    assert "warning: baostock not asked: baostock offline since" in again.stderr


def test_a_failing_yahoo_statements_pass_is_a_banner(
    runner: CliRunner,
    config: Path,
    yahoo: FakeYahoo,
    baostock: FakeBaostockServer,
    clock: TickingClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from screener.data.yahoo import statements
    from screener.errors import YahooUnavailable

    def down(ticker: str, session: Any, **kwargs: Any) -> Any:
        raise YahooUnavailable("Yahoo Finance unreachable (connection reset)")

    monkeypatch.setattr(statements, "fetch_balance_sheets", down)
    result = _fetch(runner, config)
    assert result.exit_code == 0, result.output
    assert "warning: Yahoo statements unavailable: Yahoo unreachable: connection reset" in result.stderr
    assert "Yahoo statements: 2 names, skipped" in result.stdout and "Traceback" not in result.output
    assert "baostock: 1 A-shares, 1 updated" in result.stdout


def test_missing_baostock_says_how_to_install(
    runner: CliRunner, config: Path, yahoo: FakeYahoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "baostock", None)  # as if screener[cn] were not installed
    result = _fetch(runner, config)
    assert result.exit_code == 0, result.output
    assert "baostock is not installed" in result.stderr and "pip install 'screener[cn]'" in result.stderr
    assert "Traceback" not in result.output and "Yahoo statements: 2 names, 2 updated" in result.stdout
