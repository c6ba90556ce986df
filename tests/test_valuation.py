"""P/B-band valuation (METHODS §5): the worked example, point-in-time book values, band statistics,
scenario arithmetic, and `screener value` in its three formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screener.cli import app
from screener.core import valuation as val
from screener.core.values import NA, NM
from screener.models import BookValue

from .conftest import CONFIG, EnvRunner

BASE = ["--config", str(CONFIG), "--source", "snapshot"]
# METHODS §5 worked example: NRE FY2026E BVPS = (34,525 − 7,141) / 3,615 = 7.575 CNY; 9.5x → TP 72.0;
# price 53.13 → 7.0x current FY2026E P/B.
NRE_BVPS = (34525 - 7141) / 3615


def test_worked_example_arithmetic() -> None:
    assert abs(NRE_BVPS - 7.575) < 5e-4
    (bear,) = val.scenarios(9.5, 0.0, [("bear", 0.0)], NRE_BVPS, 53.13)
    assert bear.pb_multiple == 9.5
    assert round(bear.target_price, 1) == 72.0  # type: ignore[arg-type]
    assert round(53.13 / NRE_BVPS, 1) == 7.0


def test_worked_example_through_the_cli(runner: CliRunner) -> None:
    result = runner.invoke(app, ["value", "600111 CH", *BASE, "--pb-mean", "9.5", "--pb-sd", "0", "-f", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["bvps_source"] == "house model FY2026E" and body["forward_year"] == 2026
    assert body["bvps"] == pytest.approx(7.575, abs=5e-4)
    assert body["price"] == 53.13 and body["price_date"] == "2025-10-10" and body["price_source"] == "snapshot"
    assert round(body["pb_forward"], 1) == 7.0
    assert body["overridden"] == ["pb_mean", "pb_sd"]
    assert [round(s["target_price"], 1) for s in body["scenarios"]] == [72.0, 72.0, 72.0]


def test_value_csv_columns_and_scenarios(runner: CliRunner) -> None:
    args = ["value", "600111.SS", *BASE, "--pb-mean", "8", "--pb-sd", "1.5", "--bvps", "7.5", "--k", "-1", "--k", "2"]
    result = runner.invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ticker,scenario,k,pb_mean,pb_sd,pb_multiple,bvps,target_price,price,upside"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["scenario"] for r in rows] == ["k=-1", "k=2"]
    assert [float(r["pb_multiple"]) for r in rows] == [6.5, 11.0]
    assert [float(r["target_price"]) for r in rows] == pytest.approx([48.75, 82.5])
    assert float(rows[1]["upside"]) == pytest.approx(82.5 / 53.13 - 1)


def test_value_table_says_what_was_overridden_and_where_the_price_came_from(runner: CliRunner) -> None:
    result = runner.invoke(app, ["value", "600111.SS", *BASE, "--pb-mean", "9.5", "--pb-sd", "0.8", "--bvps", "7.6"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "overridden on the command line: --pb-mean, --pb-sd, --bvps" in out
    assert "Price 53.13 CNY on 2025-10-10 (source: snapshot)" in out
    assert "bear" in out and "base" in out and "bull" in out


def test_value_without_history_is_na_not_a_crash(runner: CliRunner) -> None:
    result = runner.invoke(app, ["value", "000831.SZ", *BASE, "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["target_price"] for r in rows} == {"NA"} and {r["pb_mean"] for r in rows} == {"NA"}
    assert float(rows[0]["bvps"]) == pytest.approx((5637 - 192) / 1061)  # CRE house model FY2026E


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["value", "XX 99"], "TICKER"),
        (["value", "600111.SS", "--pb-sd", "-1"], "--pb-sd"),
        (["value", "600111.SS", "--since", "2018/01/01"], "--since"),
        (["value", "AAPL"], "in no universe"),
    ],
)
def test_value_usage_errors(runner: CliRunner, args: list[str], needle: str) -> None:
    result = runner.invoke(app, [*args, *BASE])
    assert result.exit_code == 2, result.output
    assert needle in result.output


# --- point in time -------------------------------------------------------------------------------------
def test_point_in_time_uses_the_report_date_not_the_period_end() -> None:
    books = [
        BookValue(date(2021, 4, 20), 4.0, date(2020, 12, 31)),
        BookValue(date(2021, 8, 25), 4.5, date(2021, 6, 30)),
    ]
    days = pd.date_range("2021-04-19", "2021-08-26", freq="D")
    bvps = val.point_in_time_bvps(days, books)
    assert np.isnan(bvps.loc["2021-04-19"]) and np.isnan(bvps.loc["2021-04-20"])  # published after that close
    assert bvps.loc["2021-04-21"] == 4.0 and bvps.loc["2021-08-25"] == 4.0
    assert bvps.loc["2021-08-26"] == 4.5  # from the day after publication


def test_pb_history_skips_days_before_any_report_and_negative_books() -> None:
    prices = pd.Series(
        [10.0, 12.0, 9.0, 8.0], index=pd.to_datetime(["2021-01-04", "2021-05-04", "2021-09-01", "2022-05-05"])
    )
    books = [
        BookValue(date(2021, 4, 20), 4.0, date(2020, 12, 31)),
        BookValue(date(2021, 8, 25), -1.0, date(2021, 6, 30)),
        BookValue(date(2022, 4, 28), 2.0, date(2021, 12, 31)),
    ]
    pb = val.pb_history(prices, books)
    assert list(pb.index.strftime("%Y-%m-%d")) == ["2021-05-04", "2022-05-05"]
    assert list(pb) == [3.0, 4.0]


@st.composite
def _books(draw: st.DrawFn) -> list[BookValue]:
    start = date(2015, 1, 1)
    n = draw(st.integers(1, 8))
    offsets = draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n))
    values = draw(st.lists(st.floats(0.1, 50, allow_nan=False), min_size=n, max_size=n))
    return [
        BookValue(start + timedelta(days=o), v, start + timedelta(days=o - 30))
        for o, v in zip(offsets, values, strict=True)
    ]


@settings(max_examples=150, deadline=None)
@given(books=_books(), late_offset=st.integers(1, 400), late_value=st.floats(0.1, 50, allow_nan=False))
def test_a_book_value_published_after_day_t_never_changes_pb_on_day_t(
    books: list[BookValue], late_offset: int, late_value: float
) -> None:
    days = pd.date_range("2014-12-01", "2021-01-01", freq="7D")
    prices = pd.Series(np.linspace(5, 30, len(days)), index=days)
    t = days[len(days) // 2]
    late = BookValue(t.date() + timedelta(days=late_offset), late_value, t.date())
    before = val.pb_history(prices, books)
    after = val.pb_history(prices, [*books, late])
    upto = before.index <= t
    pd.testing.assert_series_equal(before[upto], after[after.index <= t])
    # and the BVPS used on each day was published on or before it
    bvps = val.point_in_time_bvps(days, books)
    for day, value in bvps.dropna().items():
        assert any(b.published <= day.date() and b.bvps == value for b in books)


# --- band statistics and scenarios ----------------------------------------------------------------------
def test_band_stats_sample_sd_z_and_percentile() -> None:
    pb = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], index=pd.date_range("2017-12-29", periods=6, freq="D"))
    band = val.band_stats(pb, date(2017, 12, 30))  # drops the first point
    assert band.n == 5 and band.mean == pytest.approx(4.6)
    assert band.sd == pytest.approx(np.std([2, 3, 4, 5, 9], ddof=1))
    assert band.current == 9.0 and band.percentile == 1.0
    assert band.z_score == pytest.approx((9 - 4.6) / band.sd)  # type: ignore[operator]
    assert val.band_stats(pb, current=3.0).percentile == pytest.approx(3 / 6)
    assert val.band_stats(pb, date(2030, 1, 1)).mean is NA
    one = val.band_stats(pb.iloc[:1])
    assert one.n == 1 and one.sd is NA and one.z_score is NA
    assert val.z_score(2.0, 2.0, 0.0) is NM


def test_scenario_na_nm_rules() -> None:
    ks = [("bear", 0.0), ("bull", 2.0)]
    assert [s.target_price for s in val.scenarios(5.0, NA, ks, 2.0, 10.0)] == [10.0, NA]  # bear needs no sd
    assert [s.target_price for s in val.scenarios(NA, 1.0, ks, 2.0, 10.0)] == [NA, NA]
    assert [s.target_price for s in val.scenarios(5.0, 1.0, ks, -2.0, 10.0)] == [NM, NM]  # negative book
    assert [s.target_price for s in val.scenarios(5.0, 1.0, [("deep", -6.0)], 2.0, 10.0)] == [NM]  # multiple < 0
    assert [s.upside for s in val.scenarios(5.0, 1.0, ks, 2.0, NA)] == [NA, NA]
    bull = val.scenarios(5.0, 1.5, ks, 2.0, 10.0)[1]
    assert bull.pb_multiple == 8.0 and bull.target_price == 16.0 and bull.upside == pytest.approx(0.6)


@settings(max_examples=100, deadline=None)
@given(
    m=st.floats(0.5, 20),
    s=st.floats(0, 5),
    k=st.floats(-1, 3),
    bvps=st.floats(0.5, 50),
    price=st.floats(0.5, 200),
)
def test_scenario_arithmetic(m: float, s: float, k: float, bvps: float, price: float) -> None:
    (sc,) = val.scenarios(m, s, [("x", k)], bvps, price)
    multiple = m + k * s
    assert sc.pb_multiple == pytest.approx(multiple)
    if multiple > 0:
        assert sc.target_price == pytest.approx(multiple * bvps)
        assert sc.upside == pytest.approx(multiple * bvps / price - 1)
    else:
        assert sc.target_price is NM


def test_forward_year_is_fy2() -> None:
    from screener.core.fiscal import fy1_label

    assert val.forward_year(fy1_label(date(2025, 10, 10), 12)) == 2026
    assert val.forward_year(fy1_label(date(2026, 4, 1), 12)) == 2027  # FY2025 reported (90-day lag)


@pytest.mark.parametrize("args", [["--k", "nan"], ["--k", "inf"], ["--bvps", "nan"], ["--pb-sd", "-1"]])
def test_value_refuses_non_finite_inputs(args: list[str]) -> None:

    from screener.cli import app

    from .conftest import CONFIG

    result = EnvRunner().invoke(
        app,
        [
            "value",
            "600111.SS",
            "--pb-mean",
            "9.5",
            "--pb-sd",
            "1",
            *args,
            "--source",
            "snapshot",
            "--config",
            str(CONFIG),
        ],
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
