"""The cell model (#20 item 4): each mark decided once from the row's flags, NA/NM kept with the input behind an NM,
the display text of each kind worked by hand; and the marks the bundled snapshot never raises (stale, overridden,
estimate) shown on every surface that shows marks: the terminal's style, JSON, the workbook's font and comment, the
HTML class and title."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest

from screener.app.comptable import CompanyRow
from screener.app.report import GroupBlock, ScreenReport, aggregate_rows
from screener.app.results import ReportBundle
from screener.core.estimates import YearMultiples
from screener.core.flags import FLAGS
from screener.core.ratings import Rating
from screener.core.values import NA, NM
from screener.models import Cell, Company, HouseView, Mark, Quote
from screener.render.cells import company_cells, number_cell
from screener.render.formatting import cell_text

AS_OF = date(2025, 10, 20)
MARKED_FLAGS = ["stale_price", "stale_target", "tp_from_band", "mcap_from_snapshot_shares", "dy_implausible"]


def row(
    flags: list[str], *, in_band: bool | None = False, suspect: bool = True, pe: Any = 20.0, ticker: str = "TST.AX"
) -> CompanyRow:
    """A company row as the comp table computes it: price 50, target 60 (upside 20%), FY1 yield 40% at a P/E of
    20 (payout 8, implausible when ``suspect``), house Buy against a rule Neutral (out of band)."""
    company = Company(ticker, "Test Metals", "Producers", "AUD", "AUD", 12,
                      views=(HouseView(Rating.BUY, 60.0, date(2024, 1, 2)),))  # fmt: skip
    quote = Quote(ticker, 50.0, "AUD", date(2025, 10, 10), "snapshot")
    years = {2025: YearMultiples(pe=pe, dy=0.4, raw={"pe": -0.52}), 2026: YearMultiples(pe=18.0, dy=0.02)}
    return CompanyRow(
        company, quote, 50.0, 1234.4, 60.0, 0.2, 0.4, 0.2, Rating.NEUTRAL, in_band, 2025, years, "house",
        flags, company.views[0], implausible_years=frozenset({2025} if suspect else ()),
    )  # fmt: skip


def test_each_mark_comes_from_its_flag_with_the_flag_s_meaning() -> None:
    cells = company_cells(row(MARKED_FLAGS), AS_OF.isoformat())
    assert cells["price"].marks == {Mark.STALE} and cells["price"].note == FLAGS["stale_price"]
    assert cells["target_price"].marks == {Mark.STALE, Mark.OVERRIDDEN}
    assert cells["target_price"].note == f"{FLAGS['stale_target']}; {FLAGS['tp_from_band']}"
    assert cells["market_cap_usd_m"].marks == {Mark.ESTIMATE}
    assert cells["dividend_yield"].marks == cells["dy_fy1"].marks == {Mark.IMPLAUSIBLE}
    assert cells["dy_fy1"].note == FLAGS["dy_implausible"]
    assert cells["dy_fy2"].marks == frozenset()  # only FY1 failed the payout check
    assert cells["house_rating"].marks == cells["in_band"].marks == {Mark.OUT_OF_BAND}
    clean = company_cells(row([], in_band=True, suspect=False), AS_OF.isoformat())
    assert {k: c.marks for k, c in clean.cells.items() if c.marks} == {}
    consensus = company_cells(row(["consensus_target"]), AS_OF.isoformat())
    assert consensus["target_price"].marks == {Mark.OVERRIDDEN}


def test_na_nm_and_non_finite_numbers() -> None:
    nm = company_cells(row([], pe=NM), AS_OF.isoformat())["pe_fy1"]
    assert (nm.state, nm.basis, cell_text(nm)) == ("NM", ("EPS", -0.52), "NM (EPS -0.52)")
    na = company_cells(row([], pe=NA), AS_OF.isoformat())["pe_fy1"]
    assert (na.state, na.basis, cell_text(na)) == ("NA", None, "NA")
    assert number_cell(float("inf"), "multiple", 1).state == "NA" and number_cell(None, "count").state == "NA"
    assert number_cell(float("nan"), "fraction", 1).number is None


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (Cell(0.3551665726, "fraction", decimals=1), "35.5%"),
        (Cell(0.43, "fraction", decimals=1, marks=frozenset({Mark.IMPLAUSIBLE})), "43.0%?"),
        (Cell(0.083, "fraction", decimals=2), "8.30%"),
        (Cell(2421.36, "multiple", decimals=1), "2,421.4x"),
        (Cell(5138.0, "price"), "5,138"),
        (Cell(53.125, "price", decimals=2), "53.12"),  # half to even, as Python formats 53.125
        (Cell(26944.4, "amount"), "26,944"),
        (Cell(0.5, "number", decimals=2, signed=True), "+0.50"),
        (Cell(4.6849, "number", decimals=2), "4.68"),
        (Cell(3.0, "count", basis=("excluded", 4.0)), "3 (4)"),
        (Cell(-2.0, "count", signed=True), "-2"),
        (Cell(2.0, "count", signed=True), "+2"),
        (Cell(None, "fraction", "NM"), "NM"),
        (Cell(True, "boolean"), "yes"),
        (Cell(None), ""),
    ],
)
def test_display_text_by_hand(cell: Cell, text: str) -> None:
    assert cell_text(cell) == text


def _report() -> ScreenReport:
    companies = [row(MARKED_FLAGS), row([], in_band=True, suspect=False, ticker="CLN.AX")]
    block = GroupBlock("Producers", companies, aggregate_rows("Producers", companies, False), 2)
    return ScreenReport(AS_OF, [block], {}, [], ["snapshot"], "etr", [])


def test_stale_overridden_and_estimate_marks_on_every_surface() -> None:
    from openpyxl import load_workbook

    from screener.render.export import to_json
    from screener.render.report_html import comp_rows
    from screener.render.tables import screen_tables
    from screener.render.workbook import COLUMNS, CSV_FIELDS, TITLE_ROWS, to_xlsx_bytes
    from screener.render.workbook_style import STALE_FONT

    report = _report()
    want = {"price": {"stale"}, "target_price": {"stale", "overridden"}, "market_cap_usd_m": {"estimate"}}
    marks = json.loads(to_json(report))["marks"]["TST.AX"]
    assert {k: set(v) for k, v in marks.items() if k in want} == want

    tables = screen_tables(report)
    header = [s.key for s in tables[0].specs]
    first = tables[0].rows[1].cells  # after the band row
    styles = {key: str(first[header.index(key)].style) for key in want}
    assert styles == {"price": "orange3", "target_price": "cyan orange3", "market_cap_usd_m": "italic"}

    html = comp_rows(ReportBundle(report))[1]["cells"]
    keys = ["ticker", "name", "currency", "price", "price_date", "market_cap_usd_m", "target_price"]
    by_key = dict(zip(keys, html, strict=False))
    assert by_key["price"].css == "num stale" and by_key["price"].title == FLAGS["stale_price"]
    assert by_key["target_price"].css == "num overridden stale"
    assert by_key["market_cap_usd_m"].css == "num estimate"

    book = load_workbook(io.BytesIO(to_xlsx_bytes(ReportBundle(report))))
    sheet = book["Comps"]
    heads = [c.value for c in sheet[TITLE_ROWS + 1]]
    line = next(r for r in sheet.iter_rows(min_row=TITLE_ROWS + 2) if r[0].value == "TST.AX")
    cell = {CSV_FIELDS[h]: line[i] for i, h in enumerate(heads)}
    assert str(cell["price"].font.color.rgb)[-6:] == STALE_FONT.lstrip("#")
    assert str(cell["target_price"].font.color.rgb)[-6:] == STALE_FONT.lstrip("#")  # of two colours, the last mark's
    assert cell["market_cap_usd_m"].font.i and cell["price"].comment.text.startswith(FLAGS["stale_price"])
    assert heads == [c.header for c in COLUMNS]
    book.close()
