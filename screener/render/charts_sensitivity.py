"""``screener chart sensitivity``: the earnings-sensitivity grid as a heatmap (matplotlib, Agg; imported only by
the chart command). Cells carry their value as text (the table's format), the base cell is outlined, NA/NM cells
are grey; the title, axis labels and footer reuse :mod:`screener.render.sensitivity`."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from screener.app.results import SensitivityResult
from screener.core.sensitivity import values_of
from screener.core.values import Missing
from screener.render.charts import _figure, _footer
from screener.render.sensitivity import (
    DRIVER_LABELS,
    METRIC_LABELS,
    driver_text,
    method_text,
    metric_text,
    solve_text,
    source_text,
    title,
)

MISSING_COLOUR = "#d9d9d9"
BASE_EDGE = "#000000"
COLOURMAP = "RdYlGn"
"""Green = good: for P/E a low multiple is good, so the map is reversed for ``pe``."""


def sensitivity_figure(r: SensitivityResult) -> Figure:
    """Rows = the row driver (top = lowest), columns = the column driver; colour = the metric (NA/NM grey)."""
    g = r.grid
    shape = (len(g.row_values), len(g.col_values))
    values = values_of(g.cells, r.metric)
    numbers = np.array([np.nan if isinstance(v, Missing) else float(v) for v in values]).reshape(shape)
    fig = _figure()
    fig.subplots_adjust(left=0.12, right=0.92, top=0.88, bottom=0.2)
    ax = fig.add_subplot(1, 1, 1)
    cmap = colormaps[COLOURMAP + ("_r" if r.metric == "pe" else "")].with_extremes(bad=MISSING_COLOUR)
    image = ax.imshow(np.ma.masked_invalid(numbers), cmap=cmap, aspect="auto")
    colourbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    unit = {"pe": "x", "eps": r.currency, "upside": "fraction", "etr": "fraction"}[r.metric]
    colourbar.set_label(f"FY{r.fiscal_year}E {METRIC_LABELS[r.metric]} ({unit})")
    for cell, value in zip(g.cells, values, strict=True):
        text = metric_text(r.metric, value) + ("*" if cell.is_base else "")
        ax.text(cell.col, cell.row, text, ha="center", va="center", fontsize=10,
                fontweight="bold" if cell.is_base else "normal")  # fmt: skip
        if cell.is_base:
            ax.add_patch(Rectangle((cell.col - 0.5, cell.row - 0.5), 1, 1, fill=False, edgecolor=BASE_EDGE,
                                   linewidth=2.5))  # fmt: skip
    ax.set_xticks(range(shape[1]), [driver_text(g.cols, v) for v in g.col_values])
    ax.set_yticks(range(shape[0]), [driver_text(g.rows, v) for v in g.row_values])
    ax.set_xlabel(f"{r.segment_label}: {DRIVER_LABELS[g.cols].lower()}")
    ax.set_ylabel(f"{r.segment_label}: {DRIVER_LABELS[g.rows].lower()}")
    ax.set_title(title(r), fontsize=12, loc="left")
    footer = [f"* base (the model's FY{r.fiscal_year}E). {method_text(r)}.", source_text(r) + "."]
    solved = solve_text(r)
    if solved:
        footer.append(solved + ".")
    _footer(fig, " ".join(footer))
    return fig
