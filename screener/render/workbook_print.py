"""How the workbook prints: every sheet landscape on A4, scaled to one page wide (as many pages down as it
takes), with narrow margins and a footer giving the report's as-of date, the sheet and ``Page n of m``; each
sheet's header rows and identity columns (ticker and name) repeated on every printed page (:func:`titles`,
called by the sheet that knows them). Pure rendering, called by :func:`screener.render.workbook.to_xlsx_bytes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

A4 = 9
"""XlsxWriter's (and Excel's) paper code for A4."""
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}
"""Page margins in inches (about 1.0 cm at the sides, 1.3 cm above, 1.5 cm below for the footer)."""
FOOTER_MARGIN = 0.25
"""The footer's distance from the bottom edge, in inches."""


def footer(as_of_text: str) -> str:
    """The footer: the as-of line at the left, the sheet's name in the middle, ``Page n of m`` at the right (an
    ``&`` of the text doubled, as the footer codes need)."""
    return f"&L{as_of_text.replace('&', '&&')}&C&A&RPage &P of &N"


def titles(sheet: Worksheet, header_row: int, identity_columns: int) -> None:
    """Repeat ``header_row`` (0-based) and the first ``identity_columns`` columns on every printed page."""
    sheet.repeat_rows(header_row)
    if identity_columns:
        sheet.repeat_columns(0, identity_columns - 1)


def page_setup(book: Workbook, as_of_text: str) -> None:
    """Every sheet of ``book``: landscape, A4, one page wide, the margins and the footer."""
    for sheet in book.worksheets():
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(**MARGINS)
        sheet.set_footer(footer(as_of_text), {"margin": FOOTER_MARGIN})
