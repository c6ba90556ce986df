"""PNG charts (matplotlib, Agg canvas; imported only by the ``screener chart`` commands).

Functions build a :class:`~matplotlib.figure.Figure` (no pyplot, no global state) and :func:`png_bytes`
renders it as PNG bytes at a fixed pixel size (``FIGSIZE`` × ``DPI``: 1200 × 720); the command writes the file.
Every chart has a title, axis labels with units, and a footer with the source and the as-of date.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from screener.core.values import Missing

if TYPE_CHECKING:
    import pandas as pd

    from screener.app.results import PbBandChart
    from screener.core.valuation import BandStats

FIGSIZE = (12.0, 7.2)
DPI = 100
PIXELS = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))
LINE = "#1f4e79"
BAND_STYLES = ((1, "--", "#2e7d32"), (2, ":", "#ef6c00"), (3, "-.", "#c62828"))


def _figure() -> Figure:
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.07, right=0.86, top=0.9, bottom=0.16)
    return fig


FOOTER_CHARS = 180
"""Characters per footer line at 8 pt on the 1200-px figure (wrapped here: matplotlib's own wrap can overrun)."""


def _footer(fig: Figure, text: str) -> None:
    import textwrap

    lines = textwrap.wrap(text, FOOTER_CHARS, break_long_words=False) or [""]
    fig.text(0.01, 0.015, "\n".join(lines), fontsize=8, color="#555555", ha="left", va="bottom")


def _fmt(value: float | Missing) -> str:
    return str(value) if isinstance(value, Missing) else f"{value:.1f}x"


def pb_band_figure(
    pb: pd.Series,
    band: BandStats,
    *,
    title: str,
    since: date,
    source: str,
    as_of: date,
    multiple: str = "pb",
    from_book_values: bool = True,
) -> Figure:
    """The P/B (or P/E, ``multiple="pe"``) band: daily point-in-time P/B, the window mean and ±1/2/3 sd lines
    (labelled at the right edge with their multiples), the window start, and the current point labelled with
    z-score and percentile."""
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    label = "P/E" if multiple == "pe" else "P/B"
    if multiple == "pb" and from_book_values:
        line = "P/B (close ÷ BVPS published by that day)"
    else:
        line = f"{label} (stored daily series)"
    ax.plot(pb.index, pb.to_numpy(), color=LINE, linewidth=1.1, label=line)
    mean, sd = band.mean, band.sd
    if not isinstance(mean, Missing):
        levels = [(f"mean {_fmt(mean)}", mean, "-", "black")]
        if not isinstance(sd, Missing):
            for k, style, colour in BAND_STYLES:
                levels.append((f"+{k} sd {_fmt(mean + k * sd)}", mean + k * sd, style, colour))
                levels.append((f"−{k} sd {_fmt(mean - k * sd)}", mean - k * sd, style, colour))
        low, high = float(np.nanmin(pb.to_numpy())), float(np.nanmax(pb.to_numpy()))
        for text, level, style, colour in levels:
            if level < 0:
                continue
            ax.axhline(level, linestyle=style, color=colour, linewidth=1.0)
            ax.annotate(
                text, xy=(1.005, level), xycoords=("axes fraction", "data"), va="center", fontsize=9, color=colour
            )
        ax.set_ylim(max(0.0, min(low, *(lv for _, lv, _, _ in levels if lv >= 0)) * 0.95), max(high, mean) * 1.05)
    if band.start is not None:
        if pb.index[0].date() < band.start:  # history outside the band window: shaded
            ax.axvspan(date2num(pb.index[0]), date2num(band.start), color="#000000", alpha=0.04, linewidth=0)
        ax.axvline(date2num(band.start), color="#999999", linewidth=0.8, linestyle=(0, (2, 2)))
        ax.annotate(
            f" band window from {band.start}",
            xy=(band.start, 1.0),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize=8,
            color="#666666",
        )
    if not isinstance(band.current, Missing) and band.end is not None:
        ax.scatter([date2num(band.end)], [band.current], s=60, color="#c62828", zorder=5)
        z = "NA" if isinstance(band.z_score, Missing) else f"{band.z_score:+.2f}"
        pct = "NA" if isinstance(band.percentile, Missing) else f"{band.percentile * 100:.0f}%"
        ax.annotate(
            f"current {band.current:.2f}x ({band.end})\nz-score {z}, percentile {pct}",
            xy=(band.end, band.current),
            xytext=(-12, 28),
            textcoords="offset points",
            ha="right",
            fontsize=9,
            color="#c62828",
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#c62828", "alpha": 0.9},
            arrowprops={"arrowstyle": "-", "color": "#c62828"},
        )
    ax.set_title(title, fontsize=13, loc="left")
    per_share = "trailing earnings" if multiple == "pe" else "book value"
    ax.set_ylabel(f"{label} (x, price ÷ {per_share} per share)")
    ax.set_xlabel("Date (trading days)")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", fontsize=9, frameon=False, bbox_to_anchor=(0.0, 0.95))
    n = f"{band.n:,} trading days" if band.n else "no points"
    _footer(
        fig,
        f"Source: {source}. Band: mean ± k·sd (sample sd) of daily {label} from {since} ({n}); "
        f"book values point in time (used from their report date). As of {as_of}.",
    )
    return fig


def band_chart_figure(chart: PbBandChart) -> Figure:
    """:func:`pb_band_figure` of a gathered band (``chart pb-band``, the HTML report)."""
    return pb_band_figure(
        chart.pb,
        chart.band,
        title=chart.title,
        since=chart.since,
        source=chart.source,
        as_of=chart.as_of,
        multiple=chart.multiple,
        from_book_values=chart.from_book_values,
    )


def png_bytes(fig: Figure, scale: float = 1.0) -> bytes:
    """The figure as PNG at its fixed size (no tight bbox, so the size is always ``PIXELS``; ``scale`` × that for a
    sharper image of the same layout)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI * scale)
    return buffer.getvalue()
