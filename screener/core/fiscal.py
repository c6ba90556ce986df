"""Fiscal years (METHODS §7).

Fiscal years are labelled by the calendar year in which they END (Shin-Etsu's year to March 2026 is
FY2026; Lynas's year to June 2025 is FY2025). FY1 is the first fiscal year not yet reported at the
as-of date; a year counts as reported ``report_lag_days`` after its end (default 90 days).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def fiscal_year_end(label: int, end_month: int) -> date:
    """Last day of fiscal year ``label`` for a company whose year ends in ``end_month``."""
    return date(label, end_month, calendar.monthrange(label, end_month)[1])


def fy1_label(as_of: date, end_month: int, report_lag_days: int = 90) -> int:
    """Label of FY1: the earliest year whose end + reporting lag is after the as-of date."""
    if not 1 <= end_month <= 12:
        raise ValueError("fiscal year end month must be 1..12")
    label = as_of.year - 1
    while fiscal_year_end(label, end_month) + timedelta(days=report_lag_days) <= as_of:
        label += 1
    return label


def calendarise(end_month: int, fy_t: float, fy_next: float) -> float:
    """Calendar-year value from the fiscal years that overlap it.

    ``CY = (m/12)·FY_t + ((12−m)/12)·FY_t+1`` where FY_t ends in month ``m`` of the calendar year.
    """
    m = end_month
    return (m / 12.0) * fy_t + ((12 - m) / 12.0) * fy_next


def fy1_share_to_run(as_of: date, fy1: int, end_month: int) -> float:
    """The share of FY1 still to run at the as-of date: ``days from as_of to FY1's end ÷ days in FY1`` (FY1 runs
    from the day after the previous year's end to its own end; 365 or 366 days), within [0, 1].

    0 on the day FY1 ends and after it, while FY1 is not yet reported (the ``report_lag_days`` after its end):
    the twelve months ahead are FY2's then. The weight of FY1 in a twelve-month-forward blend (METHODS §14).
    """
    end = fiscal_year_end(fy1, end_month)
    days_in_year = (end - fiscal_year_end(fy1 - 1, end_month)).days
    days_left = (end - as_of).days
    return min(max(days_left, 0), days_in_year) / days_in_year
