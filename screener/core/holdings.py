"""ETF holdings exports (VanEck, iShares-like layouts) -> holdings with weights -> Yahoo tickers. Pure.

Input: the rows of one sheet or CSV file as ``(line number, cells)`` with every cell already text (the reader
in ``app/holdings.py`` turns spreadsheet numbers, percent cells and dates into text). Rules:

- **Header**: the first row with a code column (``Ticker``, ``Symbol``, ``Bloomberg Ticker`` ...) and a weight
  column (``% of Net Assets``, ``Weight`` ...); a name column (``Holding Name``, ``Name`` ...) and an asset-class
  column (``Asset Class``, ``Security Type`` ...) are used when present. No such row: :class:`InputFileError`.
- **Preamble** (rows above the header): the holdings date is the first date on a row that says "as of", "as at"
  or "date" (else the first date anywhere there): ISO ``2026-01-30``, US ``01/30/2026`` (a first number above 12
  reads as day/month), ``30 Jan 2026``, ``Jan 30, 2026``. The fund is the value after a ``Fund``/``Ticker``
  label. Neither is guessed when absent (None).
- **Weights** are percent of net assets: ``8.30%``, ``8.30`` or ``8.3 %``; a holding's weight must be a number
  0-100, else :class:`InputFileError` naming the line and the column.
- **Not equity** (skipped and reported, never dropped silently): a line whose asset class is not an equity class
  (Cash, Currency, Money Market, Futures ...), or without an asset class column a line with no code or whose
  code or name says cash/currency/money market, or a US money-market fund symbol (``GVMXX``). Blank lines,
  ``Total`` lines and footnotes (no code and no weight) are not holdings.
- **Wide layout** (no such header, but a ``date`` column and one weight column per code, a row per date): the
  latest date's row; codes at 0% that day are not held (skipped, listed), a ``SUM``/``Total`` column ignored.
- **Mapping** (:func:`map_holdings`): each code through :func:`~screener.core.tickers.to_yahoo`, the currency
  from the exchange suffix; a code that cannot be mapped is listed with its reason. Two lines of one Yahoo
  symbol (e.g. ``600111 C1`` and ``600111 CH``) become one company, weights added, both codes kept as aliases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from screener.core.cells import CellError, parse_number
from screener.core.measures import MEASURES, range_problem
from screener.core.text import clean_text
from screener.core.tickers import currency_of, to_yahoo
from screener.errors import InputFileError, TickerCodeError

Row = tuple[int, Sequence[str]]
"""One line of the file: its 1-based line (row) number and its cells as text."""

CODE_COLUMNS = ("ticker", "symbol", "bloomberg ticker", "ticker symbol", "holding ticker", "code", "local ticker")
WEIGHT_COLUMNS = (
    "% of net assets",
    "% net assets",
    "% of fund",
    "% of funds",
    "percent of fund",
    "weight",
    "weight (%)",
    "weight %",
    "% weight",
    "weighting",
    "portfolio %",
)
NAME_COLUMNS = ("holding name", "name", "security name", "holding", "description", "security", "company")
CLASS_COLUMNS = ("asset class", "security type", "asset type", "type")
EQUITY_CLASSES = {
    "stock",
    "stocks",
    "equity",
    "equities",
    "common stock",
    "common stocks",
    "adr",
    "gdr",
    "depositary receipt",
    "depositary receipts",
    "preferred stock",
    "reit",
}
_NOT_EQUITY_WORDS = re.compile(r"\b(cash|currency|money market|collateral|futures?|swaps?|forwards?)\b", re.I)
_MONEY_MARKET = re.compile(r"^[A-Z]{3}XX$")
"""US money-market fund symbols: five letters ending in XX (e.g. GVMXX), cash in a holdings list."""
_TOTAL_COLUMNS = {"sum", "total"}
_NO_CODE = {"", "-", "--", "n/a", "na", "none"}
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


@dataclass(frozen=True)
class Holding:
    """One line of the export: its code as written, name, weight (percent of net assets) and asset class."""

    line: int
    code: str
    name: str
    weight: float | None
    asset_class: str = ""


@dataclass(frozen=True)
class HoldingsFile:
    """What a holdings export says: equity holdings, skipped non-equity lines, the date and fund if stated."""

    holdings: tuple[Holding, ...]
    skipped: tuple[Holding, ...]
    as_of: date | None
    fund: str | None
    header_line: int
    weight_column: str


@dataclass(frozen=True)
class MappedHolding:
    """A company for the universe: Yahoo ticker, trading currency, the codes as written, summed weight."""

    ticker: str
    currency: str
    name: str
    codes: tuple[str, ...]
    weight: float
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Unmapped:
    """A holding whose code has no Yahoo symbol (or no known currency), with the reason."""

    holding: Holding
    reason: str


def _key(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("\ufeff", "").split())


def _find(header: list[str], names: Sequence[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def parse_weight(text: str, decimal: str = ".") -> float | None:
    """``8.30%`` / ``8.30`` / ``8.3 %`` -> 8.3 (percent); empty or ``--`` -> None; anything else ValueError (an
    ambiguous ``8,30%`` too: :func:`screener.core.cells.parse_number` with ``decimal``)."""
    cleaned = text.strip()
    if cleaned.lower() in _NO_CODE:
        return None
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1].strip()
    try:
        return parse_number(cleaned, decimal)
    except CellError as exc:
        reason = str(exc)
        raise ValueError(f"not a percentage: {text.strip()!r}" if reason.startswith("not") else reason) from None


def parse_date(text: str) -> date | None:
    """The first date in ``text`` (ISO, US month/day/year, ``30 Jan 2026``, ``Jan 30, 2026``), or None."""
    lowered = text.lower()
    found: list[tuple[int, date]] = []
    for match in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", lowered):
        found += _day(match.start(), int(match[1]), int(match[2]), int(match[3]))
    for match in re.finditer(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", lowered):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        month, day = (second, first) if first > 12 else (first, second)
        found += _day(match.start(), year, month, day)
    for match in re.finditer(r"\b(\d{1,2})[ -]([a-z]{3})[a-z]*\.?[ -,]+(\d{4})\b", lowered):
        if match[2] in _MONTHS:
            found += _day(match.start(), int(match[3]), _MONTHS[match[2]], int(match[1]))
    for match in re.finditer(r"\b([a-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})\b", lowered):
        if match[1] in _MONTHS:
            found += _day(match.start(), int(match[3]), _MONTHS[match[1]], int(match[2]))
    return min(found)[1] if found else None


def _day(position: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    try:
        return [(position, date(year, month, day))]
    except ValueError:
        return []


def _preamble(rows: Sequence[Row]) -> tuple[date | None, str | None]:
    """The holdings date and the fund named above the header (None when not stated)."""
    labelled: date | None = None
    anywhere: date | None = None
    fund: str | None = None
    for _, cells in rows:
        text = " ".join(c.strip() for c in cells if c.strip())
        day = parse_date(text)
        if day is not None:
            anywhere = anywhere or day
            if labelled is None and re.search(r"\b(as of|as at|date)\b", text, re.I):
                labelled = day
        parts = [c.strip() for c in cells if c.strip()]
        if fund is None and parts:
            label, _, rest = parts[0].partition(":")
            if _key(label) in ("fund", "fund ticker", "ticker", "fund name", "etf"):
                value = rest.strip() or (parts[1] if len(parts) > 1 else "")
                fund = clean_text(value).strip() or None
    return labelled or anywhere, fund


def _is_equity(holding: Holding, has_class_column: bool) -> bool:
    if has_class_column:
        return _key(holding.asset_class) in EQUITY_CLASSES
    if _key(holding.code) in _NO_CODE or _MONEY_MARKET.match(holding.code.strip().upper()):
        return False
    return not (_NOT_EQUITY_WORDS.search(holding.name) or _NOT_EQUITY_WORDS.search(holding.code))


def parse_holdings(rows: Sequence[Row], path: str, decimal: str = ".") -> HoldingsFile:
    """Read a holdings export's rows (see the module rules); errors name ``path``, the line and the column. A row
    with a value beyond the header's columns is refused (an extra field shifts nothing silently)."""
    rows = [(line, [clean_text(c) for c in cells]) for line, cells in rows]
    header_at = None
    for index, (_, cells) in enumerate(rows):
        keys = [_key(c) for c in cells]
        if _find(keys, CODE_COLUMNS) is not None and _find(keys, WEIGHT_COLUMNS) is not None:
            header_at = index
            break
    if header_at is None:
        wide = _parse_wide(rows, path, decimal)
        if wide is not None:
            return wide
        first = next((line for line, cells in rows if any(c.strip() for c in cells)), None)
        raise InputFileError(
            path,
            "no holdings header row: expected a row with a code column (Ticker, Symbol ...) and a weight column "
            "(% of Net Assets, Weight ...)",
            line=first,
            field="header",
        )
    header_line, header_cells = rows[header_at]
    keys = [_key(c) for c in header_cells]
    code_at, weight_at = _find(keys, CODE_COLUMNS), _find(keys, WEIGHT_COLUMNS)
    assert code_at is not None and weight_at is not None
    name_at, class_at = _find(keys, NAME_COLUMNS), _find(keys, CLASS_COLUMNS)
    weight_column = header_cells[weight_at].strip()

    def cell(cells: Sequence[str], at: int | None) -> str:
        return cells[at].strip() if at is not None and at < len(cells) else ""

    holdings: list[Holding] = []
    skipped: list[Holding] = []
    width = max(at for at, name in enumerate(header_cells) if name.strip()) + 1
    for line, cells in rows[header_at + 1 :]:
        _no_extra_field(cells, width, path, line)
        code, raw_weight = cell(cells, code_at), cell(cells, weight_at)
        filled = [c.strip() for c in cells if c.strip()]
        if not filled or _key(filled[0]).startswith("total"):
            continue
        if _key(code) in _NO_CODE and _key(raw_weight) in _NO_CODE:
            continue  # a footnote or disclaimer line under the table
        try:
            weight = parse_weight(raw_weight, decimal)
        except ValueError:
            weight = None
        holding = Holding(line, code, cell(cells, name_at) or code, weight, cell(cells, class_at))
        if not _is_equity(holding, class_at is not None):
            skipped.append(holding)
            continue
        weight = _checked_weight(raw_weight, path, line, weight_column, decimal)
        holding = Holding(line, code, holding.name, weight, holding.asset_class)
        holdings.append(holding)
    as_of, fund = _preamble(rows[:header_at])
    return HoldingsFile(tuple(holdings), tuple(skipped), as_of, fund, header_line, weight_column)


def _parse_wide(rows: Sequence[Row], path: str, decimal: str = ".") -> HoldingsFile | None:
    """The wide layout (a ``date`` column, one column of weights per code, a row per date, e.g. scraped top
    weights): the latest dated row is read; a code weighing 0% that day is not held (skipped, listed); a ``SUM`` or
    ``Total`` column is ignored. None when the rows are not in that layout."""
    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if len(filled) < 2 or _key(filled[0][1][0]) != "date" or len(filled[0][1]) < 2:
        return None
    dated = [(parse_date(cells[0]), line, cells) for line, cells in filled[1:]]
    if any(day is None for day, _, _ in dated):
        return None
    header_line, header = filled[0]
    for _, line, cells in dated:
        _no_extra_field(cells, len(header), path, line)
    as_of, line, cells = max(dated, key=lambda item: (item[0], item[1]))  # type: ignore[type-var]
    holdings: list[Holding] = []
    skipped: list[Holding] = []
    for at, code in enumerate(header[1:], start=1):
        code = code.strip()
        if _key(code) in _TOTAL_COLUMNS:
            continue
        raw = cells[at].strip() if at < len(cells) else ""
        weight = _checked_weight(raw, path, line, code, decimal)
        holding = Holding(line, code, code, weight)
        if weight == 0:
            skipped.append(Holding(line, code, code, weight, f"not held on {as_of}"))
        elif not _is_equity(holding, False):
            skipped.append(Holding(line, code, code, weight, "cash or money market"))
        else:
            holdings.append(holding)
    return HoldingsFile(tuple(holdings), tuple(skipped), as_of, None, header_line, "% weight")


def _no_extra_field(cells: Sequence[str], width: int, path: str, line: int) -> None:
    """A value in a column the header does not name is refused (an extra field, a shifted row)."""
    at = next((at for at in range(width, len(cells)) if cells[at].strip()), None)
    if at is not None:
        message = f"a value beyond the header's {width} columns ({cells[at].strip()!r}): an extra field"
        raise InputFileError(path, message, line=line, field=f"column {at + 1}")


def _checked_weight(raw: str, path: str, line: int, field: str, decimal: str = ".") -> float:
    """A holding's weight: a percentage 0-100, else InputFileError naming the line and the column."""
    try:
        weight = parse_weight(raw, decimal)
    except ValueError as exc:
        raise InputFileError(path, str(exc), line=line, field=field) from None
    if weight is None:
        raise InputFileError(path, "missing (a holding needs a weight)", line=line, field=field)
    problem = range_problem(weight, MEASURES["weight"])
    if problem is not None:
        raise InputFileError(path, f"a percentage of net assets: {problem} (got {raw!r})", line=line, field=field)
    return weight


def by_weight(holdings: Sequence[Holding], min_weight: float | None) -> tuple[list[Holding], list[Holding]]:
    """The holdings weighing ``min_weight`` percent or more (all of them when None), and the others."""
    if min_weight is None:
        return list(holdings), []
    kept = [h for h in holdings if h.weight is not None and h.weight >= min_weight]
    below = [h for h in holdings if h.weight is None or h.weight < min_weight]
    return kept, below


def map_holdings(holdings: Sequence[Holding]) -> tuple[list[MappedHolding], list[Unmapped]]:
    """Yahoo ticker and currency of each holding, in file order; lines of one symbol merged (weights added)."""
    merged: dict[str, MappedHolding] = {}
    unmapped: list[Unmapped] = []
    for holding in holdings:
        try:
            if _key(holding.code) in _NO_CODE:
                raise TickerCodeError("no code in the file")
            ticker = to_yahoo(holding.code)
            currency = currency_of(ticker)
        except TickerCodeError as exc:
            unmapped.append(Unmapped(holding, str(exc)))
            continue
        weight = holding.weight or 0.0
        if ticker in merged:
            first = merged[ticker]
            codes = first.codes if holding.code in first.codes else (*first.codes, holding.code)
            merged[ticker] = MappedHolding(
                ticker, currency, first.name, codes, round(first.weight + weight, 10), (*first.lines, holding.line)
            )
        else:
            merged[ticker] = MappedHolding(ticker, currency, holding.name, (holding.code,), weight, (holding.line,))
    return list(merged.values()), unmapped
