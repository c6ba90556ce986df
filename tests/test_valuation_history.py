"""Valuation history from real sources (#14): `valuation import` of terminal exports, bands from the store in
`value` and `chart pb-band` (P/B and P/E), and the comp table's percentile columns (METHODS §5.1).

The P/B and P/E exports here are SYNTHETIC (made in the test from the real 600111.SS closes in ../shared/data
divided by made-up book values and EPS): the shared data has no terminal export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.core import valuation as val
from screener.core.valuation_history import MIN_HISTORY_DAYS, book_values_from_daily, position
from screener.core.values import NA

from .conftest import UNIVERSES, make_config, need
from .test_charts import NRE_RAW, WITHOUT_PRODUCERS, check_png, synthetic_universe, without_producers

SNAPSHOT = ["--source", "snapshot"]


def run(runner: CliRunner, config: Path, *args: str) -> object:
    result = runner.invoke(app, [*args, "--config", str(config)])
    return result


def real_closes() -> pd.Series:
    """600111.SS raw closes (real, ganlei 1997-2022) from 2012 on."""
    frame = pd.read_csv(need(NRE_RAW), parse_dates=["date"]).set_index("date")
    return frame["close"][frame.index >= "2012-01-01"]


def without_book_values(folder: Path, edits: dict[str, dict[str, object]] | None = None) -> Path:
    """A config on the bundled universes, producers.toml without its ``[[company.book_values]]`` (the house models'
    year-ends, #23): universe book values win over a stored history, so the stored-history path of 600111.SS is
    tested without them."""
    text = (UNIVERSES / "producers.toml").read_text()
    stripped = re.sub(r"\n\[\[company\.book_values\]\]\n(?:[^\[\n].*\n)*", "\n", text)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "producers.toml").write_text(stripped)
    assert "\n[[company.book_values]]" not in stripped and "[[company]]" in stripped
    files = [str(folder / "producers.toml"), str(UNIVERSES / "magnets.toml")]
    return make_config(folder / "work", {"universes": {"files": files}, **(edits or {})})


@pytest.fixture
def store_config(runner: CliRunner, tmp_path: Path) -> Path:
    """A config whose store holds the real 600111.SS raw history (its universe without book values)."""
    config = without_book_values(tmp_path / "nobooks")
    result = run(runner, config, "prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return config


def pb_export(tmp_path: Path, name: str = "wind_pb.csv") -> tuple[Path, pd.Series]:
    """A Wind-style daily P/B export: real closes ÷ a synthetic BVPS stepping up each April."""
    closes = real_closes()
    bvps = pd.Series(2.0 * 1.1 ** (closes.index.year - 2012 + (closes.index.month >= 5)), index=closes.index)
    pb = (closes / bvps).round(4)
    path = tmp_path / name
    pd.DataFrame({"Date": pb.index.strftime("%Y-%m-%d"), "PB_LF": pb.to_numpy()}).to_csv(path, index=False)
    return path, pb


# --- core rules ------------------------------------------------------------------------------------------------
def test_percentile_and_z_by_hand_on_five_values() -> None:
    days = pd.to_datetime(["2018-01-02", "2019-01-02", "2020-01-02", "2021-01-04", "2021-06-01"])
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=days)
    place = position(series, 3.5, None, date(2022, 1, 1))
    assert place.percentile == pytest.approx(3 / 5)  # 1, 2, 3 are at or below 3.5
    sd = (sum((x - 3.0) ** 2 for x in (1, 2, 3, 4, 5)) / 4) ** 0.5  # sample sd = 1.5811
    assert place.z_score == pytest.approx((3.5 - 3.0) / sd)
    assert position(series, 3.0, None, date(2022, 1, 1)).percentile == pytest.approx(3 / 5)  # "at or below"
    assert position(series, 3.5, date(2019, 1, 1), date(2022, 1, 1)).n == 4  # window from since
    cut = position(series, 3.5, None, date(2021, 3, 1))  # days after the as-of date never count
    assert cut.n == 4 and cut.percentile == pytest.approx(3 / 4)


def test_a_history_ending_long_before_the_price_is_na() -> None:
    days = pd.to_datetime(["2018-01-02", "2019-01-02", "2020-01-02", "2021-01-04", "2021-06-01"])
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=days)
    fresh = position(series, 3.5, None, date(2022, 1, 1), price_date=date(2021, 7, 2))  # 31 days after the end
    assert fresh.percentile == pytest.approx(3 / 5)
    stale = position(series, 3.5, None, date(2022, 1, 1), price_date=date(2021, 7, 3))  # 32 days: a stale basis
    assert stale.percentile is NA and stale.z_score is NA and "32 days before the price" in stale.reason


def test_fewer_than_three_years_is_na() -> None:
    start = pd.Timestamp("2018-01-02")
    for span, expect_na in ((MIN_HISTORY_DAYS - 1, True), (MIN_HISTORY_DAYS, False)):
        series = pd.Series([1.0, 2.0, 3.0], index=[start, start + timedelta(days=10), start + timedelta(days=span)])
        place = position(series, 2.0, None, date(2030, 1, 1))
        assert (place.percentile is NA and place.z_score is NA) == expect_na, span
        assert ("shorter than 3 years" in place.reason) == expect_na
    empty = pd.Series(dtype="float64", index=pd.DatetimeIndex([]))
    assert position(empty, 2.0, None, date(2030, 1, 1)).percentile is NA
    assert MIN_HISTORY_DAYS == 1095


def test_daily_bvps_counts_from_the_day_it_shows() -> None:
    days = pd.to_datetime(["2021-04-28", "2021-04-29", "2021-04-30", "2021-05-03"])
    books = book_values_from_daily(pd.Series([4.0, 4.0, 5.0, 5.0], index=days))
    assert [(b.published, b.bvps) for b in books] == [(date(2021, 4, 27), 4.0), (date(2021, 4, 29), 5.0)]
    known = val.point_in_time_bvps(days, books)
    assert list(known) == [4.0, 4.0, 5.0, 5.0]  # each day exactly the value the terminal showed that day


# --- valuation import -----------------------------------------------------------------------------------------
def test_band_statistics_of_an_imported_pb_export_match_numpy(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "work")
    path, pb = pb_export(tmp_path)
    result = run(runner, config, "valuation", "import", str(path), "--ticker", "600111 CH", "--date-col", "Date",
                 "--pb-col", "PB_LF")  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    summary = result.stdout  # type: ignore[attr-defined]
    assert f"{len(pb)} rows from wind_pb.csv, 2012-01-04 to 2022-01-14" in summary and "'PB_LF'" in summary
    result = run(runner, config, "value", "600111.SS", *SNAPSHOT, "--since", "2015-06-01", "-f", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    body = json.loads(result.stdout)  # type: ignore[attr-defined]
    window = pb[pb.index >= "2015-06-01"].to_numpy()
    assert body["band"]["n"] == len(window)
    assert body["pb_mean"] == pytest.approx(np.mean(window), rel=1e-12)
    assert body["pb_sd"] == pytest.approx(np.std(window, ddof=1), rel=1e-12)
    assert body["band"]["basis"] == "stored history"
    assert body["band"]["history_source"].startswith("P/B: stored history (terminal (wind_pb.csv)")
    base = body["scenarios"][1]
    assert base["pb_multiple"] == pytest.approx(np.mean(window) + np.std(window, ddof=1))
    assert base["target_price"] == pytest.approx(base["pb_multiple"] * (34525 - 7141) / 3615)  # × house FY2026E BVPS


def test_import_merges_with_the_stored_terminal_history_unless_replace(runner: CliRunner, tmp_path: Path) -> None:
    from screener.config import load_settings
    from screener.data.store import Store
    from screener.data.valuation import read_valuation

    config = make_config(tmp_path / "work")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("date,pb,pe\n2021-01-04,3.0,30\n2021-01-05,3.1,31\n")
    second.write_text("date,pb\n2021-01-05,9.9\n2021-01-06,3.3\n")
    for path, extra in ((first, []), (second, [])):
        result = run(runner, config, "valuation", "import", str(path), "--ticker", "600111.SS", *extra)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    store = Store(load_settings(config).cache_dir, lambda: pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())
    history = read_valuation(store, "600111.SS")
    assert history is not None
    assert list(history.series("pb")) == [3.0, 9.9, 3.3] and list(history.series("pe")) == [30.0, 31.0]
    result = run(runner, config, "valuation", "import", str(second), "--ticker", "600111.SS", "--replace")
    assert result.exit_code == 0
    history = read_valuation(store, "600111.SS")
    assert history is not None and list(history.series("pb")) == [9.9, 3.3] and history.series("pe").empty


@pytest.mark.parametrize(
    ("text", "options", "needle"),
    [
        ("date,PB\n2021-01-04,3.5\n", ["--pb-col", "PX"], "x.csv:1: PX: no column 'PX' (columns: date, PB)"),
        ("date,pb\n2021-01-04,3.5\n2021-01-05,abc\n", [], "x.csv:3: pb: not a number: 'abc'"),
        ("date,pb\n2021-01-04,3.5\n2021-13-05,3\n", [], "x.csv:3: date: unparseable date '2021-13-05'"),
        ("date,pb\n2021-01-04,3.5\n2021-01-04,3.6\n", [], "x.csv:3: date: duplicate date 2021-01-04"),
        ("date,pb\n2021-01-04,inf\n", [], "x.csv:2: pb: P/B must be finite"),
        ("date,close\n2021-01-04,3.5\n", [], "x.csv:1: no usable column: give --pb-col, --pe-col or --bvps-col"),
        ("day,pb\n2021-01-04,3.5\n", [], "x.csv:1: date: no column 'date' (columns: day, pb)"),
        ("date,bvps,pub\n2020-12-31,4,2021-13-01\n", ["--published-col", "pub"], "x.csv:2: pub: unparseable date"),
    ],
)
def test_bad_export_files_exit_2_naming_line_and_field(
    runner: CliRunner, tmp_path: Path, text: str, options: list[str], needle: str
) -> None:
    config = make_config(tmp_path / "work")
    path = tmp_path / "x.csv"
    path.write_text(text)
    result = run(runner, config, "valuation", "import", str(path), "--ticker", "600111.SS", *options)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert needle in " ".join(result.output.split())  # type: ignore[attr-defined]
    assert not (tmp_path / "work" / "cache" / "valuation").exists()  # nothing stored


def test_xlsx_export_is_read_with_excel_row_numbers(runner: CliRunner, tmp_path: Path) -> None:
    from openpyxl import Workbook

    config = make_config(tmp_path / "work")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date", "PE_TTM"])
    sheet.append([pd.Timestamp("2021-01-04").to_pydatetime(), 25.0])
    sheet.append([pd.Timestamp("2021-01-05").to_pydatetime(), "n.a."])
    path = tmp_path / "bbg.xlsx"
    book.save(path)
    result = run(runner, config, "valuation", "import", str(path), "-t", "600111.SS", "--date-col", "Date",
                 "--pe-col", "PE_TTM")  # fmt: skip
    assert result.exit_code == 2 and "bbg.xlsx:3: PE_TTM: not a number: 'n.a.'" in result.output  # type: ignore[attr-defined]


# --- bands from the store ---------------------------------------------------------------------------------------
def test_value_and_chart_work_from_an_imported_pb_export_without_universe_book_values(
    runner: CliRunner, store_config: Path, tmp_path: Path
) -> None:
    from screener.config import load_settings
    from screener.universe import load_universes

    companies = [c for u in load_universes(list(load_settings(store_config).universe_files)) for c in u.companies]
    assert not any(c.book_values for c in companies)  # the store_config universes have none
    path, pb = pb_export(tmp_path)
    result = run(runner, store_config, "valuation", "import", str(path), "-t", "600111.SS", "--date-col", "Date",
                 "--pb-col", "PB_LF")  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    result = run(runner, store_config, "value", "600111.SS", *SNAPSHOT)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = " ".join(result.stdout.split())  # type: ignore[attr-defined]
    assert "P/B: stored history (terminal (wind_pb.csv)" in text
    implied = 43.91 / pb.iloc[-1]  # the real close of 2022-01-14 ÷ the stored P/B that day
    assert f"close 43.91 ÷ {pb.iloc[-1]:.2f}x on 2022-01-14" in text
    assert "Current P/B (price / BVPS implied by the stored P/B" in text
    body = json.loads(run(runner, store_config, "value", "600111.SS", *SNAPSHOT, "-f", "json").stdout)  # type: ignore[attr-defined]
    assert body["pb_current"] == pytest.approx(53.13 / implied)
    window = pb[pb.index >= "2018-01-01"].to_numpy()
    assert body["percentile"] == pytest.approx(float((window <= 53.13 / implied).mean()))
    out = tmp_path / "x.png"
    result = run(runner, store_config, "chart", "pb-band", "600111.SS", "--out", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "stored history (terminal (wind_pb.csv)" in " ".join(result.output.split())  # type: ignore[attr-defined]
    check_png(out)


def test_pb_from_real_prices_and_book_values_equals_the_stored_history_path(
    runner: CliRunner, store_config: Path, tmp_path: Path
) -> None:
    from screener.app.valuation_bands import band_history, price_series
    from screener.config import load_settings
    from screener.data.store import Store
    from screener.universe import load_universe

    universe = synthetic_universe(tmp_path)  # the same (synthetic) book values typed into a universe file
    company = load_universe(universe).companies[0]
    reports = tmp_path / "reports.csv"
    with reports.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period_end", "bvps", "published"])
        for bv in company.book_values:
            writer.writerow([bv.period_end, bv.bvps, bv.published])
    result = run(runner, store_config, "valuation", "import", str(reports), "-t", "600111.SS", "--date-col",
                 "period_end", "--bvps-col", "bvps", "--published-col", "published")  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"{len(company.book_values)} terminal book values" in result.stdout  # type: ignore[attr-defined]

    store = Store(load_settings(store_config).cache_dir, lambda: pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())
    prices, source = price_series(store, "600111.SS", None)
    assert prices is not None
    by_hand = val.pb_history(prices, company.book_values)
    day = date(2022, 1, 14)
    stored = band_history(store, "600111.SS", None, "pb", prices, source, {}, day, day)
    universe_path = band_history(store, "600111.SS", company, "pb", prices, source, {}, day, day)
    assert stored.basis == "stored history" and universe_path.basis == "universe book values"
    pd.testing.assert_series_equal(stored.series, by_hand, check_names=False)
    pd.testing.assert_series_equal(universe_path.series, by_hand, check_names=False)
    # the BVPS published before 2022-01-14 (the last report, of 2022-04-25, is not known yet)
    assert stored.denominator == universe_path.denominator == company.book_values[-2].bvps

    # universe book values (the synthetic universe restates 600111.SS's research: its config leaves producers.toml
    # out); then the bundled universe + the store
    both = []
    for config, extra in ((without_producers(store_config), ["-u", str(universe)]), (store_config, [])):
        result = run(runner, config, "value", "600111.SS", *SNAPSHOT, "-f", "json", *extra)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        both.append(json.loads(result.stdout))  # type: ignore[attr-defined]
    assert both[0]["band"]["basis"] == "universe book values" and both[1]["band"]["basis"] == "stored history"
    for key in ("pb_mean", "pb_sd", "pb_current", "percentile"):
        assert both[0][key] == pytest.approx(both[1][key], rel=1e-12), key
    assert both[0]["band"]["n"] == both[1]["band"]["n"] > 900


def test_value_multiple_pe(runner: CliRunner, store_config: Path, tmp_path: Path) -> None:
    closes = real_closes()
    pe = (closes / 0.8).round(3)
    path = tmp_path / "pe.csv"
    pd.DataFrame({"date": pe.index.strftime("%Y-%m-%d"), "pe": pe.to_numpy()}).to_csv(path, index=False)
    assert run(runner, store_config, "valuation", "import", str(path), "-t", "600111.SS").exit_code == 0  # type: ignore[attr-defined]
    result = run(runner, store_config, "value", "600111.SS", *SNAPSHOT, "--multiple", "pe", "-f", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    body = json.loads(result.stdout)  # type: ignore[attr-defined]
    window = pe[pe.index >= "2018-01-01"].to_numpy()
    mean, sd = np.mean(window), np.std(window, ddof=1)
    assert body["multiple"] == "pe" and body["pe_mean"] == pytest.approx(mean) and body["pe_sd"] == pytest.approx(sd)
    eps = 1.0  # house model FY2026E net income / shares
    from screener.universe import load_universe

    from .conftest import UNIVERSES

    nre = next(c for c in load_universe(UNIVERSES / "producers.toml").companies if c.ticker == "600111.SS")
    assert nre.model is not None
    year = nre.model.years[2026]
    eps = float(year.net_income) / float(year.shares)  # type: ignore[arg-type]
    assert body["eps"] == pytest.approx(eps) and body["eps_source"] == "house model FY2026E"
    assert [s["pe_multiple"] for s in body["scenarios"]] == pytest.approx([mean, mean + sd, mean + 2 * sd])
    targets = [m * eps for m in (mean, mean + sd, mean + 2 * sd)]
    assert [s["target_price"] for s in body["scenarios"]] == pytest.approx(targets)
    assert body["pe_current"] == pytest.approx(53.13 / (43.91 / pe.iloc[-1]))  # price ÷ implied trailing EPS
    csv_text = run(runner, store_config, "value", "600111.SS", *SNAPSHOT, "-m", "pe", "-f", "csv").stdout  # type: ignore[attr-defined]
    assert csv_text.splitlines()[0] == "ticker,scenario,k,pe_mean,pe_sd,pe_multiple,eps,target_price,price,upside"
    out = tmp_path / "pe.png"
    chart = run(runner, store_config, "chart", "pb-band", "600111.SS", "-m", "pe", "--out", str(out))
    assert chart.exit_code == 0, chart.output  # type: ignore[attr-defined]
    check_png(out)


def test_pe_band_without_forward_eps_prints_the_band_and_a_na_target(runner: CliRunner, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path)  # a model without net income: no forward EPS
    config = make_config(tmp_path / "work", WITHOUT_PRODUCERS)
    path = tmp_path / "pe.csv"
    path.write_text("date,pe\n2019-01-02,20\n2020-01-02,30\n2021-01-04,40\n")
    assert run(runner, config, "valuation", "import", str(path), "-t", "600111.SS").exit_code == 0  # type: ignore[attr-defined]
    result = run(runner, config, "value", "600111.SS", "-u", str(universe), *SNAPSHOT, "-m", "pe", "-f", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    body = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert body["pe_mean"] == pytest.approx(30.0) and body["eps"] == "NA"
    assert {s["target_price"] for s in body["scenarios"]} == {"NA"}
    assert any("no forward EPS" in note for note in body["notes"])


def test_value_without_any_history_says_what_to_import(runner: CliRunner, tmp_path: Path) -> None:
    config = without_book_values(tmp_path / "nobooks")
    result = run(runner, config, "value", "600111.SS", *SNAPSHOT)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # type: ignore[attr-defined]
    assert "no P/B history" in text and "screener valuation import" in text
    # with the bundled book values (and no stored prices to divide) it says to import prices
    bundled = run(runner, make_config(tmp_path / "work"), "value", "600111.SS", *SNAPSHOT)
    text = " ".join(bundled.stdout.split())  # type: ignore[attr-defined]
    assert "universe book values" in text and "screener prices import" in text and "NA" in text


# --- percentile columns ------------------------------------------------------------------------------------------
def test_percentile_columns_at_the_end_of_the_csv_and_correct_for_an_imported_history(
    runner: CliRunner, store_config: Path, tmp_path: Path
) -> None:
    from screener.render.export import CSV_COLUMNS

    start = CSV_COLUMNS.index("chg_12m") + 1  # appended after the price changes (later versions append after them)
    assert CSV_COLUMNS[start : start + 3] == ["pb_pctile", "pe_pctile", "pb_z"]
    path, pb = pb_export(tmp_path)
    args = ["valuation", "import", str(path), "-t", "600111.SS", "--date-col", "Date", "--pb-col", "PB_LF"]
    assert run(runner, store_config, *args).exit_code == 0  # type: ignore[attr-defined]
    result = run(runner, store_config, "screen", "--source", "store", "--format", "csv")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))  # type: ignore[attr-defined]
    assert list(rows[0])[start : start + 3] == ["pb_pctile", "pe_pctile", "pb_z"]
    nre = next(r for r in rows if r["ticker"] == "600111.SS")
    window = pb[pb.index >= "2018-01-01"].to_numpy()  # [valuation] since = 2018-01-01
    today = pb.iloc[-1]  # the store's quote is the close of the history's last day: today's point = its P/B
    assert float(nre["pb_pctile"]) == pytest.approx(float((window <= today).mean()))
    assert float(nre["pb_z"]) == pytest.approx((today - window.mean()) / window.std(ddof=1))
    assert nre["pe_pctile"] == "NA"  # no P/E history
    others = [r for r in rows if r["row_type"] == "company" and r["ticker"] != "600111.SS"]
    assert others and {r["pb_pctile"] for r in others} == {"NA"}
    wide = run(runner, store_config, "screen", "--source", "store", "--columns", "pb_pctile,pb_z")
    assert "P/B pctile" in wide.stdout  # type: ignore[attr-defined]
    assert f"{float(nre['pb_pctile']) * 100:.1f}%" in wide.stdout  # type: ignore[attr-defined]


@pytest.mark.parametrize(("since", "expect_na"), [(date(2019, 6, 1), True), (date(2018, 6, 1), False)])
def test_percentiles_na_with_less_than_three_years_in_the_window(
    runner: CliRunner, tmp_path: Path, since: date, expect_na: bool
) -> None:
    config = without_book_values(tmp_path / "nobooks", {"valuation": {"since": since.isoformat()}})
    assert run(runner, config, "prices", "import", str(need(NRE_RAW)), "-t", "600111.SS").exit_code == 0  # type: ignore[attr-defined]
    path, _ = pb_export(tmp_path)
    args = ["valuation", "import", str(path), "-t", "600111.SS", "--date-col", "Date", "--pb-col", "PB_LF"]
    assert run(runner, config, *args).exit_code == 0  # type: ignore[attr-defined]
    result = run(runner, config, "screen", "--source", "store", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))  # type: ignore[attr-defined]
    nre = next(r for r in rows if r["ticker"] == "600111.SS")
    # from 2019-06-03 to 2022-01-14 is under 3 years; from 2018-06-01 it is not
    assert (nre["pb_pctile"] == "NA" and nre["pb_z"] == "NA") == expect_na


def test_screen_without_valuation_files_reads_no_history(tmp_path: Path) -> None:
    from screener.app import valuation_bands

    class Listing:
        def series_keys(self, kind: str) -> list[str]:
            assert kind in ("valuation", "prices")  # listings only (prices: for the universe's book values)
            return []

        def tickers_with(self, kind: str) -> set[str]:  # the listing only (Store.tickers_with)
            return {key.split("=", 1)[0] for key in self.series_keys(kind)}

        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"store.{name} used without a valuation file")

    from screener.universe import load_universe

    from .conftest import UNIVERSES

    companies = load_universe(UNIVERSES / "producers.toml").companies
    from screener.models import Quote

    quotes = {c.ticker: Quote(c.ticker, 10.0, c.currency, date(2025, 1, 2), "store") for c in companies}
    assert valuation_bands.history_positions(Listing(), companies, quotes, {}, date(2018, 1, 1), date(2025, 1, 2)) == {}  # type: ignore[arg-type]
