"""Series rebased to 100 at a date (the one rule of ``chart oxide`` and ``chart performance``).

No pandas import at module top: the functions take pandas objects and only use their arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pandas as pd

Levels = TypeVar("Levels", "pd.Series", "pd.DataFrame")


def first_common_date(series: Sequence[pd.Series]) -> pd.Timestamp | None:
    """The first date on which every series has a finite, positive value (a price to rebase on); None when
    there is no such date (or no series). NA values never count as a value."""
    common = None
    for one in series:
        days = one.index[(one.notna() & (one > 0)).to_numpy()]
        common = days if common is None else common.intersection(days)
    if common is None or len(common) == 0:
        return None
    return common.min()  # type: ignore[no-any-return]


def rebase_to_100(levels: Levels, on: pd.Timestamp) -> Levels:
    """``levels / levels[on] × 100`` (every column of a frame by its own value on ``on``), from ``on`` on: the
    value on ``on`` is exactly 100; NA stays NA."""
    kept = levels[levels.index >= on]
    base = kept.loc[on]
    return kept / base * 100.0  # type: ignore[no-any-return]
