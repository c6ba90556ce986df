"""Reading imported CSV files (prices, oxide series, FX) so that every problem names the file, the line as the
user's editor counts it, and the column.

:func:`read_csv` parses with the standard ``csv`` module and keeps each record's line number (blank lines and
multi-line quoted cells do not shift them). The file is read by :func:`screener.inputs.read_input` (a regular
file within ``[limits] max_input_mb``); UTF-8 with or without a byte-order mark, or UTF-16 with its byte-order
mark, is read; other encodings, a folder, an empty file, a record with more or fewer fields than the header, a
duplicate header name are errors. With ``decimal=","`` (``--decimal ,``) a header line holding ``;`` makes ``;``
the field separator (as European spreadsheets export). :func:`read_sheet` reads a CSV the same way, or an XLSX
workbook's first sheet (row numbers as the spreadsheet shows them). Checked columns, by the rules of
:mod:`screener.core.cells`: :func:`checked_dates` (whole days; unparseable, partial, timed, zoned, duplicate or
future dates are errors) and :func:`checked_numbers` (numbers within their measure's plausible range,
:data:`screener.config.fields.MEASURES`; blank cells and missing-value markers such as ``.``, ``NA`` or ``#N/A``
are missing values, left for the caller to skip and count; text, ambiguous separators, infinities and values
out of range are errors).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from screener.core.cells import EARLIEST, MISSING, CellError, first_duplicate, parse_day, parse_number
from screener.core.measures import MEASURES, SMALLEST, range_problem
from screener.core.text import NotText, decode_text
from screener.errors import InputFileError
from screener.inputs import DEFAULT_MAX_BYTES, read_input

if TYPE_CHECKING:
    import pandas as pd

MAX_COLUMNS = 16_384
"""A spreadsheet's widest row (column XFD): a header with more columns is refused."""
__all__ = ["MISSING", "CsvTable", "checked_dates", "checked_numbers", "read_csv", "read_sheet", "table_from_rows"]


@dataclass
class CsvTable:
    """A CSV file's cells as text, one row per record, with the file line of each record."""

    label: str
    frame: pd.DataFrame
    lines: list[int]
    decimal: str = "."
    """The decimal separator of the file's numbers (``--decimal``)."""

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def line(self, position: int) -> int:
        """File line of the record at ``position`` (0-based)."""
        return self.lines[position]

    def need(self, column: str, option: str) -> str:
        """``column`` if the header has it, else an error naming the header line and the option to use."""
        if column not in self.frame.columns:
            message = f"no column {column!r} (columns: {', '.join(self.columns)}); use {option}"
            raise InputFileError(self.label, message, line=1, field=column)
        return column

    def error(self, position: int, column: str, message: str) -> InputFileError:
        return InputFileError(self.label, message, line=self.line(position), field=column)


def file_text(
    label: str, data: Path | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, fallback: str | None = None
) -> str:
    """The text of a file (a path, read bounded, or the bytes of a download): UTF-8, with or without a byte-order
    mark, or UTF-16 with one (``fallback``, e.g. ``cp1252``, for other bytes); else an error naming the line."""
    raw = data if isinstance(data, bytes) else read_input(data, max_bytes=max_bytes, what="CSV file")
    try:
        return decode_text(raw, fallback)
    except NotText as exc:
        raise InputFileError(label, str(exc), line=exc.line) from None


def read_csv(label: str, data: Path | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, decimal: str = ".") -> CsvTable:
    """Parse a CSV file (a path or the bytes of a download) into text cells with their line numbers."""
    return _table(label, csv_records(label, file_text(label, data, max_bytes=max_bytes), decimal), decimal)


def csv_records(label: str, text: str, decimal: str = ".") -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV text with the file line it starts on; separator ``,`` (``;`` when ``decimal`` is ``,``
    and the first line holds one); an unreadable record names its line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if decimal == "," and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputFileError(label, f"not a readable CSV file ({exc})", line=reader.line_num) from None


def read_sheet(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, decimal: str = ".") -> CsvTable:
    """A CSV file, or the first sheet of an ``.xlsx``/``.xlsm`` workbook (rows numbered as the spreadsheet shows
    them; empty rows and blank cells beyond the header ignored), as :func:`read_csv` reads it."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputFileError(str(path), "old Excel .xls is not read: save it as .xlsx or CSV", field="format")
    if suffix not in (".xlsx", ".xlsm"):
        return read_csv(str(path), path, max_bytes=max_bytes, decimal=decimal)
    from screener.data.sheets import xlsx_rows

    rows = xlsx_rows(path, max_bytes=max_bytes, decimal=decimal)
    header = next((cells for _, cells in rows if any(c.strip() for c in cells)), [])
    while header and not header[-1].strip():
        header = header[:-1]
    width = len(header)

    def trimmed(cells: list[str]) -> list[str]:
        extra = cells[width:]
        if any(c.strip() for c in extra):
            return cells  # left as it is: the table reports the field count
        return cells[:width] + [""] * (width - len(cells))

    rows_kept = ((line, trimmed(cells)) for line, cells in rows if any(c.strip() for c in cells))
    return _table(str(path), rows_kept, decimal)


def _table(label: str, records: Iterable[tuple[int, list[str]]], decimal: str = ".") -> CsvTable:
    """The header and data records (blank ones skipped) as a :class:`CsvTable`; bad headers and ragged records
    are errors naming the line."""
    import pandas as pd

    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, record in records:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line
        if header is None:
            header = [name.strip() for name in record]
            _not_too_wide(label, header, line)
            repeated = first_duplicate(header)
            if repeated is not None:
                raise InputFileError(label, f"duplicate column {repeated!r} in the header", line=line)
            continue
        if len(record) != len(header):
            raise InputFileError(label, f"{len(record)} fields, the header has {len(header)}", line=line)
        rows.append(record)
        lines.append(line)
    if header is None:
        raise InputFileError(label, "empty file: no header row")
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    return CsvTable(label, frame, lines, decimal)


def table_from_rows(label: str, rows: Sequence[tuple[int, Sequence[str]]], decimal: str = ".") -> CsvTable:
    """A :class:`CsvTable` from already-split rows with their line numbers (a spreadsheet's first sheet: row
    numbers as Excel shows them). Blank rows are skipped; trailing blank cells are ignored, a non-blank cell beyond
    the header is an error naming its line."""
    import pandas as pd

    header: list[str] | None = None
    cells: list[list[str]] = []
    lines: list[int] = []
    for line, record in rows:
        if not any(str(cell).strip() for cell in record):
            continue
        if header is None:
            header = [str(name).strip() for name in record]
            while header and not header[-1]:
                header.pop()
            _not_too_wide(label, header, line)
            repeated = first_duplicate(header)
            if repeated is not None:
                raise InputFileError(label, f"duplicate column {repeated!r} in the header", line=line)
            continue
        if any(str(cell).strip() for cell in record[len(header) :]):
            raise InputFileError(label, f"a value beyond the header's {len(header)} columns", line=line)
        cells.append([str(cell) for cell in record[: len(header)]] + [""] * (len(header) - len(record)))
        lines.append(line)
    if header is None:
        raise InputFileError(label, "empty file: no header row")
    frame = pd.DataFrame(cells, columns=header, dtype=str) if cells else pd.DataFrame(columns=header, dtype=str)
    return CsvTable(label, frame, lines, decimal)


def _not_too_wide(label: str, header: list[str], line: int) -> None:
    if len(header) > MAX_COLUMNS:
        message = f"{len(header):,} columns in the header: more than {MAX_COLUMNS:,} (a spreadsheet's limit)"
        raise InputFileError(label, message, line=line)


def checked_dates(table: CsvTable, column: str, *, today: date, unique: bool = True) -> pd.DatetimeIndex:
    """Whole days (:func:`screener.core.cells.parse_day`) up to ``today``; a bad, duplicate (``unique``) or future
    date is an error naming the line."""
    import pandas as pd

    text = table.frame[column].astype(str).str.strip()
    plain = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    days = pd.to_datetime(text.where(plain), format="%Y-%m-%d", errors="coerce")
    odd = days.isna() | (days > pd.Timestamp(today)) | (days < pd.Timestamp(EARLIEST))
    for position in odd.to_numpy().nonzero()[0]:
        try:  # the cells the fast path did not take: read one by one (a midnight time), or the reason they fail
            days.iloc[position] = pd.Timestamp(parse_day(text.iloc[position], latest=today))
        except CellError as exc:
            raise table.error(int(position), column, str(exc)) from None
    if unique:
        duplicated = days.duplicated()
        if duplicated.any():
            first = _first(duplicated)
            raise table.error(first, column, f"duplicate date {text.iloc[first]}")
    return pd.DatetimeIndex(days)


def checked_numbers(table: CsvTable, column: str, *, what: str = "value", measure: str = "price") -> pd.Series:
    """Numbers of the table's decimal convention (:func:`screener.core.cells.parse_number`) within ``measure``'s
    plausible range; missing markers are NaN; anything else names its line."""
    import pandas as pd

    field = MEASURES[measure]
    text = table.frame[column].astype(str).str.strip()
    plain = text.str.fullmatch(r"[+-]?\d+(\.\d+)?") if table.decimal == "." else text.str.fullmatch(r"[+-]?\d+")
    values = pd.to_numeric(text.where(plain), errors="coerce").astype("float64")
    for position in (~plain).to_numpy().nonzero()[0]:
        try:
            number = parse_number(text.iloc[position], table.decimal)
        except CellError as exc:
            message = str(exc)
            raise table.error(
                int(position), column, message if message.startswith(("not", "amb")) else f"{what} {message}"
            ) from None
        values.iloc[position] = float("nan") if number is None else number
    low = field.low if field.low is not None else -math.inf
    high = field.high if field.high is not None else math.inf
    suspect = values.notna() & ((values.abs() < SMALLEST) | (values <= low) | (values >= high) | (values == 0))
    for position in suspect.to_numpy().nonzero()[0]:
        problem = range_problem(float(values.iloc[position]), field)
        if problem is not None:
            raise table.error(int(position), column, f"{what} {problem}")
    return values


def _first(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0])
