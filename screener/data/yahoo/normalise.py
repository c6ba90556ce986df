"""Yahoo's raw answers -> typed values (pure: no I/O), with one currency convention.

* ``info["dividendYield"]`` is in percent points (0.45 means 0.45 %); ``priceToBook`` divides a trading-currency
  price by a financial-currency book value (yfinance #2593), so P/B is recomputed here with FX.
* FX closes ``CNY=X`` quote units of the currency per 1 USD (the project's convention, :mod:`screener.core.fx`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screener.core import fx
from screener.models import BookValue, FxRate

if TYPE_CHECKING:
    import pandas as pd


def fx_symbol(currency: str) -> str:
    """Yahoo symbol quoting ``currency`` per 1 USD: ``CNY`` -> ``CNY=X`` (7.1 = 7.1 CNY per USD)."""
    return f"{currency.strip().upper()}=X"


@dataclass(frozen=True)
class YahooQuote:
    """One stock's quote and fundamentals, each field in ONE stated currency.

    ``price``, ``market_cap``, ``book_value_per_share_trading`` and ``dividend_rate`` are in
    ``currency`` (trading); ``book_value_per_share`` is in ``financial_currency`` (as Yahoo
    reports it); ``market_cap_usd`` uses the FX rates passed to :func:`normalise_quote`;
    ``price_to_book`` divides two trading-currency numbers. ``trailing_eps``, ``forward_eps``,
    ``enterprise_value`` and ``ebitda`` are passed through as Yahoo reports them: Yahoo does
    not label their currency, so for H-shares/ADRs (currency != financial_currency) check
    before mixing them with the price. Yields and ROE are fractions (0.012 = 1.2 %).
    """

    ticker: str
    price: float | None
    currency: str | None
    financial_currency: str | None
    market_cap: float | None
    market_cap_usd: float | None
    book_value_per_share: float | None
    book_value_per_share_trading: float | None
    price_to_book: float | None
    trailing_eps: float | None
    forward_eps: float | None
    dividend_rate: float | None
    dividend_yield: float | None
    roe: float | None
    enterprise_value: float | None
    ebitda: float | None
    quote_time: dt.datetime | None


def _num(value: Any) -> float | None:
    """A finite float, or None. Accepts Yahoo's ``{"raw": x, "fmt": "..."}`` wrappers."""
    if isinstance(value, Mapping):
        value = value.get("raw")
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _ccy(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _quote_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    seconds = _num(value)
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _dividend_yield(info: Mapping[str, Any], price: float | None) -> float | None:
    """Forward dividend yield as a FRACTION.

    Yahoo's ``dividendYield`` is in PERCENT POINTS (0.45 = 0.45 %), unlike its other yields
    (``trailingAnnualDividendYield`` is a fraction): divide by 100. Without it, fall back to
    ``dividendRate / price``.
    """
    pct = _num(info.get("dividendYield"))
    if pct is not None:
        return pct / 100.0
    rate = _num(info.get("dividendRate"))
    return rate / price if rate is not None and price else None


def normalise_quote(info: Mapping[str, Any], fx_per_usd: Mapping[str, float]) -> YahooQuote:
    """Yahoo's ``info`` dict -> :class:`YahooQuote`. Missing keys give None, never KeyError.

    ``fx_per_usd`` maps currency -> units per 1 USD (``{"CNY": 7.1, "HKD": 7.8}``). P/B is
    recomputed in the trading currency: ``price / (bookValue converted from
    financialCurrency)``; Yahoo's own ``priceToBook`` is ignored because it mixes currencies
    for H-shares and ADRs (yfinance #2593).
    """
    ticker = str(info.get("symbol") or "").upper()
    price = _num(info.get("currentPrice"))
    if price is None:
        price = _num(info.get("regularMarketPrice"))
    currency = _ccy(info.get("currency"))
    fin_ccy = _ccy(info.get("financialCurrency")) or currency
    market_cap = _num(info.get("marketCap"))
    bvps = _num(info.get("bookValue"))
    bvps_trading = fx.convert(bvps, fin_ccy, currency, fx_per_usd)
    pb = price / bvps_trading if price is not None and bvps_trading else None
    return YahooQuote(
        ticker=ticker,
        price=price,
        currency=currency,
        financial_currency=fin_ccy,
        market_cap=market_cap,
        market_cap_usd=fx.convert(market_cap, currency, "USD", fx_per_usd),
        book_value_per_share=bvps,
        book_value_per_share_trading=bvps_trading,
        price_to_book=pb,
        trailing_eps=_num(info.get("trailingEps")),
        forward_eps=_num(info.get("forwardEps")),
        dividend_rate=_num(info.get("dividendRate")),
        dividend_yield=_dividend_yield(info, price),
        roe=_num(info.get("returnOnEquity")),
        enterprise_value=_num(info.get("enterpriseValue")),
        ebitda=_num(info.get("ebitda")),
        quote_time=_quote_time(info.get("regularMarketTime")),
    )


@dataclass(frozen=True)
class YahooConsensus:
    """Analyst consensus: EPS for FY1 (``0y``) and FY2 (``+1y``) and the 12-month target.

    EPS figures are in ``eps_currency`` (Yahoo's ``earningsCurrency``, which can differ from
    the trading currency); targets are in the trading currency.
    """

    ticker: str
    eps_currency: str | None
    eps_fy1: float | None
    eps_fy2: float | None
    eps_fy1_analysts: int | None
    eps_fy2_analysts: int | None
    target_mean: float | None
    target_median: float | None
    target_high: float | None
    target_low: float | None
    current_price: float | None


def normalise_consensus(raw: Mapping[str, Any]) -> YahooConsensus:
    """The dict from :func:`fetch_consensus` -> :class:`YahooConsensus` (missing -> None)."""
    est = raw.get("earnings_estimate") or {}
    fy1, fy2 = est.get("0y") or {}, est.get("+1y") or {}
    targets = raw.get("analyst_price_targets") or {}
    currency = _ccy(fy1.get("currency")) or _ccy(fy2.get("currency"))

    def count(row: Mapping[str, Any]) -> int | None:
        n = _num(row.get("numberOfAnalysts"))
        return int(n) if n is not None else None

    return YahooConsensus(
        ticker=str(raw.get("ticker") or "").upper(),
        eps_currency=currency,
        eps_fy1=_num(fy1.get("avg")),
        eps_fy2=_num(fy2.get("avg")),
        eps_fy1_analysts=count(fy1),
        eps_fy2_analysts=count(fy2),
        target_mean=_num(targets.get("mean")),
        target_median=_num(targets.get("median")),
        target_high=_num(targets.get("high")),
        target_low=_num(targets.get("low")),
        current_price=_num(targets.get("current")),
    )


_FX_DIRECT = re.compile(r"^(?:USD)?(?P<ccy>[A-Z]{3})=X$")  # CNY=X, USDCNY=X: CCY per 1 USD
_FX_INVERSE = re.compile(r"^(?P<ccy>[A-Z]{3})USD=X$")  # CNYUSD=X: USD per 1 CCY


def normalise_fx(closes: pd.DataFrame) -> pd.DataFrame:
    """Yahoo FX closes (columns are Yahoo symbols) -> units of currency per 1 USD.

    ``CNY=X`` and ``USDCNY=X`` quote CNY per USD and are kept; ``CNYUSD=X`` quotes USD per CNY
    and is inverted. Columns become currency codes; unknown symbols are dropped.
    Non-positive values become NaN.
    """
    import pandas as pd

    out: dict[str, pd.Series] = {}
    for col in closes.columns:
        sym = str(col).upper()
        series = pd.to_numeric(closes[col], errors="coerce").astype(float)
        series = series.where(series > 0)
        if (m := _FX_INVERSE.match(sym)) and m["ccy"] != "USD":
            out[m["ccy"]] = fx.from_usd_per(series)
        elif m := _FX_DIRECT.match(sym):
            out[m["ccy"]] = series
    frame = pd.DataFrame(out, index=closes.index)
    frame.index.name = "Date"
    return frame


def spot_fx(rates: pd.DataFrame, as_of: dt.date | None = None) -> dict[str, FxRate]:
    """The rate per currency for ``as_of`` (default: the last date) from :func:`normalise_fx` output: the latest
    valid one on or before it (:func:`screener.core.fx.rate_on`, no staleness limit)."""
    import pandas as pd

    out: dict[str, FxRate] = {}
    if len(rates.index) == 0:
        return out
    day = as_of or pd.Timestamp(rates.index.max()).date()
    for col in rates.columns:
        found = fx.rate_on(rates[col], day, None)
        if found is None:
            continue
        when, per_usd = found
        source = "identity" if col == "USD" else f"Yahoo {fx_symbol(str(col))}"
        out[str(col)] = FxRate(str(col), per_usd, when, source)
    return out


def book_values(sheets: Mapping[str, Any], report_lag_days: int, currency: str | None = None) -> list[BookValue]:
    """Book values per share from raw balance sheets (:func:`screener.data.yahoo.statements.fetch_balance_sheets`),
    one per report period (annual and quarterly; a period in both counts once), oldest first.

    BVPS = common equity ÷ ordinary shares: ``CommonStockEquity`` (else ``StockholdersEquity``, the equity of the
    parent's shareholders) over ``OrdinarySharesNumber`` (shares outstanding, else ``ShareIssued``); a number at or
    below zero counts as missing (no meaningful P/B on negative book), so a period without a positive equity and a
    positive share count gives no value.

    Point in time: Yahoo gives the balance-sheet date but not when the report was published, so each value counts
    as **published** ``report_lag_days`` after its period end (``[fiscal] report_lag_days``, 90) — conservative:
    most reports come out earlier, and a value is never used before it could have been known. ``currency``: the
    statement currency (Yahoo's ``financialCurrency``) when known, else None.
    """
    found: dict[dt.date, BookValue] = {}
    for frequency in ("annual", "quarterly"):
        for period, items in (sheets.get(frequency) or {}).items():
            end = dt.date.fromisoformat(str(period)[:10])
            equity = _first(items, "CommonStockEquity", "StockholdersEquity")
            shares = _first(items, "OrdinarySharesNumber", "ShareIssued")
            if end in found or equity is None or shares is None:
                continue
            published = end + dt.timedelta(days=report_lag_days)
            found[end] = BookValue(published, equity / shares, end, currency)
    return [found[end] for end in sorted(found)]


def _first(items: Mapping[str, Any], *names: str) -> float | None:
    """The first of ``names`` with a finite number above zero."""
    for name in names:
        value = _num(items.get(name))
        if value is not None and value > 0:
            return value
    return None
