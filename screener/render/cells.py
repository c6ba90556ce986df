"""The cell model built once from each result (:class:`~screener.models.Cell`): the comp table (company rows, the
whole group's statistic rows and its n row), the correlation table and the drift findings. Every surface — the
terminal table, CSV, JSON, the workbook and the HTML report — renders these cells; none computes a value or
decides a mark again. Pure: no I/O, no rich, no clock.

Values: a number stays raw (a fraction is 0.355, shown 35.5%); a non-finite float becomes NA; NA and NM keep their
state. Marks, from the row's flags (decided in :mod:`screener.core.flags`): a yield failing the payout check is
``implausible`` (``dy_implausible``), a house rating outside its band ``out_of_band`` (the house rating and the
band cells), a stale price or target ``stale``, a P/B-band or consensus target ``overridden``, a market cap from
the snapshot's share count ``estimate``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from screener.app.screen_results import ALL_GROUP, MULTIPLE_COLUMNS, AggregateRow, CompanyRow, GroupBlock, ScreenReport
from screener.core.flags import FLAGS
from screener.core.ntm import NTM_COLUMNS
from screener.core.revisions import REVISION_COLUMNS
from screener.core.values import Missing, Value
from screener.models import EMPTY, Cell, CellBlock, CellKind, CellRow, Mark

if TYPE_CHECKING:
    from screener.app.results import CorrelationReport
    from screener.core.drift import Finding

STAT_LABEL = {"mean": "mean", "median": "median", "harmonic_mean": "harmonic mean"}
NUMERIC: dict[str, tuple[CellKind, int]] = {
    "market_cap_usd_m": ("amount", 0),
    "upside": ("fraction", 1),
    "dividend_yield": ("fraction", 1),
    "etr": ("fraction", 1),
    "fy1": ("count", 0),
    **{c: ("multiple", 1) if c.startswith(("pe_", "pb_", "ev_ebitda_")) else ("fraction", 1) for c in MULTIPLE_COLUMNS},
    "ytd_change": ("fraction", 1),
    "chg_1m": ("fraction", 1),
    "chg_3m": ("fraction", 1),
    "chg_12m": ("fraction", 1),
    "pb_pctile": ("fraction", 1),
    "pe_pctile": ("fraction", 1),
    "pb_z": ("number", 2),
    "rev_growth_fy1": ("fraction", 1),
    "eps_growth_fy1": ("fraction", 1),
    "peg_fy1": ("number", 2),
    "net_debt_to_ebitda_fy1": ("multiple", 1),
    "weight": ("fraction", 2),
    **{c: ("multiple", 1) if c.startswith(("pe_", "pb_", "ev_ebitda_")) else ("fraction", 1) for c in NTM_COLUMNS},
    **{c: ("fraction", 1) for c in REVISION_COLUMNS},
}
"""Kind and displayed decimals of each numeric comp column (prices: 2 decimals, 0 in yen)."""
SIGNED = {"pb_z"}
YIELDS = ("dividend_yield", "dy_fy1", "dy_fy2", "dy_ntm")
RAW_LABEL = {"pe": "EPS", "pb": "BVPS", "ev_ebitda": "EBITDA"}
OUT_OF_BAND_NOTE = "the house rating is outside the ETR band of the rule rating (METHODS §1)"


def number_cell(
    value: Value | float | None,
    kind: CellKind,
    decimals: int = 0,
    marks: Iterable[Mark] = (),
    note: str = "",
    signed: bool = False,
    basis: tuple[str, float] | None = None,
) -> Cell:
    """A numeric cell: NA/NM keep their state, a non-finite float (or None) is NA; marks stay with the cell."""
    marked = frozenset(marks)
    if isinstance(value, Missing):
        return Cell(None, kind, value.value, marked, decimals, signed, note, basis)  # type: ignore[arg-type]
    if value is None or not math.isfinite(float(value)):
        return Cell(None, kind, "NA", marked, decimals, signed, note)
    return Cell(float(value), kind, "number", marked, decimals, signed, note)


def text_cell(text: str, kind: CellKind = "text", marks: Iterable[Mark] = (), note: str = "") -> Cell:
    return Cell(text, kind, marks=frozenset(marks), note=note)


def _notes(flags: Iterable[str]) -> str:
    return "; ".join(FLAGS[f] for f in flags if f in FLAGS)


def _marked(row: CompanyRow, *pairs: tuple[str, Mark]) -> tuple[set[Mark], str]:
    """The marks of a cell from the row's flags (``(flag, mark)`` pairs), with the flags' meanings as its note."""
    hits = [(flag, mark) for flag, mark in pairs if flag in row.flags]
    return {mark for _, mark in hits}, _notes(flag for flag, _ in hits)


def _metric(row: CompanyRow, column: str) -> Cell:
    kind, decimals = NUMERIC[column]
    value = row.metric(column)
    if column in YIELDS and row.yield_suspect(column) and not isinstance(value, Missing):
        return number_cell(value, kind, decimals, {Mark.IMPLAUSIBLE}, FLAGS["dy_implausible"])
    raw = row.raw_input(column)
    if isinstance(value, Missing) and value.value == "NM" and raw is not None:
        return number_cell(value, kind, decimals, basis=(RAW_LABEL[column.rpartition("_")[0]], raw))
    return number_cell(value, kind, decimals, signed=column in SIGNED)


def company_cells(row: CompanyRow, as_of: str) -> CellRow:
    """One company's cells, keyed by the PM CSV's column names (plus ``estimate``, the Est label)."""
    c = row.company
    decimals = 0 if c.currency == "JPY" else 2
    out_of_band = {Mark.OUT_OF_BAND} if row.in_band is False else set()
    band_note = OUT_OF_BAND_NOTE if out_of_band else ""
    price_marks, price_note = _marked(row, ("stale_price", Mark.STALE))
    target_marks, target_note = _marked(
        row, ("stale_target", Mark.STALE), ("tp_from_band", Mark.OVERRIDDEN), ("consensus_target", Mark.OVERRIDDEN)
    )
    cap_marks, cap_note = _marked(row, ("mcap_from_snapshot_shares", Mark.ESTIMATE))
    cells: dict[str, Cell] = {
        "group": text_cell(c.group),
        "ticker": text_cell(c.ticker),
        "name": text_cell(c.name),
        "currency": text_cell(c.currency),
        "price": number_cell(row.price, "price", decimals, price_marks, price_note),
        "price_date": Cell(row.quote.price_date.isoformat(), "date") if row.quote else Cell(None, "date", "NA"),
        "market_cap_usd_m": number_cell(row.market_cap_usd_m, "amount", 0, cap_marks, cap_note),
        "target_price": number_cell(row.target_price, "price", decimals, target_marks, target_note),
        "house_rating": text_cell(row.view.rating.value if row.view else "NR", "rating", out_of_band, band_note),
        "rule_rating": text_cell(row.rule_rating.value, "rating") if row.rule_rating else Cell(None, "rating", "NA"),
        "in_band": Cell(row.in_band, "boolean", marks=frozenset(out_of_band), note=band_note),
        "fy1": number_cell(row.fy1, "count"),
        "flags": text_cell(";".join(row.flags)),
        "tags": text_cell(";".join(row.tags)),
        "source": text_cell(row.source),
        "as_of": Cell(as_of, "date"),
        "estimate": text_cell(row.estimate_text),
    }
    for column in NUMERIC:
        if column not in cells:
            cells[column] = _metric(row, column)
    return CellRow("company", cells, c.group)


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
