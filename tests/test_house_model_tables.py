"""#23 item 1: the universe's NRE and CRE house models carry the reference model tables (gross profit, tax,
minorities, oxide/salt/metal segment drivers, year-end book values), checked figure by figure against
../shared/spec/reference/house_model_tables_nre_cre.csv read here with the csv module; financials shows their
gross margins; the README's valuation recipe gives a P/B band from the shared real prices (checked with numpy)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.cli import app
from screener.config import load_settings
from screener.errors import UniverseError
from screener.universe import load_universe, parse_universe

from .conftest import CONFIG, REFERENCE, SHARED_DATA, UNIVERSES, EnvRunner, make_config, need

PRODUCERS = UNIVERSES / "producers.toml"
TABLES = REFERENCE / "house_model_tables_nre_cre.csv"
SEGMENTS = {"Rare Earth Oxide": "oxide", "Rare Earth Salt": "salt", "Rare Earth Metal": "metal",
            "Rare Earth Metals": "metal"}  # fmt: skip
TICKERS = ("600111.SS", "000831.SZ")
AS_OF = ("--source", "snapshot", "--as-of", "2025-10-10")


def reference() -> dict[tuple[str, str, str, str], dict[int, float]]:
    """(ticker, table, section, item) -> {year: value} as printed in the reference file."""
    out: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)
    with need(TABLES).open(newline="") as handle:
        for row in csv.DictReader(handle):
            out[(row["ticker"], row["table"], row["section"], row["item"])][int(row["year"])] = float(row["value"])
    return out


def models() -> dict[str, object]:
    return {c.ticker: c for c in load_universe(PRODUCERS).companies if c.ticker in TICKERS}


@pytest.mark.parametrize("ticker", TICKERS)
def test_segment_drivers_are_the_reference_assumptions(ticker: str) -> None:
    ref = reference()
    company = models()[ticker]
    segments = company.model.segments  # type: ignore[attr-defined]
    expected_names = {SEGMENTS[item] for (t, table, _, item) in ref if t == ticker and table == "assumptions"}
    assert set(segments) == expected_names  # NRE: oxide, salt, metal; CRE: oxide, metal
    checked = 0
    for label, name in SEGMENTS.items():
        volumes = ref.get((ticker, "assumptions", "Sales volume (ton)", label))
        if not volumes:
            continue
        segment = segments[name]
        assert segment.label == label and sorted(segment.years) == sorted(volumes)
        for year, volume in volumes.items():
            got = segment.years[year]
            assert got.volume_t == volume
            assert got.asp == ref[(ticker, "assumptions", "ASP (Rmb/t)", label)][year]
            assert got.unit_cost == abs(ref[(ticker, "assumptions", "Unit cost (Rmb/t)", label)][year])  # CRE: (…)
            assert got.unit_gross_profit == ref[(ticker, "assumptions", "Unit gross profit (Rmb/t)", label)][year]
            printed = ref[(ticker, "assumptions", "Gross margin", label)].get(year)
            if printed is not None:  # printed to 2 decimals
                assert got.unit_gross_profit / got.asp == pytest.approx(printed, abs=0.005 + 1e-9)
            checked += 1
    assert checked == (30 if ticker == "600111.SS" else 15)


@pytest.mark.parametrize("ticker", TICKERS)
def test_income_statement_lines_are_the_reference_figures(ticker: str) -> None:
    ref = reference()
    years = models()[ticker].model.years  # type: ignore[attr-defined]
    statement = {item: ref[(ticker, "income_statement", "", item)] for item in
                 ("Gross profit", "Profit before tax", "Income tax expense", "Minority interests", "Net income",
                  "After-tax income")}  # fmt: skip
    for year in range(2022, 2028):
        got = years[year]
        assert got.gross_profit == statement["Gross profit"][year]
        assert got.profit_before_tax == statement["Profit before tax"][year]
        assert got.income_tax == -statement["Income tax expense"][year]  # printed as a deduction
        assert got.minority_profit == -statement["Minority interests"][year]
        assert got.net_income == statement["Net income"][year]
        # the lines hang together: PBT − tax = after-tax income; − minorities = net income (rounding: 1)
        assert abs(got.profit_before_tax - got.income_tax - statement["After-tax income"][year]) <= 1
        assert abs(statement["After-tax income"][year] - got.minority_profit - got.net_income) <= 1


@pytest.mark.parametrize("ticker", TICKERS)
def test_book_values_are_the_model_balance_sheets_published_after_the_reporting_lag(ticker: str) -> None:
    ref = reference()
    lag = load_settings(CONFIG).report_lag_days
    books = models()[ticker].book_values  # type: ignore[attr-defined]
    assert [b.period_end for b in books] == [date(y, 12, 31) for y in range(2018, 2025)]
    for book in books:
        year = book.period_end.year
        equity = ref[(ticker, "balance_sheet", "", "Total shareholders' equity")][year]
        minorities = ref[(ticker, "balance_sheet", "", "Minority interests")][year]
        shares = ref[(ticker, "balance_sheet", "", "Share capital")][year]
        assert book.bvps == pytest.approx((equity - minorities) / shares, abs=5e-5)
        assert book.published == book.period_end + timedelta(days=lag)
        assert book.currency is None  # CNY, the trading currency


def test_financials_shows_the_twelve_gross_margins(tmp_path: Path) -> None:
    ref = reference()
    config = make_config(tmp_path / "work")
    args = ["financials", "-u", "producers", "--source", "snapshot", "--as-of", "2025-10-10", "--format", "csv"]
    result = EnvRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    rows = [r for r in csv.DictReader(result.stdout.splitlines()) if r["ticker"] in TICKERS]
    assert len(rows) == 12
    for row in rows:
        ticker, year = row["ticker"], int(row["fiscal_year"])
        gross = ref[(ticker, "income_statement", "", "Gross profit")][year]
        revenue = ref[(ticker, "income_statement", "", "Net revenue")][year]
        assert float(row["gross_margin"]) == pytest.approx(gross / revenue, rel=1e-9), (ticker, year)


# --- the README's valuation recipe on the shared real prices ---------------------------------------------------
RAW = {
    "600111.SS": SHARED_DATA / "prices/a_shares/ganlei_raw_1997_2022/600111.SS.csv",
    "000831.SZ": SHARED_DATA / "prices/a_shares/ganlei_raw_1997_2022/000831.SZ.csv",
}


def numpy_band(ticker: str, since: date) -> tuple[int, float, float]:
    """The daily P/B from the raw closes ÷ the BVPS derived here from the reference balance sheets, published
    (period end + 90 days) strictly before the day; n, mean and sample sd."""
    ref = reference()
    published, bvps = [], []
    for year in range(2018, 2025):
        equity = ref[(ticker, "balance_sheet", "", "Total shareholders' equity")][year]
        minorities = ref[(ticker, "balance_sheet", "", "Minority interests")][year]
        shares = ref[(ticker, "balance_sheet", "", "Share capital")][year]
        published.append(np.datetime64(date(year, 12, 31) + timedelta(days=90)))
        bvps.append(round((equity - minorities) / shares, 4))
    prices = pd.read_csv(RAW[ticker], usecols=["date", "close"], parse_dates=["date"])
    days = prices["date"].to_numpy(dtype="datetime64[D]")
    closes = prices["close"].to_numpy(dtype=float)
    keep = days >= np.datetime64(since)
    days, closes = days[keep], closes[keep]
    index = np.searchsorted(np.array(published, dtype="datetime64[D]"), days, side="left") - 1  # published < day
    known = index >= 0
    pb = closes[known] / np.array(bvps)[index[known]]
    return len(pb), float(pb.mean()), float(pb.std(ddof=1))


@pytest.mark.parametrize("ticker", TICKERS)
def test_value_recipe_gives_a_pb_band_from_the_shared_prices(ticker: str, tmp_path: Path) -> None:
    config = make_config(tmp_path / "work")
    runner = EnvRunner()
    imported = runner.invoke(app, ["prices", "import", str(need(RAW[ticker])), "--ticker", ticker,
                                   "--config", str(config)])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["value", ticker, "--config", str(config), *AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    n, mean, sd = numpy_band(ticker, load_settings(config).valuation.since)
    assert got["band"]["n"] == n and got["band"]["book_values"] == 7
    assert got["band"]["start"] == "2019-04-01"  # the first day after the FY2018 book value's (derived) release
    assert got["pb_mean"] == pytest.approx(mean, rel=1e-9) and got["pb_sd"] == pytest.approx(sd, rel=1e-9)
    assert all(isinstance(s["target_price"], float) for s in got["scenarios"])  # no NA scenario
    assert got["band"]["basis"] == "universe book values"
    chart = runner.invoke(
        app, ["chart", "pb-band", ticker, "--config", str(config), *AS_OF, "--out", str(tmp_path / "b.png")]
    )
    assert chart.exit_code == 0, chart.output
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the reader -------------------------------------------------------------------------------------------------
OXIDE_2026 = "2026 = { volume_t = 44026, asp = 114363, unit_cost = 99496, unit_gross_profit = 14867 }"


@pytest.mark.parametrize(
    ("replacement", "field", "needle"),
    [
        (OXIDE_2026.replace("unit_cost = 99496", "unit_cost = -99496"), "asp", "not unit_cost + unit_gross_profit"),
        (OXIDE_2026.replace("asp = 114363", "asp = 0"), "asp", "positive price per tonne"),
        (OXIDE_2026.replace("volume_t = 44026", "volume_t = -1"), "volume_t", ">= 0 tonnes"),
        (OXIDE_2026.replace(", unit_gross_profit = 14867", ""), "unit_gross_profit", "missing"),
        (OXIDE_2026.replace("volume_t", "tonnes"), "tonnes", "unknown key"),
        (OXIDE_2026.replace("asp = 114363", 'asp = "high"'), "asp", "must be a number"),
        (OXIDE_2026.replace("2026 =", "y2026 ="), "y2026", "fiscal years like 2026"),
    ],
)
def test_a_bad_segment_year_names_file_line_and_field(replacement: str, field: str, needle: str) -> None:
    text = PRODUCERS.read_text()
    assert text.count(OXIDE_2026) == 1
    line = text[: text.index(OXIDE_2026)].count("\n") + 1
    with pytest.raises(UniverseError) as bad:
        parse_universe(Path("p.toml"), text.replace(OXIDE_2026, replacement))
    message = str(bad.value)
    assert f"p.toml:{line}:" in message and field in message and needle in message, message
    assert "company[0].model.segments.oxide" in message


def test_an_unknown_segment_is_refused_at_its_header() -> None:
    text = PRODUCERS.read_text()
    line = text[: text.index("[company.model.segments.salt]")].count("\n") + 1
    with pytest.raises(UniverseError) as bad:
        parse_universe(Path("p.toml"), text.replace("[company.model.segments.salt]", "[company.model.segments.alloy]"))
    assert f"p.toml:{line}:" in str(bad.value) and "alloy" in str(bad.value) and "oxide" in str(bad.value)
