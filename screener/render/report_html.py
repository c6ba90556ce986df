"""The HTML report (`screener report`, `screen --out FILE.html`): one self-contained page laid out like the
terminal — the comp table as the terminal's two tables (targets and ratings; valuation multiples: the columns of
:func:`screener.render.tables.comp_tables`), then every column in one table that scrolls sideways (declared with
``data-scrollable``; the ticker column stays in view) — with group bands and aggregate rows with n, the drift
findings, the oxide correlation table, the charts full width as inline PNGs (each a link to its full-size view
on the page), a *Not shown* list of the charts that could not be drawn, sources and FX, and the flags
explained. On a phone (≤ 640 px) each row of a table that is not declared scrollable is stacked: its cells one
under the other, each labelled with its column. Jinja2 templates in the package, autoescaped; numbers formatted
like the terminal table (multiples ``12.3x``, fractions ``35.5%``), NA/NM greyed, house ratings out of band
marked. Pure rendering of a :class:`~screener.app.bundle.ReportBundle` (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screener.core.flags import FLAGS
from screener.models import Cell, CellBlock, CellRow, Mark
from screener.render.cells import comp_cells, correlation_cells
from screener.render.formatting import cell_text
from screener.render.html import DriftSection, png_data_uri, render
from screener.render.portfolio_html import portfolio_section
from screener.render.tables import NTM_TABLE_COLUMNS, REVISION_TABLE_COLUMNS, SCREEN_COLUMNS, comp_tables

if TYPE_CHECKING:
    from screener.app.results import ReportBundle

COMP_COLUMNS = (
    ("ticker", "Ticker"), ("name", "Name"), ("currency", "Ccy"), ("price", "Price"), ("price_date", "Price date"),
    ("market_cap_usd_m", "Mcap US$m"), ("target_price", "TP"), ("upside", "Upside"), ("dividend_yield", "DY"),
    ("etr", "ETR"), ("house_rating", "House"), ("rule_rating", "Rule"), ("in_band", "Band"), ("fy1", "FY1"),
    ("pe_fy1", "P/E FY1"), ("pe_fy2", "P/E FY2"), ("pb_fy1", "P/B FY1"), ("pb_fy2", "P/B FY2"),
    ("ev_ebitda_fy1", "EV/EBITDA FY1"), ("ev_ebitda_fy2", "EV/EBITDA FY2"), ("roe_fy1", "ROE FY1"),
    ("roe_fy2", "ROE FY2"), ("dy_fy1", "DY FY1"), ("dy_fy2", "DY FY2"), ("ytd_change", "YTD"),
    ("pb_pctile", "P/B pctile"), ("pe_pctile", "P/E pctile"), ("pb_z", "P/B z"), ("rev_growth_fy1", "Rev gr. FY1"),
    ("eps_growth_fy1", "EPS gr. FY1"), ("peg_fy1", "PEG FY1"), ("net_debt_to_ebitda_fy1", "ND/EBITDA FY1"),
    ("estimate", "Est"),
    ("flags", "Flags"), ("tags", "Tags"), ("source", "Src"),
)  # fmt: skip
_EST = COMP_COLUMNS.index(("estimate", "Est"))
WEIGHTED_COLUMNS = (*COMP_COLUMNS[:_EST], ("weight", "Weight"), *COMP_COLUMNS[_EST:])
"""With ETF weights in the universe: the weight after ND/EBITDA FY1 (``8.30%``; blank in aggregate rows)."""
FORWARD_METRICS = tuple((c.key, c.header) for c in (*NTM_TABLE_COLUMNS, *REVISION_TABLE_COLUMNS))
"""The NTM multiples and EPS revisions under the terminal's headers (:mod:`screener.render.tables`)."""
FORWARD_COLUMNS = (("ticker", "Ticker"), ("name", "Name"), ("fy1", "FY1"), *FORWARD_METRICS)
"""The third table of the comp section (the same rows), after the terminal's targets and valuation tables:
twelve-month-forward multiples and consensus EPS revisions (METHODS §14)."""
CORRELATION_COLUMNS = (
    ("ticker", "Ticker"), ("name", "Name"), ("series", "Series"), ("n", "n"), ("corr", "Corr"), ("beta", "Beta"),
    ("beta_t_hac", "t (HAC)"), ("r2", "R²"), ("best_lag", "Best lag"), ("start", "From"), ("end", "To"),
    ("status", "Status"),
)  # fmt: skip
MARK_CLASS = {
    Mark.IMPLAUSIBLE: "implausible",
    Mark.OUT_OF_BAND: "out",
    Mark.STALE: "stale",
    Mark.OVERRIDDEN: "overridden",
    Mark.ESTIMATE: "estimate",
}
"""The CSS class of each mark (style.css); the cell's ``title`` says what the mark means."""
WRAPS = ("name", "flags", "tags", "detail")
"""Text columns that may wrap in print."""


@dataclass(frozen=True)
class HtmlCell:
    """A table cell of the page: its text, CSS classes and ``title`` (the meaning of its marks)."""

    text: str
    css: str = ""
    title: str = ""


def html_cell(key: str, cell: Cell) -> HtmlCell:
    """A cell of the cell model as the page shows it: the terminal's text (an implausible yield ``43.0%?``; a band
    ``in``/``OUT``), ``num`` right-aligned numbers, ``na`` for NA/NM (and NR), a class per mark, the marks'
    meaning as the title."""
    text = cell_text(cell, "in", "OUT") if key == "in_band" else cell_text(cell)
    if key in ("flags", "tags"):  # lists: space-separated, as the terminal shows them
        text = text.replace(";", " ")
    classes = ["num"] if cell.kind not in ("text", "rating", "date", "boolean") else []
    if cell.missing or (cell.kind == "rating" and text == "NR"):
        classes.append("na")
    classes += [MARK_CLASS[mark] for mark in sorted(cell.marks)]
    if key in WRAPS:
        classes.append("text")
    return HtmlCell(text, " ".join(classes), cell.note)


def comp_columns(bundle: ReportBundle) -> tuple[tuple[str, str], ...]:
    """The all-columns comp table's (key, header) pairs: with the Weight column when a company has an ETF
    weight."""
    return WEIGHTED_COLUMNS if bundle.report.has_weights else COMP_COLUMNS


def _cells(row: CellRow, columns: tuple[tuple[str, str], ...]) -> list[HtmlCell]:
    return [html_cell(key, row[key]) for key, _ in columns]


def comp_rows(
    bundle: ReportBundle, columns: tuple[tuple[str, str], ...] | None = None, blocks: list[CellBlock] | None = None
) -> list[dict[str, Any]]:
    """A comp table as rows for the template: per group a band row, its companies, its statistic rows and the
    n row (companies counted, and excluded, per column) — the cell model's rows (``blocks``: built once per
    page), in ``columns`` (cell key, header; default: every column)."""
    columns = columns or comp_columns(bundle)
    rows: list[dict[str, Any]] = []
    for block in blocks if blocks is not None else comp_cells(bundle.report):
        rows.append({"kind": "band", "label": block.label})
        rows += [
            {"kind": "company" if row.kind == "company" else "agg", "cells": _cells(row, columns)} for row in block.rows
        ]
    return rows


@dataclass(frozen=True)
class CompTable:
    """One comp table of the page: its CSS class, title, headers as (label, css), rows (:func:`comp_rows`) and
    whether it is declared to scroll sideways (every other table fits the page, or is stacked on a phone)."""

    css: str
    title: str
    headers: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    scrollable: bool = False


CHART_SCALE = 1.5
"""The report's charts are drawn at 1.5 × the chart command's pixels (1800 × 1080): sharp at the page's full
width (1,400 px at most), larger in their full-size view."""
IDENTITY_KEYS = ("ticker", "name")
"""Cells that head a stacked row on a phone (no label)."""


def comp_tables_html(bundle: ReportBundle) -> list[CompTable]:
    """The terminal's two comp tables (:func:`screener.render.tables.comp_tables`, default view: the same column
    sets), then every column in one table declared scrollable."""
    blocks = comp_cells(bundle.report)
    tables = []
    for (title, columns), css in zip(comp_tables(bundle.report), ("targets", "valuation"), strict=True):
        pairs = tuple((column.cell or column.key, column.header) for column in columns)
        headers = [(column.header, "num" if column.justify == "right" else "") for column in columns]
        tables.append(CompTable(css, title, headers, comp_rows(bundle, pairs, blocks)))
    tables.append(CompTable("forward", "Twelve months forward", _headers(FORWARD_COLUMNS),
                            comp_rows(bundle, FORWARD_COLUMNS, blocks)))  # fmt: skip
    every = all_columns(bundle)
    rows = comp_rows(bundle, every, blocks)
    tables.append(CompTable("comps", f"All {len(every)} columns", _headers(every), rows, scrollable=True))
    return tables


def _headers(columns: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(label, "num" if key in SCREEN_COLUMNS and SCREEN_COLUMNS[key].justify == "right" else "")
            for key, label in columns]  # fmt: skip


def with_forward(columns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``columns`` with the forward ones (NTM, revisions) before ``Est``: after ND/EBITDA FY1 and the weight, as in
    the workbook."""
    at = columns.index(("estimate", "Est"))
    return (*columns[:at], *FORWARD_METRICS, *columns[at:])


def all_columns(bundle: ReportBundle) -> tuple[tuple[str, str], ...]:
    """Every comp column of the page's all-columns table: :func:`comp_columns` :func:`with_forward`."""
    return with_forward(comp_columns(bundle))


def _correlation_rows(bundle: ReportBundle) -> list[list[HtmlCell]]:
    if bundle.correlation is None:
        return []
    return [_cells(row, CORRELATION_COLUMNS) for row in correlation_cells(bundle.correlation)]


@dataclass(frozen=True)
class Figure:
    """A chart of the page: shown full width, a link to its own full-size view (``#anchor``: the figure itself,
    shown at the PNG's size by the stylesheet's ``:target`` rule; the page stays one self-contained file)."""

    anchor: str
    title: str
    uri: str
    caption: str
    width: int
    height: int


def figures(bundle: ReportBundle) -> list[Figure]:
    """Each chart of the bundle as an inline PNG (matplotlib, imported only here)."""
    from screener.render import charts as ch
    from screener.render.charts_peers import peers_figure

    drawn = []
    peers = bundle.charts.peers
    if peers is not None:
        drawn.append((peers.title, ch.png_bytes(peers_figure(peers), CHART_SCALE), peers.source))
    for band in bundle.charts.pb_bands:
        drawn.append((band.title, ch.png_bytes(ch.band_chart_figure(band), CHART_SCALE), band.source))
    if bundle.charts.financials:
        from screener.render.charts_financials import financials_figure

        for chart in bundle.charts.financials:
            caption = "; ".join([chart.source, *chart.notes])
            drawn.append((chart.title, ch.png_bytes(financials_figure(chart), CHART_SCALE), caption))
    width, height = (round(side * CHART_SCALE) for side in ch.PIXELS)
    return [
        Figure(f"chart-{number}", title, png_data_uri(png), caption, width, height)
        for number, (title, png, caption) in enumerate(drawn, 1)
    ]


def report_html(bundle: ReportBundle) -> str:
    """The whole report as one HTML page."""
    report = bundle.report
    flags_used = sorted({f for block in report.groups for r in block.rows for f in r.flags})
    drift = None
    if bundle.drift is not None:
        result = bundle.drift
        drift = DriftSection(
            result.as_of.isoformat(),
            result.baseline.isoformat() if result.baseline else None,
            result.findings,
            result.warnings,
            result.where,
        )
    fx = [(c, r.per_usd, r.rate_date.isoformat(), r.source, c in report.stale_fx) for c, r in sorted(report.fx.items())]
    companies = sum(len(b.rows) for b in report.groups)
    return render(
        "report.html.j2",
        title=f"Rare-earth peer comparison — as of {report.as_of.isoformat()}",
        subtitle=f"{companies} companies, ranked by {report.sort}; sources: {', '.join(report.sources_used)}",
        where=report.where.summary if report.where else None,
        banners=[*report.banners, *report.problems],
        comp_tables=comp_tables_html(bundle),
        identity=len(IDENTITY_KEYS),
        drift=drift,
        correlation_columns=[label for _, label in CORRELATION_COLUMNS],
        correlation_rows=_correlation_rows(bundle),
        correlation=bundle.correlation,
        figures=figures(bundle),
        not_shown=[chart.line for chart in bundle.charts.skipped],
        fx=fx,
        missing=report.missing,
        notes=bundle.notes,
        flags=[(code, FLAGS.get(code, "")) for code in flags_used],
        portfolio=portfolio_section(bundle.portfolio),
    )
