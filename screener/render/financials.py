"""``screener financials`` rendered: the CSV contract, JSON and the terminal table (fitted, estimates marked
``2025e``). CSV and JSON hold fractions raw, amounts in millions of the reporting currency, NA/NM literal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.text import Text

from screener.app.results import FinancialRow, FinancialsReport, no_figures_note
from screener.core.values import Missing, Value
from screener.render import formatting as f
from screener.render.export import raw_number, safe_text
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View

CSV_COLUMNS = [
    "ticker",
    "name",
    "group",
    "fiscal_year",
    "is_estimate",
    "currency",
    "revenue",
    "revenue_growth",
    "gross_margin",
    "ebitda_margin",
    "ebit_margin",
    "net_margin",
    "fcf",
    "fcf_margin",
    "net_debt_to_ebitda",
    "roe",
    "eps_growth",
    "peg",
    "source",
]
"""The ``financials`` CSV contract (README, docs/CLI.md)."""
METRIC_COLUMNS = CSV_COLUMNS[6:-1]
TEXT_COLUMNS = {"ticker", "name", "group", "currency", "source"}


def records(report: FinancialsReport) -> list[dict[str, Any]]:
    """One dict per company and fiscal year, in CSV order (metrics as Values)."""
    out = []
    for row in report.rows:
        c, m = row.company, row.metrics
        record: dict[str, Any] = {
            "ticker": c.ticker,
            "name": c.name,
            "group": c.group,
            "fiscal_year": m.fiscal_year,
            "is_estimate": m.is_estimate,
            "currency": row.currency,
        }
        record.update({column: m.get(column) for column in METRIC_COLUMNS})
        record["source"] = row.source
        out.append(record)
    return out


def to_csv(report: FinancialsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records(report):
        cells = []
        for column in CSV_COLUMNS:
            value = record[column]
            if column == "is_estimate":
                cells.append("true" if value else "false")
            elif column == "fiscal_year":
                cells.append(str(value))
            elif column in TEXT_COLUMNS:
                cells.append(safe_text(str(value)))
            else:
                cells.append(raw_number(value))
        writer.writerow(cells)
    return buffer.getvalue()


def to_json(report: FinancialsReport) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, Missing):
            return value.value
        if isinstance(value, float):
            text = raw_number(value)
            return float(text) if text != "NA" else "NA"
        return value

    payload = {
        "as_of": report.as_of.isoformat(),
        "years": report.years,
        "without_figures": [c.ticker for c in report.without_figures],
        "notes": report.notes,
        "rows": [{k: plain(v) for k, v in record.items()} for record in records(report)],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _cell(text: str) -> Text:
    return Text(text, style="dim") if text in ("NA", "NM") else Text(text)


def _amount(value: Value) -> str:
    return f.money(value, 0)


def _ratio(value: Value) -> str:
    return f.multiple(value)


def _peg(value: Value) -> str:
    return str(value) if isinstance(value, Missing) else f"{float(value):.2f}"


Cell = Callable[[FinancialRow], Text]
TABLE_COLUMNS: tuple[tuple[Spec, Cell], ...] = (
    (Spec("ticker", "Ticker"), lambda r: Text(r.company.ticker)),
    (Spec("name", "Name", shrink=NAME_MIN), lambda r: Text(r.company.name)),
    (Spec("fiscal_year", "Year", 0, "right"),
     lambda r: Text(r.label, style="cyan" if r.metrics.is_estimate else "")),
    (Spec("currency", "Ccy", 13), lambda r: Text(r.currency)),
    (Spec("revenue", "Revenue m", 1, "right"), lambda r: _cell(_amount(r.metrics.revenue))),
    (Spec("revenue_growth", "Growth", 2, "right"), lambda r: _cell(f.percent(r.metrics.revenue_growth))),
    (Spec("gross_margin", "GM", 10, "right"), lambda r: _cell(f.percent(r.metrics.gross_margin))),
    (Spec("ebitda_margin", "EBITDA mgn", 11, "right"), lambda r: _cell(f.percent(r.metrics.ebitda_margin))),
    (Spec("ebit_margin", "EBIT mgn", 3, "right"), lambda r: _cell(f.percent(r.metrics.ebit_margin))),
    (Spec("net_margin", "Net mgn", 4, "right"), lambda r: _cell(f.percent(r.metrics.net_margin))),
    (Spec("fcf", "FCF m", 5, "right"), lambda r: _cell(_amount(r.metrics.fcf))),
    (Spec("fcf_margin", "FCF mgn", 12, "right"), lambda r: _cell(f.percent(r.metrics.fcf_margin))),
    (Spec("net_debt_to_ebitda", "ND/EBITDA", 6, "right"), lambda r: _cell(_ratio(r.metrics.net_debt_to_ebitda))),
    (Spec("roe", "ROE", 7, "right"), lambda r: _cell(f.percent(r.metrics.roe))),
    (Spec("eps_growth", "EPS gr.", 9, "right"), lambda r: _cell(f.percent(r.metrics.eps_growth))),
    (Spec("peg", "PEG", 8, "right"), lambda r: _cell(_peg(r.metrics.peg))),
    (Spec("source", "Source", 14, wrap=True), lambda r: Text(r.source)),
)  # fmt: skip
TABLE_KEYS = tuple(spec.key for spec, _ in TABLE_COLUMNS)
"""What ``financials --columns`` takes (the CSV names; ticker, name and year always come along)."""


def financials_table(report: FinancialsReport, view: View | None = None) -> FittedTable:
    rows = []
    for index, row in enumerate(report.rows):
        last = index + 1 == len(report.rows) or report.rows[index + 1].company.ticker != row.company.ticker
        cells = [cell(row) for _, cell in TABLE_COLUMNS]
        if index and report.rows[index - 1].company.ticker == row.company.ticker:
            cells[0] = cells[1] = Text("")  # the company named on its first year only
        rows.append(Row(cells, end_section=last))
    title = f"Peer financials — as of {report.as_of.isoformat()} (the last {report.years} fiscal years up to FY3)"
    return FittedTable([spec for spec, _ in TABLE_COLUMNS], rows, view or View(), title=title)


def footer(report: FinancialsReport) -> Text:
    lines = []
    note = no_figures_note(report)
    if note:
        lines.append(note[0].upper() + note[1:] + ".")
    lines.append(
        "Amounts in millions of the reporting currency; 2025e = an estimate. Growth = revenue on the year before; "
        "margins on revenue; ND/EBITDA = net debt / EBITDA; PEG = the year's P/E at today's price over next year's "
        "EPS growth in %. NA = not available, NM = not meaningful (zero or negative denominator: a loss, negative "
        "EBITDA or revenue). Sources: house model > terminal import > Yahoo annual statements."
    )
    return Text("\n".join(lines), style="dim")


def financials_view(report: FinancialsReport, view: View | None = None, banners: bool = True) -> Group:
    """Banners (unless ``banners`` is False: ``--quiet``), the table and its footer."""
    parts: list[Text | FittedTable] = [Text(b, style="bold yellow") for b in report.banners] if banners else []
    if report.rows:
        parts.append(financials_table(report, view))
    parts.append(footer(report))
    return Group(*parts)
