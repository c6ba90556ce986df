"""Sanity checks on inputs (METHODS §4); each returns a flag code or None.

Codes: ``dy_implausible`` (dividend yield × P/E = payout > limit), ``pe_pb_roe_mismatch``
(P/E differs from P/B ÷ ROE by more than a factor), ``extreme_pe`` (P/E above a cap),
``stale_price`` (price older than N trading days), ``stale_target`` (target set more than N days ago),
``etr_excludes_dividend`` (no usable FY1 yield, ETR = ESPR).
"""

from __future__ import annotations

from datetime import date

from screener.core.values import Value, is_num


def implausible_dividend(dividend_yield: Value, pe: Value, max_payout: float) -> bool:
    """Implied payout ``DY × P/E`` above ``max_payout`` (1.0 = 100% of earnings)."""
    if not (is_num(dividend_yield) and is_num(pe)):
        return False
    return float(dividend_yield) * float(pe) > max_payout  # type: ignore[arg-type]


def pe_pb_roe_mismatch(pe: Value, pb: Value, roe: Value, factor: float) -> bool:
    """``P/E`` versus ``P/B / ROE`` (the P/E those imply) differing by more than ``factor``×."""
    if not (is_num(pe) and is_num(pb) and is_num(roe)):
        return False
    pe_f, pb_f, roe_f = float(pe), float(pb), float(roe)  # type: ignore[arg-type]
    if pe_f <= 0 or pb_f <= 0 or roe_f <= 0:
        return False
    implied = pb_f / roe_f
    ratio = max(pe_f, implied) / min(pe_f, implied)
    return ratio > factor


def extreme_multiple(value: Value, cap: float) -> bool:
    """A multiple above ``cap`` (shown, but flagged)."""
    return is_num(value) and float(value) > cap  # type: ignore[arg-type]


def trading_days_between(earlier: date, later: date) -> int:
    """Weekdays after ``earlier`` up to and including ``later`` (0 when later <= earlier).

    Exchange holidays are not known here, so this slightly overstates staleness across holidays.
    """
    if later <= earlier:
        return 0
    days = (later - earlier).days
    full_weeks, remainder = divmod(days, 7)
    count = full_weeks * 5
    weekday = earlier.weekday()
    for step in range(1, remainder + 1):
        if (weekday + step) % 7 < 5:
            count += 1
    return count


def stale_price(price_date: date, as_of: date, max_trading_days: int) -> bool:
    """Price older than ``max_trading_days`` weekdays at the as-of date."""
    return trading_days_between(price_date, as_of) > max_trading_days


def stale_target(set_on: date, as_of: date, max_days: int) -> bool:
    """Target price set more than ``max_days`` calendar days before the as-of date."""
    return (as_of - set_on).days > max_days
