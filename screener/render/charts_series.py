"""Time-series charts: the stock against an oxide price (``chart oxide``) and the rating history
(``chart rating-history``). Same canvas, size and footer as :mod:`screener.render.charts`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from screener.core.rebase import rebase_to_100
from screener.render.charts import DPI, FIGSIZE, LINE, _figure, _footer

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

OXIDE_COLOUR = "#ef6c00"


def rebased_axis(ax: Axes, lines: Sequence[tuple[pd.Series, str, str, str]], first: date, *, log: bool) -> None:
    """Series already rebased to 100 on ``first`` drawn on one axis: each (values, label, colour, line style),
    the 100 reference line, the y label naming the base date, a log scale with ``log``."""
    for values, label, colour, style in lines:
        ax.plot(values.index, values.to_numpy(), color=colour, linestyle=style, linewidth=1.2, label=label)
    ax.axhline(100.0, color="#999999", linewidth=0.8, linestyle=(0, (2, 2)))
    ax.set_ylabel(f"rebased, {first} = 100" + (" (log scale)" if log else ""))
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())  # 50, 100, 200 rather than 10^2
        ax.yaxis.set_minor_formatter(ScalarFormatter())


def oxide_figure(
    levels: pd.DataFrame,
    rolling: pd.Series,
    *,
    title: str,
    stock_label: str,
    oxide_label: str,
    window: int,
    freq: str,
    full_sample_corr: float | None,
    source: str,
    as_of: date,
    log: bool = False,
    two_axes: bool = False,
) -> Figure:
    """Stock and oxide rebased to 100 at the first common period on one axis (``log``: a log scale), or with
    ``two_axes`` their price levels each on its own axis; a lower panel with the rolling correlation of period
    log returns (with the full-sample correlation as a reference line)."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1.0], "hspace": 0.08})
    fig.subplots_adjust(left=0.07, right=0.9, top=0.9, bottom=0.16)
    first = levels.index[0].date()
    if two_axes:
        top.plot(levels.index, levels["stock"].to_numpy(), color=LINE, linewidth=1.2, label=stock_label)
        right = top.twinx()
        right.plot(levels.index, levels["oxide"].to_numpy(), color=OXIDE_COLOUR, linewidth=1.2, label=oxide_label)
        top.set_ylabel(stock_label, color=LINE)
        right.set_ylabel(oxide_label, color=OXIDE_COLOUR)
        top.tick_params(axis="y", colors=LINE)
        right.tick_params(axis="y", colors=OXIDE_COLOUR)
        handles = top.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        if log:
            top.set_yscale("log")
            right.set_yscale("log")
    else:
        rebased = rebase_to_100(levels, levels.index[0])
        lines = [(rebased["stock"], stock_label, LINE, "-"), (rebased["oxide"], oxide_label, OXIDE_COLOUR, "-")]
        rebased_axis(top, lines, first, log=log)
        handles = top.get_legend_handles_labels()[0]
    top.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=9, frameon=False)
    top.grid(True, alpha=0.25)
    top.set_title(title, fontsize=13, loc="left")
    period = {"W": "weeks", "M": "months"}.get(freq, "periods")
    bottom.plot(rolling.index, rolling.to_numpy(), color="#6a1b9a", linewidth=1.1)
    bottom.axhline(0.0, color="black", linewidth=0.8)
    if full_sample_corr is not None and np.isfinite(full_sample_corr):
        bottom.axhline(full_sample_corr, color="#6a1b9a", linestyle="--", linewidth=0.9)
        bottom.annotate(
            f"full sample {full_sample_corr:+.2f}",
            xy=(1.005, full_sample_corr),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=9,
            color="#6a1b9a",
        )
    bottom.set_ylim(-1.0, 1.0)
    bottom.set_ylabel(f"rolling corr\n({window} {period}, log returns)")
    bottom.set_xlabel("Date")
    bottom.grid(True, alpha=0.25)
    _footer(
        fig,
        f"Source: {source}. Both series on the days both have a price; last common quote of each "
        f"{period[:-1]}; correlation of log returns, not of price levels. As of {as_of}.",
    )
    return fig


RATING_COLOURS = {"Buy": "#2e7d32", "Neutral": "#ef6c00", "Sell": "#c62828"}
RATING_MARKERS = {"Buy": "^", "Neutral": "s", "Sell": "v"}


def rating_history_figure(
    prices: pd.Series | None,
    views: list[tuple[date, str, float, str]],
    *,
    title: str,
    currency: str,
    source: str,
    as_of: date,
) -> Figure:
    """The sell-side disclosure chart: the share price, the target price as a step line from each view's date,
    and a marker per rating or target change (▲ Buy, ■ Neutral, ▼ Sell) labelled with rating and target, each
    label kept inside the plot. ``views``: (set_on, rating, target, note), oldest first; ``prices`` may be None
    (targets only)."""
    import pandas as pd

    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    if prices is not None and len(prices):
        ax.plot(prices.index, prices.to_numpy(), color=LINE, linewidth=1.1, label=f"share price ({currency})")
    end = pd.Timestamp(as_of)
    labels = []
    for index, (set_on, rating, target, _note) in enumerate(views):
        start = pd.Timestamp(set_on)
        stop = pd.Timestamp(views[index + 1][0]) if index + 1 < len(views) else end
        colour = RATING_COLOURS.get(rating, "#555555")
        ax.hlines(target, start, stop, colors=colour, linestyles="--", linewidth=1.4,
                  label="target price" if index == 0 else "_nolegend_")  # fmt: skip
        at = prices[prices.index <= start] if prices is not None else None
        y = target  # no price that week: the marker sits on its target
        if at is not None and len(at) and (start - at.index[-1]).days <= 7:
            y = float(at.iloc[-1])
        ax.scatter([start], [y], marker=RATING_MARKERS.get(rating, "o"), s=90, color=colour, zorder=5,
                   edgecolors="white", linewidths=0.8)  # fmt: skip
        labels.append(
            ax.annotate(
                f"{rating}\nTP {target:,.2f}\n{set_on}",
                xy=(start, y),
                xytext=(6, 14 if index % 2 == 0 else -40),
                textcoords="offset points",
                fontsize=8.5,
                color=colour,
            )
        )
    if not views:
        ax.annotate("not rated: no house view", xy=(0.5, 0.5), xycoords="axes fraction", ha="center", fontsize=12)
    else:
        levels = [t for _, _, t, _ in views] + ([float(prices.max())] if prices is not None and len(prices) else [])
        highest = max(levels)
        ax.set_ylim(0, highest * 1.18)  # room for the labels above the highest target
    ax.set_title(title, fontsize=13, loc="left")
    ax.set_ylabel(f"Price ({currency})")
    ax.set_xlabel("Date")
    ax.grid(True, alpha=0.25)
    if views or (prices is not None and len(prices)):
        ax.legend(loc="upper left", fontsize=9, frameon=False)
    keep_inside(ax, labels)
    _footer(
        fig,
        f"Source: {source}. Markers: rating changes (▲ Buy, ■ Neutral, ▼ Sell) at the price of their date (at the "
        f"target when no price is stored then); dashed: the target price in force. As of {as_of}.",
    )
    return fig


def keep_inside(ax: Axes, labels: list[Annotation], margin: float = 2.0) -> None:
    """Move each annotation's text so that its box lies inside the axes: flipped to the left of its point when
    it runs past the right edge, then shifted (in points) by what still sticks out on any side."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    bounds = ax.get_window_extent(renderer)
    to_points = 72.0 / fig.dpi
    for label in labels:
        box = label.get_window_extent(renderer)
        dx, dy = label.xyann
        if box.x1 > bounds.x1 - margin:
            label.set_horizontalalignment("right")
            dx = -abs(dx)
            label.xyann = (dx, dy)
            box = label.get_window_extent(renderer)
        shift_x = max(0.0, bounds.x0 + margin - box.x0) - max(0.0, box.x1 - (bounds.x1 - margin))
        shift_y = max(0.0, bounds.y0 + margin - box.y0) - max(0.0, box.y1 - (bounds.y1 - margin))
        label.xyann = (dx + shift_x * to_points, dy + shift_y * to_points)
