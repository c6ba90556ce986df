"""Read price histories exported from other terminals (CSV or XLSX) into the store's frame shape.

Modes, by the columns present:
- raw close + previous close (``--prev-close-col``, or a ``prev_close`` column): the adjusted series is
  built from daily returns ``close / prev_close − 1`` and anchored on the last raw close;
- an adjusted close (``adj_close``, or ``--close-col`` naming one): used as it is;
- a plain ``close`` only: stored as not adjusted (returns across dividends and splits will be wrong; said so).
Bad rows are errors naming the file, line and column: bad, duplicate or future dates, prices that are not
numbers or outside the plausible range (:data:`screener.core.measures.MEASURES` ``price``).
Blank close cells are skipped and counted: they never overwrite a stored price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from screener.data.csv_columns import CsvTable, checked_dates, checked_numbers, read_sheet
from screener.errors import InputFileError
from screener.inputs import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ParsedPrices:
    """The frame to store (index date; adj_close, close) and what the import should tell the user."""

    frame: pd.DataFrame
    adjusted: bool
    mode: str
    notes: list[str]


def read_price_file(
    path: Path,
    *,
    date_col: str = "date",
    close_col: str | None = None,
    prev_close_col: str | None = None,
    today: date,
    max_bytes: int = DEFAULT_MAX_BYTES,
    decimal: str = ".",
) -> ParsedPrices:
    """Parse and validate one price history (CSV, or an XLSX workbook's first sheet): :func:`parse_price_table`
    (read bounded by ``max_bytes``, numbers with ``decimal`` as their decimal separator)."""
    table = read_sheet(Path(path), max_bytes=max_bytes, decimal=decimal)
    return parse_price_table(table, date_col=date_col, close_col=close_col, prev_close_col=prev_close_col, today=today)


def parse_price_table(
    table: CsvTable,
    *,
    date_col: str = "date",
    close_col: str | None = None,
    prev_close_col: str | None = None,
    adjusted_close: bool | None = None,
    today: date,
) -> ParsedPrices:
    """Validate one ticker's rows (errors name the table's file, line and column). Rows whose close is blank (or a
    missing marker) are skipped and counted in a note; no valid row is an error (nothing would be stored).
    ``adjusted_close`` says whether the close column is adjusted (None: when its name starts with ``adj``)."""
    import pandas as pd

    from screener.core.returns import adjusted_index_from_prev_close

    columns = table.columns
    table.need(date_col, "--date-col")
    if prev_close_col is None and "prev_close" in columns and close_col in (None, "close"):
        prev_close_col = "prev_close"
    if close_col is None:
        close_col = "close" if prev_close_col else ("adj_close" if "adj_close" in columns else "close")
    table.need(close_col, "--close-col")
    if prev_close_col:
        table.need(prev_close_col, "--prev-close-col")

    dates = checked_dates(table, date_col, today=today)

    def numbers(column: str) -> pd.Series:
        return checked_numbers(table, column, what="price").set_axis(dates)

    close = numbers(close_col)
    blank = int(close.isna().sum())
    if close.notna().sum() == 0:
        why = f"all {blank} close cells are blank" if blank else "no data rows"
        raise InputFileError(table.label, f"no valid price row ({why}): nothing was stored", field=close_col)
    notes = [f"{blank} row(s) with a blank {close_col} skipped (stored prices on those days are kept)"] if blank else []
    if prev_close_col:
        prev = numbers(prev_close_col)
        order = close.index.argsort()
        close, prev = close.iloc[order], prev.iloc[order]
        index = adjusted_index_from_prev_close(close, prev)
        last = close.dropna().iloc[-1] / index.dropna().iloc[-1]
        adj = index * last
        actions = int(((prev - close.shift(1)).abs() > 1e-9).iloc[1:].sum())
        notes.append(
            f"adjusted from close/{prev_close_col}: {actions} day(s) where the reference price "
            "differs from the last close (corporate actions)"
        )
        frame = pd.DataFrame({"adj_close": adj, "close": close})
        return ParsedPrices(_valid(frame), True, "raw close + previous close", notes)
    if adjusted_close if adjusted_close is not None else close_col.startswith("adj"):
        raw_close = numbers("close") if "close" in columns else close * float("nan")
        frame = pd.DataFrame({"adj_close": close, "close": raw_close})
        return ParsedPrices(_valid(frame), True, f"adjusted close ({close_col})", notes)
    notes.append("raw closes without a previous-close column: returns across dividends and splits are not adjusted")
    frame = pd.DataFrame({"adj_close": close, "close": close})
    return ParsedPrices(_valid(frame), False, "raw close, not adjusted", notes)


def _valid(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted by date, rows without an adjusted close dropped (a blank cell never overwrites a stored price)."""
    return frame.sort_index().dropna(subset=["adj_close"])
