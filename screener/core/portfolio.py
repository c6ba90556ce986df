"""A portfolio against its benchmark (issue #24, METHODS §12): the holdings file's rules, the weights, active
weights and the weighted summary statistics. Pure: no I/O, no clock.

**Holdings file** (the rows of a CSV or the first sheet of an XLSX, every cell text, as
:func:`screener.app.holdings.read_rows` gives them): the header is the first row with a code column (``ticker``,
``symbol``, ``code`` ... as for ETF exports, :data:`screener.core.holdings.CODE_COLUMNS`) and a ``weight``
column (or ``% of Net Assets`` ...) or a ``shares`` column; a weight column wins when both are there. Each code,
in any form (``600111 CH``, ``600111.SH``, ``LYC AU``, ``MP``), goes through
:func:`screener.core.tickers.to_yahoo`. With an asset-class column, non-equity lines (cash ...) are skipped and
listed. Refused (:class:`~screener.errors.InputFileError`, exit 2, naming the file, line and column): no such
header (or an empty file), a code that is not a ticker form, a missing, non-numeric or negative weight or share
count, a ticker on two lines (merge them: a book holds a name once), no holding at all.

**Weights** (:func:`weight_basis`): a value written with ``%`` makes the column percent; else values that are all
<= 1 and sum to 1 (±0.01) are fractions; else a column summing to 100 (±1) is percent; anything else is read as
relative weights, each divided by the sum (said in a banner). From **shares**: ``w_i = shares_i × price_i`` in
USD at the as-of date (:mod:`screener.core.fx`) ``/ Σ`` over the holdings with a price and a rate
(:func:`shares_weights`); a holding without either has no weight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from screener.core import aggregates as agg
from screener.core.cells import CellError, parse_number
from screener.core.holdings import CLASS_COLUMNS, CODE_COLUMNS, EQUITY_CLASSES, NAME_COLUMNS, WEIGHT_COLUMNS, Row
from screener.core.text import clean_text
from screener.core.tickers import to_yahoo
from screener.core.values import NA, NM, Value, is_num
from screener.errors import InputFileError, TickerCodeError

SHARES_COLUMNS = ("shares", "quantity", "shares held", "position")
STAT_COLUMNS = ("etr", "upside", "pe_fy1", "pb_fy1", "ev_ebitda_fy1", "roe_fy1", "dy_fy1", "ytd_change")
"""The summary statistics' columns; the price multiples take the weighted harmonic mean, the others the weighted
arithmetic mean (:func:`summarise`)."""
HARMONIC = ("pe_fy1", "pb_fy1", "ev_ebitda_fy1")
BASES = ("fraction", "percent", "relative", "shares")


@dataclass(frozen=True)
class BookLine:
    """One holding as the file gives it: line, code as written, Yahoo ticker, name (empty when the file has no
    name column), the weight as written (a number, before :func:`weight_basis`) and the share count."""

    line: int
    code: str
    ticker: str
    name: str
    raw_weight: float | None
    shares: float | None


@dataclass(frozen=True)
class Book:
    """A parsed holdings file: the holdings, the lines skipped as not equity (line, code, why), how its weights
    read (:data:`BASES`) and the column they came from."""

    path: str
    lines: tuple[BookLine, ...]
    skipped: tuple[tuple[int, str, str], ...]
    basis: str
    column: str


def _key(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("\ufeff", "").split())


def _find(keys: list[str], names: Sequence[str]) -> int | None:
    return next((keys.index(n) for n in names if n in keys), None)


def _number(text: str, path: str, line: int, column: str, decimal: str) -> tuple[float, bool]:
    """A non-negative number (``8.3``, ``8.3%``, ``1,200``) and whether it was written with ``%``."""
    cleaned = text.strip()
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].strip()
    if not cleaned:
        raise InputFileError(path, "missing (a holding needs a number here)", line=line, field=column)
    try:
        number = parse_number(cleaned, decimal)
    except CellError as exc:
        raise InputFileError(path, f"not a number: {text.strip()!r} ({exc})", line=line, field=column) from None
    if number is None:
        raise InputFileError(
            path, f"missing ({text.strip()!r}): a holding needs a number here", line=line, field=column
        )
    if not math.isfinite(number) or number < 0:
        raise InputFileError(path, f"must be a number >= 0 (short positions are not read), got {text!r}", line=line,
                             field=column)  # fmt: skip
    return number, percent


def parse_book(rows: Sequence[Row], path: str, decimal: str = ".") -> Book:
    """The holdings of a portfolio or benchmark file (module rules); errors name ``path``, the line and column."""
    rows = [(line, [clean_text(c) for c in cells]) for line, cells in rows]
    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        raise InputFileError(path, "empty file: no header and no holdings", line=1, field="header")
    header_at = next(
        (
            i
            for i, (_, cells) in enumerate(rows)
            if _find(keys := [_key(c) for c in cells], CODE_COLUMNS) is not None
            and (_find(keys, WEIGHT_COLUMNS) is not None or _find(keys, SHARES_COLUMNS) is not None)
        ),
        None,
    )
    if header_at is None:
        raise InputFileError(
            path,
            "no holdings header: expected a ticker column (ticker, symbol, code ...) and a weight or shares column",
            line=filled[0][0],
            field="header",
        )
    header_line, header = rows[header_at]
    keys = [_key(c) for c in header]
    code_at = _find(keys, CODE_COLUMNS)
    weight_at, shares_at = _find(keys, WEIGHT_COLUMNS), _find(keys, SHARES_COLUMNS)
    name_at, class_at = _find(keys, NAME_COLUMNS), _find(keys, CLASS_COLUMNS)
    assert code_at is not None
    code_column = header[code_at].strip()
    value_at = weight_at if weight_at is not None else shares_at
    assert value_at is not None
    value_column = header[value_at].strip()

    def cell(cells: Sequence[str], at: int | None) -> str:
        return cells[at].strip() if at is not None and at < len(cells) else ""

    lines: list[BookLine] = []
    skipped: list[tuple[int, str, str]] = []
    percent_signs = False
    seen: dict[str, int] = {}
    for line, cells in rows[header_at + 1 :]:
        filled_cells = [c.strip() for c in cells if c.strip()]
        if not filled_cells or _key(filled_cells[0]).startswith("total"):
            continue
        code = cell(cells, code_at)
        asset_class = cell(cells, class_at)
        if class_at is not None and _key(asset_class) not in EQUITY_CLASSES:
            skipped.append((line, code, f"not equity ({asset_class or 'no asset class'})"))
            continue
        if not code:
            raise InputFileError(path, "missing ticker", line=line, field=code_column)
        try:
            ticker = to_yahoo(code)
        except TickerCodeError as exc:
            raise InputFileError(path, f"not a ticker code: {exc}", line=line, field=code_column) from None
        if ticker in seen:
            raise InputFileError(
                path,
                f"{code!r} is {ticker}, already held on line {seen[ticker]}: a duplicate holding (merge the lines)",
                line=line,
                field=code_column,
            )
        seen[ticker] = line
        number, percent = _number(cell(cells, value_at), path, line, value_column, decimal)
        percent_signs = percent_signs or percent
        weight, shares = (number, None) if weight_at is not None else (None, number)
        lines.append(BookLine(line, code, ticker, cell(cells, name_at), weight, shares))
    if not lines:
        raise InputFileError(path, "no holdings under the header", line=header_line, field="header")
    basis = "shares" if weight_at is None else weight_basis([ln.raw_weight or 0.0 for ln in lines], percent_signs)
    return Book(path, tuple(lines), tuple(skipped), basis, value_column)


def weight_basis(values: Sequence[float], percent_sign: bool) -> str:
    """How a weight column reads (module rules): ``percent`` (a ``%`` sign, or a sum of 100 ± 1), ``fraction``
    (every value <= 1, sum 1 ± 0.01) or ``relative`` (anything else: each weight divided by the sum)."""
    total = sum(values)
    if percent_sign:
        return "percent"
    if all(v <= 1 for v in values) and abs(total - 1) <= 0.01:
        return "fraction"
    if abs(total - 100) <= 1:
        return "percent"
    return "relative"


def book_weights(book: Book) -> dict[str, float]:
    """The weights of a weight-column book as fractions of the book, by ticker: percent / 100, fractions as they
    are, relative weights divided by their sum (a book with shares: :func:`shares_weights`)."""
    if book.basis == "shares":
        raise ValueError("a shares book's weights need prices: shares_weights")
    raw = {ln.ticker: ln.raw_weight or 0.0 for ln in book.lines}
    total = sum(raw.values())
    divisor = {"percent": 100.0, "fraction": 1.0}.get(book.basis, total)
    return {t: (w / divisor if divisor > 0 else 0.0) for t, w in raw.items()}


def shares_weights(usd_values: Mapping[str, float | None]) -> dict[str, float]:
    """``w_i = usd_i / Σ usd`` over the holdings with a market value in USD (shares × price × FX at the as-of
    date); the others (None: no price or no rate) have no weight and are left out of the sum."""
    valued = {t: v for t, v in usd_values.items() if v is not None and math.isfinite(v) and v >= 0}
    total = sum(valued.values())
    return {t: (v / total if total > 0 else 0.0) for t, v in valued.items()}


def difference(a: Value, b: Value) -> Value:
    """``a - b`` for numbers; NM when either is NM, else NA when either is not a number."""
    if is_num(a) and is_num(b):
        return float(a) - float(b)  # type: ignore[arg-type]
    return NM if NM in (a, b) else NA


def summarise(weights: Mapping[str, float], values: Mapping[str, Mapping[str, Value]]) -> dict[str, agg.Weighted]:
    """Per :data:`STAT_COLUMNS`: the weighted harmonic mean for price multiples (:data:`HARMONIC`), the weighted
    arithmetic mean otherwise, over the tickers of ``weights`` (``values[ticker][column]``; absent: NA), NA/NM
    excluded and the weights renormalised (:mod:`screener.core.aggregates`)."""
    out: dict[str, agg.Weighted] = {}
    for column in STAT_COLUMNS:
        pairs = [(w, values.get(t, {}).get(column, NA)) for t, w in weights.items()]
        out[column] = agg.weighted_harmonic_mean(pairs) if column in HARMONIC else agg.weighted_mean(pairs)
    return out


def weights_by(keys: Mapping[str, str], weights: Mapping[str, float]) -> dict[str, float]:
    """``Σ w`` per key (peer group, oxide exposure) over the tickers of ``weights`` (a ticker without a key:
    ``unclassified``), in first-seen order."""
    out: dict[str, float] = {}
    for ticker, weight in weights.items():
        key = keys.get(ticker) or "unclassified"
        out[key] = out.get(key, 0.0) + weight
    return out
