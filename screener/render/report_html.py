"""The HTML report (`screener report`, `screen --out FILE.html`): one self-contained page with the comp table
(group bands, aggregate rows with n, ratings and in-band), the drift findings, the oxide correlation table, the
charts as inline PNGs, sources and FX, and the flags explained. Jinja2 templates in the package, autoescaped;
numbers formatted like the terminal table (multiples ``12.3x``, fractions ``35.5%``), NA/NM greyed, house
ratings out of band marked. Pure rendering of a :class:`~screener.app.bundle.ReportBundle` (no I/O, no clock)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screener.core.flags import FLAGS
from screener.core.values import Missing
from screener.render.export import records
from screener.render.formatting import weight
from screener.render.html import DriftSection, png_data_uri, render

if TYPE_CHECKING:
    from screener.app.bundle import ReportBundle

PERCENT = {"upside", "dividend_yield", "etr", "roe_fy1", "roe_fy2", "dy_fy1", "dy_fy2", "ytd_change", "pb_pctile",
           "pe_pctile", "rev_growth_fy1", "eps_growth_fy1"}  # fmt: skip
MULTIPLE = {"pe_fy1", "pe_fy2", "pb_fy1", "pb_fy2", "ev_ebitda_fy1", "ev_ebitda_fy2", "net_debt_to_ebitda_fy1"}
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
    ("flags", "Flags"), ("source", "Src"),
)  # fmt: skip
WEIGHTED_COLUMNS = (*COMP_COLUMNS[:-3], ("weight", "Weight"), *COMP_COLUMNS[-3:])
"""With ETF weights in the universe: the weight after ND/EBITDA FY1 (``8.30%``; blank in aggregate rows)."""
TEXT = {
    "ticker", "name", "currency", "price_date", "house_rating", "rule_rating", "in_band", "estimate", "flags", "source"
}  # fmt: skip
CORRELATION_COLUMNS = (
    ("ticker", "Ticker", ""), ("name", "Name", ""), ("series", "Series", ""), ("n", "n", "int"),
    ("corr", "Corr", "2f"), ("beta", "Beta", "2f"), ("t_hac", "t (HAC)", "1f"), ("r2", "R²", "2f"),
    ("best_lag", "Best lag", "int"), ("start", "From", ""), ("end", "To", ""),
)  # fmt: skip


@dataclass(frozen=True)
class Cell:
    text: str
    css: str = ""


def _number(column: str, value: Any) -> Cell:
    if isinstance(value, Missing):
        return Cell(value.value, "num na")
    if value == "" or value is None:
        return Cell("", "num")
    number = float(value)
    if not math.isfinite(number):
        return Cell("NA", "num na")
    if column in PERCENT:
        return Cell(f"{number * 100:.1f}%", "num")
    if column in MULTIPLE:
        return Cell(f"{number:,.1f}x", "num")
    if column == "market_cap_usd_m":
        return Cell(f"{number:,.0f}", "num")
    if column == "fy1":
        return Cell(f"{number:.0f}", "num")
    if column == "weight":
        return Cell(weight(number), "num")
    return Cell(f"{number:,.2f}", "num")


def _comp_cell(column: str, record: dict[str, Any]) -> Cell:
    value = record.get(column, "")
    if column == "in_band":
        return Cell({"true": "in", "false": "OUT"}.get(str(value), ""), "out" if value == "false" else "")
    if column == "house_rating":
        return Cell(str(value), "out" if record.get("in_band") == "false" else ("na" if value == "NR" else ""))
    if column == "fy1" and value not in ("", None):
        return Cell(str(value), "num")
    if column in TEXT:
        text = str(value).replace(";", " ")
        wraps = " text" if column in ("name", "flags") else ""  # may wrap in print
        return Cell(text, ("na" if text in ("NA", "NM") else "") + wraps)
    return _number(column, value)


def _n_row(block: Any, columns: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """Per column ``n (excluded)`` of the group's mean (as the terminal table shows it), or None."""
    mean = next((a for a in block.aggregates if a.statistic == "mean"), None)
    if mean is None:
        return None
    cells = []
    for column, _ in columns:
        stat = mean.values.get(column)
        if column == "name":
            cells.append(Cell(f"{block.name} n (excl.)"))
        elif stat is None or stat.value is None:
            cells.append(Cell(""))
        else:
            cells.append(Cell(f"{stat.n} ({stat.excluded})", "num"))
    return {"kind": "agg", "cells": cells}


def comp_columns(bundle: ReportBundle) -> tuple[tuple[str, str], ...]:
    """The comp table's (key, header) pairs: with the Weight column when a company has an ETF weight."""
    return WEIGHTED_COLUMNS if bundle.report.has_weights else COMP_COLUMNS


def comp_rows(bundle: ReportBundle) -> list[dict[str, Any]]:
    """The comp table as rows for the template: per group a band row, its companies, its aggregate rows and the
    n row (companies counted, and excluded, per column)."""
    rows: list[dict[str, Any]] = []
    columns = comp_columns(bundle)
    blocks = {block.name: block for block in bundle.report.groups}
    group = None

    def close(name: str | None) -> None:
        n_row = _n_row(blocks[name], columns) if name in blocks else None
        if n_row is not None:
            rows.append(n_row)

    estimates = {row.ticker: row.estimate_text for block in bundle.report.groups for row in block.rows}
    for record in records(bundle.report):
        if record["row_type"] == "company":
            record = {**record, "estimate": estimates.get(str(record["ticker"]), "")}
        if record["group"] != group:
            close(group)
            group = record["group"]
            rows.append({"kind": "band", "label": group})
        kind = "company" if record["row_type"] == "company" else "agg"
        cells = [_comp_cell(column, record) for column, _ in columns]
        rows.append({"kind": kind, "cells": cells})
    close(group)
    return rows


def _correlation_rows(bundle: ReportBundle) -> list[list[Cell]]:
    if bundle.correlation is None:
        return []
    from screener.render.correlation import records as correlation_records

    out = []
    for record in correlation_records(bundle.correlation):
        cells = []
        for column, _, fmt in CORRELATION_COLUMNS:
            value = record.get(column)
            if value is None:
                cells.append(Cell(record.get("status") or "NA", "na num" if fmt else "na"))
            elif fmt == "int":
                cells.append(Cell(f"{int(value):d}", "num"))
            elif fmt:
                cells.append(Cell(format(float(value), f".{fmt}"), "num"))
            else:
                cells.append(Cell(str(value)))
        out.append(cells)
    return out


@dataclass(frozen=True)
class Figure:
    title: str
    uri: str
    caption: str


def figures(bundle: ReportBundle) -> list[Figure]:
    """Each chart of the bundle as an inline PNG (matplotlib, imported only here)."""
    from screener.render import charts as ch

    out = []
    peers = bundle.charts.peers
    if peers is not None:
        out.append(Figure(peers.title, png_data_uri(ch.png_bytes(ch.peers_chart_figure(peers))), peers.source))
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
        )
    fx = [(c, r.per_usd, r.rate_date.isoformat(), r.source) for c, r in sorted(report.fx.items())]
    companies = sum(len(b.rows) for b in report.groups)
    return render(
        "report.html.j2",
        title=f"Rare-earth peer comparison — as of {report.as_of.isoformat()}",
        subtitle=f"{companies} companies, ranked by {report.sort}; sources: {', '.join(report.sources_used)}",
        banners=[*report.banners, *report.problems],
        comp_columns=[label for _, label in comp_columns(bundle)],
        comp_rows=comp_rows(bundle),
        drift=drift,
        correlation_columns=[label for _, label, _ in CORRELATION_COLUMNS],
        correlation_rows=_correlation_rows(bundle),
        correlation=bundle.correlation,
        figures=figures(bundle),
        chart_notes=bundle.charts.notes,
        fx=fx,
        missing=report.missing,
        notes=bundle.notes,
        flags=[(code, FLAGS.get(code, "")) for code in flags_used],
    )
