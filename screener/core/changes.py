"""Price changes to a day on one adjusted-close history (METHODS §6), on plain numpy arrays: no pandas, so a
5,000-name screen computes them in milliseconds. :func:`screener.core.returns.changes_at` is the pandas face."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import numpy as np

CHANGE_MONTHS = {"m1": 1, "m3": 3, "m12": 12}


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clipped to that month's last day (31 Mar − 1 month = 28 or
    29 Feb), as ``pandas.DateOffset(months=...)`` does."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def clean_closes(days: Any, closes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Calendar days (``datetime64[D]``) sorted, one close per day (the last row of a day wins), then only
    positive finite closes: the history a change is measured on. Missing closes are dropped first."""
    d = np.asarray(days).astype("datetime64[D]")
    c = np.asarray(closes, dtype="float64")
    known = ~np.isnan(c)
    d, c = d[known], c[known]
    order = np.argsort(d, kind="stable")
    d, c = d[order], c[order]
    last_of_day = np.ones(len(d), dtype=bool)
    last_of_day[:-1] = d[1:] != d[:-1]
    d, c = d[last_of_day], c[last_of_day]
    usable = np.isfinite(c) & (c > 0)
    return d[usable], c[usable]


def changes_on(days: Any, closes: Any, day: date) -> dict[str, float] | None:
    """Changes to ``day`` on adjusted closes: ``ytd`` = close on ``day`` / the last close of the previous calendar
    year − 1; ``m1``, ``m3``, ``m12`` = close on ``day`` / the last close on or before the same day 1, 3, 12 months
    earlier (:func:`months_before`) − 1. None when there is no close on ``day``; NaN for a change whose base date
    precedes the history."""
    d, c = clean_closes(days, closes)
    target = np.datetime64(day, "D")
    at = int(np.searchsorted(d, target, side="right")) - 1
    if at < 0 or d[at] != target:
        return None
    price = float(c[at])

    def change(base: date) -> float:
        before = int(np.searchsorted(d, np.datetime64(base, "D"), side="right")) - 1
        return price / float(c[before]) - 1.0 if before >= 0 else float("nan")

    out = {"ytd": change(date(day.year - 1, 12, 31))}
    for name, months in CHANGE_MONTHS.items():
        out[name] = change(months_before(day, months))
    return out
