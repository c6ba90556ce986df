"""``chart performance``: stocks and oxide series rebased to 100 at their first common date on one axis (the
drawing of :func:`screener.render.charts_series.rebased_axis`, the legend outside the plot, the sources below)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from screener.render.charts import LINE, _figure, _footer
from screener.render.charts_series import OXIDE_COLOUR, rebased_axis

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from screener.app.results import PerformanceChart

STOCK_COLOURS = (LINE, "#2e7d32", "#6a1b9a", "#00838f", "#5d4037", "#c2185b")
OXIDE_COLOURS = (OXIDE_COLOUR, "#c62828", "#f9a825", "#8d6e63", "#ad1457", "#9e9d24")
"""Stocks solid in blues/greens, oxides dashed in oranges/reds; cycled past six of a kind."""


LEGEND_CHARS = 34
"""Characters per legend line at 9 pt in the room right of the axes (longer labels wrap)."""


def performance_figure(chart: PerformanceChart, *, log: bool = False) -> Figure:
    """Every line of ``chart`` (already rebased) on one axis (``log``: a log scale), the legend to the right of
    the plot area, the footer naming each line's source and last date."""
    fig = _figure()
    fig.subplots_adjust(right=0.7)  # room for the legend outside the axes
    ax = fig.add_subplot(1, 1, 1)
    counts = {"stock": 0, "oxide": 0}
    drawn = []
    for line in chart.lines:
        palette = STOCK_COLOURS if line.kind == "stock" else OXIDE_COLOURS
        colour = palette[counts[line.kind] % len(palette)]
        counts[line.kind] += 1
        label = "\n".join(textwrap.wrap(line.label, LEGEND_CHARS, break_long_words=False))
        drawn.append((line.rebased, label, colour, "-" if line.kind == "stock" else "--"))
    rebased_axis(ax, drawn, chart.first_common, log=log)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9, frameon=False)
    ax.grid(True, alpha=0.25)
    ax.set_title(chart.title, fontsize=13, loc="left")
    ax.set_xlabel("Date")
    sources = "; ".join(f"{line.source} (last {line.last})" for line in chart.lines)
    window = f", window to {chart.end}" if chart.end is not None else ""
    _footer(
        fig,
        f"Sources (store): {sources}. Stocks: adjusted close; oxides: the stored price in its quote currency. Each "
        f"line rebased to 100 on {chart.first_common}, the first date every series has a value{window}.",
    )
    return fig
