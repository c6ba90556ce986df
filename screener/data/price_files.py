"""Read price histories exported from other terminals (CSV) into the store's frame shape.

Modes, by the columns present:
- raw close + previous close (``--prev-close-col``, or a ``prev_close`` column): the adjusted series is
  built from daily returns ``close / prev_close − 1`` and anchored on the last raw close;
- an adjusted close (``adj_close``, or ``--close-col`` naming one): used as it is;
- a plain ``close`` only: stored as not adjusted (returns across dividends and splits will be wrong; said so).
Bad rows are errors naming the file, line and column: unparseable or duplicate dates, non-positive prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screener.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ParsedPrices:
    """The frame to store (index date; adj_close, close) and what the import should tell the user."""

    frame: pd.DataFrame
    adjusted: bool
    mode: str
    notes: list[str]


def _line(position: int) -> int:
    return position + 2  # header is line 1


def read_price_file(
    path: Path,
    *,
    date_col: str = "date",
    close_col: str | None = None,
    prev_close_col: str | None = None,
) -> ParsedPrices:
    """Parse and validate one CSV price history."""
    import pandas as pd

    from screener.core.correlation import adjusted_index_from_prev_close

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(str(path), "file not found") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(str(path), f"not a readable CSV file ({type(exc).__name__})") from None
    columns = list(raw.columns)

    def need(name: str, option: str) -> str:
        if name not in columns:
            raise InputFileError(
                str(path), f"no column {name!r} (columns: {', '.join(columns)}); use {option}", line=1, field=name
            )
        return name

    need(date_col, "--date-col")
    if prev_close_col is None and "prev_close" in columns and close_col in (None, "close"):
        prev_close_col = "prev_close"
    if close_col is None:
        close_col = "close" if prev_close_col else ("adj_close" if "adj_close" in columns else "close")
    need(close_col, "--close-col")
    if prev_close_col:
        need(prev_close_col, "--prev-close-col")

    dates = pd.to_datetime(raw[date_col].str.strip(), format="ISO8601", errors="coerce")
    bad = dates.isna()
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise InputFileError(
            str(path), f"unparseable date {raw[date_col].iloc[first]!r}", line=_line(first), field=date_col
        )
    duplicated = dates.duplicated()
    if duplicated.any():
        first = int(duplicated.to_numpy().nonzero()[0][0])
        raise InputFileError(
            str(path), f"duplicate date {raw[date_col].iloc[first]}", line=_line(first), field=date_col
        )

    def numbers(column: str) -> pd.Series:
        values = pd.to_numeric(raw[column].str.strip().replace({"": None, "null": None, ".": None}), errors="coerce")
        text = raw[column].str.strip()
        unparsed = values.isna() & ~text.isin(["", "null", "."])
        if unparsed.any():
            first = int(unparsed.to_numpy().nonzero()[0][0])
            raise InputFileError(str(path), f"not a number: {text.iloc[first]!r}", line=_line(first), field=column)
        non_positive = values <= 0
        if non_positive.any():
            first = int(non_positive.to_numpy().nonzero()[0][0])
            raise InputFileError(
                str(path), f"price must be positive, got {values.iloc[first]}", line=_line(first), field=column
            )
        return values.set_axis(dates)

    close = numbers(close_col)
    notes: list[str] = []
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
        return ParsedPrices(frame.sort_index(), True, "raw close + previous close", notes)
    if close_col.startswith("adj"):
        raw_close = numbers("close") if "close" in columns else close * float("nan")
        frame = pd.DataFrame({"adj_close": close, "close": raw_close})
        return ParsedPrices(frame.sort_index(), True, f"adjusted close ({close_col})", notes)
    notes.append("raw closes without a previous-close column: returns across dividends and splits are not adjusted")
    frame = pd.DataFrame({"adj_close": close, "close": close})
    return ParsedPrices(frame.sort_index(), False, "raw close, not adjusted", notes)
