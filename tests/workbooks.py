"""Real XLSX files for the hostile-input corpus: built with openpyxl, then corrupted at the zip or XML level the
way damaged or crafted files are (a stale dimension, a truncated member, a bad CRC, a DTD, a 40 MB comment ...)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

SHEET = "xl/worksheets/sheet1.xml"
PRICES = [["date", "close"], ["2021-01-04", 10.5], ["2021-01-05", 11.0], ["2021-01-06", 11.5], ["2021-01-07", 12.0]]


def workbook(rows: Sequence[Sequence[Any]] = PRICES) -> bytes:
    """An XLSX (first sheet ``rows``) as openpyxl writes it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(
    data: bytes, edit: Callable[[str, bytes], bytes | None], *, method: int = zipfile.ZIP_DEFLATED
) -> bytes:  # fmt: skip
    """The archive with each member passed through ``edit`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", method) as target:
        for info in source.infolist():
            body = edit(info.filename, source.read(info.filename))
            if body is not None:
                target.writestr(info.filename, body)
    return out.getvalue()


def member(name: str, change: Callable[[bytes], bytes], data: bytes | None = None) -> bytes:
    """A workbook whose member ``name`` is changed by ``change``."""
    return rezip(data or workbook(), lambda n, body: change(body) if n == name else body)


def in_sheet(old: bytes, new: bytes, data: bytes | None = None) -> bytes:
    """A workbook whose sheet XML has ``old`` replaced by ``new`` (``old`` must be there)."""

    def change(body: bytes) -> bytes:
        assert old in body, (old, body[:400])
        return body.replace(old, new, 1)

    return member(SHEET, change, data)


def before_data(xml: bytes) -> bytes:
    """A workbook with ``xml`` inserted before the sheet's ``<sheetData>``."""
    return in_sheet(b"<sheetData>", xml + b"<sheetData>")


def cell(ref: str, body: bytes) -> bytes:
    """A workbook whose cell B3 is replaced by ``<c r=ref ...body``."""

    def change(xml: bytes) -> bytes:
        start = xml.index(b'<c r="B3"')
        end = xml.index(b"</c>", start) + 4
        return xml[:start] + f'<c r="{ref}"'.encode() + body + xml[end:]

    return member(SHEET, change)


def bad_crc() -> bytes:
    """A stored (uncompressed) workbook whose sheet bytes were changed after the CRC was written."""
    data = rezip(workbook(), lambda n, body: body, method=zipfile.ZIP_STORED)
    assert data.count(b"2021-01-05") == 1
    return data.replace(b"2021-01-05", b"2021-01-15")


def stale_dimension() -> bytes:
    """Four data rows under a ``<dimension ref>`` that claims one; the fourth holds a bad date."""
    rows = [*PRICES[:4], ["2021-13-07", 12.0]]
    return in_sheet(b'<dimension ref="A1:B5"/>', b'<dimension ref="A1:B2"/>', workbook(rows))


def huge_comment() -> bytes:
    """A workbook of ~45 KB whose sheet holds a 40 MB XML comment."""
    return before_data(b"<!--" + b"x" * 40_000_000 + b"-->")


def long_cell() -> bytes:
    """A cell text of 40,000 characters (Excel's limit is 32,767; openpyxl would cut it on writing)."""
    data = workbook([["date", "close", "note"], ["2021-01-04", 10.5, "yyyy"]])
    return in_sheet(b"<t>yyyy</t>", b"<t>" + b"y" * 40_000 + b"</t>", data)


def row_beyond_excel() -> bytes:
    """A row numbered 1,048,577 (Excel's last row is 1,048,576)."""
    row = b'<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>'
    return in_sheet(b"</sheetData>", row + b"</sheetData>")


def utf16_sheet() -> bytes:
    return member(SHEET, lambda body: body.decode("utf-8").encode("utf-16"))


def timed_rows() -> bytes:
    """Date cells with a time of day (a terminal's intraday export)."""
    return workbook([["date", "close"], [datetime(2021, 1, 4, 9, 30), 10.0], [datetime(2021, 1, 4, 15, 0), 11.0]])


def midnight_rows() -> bytes:
    """Date cells at midnight, as Excel stores a date."""
    return workbook([["date", "close"], [datetime(2021, 1, 4), 10.0], [datetime(2021, 1, 5), 11.0]])


def compressible(rows: int = 3000) -> bytes:
    """A workbook of repetitive rows: small compressed, ~20 times larger decompressed."""
    return workbook([["date", "close"], *[["2021-01-04", 10.0]] * rows])


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
BROKEN = {
    "truncated-sheet": lambda: member(SHEET, lambda body: body[: len(body) // 2]),
    "truncated-zip": lambda: workbook()[:-200],
    "not-a-zip": lambda: b"date,close\n2021-01-04,10\n",
    "empty-file": lambda: b"",
    "bad-crc": bad_crc,
    "shared-string-index": lambda: cell("B3", b' t="s"><v>99</v></c>'),
    "cell-reference-letters": lambda: cell("3B", b' t="n"><v>1</v></c>'),
    "cell-reference-row-zero": lambda: cell("B0", b' t="n"><v>1</v></c>'),
    "cell-reference-wide": lambda: cell("ZZZZZ3", b' t="n"><v>1</v></c>'),
    "date-cell-garbage": lambda: cell("B3", b' t="d"><v>not-a-date</v></c>'),
    "number-cell-text": lambda: cell("B3", b' t="n"><v>abc</v></c>'),
    "dtd": lambda: member(SHEET, lambda body: body.replace(b"<worksheet", b'<!DOCTYPE w SYSTEM "w.dtd"><worksheet', 1)),
    "entities": lambda: member("xl/workbook.xml", lambda body: BILLION_LAUGHS + body.split(b"?>", 1)[-1]),
    "workbook-xml": lambda: member("xl/workbook.xml", lambda body: body[:60]),
    "styles-xml": lambda: member("xl/styles.xml", lambda body: b"<styleSheet><numFmts><numFmt"),
    "no-workbook-part": lambda: rezip(workbook(), lambda n, body: None if n == "xl/workbook.xml" else body),
    "no-sheet-part": lambda: rezip(workbook(), lambda n, body: None if n == SHEET else body),
    "huge-comment": huge_comment,
    "row-beyond-excel": row_beyond_excel,
    "utf16-sheet-xml": utf16_sheet,
    "long-cell-text": long_cell,
}
"""Malformed workbooks: each must be exit 2 naming the file, never a traceback or exit 1."""
