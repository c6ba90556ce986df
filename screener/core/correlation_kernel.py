"""The array kernel of :mod:`screener.core.correlation` (its docstring is the specification): one block of
tickers against one oxide series, every statistic as array operations across the block's tickers at once.
Pure numpy; no pandas, no I/O."""

from __future__ import annotations

import numpy as np

_F = np.float64


def newey_west_lags(n: int | np.ndarray) -> np.ndarray:
    """Default HAC truncation lag ``floor(4·(n/100)^(2/9))`` (Newey & West 1994), element-wise; 0 for n <= 0."""
    n_arr = np.maximum(np.asarray(n, dtype=_F), 0.0)
    return np.floor(4.0 * (n_arr / 100.0) ** (2.0 / 9.0)).astype(np.int64)


# --------------------------------------------------------------------------------------------------- arrays
# Layout: periods × tickers, C order. Each ticker's aligned periods are "compressed" to the top rows (order kept),
# so lags and windows count aligned periods; rows past a ticker's sample are multiplied out by 0/1 masks.


BLOCK = 640
"""Tickers per block: the arrays of a block (periods × 640 float64, ~2.7 MB for 10 years of weeks) stay in the
CPU caches through the ~100 passes over them, where the whole universe at once (~21 MB per array at 5,000 names)
streams from memory on every pass. Results do not depend on it (each ticker is computed on its own)."""


class Universe:
    """Per-call preprocessing of a block of the stock matrix, shared by every oxide series."""

    def __init__(self, stock: np.ndarray, starts: np.ndarray) -> None:
        self.n_days, self.n_tick = stock.shape
        self.starts = starts
        self.ok = stock > 0  # NaN compares False
        self.clean = np.where(self.ok, stock, 1.0)  # finite everywhere, so gathers never see NaN
        self.day1 = np.arange(1, self.n_days + 1, dtype=np.int32)[:, None]  # 1-based day numbers
        self.cols = np.arange(self.n_tick)
        self.lengths = np.diff(np.r_[starts, self.n_days])
        self.last_stock = np.maximum.reduceat(np.multiply(self.ok, self.day1, dtype=np.int32), starts, axis=0)
        """Last day of each period with a stock price (1-based, 0 = none): the last common day wherever the
        oxide has a price on every day of the period."""

        self.stock_at_last = self.clean[np.maximum(self.last_stock - 1, 0), self.cols]
        """The stock's price on that day (junk but finite where there is none)."""
        self.log_stock_at_last = np.log(self.stock_at_last)

    def align(self, ox_ok: np.ndarray, ox_clean: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per period and ticker: the last day on which the stock and the oxide both have a price (1-based, 0 =
        none), and on it the stock price, the oxide price and their logs (junk but finite where there is none).
        That day is the stock's own last day except in the periods where the oxide misses a day: only those are
        recomputed from the daily prices. Logs are taken once per block (stock) and per day (oxide)."""
        last, stock, log_stock = self.last_stock, self.stock_at_last.copy(), self.log_stock_at_last.copy()
        period = np.repeat(np.arange(len(self.starts)), self.lengths)
        patched = np.unique(period[~ox_ok])
        if len(patched):
            last = last.copy()
            rows = np.concatenate([np.arange(self.starts[p], self.starts[p] + self.lengths[p]) for p in patched])
            code = np.multiply(self.ok[rows] & ox_ok[rows, None], self.day1[rows], dtype=np.int32)
            seg = np.r_[0, np.cumsum(self.lengths[patched])[:-1]]
            last[patched] = np.maximum.reduceat(code, seg, axis=0)
            stock[patched] = self.clean[np.maximum(last[patched] - 1, 0), self.cols]
            log_stock[patched] = np.log(stock[patched])
        day = np.maximum(last - 1, 0)
        return last, [stock, ox_clean[day], log_stock, np.log(ox_clean)[day]]


def _prefix(a: np.ndarray) -> np.ndarray:
    """Prefix sums over the first axis with a leading zero row: ``C[i] = a[:i].sum(0)`` (a row loop: much faster
    than an axis-0 ``cumsum`` on C-ordered arrays; ``a`` may stack several arrays, ``rows × k × tickers``, so one
    loop serves them all)."""
    out = np.empty((a.shape[0] + 1, *a.shape[1:]), dtype=a.dtype)
    out[0] = 0
    for i in range(a.shape[0]):
        np.add(out[i], a[i], out=out[i + 1])
    return out


def _at(c: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``c[rows[j], j]`` for each column j (rows clipped to the valid range)."""
    r = np.clip(rows, 0, c.shape[0] - 1).astype(np.intp)
    return np.take_along_axis(c, r[None, :], axis=0)[0]


def _changes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prefix counts of ``a[t] != a[t-1]`` (and of b's): values in rows [lo, hi) are all equal iff
    ``D[hi] - D[lo+1] == 0``."""
    d = np.zeros((a.shape[0], 2, a.shape[1]), dtype=np.int32)
    np.not_equal(a[1:], a[:-1], out=d[1:, 0], casting="unsafe")
    np.not_equal(b[1:], b[:-1], out=d[1:, 1], casting="unsafe")
    both = _prefix(d)
    return both[:, 0], both[:, 1]


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


def correlate_arrays(
    uni: Universe,
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

    # last common day of each period and the two prices on it; then each ticker's aligned periods moved to the top
    # (only tickers with a period lacking a common day need moving; rows below their count are junk but finite)
    last, aligned = uni.align(ox_ok, ox_clean)
    sp, op, ls, lo = aligned
    ok = last > 0
    n_per = ok.shape[0]
    cnt = np.count_nonzero(ok, axis=0).astype(np.int64)
    n = np.maximum(cnt - 1, 0)
    out: dict[str, np.ndarray] = {"n": n}
    start_pos, end_pos = np.ones(n_tick, np.int64), np.full(n_tick, n_per - 1, np.int64)
    gappy = np.flatnonzero(cnt < n_per)
    if len(gappy):
        g_ok = ok[:, gappy]
        g_pos = np.cumsum(g_ok, axis=0, dtype=np.int32)
        start_pos[gappy] = np.argmax(g_pos >= 2, axis=0)
        end_pos[gappy] = n_per - 1 - np.argmax(g_ok[::-1], axis=0)
        k = len(gappy)
        src = np.flatnonzero(g_ok)
        target = (g_pos.ravel()[src] - 1) * k + src % k
        below = np.arange(n_per)[:, None] >= cnt[gappy]
        for prices in aligned:
            moved = np.ones(n_per * k)
            moved[target] = prices[:, gappy].ravel()[src]
            moved = moved.reshape(n_per, k)
            # rows below the count repeat the last aligned price: their log returns are exactly 0
            moved = np.where(below, moved[np.maximum(cnt[gappy] - 1, 0), np.arange(k)], moved)
            prices[:, gappy] = moved
    out["start_pos"] = np.where(n > 0, start_pos, -1)
    out["end_pos"] = np.where(n > 0, end_pos, -1)
    del last, ok

    # level correlation (two-pass) on the n+1 aligned prices (a gappy ticker's rows below its count masked out)
    mask = (np.arange(n_per)[:, None] < cnt[gappy]).astype(_F) if len(gappy) else None
    with np.errstate(invalid="ignore", divide="ignore"):
        cs, co = sp - sp.sum(0) / cnt, op - op.sum(0) / cnt
        if mask is not None:
            cs[:, gappy] = (sp[:, gappy] - _dot(sp[:, gappy], mask) / cnt[gappy]) * mask
            co[:, gappy] = (op[:, gappy] - _dot(op[:, gappy], mask) / cnt[gappy]) * mask
        level = _dot(cs, co) / np.sqrt(_dot(cs, cs) * _dot(co, co))
    del cs, co

    # log returns between consecutive aligned periods (zero below row n); centred by the full-sample mean
    n_ret = max(n_per - 1, 0)
    y, x = ls[1:] - ls[:-1], lo[1:] - lo[:-1]
    del sp, op, ls, lo, aligned
    with np.errstate(invalid="ignore", divide="ignore"):
        yc, xc = y - y.sum(0) / n, x - x.sum(0) / n
        if mask is not None:
            yc[:, gappy] *= mask[1:]
            xc[:, gappy] *= mask[1:]
    dy, dx = _changes(y, x)  # flatness tests: exact, like pandas' "all values equal" rule
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

    # prefix sums of the centred returns, their squares and cross products (rolling and lag windows), one loop
    stacked = np.empty((n_ret, 5, n_tick))
    stacked[:, 0], stacked[:, 1] = yc, xc
    np.multiply(yc, yc, out=stacked[:, 2])
    np.multiply(xc, xc, out=stacked[:, 3])
    np.multiply(xc, yc, out=stacked[:, 4])
    sums = _prefix(stacked)
    del stacked
    cy, cx, cyy, cxx, cxy = (sums[:, i] for i in range(5))

    # rolling correlation over complete windows of `window` aligned returns
    n_win = n_ret - window + 1
    has = (n >= window) & (n_win > 0)
    if has.any():
        w = window
        rc = _corr_from_sums(
            float(w),
            cy[w:] - cy[:n_win],
            cx[w:] - cx[:n_win],
            cyy[w:] - cyy[:n_win],
            cxx[w:] - cxx[:n_win],
            cxy[w:] - cxy[:n_win],
        )
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
