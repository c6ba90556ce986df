"""Valuation multiples, one formula per function (METHODS §2).

All inputs and outputs are :data:`Value` (float, NA or NM). Per-share inputs must already be in the
price's currency (convert with :func:`screener.core.fx.scale` first: never mix trading and reporting currency).
"""

from __future__ import annotations

from screener.core.values import NA, NM, Value, combine, ratio


def price_to_earnings(price: float, eps: Value) -> Value:
    """``P/E = price / EPS``; NM when EPS <= 0 (loss-making), NA when EPS is unknown."""
    return ratio(price, eps)


def price_to_book(price: float, bvps: Value) -> Value:
    """``P/B = price / BVPS``; NM when book value per share <= 0."""
    return ratio(price, bvps)


def dividend_yield(dps: Value, price: float) -> Value:
    """``DY = DPS / price``; NA when DPS is unknown, NM when DPS is NM or negative."""
    if dps is NA or dps is NM:
        return dps
    assert isinstance(dps, float | int)
    if dps < 0:
        return NM
    return float(dps) / price


def enterprise_value(market_cap: Value, net_debt: Value, minorities: Value = 0.0) -> Value:
    """``EV = market cap + net debt + minorities`` (pass minorities=0.0 to leave them out)."""
    missing = combine(market_cap, net_debt, minorities)
    if missing is not None:
        return missing
    assert isinstance(market_cap, float | int) and isinstance(net_debt, float | int)
    assert isinstance(minorities, float | int)
    return float(market_cap) + float(net_debt) + float(minorities)


def ev_to_ebitda(ev: Value, ebitda: Value) -> Value:
    """``EV/EBITDA``; NM when EBITDA <= 0 or EV <= 0 (net cash larger than the market cap)."""
    if isinstance(ev, float | int) and ev <= 0 and isinstance(ebitda, float | int) and ebitda > 0:
        return NM
    return ratio(ev, ebitda)


def return_on_equity(net_income: Value, equity_open: Value, equity_close: Value) -> Value:
    """``ROE = net income / average shareholders' equity``; NM when average equity <= 0.

    A loss gives a negative ROE (meaningful), not NM. With no opening equity, the closing equity is used.
    """
    if equity_open is NA:
        equity_open = equity_close
    missing = combine(net_income, equity_open, equity_close)
    if missing is not None:
        return missing
    assert isinstance(net_income, float | int)
    assert isinstance(equity_open, float | int) and isinstance(equity_close, float | int)
    average = (float(equity_open) + float(equity_close)) / 2.0
    if average <= 0:
        return NM
    return float(net_income) / average


def per_share(total: Value, shares: Value) -> Value:
    """``total / shares`` (EPS, BVPS); per-share figures may be negative, so only shares <= 0 is NM."""
    missing = combine(total, shares)
    if missing is not None:
        return missing
    assert isinstance(total, float | int) and isinstance(shares, float | int)
    if shares <= 0:
        return NM
    return float(total) / float(shares)


def implied_from_multiple(reference_price: float, multiple: Value) -> Value:
    """Per-share figure implied by a multiple quoted at a reference price: ``ref price / multiple``.

    Consensus multiples are stored this way so they re-price when the price moves
    (``P/E_now = price_now / (ref_price / P/E_ref)``). NM stays NM; a non-positive multiple is NM.
    """
    return ratio(reference_price, multiple)


def implied_dps(reference_price: float, dividend_yield_ref: Value) -> Value:
    """DPS implied by a dividend yield quoted at a reference price: ``yield × ref price``."""
    if not isinstance(dividend_yield_ref, float | int):
        return dividend_yield_ref
    if dividend_yield_ref < 0:
        return NM
    return float(dividend_yield_ref) * reference_price


def scale_by_price(value: Value, price: float, reference_price: float) -> Value:
    """A price-proportional quantity re-priced: ``value × price / ref price`` (NA/NM pass through)."""
    if not isinstance(value, float | int):
        return value
    return float(value) * price / reference_price
