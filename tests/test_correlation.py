"""screener.core.correlation: hand-worked cases, properties, and agreement with an independent per-ticker
pandas + statsmodels computation (synthetic data with missing days, and real A-share / oxide histories)."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.correlation import COLUMNS, correlate, correlate_many, newey_west_lags
from screener.core.returns import adjusted_index_from_prev_close, period_labels, period_log_returns

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LAG_ORDER = [0] + [s * k for k in range(1, 100) for s in (1, -1)]


# ------------------------------------------------------------------ independent reference (one ticker at a time)


def reference(
    stock_prices: pd.DataFrame,
    oxide: pd.Series,
    *,
    freq: str = "W",
    window: int = 52,
    max_lag: int = 8,
    hac_lags: int | None = None,
    min_periods: int = 3,
) -> pd.DataFrame:
    """Plain pandas + statsmodels, written from the spec, one ticker at a time."""
    import statsmodels.api as sm

    rule = {"W": "W-FRI", "M": "ME"}[freq]
    rows = {}
    for ticker in stock_prices.columns:
        both = pd.concat({"s": stock_prices[ticker], "o": oxide}, axis=1, sort=True)
        both = both[(both["s"] > 0) & (both["o"] > 0)]  # common days only
        per = both.resample(rule).last().dropna()  # last common quote of each period
        ret = np.log(per).diff().dropna()
        n = len(ret)
        row: dict[str, object] = {"n": n, "start": ret.index[0] if n else pd.NaT, "end": ret.index[-1] if n else pd.NaT}
        if n >= min_periods:
            lags = math.floor(4 * (n / 100) ** (2 / 9)) if hac_lags is None else hac_lags
            fit = sm.OLS(ret["s"].to_numpy(), sm.add_constant(ret["o"].to_numpy())).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags}
            )
            row.update(corr=ret["s"].corr(ret["o"]), beta=fit.params[1], beta_t_hac=fit.tvalues[1], r2=fit.rsquared)
            if ret["o"].nunique() <= 1:  # a flat oxide: the slope is undefined (statsmodels' pinv would say 0)
                row.update(beta=np.nan, beta_t_hac=np.nan, r2=np.nan)
        if n >= window:
            roll = ret["s"].rolling(window).corr(ret["o"]).iloc[window - 1 :]
            row.update(rolling_corr_last=roll.iloc[-1], rolling_corr_min=roll.min(), rolling_corr_max=roll.max())
        best, best_corr = np.nan, np.nan
        for k in LAG_ORDER[: 2 * max_lag + 1]:
            c = ret["s"].corr(ret["o"].shift(k), min_periods=min_periods)  # k > 0: oxide leads
            if np.isfinite(c) and not abs(c) <= abs(best_corr):
                best, best_corr = k, c
        row.update(best_lag=best, best_lag_corr=best_corr)
        if len(per) >= min_periods + 1:
            row["level_corr"] = per["s"].corr(per["o"])
        rows[ticker] = row
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(COLUMNS))


def assert_agree(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(COLUMNS)
    assert list(got.index) == list(want.index)
    assert (got["n"].to_numpy() == want["n"].to_numpy()).all()
    for col in ("start", "end"):
        pd.testing.assert_series_equal(
            pd.to_datetime(got[col]),
            pd.to_datetime(want[col]),
            check_names=False,
            check_index_type=False,
            check_dtype=False,
        )
    for col in COLUMNS[3:]:
        a, b = got[col].to_numpy(float), want[col].astype(float).to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), (col, a, b)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=col)


def synthetic_universe(
    seed: int, n_days: int = 900, n_tickers: int = 8, missing: float = 0.03
) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2016-01-04", periods=n_days)
    ox_ret = rng.normal(0, 0.012, n_days)
    ox_ret[100:160] = 0.0  # a flat quote stretch, as in the SMM series
    oxide = pd.Series(50.0 * np.exp(np.cumsum(ox_ret)), dates)
    oxide[rng.random(n_days) < missing] = np.nan
    betas = rng.uniform(-0.5, 1.5, n_tickers)
    rets = rng.normal(0, 0.02, (n_days, n_tickers)) + betas * np.roll(ox_ret, 3)[:, None]
    prices = pd.DataFrame(10.0 * np.exp(np.cumsum(rets, axis=0)), dates, [f"T{i}" for i in range(n_tickers)])
    prices = prices.mask(rng.random(prices.shape) < missing)
    prices.iloc[: n_days // 2, 1] = np.nan  # listed late
    prices.iloc[:-12, 2] = np.nan  # too short for anything but n
    prices.iloc[:, 3] = np.nan  # never traded
    return prices, oxide


# ------------------------------------------------------------------------------------------- hand-worked


def weekly_from_log_returns(returns: list[float], start: str = "2024-01-05", base: float = 1.0) -> pd.Series:
    dates = pd.date_range(start, periods=len(returns) + 1, freq="W-FRI")
    return pd.Series(base * np.exp(np.r_[0.0, np.cumsum(returns)]), dates)


def test_hand_worked_corr_beta_r2_hac() -> None:
    x = [0.1, -0.1, 0.2, 0.0]
    y = [0.2, -0.1, 0.3, 0.1]
    stock = weekly_from_log_returns(y, base=20.0).to_frame("S")
    oxide = weekly_from_log_returns(x, base=300.0)
    row = correlate(stock, oxide, window=3, max_lag=1).loc["S"]
    # x̄ = .05, ȳ = .125; Sxx = .05, Syy = .0875, Sxy = .065
    assert row["n"] == 4
    assert row["start"] == pd.Timestamp("2024-01-12") and row["end"] == pd.Timestamp("2024-02-02")
    assert row["beta"] == pytest.approx(1.3, abs=1e-12)
    assert row["corr"] == pytest.approx(0.065 / math.sqrt(0.05 * 0.0875), abs=1e-12)
    assert row["r2"] == pytest.approx(169 / 175, abs=1e-12)
    # residuals u = [.01, -.03, -.02, .04]; g = (x - x̄)·u = [.0005, .0045, -.003, -.002]; L = floor(4·.04^(2/9)) = 1
    s_hac = (0.0005**2 + 0.0045**2 + 0.003**2 + 0.002**2) + 2 * 0.5 * (0.0045 * 0.0005 - 0.003 * 0.0045 + 0.006e-3)
    assert row["beta_t_hac"] == pytest.approx(1.3 / (math.sqrt(s_hac) / 0.05), rel=1e-12)
    # rolling windows of 3: returns 1-3 and 2-4
    w1 = np.corrcoef(y[:3], x[:3])[0, 1]
    w2 = np.corrcoef(y[1:], x[1:])[0, 1]
    assert row["rolling_corr_last"] == pytest.approx(w2, abs=1e-12)
    assert row["rolling_corr_min"] == pytest.approx(min(w1, w2), abs=1e-12)
    assert row["rolling_corr_max"] == pytest.approx(max(w1, w2), abs=1e-12)
    # lags ±1 have 3 pairs each and are weaker than the contemporaneous 0.98
    assert row["best_lag"] == 0 and row["best_lag_corr"] == pytest.approx(row["corr"], abs=1e-12)
    assert row["level_corr"] == pytest.approx(np.corrcoef(stock["S"], oxide)[0, 1], abs=1e-12)


def test_lag_sign_convention_oxide_leads_is_positive() -> None:
    x = [0.05, -0.02, 0.07, -0.04, 0.01, 0.03, -0.06, 0.02, 0.04, -0.01, 0.0, 0.05]
    y = [0.0, 0.0, *x[:-2]]  # y_t = x_{t-2}: the oxide moves two weeks before the stock
    stock = weekly_from_log_returns(y).to_frame("S")
    oxide = weekly_from_log_returns(x)
    row = correlate(stock, oxide, max_lag=3).loc["S"]
    assert row["best_lag"] == 2 and row["best_lag_corr"] == pytest.approx(1.0, abs=1e-12)
    flipped = correlate(oxide.to_frame("S"), weekly_from_log_returns(y), max_lag=3).loc["S"]
    assert flipped["best_lag"] == -2


def test_alignment_uses_last_common_day_of_each_week() -> None:
    days = pd.bdate_range("2024-01-01", "2024-01-26")  # four Mon-Fri weeks
    oxide = pd.Series(np.arange(100.0, 100.0 + len(days)), days)
    stock = pd.Series(np.arange(10.0, 10.0 + len(days)), days)
    stock[pd.Timestamp("2024-01-12")] = np.nan  # Friday of week 2 missing: both legs use Thursday 11th
    oxide[pd.Timestamp("2024-01-25")] = np.nan  # Thursday of week 4 missing: no effect, Friday is common
    oxide[pd.Timestamp("2024-01-26")] = np.nan  # ... and Friday too: week 4 ends on Wednesday 24th
    got = correlate(stock.to_frame("S"), oxide, window=3, max_lag=0).loc["S"]
    s_per = np.array([14.0, 18.0, 24.0, 27.0])  # Fri 5th, Thu 11th, Fri 19th, Wed 24th
    o_per = s_per + 90.0
    assert got["n"] == 3
    assert got["end"] == pd.Timestamp("2024-01-26")  # labelled by the week's Friday
    assert got["corr"] == pytest.approx(np.corrcoef(np.diff(np.log(s_per)), np.diff(np.log(o_per)))[0, 1], abs=1e-12)
    assert got["level_corr"] == pytest.approx(1.0, abs=1e-12)


def test_monthly_frequency_labels_month_ends() -> None:
    days = pd.bdate_range("2023-01-02", "2023-12-29")
    assert list(period_labels(days[:3], "M")) == [pd.Timestamp("2023-01-31")] * 3
    rng = np.random.default_rng(1)
    stock = pd.DataFrame({"S": np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))}, days)
    oxide = pd.Series(np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), days)
    got = correlate(stock, oxide, freq="M", window=6, max_lag=2)
    assert got.loc["S", "n"] == 11 and got.loc["S", "end"] == pd.Timestamp("2023-12-31")
    assert_agree(got, reference(stock, oxide, freq="M", window=6, max_lag=2))


def test_adjusted_index_from_prev_close_hand_worked() -> None:
    days = pd.bdate_range("2024-03-04", periods=6)
    close = pd.Series([10.0, 11.0, 5.6, np.nan, 6.0, 6.6], days)
    prev = pd.Series([9.0, 10.0, 5.5, np.nan, 5.6, np.nan], days)  # 2:1 split on day 3 (ex-rights ref 5.5)
    idx = adjusted_index_from_prev_close(close, prev)
    # 10 (base, first ratio ignored) → ×1.1 → ×5.6/5.5 → suspended → ×6/5.6 → ×6.6/6 (prev_close missing: last close)
    want = [10.0, 11.0, 11.2, np.nan, 12.0, 13.2]
    np.testing.assert_allclose(idx.to_numpy(), want, rtol=1e-12)
    daily = idx.dropna().pct_change().dropna().to_numpy()
    np.testing.assert_allclose(daily, [0.1, 5.6 / 5.5 - 1, 6 / 5.6 - 1, 0.1], rtol=1e-12)
    wide = adjusted_index_from_prev_close(
        pd.DataFrame({"a": close, "b": close * 2}), pd.DataFrame({"a": prev, "b": prev * 2})
    )
    np.testing.assert_allclose(wide["b"].to_numpy(), np.array(want) * 2, rtol=1e-12)


def test_period_log_returns_spans_gaps() -> None:
    days = pd.to_datetime(["2024-01-03", "2024-01-05", "2024-01-10", "2024-01-24", "2024-01-25"])
    p = pd.Series([1.0, 2.0, 4.0, 8.0, 16.0], days)
    r = period_log_returns(p)
    assert list(r.index) == list(pd.to_datetime(["2024-01-05", "2024-01-12", "2024-01-26"]))
    np.testing.assert_allclose(r.to_numpy(), [np.nan, math.log(2), math.log(4)], rtol=1e-12)


# ------------------------------------------------------------------------------------------------- NA rules


def test_short_flat_and_empty_inputs_give_nan_not_exceptions() -> None:
    days = pd.bdate_range("2024-01-01", periods=200)
    rng = np.random.default_rng(3)
    walk = np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    stock = pd.DataFrame({"short": walk, "flat": 5.0, "none": np.nan, "ok": walk[::-1].copy()}, days)
    stock.iloc[:-14, 0] = np.nan  # three weekly returns only
    oxide = pd.Series(walk * 3, days)
    got = correlate(stock, oxide)
    assert got.loc["short", "n"] == 2 and np.isnan(got.loc["short", "corr"]) and np.isnan(got.loc["short", "best_lag"])
    assert got.loc["none", "n"] == 0 and pd.isna(got.loc["none", "start"])
    assert (
        got.loc["flat", "beta"] == 0.0 and np.isnan(got.loc["flat", "corr"]) and np.isnan(got.loc["flat", "beta_t_hac"])
    )
    assert np.isnan(got.loc["flat", "level_corr"])
    assert np.isnan(got.loc["ok", "rolling_corr_last"])  # 39 weeks < window 52
    assert np.isfinite(got.loc["ok", "corr"])
    flat_oxide = correlate(stock, pd.Series(7.0, days))
    assert flat_oxide[["corr", "beta", "beta_t_hac", "r2", "best_lag"]].isna().all().all()
    empty = correlate(stock.iloc[:0], oxide)
    assert list(empty.columns) == list(COLUMNS) and (empty["n"] == 0).all()
    assert correlate(stock, oxide.iloc[:0])["n"].eq(0).all()
    with pytest.raises(ValueError, match="freq"):
        correlate(stock, oxide, freq="D")
    with pytest.raises(ValueError, match="window"):
        correlate(stock, oxide, window=2)


def test_correlate_many_stacks_series_and_matches_single() -> None:
    prices, oxide = synthetic_universe(5, n_days=400)
    other = oxide.iloc[::-1].set_axis(oxide.index)
    many = correlate_many(prices, {"nd": oxide, "dy": other}, window=20)
    assert list(many.columns) == ["series", *COLUMNS]
    assert list(many["series"]) == ["nd"] * 8 + ["dy"] * 8
    pd.testing.assert_frame_equal(
        many[many["series"] == "dy"].drop(columns="series"), correlate(prices, other, window=20)
    )
    frame = correlate_many(prices, pd.DataFrame({"nd": oxide, "dy": other}), window=20)
    pd.testing.assert_frame_equal(frame, many)


def test_newey_west_rule() -> None:
    assert list(newey_west_lags(np.array([0, 4, 100, 520, 1000]))) == [0, 1, 4, 5, 6]


def test_module_does_not_import_statsmodels() -> None:
    code = "import sys, screener.core.correlation; print(any(m.startswith('statsmodels') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------------------------------------- properties


def walk(seed: int, n: int, scale: float = 0.02) -> np.ndarray:
    return np.exp(np.cumsum(np.random.default_rng(seed).normal(0, scale, n)))


PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(st.integers(0, 2**32 - 1), st.integers(60, 400), st.floats(-2, 2))
def test_prop_corr_bounded_and_scale_invariant(seed: int, n_days: int, loading: float) -> None:
    days = pd.bdate_range("2020-01-01", periods=n_days)
    ox = walk(seed, n_days)
    st_ = walk(seed + 1, n_days) * ox**loading
    stock = pd.DataFrame({"S": st_}, days)
    oxide = pd.Series(ox, days)
    a = correlate(stock, oxide, window=10)
    b = correlate(stock * 37.5, oxide / 1234.0, window=10)
    for col in ("corr", "r2", "rolling_corr_min", "rolling_corr_max", "best_lag_corr", "level_corr"):
        v = a[col].to_numpy()
        assert np.all(np.isnan(v) | ((v >= -1) & (v <= 1))), col
    for col in COLUMNS[3:]:
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-9, atol=1e-12)


@PROPS
@given(st.integers(0, 2**32 - 1), st.integers(30, 300))
def test_prop_beta_of_series_on_itself_is_one(seed: int, n_days: int) -> None:
    days = pd.bdate_range("2020-01-01", periods=n_days)
    p = walk(seed, n_days)
    row = correlate(pd.DataFrame({"S": p * 3.0}, days), pd.Series(p, days), window=5).iloc[0]
    assert row["beta"] == pytest.approx(1.0, abs=1e-9)
    assert row["corr"] == pytest.approx(1.0, abs=1e-9) and row["best_lag"] == 0


@PROPS
@given(st.integers(0, 2**32 - 1), st.integers(-6, 6), st.integers(80, 200))
def test_prop_shift_found_at_best_lag(seed: int, k: int, n_weeks: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.03, n_weeks + 12)
    y = np.roll(x, k)[6:-6] + rng.normal(0, 0.003, n_weeks)  # y_t ≈ x_{t-k}
    stock = weekly_from_log_returns(list(y)).to_frame("S")
    oxide = weekly_from_log_returns(list(x[6:-6]))
    row = correlate(stock, oxide, max_lag=8).iloc[0]
    assert row["best_lag"] == k and row["best_lag_corr"] > 0.9


# ------------------------------------------------------------------------------- agreement with reference


@pytest.mark.parametrize(
    ("seed", "kwargs"),
    [
        (11, {}),
        (12, {"window": 26, "max_lag": 4}),
        (13, {"hac_lags": 7, "window": 10}),
        (14, {"freq": "M", "window": 12, "max_lag": 3}),
        (15, {"hac_lags": 0, "window": 60, "max_lag": 12}),
    ],
)
def test_agrees_with_per_ticker_statsmodels(seed: int, kwargs: dict) -> None:
    prices, oxide = synthetic_universe(seed)
    assert_agree(correlate(prices, oxide, **kwargs), reference(prices, oxide, **kwargs))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32 - 1),
    st.integers(5, 160),  # business days: from almost nothing to ~32 weeks
    st.floats(0.0, 0.6),  # share of missing days
    st.integers(3, 12),  # window
    st.integers(0, 10),  # max_lag
    st.one_of(st.none(), st.integers(0, 12)),  # hac_lags
    st.sampled_from(["W", "M"]),
)
def test_prop_agrees_with_reference_on_sparse_short_data(
    seed: int, n_days: int, missing: float, window: int, max_lag: int, hac_lags: int | None, freq: str
) -> None:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2021-03-01", periods=n_days)
    ox = pd.Series(walk(seed, n_days) * 40.0, days).mask(rng.random(n_days) < missing)
    ox[rng.random(n_days) < 0.2] = 41.0  # repeated quotes: flat stretches and zero returns
    prices = pd.DataFrame(np.stack([walk(seed + i, n_days) for i in range(1, 4)], axis=1), days, ["A", "B", "C"])
    prices = prices.mask(rng.random(prices.shape) < missing)
    kwargs = {"freq": freq, "window": window, "max_lag": max_lag, "hac_lags": hac_lags}
    assert_agree(correlate(prices, ox, **kwargs), reference(prices, ox, **kwargs))  # type: ignore[arg-type]


def test_blocks_and_threads_do_not_change_a_result() -> None:
    """1,400 tickers run as three blocks (the last one short), on one thread and on three: the same numbers, and
    each ticker as if it were computed alone — including tickers with gaps (moved up), listed late, flat, and an
    oxide missing whole weeks."""
    from screener.core.correlation import BLOCK

    rng = np.random.default_rng(21)
    days = pd.bdate_range("2019-01-01", periods=600)
    n = 2 * BLOCK + 120
    walks = np.exp(np.cumsum(rng.normal(0, 0.02, (len(days), n)), axis=0))
    prices = pd.DataFrame(walks, days, [f"T{i:04d}" for i in range(n)])
    prices = prices.mask(rng.random(prices.shape) < 0.03)
    prices.iloc[100:140, BLOCK - 1] = np.nan  # a suspension at the end of the first block
    prices.iloc[:300, BLOCK] = np.nan  # listed late, first of the second block
    prices.iloc[:, 5] = 10.0  # flat
    oxide = pd.Series(np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))), days).mask(rng.random(len(days)) < 0.02)
    oxide.iloc[200:215] = np.nan  # three weeks without an oxide price
    one = correlate_many(prices, {"ox": oxide, "ox2": oxide * 1.5}, threads=1)
    three = correlate_many(prices, {"ox": oxide, "ox2": oxide * 1.5}, threads=3)
    pd.testing.assert_frame_equal(one, three)
    for ticker in ("T0000", "T0005", f"T{BLOCK - 1:04d}", f"T{BLOCK:04d}", f"T{n - 1:04d}"):
        alone = correlate(prices[[ticker]], oxide)
        got = one[one["series"] == "ox"].loc[[ticker]].drop(columns="series")
        pd.testing.assert_frame_equal(got, alone, rtol=1e-12, atol=1e-14)


def test_bench_baseline_agrees_with_engine() -> None:
    spec = importlib.util.spec_from_file_location("bench_correlation", ROOT / "bench" / "bench_correlation.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    prices, oxides = bench.synthetic_universe(n_tickers=6, years=3, n_series=2, seed=7)
    worst = bench.max_difference(bench.engine(prices, oxides), bench.baseline(prices, oxides))
    assert worst < 1e-9


# ------------------------------------------------------------------------------------------------- real data

need_data = pytest.mark.skipif(
    not DATA.is_dir() and os.environ.get("SCREENER_REQUIRE_SHARED") != "1",  # in CI a missing folder fails
    reason=f"real-data directory {DATA} (../shared/data) is absent",
)


def read_raw_adjusted(path: Path) -> pd.Series:
    raw = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return adjusted_index_from_prev_close(raw["close"], raw["prev_close"])


@need_data
def test_real_adjusted_index_matches_a_plain_loop() -> None:
    raw = pd.read_csv(DATA / "prices/a_shares/ganlei_raw_1997_2022/600111.SS.csv", parse_dates=["date"])
    idx = adjusted_index_from_prev_close(raw["close"], raw["prev_close"]).to_numpy()
    want = [raw["close"].iloc[0]]
    for c, pc in zip(raw["close"].iloc[1:], raw["prev_close"].iloc[1:], strict=True):
        want.append(want[-1] * c / pc)
    np.testing.assert_allclose(idx, want, rtol=1e-9)


@need_data
def test_real_600111_vs_nd_oxide_2013_2021() -> None:
    stock = read_raw_adjusted(DATA / "prices/a_shares/ganlei_raw_1997_2022/600111.SS.csv").to_frame("600111.SS")
    ox = pd.read_csv(
        DATA / "oxides/cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv", parse_dates=["date"], index_col="date"
    )
    nd = ((ox["nd_oxide_min"] + ox["nd_oxide_max"]) / 2).loc["2013":"2021"]  # the avg column is defective
    stock = stock.loc["2013":"2021"]
    got = correlate(stock, nd)
    assert_agree(got, reference(stock, nd))
    row = got.iloc[0]
    assert 430 <= row["n"] <= 470
    assert row["corr"] > 0.2  # a light rare-earth producer moves with Nd oxide
    for freq, window in (("M", 24),):
        assert_agree(correlate(stock, nd, freq=freq, window=window), reference(stock, nd, freq=freq, window=window))


@need_data
def test_real_000831_vs_dy_oxide_2016_2023() -> None:
    ganlei = read_raw_adjusted(DATA / "prices/a_shares/ganlei_raw_1997_2022/000831.SZ.csv")
    samleon = pd.read_csv(
        DATA / "prices/a_shares/samleon_raw_2019_2023/000831.SZ.csv", parse_dates=["date"], index_col="date"
    )
    smm = pd.read_csv(
        DATA / "oxides/smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv", parse_dates=["date"], index_col="date"
    )
    dy = smm["SMM-REO-DXO"].loc["2016":"2023"]
    # ganlei: prev_close-adjusted to 2022-01; samleon: raw closes 2019-04 .. 2023-04 (no prev_close column)
    stock = pd.concat(
        {"000831.SZ ganlei adj": ganlei, "000831.SZ samleon raw": samleon["close"]}, axis=1, sort=True
    ).loc["2016":"2023"]
    got = correlate(stock, dy)
    assert_agree(got, reference(stock, dy))
    assert (got["n"] > 150).all()
    assert got["corr"].gt(0).all()
