"""`chart oxide` (one axis, both series rebased to 100; `--log`; the two-axis level view with `--levels`) and
`chart rating-history` (exit 3 without a price in the window; labels inside the plot), checked through
matplotlib's own objects (#22 item 3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from screener.cli import app
from screener.render.charts_series import oxide_figure, rating_history_figure

from .conftest import SHARED_DATA, EnvRunner, make_config, make_env, need
from .test_views import SMALL, TODAY

WEEKS = pd.date_range("2024-01-05", periods=60, freq="W-FRI")


def _oxide(**options: bool) -> Figure:
    """Hand-made weekly levels: the stock from 12.5 CNY, the oxide from 640 (different scales on purpose)."""
    steps = np.arange(60)
    levels = pd.DataFrame(
        {"stock": 12.5 * (1 + 0.01 * steps), "oxide": 640.0 * (1 - 0.004 * steps) * (1 + 0.02 * np.sin(steps))},
        index=WEEKS,
    )
    rolling = pd.Series(np.linspace(-0.2, 0.5, 60), index=WEEKS)
    return oxide_figure(
        levels, rolling, title="t", stock_label="stock", oxide_label="oxide", window=8, freq="W",
        full_sample_corr=0.3, source="test", as_of=date(2025, 3, 1), **options,
    )  # fmt: skip


def _series(ax: object) -> list[np.ndarray]:
    """The y data of the plotted series on an axes (reference lines such as y = 100 have two points)."""
    return [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines() if len(line.get_ydata()) > 2]  # type: ignore[attr-defined]


@pytest.mark.parametrize("log", [False, True])
def test_oxide_both_lines_start_at_100_on_one_axis(log: bool) -> None:
    fig = _oxide(log=log)
    top, _bottom = fig.axes  # no twin axis: the price panel and the correlation panel only
    stock, oxide = _series(top)
    assert stock[0] == 100.0 and oxide[0] == 100.0
    assert stock[-1] == pytest.approx(100 * (1 + 0.59)) and oxide[-1] != stock[-1]
    assert top.get_yscale() == ("log" if log else "linear")
    assert [t.get_text() for t in top.get_legend().get_texts()] == ["stock", "oxide"]


def test_oxide_levels_view_has_two_axes_of_prices() -> None:
    fig = _oxide(two_axes=True)
    assert len(fig.axes) == 3
    top, _, right = fig.axes
    assert _series(top)[0][0] == 12.5 and _series(right)[0][0] == 640.0
    assert top.get_yscale() == "linear"


# ------------------------------------------------------------------------------------------ rating history
def _inside(fig: Figure) -> None:
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bounds = ax.get_window_extent(renderer)
    texts = [t for t in ax.texts if t.get_text().startswith(("Buy", "Sell", "Neutral"))]
    assert texts
    for text in texts:
        box = text.get_window_extent(renderer)
        assert bounds.x0 <= box.x0 and box.x1 <= bounds.x1 and bounds.y0 <= box.y0 and box.y1 <= bounds.y1, (
            text.get_text(),
            box,
            bounds,
        )


def test_rating_labels_stay_inside_the_plot() -> None:
    days = pd.bdate_range("2025-01-02", "2025-12-31")
    prices = pd.Series(np.linspace(30.0, 60.0, len(days)), index=days)
    views = [
        (date(2025, 1, 3), "Buy", 45.0, ""),  # at the left edge, label below its point
        (date(2025, 6, 2), "Neutral", 52.0, ""),
        (date(2025, 12, 29), "Sell", 30.0, ""),  # two days before the as-of date: the label would run off the right
    ]
    _inside(rating_history_figure(prices, views, title="t", currency="CNY", source="s", as_of=date(2025, 12, 31)))


def test_rating_label_at_the_top_stays_inside() -> None:
    days = pd.bdate_range("2025-01-02", "2025-06-30")
    prices = pd.Series(np.linspace(30.0, 80.0, len(days)), index=days)
    views = [(date(2025, 6, 27), "Buy", 20.0, "")]  # the marker sits on the highest price, the label above it
    _inside(rating_history_figure(prices, views, title="t", currency="CNY", source="s", as_of=date(2025, 7, 1)))


@pytest.fixture
def mine(tmp_path: Path) -> tuple[CliRunner, list[str]]:
    universe = tmp_path / "mine.toml"
    universe.write_text(SMALL)  # 600111.SS with a Buy view set on 2025-10-10
    config = make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}})
    runner = EnvRunner(lambda: make_env(clock=lambda: TODAY))
    raw = need(SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv")
    imported = runner.invoke(app, ["prices", "import", str(raw), "--ticker", "600111.SS", "--config", str(config)])
    assert imported.exit_code == 0, imported.output
    return runner, ["--config", str(config)]


def test_rating_history_without_a_price_in_the_window_is_exit_3(
    mine: tuple[CliRunner, list[str]], tmp_path: Path
) -> None:
    runner, cfg = mine
    out = tmp_path / "r.png"
    result = runner.invoke(app, ["chart", "rating-history", "600111.SS", "--out", str(out), *cfg])
    assert result.exit_code == 3, result.output  # the stored history ends in 2022, the window starts 2024-10-10
    assert "prices import" in result.output and "fetch" in result.output and "2024-10-10" in result.output
    assert not out.exists()
    covered = runner.invoke(app, ["chart", "rating-history", "600111.SS", "--since", "2021-01-01", "--out", str(out),
                                  *cfg])  # fmt: skip
    assert covered.exit_code == 0, covered.output
    assert out.exists()
