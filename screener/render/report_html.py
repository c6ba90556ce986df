"""The HTML report (`screener report`, `screen --out FILE.html`): one self-contained page with the comp table
(group bands, aggregate rows with n, ratings and in-band), the drift findings, the oxide correlation table, the
charts as inline PNGs, sources and FX, and the flags explained. Jinja2 templates in the package, autoescaped;
numbers formatted like the terminal table (multiples ``12.3x``, fractions ``35.5%``), NA/NM greyed, house
ratings out of band marked. Pure rendering of a :class:`~screener.app.bundle.ReportBundle` (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screener.core.flags import FLAGS
from screener.models import Cell, CellRow, Mark
from screener.render.cells import comp_cells, correlation_cells
from screener.render.formatting import cell_text
from screener.render.html import DriftSection, png_data_uri, render
from screener.render.portfolio_html import portfolio_section

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
    """The comp table's (key, header) pairs: with the Weight column when a company has an ETF weight."""
    return WEIGHTED_COLUMNS if bundle.report.has_weights else COMP_COLUMNS


def _cells(row: CellRow, columns: tuple[tuple[str, str], ...]) -> list[HtmlCell]:
    return [html_cell(key, row[key]) for key, _ in columns]


def comp_rows(bundle: ReportBundle) -> list[dict[str, Any]]:
    """The comp table as rows for the template: per group a band row, its companies, its statistic rows and the
    n row (companies counted, and excluded, per column) — the cell model's rows."""
    columns = comp_columns(bundle)
    rows: list[dict[str, Any]] = []
    for block in comp_cells(bundle.report):
        rows.append({"kind": "band", "label": block.label})
        rows += [
            {"kind": "company" if row.kind == "company" else "agg", "cells": _cells(row, columns)} for row in block.rows
        ]
    return rows


def _correlation_rows(bundle: ReportBundle) -> list[list[HtmlCell]]:
    if bundle.correlation is None:
        return []
    return [_cells(row, CORRELATION_COLUMNS) for row in correlation_cells(bundle.correlation)]


@dataclass(frozen=True)
class Figure:
    title: str
    uri: str
    caption: str


def figures(bundle: ReportBundle) -> list[Figure]:
    """Each chart of the bundle as an inline PNG (matplotlib, imported only here)."""
    from screener.render import charts as ch
    from screener.render.charts_peers import peers_figure

    out = []
    peers = bundle.charts.peers
    if peers is not None:
        out.append(Figure(peers.title, png_data_uri(ch.png_bytes(peers_figure(peers))), peers.source))
    for band in bundle.charts.pb_bands:
        out.append(Figure(band.title, png_data_uri(ch.png_bytes(ch.band_chart_figure(band))), band.source))
    if bundle.charts.financials:
        from screener.render.charts_financials import financials_figure

        for chart in bundle.charts.financials:
            caption = "; ".join([chart.source, *chart.notes])
            out.append(Figure(chart.title, png_data_uri(ch.png_bytes(financials_figure(chart))), caption))
    return out


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
        comp_columns=[label for _, label in comp_columns(bundle)],
        comp_rows=comp_rows(bundle),
        drift=drift,
        correlation_columns=[label for _, label in CORRELATION_COLUMNS],
        correlation_rows=_correlation_rows(bundle),
        correlation=bundle.correlation,
        figures=figures(bundle),
        chart_notes=bundle.charts.notes,
        fx=fx,
        missing=report.missing,
        notes=bundle.notes,
        flags=[(code, FLAGS.get(code, "")) for code in flags_used],
        portfolio=portfolio_section(bundle.portfolio),
    )
