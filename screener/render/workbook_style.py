"""The workbook's sheet names, colours and cell formats, and how a cell of the cell model is written: shared by the
Comps sheet (:mod:`screener.render.workbook`) and the optional sheets (:mod:`screener.render.workbook_sheets`),
which import this module and never each other.

A cell is written as its kind says: numbers as numbers in a format with its decimals (fractions ``0.0%``,
multiples ``0.0x``, amounts and prices ``#,##0``), dates as Excel dates, booleans as booleans (or as the
terminal's words: the band's ``in``/``OUT``), text cleaned of control characters and never read as a formula;
NA/NM as grey text. Marks: an implausible value in red, a stale one in amber, an overridden one in blue, an
estimate in italics, each with its meaning as a comment; a house rating (and the band's ``OUT``) out of band
highlighted.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

from screener.models import Cell, Mark
from screener.render.export import safe_text
from screener.render.formatting import printable

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

COMPS = "Comps"
SOURCES = "Sources & FX"
FLAGS = "Flags"
DRIFT = "Drift"
CORRELATION = "Correlation"
CHARTS = "Charts"
PORTFOLIO = "Portfolio"

MULTIPLE_FORMAT = '#,##0.0"x"'
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
GREY = "#808080"
BAND_FILL = "#1F3864"
AGGREGATE_FILL = "#F2F2F2"
OUT_OF_BAND_FILL = "#FFC7CE"
OUT_OF_BAND_FONT = "#9C0006"
SUSPECT_FONT = "#C00000"
STALE_FONT = "#9C5700"
OVERRIDDEN_FONT = "#1F4E79"
MARK_FORMAT: dict[Mark, dict[str, Any]] = {
    Mark.IMPLAUSIBLE: {"font_color": SUSPECT_FONT},
    Mark.STALE: {"font_color": STALE_FONT},
    Mark.OVERRIDDEN: {"font_color": OVERRIDDEN_FONT},
    Mark.ESTIMATE: {"italic": True},
    Mark.OUT_OF_BAND: {"bold": True, "font_color": OUT_OF_BAND_FONT, "bg_color": OUT_OF_BAND_FILL},
}
"""How a mark shows in a cell (the font or fill added to the cell's own format)."""


def text(value: str) -> str:
    """A text cell: no control characters, never read as a formula."""
    return safe_text(printable(value))


def num_format(cell: Cell) -> str:
    """The Excel number format of a cell: its kind at its decimals."""
    places = "." + "0" * cell.decimals if cell.decimals else ""
    if cell.kind == "fraction":
        return f"0{places}%"
    if cell.kind == "multiple":
        return f'#,##0{places}"x"'
    if cell.kind in ("amount", "price"):
        return f"#,##0{places}"
    return f"0{places}"


class Styles:
    """The workbook's cell formats, created once (XlsxWriter formats belong to one workbook)."""

    def __init__(self, book: Workbook) -> None:
        add = book.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.note = add({"italic": True, "font_color": GREY})
        self.header = add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "center"})
        self.section = add({"bold": True, "font_size": 12})
        self.band = add({"bold": True, "font_color": "#FFFFFF", "bg_color": BAND_FILL})
        self.plain = add({})
        self.missing = add({"font_color": GREY, "align": "right"})
        self.missing_text = add({"font_color": GREY})
        self.missing_aggregate = add({"font_color": GREY, "align": "right", "italic": True, "bg_color": AGGREGATE_FILL})
        self.out_of_band = add(MARK_FORMAT[Mark.OUT_OF_BAND])
        self.date = add({"num_format": DATE_FORMAT, "align": "left"})
        self.formats: dict[tuple[str | None, bool, frozenset[Mark]], Format] = {}
        self._add = add

    def number(self, number_format: str, *, aggregate: bool = False, suspect: bool = False) -> Format:
        """A number format, in an aggregate row (italic, shaded) or marked suspect (red)."""
        return self.marked(number_format, aggregate, frozenset({Mark.IMPLAUSIBLE} if suspect else ()))

    def marked(self, number_format: str | None, aggregate: bool, marks: frozenset[Mark]) -> Format:
        """A format (``number_format`` None: text) in an aggregate row or not, with the look of its marks."""
        key = (number_format, aggregate, marks)
        if key not in self.formats:
            spec: dict[str, Any] = {"num_format": number_format} if number_format else {}
            if number_format == DATE_FORMAT and not aggregate:
                spec["align"] = "left"
            if aggregate:
                spec.update(italic=True, bg_color=AGGREGATE_FILL)
            for mark in sorted(marks):
                spec.update(MARK_FORMAT[mark])
            self.formats[key] = self._add(spec)
        return self.formats[key]


def write_number(sheet: Worksheet, row: int, col: int, value: Any, fmt: Format, missing: Format) -> None:
    """A number (finite float or int) with its format; NA/NM (and a non-finite number, as NA) as grey text."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if math.isfinite(value):
            sheet.write_number(row, col, value, fmt)
        else:
            sheet.write_string(row, col, "NA", missing)
    elif value is None:
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_string(row, col, text(str(getattr(value, "value", value))), missing)


def write_cell(
    sheet: Worksheet,
    r: int,
    c: int,
    cell: Cell,
    styles: Styles,
    aggregate: bool = False,
    words: tuple[str, str] | None = None,
) -> None:
    """One cell of the cell model as its kind says (module docstring); a marked cell gets its note as a comment,
    an NM the input behind it (``NM: EPS -0.52``). ``words``: a boolean written as the terminal's words for true
    and false (the band's ``in``/``OUT``) instead of a spreadsheet boolean, with the cell's marks."""
    if cell.missing:
        grey = styles.missing_aggregate if aggregate else styles.missing
        sheet.write_string(r, c, cell.state, styles.missing_text if cell.kind in ("text", "rating") else grey)
        if cell.basis is not None:
            sheet.write_comment(r, c, f"NM: {cell.basis[0]} {cell.basis[1]:,.2f}")
        return
    value = cell.value
    numeric = isinstance(value, float | int) and not isinstance(value, bool)
    fmt = styles.marked(
        DATE_FORMAT if cell.kind == "date" else num_format(cell) if numeric else None, aggregate, cell.marks
    )
    if value is None:
        sheet.write_blank(r, c, None, fmt)
    elif isinstance(value, bool) and words is not None:
        sheet.write_string(r, c, words[0] if value else words[1], fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(r, c, value, fmt)
    elif cell.kind == "date":
        sheet.write_datetime(r, c, date.fromisoformat(str(value)), fmt)
    elif isinstance(value, str):
        sheet.write_string(r, c, text(value), fmt)
    else:
        sheet.write_number(r, c, value, fmt)
    if cell.note and cell.marks - {Mark.OUT_OF_BAND}:
        sheet.write_comment(r, c, cell.note)
