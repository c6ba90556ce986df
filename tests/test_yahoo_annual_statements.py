"""Yahoo annual statements (#15) through yfinance's real parsing of the fundamentals-timeseries endpoint
(tests/yahoo_fake.py serves income statement, cash flow and balance sheet in the recorded shape): the fields in
millions by hand, the fallbacks, and `screener fetch --statements` end to end writing the statements store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from yahoo_fake import FakeSymbol, FakeYahoo, business_days, make_bars, make_session, serving

from screener.cli import app
from screener.data.statements import read_statements
from screener.data.store import Store
from screener.data.yahoo.statements import annual_years, fetch_annual_statements

from .conftest import EnvRunner, TickingClock, make_config, make_env

DAYS = business_days(dt.date(2025, 1, 2), dt.date(2025, 3, 28))
Y23, Y24 = "2023-12-31", "2024-12-31"
MP_SHEETS = {
    "annualTotalRevenue": {Y23: 253_445_000.0, Y24: 203_855_000.0},
    "annualGrossProfit": {Y23: 40_000_000.0, Y24: -30_000_000.0},
    "annualEBIT": {Y23: 12_000_000.0, Y24: -90_000_000.0},
    "annualNetIncome": {Y23: 24_300_000.0, Y24: -65_400_000.0},
    "annualNetIncomeCommonStockholders": {Y24: -65_000_000.0},  # preferred over NetIncome where reported
    "annualReconciledDepreciation": {Y24: 70_000_000.0},
    "annualOperatingCashFlow": {Y23: 51_000_000.0, Y24: -3_000_000.0},
    "annualCapitalExpenditure": {Y23: -249_000_000.0, Y24: -178_000_000.0},
    "annualFreeCashFlow": {Y23: -198_000_000.0, Y24: -181_000_000.0},
    "annualDepreciationAndAmortization": {Y23: 60_000_000.0, Y24: 71_000_000.0},  # cash flow: the fallback
    "annualCashAndCashEquivalents": {Y23: 263_000_000.0, Y24: 282_000_000.0},
    "annualTotalDebt": {Y23: 685_000_000.0, Y24: 1_043_000_000.0},
    "annualStockholdersEquity": {Y23: 1_050_000_000.0, Y24: 1_040_000_000.0},
    "annualMinorityInterest": {Y24: 2_500_000.0},
    "annualOrdinarySharesNumber": {Y23: 163_000_000.0, Y24: 162_500_000.0},
    "quarterlyTotalRevenue": {"2025-03-31": 60_800_000.0},  # never asked for
}
NRE_SHEETS = {
    "annualTotalRevenue": {Y23: 33_352_000_000.0, Y24: 32_827_000_000.0},
    "annualFreeCashFlow": {Y24: -663_000_000.0},
}


def _symbol(symbol: str, currency: str, tz: str, price: float, sheets: dict[str, dict[str, float]]) -> FakeSymbol:
    info = {"symbol": symbol, "currency": currency, "financialCurrency": currency, "quoteType": "EQUITY",
            "currentPrice": price, "regularMarketPrice": price, "regularMarketTime": 1743148800}  # fmt: skip
    return FakeSymbol(symbol, make_bars(DAYS, price), currency, tz, info=info, timeseries=dict(sheets))


@pytest.fixture
def yahoo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    symbols = [
        _symbol("MP", "USD", "America/New_York", 21.0, MP_SHEETS),
        _symbol("600111.SS", "CNY", "Asia/Shanghai", 45.0, NRE_SHEETS),
        FakeSymbol("CNY=X", make_bars(DAYS, 7.2, 0.0), "CNY", "Europe/London", instrument_type="CURRENCY"),
    ]
    now = dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC)
    with serving(FakeYahoo(symbols, now=now), tmp_path, monkeypatch) as fake:
        yield fake


def test_annual_statements_through_yfinance(yahoo: FakeYahoo) -> None:
    raw = fetch_annual_statements("MP", make_session(yahoo))
    assert sorted(raw["annual"]) == [Y23, Y24]  # the quarter is not asked for
    asked = yahoo.calls("timeseries", "MP")
    types = [call.params["type"].split(",") for call in asked]
    assert len(asked) == 3 and all(t.startswith("annual") for kinds in types for t in kinds)
    assert {"annualTotalRevenue", "annualFreeCashFlow", "annualTotalDebt"} <= {t for kinds in types for t in kinds}
    years = annual_years(raw, "USD")
    assert [(y.fiscal_year, y.period_end, y.is_estimate, y.currency) for y in years] == [
        (2023, dt.date(2023, 12, 31), False, "USD"),
        (2024, dt.date(2024, 12, 31), False, "USD"),
    ]
    y24 = years[1].values
    assert y24["revenue"] == pytest.approx(203.855)  # 203,855,000 / 1e6
    assert y24["borrowings"] == pytest.approx(1_043.0)  # TotalDebt
    assert y24["fcf"] == pytest.approx(-181.0)
    assert y24["capex"] == pytest.approx(-178.0) and y24["operating_cash_flow"] == pytest.approx(-3.0)
    assert y24["net_income"] == pytest.approx(-65.0)  # NetIncomeCommonStockholders, not NetIncome
    assert years[0].values["net_income"] == pytest.approx(24.3)  # NetIncome when the other is missing
    assert y24["d_and_a"] == pytest.approx(70.0)  # ReconciledDepreciation first
    assert years[0].values["d_and_a"] == pytest.approx(60.0)  # then the cash flow's DepreciationAndAmortization
    assert y24["shares"] == pytest.approx(162.5) and y24["minority_interests"] == pytest.approx(2.5)
    assert y24["gross_profit"] == pytest.approx(-30.0) and y24["cash"] == pytest.approx(282.0)
    assert "minority_interests" not in years[0].values  # not reported: absent, never zero


def test_fiscal_year_is_the_calendar_year_of_the_period_end() -> None:
    raw = {"annual": {"2024-06-30": {"TotalRevenue": 1.5e8}, "2025-06-30": {"TotalRevenue": None}}}
    years = annual_years(raw, "AUD")
    assert [(y.fiscal_year, y.values) for y in years] == [(2024, {"revenue": 150.0})]  # an empty period is dropped


# --- fetch --statements end to end ------------------------------------------------------------------------
UNIVERSE = '[universe]\nname = "stmts"\n' + "".join(
    f'\n[[company]]\nticker = "{t}"\nname = "{n}"\ngroup = "Producers"\ncurrency = "{c}"\nfiscal_year_end_month = 12\n'
    for t, n, c in (("600111.SS", "China Northern Rare Earth", "CNY"), ("MP", "MP Materials", "USD"))
)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(dt.datetime(2025, 3, 28, 22, tzinfo=dt.UTC))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    universe = tmp_path / "stmts.toml"
    universe.write_text(UNIVERSE)
    edits = {"universes": {"files": [str(universe)]}, "store": {"history_start": "2025-01-02"}}
    return make_config(tmp_path / "work", edits)


def _runner(yahoo: FakeYahoo, clock: TickingClock, **kwargs: Any) -> CliRunner:
    return EnvRunner(
        lambda: make_env(
            yahoo_session_factory=lambda cache: make_session(yahoo), sleep=lambda s: None, clock=clock, **kwargs
        )
    )


def _fetch(runner: CliRunner, config: Path, *extra: str) -> Any:
    return runner.invoke(app, [*extra, "fetch", "--config", str(config), "--as-of", "2025-03-28", "--statements"])


def test_fetch_statements_writes_the_store(yahoo: FakeYahoo, clock: TickingClock, config: Path) -> None:
    runner = _runner(yahoo, clock)
    result = _fetch(runner, config)
    assert result.exit_code == 0, result.output
    assert "Yahoo annual statements: 2 names, 2 updated (+4 years), 0 up to date" in result.stdout
    assert "warning" not in result.stderr and "Traceback" not in result.output
    store = Store(config.parent / "cache", clock)
    nre = read_statements(store, "600111.SS")
    assert sorted(nre) == [2023, 2024]
    assert nre[2024].values == pytest.approx({"revenue": 32_827.0, "fcf": -663.0})
    assert nre[2024].currency == "CNY"  # the stored quote's financial currency
    assert nre[2024].sources["revenue"] == "yahoo (Yahoo annual statements)"
    mp = read_statements(store, "MP")
    assert mp[2024].values["borrowings"] == pytest.approx(1_043.0) and mp[2024].currency == "USD"

    clock.advance(hours=1)  # within the TTL: not asked again
    yahoo.reset_log()
    again = _fetch(runner, config)
    assert again.exit_code == 0, again.output
    assert "Yahoo annual statements: 2 names, 0 updated (+0 years), 2 up to date" in again.stdout
    assert not [c for c in yahoo.calls("timeseries") if "annualTotalRevenue" in c.params["type"]]

    # the stored statements fill in a peer without a house model (`screener financials`, #15 Done-when)
    table = runner.invoke(app, ["financials", "MP", "--config", str(config), "--source", "store", "--as-of",
                                "2025-10-10", "--format", "csv", "--offline"])  # fmt: skip
    assert table.exit_code == 0, table.output
    rows = {r["fiscal_year"]: r for r in csv.DictReader(io.StringIO(table.stdout))}
    assert rows["2024"]["source"] == "yahoo (Yahoo annual statements)" and rows["2024"]["currency"] == "USD"
    assert float(rows["2024"]["revenue"]) == pytest.approx(mp[2024].values["revenue"])


def test_without_the_flag_no_statements_are_asked(yahoo: FakeYahoo, clock: TickingClock, config: Path) -> None:
    result = _runner(yahoo, clock).invoke(app, ["fetch", "--config", str(config), "--as-of", "2025-03-28"])
    assert result.exit_code == 0, result.output
    assert "annual statements" not in result.output
    assert not [c for c in yahoo.calls("timeseries") if "annualTotalRevenue" in c.params["type"]]


def test_offline_asks_nothing(yahoo: FakeYahoo, clock: TickingClock, config: Path) -> None:
    result = _fetch(_runner(yahoo, clock), config, "--offline")
    assert result.exit_code == 3 and "not asked: offline" in result.output and "Traceback" not in result.output
    assert not yahoo.requests_log


def test_a_failing_statements_pass_is_one_warning(
    yahoo: FakeYahoo, clock: TickingClock, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screener.data.yahoo import statements
    from screener.errors import YahooUnavailable

    def down(ticker: str, session: Any, **kwargs: Any) -> Any:
        raise YahooUnavailable("Yahoo Finance unreachable (connection reset)")

    monkeypatch.setattr(statements, "fetch_annual_statements", down)
    result = _fetch(_runner(yahoo, clock), config)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert warnings == ["warning: Yahoo annual statements unavailable: Yahoo unreachable: connection reset; "
                        "statements not updated"]  # fmt: skip
    assert "Yahoo annual statements: 2 names, skipped" in result.stdout and "Traceback" not in result.output


def test_a_name_without_statements_is_its_problem(yahoo: FakeYahoo, clock: TickingClock, config: Path) -> None:
    yahoo.symbols["600111.SS"].timeseries = {}
    result = _fetch(_runner(yahoo, clock), config)
    assert result.exit_code == 0, result.output
    assert "Yahoo annual statements: 2 names, 1 updated (+2 years), 0 up to date, 1 failed" in result.stdout
    assert "1 of 2 names had problems: 600111.SS: Yahoo has no annual statements" in result.stderr
