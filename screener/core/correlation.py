"""Stock returns versus oxide prices (METHODS.md §6): pure, vectorised over the whole universe.

Pipeline, per stock × oxide series (every step is an array operation across all tickers at once):

1. **Common days.** A day counts for a ticker only when the stock *and* the oxide both have a positive, finite
   price on it (the oxide is masked where the stock is missing, and vice versa). Each ticker therefore has its
   own aligned sample; non-positive prices are treated as missing.
2. **Period prices.** Weekly (``freq="W"``, weeks ending Friday, ``W-FRI``) or monthly (``freq="M"``, calendar
   months): in each period both prices are taken on the *last common day* of the period ("last available
   quote"), so the two legs of a return always span the same interval. Periods without a common day are dropped.
   Periods are labelled by their end date (the Friday of the week, the last day of the month), as
   ``DataFrame.resample("W-FRI"/"ME").last()`` would label them.
3. **Log returns** ``r_i = ln(P_i / P_{i-1})`` between consecutive aligned periods (a gap, e.g. a week-long
   trading holiday or a suspension, gives one return spanning the gap). ``n`` = number of returns.
   Lags, rolling windows and the Newey–West kernel below count *aligned periods*, not calendar periods.

Statistics on the ``n`` aligned returns ``y`` (stock) and ``x`` (oxide), with ``x̄, ȳ`` their means and
``Sxx = Σ(x-x̄)²``, ``Syy = Σ(y-ȳ)²``, ``Sxy = Σ(x-x̄)(y-ȳ)``:

* ``corr = Sxy / sqrt(Sxx·Syy)`` (Pearson); ``beta = Sxy / Sxx`` (OLS slope of y on x with intercept);
  ``r2 = corr²`` (the R² of that regression).
* ``beta_t_hac = beta / se_HAC``: Newey–West with Bartlett weights ``w_l = 1 - l/(L+1)``. With
  ``g_t = (x_t - x̄)·u_t`` (``u`` the OLS residuals), ``se_HAC² = (Σ_t g_t² + 2 Σ_{l=1..L} w_l Σ_t g_t g_{t-l}) / Sxx²``.
  This is exactly the slope element of statsmodels' ``OLS(y, add_constant(x)).fit(cov_type="HAC",
  cov_kwds={"maxlags": L})`` (whose default is ``use_correction=False``: no n/(n-k) factor).
  Default ``L = floor(4·(n/100)^(2/9))`` per ticker (the Newey–West 1994 rule of thumb, also statsmodels'
  own default for ``nlags=None``); pass ``hac_lags`` to fix L for every ticker.
* ``rolling_corr_last/min/max``: Pearson correlation over every window of ``window`` consecutive aligned
  returns (only complete windows); the last window and the range over all windows.
* ``best_lag, best_lag_corr``: for k in ``-max_lag..max_lag`` the Pearson correlation of the overlapping pairs
  ``(y_t, x_{t-k})`` (each lag with its own means, like ``y.corr(x.shift(k))``); the k with the largest
  ``|corr|`` (ties: the smallest ``|k|``, then positive k). **A positive k means the oxide LEADS the stock by k
  periods**; a negative k means the stock leads.
* ``level_corr``: Pearson correlation of the price LEVELS on the aligned periods (n+1 points). Reported only
  beside the return correlation: two trending series show a high level correlation with no relation between
  them (spurious regression), which is why returns are the primary measure.

NA handling (never an exception for short or degenerate data): fewer than ``min_periods`` (default 3) aligned
returns (or pairs, for a lag) gives NaN; rolling needs ``n >= window``; a zero-variance sample (all values
equal, tested exactly as pandas does) gives NaN for corr/r2 (and beta/t when the oxide is flat; a flat stock gives
beta 0 and t NaN); flat windows are left out of the rolling min/max. ``best_lag`` is an integer-valued float, NaN
when no lag has a correlation. Invalid *parameters* raise ``ValueError`` (unknown freq, ``window < min_periods``,
``min_periods < 3``, negative lags).

statsmodels is deliberately not imported here: everything is closed-form numpy.

Cost: tickers are processed in blocks of :data:`BLOCK` so a block's period arrays stay in the CPU caches; per
block the stock's last price of each period (and its log) is found once for every series, and only the periods
where an oxide misses a day are recomputed; only tickers with a period lacking a common day are compacted.
What remains is ~100 passes over each block's periods × tickers arrays (logs, differences, prefix sums, window
sums, 17 lag products); blocks run on ``threads`` threads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from screener.core.correlation_kernel import BLOCK, Universe, correlate_arrays, newey_west_lags
from screener.core.returns import FREQS, clean_index, period_labels

COLUMNS: tuple[str, ...] = (
    "n",
    "start",
    "end",
    "corr",
    "beta",
    "beta_t_hac",
    "r2",
    "rolling_corr_last",
    "rolling_corr_min",
    "rolling_corr_max",
    "best_lag",
    "best_lag_corr",
    "level_corr",
)
_F = np.float64
__all__ = ["BLOCK", "COLUMNS", "aligned_pair", "correlate", "correlate_many", "newey_west_lags"]


# ------------------------------------------------------------------------------------------------ public API


def _check_params(freq: str, window: int, max_lag: int, hac_lags: int | None, min_periods: int) -> None:
    if min_periods < 3:
        raise ValueError(f"min_periods must be >= 3, got {min_periods}")
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {FREQS}, got {freq!r}")
    if window < min_periods:
        raise ValueError(f"window must be >= min_periods ({min_periods}), got {window}")
    if max_lag < 0:
        raise ValueError(f"max_lag must be >= 0, got {max_lag}")
    if hac_lags is not None and hac_lags < 0:
        raise ValueError(f"hac_lags must be >= 0 or None, got {hac_lags}")


def _as_frame(stock_prices: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(stock_prices, pd.Series):
        stock_prices = stock_prices.to_frame(stock_prices.name if stock_prices.name is not None else "stock")
    return clean_index(stock_prices).astype(_F)


def correlate_many(
    stock_prices: pd.DataFrame | pd.Series,
    oxides: Mapping[str, pd.Series] | pd.DataFrame,
    *,
    freq: str = "W",
    window: int = 52,
    max_lag: int = 8,
    hac_lags: int | None = None,
    min_periods: int = 3,
    threads: int = 1,
) -> pd.DataFrame:
    """:func:`correlate` for several oxide series: one block of rows per series, stacked in the order given,
    indexed by ticker, with a leading ``series`` column (the mapping key or DataFrame column name). ``threads``:
    blocks of :data:`BLOCK` tickers computed in parallel (numpy releases the interpreter lock in its loops); the
    result does not depend on it."""
    _check_params(freq, window, max_lag, hac_lags, min_periods)
    prices = _as_frame(stock_prices)
    dates = pd.DatetimeIndex(prices.index)
    items = list(oxides.items())
    labels = period_labels(dates, freq) if len(dates) else pd.DatetimeIndex([])
    lab = labels.to_numpy()
    ends = np.flatnonzero(np.r_[lab[1:] != lab[:-1], True]) if len(lab) else np.zeros(0, np.intp)
    starts = np.r_[0, ends[:-1] + 1].astype(np.intp) if len(ends) else np.zeros(0, np.intp)
    period_dates = labels[ends]
    matrix = prices.to_numpy(dtype=_F, copy=False)
    tickers = pd.Index(prices.columns, name="ticker")
    oxide_arrays = [clean_index(pd.Series(series, dtype=_F)).reindex(dates).to_numpy(dtype=_F) for _, series in items]

    def block(first: int) -> list[dict[str, np.ndarray]]:
        """Every series for the tickers ``first .. first + BLOCK``."""
        uni = Universe(matrix[:, first : first + BLOCK], starts)
        options = {"window": window, "max_lag": max_lag, "hac_lags": hac_lags, "min_periods": min_periods}
        return [correlate_arrays(uni, ox, **options) for ox in oxide_arrays]  # type: ignore[arg-type]

    firsts = list(range(0, matrix.shape[1], BLOCK)) if len(ends) else []
    if threads > 1 and len(firsts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(firsts))) as pool:
            parts = list(pool.map(block, firsts))
    else:
        parts = [block(first) for first in firsts]
    frames = []
    for index, (name, _) in enumerate(items):
        if not parts:
            res = _empty(tickers)
        else:
            arr = {key: np.concatenate([part[index][key] for part in parts]) for key in parts[0][index]}
            res = _to_frame(arr, tickers, period_dates)
        res.insert(0, "series", str(name))
        frames.append(res)
    if not frames:
        return _empty(tickers).iloc[0:0].assign(series=pd.Series(dtype=object))[["series", *COLUMNS]]
    return pd.concat(frames)


def correlate(
    stock_prices: pd.DataFrame | pd.Series,
    oxide: pd.Series,
    *,
    freq: str = "W",
    window: int = 52,
    max_lag: int = 8,
    hac_lags: int | None = None,
    min_periods: int = 3,
) -> pd.DataFrame:
    """Stock returns versus one oxide series, for every ticker at once.

    ``stock_prices``: adjusted prices, dates × tickers (NaN where missing); ``oxide``: a price Series on dates.
    Returns one row per ticker (index ``ticker``) with exactly the columns :data:`COLUMNS`; see the module
    docstring for the formulas, the alignment rule, the lag sign convention (positive ``best_lag`` = oxide leads)
    and the NA rules. ``start``/``end`` are the period labels of the first and last aligned return.
    """
    res = correlate_many(
        stock_prices,
        {"oxide": oxide},
        freq=freq,
        window=window,
        max_lag=max_lag,
        hac_lags=hac_lags,
        min_periods=min_periods,
    )
    return res.drop(columns="series")


def _to_frame(arr: dict[str, np.ndarray], tickers: pd.Index, period_dates: pd.DatetimeIndex) -> pd.DataFrame:
    pdates = np.r_[period_dates.to_numpy(), np.datetime64("NaT")]  # index -1 -> NaT
    data: dict[str, object] = {
        "n": arr["n"].astype(np.int64),
        "start": pd.DatetimeIndex(pdates[arr["start_pos"]]),
        "end": pd.DatetimeIndex(pdates[arr["end_pos"]]),
    }
    for key in COLUMNS[3:]:
        data[key] = arr[key].astype(_F)
    return pd.DataFrame(data, index=tickers, columns=list(COLUMNS))


def _empty(tickers: pd.Index) -> pd.DataFrame:
    size = len(tickers)
    data: dict[str, object] = {"n": np.zeros(size, np.int64), "start": pd.NaT, "end": pd.NaT}
    data.update({key: np.full(size, np.nan) for key in COLUMNS[3:]})
    frame = pd.DataFrame(data, index=tickers, columns=list(COLUMNS))
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame


def aligned_pair(
    stock: pd.Series, oxide: pd.Series, *, freq: str = "W", window: int = 52
) -> tuple[pd.DataFrame, pd.Series]:
    """One stock and one oxide series for a chart, aligned as :func:`correlate` aligns them.

    Returns (``levels``: the last common-day price of each period, columns ``stock`` and ``oxide``;
    ``rolling``: the rolling correlation of period log returns over ``window`` periods, NaN until the window
    is full). Only days on which both have a positive price count, so the two legs of a return always span
    the same dates.
    """
    both = pd.concat({"stock": clean_index(stock), "oxide": clean_index(oxide)}, axis=1, sort=True)
    both = both[(both["stock"] > 0) & (both["oxide"] > 0)]
    if both.empty:
        return both, pd.Series(dtype="float64")
    levels = both.groupby(period_labels(pd.DatetimeIndex(both.index), freq)).last()
    returns = np.log(levels).diff().dropna()
    rolling = returns["stock"].rolling(window, min_periods=window).corr(returns["oxide"])
    return levels, rolling
