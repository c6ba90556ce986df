"""Period prices and returns (METHODS §6): weekly/monthly period labels, period log returns, and the adjusted
price index of a raw history with a previous-close column. Pure pandas, no I/O."""

from __future__ import annotations

import numpy as np
import pandas as pd

FREQS = ("W", "M")
"""Weekly (weeks ending Friday, ``W-FRI``) or monthly (calendar months)."""


def clean_index(obj: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Datetime index as tz-naive calendar dates, sorted, one row per date (the last one wins)."""
    idx = pd.DatetimeIndex(obj.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    out = obj.copy()
    out.index = idx.normalize()
    out = out.sort_index(kind="stable")
    return out[~out.index.duplicated(keep="last")]


def period_labels(dates: pd.DatetimeIndex, freq: str = "W") -> pd.DatetimeIndex:
    """Label of the period holding each date: the Friday ending its week (``W-FRI``) or its month end (``M``)."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}, got {freq!r}")
    d = pd.DatetimeIndex(dates).normalize()
    if freq == "W":
        return d + pd.to_timedelta((4 - d.day_of_week.to_numpy()) % 7, unit="D")
    return d + pd.offsets.MonthEnd(0)


def period_log_returns(prices: pd.DataFrame | pd.Series, freq: str = "W") -> pd.DataFrame | pd.Series:
    """Period log returns of each column on its own: ``ln(P_i / P_{i-1})`` between consecutive periods that have a
    price (last available quote in the period; non-positive prices are missing). The first period, and periods with
    no quote, are NaN; after a gap the return spans the gap. Indexed by period label (see :func:`period_labels`).
    For stock-versus-oxide statistics use :func:`correlate`, which first aligns each pair on common days."""
    p = clean_index(prices)
    p = p.where(p > 0)
    per = p.groupby(period_labels(pd.DatetimeIndex(p.index), freq)).last()
    lp = np.log(per)
    return (lp - lp.ffill().shift(1)).where(lp.notna())


def adjusted_index_from_prev_close(
    close: pd.DataFrame | pd.Series, prev_close: pd.DataFrame | pd.Series
) -> pd.DataFrame | pd.Series:
    """Total-return-style adjusted price index from a raw history with a previous-close column.

    Daily return ``r_t = close_t / prev_close_t - 1`` (``prev_close`` is the exchange's reference price, i.e. the
    ex-rights price on ex-dates). The index is ``I_0 = close_0`` (first valid close) and
    ``I_t = I_{t-1} · close_t / prev_close_t``: a back-adjusted price in the units of the first close. The first
    row's own ratio refers to a day before the sample and is ignored. Rows with no valid close are NaN and do not
    break the chain; a missing or non-positive ``prev_close`` falls back to the previous valid close (no corporate
    action assumed). Works on a Series or on aligned wide DataFrames (dates × tickers).
    """
    close = close.where(close > 0)
    last_close = close.ffill().shift(1)
    ref = prev_close.where(prev_close > 0).fillna(last_close)
    ratio = (close / ref).mask(close.notna() & last_close.isna(), 1.0)
    growth = ratio.where(close.notna()).fillna(1.0).cumprod()
    return (growth * close.bfill().iloc[0]).where(close.notna())
