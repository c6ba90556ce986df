"""Price exports of many tickers, split into one table per ticker (pure: the file is already read).

Two layouts, as Bloomberg and Wind export them:

- **long**: one row per ticker and day, columns ``date, ticker, close [, prev_close]`` (other columns kept, so
  ``adj_close`` and the close options work as for one history);
- **wide**: a date column and one column of closes per ticker, the header a code in any form
  (``600111 CH Equity``, ``600111.SH``, ``LYC AU``, ``MP``).

Detection (no ``layout`` given): a ``ticker`` column means long; else every column other than the date must be a
ticker code, else the file is refused naming the columns that are not. Column names of a single history
(``close``, ``open``, ``volume`` ...) are never read as US tickers unless the layout is forced to wide.

Codes are mapped with :func:`screener.core.tickers.to_yahoo` after a trailing `` Equity`` is dropped; codes that
cannot be mapped (and two columns naming one ticker) are errors listing them all: nothing is guessed. Each
ticker's table keeps the file's label and line numbers, so the single-history checks
(:func:`screener.data.price_files.parse_price_table`) name the file, line and column of a bad cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from screener.core.tickers import to_yahoo
from screener.data.csv_columns import CsvTable
from screener.errors import InputFileError, TickerCodeError, UsageError

LAYOUTS = ("long", "wide")
FIELD_NAMES = frozenset(
    {
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "adjclose",
        "prev_close",
        "pre_close",
        "volume",
        "amount",
        "vwap",
        "turnover",
        "change",
        "pct_change",
        "price",
        "last",
        "px_last",
        "code",
        "name",
        "symbol",
        "currency",
    }
)
"""Columns of a single history: never taken for a ticker code when the layout is detected."""
_EQUITY = re.compile(r"\s+equity\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TickerRows:
    """One ticker's rows: its Yahoo symbol, the codes the file used for it, its table and close columns
    (``adjusted_close`` None: inferred from the column name, as for one history)."""

    symbol: str
    codes: tuple[str, ...]
    table: CsvTable
    close_col: str | None
    prev_close_col: str | None
    adjusted_close: bool | None = None


@dataclass(frozen=True)
class SplitPrices:
    layout: str
    date_col: str
    tickers: list[TickerRows]


def ticker_code(code: str) -> str:
    """A code as exports write it -> its Yahoo symbol (``600111 CH Equity`` -> ``600111.SS``)."""
    return to_yahoo(_EQUITY.sub("", code))


def find_column(table: CsvTable, name: str) -> str | None:
    """``name`` as the header spells it: exact, else the one column equal to it ignoring case."""
    if name in table.columns:
        return name
    matches = [c for c in table.columns if c.strip().lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def _why(code: str, exc: TickerCodeError) -> str:
    """``'FOO XX Equity' (unknown exchange code 'XX')``: the code as the file writes it, and why it fails."""
    reason = str(exc)
    stripped = f"{_EQUITY.sub('', code)!r}: "
    return f"{code!r} ({reason.removeprefix(stripped)})"


def _listed(items: list[str], most: int = 10) -> str:
    """``a; b; c`` — the first ``most`` items, then how many more (a message stays one readable line)."""
    more = f"; and {len(items) - most} more" if len(items) > most else ""
    return "; ".join(items[:most]) + more


def split_prices(
    table: CsvTable,
    *,
    layout: str | None = None,
    date_col: str = "date",
    close_col: str | None = None,
    prev_close_col: str | None = None,
) -> SplitPrices:
    """The per-ticker tables of a long or wide export (``layout`` None: detected as the module says)."""
    if layout is not None and layout not in LAYOUTS:
        raise UsageError(f"--layout: 'long' or 'wide', got {layout!r}")
    date = find_column(table, date_col) or table.need(date_col, "--date-col")
    ticker = find_column(table, "ticker")
    if layout == "long" or (layout is None and ticker is not None):
        return _long(table, date, ticker or table.need("ticker", "a ticker column"), close_col, prev_close_col)
    if close_col or prev_close_col:
        message = "--close-col and --prev-close-col are for long files and single histories: a wide file holds closes"
        raise UsageError(message)
    return _wide(table, date, forced=layout == "wide")


def _long(table: CsvTable, date: str, ticker: str, close_col: str | None, prev_close_col: str | None) -> SplitPrices:
    codes = table.frame[ticker].astype(str).str.strip()
    symbols: dict[str, str] = {}
    unmapped: dict[str, str] = {}
    for position, code in enumerate(codes):
        if code in symbols or code in unmapped:
            continue
        try:
            symbols[code] = ticker_code(code)
        except TickerCodeError as exc:
            unmapped[code] = (
                f"line {table.line(position)}: {_why(code, exc)}" if code else f"line {table.line(position)}: blank"
            )
    if unmapped:
        listed = _listed(list(unmapped.values()))
        raise InputFileError(table.label, f"{len(unmapped)} ticker code(s) could not be mapped: {listed}", field=ticker)
    mapped = codes.map(symbols)
    rest = [c for c in table.columns if c != ticker]
    tickers = []
    for symbol in dict.fromkeys(mapped):
        rows = (mapped == symbol).to_numpy().nonzero()[0]
        frame = table.frame.iloc[rows][rest].reset_index(drop=True)
        lines = [table.line(int(i)) for i in rows]
        used = tuple(dict.fromkeys(codes.iloc[rows]))
        tickers.append(
            TickerRows(symbol, used, CsvTable(table.label, frame, lines, table.decimal), close_col, prev_close_col)
        )
    return SplitPrices("long", date, tickers)


def _wide(table: CsvTable, date: str, *, forced: bool) -> SplitPrices:
    columns = [c for c in table.columns if c != date]
    if not columns:
        raise InputFileError(table.label, f"no column besides {date!r}: no ticker to import", line=1)
    symbols: dict[str, str] = {}
    unmapped: list[str] = []
    for column in columns:
        if not column.strip():
            unmapped.append(f"column {table.columns.index(column) + 1} (no header)")
            continue
        if not forced and column.strip().lower() in FIELD_NAMES:
            unmapped.append(f"{column!r} (a price field, not a ticker)")
            continue
        try:
            symbols[column] = ticker_code(column)
        except TickerCodeError as exc:
            unmapped.append(_why(column, exc))
    if unmapped:
        hint = "" if forced else "; for one history give --ticker T"
        raise InputFileError(
            table.label,
            f"neither a long file (no 'ticker' column) nor a wide one: {len(unmapped)} column(s) could not be mapped "
            f"to a ticker: {_listed(unmapped)}{hint}",
            line=1,
        )
    by_symbol: dict[str, list[str]] = {}
    for column, symbol in symbols.items():
        by_symbol.setdefault(symbol, []).append(column)
    twice = [
        f"{' and '.join(map(repr, cols))} are both {symbol}" for symbol, cols in by_symbol.items() if len(cols) > 1
    ]
    if twice:
        raise InputFileError(table.label, f"one ticker in two columns: {'; '.join(twice)}", line=1)
    tickers = []
    for column, symbol in symbols.items():
        rows = CsvTable(table.label, table.frame[[date, column]], list(table.lines), table.decimal)
        tickers.append(TickerRows(symbol, (column,), rows, close_col=column, prev_close_col=None, adjusted_close=False))
    return SplitPrices("wide", date, tickers)
