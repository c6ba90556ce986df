"""The PM CSV contract (CLI.md) and JSON renderings of the cell model (:mod:`screener.render.cells`), as text
(the workbook: :mod:`screener.render.workbook`; the command writes the file).

CSV: UTF-8, one header row, one row per company, then each group's aggregate rows. Numbers raw
(fractions for upside, ETR, ROE, yields); ``NA``/``NM`` literal; a text cell starting with ``= + - @``,
tab or CR is prefixed with ``'`` so spreadsheets never execute it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from typing import Any

from screener.app.pm_row import CSV_COLUMNS
from screener.app.screen_results import ScreenReport, WhereOutcome
from screener.core.drift import Finding, RatingRecord
from screener.core.values import Missing, Value
from screener.models import Cell, CellBlock, CellRow
from screener.render.cells import comp_cells, drift_cells

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would treat as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def raw_number(value: Value) -> str:
    """Raw CSV number: up to 10 significant digits, NA/NM literal; a non-finite number is written NA (never
    ``nan`` or ``inf``)."""
    if isinstance(value, Missing):
        return value.value
    number = float(value)
    return format(number, ".10g") if math.isfinite(number) else "NA"


def csv_text(cell: Cell, formula_safe: bool = True) -> str:
    """A cell as CSV text: numbers raw (:func:`raw_number`), ``NA``/``NM`` literal, booleans ``true``/``false``,
    empty as empty; text formula-safe (:func:`safe_text`) unless ``formula_safe`` is False."""
    if cell.missing:
        return cell.state
    if cell.value is None:
        return ""
    if cell.kind == "boolean":
        return "true" if cell.value else "false"
    if isinstance(cell.value, str):
        return safe_text(cell.value) if formula_safe and cell.kind != "date" else cell.value
    return raw_number(float(cell.value))


def json_value(cell: Cell) -> Any:
    """A cell as a JSON value in a comp row: numbers as numbers (counts as integers), ``NA``/``NM`` as strings,
    booleans and empty cells as their CSV text."""
    if cell.missing or cell.value is None or cell.kind == "boolean":
        return csv_text(cell, formula_safe=False)
    if cell.kind == "count":
        return int(float(cell.value))
    return cell.value


def comp_rows(blocks: list[CellBlock]) -> Iterator[CellRow]:
    """The rows of the PM CSV: each group's companies, then its statistic rows (the n row is the table's)."""
    for block in blocks:
        yield from (row for row in block.rows if row.kind != "n")


def record(row: CellRow) -> dict[str, Cell]:
    """A CSV row's cells by contract column: ``row_type`` from the row, the rest from its cells (empty when
    absent)."""
    return {column: Cell(row.kind) if column == "row_type" else row[column] for column in CSV_COLUMNS}


def to_csv(report: ScreenReport) -> str:
    """The PM CSV as text: company rows then each group's aggregate rows (of the whole group)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in comp_rows(comp_cells(report)):
        writer.writerow([csv_text(cell) for cell in record(row).values()])
    return buffer.getvalue()


def to_json(report: ScreenReport) -> str:
    """JSON: meta (as-of, sources, FX, banners), the CSV records (NA/NM as strings), each group's members and
    rows shown, the inputs behind NM multiples, the marked cells, and the counts behind each aggregate."""
    blocks = comp_cells(report)
    rows = [{k: json_value(cell) for k, cell in record(row).items()} for row in comp_rows(blocks)]
    companies = [row for block in blocks for row in block.rows if row.kind == "company"]
    nm_inputs = {  # the input behind each NM (a company cell's only basis)
        row["ticker"].value: {k: cell.basis[1] for k, cell in row.cells.items() if cell.basis is not None}
        for row in companies
    }
    marks = {
        row["ticker"].value: {k: sorted(cell.marks) for k, cell in row.cells.items() if cell.marks} for row in companies
    }
    counts = {
        f"{a.group}:{a.statistic}": {c: {"n": s.n, "excluded": s.excluded} for c, s in a.values.items()}
        for block in report.groups
        for a in block.aggregates
    }
    every = [r for block in report.groups for r in block.rows]
    payload = {
        "as_of": report.as_of.isoformat(),
        "sort": report.sort,
        "sources": report.sources_used,
        "banners": report.banners,
        "fx": {
            c: {
                "per_usd": r.per_usd,
                "date": r.rate_date.isoformat(),
                "source": r.source,
                "stale": c in report.stale_fx,  # the fx_stale rule's decision (core/fx.is_stale)
            }
            for c, r in sorted(report.fx.items())
        },
        "missing": report.missing,
        "where": None if report.where is None else asdict(report.where),
        "groups": {b.group: {"members": b.members, "shown": b.shown, "not_counted": b.not_counted} for b in blocks},
        "estimate_source": {r.ticker: r.estimate_source for r in every},
        "estimate_label": {row["ticker"].value: row["estimate"].value for row in companies},
        "estimate_provider": {r.ticker: r.estimate_provider for r in every if r.estimate_provider},
        "nm_inputs": {t: v for t, v in nm_inputs.items() if v},
        "marks": {t: v for t, v in marks.items() if v},
        "aggregate_counts": counts,
        "rows": rows,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)


DRIFT_COLUMNS = ["as_of", "baseline", "ticker", "name", "finding", "needs_review", "detail"]


def drift_csv(as_of: str, baseline: str | None, findings: list[Finding]) -> str:
    """Drift findings as CSV (formula-safe text), those needing review first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DRIFT_COLUMNS)
    for row in drift_cells(as_of, baseline, findings):
        writer.writerow([csv_text(row[column]) for column in DRIFT_COLUMNS])
    return buffer.getvalue()


def drift_json(
    as_of: str,
    baseline: str | None,
    findings: list[Finding],
    warnings: list[str] | None = None,
    where: WhereOutcome | None = None,
) -> str:
    """Drift findings as JSON, those needing review first (``where``: what ``--where`` kept, else null)."""
    keys = ("ticker", "name", "finding", "needs_review", "detail")
    items = [{k: row[k].value for k in keys} for row in drift_cells(as_of, baseline, findings)]
    payload = {
        "as_of": as_of,
        "baseline": baseline,
        "needs_review": sum(1 for i in findings if i.needs_review),
        "warnings": list(warnings or []),
        "where": None if where is None else asdict(where),
        "findings": items,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


HISTORY_COLUMNS = [
    "as_of", "ticker", "name", "price", "target_price", "etr", "house_rating", "rule_rating", "in_band",
    "flags", "source", "target_set_on",
]  # fmt: skip


def history_csv(rows: list[tuple[date, RatingRecord]]) -> str:
    """Every recorded run as CSV (a readable backup): numbers raw (``NA`` when missing), text formula-safe."""

    def number(value: float | None) -> str:
        return "NA" if value is None else format(value, ".10g")

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for as_of, r in rows:
        writer.writerow(
            [
                as_of.isoformat(), safe_text(r.ticker), safe_text(r.name), number(r.price), number(r.target_price),
                number(r.etr), safe_text(r.house_rating or ""), safe_text(r.rule_rating or ""),
                "" if r.in_band is None else str(r.in_band).lower(), safe_text(r.flags), safe_text(r.source),
                r.target_set_on.isoformat() if r.target_set_on else "",
            ]
        )  # fmt: skip
    return buffer.getvalue()
