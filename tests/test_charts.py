"""`screener chart pb-band|peers` write real PNGs of the expected size that are not blank; the P/B band of a
real imported price history (with SYNTHETIC book values: the shared data has no historical BVPS series);
universe book values and `target_from_band` in the comp table."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.universe import load_universe

from .conftest import CONFIG, SHARED_DATA, UNIVERSES, make_config, need

NRE_RAW = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


WITHOUT_PRODUCERS = {"universes": {"files": [str(UNIVERSES / "magnets.toml")]}}
"""``make_config`` edits for a config without producers.toml: a synthetic universe that restates 600111.SS's
research differently would conflict with it (research belongs to the company, across every universe file)."""


def without_producers(config: Path) -> Path:
    """A config one folder above ``config``'s (which holds its store), on the same store, without producers.toml."""
    from screener.config import load_settings

    cache = str(load_settings(config).cache_dir)
    return make_config(config.parent.parent, {**WITHOUT_PRODUCERS, "store": {"dir": cache}})


def synthetic_universe(folder: Path, *, band_k: float | None = None, books: bool = True) -> Path:
    """600111.SS with SYNTHETIC, clearly labelled book values (2.0 CNY growing 4% a half-year, published two
    and four months after each period end) and a synthetic FY2021/FY2022 model for the forward BVPS (use it
    with a config made with :data:`WITHOUT_PRODUCERS`)."""
    lines = [
        "# SYNTHETIC test data: these book values and model figures are NOT China Northern Rare Earth's.",
        "[universe]",
        'name = "synthetic"',
        "",
        "[[company]]",
        'ticker = "600111.SS"',
        'name = "NRE (synthetic book values)"',
        'group = "Producers"',
        'currency = "CNY"',
        "fiscal_year_end_month = 12",
    ]
    if band_k is not None:
        lines.append(f"target_from_band = {{ k = {band_k} }}")
    lines += [
        "",
        "[company.model]",
        'currency = "CNY"',
        "[company.model.years.2021]",
        "total_equity = 12000\nminority_interests = 2000\nshares = 3615",
        "[company.model.years.2022]",
        "total_equity = 14000\nminority_interests = 2200\nshares = 3615",
        "",
    ]
    value = 2.0
    for year in range(2012, 2022) if books else ():
        for period_end, published in (
            (date(year, 6, 30), date(year, 8, 28)),
            (date(year, 12, 31), date(year + 1, 4, 25)),
        ):
            lines += ["[[company.book_values]]", f"published = {published}", f"period_end = {period_end}"]
            lines += [f"bvps = {value:.4f}", ""]
            value *= 1.04
    path = folder / "synthetic.toml"
    path.write_text("\n".join(lines))
    return path


@pytest.fixture
def nre_store(runner: CliRunner, tmp_path: Path) -> Path:
    """A config (without producers.toml) whose store holds the real 600111.SS raw history (1997-2022) from
    ../shared/data."""
    config = make_config(tmp_path / "work", WITHOUT_PRODUCERS)
    result = runner.invoke(
        app, ["prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    return config


def check_png(path: Path) -> np.ndarray:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = mpimg.imread(path)
    assert pixels.shape[:2] == (720, 1200)  # FIGSIZE × DPI
    grey = pixels[..., :3].mean(axis=2)
    assert grey.var() > 0.003, "blank chart"  # a white page with a thin line scores far below
    assert (grey < 0.5).mean() > 0.005  # enough dark ink: lines, text
    return pixels


def test_pb_band_chart_from_a_real_history(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path)
    out = tmp_path / "band.png"
    args = ["chart", "pb-band", "600111 CH", "-u", str(universe), "--config", str(nre_store), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1200 × 720" in result.output
    check_png(out)
    assert not list(tmp_path.glob(".band.png.*"))  # no temporary file left behind


def test_pb_band_needs_book_values_and_a_png_path(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path, books=False)
    base = ["chart", "pb-band", "600111.SS", "-u", str(universe), "--config", str(nre_store)]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 3 and "book_values" in result.output
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "x.jpg")])
    assert result.exit_code == 2 and ".png" in result.output


def test_peers_chart(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "peers.png"
    args = ["--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10", "--basis", "fy1"]
    result = runner.invoke(app, ["chart", "peers", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "16 companies, 4 left out (NA/NM), 1 second listing(s) not plotted" in result.output
    check_png(out)


def test_blank_png_fails_the_check(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    mpimg.imsave(path, np.ones((720, 1200, 3)))
    with pytest.raises(AssertionError, match="blank"):
        check_png(path)


@pytest.mark.parametrize("command", [["value"], ["chart"], ["chart", "pb-band"], ["chart", "peers"]], ids=" ".join)
def test_help_with_examples(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    if command != ["chart"]:
        assert "Example" in result.output


# --- value on a real history ------------------------------------------------------------------------------
def test_value_from_a_real_history(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path)
    args = ["value", "600111.SS", "-u", str(universe), "--config", str(nre_store), "--source", "store", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    import json

    body = json.loads(result.stdout)
    assert body["price_date"] == "2022-01-14" and body["price_source"] == "store"
    assert body["band"]["start"] >= "2018-01-01" and body["band"]["n"] > 900
    assert body["forward_year"] == 2022 and body["bvps"] == pytest.approx((14000 - 2200) / 3615)
    assert 0 < body["percentile"] <= 1 and body["overridden"] == []
    bear, _base, bull = body["scenarios"]
    assert bear["pb_multiple"] == pytest.approx(body["pb_mean"])
    assert bull["pb_multiple"] == pytest.approx(body["pb_mean"] + 2 * body["pb_sd"])
    # --as-of truncates the history: the price and band end there (no look-ahead)
    result = runner.invoke(app, [*args, "--as-of", "2020-06-30"])
    later = json.loads(result.stdout)
    assert later["price_date"] <= "2020-06-30" and later["band"]["end"] <= "2020-06-30"


# --- universe book values and the band target in the comp table ----------------------------------------------
def test_universe_book_values_parsed(tmp_path: Path) -> None:
    company = load_universe(synthetic_universe(tmp_path, band_k=1.5)).companies[0]
    assert len(company.book_values) == 20 and company.target_from_band == 1.5
    first = company.book_values[0]
    assert first.published == date(2012, 8, 28) and first.period_end == date(2012, 6, 30) and first.bvps == 2.0


def test_comp_table_uses_the_band_target(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path, band_k=1.0)
    args = ["screen", "-u", str(universe), "--config", str(nre_store), "--source", "store", "-f", "csv"]
    args += ["--as-of", "2022-01-14"]  # the day of the last stored price: FY2 BVPS is in the synthetic model
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert "tp_from_band" in row["flags"]
    value = runner.invoke(app, ["value", "600111.SS", "-u", str(universe), "--config", str(nre_store), "--k", "1",
                                "--source", "store", "--as-of", "2022-01-14", "-f", "csv"])  # fmt: skip
    (scenario,) = list(csv.DictReader(io.StringIO(value.stdout)))
    assert float(row["target_price"]) == pytest.approx(float(scenario["target_price"]))


def test_band_target_without_history_is_na_with_a_flag(runner: CliRunner, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path, band_k=1.0)
    result = runner.invoke(
        app,
        [
            "screen",
            "-u",
            str(universe),
            "--config",
            str(make_config(tmp_path / "work", WITHOUT_PRODUCERS)),
            "--source",
            "snapshot",
            "--as-of",
            "2025-10-10",
            "-f",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["target_price"] == "NA" and "band_target_na" in row["flags"]


# ----------------------------------------------------------------------------- stock against an oxide price
OXIDES = SHARED_DATA / "oxides" / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"
FX_CNY = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"


def test_aligned_pair_hand_worked() -> None:
    import pandas as pd

    from screener.core.correlation import aligned_pair

    days = pd.bdate_range("2025-01-06", periods=40)  # Mondays..Fridays, 8 weeks
    stock = pd.Series(np.linspace(10.0, 14.0, 40) * (1 + 0.05 * np.sin(np.arange(40))), index=days)
    oxide = pd.Series(np.linspace(100.0, 90.0, 40) * (1 + 0.03 * np.cos(np.arange(40))), index=days)
    oxide.iloc[9] = np.nan  # a missing Friday quote: that week's common last day is Thursday for both
    levels, rolling = aligned_pair(stock, oxide, freq="W", window=4)
    assert levels.loc["2025-01-17", "stock"] == stock.iloc[8] and levels.loc["2025-01-17", "oxide"] == oxide.iloc[8]
    returns = np.log(levels).diff().dropna()
    want = returns["stock"].rolling(4).corr(returns["oxide"])
    pd.testing.assert_series_equal(rolling, want, check_names=False)
    assert rolling.isna().sum() == 3 and len(levels) == 8


def test_oxide_chart_from_real_histories(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(nre_store)]
    assert runner.invoke(app, ["fx", "import", str(need(FX_CNY)), "--currency", "CNY", *cfg]).exit_code == 0
    imported = runner.invoke(
        app, ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
              "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", *cfg],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "nre_vs_nd.png"
    args = ["chart", "oxide", "600111 CH", "--oxide", "nd_cn", "--start", "2013-01-01", "--out", str(out), *cfg]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "common periods" in result.output and "full-sample correlation of returns +0.2" in result.output
    check_png(out)
    levels = runner.invoke(app, [*args, "--levels", "--log"])  # the two-axis level view, log scale
    assert levels.exit_code == 0, levels.output
    check_png(out)


def test_oxide_chart_errors(runner: CliRunner, nre_store: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(nre_store)]
    missing = runner.invoke(
        app, ["chart", "oxide", "600111.SS", "--oxide", "nd_cn", "--out", str(tmp_path / "x.png"), *cfg]
    )
    assert missing.exit_code == 3 and "oxides import" in missing.output
    no_prices = runner.invoke(app, ["chart", "oxide", "MP", "--oxide", "nd_cn", "--out", str(tmp_path / "x.png"), *cfg])
    assert no_prices.exit_code == 3 and "prices import" in no_prices.output
    bad = runner.invoke(app, ["chart", "oxide", "600111.SS", "--oxide", "nd_cn", "--freq", "D", "--out", "x.png", *cfg])
    assert bad.exit_code == 2


@pytest.mark.parametrize(("multiple", "label"), [("pb", "P/B"), ("pe", "P/E")])
def test_band_figure_axis_and_footer_name_the_multiple(multiple: str, label: str) -> None:
    import pandas as pd

    from screener.core.valuation import band_stats
    from screener.render import charts

    series = pd.Series([2.0, 3.0, 4.0, 5.0], index=pd.date_range("2020-01-01", periods=4, freq="D"))
    band = band_stats(series, date(2020, 1, 1))
    fig = charts.pb_band_figure(
        series, band, title="t", since=date(2020, 1, 1), source="s", as_of=date(2020, 1, 4), multiple=multiple
    )
    axis = fig.axes[0]
    assert axis.get_ylabel().startswith(f"{label} (x, price ÷ ")  # not a band line's label
    footer = " ".join(t.get_text() for t in fig.texts)
    assert f"of daily {label} from 2020-01-01" in footer
    lines = [t.get_text() for t in axis.texts]
    assert "mean 3.5x" in lines and any(t.startswith("+1 sd") for t in lines)
    legend = [t.get_text() for t in axis.get_legend().get_texts()]
    assert legend == [
        f"{label} (close ÷ BVPS published by that day)" if multiple == "pb" else "P/E (stored daily series)"
    ]
    stored = charts.pb_band_figure(
        series, band, title="t", since=date(2020, 1, 1), source="s", as_of=date(2020, 1, 4), from_book_values=False
    )
    assert [t.get_text() for t in stored.axes[0].get_legend().get_texts()] == ["P/B (stored daily series)"]


def test_a_long_footer_stays_inside_the_figure() -> None:
    from screener.render import charts

    fig = charts._figure()
    charts._footer(fig, "Left out (no data): " + ", ".join(f"Company number {i} Holdings" for i in range(30)))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.texts[-1].get_window_extent(renderer)
    assert box.x1 <= fig.bbox.x1  # wrapped within the width
    assert fig.texts[-1].get_text().count("\n") >= 2
