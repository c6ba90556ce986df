"""`chart performance` (#23 item 5): stocks (adjusted) and oxide series rebased to 100 on their first common date
on one axis, checked through matplotlib's own objects, by hand-worked numbers, and end to end on the real files
of ../shared/data against an independent pandas recomputation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from screener.app.performance_chart import PerformanceOptions, performance
from screener.cli import app
from screener.core.rebase import first_common_date, rebase_to_100
from screener.render.charts_performance import performance_figure

from .conftest import SHARED_DATA, EnvRunner, make_config, make_env, need

GANLEI = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022"
SMM_FILE = SHARED_DATA / "oxides" / "smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv"
ND_FILE = SHARED_DATA / "oxides" / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"


# ------------------------------------------------------------------------------------------------ the rule
def test_first_common_date_and_rebase_by_hand() -> None:
    days = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
    stock = pd.Series([10.0, 11.0, np.nan, 12.0], index=days)
    oxide = pd.Series([np.nan, np.nan, 200.0, 250.0], index=days)  # no value until the 4th
    third = pd.Series([5.0, 0.0, 5.5, 6.0], index=days)
    # the stock has no value on the 4th: the first day all three have one is the 5th
    assert first_common_date([stock, oxide, third]) == pd.Timestamp("2024-01-05")
    assert first_common_date([stock, third]) == pd.Timestamp("2024-01-02")
    assert first_common_date([stock.iloc[:2], oxide.iloc[2:]]) is None
    rebased = rebase_to_100(oxide, pd.Timestamp("2024-01-04"))
    assert list(rebased) == [100.0, 125.0]  # 250 / 200 × 100
    assert list(rebase_to_100(stock, pd.Timestamp("2024-01-03")).dropna()) == [100.0, pytest.approx(12 / 11 * 100)]


# ---------------------------------------------------------------------------------------------- the figure
def _series(ax: object) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of the plotted lines (the 100 reference line has two points)."""
    return [
        (np.asarray(line.get_xdata()), np.asarray(line.get_ydata(), dtype=float))
        for line in ax.get_lines()  # type: ignore[attr-defined]
        if len(line.get_ydata()) > 2
    ]


def _check_figure(fig: Figure, first_common: date, labels: list[str], log: bool) -> None:
    assert len(fig.axes) == 1  # one axis: no twin
    ax = fig.axes[0]
    lines = _series(ax)
    assert len(lines) == len(labels)
    for x, y in lines:
        finite = np.isfinite(y)
        assert y[finite][0] == 100.0
        assert pd.Timestamp(x[finite][0]) == pd.Timestamp(first_common)
    assert ax.get_yscale() == ("log" if log else "linear")
    legend = ax.get_legend()
    assert [t.get_text().replace("\n", " ") for t in legend.get_texts()] == labels
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = legend.get_window_extent(renderer)
    assert box.x0 > ax.get_window_extent(renderer).x1  # right of the plot area
    assert box.x1 <= fig.bbox.x1  # and not cut off by the figure's edge


def _store_env(tmp_path: Path) -> tuple[CliRunner, list[str], Path]:
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    runner = EnvRunner(lambda: make_env(clock=lambda: pd.Timestamp("2026-08-01").to_pydatetime()))
    for args in (
        ["prices", "import", str(need(GANLEI / "600111.SS.csv")), "--ticker", "600111.SS"],
        ["prices", "import", str(need(GANLEI / "000831.SZ.csv")), "--ticker", "000831.SZ"],
        ["oxides", "import", str(need(SMM_FILE)), "--series", "dy_smm", "--value-col", "SMM-REO-DXO",
         "--unit", "CNY/kg", "--currency", "CNY", "--vat-included"],
        ["oxides", "import", str(need(ND_FILE)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
         "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included"],
    ):  # fmt: skip
        result = runner.invoke(app, [*args, *cfg])
        assert result.exit_code == 0, result.output
    return runner, cfg, config


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRunner, list[str], Path]:
    return _store_env(tmp_path_factory.mktemp("perf"))


def _chart(config: Path, start: date, end: date | None = None):  # type: ignore[no-untyped-def]
    env = make_env(config=config)
    return performance(env, PerformanceOptions(["600111 CH", "000831.SZ"], ["dy_smm", "nd_cn"], start, end))


@pytest.mark.parametrize("log", [False, True])
def test_figure_on_real_data(stored: tuple[CliRunner, list[str], Path], log: bool) -> None:
    chart = _chart(stored[2], date(2016, 1, 1), date(2021, 12, 31))
    labels = [line.label for line in chart.lines]
    assert [label.split(" ", 1)[0] for label in labels] == ["600111.SS", "000831.SZ", "dy_smm", "nd_cn"]
    fig = performance_figure(chart, log=log)
    _check_figure(fig, chart.first_common, labels, log)
    footer = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    for line in chart.lines:
        assert line.source in footer and str(line.last) in footer
    assert "600111.SS.csv" in footer and "hannaboud" in footer  # the stored file and provider names
    assert str(chart.first_common) in footer


def _independent(start: str, end: str) -> tuple[pd.Timestamp, list[pd.Series]]:
    """The four raw files cut to [start, end] and their first common date, read here with pandas: the stock's
    adjusted index from close / prev_close."""
    raw = pd.read_csv(GANLEI / "600111.SS.csv", parse_dates=["date"]).set_index("date").sort_index()
    ratio = raw["close"] / raw["prev_close"]
    ratio.iloc[0] = 1.0
    nre = ratio.cumprod()
    cre = pd.read_csv(GANLEI / "000831.SZ.csv", parse_dates=["date"]).set_index("date")["close"]
    dy = pd.read_csv(SMM_FILE, parse_dates=["date"]).set_index("date")["SMM-REO-DXO"].dropna()
    nd = pd.read_csv(ND_FILE, parse_dates=["date"]).set_index("date")
    nd_mid = ((nd["nd_oxide_min"] + nd["nd_oxide_max"]) / 2).dropna()
    window = [s.loc[start:end] for s in (nre, cre, dy, nd_mid)]
    return sorted(set.intersection(*(set(s.index) for s in window)))[0], window


def test_one_rebased_series_recomputed_with_pandas(stored: tuple[CliRunner, list[str], Path]) -> None:
    chart = _chart(stored[2], date(2016, 1, 1), date(2021, 12, 31))
    common, window = _independent("2016-01-01", "2021-12-31")
    assert chart.first_common == common.date()
    want = window[0].loc[common:] / window[0].loc[common] * 100
    got = chart.lines[0].rebased
    assert got.index.equals(want.index)
    assert np.allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=0)
    dy_want = window[2].loc[common:] / window[2].loc[common] * 100  # VAT and units cancel in the ratio
    assert np.allclose(chart.lines[2].rebased.to_numpy(), dy_want.to_numpy(), rtol=1e-9, atol=0)


# ------------------------------------------------------------------------------------------------- the CLI
def test_cli_writes_the_png(stored: tuple[CliRunner, list[str], Path], tmp_path: Path) -> None:
    runner, cfg, _ = stored
    out = tmp_path / "perf.png"
    result = runner.invoke(app, ["chart", "performance", "600111.SS", "000831.SZ", "--oxide", "dy_smm", "--oxide",
                                 "nd_cn", "--start", "2016-01-01", "--log", "--out", str(out), *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    common, _ = _independent("2016-01-01", "2026-12-31")
    assert f"4 lines rebased to 100 on {common.date()}" in result.output


def test_cli_as_of_cuts_the_window(stored: tuple[CliRunner, list[str], Path], tmp_path: Path) -> None:
    runner, cfg, config = stored
    out = tmp_path / "p.png"
    result = runner.invoke(app, ["--as-of", "2017-06-30", "chart", "performance", "600111.SS", "--oxide", "dy_smm",
                                 "--out", str(out), *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    chart = performance(make_env(config=config), PerformanceOptions(["600111.SS"], ["dy_smm"], None, date(2017, 6, 30)))
    assert all(line.last <= date(2017, 6, 30) for line in chart.lines)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["600111.SS", "--oxide", "tb_nowhere"], 2, ["tb_nowhere", "unknown", "dy_smm", "nd_cn"]),
        (["601999.SS"], 2, ["601999.SS", "unknown", "in no universe"]),
        (["ZZZZ.SS"], 2, ["ZZZZ.SS", "TICKER"]),
        (["600111.SS", "--oxide", "pr_cn"], 3, ["pr_cn", "oxides import"]),  # registered, not imported
        (["600259.SS"], 3, ["600259.SS", "prices import", "fetch"]),  # in a universe, no stored prices
        (["600111.SS", "--start", "2023-01-01"], 3, ["600111.SS", "prices import", "fetch", "2023-01-01"]),
        (["600111.SS", "--oxide", "dy_smm", "--end", "2015-06-30"], 3, ["dy_smm", "oxides import"]),
        (["600111.SS", "--end", "2010-01-01", "--start", "2012-01-01"], 2, ["--end", "--start"]),
    ],
)
def test_cli_errors(
    stored: tuple[CliRunner, list[str], Path], tmp_path: Path, args: list[str], code: int, words: list[str]
) -> None:
    runner, cfg, _ = stored
    out = tmp_path / "x.png"
    result = runner.invoke(app, ["chart", "performance", *args, "--out", str(out), *cfg])
    assert result.exit_code == code, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    for word in words:
        assert word in result.output
    assert not out.exists()


def test_no_common_date_is_exit_3(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    runner = EnvRunner()
    first = tmp_path / "A.csv"
    first.write_text("date,close\n2024-01-02,10\n2024-01-03,11\n")
    second = tmp_path / "B.csv"
    second.write_text("date,close\n2024-01-04,20\n2024-01-05,21\n")
    for path, ticker in ((first, "600111.SS"), (second, "000831.SZ")):
        imported = runner.invoke(app, ["prices", "import", str(path), "--ticker", ticker, *cfg])
        assert imported.exit_code == 0, imported.output
    out = tmp_path / "n.png"
    result = runner.invoke(app, ["chart", "performance", "600111.SS", "000831.SZ", "--out", str(out), *cfg])
    assert result.exit_code == 3, result.output
    assert "no common date" in result.output and not out.exists()
