"""Reading imported CSV files (prices, oxide series, FX) so that every problem names the file, the line as the
user's editor counts it, and the column.

:func:`read_csv` parses with the standard ``csv`` module and keeps each record's line number (blank lines and
multi-line quoted cells do not shift them). A UTF-8 byte-order mark is accepted; other encodings, a folder, an
empty file, a record with more or fewer fields than the header, a duplicate header name are errors.
:func:`read_sheet` reads a CSV the same way, or an XLSX workbook's first sheet (row numbers as the spreadsheet
shows them). Checked
columns: :func:`checked_dates` (ISO dates; unparseable, duplicate or future dates are errors) and
:func:`checked_numbers` (finite positive numbers; blank cells and missing-value markers such as ``.``, ``NA`` or
``#N/A`` are missing values, left for the caller to skip and count; text, infinities and values <= 0 are errors).
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

from screener.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd

MISSING = frozenset({"", "null", "NULL", ".", "NaN", "nan", "NA", "N/A", "n/a", "#N/A", "-", "--", "—"})
"""Cells that mean "no value" (FRED writes ``.``; terminals write ``#N/A`` or ``-``)."""
SMALLEST = 1e-9
"""Numbers below this are refused as absurd (a denormal like 1e-320 would turn multiples into infinities)."""
LARGEST = 1e12


@dataclass
class CsvTable:
    """A CSV file's cells as text, one row per record, with the file line of each record."""

    label: str
    frame: pd.DataFrame
    lines: list[int]

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


def _text(label: str, data: Path | bytes) -> str:
    if isinstance(data, Path):
        if data.is_dir():
            raise InputFileError(label, "is a folder, not a CSV file")
        try:
            raw = data.read_bytes()
        except FileNotFoundError:
            raise InputFileError(label, "file not found") from None
        except OSError as exc:
            raise InputFileError(label, f"cannot read file ({exc.strerror})") from None
    else:
        raw = data
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save the file as UTF-8"
        raise InputFileError(label, message, line=line) from None


def read_csv(label: str, data: Path | bytes) -> CsvTable:
    """Parse a CSV file (a path or the bytes of a download) into text cells with their line numbers."""
    text = _text(label, data)
    reader = csv.reader(io.StringIO(text, newline=""))

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for record in reader:
                yield reader.line_num, record
        except csv.Error as exc:
            raise InputFileError(label, f"not a readable CSV file ({exc})", line=reader.line_num) from None

    return _table(label, records())


def read_sheet(path: Path) -> CsvTable:
    """A CSV file, or the first sheet of an ``.xlsx``/``.xlsm`` workbook (rows numbered as the spreadsheet shows
    them; empty rows and blank cells beyond the header ignored), as :func:`read_csv` reads it."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputFileError(str(path), "old Excel .xls is not read: save it as .xlsx or CSV", field="format")
    if suffix not in (".xlsx", ".xlsm"):
        return read_csv(str(path), path)
    if not path.is_file():
        raise InputFileError(str(path), "file not found" if not path.exists() else "not a regular file")
    from screener.data.sheets import xlsx_rows

    rows = xlsx_rows(path)
    header = next((cells for _, cells in rows if any(c.strip() for c in cells)), [])
    while header and not header[-1].strip():
        header = header[:-1]
    width = len(header)

    def trimmed(cells: list[str]) -> list[str]:
        extra = cells[width:]
        if any(c.strip() for c in extra):
            return cells  # left as it is: the table reports the field count
        return cells[:width] + [""] * (width - len(cells))

    return _table(str(path), ((line, trimmed(cells)) for line, cells in rows if any(c.strip() for c in cells)))


def _table(label: str, records: Iterable[tuple[int, list[str]]]) -> CsvTable:
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
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                raise InputFileError(label, f"duplicate column {repeated[0]!r} in the header", line=line)
            continue
        if len(record) != len(header):
            raise InputFileError(label, f"{len(record)} fields, the header has {len(header)}", line=line)
        rows.append(record)
        lines.append(line)
    if header is None:
        raise InputFileError(label, "empty file: no header row")
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    return CsvTable(label, frame, lines)


def table_from_rows(label: str, rows: Sequence[tuple[int, Sequence[str]]]) -> CsvTable:
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
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                raise InputFileError(label, f"duplicate column {repeated[0]!r} in the header", line=line)
            continue
        if any(str(cell).strip() for cell in record[len(header) :]):
            raise InputFileError(label, f"a value beyond the header's {len(header)} columns", line=line)
        cells.append([str(cell) for cell in record[: len(header)]] + [""] * (len(header) - len(record)))
        lines.append(line)
    if header is None:
        raise InputFileError(label, "empty file: no header row")
    frame = pd.DataFrame(cells, columns=header, dtype=str) if cells else pd.DataFrame(columns=header, dtype=str)
    return CsvTable(label, frame, lines)


def checked_dates(table: CsvTable, column: str, *, today: date) -> pd.DatetimeIndex:
    """ISO dates; unparseable, duplicate or future (after ``today``) dates are errors naming the line."""
    import pandas as pd

    text = table.frame[column].astype(str).str.strip()
    dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = dates.isna()
    if bad.any():
        first = _first(bad)
        raise table.error(first, column, f"unparseable date {text.iloc[first]!r}")
    duplicated = dates.duplicated()
    if duplicated.any():
        first = _first(duplicated)
        raise table.error(first, column, f"duplicate date {text.iloc[first]}")
    limit = pd.Timestamp(today)
    future = dates > limit
    if future.any():
        first = _first(future)
        raise table.error(first, column, f"date {text.iloc[first]} is in the future (after {limit.date()})")
    return pd.DatetimeIndex(dates)


def checked_numbers(table: CsvTable, column: str, *, what: str = "value") -> pd.Series:
    """Finite positive numbers between 1e-9 and 1e12; missing markers are NaN; anything else names its line."""
    import pandas as pd

    text = table.frame[column].astype(str).str.strip()
    missing = text.isin(MISSING)
    values = pd.to_numeric(text.where(~missing), errors="coerce")
    unparsed = values.isna() & ~missing
    if unparsed.any():
        first = _first(unparsed)
        raise table.error(first, column, f"not a number: {text.iloc[first]!r}")
    infinite = values.map(lambda v: v == v and not math.isfinite(v))
    if infinite.any():
        first = _first(infinite)
        raise table.error(first, column, f"{what} must be finite, got {text.iloc[first]!r}")
    non_positive = values <= 0
    if non_positive.any():
        first = _first(non_positive)
        raise table.error(first, column, f"{what} must be positive, got {values.iloc[first]:g}")
    absurd = (values < SMALLEST) | (values > LARGEST)
    if absurd.any():
        first = _first(absurd)
        message = f"{what} {text.iloc[first]} is outside the plausible range {SMALLEST:g} to {LARGEST:g}"
        raise table.error(first, column, message)
    return values.astype("float64")


def _first(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0])
