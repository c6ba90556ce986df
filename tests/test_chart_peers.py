"""`chart peers` (#22 item 3): one colour per peer group, the legend outside the plot, one point per issuer,
names clear of each other and of the legend, and each name's fair P/B on the fitted line with its residual
(`--table`), checked through matplotlib's own objects and by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from typer.testing import CliRunner

from screener.app.results import PeersChart
from screener.cli import app
from screener.render.charts_peers import fit, peers_figure, peers_table_csv

from .conftest import CONFIG

D = 0.7
POINTS = [  # on P/B = 1 + 0.2 × ROE(%), and two names ±D either side of it at the mean ROE (the line is unchanged)
    ("Alpha Rare Earths", 0.05, 2.0),
    ("Beta Magnetics Group", 0.10, 3.0),
    ("Gamma Materials", 0.15, 4.0),
    ("Delta Oxides", 0.10, 3.0 + D),
    ("Epsilon Metals", 0.10, 3.0 - D),
    ("Zeta Permanent Magnets", 0.101, 3.05),  # crowded: four names within a point of ROE of each other
    ("Eta Separation", 0.099, 2.95),
]
GROUPS = ["Producers", "Magnets", "Producers", "Magnets", "Producers", "Magnets", "Metals"]


def chart() -> PeersChart:
    return PeersChart(
        POINTS, ["Omega (P/B NA, ROE ok)"], title="t", source="s", as_of=date(2025, 10, 10),
        groups=GROUPS, tickers=[f"T{i}" for i in range(len(POINTS))], second_lines=["Beta Magnetics (H)"],
    )  # fmt: skip


def test_one_colour_per_group_and_one_point_per_name() -> None:
    ax = peers_figure(chart()).axes[0]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    colours = [{to_hex(c) for c in s.get_facecolors()} for s in scatters]
    assert all(len(c) == 1 for c in colours) and len({c.pop() for c in colours}) == 3  # three groups, three colours
    by_group = {s.get_label().split(" (")[0]: s.get_offsets() for s in scatters}
    assert sorted(by_group) == ["Magnets", "Metals", "Producers"]
    assert len(by_group["Producers"]) == 3 and len(by_group["Magnets"]) == 3 and len(by_group["Metals"]) == 1
    assert sum(len(o) for o in by_group.values()) == len(POINTS)


def test_legend_outside_the_plot_and_names_clear_of_each_other_and_the_legend() -> None:
    fig = peers_figure(chart())
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    plot = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(plot)
    assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1  # on the page
    names = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    assert sorted(names) == sorted(name for name, _, _ in POINTS)
    boxes = list(names.items())
    for i, (name, box) in enumerate(boxes):
        assert plot.x0 <= box.x0 and box.x1 <= plot.x1 and plot.y0 <= box.y0 and box.y1 <= plot.y1, name
        assert not box.overlaps(legend), name
        for other, box2 in boxes[i + 1 :]:
            assert not box.overlaps(box2), (name, other)


def test_fair_pb_and_residual_by_hand() -> None:
    line = fit(chart())
    assert line is not None
    rows = list(csv.DictReader(io.StringIO(peers_table_csv(chart()))))
    assert [r["ticker"] for r in rows] == [f"T{i}" for i in range(len(POINTS))]
    x = np.array([roe * 100 for _, roe, _ in POINTS])
    y = np.array([pb for _, _, pb in POINTS])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()  # the OLS normal equations
    intercept = y.mean() - slope * x.mean()
    for row, (_, roe, pb) in zip(rows, POINTS, strict=True):
        fair = intercept + slope * roe * 100
        assert float(row["fair_pb"]) == pytest.approx(fair, abs=1e-4)
        assert float(row["residual"]) == pytest.approx(pb - fair, abs=1e-4)
    delta, epsilon = rows[3], rows[4]  # the same ROE: residuals differ by exactly 2·D
    assert float(delta["residual"]) - float(epsilon["residual"]) == pytest.approx(2 * D, abs=1e-4)


def test_on_the_line_the_residual_is_zero() -> None:
    exact = PeersChart(POINTS[:3], [], title="t", source="s", as_of=date(2025, 10, 10))
    rows = list(csv.DictReader(io.StringIO(peers_table_csv(exact))))
    assert [float(r["fair_pb"]) for r in rows] == pytest.approx([2.0, 3.0, 4.0])
    assert [float(r["residual"]) for r in rows] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    too_few = PeersChart(POINTS[:2], [], title="t", source="s", as_of=date(2025, 10, 10))
    assert [r["fair_pb"] for r in csv.DictReader(io.StringIO(peers_table_csv(too_few)))] == ["", ""]


def test_command_one_point_per_issuer_and_the_table(tmp_path: Path) -> None:
    out, table = tmp_path / "peers.png", tmp_path / "peers.csv"
    base = ["chart", "peers", "--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]
    result = CliRunner().invoke(app, [*base, "--out", str(out), "--table", str(table)])
    assert result.exit_code == 0, result.output
    assert "1 second listing(s) not plotted" in result.output
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    tickers = [r["ticker"] for r in rows]
    assert "300748.SZ" in tickers and "6680.HK" not in tickers  # JL Mag: the A line counts, the H line does not
    assert len(tickers) == len(set(tickers)) and all(r["fair_pb"] and r["residual"] for r in rows)
    assert out.read_bytes()[:4] == b"\x89PNG"
    bad = CliRunner().invoke(app, [*base, "--out", str(out), "--table", str(tmp_path / "peers.txt")])
    assert bad.exit_code == 2 and ".csv" in bad.output


def test_workbook_carries_fair_pb_and_residual(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "comps.xlsx"
    args = ["export", "--out", str(out), "--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book["Charts"]
    header = next((c.row, c.column) for row in sheet.iter_rows() for c in row if c.value == "Fair P/B")
    row, col = header
    assert [sheet.cell(row, col + k).value for k in (-3, -2, -1, 0, 1)] == [
        "Name", "ROE NTM", "P/B NTM", "Fair P/B", "Residual"
    ]  # fmt: skip
    table = []
    r = row + 1
    while sheet.cell(r, col - 3).value is not None:
        table.append([sheet.cell(r, col + k).value for k in (-3, -2, -1, 0, 1)])
        r += 1
    book.close()
    names = [t[0] for t in table]
    assert "JL Mag Rare-Earth (A)" in names and "JL Mag Rare-Earth (H)" not in names  # one row per issuer
    x = np.array([t[1] * 100 for t in table])
    y = np.array([t[2] for t in table])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    intercept = y.mean() - slope * x.mean()
    for (_, roe, pb, fair, residual), xi in zip(table, x, strict=True):
        assert fair == pytest.approx(intercept + slope * xi) and residual == pytest.approx(pb - fair)
        assert roe * 100 == xi
