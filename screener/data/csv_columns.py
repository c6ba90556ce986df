"""Checked columns of imported CSV files (prices, oxide series, FX): every bad cell is an error naming the
file, the line (header = line 1) and the column."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from screener.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd

MISSING = frozenset({"", "null", "NULL", ".", "NaN", "nan", "NA"})


def line_of(position: int) -> int:
    """File line of a data row (0-based position; the header is line 1)."""
    return position + 2


def _first(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0])


def checked_dates(raw: pd.DataFrame, column: str, label: str, *, today: date) -> pd.DatetimeIndex:
    """ISO dates; unparseable, duplicate or future (after ``today``) dates are errors."""
    import pandas as pd

    text = raw[column].astype(str).str.strip()
    dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = dates.isna()
    if bad.any():
        first = _first(bad)
        raise InputFileError(label, f"unparseable date {text.iloc[first]!r}", line=line_of(first), field=column)
    duplicated = dates.duplicated()
    if duplicated.any():
        first = _first(duplicated)
        raise InputFileError(label, f"duplicate date {text.iloc[first]}", line=line_of(first), field=column)
    limit = pd.Timestamp(today)
    future = dates > limit
    if future.any():
        first = _first(future)
        raise InputFileError(
            label, f"date {text.iloc[first]} is in the future (after {limit.date()})", line=line_of(first), field=column
        )
    return pd.DatetimeIndex(dates)


def checked_numbers(raw: pd.DataFrame, column: str, label: str, *, what: str = "value") -> pd.Series:
    """Finite positive numbers; empty cells (and FRED's ``.``) are NaN; text, inf or values <= 0 are errors."""
    import pandas as pd

    text = raw[column].astype(str).str.strip()
    missing = text.isin(MISSING)
    values = pd.to_numeric(text.where(~missing), errors="coerce")
    unparsed = values.isna() & ~missing
    if unparsed.any():
        first = _first(unparsed)
        raise InputFileError(label, f"not a number: {text.iloc[first]!r}", line=line_of(first), field=column)
    infinite = values.map(lambda v: v == v and not math.isfinite(v))
    if infinite.any():
        first = _first(infinite)
        message = f"{what} must be finite, got {text.iloc[first]!r}"
        raise InputFileError(label, message, line=line_of(first), field=column)
    non_positive = values <= 0
    if non_positive.any():
        first = _first(non_positive)
        raise InputFileError(
            label, f"{what} must be positive, got {values.iloc[first]:g}", line=line_of(first), field=column
        )
    return values.astype("float64")
