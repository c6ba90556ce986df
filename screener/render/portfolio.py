"""``screener portfolio`` rendered: the records every surface shows (:func:`records`, one per CSV row, built once
from the report), the CSV (the header of issue #24, formula-safe), the JSON and the terminal table.

Row types: ``holding`` (a name held), ``not_held`` (a benchmark name the book does not hold: weight 0), the
summary rows ``portfolio``, ``benchmark`` and ``active`` (the statistics), ``coverage`` (the weight each
statistic covers; ``name`` says portfolio or benchmark), ``group`` and ``exposure`` (weights by peer group and
oxide exposure, in ``group``), ``oxide_beta`` (per stored oxide series: the weight with a beta, and the betas as
``beta=…;benchmark_beta=…;active_beta=…`` in ``flags``), ``sell`` (holdings the rules rate Sell),
``buy_not_held`` (benchmark names not held the rules rate Buy) and ``not_included`` (names left out, why in
``flags``).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from screener.app.portfolio_results import PortfolioLine, PortfolioReport
from screener.core.values import Missing, Value
from screener.render.export import raw_number, safe_text
from screener.render.formatting import multiple, percent, printable, weight

CSV_COLUMNS = [
    "row_type", "ticker", "name", "group", "weight", "benchmark_weight", "active_weight", "house_rating",
    "rule_rating", "etr", "upside", "pe_fy1", "pb_fy1", "ev_ebitda_fy1", "roe_fy1", "dy_fy1", "ytd_change", "flags",
]  # fmt: skip
"""The portfolio CSV (issue #24), in this order."""
NUMBER_COLUMNS = ("weight", "benchmark_weight", "active_weight", "etr", "upside", "pe_fy1", "pb_fy1",
                  "ev_ebitda_fy1", "roe_fy1", "dy_fy1", "ytd_change")  # fmt: skip
MULTIPLES = ("pe_fy1", "pb_fy1", "ev_ebitda_fy1")
STATS = ("etr", "upside", "pe_fy1", "pb_fy1", "ev_ebitda_fy1", "roe_fy1", "dy_fy1", "ytd_change")

Record = dict[str, Value | str | None]
"""A row by CSV column: numbers as floats/NA/NM, text as text, None empty."""


def _line(kind: str, line: PortfolioLine) -> Record:
    row = line.row
    record: Record = {
        "row_type": kind,
        "ticker": line.ticker,
        "name": row.company.name,
        "group": line.group,
        "weight": line.weight,
        "benchmark_weight": line.benchmark_weight,
        "active_weight": line.active_weight,
        "house_rating": line.house_rating,
        "rule_rating": line.rule_rating,
        "flags": ";".join(row.flags),
    }
    record.update({c: line.value(c) for c in STATS})
    return record


def _empty(kind: str, **values: Value | str | None) -> Record:
    record: Record = dict.fromkeys(CSV_COLUMNS)
    record["row_type"] = kind
    record.update(values)
    return record


def _weight(value: Value) -> float:
    return float(value) if isinstance(value, float | int) else 0.0


def records(report: PortfolioReport) -> list[Record]:
    """Every row of the view, in order (module docstring); the numbers are the report's, never recomputed."""
    held = sorted(report.held, key=lambda ln: -_weight(ln.weight))
    others = sorted((ln for ln in report.lines if not ln.held), key=lambda ln: -_weight(ln.benchmark_weight))
    out = [_line("holding", ln) for ln in held] + [_line("not_held", ln) for ln in others]
    column_of = {"portfolio": "weight", "benchmark": "benchmark_weight"}
    for kind, stats in report.summary.items():
        record = _empty(kind, name=f"{kind} (weighted)")
        record.update(stats)
        if kind in column_of:
            record[column_of[kind]] = report.included[kind]
        out.append(record)
    for side, covered in report.coverage.items():
        record = _empty("coverage", name=side)
        record.update({c: w.covered for c, w in covered.items()})
        record[column_of[side]] = report.included[side]
        out.append(record)
    for kind, rows in (("group", report.groups), ("exposure", report.exposures)):
        for weights in rows:
            record = _empty(kind, group=weights.key, weight=weights.weight)
            record.update(benchmark_weight=weights.benchmark_weight, active_weight=weights.active_weight)
            out.append(record)
    for beta in report.betas:
        record = _empty("oxide_beta", name=beta.series, weight=beta.covered, flags=beta.text)
        if report.benchmark is not None:
            record["benchmark_weight"] = beta.benchmark_covered
        out.append(record)
    out += [_line("sell", ln) for ln in report.sells]
    out += [_line("buy_not_held", ln) for ln in report.buys_not_held]
    for missing in report.not_included:
        where = f"{missing.side} line {missing.line}" if missing.line is not None else missing.side
        record = _empty("not_included", ticker=missing.ticker or None, name=missing.code)
        record[column_of[missing.side]] = missing.weight
        record["flags"] = f"{where}: {missing.reason}"
        out.append(record)
    return out


def _csv_cell(value: Value | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return raw_number(value)


def to_csv(report: PortfolioReport) -> str:
    """The portfolio CSV: raw fractions, NA/NM literal, text formula-safe (``'`` before ``= + - @``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records(report):
        writer.writerow([_csv_cell(record[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _json_cell(value: Value | str | None) -> Any:
    if isinstance(value, Missing):
        return value.value
    return value


def to_json(report: PortfolioReport) -> str:
    """JSON: meta (as-of, file, how weights were read, benchmark, banners, stale FX) and the CSV records."""
    payload = {
        "meta": {
            "as_of": report.as_of.isoformat(),
            "file": report.file,
            "weights": report.basis,
            "benchmark": report.benchmark,
            "banners": report.banners,
            "stale_fx": sorted(report.stale_fx),
            "oxide_betas": [
                {
                    "series": b.series,
                    "portfolio": _json_cell(b.portfolio),
                    "portfolio_coverage": b.covered,
                    "benchmark": _json_cell(b.benchmark),
                    "benchmark_coverage": b.benchmark_covered if report.benchmark is not None else None,
                    "active": _json_cell(b.active),
                }
                for b in report.betas
            ],
        },
        "rows": [{c: _json_cell(r[c]) for c in CSV_COLUMNS} for r in records(report)],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


WEIGHT_COLUMNS = ("weight", "benchmark_weight", "active_weight")


def shown(record: Record, column: str) -> str:
    """A record's cell as the terminal table and the HTML report show it: multiples ``12.3x``, weights (and the
    ``coverage`` row, a weight) ``8.30%``, returns in percent, NA/NM as such, flags space-separated (they wrap)."""
    value = record[column]
    if value is None:
        return ""
    if isinstance(value, str):
        return printable(value).replace(";", " ") if column == "flags" else printable(value)
    if isinstance(value, Missing):
        return value.value
    if column in WEIGHT_COLUMNS or record["row_type"] == "coverage":
        return weight(value)
    return multiple(value) if column in MULTIPLES else percent(value)


TABLE_TITLES = {
    "holding": "Holdings",
    "not_held": "Benchmark names not held",
    "summary": "Summary (weighted; coverage = weight covered)",
    "group": "Weights by peer group",
    "exposure": "Weights by oxide exposure",
    "oxide_beta": "Beta to each stored oxide series (weighted; coverage = weight with a beta)",
    "sell": "Holdings the rules rate Sell",
    "buy_not_held": "Benchmark names not held the rules rate Buy",
    "not_included": "Not included",
}
_SECTION = {"portfolio": "summary", "benchmark": "summary", "active": "summary", "coverage": "summary"}
_COLUMNS = {
    "holding": ["ticker", "name", "weight", "benchmark_weight", "active_weight", "house_rating", "rule_rating",
                "etr", "pe_fy1", "pb_fy1", "roe_fy1", "dy_fy1", "ytd_change", "flags"],
    "summary": ["row_type", "name", "weight", "benchmark_weight", *STATS],
    "group": ["group", "weight", "benchmark_weight", "active_weight"],
    "sell": ["ticker", "name", "weight", "house_rating", "rule_rating", "etr", "upside"],
    "not_included": ["ticker", "name", "weight", "benchmark_weight", "flags"],
}  # fmt: skip
_COLUMNS["oxide_beta"] = ["name", "weight", "benchmark_weight", "flags"]
_COLUMNS["not_held"] = _COLUMNS["holding"]
_COLUMNS["exposure"] = _COLUMNS["group"]
_COLUMNS["buy_not_held"] = ["ticker", "name", "benchmark_weight", "house_rating", "rule_rating", "etr", "upside"]


def sections(report: PortfolioReport) -> list[tuple[str, list[str], list[Record]]]:
    """The records grouped as every document shows them: (title, columns, records), empty sections left out
    except *Not included*, always shown (none: said); the order and keys of :data:`TABLE_TITLES`."""
    grouped: dict[str, list[Record]] = {}
    for record in records(report):
        kind = str(record["row_type"])
        grouped.setdefault(_SECTION.get(kind, kind), []).append(record)
    grouped.setdefault("not_included", [])
    return [(TABLE_TITLES[k], _COLUMNS[k], grouped[k]) for k in TABLE_TITLES if k in grouped]


HEADERS = {
    "row_type": "Row", "ticker": "Ticker", "name": "Name", "group": "Group", "weight": "Weight",
    "benchmark_weight": "Bench wt", "active_weight": "Active wt", "house_rating": "House", "rule_rating": "Rule",
    "etr": "ETR", "upside": "Upside", "pe_fy1": "P/E FY1", "pb_fy1": "P/B FY1", "ev_ebitda_fy1": "EV/EBITDA FY1",
    "roe_fy1": "ROE FY1", "dy_fy1": "DY FY1", "ytd_change": "YTD", "flags": "Flags",
}  # fmt: skip
"""The terminal's column headers (the comp table's words); the CSV and JSON keep the column names."""
NAME_WIDTH = 24
"""A name longer than this is cut with an ellipsis in the terminal (one line per holding); the CSV has it whole."""


def portfolio_view(report: PortfolioReport, banners: bool = True) -> RenderableType:
    """The terminal view: one table per section, the banners under them."""
    title = f"Portfolio {printable(report.file)} as of {report.as_of.isoformat()}"
    parts: list[RenderableType] = [Text(f"{title} (weights: {report.basis}; benchmark: {report.benchmark or 'none'})")]
    for title, columns, rows in sections(report):
        table = Table(title=title, title_justify="left")
        for column in columns:
            justify: Literal["left", "right"] = "right" if column in NUMBER_COLUMNS else "left"
            if column == "name":
                table.add_column(HEADERS[column], no_wrap=True, overflow="ellipsis", max_width=NAME_WIDTH)
            elif column == "flags":
                table.add_column(HEADERS[column], overflow="fold", min_width=12)
            else:
                table.add_column(HEADERS[column], justify=justify)
        for record in rows:
            table.add_row(*(shown(record, c) for c in columns))
        if not rows:
            table.add_row(*(["none"] + [""] * (len(columns) - 1)))
        parts.append(table)
    if banners:
        parts += [Text(printable(b)) for b in report.banners]
    return Group(*parts)


__all__ = ["CSV_COLUMNS", "portfolio_view", "records", "sections", "shown", "to_csv", "to_json"]
