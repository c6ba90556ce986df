"""Flags on a comp-table row: sanity checks on inputs (METHODS §4) and where a number came from.

:func:`row_flags` computes every flag of a row from its inputs (:class:`RowInputs`), in one documented order;
the small predicates below are the rules it applies. :data:`FLAGS` explains each code (tables, exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from screener.core import fx
from screener.core.values import Value, is_num
from screener.models import FxRate

FLAGS: dict[str, str] = {
    "tp_from_band": "the target price is the P/B-band target (m + k·sd) × forward BVPS, not a published one",
    "band_target_na": "the P/B-band target could not be computed (no price history or book values): target NA",
    "no_data": "no source has a price for this name",
    "currency_mismatch": "the source quoted another currency than the universe file's trading currency",
    "fx_missing": "no FX rate to convert the house model into the trading currency: multiples NA",
    "fx_stale": "an FX rate used is dated after the as-of date or more than [fx] max_staleness_days before it",
    "estimate_after_as_of": "the estimates (house model or consensus) are dated after the as-of date: not used",
    "consensus_eps": "multiples from fetched or imported consensus (Yahoo, AKShare, estimates import) instead of "
    "the stored consensus multiples",
    "consensus_target": "a not-rated name's target is the consensus mean target (Yahoo, AKShare, estimates import)",
    "mcap_from_snapshot_shares": "market cap = price × the share count implied by the bundled snapshot",
    "etr_excludes_dividend": "no usable FY1 dividend yield: ETR = upside only",
    "dy_implausible": "a dividend yield × the same year's P/E implies a payout above the limit: that yield is shown "
    "marked (44.0%?) and left out of the ETR and the aggregates",
    "pe_pb_roe_mismatch": "P/E differs from P/B ÷ ROE by more than the configured factor: suspect estimates",
    "extreme_pe": "P/E above the configured cap (shown, but flagged)",
    "stale_price": "the price is older than the configured number of trading days at the as-of date",
    "stale_target": "the house target was set more than the configured number of days before the as-of date",
    "price_after_as_of": "the only price is after the as-of date (a look-ahead): not used",
    "invalid_price": "the source's price is not a positive finite number: not used (no price)",
    "non_finite": "a computed number was not finite (an absurd input): shown as NA",
}
"""Every flag code a comp-table row can carry, with its meaning."""


@dataclass(frozen=True)
class Thresholds:
    """METHODS §4 limits (``[sanity]`` in config.toml)."""

    max_payout: float = 1.0
    pe_pb_roe_factor: float = 2.0
    extreme_pe: float = 1000.0
    stale_price_trading_days: int = 5
    stale_target_days: int = 365


@dataclass(frozen=True)
class YearInputs:
    """One fiscal year's multiples as the sanity checks see them."""

    pe: Value
    pb: Value
    roe: Value
    dy: Value


@dataclass(frozen=True)
class RowInputs:
    """What a row's flags are computed from.

    ``band_target``: None when the company's target does not come from the P/B band, else the band target (a
    number, or NA/NM when it could not be computed). ``price_date`` None: no usable price (``price_after_as_of``
    says whether one exists after the as-of date).
    """

    as_of: date
    price_date: date | None
    price_after_as_of: bool = False
    invalid_price: bool = False
    non_finite: bool = False
    quote_currency: str | None = None
    trading_currency: str = ""
    band_target: Value | None = None
    fx_missing: bool = False
    fx_stale: bool = False
    estimate_after_as_of: bool = False
    consensus_eps: bool = False
    consensus_target: bool = False
    market_cap_from_snapshot_shares: bool = False
    upside: Value | None = None
    dividend_yield: Value | None = None
    years: Sequence[YearInputs] = field(default_factory=tuple)
    target_set_on: date | None = None


def row_flags(row: RowInputs, limits: Thresholds) -> list[str]:
    """Every flag of a row, in the order of :data:`FLAGS` (a row without a price gets only the target flags and
    ``no_data``, ``price_after_as_of`` or ``invalid_price``)."""
    flags: list[str] = []
    if row.band_target is not None:
        flags.append("tp_from_band" if is_num(row.band_target) else "band_target_na")
    if row.price_date is None:
        if row.invalid_price:
            flags.append("invalid_price")
        else:
            flags.append("price_after_as_of" if row.price_after_as_of else "no_data")
        return flags
    if row.quote_currency is not None and row.quote_currency != row.trading_currency:
        flags.append("currency_mismatch")
    if row.fx_missing:
        flags.append("fx_missing")
    if row.fx_stale:
        flags.append("fx_stale")
    if row.estimate_after_as_of:
        flags.append("estimate_after_as_of")
    if row.consensus_eps:
        flags.append("consensus_eps")
    if row.consensus_target:
        flags.append("consensus_target")
    if row.market_cap_from_snapshot_shares:
        flags.append("mcap_from_snapshot_shares")
    if row.upside is not None and is_num(row.upside) and not is_num(row.dividend_yield):
        flags.append("etr_excludes_dividend")
    if any(implausible_dividend(y.dy, y.pe, limits.max_payout) for y in row.years):
        flags.append("dy_implausible")
    if any(pe_pb_roe_mismatch(y.pe, y.pb, y.roe, limits.pe_pb_roe_factor) for y in row.years):
        flags.append("pe_pb_roe_mismatch")
    if any(extreme_multiple(y.pe, limits.extreme_pe) for y in row.years):
        flags.append("extreme_pe")
    if stale_price(row.price_date, row.as_of, limits.stale_price_trading_days):
        flags.append("stale_price")
    if row.target_set_on is not None and stale_target(row.target_set_on, row.as_of, limits.stale_target_days):
        flags.append("stale_target")
    if row.non_finite:
        flags.append("non_finite")
    return flags


def implausible_dividend(dividend_yield: Value, pe: Value, max_payout: float) -> bool:
    """Implied payout ``DY × P/E`` above ``max_payout`` (1.0 = 100% of earnings)."""
    if not (is_num(dividend_yield) and is_num(pe)):
        return False
    return float(dividend_yield) * float(pe) > max_payout  # type: ignore[arg-type]


def fx_stale(rates: Iterable[FxRate | None], as_of: date, max_staleness_days: int) -> bool:
    """Some FX rate the row converts with is stale at the as-of date (:func:`screener.core.fx.is_stale`: dated
    after it, or more than ``max_staleness_days`` before it). USD's never is (1 by definition); a missing rate is
    ``fx_missing``'s business (None)."""
    return any(
        rate is not None and rate.currency != "USD" and fx.is_stale(rate.rate_date, as_of, max_staleness_days)
        for rate in rates
    )


def estimate_after_as_of(known_on: Iterable[date | None], as_of: date) -> bool:
    """Some estimate offered to the row (the house model, the universe consensus, fetched or imported consensus)
    counts from a day after the as-of date: a look-ahead, not used. Undated (None) counts as known."""
    return any(day is not None and day > as_of for day in known_on)


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
