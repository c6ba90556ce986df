"""``screener valuation import``: a Wind/Bloomberg export of P/B, P/E or BVPS history (CSV or XLSX, first sheet)
into the valuation store as the ``terminal`` provider (:mod:`screener.data.valuation`), which wins over the free
sources day by day.

Rules (also in README "Valuation history"):
- Daily ``--pb-col`` / ``--pe-col`` values are the terminal's multiples of each ``--date-col`` day, stored as they
  are. A value <= 0 (a P/E over a loss, a P/B over a negative book) is NM: left out of the history, counted in a
  note. Blank cells and missing markers (``#N/A``, ``--`` ...) are skipped.
- ``--bvps-col`` with ``--published-col``: each row is a report; the date column is its balance-sheet date
  (period end), the published column the day it was released; the value counts from the day after release.
- ``--bvps-col`` without ``--published-col``: a daily series of the BVPS known on each day. Each change of value is
  stored as a report **published the calendar day before** the first day showing it, so that it counts from
  exactly that day (:func:`screener.core.valuation_history.book_values_from_daily`).
- Merge (default): the new file's days replace the stored terminal values on the same days, other days are kept;
  stored terminal reports published within the new file's span of publication dates are replaced by the file's.
  ``--replace``: the file's values alone.
- Errors (exit 2) name the file, the line and the column: a missing column (with the file's columns), a bad number
  (P/E and P/B within +-1e6, BVPS never 0: :data:`screener.core.measures.MEASURES`), a bad or duplicate or future
  date (whole days, :mod:`screener.core.cells`), a report published before its period end, no usable column.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from screener.app import universes as uv
from screener.core.cells import CellError
from screener.core.measures import measured
from screener.data.csv_columns import CsvTable
from screener.data.store import joined_labels
from screener.environment import Environment
from screener.errors import InputFileError, UsageError
from screener.inputs import DEFAULT_MAX_BYTES
from screener.models import BookValue

if TYPE_CHECKING:
    import pandas as pd

    from screener.data.store import Store

NAMES = {"pb": "P/B", "pe": "P/E", "bvps": "BVPS"}


@dataclass(frozen=True)
class ValuationImport:
    """``screener valuation import`` options (column options None: a column named ``pb``/``pe``/``bvps`` if the file
    has one)."""

    file: Path
    ticker: str
    date_col: str = "date"
    pb_col: str | None = None
    pe_col: str | None = None
    bvps_col: str | None = None
    published_col: str | None = None
    replace: bool = False
    decimal: str = "."


@dataclass
class ValuationImportResult:
    """What was read and what the store now holds for the ticker's terminal provider."""

    symbol: str
    file: str
    rows: int
    first: date | None
    last: date | None
    columns: dict[str, str]
    """Stored kind (pb, pe, bvps) -> the file's column."""
    days: dict[str, int]
    """Days (or reports, for bvps) read per stored kind."""
    stored_range: tuple[date, date] | None
    reports: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: rows, range, columns."""
        span = f"{self.first} to {self.last}" if self.first else "no dated rows"
        used = ", ".join(f"{NAMES[k]} from {c!r} ({self.days[k]} {'reports' if k == 'bvps' else 'days'})"
                         for k, c in self.columns.items())  # fmt: skip
        stored = []
        if self.stored_range:
            stored.append(f"terminal multiples {self.stored_range[0]} to {self.stored_range[1]}")
        if self.reports:
            stored.append(f"{self.reports} terminal book values")
        return (
            f"stored {self.symbol}: {self.rows} rows from {self.file}, {span}; {used}; "
            f"now {' and '.join(stored) or 'nothing'} (provider terminal)"
        )


def read_table(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, decimal: str = ".") -> CsvTable:
    """The file's cells with line numbers: CSV (UTF-8) or XLSX (first sheet, rows numbered as Excel shows them),
    read bounded (:func:`screener.inputs.read_input`)."""
    from screener.data.csv_columns import read_csv, table_from_rows

    label = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from screener.app.holdings import read_rows

        return table_from_rows(label, read_rows(path, max_bytes=max_bytes, decimal=decimal), decimal)
    if suffix == ".xls":
        raise InputFileError(label, "old Excel .xls is not read: save it as .xlsx or CSV", field="format")
    return read_csv(label, path, max_bytes=max_bytes, decimal=decimal)


def _dates(table: CsvTable, column: str, today: date, *, unique: bool = True) -> pd.DatetimeIndex:
    """Whole days (``YYYY-MM-DD`` or ``YYYY/MM/DD``, :func:`screener.core.cells.parse_day`); a bad, duplicate
    (``unique``) or future date names its line."""
    from screener.data.csv_columns import checked_dates

    return checked_dates(table, column, today=today, unique=unique)


def _numbers(table: CsvTable, column: str, what: str, measure: str) -> pd.Series:
    """Numbers within ``measure``'s plausible range (negative allowed where it allows: the caller decides); missing
    markers NaN; text, ambiguous separators, infinities or values out of range name their line."""
    import pandas as pd

    values = []
    for position, text in enumerate(table.frame[column].astype(str)):
        try:
            values.append(measured(text, measure, table.decimal))
        except CellError as exc:
            reason = str(exc)
            message = f"{reason} ({what})" if reason.startswith(("not", "amb")) else f"{what} {reason}"
            raise table.error(position, column, message) from None
    return pd.Series([float("nan") if v is None else v for v in values], dtype="float64")


@dataclass
class Parsed:
    """The file's daily multiples (columns pb/pe, DatetimeIndex), book values, the columns used, the rows' dates."""

    frame: pd.DataFrame
    books: list[BookValue]
    columns: dict[str, str]
    dates: pd.DatetimeIndex
    notes: list[str]


def parse(table: CsvTable, options: ValuationImport, today: date) -> Parsed:
    """Check and convert the file (module docstring)."""
    import pandas as pd

    from screener.core.valuation_history import book_values_from_daily

    chosen = {"pb": options.pb_col, "pe": options.pe_col, "bvps": options.bvps_col}
    if not any(chosen.values()):
        chosen = {k: k for k in chosen if k in table.columns}
        if not chosen:
            raise InputFileError(
                table.label,
                f"no usable column: give --pb-col, --pe-col or --bvps-col (columns: {', '.join(table.columns)})",
                line=1,
            )
    columns = {k: c for k, c in chosen.items() if c}
    if options.published_col and "bvps" not in columns:
        raise UsageError("--published-col dates book values: give --bvps-col too")
    if options.published_col and set(columns) != {"bvps"}:
        raise UsageError(
            "a file of reports (--published-col) carries book values only: import daily P/B or P/E from another file"
        )
    table.need(options.date_col, "--date-col")
    for kind, column in columns.items():
        table.need(column, f"--{kind}-col")
    if options.published_col:
        table.need(options.published_col, "--published-col")
    notes: list[str] = []
    dates = _dates(table, options.date_col, today)
    frame = pd.DataFrame(index=dates)
    for kind in ("pb", "pe"):
        if kind not in columns:
            continue
        values = _numbers(table, columns[kind], NAMES[kind], "multiple").set_axis(dates)
        nm = int((values <= 0).sum())
        if nm:
            notes.append(f"{nm} day(s) with a {NAMES[kind]} <= 0 left out (NM: a loss or a negative book)")
        frame[kind] = values.where(values > 0)
    frame = frame.dropna(how="all").sort_index()
    books: list[BookValue] = []
    if "bvps" in columns:
        bvps = _numbers(table, columns["bvps"], "BVPS", "bvps").set_axis(dates)
        if options.published_col:
            published = _dates(table, options.published_col, today, unique=False)
            for position, (period, day, value) in enumerate(zip(dates, published, bvps, strict=True)):
                if day < period:
                    message = f"published {day.date()} is before the period end {period.date()}: a report comes after"
                    raise table.error(position, options.published_col, message)
                if value == value:
                    books.append(BookValue(day.date(), float(value), period.date()))
        else:
            books = book_values_from_daily(bvps)
        if not books:
            raise InputFileError(table.label, "no BVPS value in the file: nothing was stored", field=columns["bvps"])
    if frame.empty and not books:
        names = ", ".join(columns.values())
        raise InputFileError(table.label, f"no value in column(s) {names}: nothing was stored")
    return Parsed(frame, books, columns, dates, notes)


def import_valuation(env: Environment, options: ValuationImport) -> ValuationImportResult:
    """Parse the export and store it as the ticker's ``terminal`` valuation history (merged unless ``replace``)."""
    from screener.data import valuation as vs

    symbol = uv.symbol(options.ticker, "--ticker")
    table = read_table(options.file, max_bytes=env.settings.max_input_bytes, decimal=options.decimal)
    parsed = parse(table, options, env.today())
    frame, books = parsed.frame, parsed.books
    store = env.store
    label = options.file.name
    stored_books = 0
    with contextlib.ExitStack() as held:  # both files locked (always in this order), both merges checked first
        for is_book, wanted in ((False, not frame.empty), (True, bool(books))):
            if wanted:
                held.enter_context(store.locked(vs.VALUATION_KIND, vs.key(symbol, "terminal", is_book), ".parquet"))
        if not frame.empty:
            frame, multiples_label = _merged_multiples(store, symbol, frame, label, options.replace)
        if books:
            books, books_label = _merged_books(store, symbol, books, label, options.replace)
        if not frame.empty:
            vs.write_multiples(store, symbol, "terminal", frame, multiples_label)
        if books:
            vs.write_book_values(store, symbol, "terminal", books, books_label)
            stored_books = len(books)
    stored = store.read_series(vs.VALUATION_KIND, vs.key(symbol, "terminal"))
    span = None
    if stored is not None and not stored.frame.empty:
        span = (stored.frame.index[0].date(), stored.frame.index[-1].date())
    if not stored_books:
        book = store.read_series(vs.VALUATION_KIND, vs.key(symbol, "terminal", book=True))
        stored_books = 0 if book is None else len(book.frame)
    days = {k: len(parsed.books) if k == "bvps" else int(parsed.frame[k].notna().sum()) for k in parsed.columns}
    dates = parsed.dates
    return ValuationImportResult(
        symbol,
        label,
        len(table.frame),
        dates.min().date() if len(dates) else None,
        dates.max().date() if len(dates) else None,
        parsed.columns,
        days,
        span,
        stored_books,
        parsed.notes,
    )


def _merged_multiples(
    store: Store, symbol: str, frame: pd.DataFrame, label: str, replace: bool
) -> tuple[pd.DataFrame, str]:
    """The new days over the stored terminal days (same day: the new value), unless ``replace``."""
    from screener.data import valuation as vs

    stored = store.merge_base(
        partial(store.read_series, vs.VALUATION_KIND, vs.key(symbol, "terminal")), replace=replace
    )
    if stored is None or stored.frame.empty:
        return frame, label
    merged = frame.combine_first(stored.frame)  # per day and column: the new value where the file has one
    return merged[[c for c in vs.MULTIPLES if c in merged.columns]], joined_labels(stored.meta.get("label", ""), label)


def _merged_books(
    store: Store, symbol: str, books: list[BookValue], label: str, replace: bool
) -> tuple[list[BookValue], str]:
    """The file's reports, plus stored terminal reports published outside the file's span (unless ``replace``)."""
    from screener.data import valuation as vs

    read = partial(store.read_series, vs.VALUATION_KIND, vs.key(symbol, "terminal", book=True))
    stored = store.merge_base(read, replace=replace)
    if stored is None or stored.frame.empty:
        return books, label
    first, last = min(b.published for b in books), max(b.published for b in books)
    kept = []
    for day, row in stored.frame.iterrows():
        published = day.date()
        if first <= published <= last:
            continue
        period = None if row["period_end"] != row["period_end"] else date.fromordinal(int(row["period_end"]))
        kept.append(BookValue(published, float(row["bvps"]), period))
    merged = sorted([*kept, *books], key=lambda b: (b.published, b.period_end or date.min))
    return merged, joined_labels(stored.meta.get("label", ""), label)
