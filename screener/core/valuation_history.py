"""Where today's multiple sits in a stock's own daily history (METHODS §5.1): the ``pb_pctile``, ``pe_pctile`` and
``pb_z`` columns of the comp table, and the pieces the stored-history bands of ``screener value`` and ``chart
pb-band`` are made of. Pure: numbers in, numbers out.

Definitions:
- **History window**: the daily values of the series from ``since`` (``[valuation] since``) to the as-of date,
  both included; NaN days are left out.
- **Enough history**: the window's last day is at least :data:`MIN_HISTORY_DAYS` (3 × 365 = 1,095) calendar days
  after its first day; with less, percentile and z are NA (a band over a shorter span is one regime, not a range).
- **Today's point, on the history's own basis**: today's price ÷ the per-share denominator the series itself
  implies (:func:`implied_denominator`): for a stored daily P/B (or P/E) series, ``close(L) ÷ multiple(L)`` on the
  series' last day ``L`` on or before the as-of date (the BVPS, or trailing EPS, the provider divided by that
  day), ``close`` being the stored raw close of that day; for a P/B built from published book values, the BVPS
  published before the price date (:func:`screener.core.valuation.point_in_time_bvps`).
- **Percentile**: the share of window days whose value is at or below today's point (``<=``; 1.0 = at or above
  every day), as :func:`screener.core.valuation.band_stats` defines it.
- **z**: ``(today − mean) / sd`` with the window mean and sample sd (ddof = 1); NM when sd is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from screener.core import valuation as val
from screener.core.values import NA, NM, Value, is_num
from screener.models import BookValue

if TYPE_CHECKING:
    import pandas as pd

MIN_HISTORY_DAYS = 3 * 365
"""Fewer calendar days between the window's first and last day: percentile and z are NA."""
MAX_HISTORY_GAP_DAYS = 31
"""A history ending more calendar days than this before today's price: percentile and z are NA (a stale basis)."""


@dataclass(frozen=True)
class HistoryPosition:
    """Today's point in the window: its percentile and z-score (NA with the ``reason``)."""

    current: Value
    percentile: Value
    z_score: Value
    n: int
    start: date | None = None
    end: date | None = None
    reason: str = ""


def implied_denominator(close: float, multiple: float) -> Value:
    """The per-share denominator behind a multiple: ``close ÷ multiple`` (BVPS behind a P/B, trailing EPS behind a
    P/E); NM when the multiple is <= 0 (a negative P/E implies a loss: no usable denominator), NA when unknown."""
    if not (is_num(close) and is_num(multiple)):
        return NA
    if multiple <= 0 or close <= 0:
        return NM
    return close / multiple


def current_multiple(price: float, denominator: Value) -> Value:
    """Today's point: ``price ÷ denominator``; NA/NM carried, NM when the denominator is <= 0."""
    if not is_num(denominator) or not is_num(price):
        return denominator if denominator is NM else NA
    if float(denominator) <= 0:  # type: ignore[arg-type]
        return NM
    return price / float(denominator)  # type: ignore[arg-type]


def position(
    series: pd.Series, current: Value, since: date | None, as_of: date, price_date: date | None = None
) -> HistoryPosition:
    """Percentile and z of ``current`` in ``series`` over [``since``, ``as_of``] (module docstring); NA without a
    window, with less than :data:`MIN_HISTORY_DAYS` of it, without today's point, or when the history ends more
    than :data:`MAX_HISTORY_GAP_DAYS` before ``price_date`` (today's point would divide today's price by a book
    value or EPS implied that long ago)."""
    import pandas as pd

    window = series.dropna()
    window = window[window.index <= pd.Timestamp(as_of)]
    if since is not None:
        window = window[window.index >= pd.Timestamp(since)]
    if window.empty:
        return HistoryPosition(current, NA, NA, 0, reason="no history in the window")
    start, end = window.index[0].date(), window.index[-1].date()
    if (end - start).days < MIN_HISTORY_DAYS:
        why = f"history {start} to {end} is shorter than 3 years"
        return HistoryPosition(current, NA, NA, len(window), start, end, why)
    if price_date is not None and (price_date - end).days > MAX_HISTORY_GAP_DAYS:
        why = f"history ends {end}, {(price_date - end).days} days before the price of {price_date}"
        return HistoryPosition(current, NA, NA, len(window), start, end, why)
    if not is_num(current):
        return HistoryPosition(current, NA, NA, len(window), start, end, "no current multiple")
    band = val.band_stats(window, None, float(current))  # type: ignore[arg-type]
    return HistoryPosition(current, band.percentile, band.z_score, band.n, start, end)


def book_values_from_daily(bvps: pd.Series) -> list[BookValue]:
    """Book values from a daily BVPS series (a terminal's "BVPS known on that day"): one report per change of
    value, **published the calendar day before** the first day it shows, so that under the point-in-time rule (a
    report counts from the day after its publication) it counts from exactly that day. NaN days are skipped."""
    out: list[BookValue] = []
    previous: float | None = None
    for day, value in bvps.dropna().sort_index().items():
        number = float(value)
        if previous is None or number != previous:
            out.append(BookValue(day.date() - timedelta(days=1), number))  # type: ignore[union-attr]
        previous = number
    return out
