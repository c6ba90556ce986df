"""End to end on the real files of ../shared/data: `fx import` + `oxides import` + `prices import` +
`correlate --format csv`, checked against an independent pandas + statsmodels computation written here
(it shares no code with screener: its own prev-close adjustment, unit conversion, FX fill, resampling, OLS)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from screener.cli import app

from .conftest import SHARED_DATA, EnvRunner, make_config, need

GANLEI = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022"
SAMLEON = SHARED_DATA / "prices" / "a_shares" / "samleon_raw_2019_2023"
OXIDES = SHARED_DATA / "oxides"
FX = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"
ND_FILE = OXIDES / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"
SMM_FILE = OXIDES / "smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv"
TOL = 1e-9


# ----------------------------------------------------------------------------- the independent computation
def ganlei_index(path: Path) -> pd.Series:
    """Adjusted index from raw close and previous close: product of close / prev_close (first day = 1)."""
    df = pd.read_csv(path, parse_dates=["date"]).set_index("date").sort_index()
    ratio = df["close"] / df["prev_close"]
    ratio.iloc[0] = 1.0
    return ratio.cumprod()


def fx_cny_per_usd() -> pd.Series:
    fx = pd.read_csv(need(FX), parse_dates=["date"]).set_index("date")["value"]
    return fx[fx > 0]


def to_usd_per_kg(cny_per_kg_incl_vat: pd.Series) -> pd.Series:
    """Ex VAT (/1.13), then / the latest CNY-per-USD rate on or before each date, at most 10 days old."""
    fx = fx_cny_per_usd()
    days = cny_per_kg_incl_vat.index
    both = fx.reindex(fx.index.union(days)).ffill()
    rate = both.reindex(days)
    last_fx_day = pd.Series(fx.index, index=fx.index).reindex(fx.index.union(days)).ffill().reindex(days)
    staleness = (pd.Series(days, index=days) - last_fx_day).dt.days
    return (cny_per_kg_incl_vat / 1.13 / rate).where(staleness <= 10)  # no USD value beyond the 10-day limit


def expected(stock: pd.Series, oxide: pd.Series, start: str, end: str, window: int = 52, max_lag: int = 8) -> dict:
    both = pd.concat({"s": stock, "o": oxide}, axis=1, join="inner").loc[start:end]
    both = both[(both > 0).all(axis=1)]
    weekly = both.resample("W-FRI").last().dropna()
    rets = np.log(weekly).diff().dropna()
    y, x = rets["s"], rets["o"]
    n = len(rets)
    lags = math.floor(4 * (n / 100) ** (2 / 9))  # Newey-West 1994 rule, as the engine
    fit = sm.OLS(y.to_numpy(), sm.add_constant(x.to_numpy())).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    rolling = y.rolling(window).corr(x).dropna()
    lag_corr = {k: y.corr(x.shift(k)) for k in range(-max_lag, max_lag + 1)}
    best = max(lag_corr, key=lambda k: (abs(lag_corr[k]), -abs(k), k))
    return {
        "n": n,
        "start": str(rets.index[0].date()),
        "end": str(rets.index[-1].date()),
        "corr": y.corr(x),
        "beta": fit.params[1],
        "beta_t_hac": fit.tvalues[1],
        "r2": fit.rsquared,
        "rolling_corr_last": rolling.iloc[-1],
        "rolling_corr_min": rolling.min(),
        "rolling_corr_max": rolling.max(),
        "best_lag": best,
        "best_lag_corr": lag_corr[best],
        "level_corr": weekly["s"].corr(weekly["o"]),
    }


def check_row(row: dict[str, str], want: dict) -> None:
    assert int(row["n"]) == want["n"]
    assert row["start"] == want["start"] and row["end"] == want["end"]
    assert int(row["best_lag"]) == want["best_lag"]
    for key, value in want.items():
        if key in ("n", "start", "end", "best_lag"):
            continue
        assert float(row[key]) == pytest.approx(value, abs=TOL, rel=TOL), key


# ----------------------------------------------------------------------------- through the CLI
def cli(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def correlate_csv(runner: CliRunner, config: Path, *args: str) -> dict[str, dict[str, str]]:
    out = cli(runner, "correlate", "--config", str(config), "--format", "csv", *args)
    return {r["ticker"]: r for r in csv.DictReader(io.StringIO(out))}


def test_600111_against_nd_oxide_2013_2021(tmp_path: Path) -> None:
    prices = need(GANLEI / "600111.SS.csv")
    need(ND_FILE)
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ("--config", str(config))
    cli(runner, "fx", "import", str(FX), "--currency", "CNY", *cfg)
    cli(runner, "oxides", "import", str(ND_FILE), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
        "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", *cfg)  # fmt: skip
    cli(runner, "prices", "import", str(prices), "--ticker", "600111 CH", *cfg)
    rows = correlate_csv(runner, config, "-u", "producers", "--oxide", "nd_cn", "--start", "2013-01-01",
                         "--end", "2021-12-31")  # fmt: skip
    row = rows["600111.SS"]
    assert row["series"] == "nd_cn" and row["freq"] == "W"

    nd = pd.read_csv(ND_FILE, parse_dates=["date"]).set_index("date")
    nd_cny_kg = (nd["nd_oxide_min"] + nd["nd_oxide_max"]) / 2 * 10_000 / 1_000  # 10,000 CNY/t -> CNY/kg
    want = expected(ganlei_index(prices), to_usd_per_kg(nd_cny_kg), "2013-01-01", "2021-12-31")
    check_row(row, want)
    assert want["n"] > 400 and want["corr"] > 0.1  # a real, positive link over nine years


def test_000831_ganlei_and_samleon_against_smm_dy_oxide_2016_2023(tmp_path: Path) -> None:
    raw_old = need(GANLEI / "000831.SZ.csv")
    raw_new = need(SAMLEON / "000831.SZ.csv")
    need(SMM_FILE)
    old = pd.read_csv(raw_old, parse_dates=["date"]).set_index("date")
    new = pd.read_csv(raw_new, parse_dates=["date"]).set_index("date")
    overlap = old.index.intersection(new.index)
    # the two raw histories agree on every common day, so they can be chained at the end of the older one
    assert len(overlap) > 600
    assert np.allclose(old.loc[overlap, "close"], new.loc[overlap, "close"], rtol=0, atol=1e-9)

    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ("--config", str(config))
    cli(runner, "fx", "import", str(FX), "--currency", "CNY", *cfg)
    cli(runner, "oxides", "import", str(SMM_FILE), "--series", "dy_smm", "--value-col", "SMM-REO-DXO",
        "--unit", "CNY/kg", "--currency", "CNY", "--vat-included", *cfg)  # fmt: skip
    # order matters: the newer closes (no prev_close) first, then the prev_close-adjusted history, which wins
    # on the overlap and is anchored on its last raw close, so the chain is continuous at 2022-01-14
    cli(runner, "prices", "import", str(raw_new), "--ticker", "000831.SZ", *cfg)
    cli(runner, "prices", "import", str(raw_old), "--ticker", "000831.SZ", *cfg)
    # no --oxide: the heavy company gets the heavy default series from config (dy_smm)
    rows = correlate_csv(runner, config, "-u", "producers", "--start", "2016-01-01", "--end", "2023-12-31")
    row = rows["000831.SZ"]
    assert row["series"] == "dy_smm"

    # independent chain: ganlei close/prev_close to its last day, then samleon close-to-close
    last = old.index.max()
    tail = new["close"][new.index >= last]
    tail_ratio = (tail / tail.shift(1)).iloc[1:]
    ratio = pd.concat([ganlei_index(raw_old).pct_change().add(1).fillna(1.0), tail_ratio])
    stock = ratio.cumprod()
    smm = pd.read_csv(SMM_FILE, parse_dates=["date"]).set_index("date")["SMM-REO-DXO"].dropna()
    want = expected(stock, to_usd_per_kg(smm), "2016-01-01", "2023-12-31")
    check_row(row, want)
    assert row["end"] == "2023-04-07"  # the chained history reaches 2023-04-04 (week ending Friday 7 Apr)


def test_as_of_cuts_the_data_and_usd_truncation_is_said(tmp_path: Path) -> None:
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ("--config", str(config))
    cli(runner, "fx", "import", str(need(FX)), "--currency", "CNY", *cfg)
    cli(runner, "oxides", "import", str(need(SMM_FILE)), "--series", "dy_smm", "--value-col", "SMM-REO-DXO",
        "--unit", "CNY/kg", "--currency", "CNY", "--vat-included", *cfg)  # fmt: skip
    cli(runner, "prices", "import", str(need(GANLEI / "000831.SZ.csv")), "--ticker", "000831.SZ", *cfg)
    result = runner.invoke(app, ["--as-of", "2018-12-31", "correlate", "--oxide", "dy_smm", "--format", "csv", *cfg])
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == "000831.SZ")
    assert row["end"] <= "2018-12-31"  # nothing after the as-of date
    assert "dy_smm: USD values end 2025-09-30 (no FX rate after that)" in result.stderr  # FX ends first: said
    after = runner.invoke(app, ["correlate", "--oxide", "dy_smm", "--as-of", "2018-12-31", "--format", "csv", *cfg])
    assert after.exit_code == 0 and after.stdout == result.stdout  # the option works after the command too
