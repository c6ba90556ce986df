"""The PM CSV contract (CLI.md: its columns, :data:`CSV_COLUMNS`) and one company's cells keyed by those columns
(:func:`company_cells`): the cell model of a company row, built once, that every surface renders (terminal table,
CSV, JSON, workbook, HTML) and ``--where`` reads (:mod:`screener.app.where`). Pure: no I/O, no rich, no clock.

Values: a number stays raw (a fraction is 0.355, shown 35.5%); a non-finite float becomes NA; NA and NM keep their
state. Marks, from the row's flags (decided in :mod:`screener.core.flags`): a yield failing the payout check is
``implausible`` (``dy_implausible``), a house rating outside its band ``out_of_band`` (the house rating and the
band cells), a stale price or target ``stale``, a P/B-band or consensus target ``overridden``, a market cap from
the snapshot's share count ``estimate``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from screener.app.screen_results import MULTIPLE_COLUMNS, CompanyRow
from screener.core.flags import FLAGS
from screener.core.ntm import NTM_COLUMNS
from screener.core.revisions import REVISION_COLUMNS
from screener.core.values import Missing, Value
from screener.models import Cell, CellKind, CellRow, Mark

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
    "pe_ntm",
    "pb_ntm",
    "ev_ebitda_ntm",
    "roe_ntm",
    "dy_ntm",
    "eps_rev_1m",
    "eps_rev_3m",
    "tags",
]
"""The PM CSV contract (CLI.md), then columns appended by later versions (never reordered)."""
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
PRICE_COLUMNS = ("price", "target_price")
"""The numeric columns in the company's own currency (2 decimals, 0 in yen): numbers besides :data:`NUMERIC`."""
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
