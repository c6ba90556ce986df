"""Reading the first sheet of an ``.xlsx`` workbook as text rows, each with its 1-based row number (the number
the user's spreadsheet shows): numbers as ``repr``, percent-formatted numbers as ``8.3%``, dates as ISO text."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from screener.errors import InputFileError

Row = tuple[int, list[str]]


def xlsx_rows(path: Path) -> list[Row]:
    """Every row of the workbook's first sheet, every cell as text; an unreadable workbook names the file."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputFileError(str(path), f"not a readable .xlsx workbook ({exc})", field="format") from None
    try:
        sheet = book.worksheets[0]
        rows: list[Row] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            rows.append((number, [cell_text(c.value, getattr(c, "number_format", "")) for c in cells]))
        return rows
    finally:
        book.close()


def cell_text(value: Any, number_format: str | None) -> str:
    """A spreadsheet cell as the CSV export would write it (percent-formatted numbers as ``8.3%``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{round(value * 100, 10)!r}%"
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
