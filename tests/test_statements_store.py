"""The statements store kind (#15): per-provider fiscal years, merged field by field with each value's provider."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from screener.data import housekeeping
from screener.data.statements import FiscalYear, read_statements, write_statements
from screener.data.store import Store


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache", lambda: datetime(2026, 11, 27, tzinfo=UTC))


def test_terminal_figures_win_field_by_field_and_name_their_provider(tmp_path: Path) -> None:
    store = _store(tmp_path)
    yahoo = [FiscalYear(2023, date(2023, 12, 31), values={"revenue": 33000.0, "gross_profit": 4000.0}),
             FiscalYear(2024, date(2024, 12, 31), values={"revenue": 32800.0})]  # fmt: skip
    terminal = [FiscalYear(2023, date(2023, 12, 31), values={"revenue": 33352.0})]
    write_statements(store, "600111.SS", "yahoo", yahoo, "Yahoo annual statements", "CNY")
    write_statements(store, "600111.SS", "terminal", terminal, "nre.csv", "CNY")
    years = read_statements(store, "600111.SS")
    assert list(years) == [2023, 2024]
    assert years[2023].values == {"revenue": 33352.0, "gross_profit": 4000.0}
    assert years[2023].sources == {"revenue": "terminal (nre.csv)", "gross_profit": "yahoo (Yahoo annual statements)"}
    assert years[2024].values["revenue"] == 32800.0 and years[2024].currency == "CNY"
    assert not years[2024].is_estimate


def test_estimates_round_trip_and_unknown_fields_are_refused(tmp_path: Path) -> None:
    store = _store(tmp_path)
    write_statements(store, "MP", "terminal", [FiscalYear(2027, date(2027, 12, 31), True, {"fcf": -12.5})], "x", "USD")
    assert read_statements(store, "MP")[2027].is_estimate
    with pytest.raises(ValueError, match="unknown statement fields"):
        write_statements(
            store, "MP", "terminal", [FiscalYear(2027, date(2027, 12, 31), values={"sales": 1.0})], "x", None
        )
    assert read_statements(store, "LYC.AX") == {}


def test_cache_clear_keeps_an_imported_statement(tmp_path: Path) -> None:
    store = _store(tmp_path)
    year = [FiscalYear(2024, date(2024, 6, 30), values={"revenue": 463.0})]
    write_statements(store, "LYC.AX", "yahoo", year, "y", "AUD")
    write_statements(store, "LYC.AX", "terminal", year, "t", "AUD")
    assert housekeeping.clear(store, ["statements"], only_refetchable=True) == 1
    names = sorted(p.name for p in (store.root / "statements").iterdir())
    assert names == [".LYC.AX=terminal.parquet.lock", "LYC.AX=terminal.parquet"]  # yahoo's lock went too
