"""The peers chart (``chart peers``, the HTML report): P/B against ROE on the chart's basis (FY1, FY2 or NTM), one
point per issuer, one colour per peer group, the OLS line, names placed clear of each other, the legend outside the
plot; and the table of each name's fair P/B at its ROE on the fitted line and its residual (``--table``)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Literal

import numpy as np
from matplotlib.figure import Figure

from screener.core.peers_fit import Fit
from screener.core.peers_fit import fit as fit_points
from screener.render.charts import LINE, _figure, _footer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.transforms import Bbox

    from screener.app.results import PeersChart

GROUP_COLOURS = ("#1f4e79", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#8d6e63", "#ad1457")


def fit(chart: PeersChart) -> Fit | None:
    """The OLS line through the chart's points (:func:`screener.core.peers_fit.fit`)."""
    return fit_points(chart.points)


def peers_table_csv(chart: PeersChart) -> str:
    """Per name: ticker, name, group, ROE and P/B on the chart's basis (``roe_ntm``, ``pb_ntm`` …: the header
    states it), the fair P/B at its ROE on the fitted line and the residual (P/B − fair P/B); the last two empty
    without a fit."""
    line = fit(chart)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ticker", "name", "group", f"roe_{chart.basis}", f"pb_{chart.basis}", "fair_pb", "residual"])
    for i, (name, roe, pb) in enumerate(chart.points):
        fair = "" if line is None else f"{line.fair(roe):.4f}"
        residual = "" if line is None else f"{pb - line.fair(roe):.4f}"
        ticker = chart.tickers[i] if i < len(chart.tickers) else ""
        group = chart.groups[i] if i < len(chart.groups) else ""
        writer.writerow([ticker, name, group, f"{roe:.6f}", f"{pb:.4f}", fair, residual])
    return buffer.getvalue()


def peers_figure(chart: PeersChart) -> Figure:
    """One scatter per peer group (its own colour, named in the legend to the right of the plot), the OLS line
    (numpy.polyfit) when there are at least 3 points, each point named without overlapping another name;
    companies with NA/NM values and second listings are listed in the footer."""
    fig = _figure()
    fig.subplots_adjust(right=0.78)
    ax = fig.add_subplot(1, 1, 1)
    x = np.array([roe * 100 for _, roe, _ in chart.points])
    y = np.array([pb for _, _, pb in chart.points])
    groups = chart.groups if len(chart.groups) == len(chart.points) else [""] * len(chart.points)
    for k, group in enumerate(dict.fromkeys(groups)):
        mask = np.array([g == group for g in groups])
        colour = GROUP_COLOURS[k % len(GROUP_COLOURS)] if group else LINE
        ax.scatter(x[mask], y[mask], s=45, color=colour, zorder=3, label=f"{group or 'companies'} ({mask.sum()})")
    span_x, span_y = float(np.ptp(x)) or 1.0, float(np.ptp(y)) or 1.0
    ax.set_xlim(x.min() - 0.1 * span_x, x.max() + 0.1 * span_x)
    ax.set_ylim(max(0.0, y.min() - 0.1 * span_y), y.max() + 0.15 * span_y)
    line = fit(chart)
    if line is not None:
        grid = np.linspace(x.min(), x.max(), 50)
        sign = "+" if line.slope >= 0 else "−"
        text = f"OLS fit: P/B = {line.intercept:.2f} {sign} {abs(line.slope):.3f}\n× ROE(%), R² = {line.r2:.2f}"
        ax.plot(grid, line.intercept + line.slope * grid, color="#c62828", linewidth=1.2, linestyle="--", label=text)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9, frameon=False,
              title="Peer group (n)", title_fontsize=9)  # fmt: skip
    ax.set_title(chart.title, fontsize=13, loc="left")
    ax.set_xlabel(f"ROE {chart.basis_label} (%)")
    ax.set_ylabel(f"P/B {chart.basis_label} (x)")
    ax.grid(True, alpha=0.25)
    place_labels(ax, [name for name, _, _ in chart.points], x, y)
    out = f"Left out (P/B or ROE NA/NM): {len(chart.left_out)}" + (
        f" — {', '.join(chart.left_out)}" if chart.left_out else ""
    )
    second = f" Second listings not plotted (one point per issuer): {', '.join(chart.second_lines)}." * bool(
        chart.second_lines
    )
    _footer(fig, f"Source: {chart.source}. As of {chart.as_of}. {out}.{second}")
    return fig


OFFSETS = [(dx * r, dy * r) for r in (1, 2, 3, 4) for dx, dy in ((6, 4), (6, -14), (-6, 4), (-6, -14), (0, 12),
                                                                   (0, -22))]  # fmt: skip
"""Where a name may go, in points from its marker: nearest first, then further out."""


def place_labels(ax: Axes, labels: list[str], x: np.ndarray, y: np.ndarray) -> None:
    """Name each point (the highest first) at the first offset whose drawn text box lies inside the axes and
    overlaps no name placed so far and no marker; where none is free, the offset with the least overlap."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    bounds = ax.get_window_extent(renderer)
    markers = [ax.transData.transform((xi, yi)) for xi, yi in zip(x, y, strict=True)]
    placed: list[Bbox] = []

    def overlap(box: Bbox) -> float:
        area = 0.0
        for other in placed:
            w = min(box.x1, other.x1) - max(box.x0, other.x0)
            h = min(box.y1, other.y1) - max(box.y0, other.y0)
            area += max(w, 0.0) * max(h, 0.0)
        area += sum(1000.0 for mx, my in markers if box.x0 - 3 <= mx <= box.x1 + 3 and box.y0 - 3 <= my <= box.y1 + 3)
        outside = max(0.0, bounds.x0 - box.x0) + max(0.0, box.x1 - bounds.x1)
        outside += max(0.0, bounds.y0 - box.y0) + max(0.0, box.y1 - bounds.y1)
        return area + 1e6 * outside

    for label, xi, yi in sorted(zip(labels, x, y, strict=True), key=lambda item: (-item[2], item[1])):
        text = ax.annotate(label, xy=(xi, yi), xytext=(0, 0), textcoords="offset points", fontsize=8.5)
        best: tuple[float, tuple[float, float], Literal["left", "center", "right"]] | None = None
        for dx, dy in OFFSETS:
            ha: Literal["left", "center", "right"] = "left" if dx > 0 else "right" if dx < 0 else "center"
            text.set_horizontalalignment(ha)
            text.xyann = (dx, dy)
            cost = overlap(text.get_window_extent(renderer))
            if best is None or cost < best[0]:
                best = (cost, (dx, dy), ha)
            if cost == 0:
                break
        assert best is not None
        text.set_horizontalalignment(best[2])
        text.xyann = best[1]
        placed.append(text.get_window_extent(renderer))
