"""The workbook's *Portfolio* sheet (``--portfolio FILE``): the sections of ``screener portfolio`` one under the
other, from the same records (:func:`screener.render.portfolio.sections`), numbers as numbers (weights ``0.00%``,
multiples ``0.0x``, returns ``0.0%``; the coverage row a weight), NA/NM grey, every text cell cleaned and
formula-safe (:func:`screener.render.workbook_style.text`). It prints like every sheet (landscape A4, one page
wide, footer: :mod:`screener.render.workbook_print`), its first header row and Ticker and Name repeated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screener.app.portfolio_results import PortfolioReport
from screener.render.portfolio import MULTIPLES, WEIGHT_COLUMNS, Record, sections
from screener.render.workbook_print import titles
from screener.render.workbook_style import MULTIPLE_FORMAT, PERCENT_FORMAT, PORTFOLIO, Styles, text, write_number

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

WEIGHT_FORMAT = "0.00%"
WIDTHS = {"ticker": 12, "name": 30, "group": 14, "flags": 40, "row_type": 11}


def _format(record: Record, column: str) -> str:
    if column in WEIGHT_COLUMNS or record["row_type"] == "coverage":
        return WEIGHT_FORMAT
    return MULTIPLE_FORMAT if column in MULTIPLES else PERCENT_FORMAT


def _write(sheet: Worksheet, r: int, c: int, record: Record, column: str, styles: Styles) -> None:
    value = record[column]
    if isinstance(value, str):
        sheet.write_string(r, c, text(value))
    else:  # a number, NA/NM (grey) or None (blank)
        write_number(sheet, r, c, value, styles.number(_format(record, column)), styles.missing)


def portfolio_sheet(book: Workbook, report: PortfolioReport, styles: Styles) -> None:
    """Title and provenance, then each section (title, header, rows; *Not included* always, ``none`` when empty)
    and the banners."""
    sheet = book.add_worksheet(PORTFOLIO)
    sheet.write_string(0, 0, text(f"Portfolio {report.file} — as of {report.as_of.isoformat()}"), styles.title)
    sheet.write_string(
        1,
        0,
        text(
            f"Weights read as {report.basis}; benchmark: {report.benchmark or 'none'}. Summary rows: weighted harmonic "
            "mean for P/E, P/B, EV/EBITDA, weighted mean otherwise, NA/NM left out and the weights renormalised; "
            "coverage = the weight each statistic covers (METHODS §12)."
        ),
        styles.note,
    )
    for c in range(18):
        sheet.set_column(c, c, 11)
    r = 3
    first_header = None
    for title, columns, rows in sections(report):
        sheet.write_string(r, 0, text(title), styles.section)
        r += 1
        for c, column in enumerate(columns):
            sheet.write_string(r, c, column, styles.header)
            sheet.set_column(c, c, max(WIDTHS.get(column, 11), 11))
        first_header = r if first_header is None else first_header
        r += 1
        for record in rows:
            for c, column in enumerate(columns):
                _write(sheet, r, c, record, column, styles)
            r += 1
        if not rows:
            sheet.write_string(r, 0, "none", styles.note)
            r += 1
        r += 1
    sheet.write_string(r, 0, "Notes", styles.section)
    for line in report.banners or ["none"]:
        r += 1
        sheet.write_string(r, 0, text(line), styles.plain if report.banners else styles.note)
    titles(sheet, first_header if first_header is not None else 0, 2)  # the holdings' header; Ticker and Name
