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
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

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


def newey_west_lags(n: int | np.ndarray) -> np.ndarray:
    """Default HAC truncation lag ``floor(4·(n/100)^(2/9))`` (Newey & West 1994), element-wise; 0 for n <= 0."""
    n_arr = np.maximum(np.asarray(n, dtype=_F), 0.0)
    return np.floor(4.0 * (n_arr / 100.0) ** (2.0 / 9.0)).astype(np.int64)


# --------------------------------------------------------------------------------------------------- arrays
# Layout: periods × tickers, C order. Each ticker's aligned periods are "compressed" to the top rows (order kept),
# so lags and windows count aligned periods; rows past a ticker's sample are multiplied out by 0/1 masks.


class _Universe:
    """Per-call preprocessing of the stock matrix, shared by every oxide series."""

    def __init__(self, stock: np.ndarray, starts: np.ndarray) -> None:
        self.n_days, self.n_tick = stock.shape
        self.starts = starts
        self.ok = stock > 0  # NaN compares False
        self.clean = np.where(self.ok, stock, 1.0)  # finite everywhere, so gathers never see NaN
        self.day1 = np.arange(1, self.n_days + 1, dtype=np.int32)[:, None]  # 1-based day numbers
        self.cols = np.arange(self.n_tick)


def _prefix(a: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading zero row: ``C[i] = a[:i].sum(0)`` (a row loop: much faster than an axis-0
    ``cumsum`` on wide C-ordered arrays)."""
    out = np.empty((a.shape[0] + 1, a.shape[1]), dtype=a.dtype)
    out[0] = 0
    for i in range(a.shape[0]):
        np.add(out[i], a[i], out=out[i + 1])
    return out


def _at(c: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``c[rows[j], j]`` for each column j (rows clipped to the valid range)."""
    r = np.clip(rows, 0, c.shape[0] - 1).astype(np.intp)
    return np.take_along_axis(c, r[None, :], axis=0)[0]


def _changes(a: np.ndarray) -> np.ndarray:
    """Prefix counts of ``a[t] != a[t-1]``: values in rows [lo, hi) are all equal iff ``D[hi] - D[lo+1] == 0``."""
    d = np.zeros(a.shape, dtype=np.int32)
    np.not_equal(a[1:], a[:-1], out=d[1:], casting="unsafe")
    return _prefix(d)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-wise ``Σ_t a[t] b[t]`` without a temporary."""
    return np.einsum("ij,ij->j", a, b)


def _corr_from_sums(
    m: np.ndarray | float, sa: np.ndarray, sb: np.ndarray, saa: np.ndarray, sbb: np.ndarray, sab: np.ndarray
) -> np.ndarray:
    """Pearson correlation from raw sums over m pairs (data pre-centred by the full-sample mean, which keeps the
    one-pass formula well conditioned); NaN where a variance is not positive. The inputs are overwritten."""
    with np.errstate(invalid="ignore", divide="ignore"):
        saa -= sa * sa / m
        sbb -= sb * sb / m
        sab -= sa * sb / m
        bad = (saa <= 0) | (sbb <= 0)
        saa *= sbb
        np.sqrt(saa, out=saa)
        sab /= saa
    np.clip(sab, -1.0, 1.0, out=sab)
    sab[bad] = np.nan
    return sab


def _correlate_arrays(
    uni: _Universe,
    oxide: np.ndarray,
    *,
    window: int,
    max_lag: int,
    hac_lags: int | None,
    min_periods: int,
) -> dict[str, np.ndarray]:
    n_tick, cols = uni.n_tick, uni.cols
    ox_ok = oxide > 0
    ox_clean = np.where(ox_ok, oxide, 1.0)

    # last common day of each period (1-based, 0 = none), then each ticker's aligned periods moved to the top
    code = uni.ok & ox_ok[:, None]
    code = np.multiply(code, uni.day1, dtype=np.int32)
    last = np.maximum.reduceat(code, uni.starts, axis=0)
    del code
    ok = last > 0
    n_per = ok.shape[0]
    pos = _prefix(ok.astype(np.int32))[1:]
    cnt = pos[-1].astype(np.int64)
    n = np.maximum(cnt - 1, 0)
    out: dict[str, np.ndarray] = {"n": n}
    out["start_pos"] = np.where(n > 0, np.argmax(pos >= 2, axis=0), -1)
    out["end_pos"] = np.where(n > 0, n_per - 1 - np.argmax(ok[::-1], axis=0), -1)
    src = np.flatnonzero(ok)
    src_col = src % n_tick
    day = np.zeros(n_per * n_tick, dtype=np.int64)
    day[(pos.ravel()[src] - 1) * n_tick + src_col] = last.ravel()[src] - 1
    day = day.reshape(n_per, n_tick)
    del last, pos, src, src_col
    sp = uni.clean[day, cols]  # compressed aligned prices (junk but finite below row cnt)
    op = ox_clean[day]

    # level correlation (two-pass) on the n+1 aligned prices
    rows = np.arange(n_per)[:, None]
    m_lv = (rows < cnt).astype(_F)
    with np.errstate(invalid="ignore", divide="ignore"):
        cs = (sp - _dot(sp, m_lv) / cnt) * m_lv
        co = (op - _dot(op, m_lv) / cnt) * m_lv
        level = _dot(cs, co) / np.sqrt(_dot(cs, cs) * _dot(co, co))
    del cs, co

    # log returns between consecutive aligned periods, zero below row n; centred by the full-sample mean
    ls, lo = np.log(sp), np.log(op)
    del sp, op
    n_ret = max(n_per - 1, 0)
    m_r = m_lv[1:]
    y = (ls[1:] - ls[:-1]) * m_r
    x = (lo[1:] - lo[:-1]) * m_r
    del ls, lo
    with np.errstate(invalid="ignore", divide="ignore"):
        yc = (y - y.sum(0) / n) * m_r
        xc = (x - x.sum(0) / n) * m_r
    dy, dx = _changes(y), _changes(x)  # flatness tests: exact, like pandas' "all values equal" rule
    y_var, x_var = _at(dy, n) > 0, _at(dx, n) > 0
    levels_move = (_dot(y, y) > 0) & (_dot(x, x) > 0)  # a price level is constant iff all its returns are 0
    del y, x
    out["level_corr"] = np.where((cnt >= min_periods + 1) & levels_move, np.clip(level, -1.0, 1.0), np.nan)
    sxx, syy, sxy = _dot(xc, xc), _dot(yc, yc), _dot(xc, yc)
    enough = n >= min_periods
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(enough & x_var, sxy / sxx, np.nan)
        corr = np.where(enough & x_var & y_var, np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0), np.nan)
    out["corr"], out["beta"], out["r2"] = corr, beta, corr * corr

    # Newey-West HAC t-stat of beta (Bartlett kernel), per-ticker truncation lag
    lags = newey_west_lags(n) if hac_lags is None else np.full(n_tick, int(hac_lags), dtype=np.int64)
    g = xc * (yc - np.where(np.isfinite(beta), beta, 0.0) * xc)
    s_hac = _dot(g, g)
    for lag in range(1, int(min(lags.max(initial=0), max(n_ret - 1, 0))) + 1):
        wgt = np.where(lag <= lags, 1.0 - lag / (lags + 1.0), 0.0)
        s_hac += 2.0 * wgt * _dot(g[lag:], g[:-lag])
    del g
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(s_hac) / sxx
        out["beta_t_hac"] = np.where(np.isfinite(beta) & (se > 0), beta / se, np.nan)

    # prefix sums of the centred returns for rolling and lag windows
    cy, cx = _prefix(yc), _prefix(xc)
    cyy, cxx = _prefix(yc * yc), _prefix(xc * xc)

    # rolling correlation over complete windows of `window` aligned returns
    n_win = n_ret - window + 1
    has = (n >= window) & (n_win > 0)
    if has.any():
        w = window
        cxy = _prefix(xc * yc)
        rc = _corr_from_sums(
            float(w),
            cy[w:] - cy[:n_win],
            cx[w:] - cx[:n_win],
            cyy[w:] - cyy[:n_win],
            cxx[w:] - cxx[:n_win],
            cxy[w:] - cxy[:n_win],
        )
        del cxy
        good = (dy[w:] - dy[1 : n_win + 1] > 0) & (dx[w:] - dx[1 : n_win + 1] > 0)
        good &= np.arange(n_win)[:, None] < n - w + 1
        good &= ~np.isnan(rc)
        has &= good.any(0)
        out["rolling_corr_min"] = np.where(has, np.where(good, rc, np.inf).min(0), np.nan)
        out["rolling_corr_max"] = np.where(has, np.where(good, rc, -np.inf).max(0), np.nan)
        last_row = np.clip(n - w, 0, n_win - 1)
        out["rolling_corr_last"] = np.where(has & good[last_row, cols], rc[last_row, cols], np.nan)
    else:
        for key in ("rolling_corr_last", "rolling_corr_min", "rolling_corr_max"):
            out[key] = np.full(n_tick, np.nan)

    # lead/lag: pairs (y_t, x_{t-k}); k > 0 means the oxide leads
    order = [0] + [s * k for k in range(1, max_lag + 1) for s in (1, -1)]
    lag_corr = np.full((len(order), n_tick), np.nan)
    zero = np.zeros(n_tick, np.int64)
    for i, k in enumerate(order):
        j = abs(k)
        if j >= n_ret:
            continue
        m = n - j
        # y rows [ya, yb) pair with x rows [xa, xb)
        ya, yb, xa, xb = (zero + j, n, zero, m) if k >= 0 else (zero, m, zero + j, n)
        sab = _dot(yc[j:], xc[: n_ret - j]) if k >= 0 else _dot(yc[: n_ret - j], xc[j:])
        c = _corr_from_sums(
            m.astype(_F),
            _at(cy, yb) - _at(cy, ya),
            _at(cx, xb) - _at(cx, xa),
            _at(cyy, yb) - _at(cyy, ya),
            _at(cxx, xb) - _at(cxx, xa),
            sab,
        )
        moves = (_at(dy, yb) - _at(dy, ya + 1) > 0) & (_at(dx, xb) - _at(dx, xa + 1) > 0)
        lag_corr[i] = np.where((m >= min_periods) & moves, c, np.nan)
    has_lag = np.isfinite(lag_corr).any(0)
    best = np.argmax(np.where(np.isfinite(lag_corr), np.abs(lag_corr), -1.0), axis=0)
    out["best_lag"] = np.where(has_lag, np.asarray(order, dtype=_F)[best], np.nan)
    out["best_lag_corr"] = np.where(has_lag, lag_corr[best, cols], np.nan)
    return out


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
) -> pd.DataFrame:
    """:func:`correlate` for several oxide series: one block of rows per series, stacked in the order given,
    indexed by ticker, with a leading ``series`` column (the mapping key or DataFrame column name)."""
    _check_params(freq, window, max_lag, hac_lags, min_periods)
    prices = _as_frame(stock_prices)
    dates = pd.DatetimeIndex(prices.index)
    items = list(oxides.items())
    labels = period_labels(dates, freq) if len(dates) else pd.DatetimeIndex([])
    lab = labels.to_numpy()
    ends = np.flatnonzero(np.r_[lab[1:] != lab[:-1], True]) if len(lab) else np.zeros(0, np.intp)
    starts = np.r_[0, ends[:-1] + 1].astype(np.intp) if len(ends) else np.zeros(0, np.intp)
    period_dates = labels[ends]
    uni = _Universe(prices.to_numpy(dtype=_F, copy=False), starts) if len(ends) else None
    tickers = pd.Index(prices.columns, name="ticker")
    frames = []
    for name, series in items:
        ox = clean_index(pd.Series(series, dtype=_F)).reindex(dates).to_numpy(dtype=_F)
        if uni is None:
            res = _empty(tickers)
        else:
            arr = _correlate_arrays(uni, ox, window=window, max_lag=max_lag, hac_lags=hac_lags, min_periods=min_periods)
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
