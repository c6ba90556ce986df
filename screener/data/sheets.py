"""Reading the first sheet of an ``.xlsx`` workbook as text rows, each with its 1-based row number (the number
the user's spreadsheet shows): numbers as ``repr``, percent-formatted numbers as ``8.3%``, dates as ISO text.

Bounded and strict, whatever the file holds:
- the file is read by :func:`screener.inputs.read_input` (a regular file within ``[limits] max_input_mb``); the
  members' declared sizes may not add up to more than that limit decompressed (a member longer than it declares
  fails its CRC check);
- every XML member is scanned before openpyxl parses it: a DTD or entity declaration, an encoding other than
  UTF-8, or a run of more than :data:`MAX_TOKEN` bytes without markup (a 40 MB comment the XML parser would
  crawl through) refuses the file;
- the sheet's ``<dimension ref>`` is ignored (a stale one would hide rows): every row is read; a row beyond
  Excel's last (1,048,576) or a cell text longer than Excel's 32,767 characters is refused;
- any malformed-workbook error (a truncated member, a bad CRC, a bad shared-string index or cell reference, a bad
  ``t="d"``/``t="n"`` cell, broken workbook or styles XML) is an InputFileError naming the file: exit 2.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from screener.errors import InputFileError
from screener.inputs import DEFAULT_MAX_BYTES, read_input, too_large

Row = tuple[int, list[str]]
MAX_ROWS = 1_048_576
"""Excel's last row."""
MAX_CELL_TEXT = 32_767
"""Excel's longest cell text."""
MAX_TOKEN = 1_000_000
"""The longest run of bytes without ``<`` or ``>`` in a workbook's XML (a cell text is at most ~200 KB escaped)."""
_FORBIDDEN = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 4 * MAX_TOKEN


def xlsx_rows(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, decimal: str = ".") -> list[Row]:
    """Every non-empty row of the workbook's first sheet, every cell as text (module rules); numbers written with
    ``decimal`` as their decimal separator; an unreadable workbook names the file."""
    label = str(path)
    data = read_input(path, max_bytes=max_bytes, what=".xlsx workbook")
    _scan(label, data, max_bytes)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InputFileError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise anything on a malformed file: it is the file's fault
        raise _unreadable(label, exc) from None
    try:
        return _rows(label, book, decimal)
    except InputFileError:
        raise
    except Exception as exc:
        raise _unreadable(label, exc) from None
    finally:
        book.close()


def _unreadable(label: str, exc: BaseException) -> InputFileError:
    reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    return InputFileError(label, f"not a readable .xlsx workbook ({reason})", field="format")


def _scan(label: str, data: bytes, max_bytes: int) -> None:
    """The workbook's zip archive checked, each XML member scanned (module rules), before openpyxl reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > max_bytes:
                raise InputFileError(label, f"decompressed, {too_large(declared, max_bytes)}", field="format")
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _scan_xml(label, archive, member)
    except InputFileError:
        raise
    except Exception as exc:
        raise _unreadable(label, exc) from None


def _scan_xml(label: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a DTD or entity declaration, a non-UTF-8 encoding, or a run of MAX_TOKEN bytes without markup."""
    run = 0  # bytes without markup at the end of what was read so far
    tail = b""  # the last bytes read, for a declaration split between two chunks
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            if not tail and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]):
                raise InputFileError(label, f"{member.filename} is not UTF-8 XML", field="format")
            if _FORBIDDEN.search(tail + chunk):
                raise InputFileError(label, f"{member.filename} declares a DTD or entities", field="format")
            pieces = chunk.replace(b">", b"<").split(b"<")  # the runs without markup, in C
            if run + len(pieces[0]) >= MAX_TOKEN or max(map(len, pieces)) >= MAX_TOKEN:
                message = f"{member.filename} holds more than {MAX_TOKEN:,} bytes without markup"
                raise InputFileError(label, message, field="format")
            run = run + len(chunk) if len(pieces) == 1 else len(pieces[-1])
            tail = chunk[-16:]


def _rows(label: str, book: Any, decimal: str) -> list[Row]:
    sheet = book.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored <dimension ref> may be stale: read every row there is
    rows: list[Row] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            raise InputFileError(label, f"a row beyond Excel's last row {MAX_ROWS:,}", line=number)
        if not cells:
            continue
        stray = next((c for c in cells if getattr(c, "row", None) not in (None, number)), None)
        if stray is not None:
            message = f"a cell whose reference says row {stray.row} is in row {number}: a bad cell reference"
            raise InputFileError(label, message, line=number, field="format")
        texts = [cell_text(c.value, getattr(c, "number_format", ""), decimal) for c in cells]
        for column, text in enumerate(texts, start=1):
            if len(text) > MAX_CELL_TEXT:
                message = f"a cell text of {len(text):,} characters (Excel's limit is {MAX_CELL_TEXT:,})"
                raise InputFileError(label, message, line=number, field=f"column {column}")
        if any(text.strip() for text in texts):
            rows.append((number, texts))
    return rows


def cell_text(value: Any, number_format: str | None, decimal: str = ".") -> str:
    """A spreadsheet cell as the CSV export would write it (percent-formatted numbers as ``8.3%``; ``decimal``
    the decimal separator of numbers; a date-time at midnight as its day, another time in full)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        text = f"{round(value * 100, 10)!r}%" if "%" in (number_format or "") else repr(value)
        return text.replace(".", ",") if decimal == "," else text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
