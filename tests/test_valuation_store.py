"""The valuation-history store kind (#14): per provider files, merged by priority with the source of each value,
book values round-tripped with their publication dates, and what `cache clear` may refetch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from screener.data import housekeeping
from screener.data.store import Store
from screener.data.valuation import key, read_valuation, write_book_values, write_multiples
from screener.models import BookValue


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache", lambda: datetime(2026, 11, 27, tzinfo=UTC))


def _frame(days: list[str], **columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.DatetimeIndex(pd.to_datetime(days)))


def test_nothing_stored_is_none(tmp_path: Path) -> None:
    assert read_valuation(_store(tmp_path), "600111.SS") is None


def test_terminal_values_win_over_baostock_day_by_day_and_each_value_names_its_provider(tmp_path: Path) -> None:
    store = _store(tmp_path)
    write_multiples(store, "600111.SS", "baostock", _frame(["2024-01-02", "2024-01-03", "2024-01-04"],
                    pb=[3.0, 3.1, 3.2], pe=[20.0, 21.0, float("nan")]), "baostock peTTM/pbMRQ")  # fmt: skip
    write_multiples(store, "600111.SS", "terminal", _frame(["2024-01-03", "2024-01-05"], pb=[9.9, 9.8]), "w.csv")
    history = read_valuation(store, "600111.SS")
    assert history is not None
    pb = history.multiples["pb"]
    assert list(pb) == [3.0, 9.9, 3.2, 9.8]
    assert list(history.multiples["pb_source"]) == ["baostock", "terminal", "baostock", "terminal"]
    assert list(history.series("pe")) == [20.0, 21.0]  # a missing baostock P/E stays missing
    assert len(history.sources) == 2 and history.sources[0].startswith("terminal (w.csv)")


def test_book_values_round_trip_with_publication_and_period(tmp_path: Path) -> None:
    store = _store(tmp_path)
    books = [BookValue(date(2024, 4, 20), 5.13, date(2023, 12, 31), "CNY"), BookValue(date(2024, 8, 30), 5.4)]
    write_book_values(store, "000831.SZ", "yahoo", books, "Yahoo balance sheets")
    history = read_valuation(store, "000831.SZ")
    assert history is not None and history.multiples.empty
    assert [(b.published, b.bvps, b.period_end) for b in history.book_values] == [
        (date(2024, 4, 20), 5.13, date(2023, 12, 31)),
        (date(2024, 8, 30), 5.4, None),
    ]
    assert history.book_values[0].currency == "CNY"


def test_unknown_provider_or_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown valuation provider"):
        key("600111.SS", "wind")
    with pytest.raises(ValueError, match="unknown columns"):
        write_multiples(_store(tmp_path), "600111.SS", "terminal", _frame(["2024-01-02"], ps=[1.0]), "x")


def test_cache_clear_refetches_free_sources_but_keeps_a_terminal_import(tmp_path: Path) -> None:
    store = _store(tmp_path)
    write_multiples(store, "600111.SS", "baostock", _frame(["2024-01-02"], pb=[3.0]), "b")
    write_multiples(store, "600111.SS", "terminal", _frame(["2024-01-02"], pb=[3.0]), "t")
    removed = housekeeping.clear(store, ["valuation"], only_refetchable=True)
    assert removed == 1
    names = sorted(p.name for p in (store.root / "valuation").iterdir())
    assert names == [".600111.SS=terminal.parquet.lock", "600111.SS=terminal.parquet"]  # baostock's lock went too
