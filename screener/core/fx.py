"""Currency conversion, the one module every path uses (quotes, multiples, valuation, market cap, oxides).

Rates are quoted as **units of the currency per 1 USD** (FRED DEXCHUS, Yahoo ``CNY=X``: 7.1 CNY buy 1 USD).
``amount_in_to = amount_in_from × per_usd[to] / per_usd[from]``. USD is 1 by definition. Minor units are
their major currency scaled (``GBp`` = GBP pence: 100 per GBP). A missing or non-positive rate gives None
(the caller shows NA and flags ``fx_missing``): a number is never converted with a guessed rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from screener.core.values import Missing, Value

if TYPE_CHECKING:  # pandas only for the dated-series helpers: the comp table stays light
    import pandas as pd

MINOR_UNITS = {"GBp": ("GBP", 100.0), "GBX": ("GBP", 100.0), "ZAc": ("ZAR", 100.0), "ILA": ("ILS", 100.0)}
"""Yahoo quotes some exchanges in minor units: GBp (pence) = GBP / 100, etc. (case matters: GBp is not GBP)."""

N = TypeVar("N", float, Value)


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
    """``amount`` from one currency to another; None when the amount, a currency or a rate is missing."""
    if amount is None or from_currency is None or to_currency is None:
        return None
    f = factor(from_currency, to_currency, rates)
    return None if f is None else amount * f


def to_usd_millions(amount: float, currency: str, rates: Mapping[str, object]) -> float | None:
    """An amount in ``currency`` expressed in USD (same scale); None without a rate."""
    return convert(amount, currency, "USD", rates)


def align(dates: pd.DatetimeIndex, rates_per_usd: pd.Series, max_staleness_days: int) -> pd.Series:
    """The rate for each date: the latest rate on or before that date, at most ``max_staleness_days`` calendar
    days old (forward fill); NaN before the rate history starts or beyond the limit."""
    import numpy as np
    import pandas as pd

    fx = rates_per_usd.dropna().sort_index()
    fx = fx[fx > 0]
    if fx.empty:
        return pd.Series(np.nan, index=dates, dtype="float64")
    left = pd.DataFrame({"date": pd.DatetimeIndex(dates)})
    right = pd.DataFrame({"date": pd.DatetimeIndex(fx.index), "rate": fx.to_numpy(dtype="float64")})
    left["date"] = left["date"].astype("datetime64[ns]")
    right["date"] = right["date"].astype("datetime64[ns]")
    merged = pd.merge_asof(
        left, right, on="date", direction="backward", tolerance=pd.Timedelta(days=max_staleness_days)
    )
    return pd.Series(merged["rate"].to_numpy(), index=dates, dtype="float64")


def series_to_usd(values: pd.Series, rates_per_usd: pd.Series) -> pd.Series:
    """Local-currency values -> USD with the rate of each date (``rates_per_usd`` aligned on the same dates)."""
    return values / rates_per_usd
