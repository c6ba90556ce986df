"""The cell model built once from each result (:class:`~screener.models.Cell`): the comp table (company rows, the
whole group's statistic rows and its n row), the correlation table and the drift findings. Every surface — the
terminal table, CSV, JSON, the workbook and the HTML report — renders these cells; none computes a value or
decides a mark again. Pure: no I/O, no rich, no clock.

A company's cells (values and marks) are built by :func:`screener.app.pm_row.company_cells`, beside the PM CSV's
columns, so that ``--where`` reads the very values every surface shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from screener.app.pm_row import NUMERIC, company_cells, number_cell, text_cell
from screener.app.screen_results import ALL_GROUP, AggregateRow, GroupBlock, ScreenReport
from screener.models import EMPTY, Cell, CellBlock, CellKind, CellRow

if TYPE_CHECKING:
    from screener.app.results import CorrelationReport
    from screener.core.drift import Finding

STAT_LABEL = {"mean": "mean", "median": "median", "harmonic_mean": "harmonic mean"}


def _selection(block: GroupBlock) -> str:
    """`` of 7 (2 shown)`` when only some of the group's members are listed, else empty."""
    return f" of {block.total} ({len(block.rows)} shown)" if _cut(block) else ""


def _cut(block: GroupBlock) -> bool:
    return block.name != ALL_GROUP and len(block.rows) < block.total


def statistic_cells(block: GroupBlock, aggregate: AggregateRow, as_of: str) -> CellRow:
    """A mean, median or harmonic-mean row over the whole group (empty where the statistic is not computed)."""
    cells = {
        "group": text_cell(block.name),
        "name": text_cell(f"{block.name} {STAT_LABEL[aggregate.statistic]}{_selection(block)}"),
        "as_of": Cell(as_of, "date"),
    }
    for column, stat in aggregate.values.items():
        kind, decimals = NUMERIC[column]
        cells[column] = EMPTY if stat.value is None else number_cell(stat.value, kind, decimals)
    return CellRow(aggregate.statistic, cells, block.name)


def n_label(block: GroupBlock) -> str:
    """``Producers n (excl.)``; ``Producers n 7 (2 shown)`` when only some members are listed; ``+1 dual`` when
    members are left out of the statistics (a second listing of an issuer)."""
    label = f"{block.name} n {block.total} ({len(block.rows)} shown)" if _cut(block) else f"{block.name} n (excl.)"
    return label + (f" +{block.not_counted} dual" if block.not_counted else "")


def n_cells(block: GroupBlock, as_of: str) -> CellRow:
    """Per aggregated column: members used (the count) and excluded as NA, NM or a flagged yield (the basis)."""
    cells = {"group": text_cell(block.name), "name": text_cell(n_label(block)), "as_of": Cell(as_of, "date")}
    for column, stat in block.aggregates[0].values.items():
        cells[column] = Cell(float(stat.n), "count", basis=("excluded", float(stat.excluded)))
    return CellRow("n", cells, block.name)


def band_label(block: GroupBlock) -> str:
    """``Producers``, ``Producers (top 3 of 7)``, ``Producers (2 of 7)``; ``All groups`` for the overall block."""
    if block.name == ALL_GROUP:
        return "All groups"
    if not _cut(block):
        return block.name
    return f"{block.name} ({'top ' if block.top else ''}{len(block.rows)} of {block.total})"


def comp_cells(report: ScreenReport) -> list[CellBlock]:
    """The comp table as cells: per group its companies (those listed), its statistic rows and its n row."""
    as_of = report.as_of.isoformat()
    blocks = []
    for block in report.groups:
        rows = [company_cells(row, as_of) for row in block.rows]
        rows += [statistic_cells(block, aggregate, as_of) for aggregate in block.aggregates]
        if block.aggregates:
            rows.append(n_cells(block, as_of))
        blocks.append(CellBlock(block.name, band_label(block), tuple(rows), block.total, len(block.rows),
                                block.not_counted))  # fmt: skip
    return blocks


CORRELATION_COLUMNS: dict[str, tuple[CellKind, int]] = {
    "ticker": ("text", 0), "name": ("text", 0), "series": ("text", 0), "freq": ("text", 0), "n": ("count", 0),
    "start": ("date", 0), "end": ("date", 0), "corr": ("number", 2), "beta": ("number", 2),
    "beta_t_hac": ("number", 2), "r2": ("number", 2), "rolling_corr_last": ("number", 2),
    "rolling_corr_min": ("number", 2), "rolling_corr_max": ("number", 2), "best_lag": ("count", 0),
    "best_lag_corr": ("number", 2), "level_corr": ("number", 2), "status": ("text", 0),
}  # fmt: skip
"""Kind and displayed decimals of each correlation column (``best_lag`` signed: + = the oxide leads)."""


def _correlation_cell(column: str, value: Any) -> Cell:
    kind, decimals = CORRELATION_COLUMNS[column]
    if kind == "text":
        return text_cell("" if value is None or value != value else str(value))
    if kind == "date":
        text = "" if value is None else str(value)
        return Cell(text[:10], "date") if text and text != "NaT" else Cell(None, "date", "NA")
    return number_cell(None if value is None else float(value), kind, decimals, signed=column == "best_lag")


def correlation_cells(report: CorrelationReport) -> list[CellRow]:
    """One row of cells per (company, series) pair, in the report's ranking."""
    return [
        CellRow("pair", {c: _correlation_cell(c, record.get(c)) for c in CORRELATION_COLUMNS})
        for record in report.rows.to_dict(orient="records")
    ]


def drift_cells(as_of: str, baseline: str | None, findings: Iterable[Finding]) -> list[CellRow]:
    """The findings, those needing review first (then by kind and ticker), with the run's dates."""
    dates: Mapping[str, Cell] = {
        "as_of": Cell(as_of, "date"),
        "baseline": Cell(baseline, "date") if baseline else EMPTY,
    }
    return [
        CellRow(
            "finding",
            {
                **dates,
                "ticker": text_cell(item.ticker),
                "name": text_cell(item.name),
                "finding": text_cell(item.kind),
                "needs_review": Cell(item.needs_review, "boolean"),
                "detail": text_cell(item.detail),
            },
        )
        for item in sorted(findings, key=lambda x: (not x.needs_review, x.kind, x.ticker))
    ]
