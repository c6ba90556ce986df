"""The PM CSV contract (CLI.md) and JSON renderings, written atomically (the workbook: :mod:`screener.render.workbook`).

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
from datetime import date
from pathlib import Path
from typing import Any

from screener.app.comptable import (
    AGGREGATE_COLUMNS,
    CHANGE_COLUMNS,
    MULTIPLE_COLUMNS,
    PERCENTILE_COLUMNS,
    STATEMENT_COLUMNS,
    CompanyRow,
)
from screener.app.report import ScreenReport
from screener.core.drift import Finding, RatingRecord
from screener.core.values import NM, Missing, Value
from screener.fileio import write_atomic

CSV_COLUMNS = [
    "row_type",
    "group",
    "ticker",
    "name",
    "currency",
    "price",
    "price_date",
    "market_cap_usd_m",
    "target_price",
    "upside",
    "dividend_yield",
    "etr",
    "house_rating",
    "rule_rating",
    "in_band",
    "fy1",
    "pe_fy1",
    "pe_fy2",
    "pb_fy1",
    "pb_fy2",
    "ev_ebitda_fy1",
    "ev_ebitda_fy2",
    "roe_fy1",
    "roe_fy2",
    "dy_fy1",
    "dy_fy2",
    "flags",
    "source",
    "as_of",
    "ytd_change",
    "chg_1m",
    "chg_3m",
    "chg_12m",
    "pb_pctile",
    "pe_pctile",
    "pb_z",
    "rev_growth_fy1",
    "eps_growth_fy1",
    "peg_fy1",
    "net_debt_to_ebitda_fy1",
    "weight",
]
"""The PM CSV contract (CLI.md), then columns appended by later versions (never reordered)."""
TEXT_COLUMNS = {"row_type", "group", "ticker", "name", "currency", "house_rating", "rule_rating", "flags", "source"}
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


def _company_record(row: CompanyRow, as_of: str) -> dict[str, Any]:
    c = row.company
    record: dict[str, Any] = {
        "row_type": "company",
        "group": c.group,
        "ticker": c.ticker,
        "name": c.name,
        "currency": c.currency,
        "price": row.price,
        "price_date": row.quote.price_date.isoformat() if row.quote else "NA",
        "market_cap_usd_m": row.market_cap_usd_m,
        "target_price": row.target_price,
        "upside": row.upside,
        "dividend_yield": row.dividend_yield,
        "etr": row.etr,
        "house_rating": row.view.rating.value if row.view else "NR",
        "rule_rating": row.rule_rating.value if row.rule_rating else "NA",
        "in_band": "" if row.in_band is None else ("true" if row.in_band else "false"),
        "fy1": str(row.fy1),
        "flags": ";".join(row.flags),
        "source": row.source,
        "as_of": as_of,
    }
    for column in (*CHANGE_COLUMNS, *PERCENTILE_COLUMNS, *STATEMENT_COLUMNS, "weight"):
        record[column] = row.metric(column)
    for column in MULTIPLE_COLUMNS:
        record[column] = row.metric(column)
    return record


def records(report: ScreenReport) -> Iterator[dict[str, Any]]:
    """Company rows then aggregate rows of each group, as contract-ordered dicts of raw values."""
    as_of = report.as_of.isoformat()
    for block in report.groups:
        for row in block.rows:
            yield _company_record(row, as_of)
        for aggregate in block.aggregates:
            record: dict[str, Any] = {column: "" for column in CSV_COLUMNS}
            record.update(
                row_type=aggregate.statistic,
                group=block.name,
                name=f"{block.name} {aggregate.statistic.replace('_', ' ')}",
                as_of=as_of,
            )
            for column in AGGREGATE_COLUMNS:
                value = aggregate.values[column].value
                record[column] = "" if value is None else value  # None: statistic not computed for this column
            yield record


def _csv_cell(column: str, value: Any) -> str:
    if isinstance(value, Missing) or (isinstance(value, float | int) and not isinstance(value, bool)):
        return raw_number(value)
    text = str(value)
    return safe_text(text) if column in TEXT_COLUMNS else text


def to_csv(report: ScreenReport) -> str:
    """The PM CSV as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records(report):
        writer.writerow([_csv_cell(column, record.get(column, "")) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, Missing):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return "NA"
    return value


def to_json(report: ScreenReport) -> str:
    """JSON: meta (as-of, sources, FX, banners) plus the CSV records with NA/NM as strings and counts."""
    rows = []
    for record in records(report):
        rows.append({k: _json_value(v) for k, v in record.items()})
    counts = {
        f"{a.group}:{a.statistic}": {
            c: {"n": a.values[c].n, "excluded": a.values[c].excluded} for c in AGGREGATE_COLUMNS
        }
        for block in report.groups
        for a in block.aggregates
    }
    estimates = {r.ticker: r.estimate_source for block in report.groups for r in block.rows}
    labels = {r.ticker: r.estimate_text for block in report.groups for r in block.rows}
    providers = {r.ticker: r.estimate_provider for block in report.groups for r in block.rows if r.estimate_provider}
    nm_inputs = {
        r.ticker: {c: r.raw_input(c) for c in MULTIPLE_COLUMNS if r.metric(c) is NM and r.raw_input(c) is not None}
        for block in report.groups
        for r in block.rows
    }
    payload = {
        "as_of": report.as_of.isoformat(),
        "sort": report.sort,
        "sources": report.sources_used,
        "banners": report.banners,
        "fx": {
            c: {"per_usd": r.per_usd, "date": r.rate_date.isoformat(), "source": r.source}
            for c, r in sorted(report.fx.items())
        },
        "missing": report.missing,
        "estimate_source": estimates,
        "estimate_label": labels,
        "estimate_provider": providers,
        "nm_inputs": {t: v for t, v in nm_inputs.items() if v},
        "aggregate_counts": counts,
        "rows": rows,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)


def export(report: ScreenReport, path: Path) -> None:
    """Write the PM CSV, or the workbook of the comp table alone when the path ends in ``.xlsx`` (the full
    workbook: :func:`screener.render.workbook.write_workbook` of a gathered bundle), atomically."""
    if path.suffix.lower() == ".xlsx":
        from screener.app.bundle import ReportBundle
        from screener.render.workbook import write_workbook

        write_workbook(ReportBundle(report), path)
    else:
        write_atomic(path, to_csv(report).encode("utf-8"))


DRIFT_COLUMNS = ["as_of", "baseline", "ticker", "name", "finding", "needs_review", "detail"]


def drift_csv(as_of: str, baseline: str | None, findings: list[Finding]) -> str:
    """Drift findings as CSV (formula-safe text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DRIFT_COLUMNS)
    for item in findings:
        writer.writerow(
            [as_of, baseline or "", safe_text(item.ticker), safe_text(item.name), item.kind,
             str(item.needs_review).lower(), safe_text(item.detail)]
        )  # fmt: skip
    return buffer.getvalue()


def drift_json(as_of: str, baseline: str | None, findings: list[Finding], warnings: list[str] | None = None) -> str:
    """Drift findings as JSON."""
    items = [
        {"ticker": i.ticker, "name": i.name, "finding": i.kind, "needs_review": i.needs_review, "detail": i.detail}
        for i in findings
    ]
    payload = {
        "as_of": as_of,
        "baseline": baseline,
        "needs_review": sum(i.needs_review for i in findings),
        "warnings": list(warnings or []),
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
