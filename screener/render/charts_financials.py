"""The peer financials chart (#15): grouped bars per company by fiscal year, one colour per year, estimates
hatched, NA/NM years marked where their bar would be (matplotlib, Agg; see :mod:`screener.render.charts`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from screener.core.values import Missing
from screener.render.charts import _figure, _footer

if TYPE_CHECKING:
    from screener.app.results import FinancialsChart

ESTIMATE_HATCH = "//"
YEAR_COLOURS = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b", "#fd8d3c", "#e6550d")


def _short(name: str, width: int = 16) -> str:
    """At most two lines of ``width`` characters (the second shortened with …)."""
    import textwrap

    lines = textwrap.wrap(name, width) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1].rstrip() + "…"]
    return "\n".join(lines)


def financials_figure(chart: FinancialsChart) -> Figure:
    """Per company a group of bars, one per fiscal year of ``chart.years`` (colour by year; hatched when an
    estimate); an NA/NM year has no bar and its marker at the baseline; the legend outside the axes, on the
    right. Each bar's ``gid`` is ``TICKER:YEAR``.
    Percent metrics on a % axis; amounts in millions of the unit's currency."""
    fig = _figure()
    fig.subplots_adjust(right=0.88, bottom=0.2)  # the legend to the right of the plot, clear of the bars
    ax = fig.add_subplot(1, 1, 1)
    years = chart.years
    n = len(years)
    width = 0.8 / max(n, 1)
    scale = 100.0 if chart.percent else 1.0
    colours = {y: YEAR_COLOURS[i % len(YEAR_COLOURS)] for i, y in enumerate(years)}
    marked = False
    for i, company in enumerate(chart.companies):
        for j, year in enumerate(years):
            x = i - 0.4 + width * (j + 0.5)
            value = company.values.get(year)
            if isinstance(value, float):
                estimate = year in company.estimates
                (bar,) = ax.bar(
                    x,
                    value * scale,
                    width * 0.92,
                    color=colours[year],
                    edgecolor="#333333" if estimate else colours[year],
                    hatch=ESTIMATE_HATCH if estimate else None,
                    linewidth=0.6,
                )
                bar.set_gid(f"{company.ticker}:{year}")
            elif isinstance(value, Missing):
                marked = True
                ax.annotate(str(value), xy=(x, 0), xytext=(0, 3), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7, color="#c62828", rotation=90)  # fmt: skip
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(chart.companies)))
    ax.set_xticklabels([_short(c.label) for c in chart.companies], fontsize=9)
    ax.set_xlim(-0.6, len(chart.companies) - 0.4)
    if chart.percent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_ylabel(f"{chart.title.split(' by year')[0]} (%)")
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel(f"{chart.title.split(' by year')[0]} ({chart.unit})")
    handles = [Patch(facecolor=colours[y], label=f"FY{y}") for y in years]
    handles.append(Patch(facecolor="white", edgecolor="#333333", hatch=ESTIMATE_HATCH, label="estimate"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=9,
              frameon=False)  # fmt: skip
    ax.set_title(chart.title, fontsize=13, loc="left")
    ax.grid(True, axis="y", alpha=0.25)
    left = f"Left out (no data): {len(chart.left_out)}" + (f" — {', '.join(chart.left_out)}" if chart.left_out else "")
    parts = [f"Source: {chart.source}.", *(f"{note[0].upper()}{note[1:]}." for note in chart.notes)]
    if marked:
        parts.append("NA: not available; NM: not meaningful (denominator <= 0).")
    parts.append("Hatched: estimates (house model from its FY1 on; estimate columns of an imported export).")
    parts.append(f"As of {chart.as_of}. {left}.")
    _footer(fig, " ".join(parts))
    return fig
