"""Book values per share from Yahoo balance sheets, through yfinance's real parsing of the fundamentals-timeseries
endpoint (tests/yahoo_fake.py serves it in the recorded shape): equity ÷ shares by hand, the fallbacks, the
conservative publication date, and the merge that keeps reports Yahoo no longer serves."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from yahoo_fake import FakeSymbol, FakeYahoo, make_session, serving

from screener.data.store import Store
from screener.data.valuation import merge_book_values, read_valuation
from screener.data.yahoo.normalise import book_values
from screener.data.yahoo.statements import fetch_balance_sheets
from screener.models import BookValue

SHEETS = {
    "annualStockholdersEquity": {"2023-12-31": 1_052_000_000.0, "2024-12-31": 1_040_000_000.0},
    "annualCommonStockEquity": {"2023-12-31": 1_050_000_000.0, "2024-12-31": 1_036_000_000.0},
    "annualOrdinarySharesNumber": {"2023-12-31": 163_000_000.0, "2024-12-31": 162_500_000.0},
    "annualShareIssued": {"2023-12-31": 178_000_000.0, "2024-12-31": 178_000_000.0},
    "quarterlyStockholdersEquity": {"2024-12-31": 1_040_000_000.0, "2025-03-31": 1_010_000_000.0},
    "quarterlyShareIssued": {"2024-12-31": 178_000_000.0, "2025-03-31": 178_500_000.0},
}


def mp() -> FakeSymbol:
    info = {"symbol": "MP", "currency": "USD", "financialCurrency": "USD", "quoteType": "EQUITY"}
    return FakeSymbol("MP", {}, "USD", "America/New_York", info=info, timeseries=dict(SHEETS))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    with serving(FakeYahoo([mp()]), tmp_path, monkeypatch) as fake:
        yield fake


def test_balance_sheets_through_yfinance(fake: FakeYahoo) -> None:
    raw = fetch_balance_sheets("MP", make_session(fake))
    assert raw["annual"]["2024-12-31"]["CommonStockEquity"] == 1_036_000_000.0
    assert raw["annual"]["2023-12-31"]["OrdinarySharesNumber"] == 163_000_000.0
    assert raw["quarterly"]["2025-03-31"] == {"StockholdersEquity": 1_010_000_000.0, "ShareIssued": 178_500_000.0}
    asked = fake.calls("timeseries", "MP")
    types = {t[:6] for call in asked for t in call.params["type"].split(",")}
    assert len(asked) == 2 and types == {"annual", "quarte"}  # one annual and one quarterly request


def test_book_values_by_hand(fake: FakeYahoo) -> None:
    values = book_values(fetch_balance_sheets("MP", make_session(fake)), 90, "USD")
    assert [v.period_end for v in values] == [dt.date(2023, 12, 31), dt.date(2024, 12, 31), dt.date(2025, 3, 31)]
    # common equity over ordinary shares (outstanding): 1,050,000,000 / 163,000,000 and 1,036,000,000 / 162,500,000
    assert values[0].bvps == pytest.approx(6.441717791)
    assert values[1].bvps == pytest.approx(6.375384615)
    # the quarter has neither: stockholders' equity over shares issued, 1,010,000,000 / 178,500,000
    assert values[2].bvps == pytest.approx(5.658263305)
    # published = period end + report lag (Yahoo has no publication date)
    assert values[0].published == dt.date(2024, 3, 30) and values[2].published == dt.date(2025, 6, 29)
    assert {v.currency for v in values} == {"USD"}


def test_missing_or_non_positive_numbers_give_no_value() -> None:
    sheets = {
        "annual": {
            "2022-12-31": {"CommonStockEquity": -5.0, "StockholdersEquity": -4.0, "OrdinarySharesNumber": 10.0},
            "2023-12-31": {"CommonStockEquity": 50.0},
            "2024-12-31": {"StockholdersEquity": 60.0, "OrdinarySharesNumber": 0.0, "ShareIssued": 12.0},
        },
        "quarterly": {"2024-12-31": {"StockholdersEquity": 99.0, "ShareIssued": 1.0}},  # the annual one counts
    }
    values = book_values(sheets, 30)
    assert [(v.period_end, v.bvps, v.currency) for v in values] == [(dt.date(2024, 12, 31), 5.0, None)]
    assert values[0].published == dt.date(2025, 1, 30)


def test_merge_keeps_old_reports_and_counts_new_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache", lambda: dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    old = [BookValue(dt.date(2021, 3, 31), 4.0, dt.date(2020, 12, 31), "USD"),
           BookValue(dt.date(2024, 3, 30), 6.0, dt.date(2023, 12, 31), "USD")]  # fmt: skip
    assert merge_book_values(store, "MP", "yahoo", old, "Yahoo balance sheets") == (2, 2)
    fresh = [BookValue(dt.date(2024, 3, 30), 6.44, dt.date(2023, 12, 31), "USD"),
             BookValue(dt.date(2025, 3, 31), 6.38, dt.date(2024, 12, 31), "USD")]  # fmt: skip
    assert merge_book_values(store, "MP", "yahoo", fresh, "Yahoo balance sheets") == (3, 1)
    history = read_valuation(store, "MP")
    assert history is not None
    assert [(b.period_end, b.bvps) for b in history.book_values] == [
        (dt.date(2020, 12, 31), 4.0),  # no longer served by Yahoo: kept
        (dt.date(2023, 12, 31), 6.44),  # served again: the fresh value
        (dt.date(2024, 12, 31), 6.38),
    ]
