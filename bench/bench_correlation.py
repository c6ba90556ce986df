"""Vectorised correlation engine versus the straightforward per-ticker code a user would write.

    python bench/bench_correlation.py [--sizes 20,500,5000] [--quick] [--subset 20] [--repeat 3]

Synthetic universes: N tickers × 10 years of business-day prices (about 2% missing days per ticker, at random)
against 3 oxide series (also with a few missing days). For each size the script prints the wall time of
``correlate_many`` (weekly, window 52, lags ±8, default HAC lags) on one thread and on every core, and of the
baseline: per ticker and series, pandas alignment and ``resample``, ``statsmodels`` OLS with HAC (Newey–West)
standard errors, pandas ``rolling(52).corr()`` for the rolling correlation and ``shift`` for the lags. Both sides
are timed the same way: best of ``--repeat`` runs, every import (and statsmodels' lazy first-call imports)
done before the timed region. The baseline runs on the first ``--subset`` tickers and is scaled linearly to N
(the loop is linear in N by construction); the engine's rows for that subset must agree with it to 1e-9,
otherwise the script exits with status 1.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# imported after the path insert so that this checkout's package is benchmarked, not an installed copy
correlation = importlib.import_module("screener.core.correlation")
COLUMNS: tuple[str, ...] = correlation.COLUMNS

WINDOW, MAX_LAG, TOLERANCE = 52, 8, 1e-9


def synthetic_universe(
    n_tickers: int, years: int = 10, n_series: int = 3, seed: int = 0, missing: float = 0.02
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Random-walk prices (dates × tickers, NaN on ~`missing` of the days) loading on random oxide walks."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=261 * years)
    n_days = len(dates)
    ox_ret = rng.normal(0.0, 0.012, (n_days, n_series))
    oxides = {}
    for j in range(n_series):
        series = pd.Series(100.0 * np.exp(np.cumsum(ox_ret[:, j])), dates, name=f"oxide{j}")
        series[rng.random(n_days) < 0.01] = np.nan
        oxides[f"oxide{j}"] = series
    loadings = rng.normal(0.5, 0.4, (n_series, n_tickers)).astype(np.float64)
    rets = rng.standard_normal((n_days, n_tickers)) * 0.02
    rets += ox_ret @ loadings
    prices = 10.0 * np.exp(np.cumsum(rets, axis=0))
    prices[rng.random((n_days, n_tickers)) < missing] = np.nan
    return pd.DataFrame(prices, dates, [f"T{i:05d}" for i in range(n_tickers)]), oxides


def engine(prices: pd.DataFrame, oxides: Mapping[str, pd.Series], threads: int = 1) -> pd.DataFrame:
    return correlation.correlate_many(prices, oxides, window=WINDOW, max_lag=MAX_LAG, threads=threads)


def baseline(prices: pd.DataFrame, oxides: Mapping[str, pd.Series]) -> pd.DataFrame:
    """One ticker × series at a time: pandas alignment and resampling, statsmodels OLS with HAC errors, pandas
    ``rolling().corr()`` and ``shift`` — what a user would write."""
    import statsmodels.api as sm

    frames = []
    for name, oxide in oxides.items():
        rows = {}
        for ticker in prices.columns:
            both = pd.concat({"s": prices[ticker], "o": oxide}, axis=1, sort=True).dropna()
            both = both[(both > 0).all(axis=1)]
            per = both.resample("W-FRI").last().dropna()
            ret = np.log(per).diff().dropna()
            n = len(ret)
            row: dict[str, object] = {"n": n, "start": ret.index[0], "end": ret.index[-1]}
            lags = math.floor(4 * (n / 100) ** (2 / 9))
            fit = sm.OLS(ret["s"].to_numpy(), sm.add_constant(ret["o"].to_numpy())).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags}
            )
            corr = ret["s"].corr(ret["o"])
            row.update(corr=corr, beta=fit.params[1], beta_t_hac=fit.tvalues[1], r2=fit.rsquared)
            rolling = ret["s"].rolling(WINDOW).corr(ret["o"]).dropna()
            row.update(
                rolling_corr_last=rolling.iloc[-1], rolling_corr_min=rolling.min(), rolling_corr_max=rolling.max()
            )
            best, best_corr = 0, corr
            for k in range(1, MAX_LAG + 1):
                for lag in (k, -k):  # lag > 0: oxide leads the stock
                    c = ret["s"].corr(ret["o"].shift(lag))
                    if abs(c) > abs(best_corr):
                        best, best_corr = lag, c
            row.update(best_lag=float(best), best_lag_corr=best_corr, level_corr=per["s"].corr(per["o"]))
            rows[ticker] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")[list(COLUMNS)]
        frame.insert(0, "series", name)
        frames.append(frame)
    return pd.concat(frames)


def warm_up() -> None:
    """Every import the two sides need, and statsmodels' lazy imports on a first fit, outside the timings."""
    prices, oxides = synthetic_universe(2, years=2, n_series=1, seed=1)
    baseline(prices, oxides)
    engine(prices, oxides)


def best_of(repeat: int, run: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def max_difference(got: pd.DataFrame, want: pd.DataFrame) -> float:
    """Largest absolute difference over the numeric columns; inf if n/start/end or the NaN pattern differ."""
    got = (
        got.reset_index()
        .set_index(["series", "ticker"])
        .loc[want.reset_index(names="ticker").set_index(["series", "ticker"]).index]
    )
    want = want.reset_index(names="ticker").set_index(["series", "ticker"])
    for col in ("n", "start", "end"):
        if not (got[col].to_numpy() == want[col].to_numpy()).all():
            return math.inf
    worst = 0.0
    for col in COLUMNS[3:]:
        a, b = got[col].to_numpy(float), want[col].to_numpy(float)
        if (np.isnan(a) != np.isnan(b)).any():
            return math.inf
        both = ~np.isnan(a)
        if both.any():
            worst = max(worst, float(np.abs(a[both] - b[both]).max()))
    return worst


def run(sizes: list[int], subset: int, repeat: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    warm_up()
    print(f"weekly W-FRI, window {WINDOW}, lags ±{MAX_LAG}, HAC lags floor(4(n/100)^(2/9)); 10 years, 3 oxide series")
    print(f"baseline = per-ticker pandas/statsmodels loop on the first {subset} tickers, scaled linearly to N;")
    print(f"best of {repeat} on both sides; engine on 1 thread and on {cores} (this machine's cores)")
    header = (
        f"{'tickers':>8} {'engine 1t s':>11} {f'engine {cores}t s':>11} {'ms/ticker·series':>17} "
        f"{'baseline s (subset)':>20} {'baseline s (scaled)':>20} {'x (1t)':>8} {f'x ({cores}t)':>8} {'max |diff|':>11}"
    )
    print(header)
    print("-" * len(header))
    failed = False
    largest = None
    for size in sizes:
        prices, oxides = synthetic_universe(size, seed=size)
        t_one, result = best_of(repeat, partial(engine, prices, oxides))
        t_all, parallel = best_of(repeat, partial(engine, prices, oxides, cores))
        sub = prices.iloc[:, : min(subset, size)]
        t_sub, ref = best_of(repeat, partial(baseline, sub, oxides))
        t_scaled = t_sub * size / sub.shape[1]
        diff = max(
            max_difference(result[result.index.isin(sub.columns)], ref),
            0.0 if parallel.equals(result) else math.inf,
        )
        failed |= not diff <= TOLERANCE
        per = 1000 * t_all / (size * len(oxides))
        print(
            f"{size:>8} {t_one:>11.3f} {t_all:>11.3f} {per:>17.4f} {t_sub:>20.2f} {t_scaled:>20.1f} "
            f"{t_scaled / t_one:>7.0f}x {t_scaled / t_all:>7.0f}x {diff:>11.2e}"
        )
        largest = (size, t_one, t_all)
    if largest and largest[0] == 5000:
        verdict = "met" if largest[2] <= 0.6 else "NOT met"
        print(f"5000 tickers x 10 years x 3 series: {largest[2]:.2f} s on {cores} cores, {largest[1]:.2f} s on one "
              f"(target <= 0.6 s: {verdict})")  # fmt: skip
    if failed:
        print(f"FAIL: engine and baseline differ by more than {TOLERANCE:g} (or threads changed a result)")
        return 1
    print(f"OK: engine and baseline agree to {TOLERANCE:g} on every subset; threads change nothing")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,500,5000", help="comma-separated universe sizes (tickers)")
    parser.add_argument("--quick", action="store_true", help="sizes 20,200 (for CI)")
    parser.add_argument("--subset", type=int, default=20, help="tickers run through the baseline loop")
    parser.add_argument("--repeat", type=int, default=3, help="engine runs per size (best is reported)")
    parser.add_argument("--smoke", action="store_true", help="smallest size, one run: .ci/run checks the script runs")
    args = parser.parse_args(argv)
    sizes = [20, 200] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        sizes, args.subset, args.repeat = [20], 5, 1
    return run(sizes, args.subset, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
