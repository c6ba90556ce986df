"""Currency conversion and the one FX rule, the module every path uses (quotes, multiples, valuation, market cap,
oxides, charts).

Rates are quoted as **units of the currency per 1 USD** (FRED DEXCHUS, Yahoo ``CNY=X``: 7.1 CNY buy 1 USD).
``amount_in_to = amount_in_from × per_usd[to] / per_usd[from]``. USD is 1 by definition. Minor units are
their major currency scaled (``GBp`` = GBP pence: 100 per GBP). A missing or non-positive rate gives None
(the caller shows NA and flags ``fx_missing``): a number is never converted with a guessed rate.

**The rate for a day** (:func:`rate_on`, :func:`latest`, and :func:`align` for many days at once): the latest
positive finite rate dated on or before the day and at most ``max_staleness`` calendar days before it (None: no
limit); NaN, zero and negative rates are skipped; a rate dated after the day is never used; two rates of the same
date: the first given. A rate is **stale** for a day (:func:`is_stale`) when that rule would refuse it for its
date: after the day, or more than ``max_staleness`` days before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from screener.core.values import Missing, Value

if TYPE_CHECKING:  # pandas only for the dated-series helpers: the comp table stays light
    import numpy as np
    import pandas as pd

MINOR_UNITS = {"GBp": ("GBP", 100.0), "GBX": ("GBP", 100.0), "ZAc": ("ZAR", 100.0), "ILA": ("ILS", 100.0)}
"""Yahoo quotes some exchanges in minor units: GBp (pence) = GBP / 100, etc. (case matters: GBp is not GBP)."""

N = TypeVar("N", float, Value)
T = TypeVar("T")


class DatedRate(Protocol):
    """A rate with its date, as :class:`screener.models.FxRate` carries it."""

    @property
    def per_usd(self) -> float: ...

    @property
    def rate_date(self) -> date: ...


R = TypeVar("R", bound=DatedRate)


def _rate(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        rate = getattr(value, "per_usd", None)  # an FxRate
        if rate is None:
            return None
        value = rate
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) and number > 0 else None


def per_usd(currency: str, rates: Mapping[str, object]) -> float | None:
    """Units of ``currency`` per 1 USD from ``rates`` (floats or FxRate objects, by currency code); USD = 1."""
    major, factor = MINOR_UNITS.get(currency, (currency.upper(), 1.0))
    if major == "USD":
        return factor
    rate = _rate(rates[major]) if major in rates else None
    if rate is None:
        rate = next((_rate(v) for k, v in rates.items() if k.upper() == major), None)
    return rate * factor if rate is not None else None


def factor(from_currency: str, to_currency: str, rates: Mapping[str, object]) -> float | None:
    """Multiply an amount in ``from_currency`` by this to get ``to_currency``; None when a rate is missing."""
    if from_currency == to_currency:
        return 1.0
    src, dst = per_usd(from_currency, rates), per_usd(to_currency, rates)
    if src is None or dst is None:
        return None
    return dst / src


def scale(amount: N, by: float) -> N:
    """``amount × by`` for a number; NA/NM pass through unchanged."""
    if isinstance(amount, Missing):
        return amount
    return float(amount) * by  # type: ignore[return-value]


def convert(
    amount: float | None, from_currency: str | None, to_currency: str | None, rates: Mapping[str, object]
) -> float | None:
    """``amount / per_usd[from] × per_usd[to]``; None when the amount, a currency or a rate is missing (the same
    currency: the amount unchanged)."""
    if amount is None or from_currency is None or to_currency is None:
        return None
    if from_currency == to_currency:
        return amount
    src, dst = per_usd(from_currency, rates), per_usd(to_currency, rates)
    return None if src is None or dst is None else amount / src * dst


def to_usd_millions(amount: float, currency: str, rates: Mapping[str, object]) -> float | None:
    """An amount in ``currency`` expressed in USD (same scale); None without a rate."""
    return convert(amount, currency, "USD", rates)


def from_usd_per(usd_per: Any) -> Any:
    """A rate quoted as USD per unit (FRED DEXUSAL, Yahoo ``CNYUSD=X``) as units per USD: ``1 / rate`` (a number, an
    array or a Series)."""
    return 1.0 / usd_per


def is_stale(rate_date: date, day: date, max_staleness: int | None) -> bool:
    """Whether the rule refuses a rate dated ``rate_date`` for ``day``: dated after it (a look-ahead), or more than
    ``max_staleness`` calendar days before it (None: no limit)."""
    if rate_date > day:
        return True
    return max_staleness is not None and (day - rate_date).days > max_staleness


def _latest(dated: Sequence[tuple[date, object]], day: date, max_staleness: int | None) -> int | None:
    """Where in ``dated`` the latest positive finite rate not stale for ``day`` is; ties on a date: the first.
    (Read backwards: an older date is passed over at once, and on a tie the earlier one replaces the later.)"""
    best: int | None = None
    for position in range(len(dated) - 1, -1, -1):
        when, rate = dated[position]
        if best is not None and when < dated[best][0]:
            continue
        if is_stale(when, day, max_staleness) or _rate(rate) is None:
            continue
        best = position
    return best


def rate_on(
    series: pd.Series | Mapping[date, float] | Iterable[tuple[date, float]], day: date, max_staleness: int | None
) -> tuple[date, float] | None:
    """The rate for ``day`` from a dated series of rates per USD: ``(its date, the rate)`` by the module's rule (the
    latest positive finite rate on or before ``day``, at most ``max_staleness`` days older); None when none is. A
    pandas Series on dates is read at once by :func:`_asof` (the tests check both ways agree)."""
    if hasattr(series, "index") and hasattr(series, "to_numpy"):  # a pandas Series
        rates, dates = _asof([day], series, max_staleness)  # type: ignore[arg-type]
        return None if math.isnan(rates[0]) else (dates[0].astype("datetime64[D]").item(), float(rates[0]))
    pairs = series.items() if hasattr(series, "items") else series
    points = [((when.date() if isinstance(when, datetime) else when), rate) for when, rate in pairs]
    found = _latest(points, day, max_staleness)
    return None if found is None else (points[found][0], float(points[found][1]))  # type: ignore[arg-type]


def latest(rates: Iterable[R], day: date, max_staleness: int | None = None) -> R | None:
    """Of dated rates (e.g. one per source, the preferred first), the one the module's rule picks for ``day``."""
    offered = list(rates)
    found = _latest([(r.rate_date, r.per_usd) for r in offered], day, max_staleness)
    return None if found is None else offered[found]


def pick(rates: Sequence[R], day: date) -> R | None:
    """The rate a comp table converts with, of the rates its sources offer (the preferred first): :func:`latest`
    without a staleness limit; when every usable rate is dated after ``day``, the earliest of them (the first
    given on a tie). Such a rate, like one older than ``[fx] max_staleness_days``, is used but the row says so
    (:func:`is_stale`, flag ``fx_stale``): a back-dated screen before the first known rate keeps its numbers,
    marked. None without a usable rate."""
    found = latest(rates, day)
    if found is not None:
        return found
    return min((r for r in rates if _rate(r.per_usd) is not None), key=lambda r: r.rate_date, default=None)


def _asof(
    dates: pd.DatetimeIndex | Sequence[date], rates_per_usd: pd.Series, max_staleness_days: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The module's rule for many days at once: of the usable rates (positive, finite, the first of a date), sorted
    by date, the last one dated on or before each day (a binary search), unless more than ``max_staleness_days``
    older. Per day: the rate and its date (NaN and NaT where there is none)."""
    import numpy as np
    import pandas as pd

    numbers = rates_per_usd.to_numpy(dtype="float64")
    usable = np.isfinite(numbers) & (numbers > 0)
    fx = pd.Series(numbers[usable], index=pd.DatetimeIndex(rates_per_usd.index[usable]).normalize())
    fx = fx[~fx.index.duplicated(keep="first")].sort_index(kind="stable")
    known = fx.index.to_numpy(dtype="datetime64[ns]")
    days = pd.DatetimeIndex(dates).normalize().to_numpy(dtype="datetime64[ns]")
    rates, when = np.full(len(days), np.nan), np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(known) == 0:
        return rates, when
    position = np.searchsorted(known, days, side="right") - 1  # the last usable rate dated on or before the day
    found = position >= 0
    if max_staleness_days is not None:
        found &= days - known[np.maximum(position, 0)] <= np.timedelta64(max_staleness_days, "D")
    rates[found], when[found] = fx.to_numpy()[position[found]], known[position[found]]
    return rates, when


def align(dates: pd.DatetimeIndex, rates_per_usd: pd.Series, max_staleness_days: int | None) -> pd.Series:
    """:func:`rate_on` for every date at once (:func:`_asof`): NaN where :func:`rate_on` gives None."""
    import pandas as pd

    rates, _ = _asof(dates, rates_per_usd, max_staleness_days)
    return pd.Series(rates, index=dates, dtype="float64")


def series_to_usd(values: pd.Series, rates_per_usd: pd.Series) -> pd.Series:
    """Local-currency values -> USD with the rate of each date (``rates_per_usd`` aligned on the same dates)."""
    return values / rates_per_usd
