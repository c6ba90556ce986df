"""``screener estimates import FILE``: consensus estimates exported from a terminal (Bloomberg, Wind ...) into the
store, where the comp table takes them for not-rated names with the point-in-time rules of METHODS §9.

Long format, one row per ticker × fiscal year × date (CSV as UTF-8, else Windows-1252, or the first sheet of an
XLSX): ``ticker`` (any code form: ``600111 CH``, ``600111.SH``, ``LYC AU`` ...), ``fiscal_year`` (the calendar
year the fiscal year ends in), ``as_of`` (the date the estimate is known from, ISO) are required; ``eps``,
``dps``, ``bvps`` (per share, in the trading currency), ``ebitda``, ``net_debt`` (millions of the trading
currency), ``target_price`` (12-month target, trading currency; the first fiscal year's row that gives one
counts for the set) and ``n_analysts`` are optional: a missing column or an empty cell (or ``NA``, ``#N/A``, ``-``)
is NA. Any other column is refused. Every problem names the file, the line and the field (exit 2).

The rows of one ticker and one ``as_of`` make one set, stored with source ``import:<file name>``
(:mod:`screener.data.estimates`); importing again replaces the sets of the same date and file, others stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from screener.app import universes as uv
from screener.core.cells import MISSING, CellError, first_duplicate, parse_day
from screener.core.measures import measured
from screener.core.tickers import to_yahoo
from screener.environment import Environment
from screener.errors import InputFileError, TickerCodeError

REQUIRED = ("ticker", "fiscal_year", "as_of")
NUMBERS = ("eps", "dps", "bvps", "ebitda", "net_debt", "target_price")
COLUMNS = (*REQUIRED, *NUMBERS, "n_analysts")
"""The columns ``estimates import`` takes, in the README's order."""


@dataclass
class TickerSummary:
    """What one ticker got from the file."""

    ticker: str
    years: list[int]
    dates: list[str]
    in_universe: bool
    eps: dict[int, float | None] = field(default_factory=dict)
    analysts: int | None = None

    def line(self) -> str:
        years = f"FY{self.years[0]}" if len(self.years) == 1 else f"FY{self.years[0]}–FY{self.years[-1]}"
        latest = self.dates[-1]
        eps = ", ".join(f"{y} {v:g}" if v is not None else f"{y} NA" for y, v in sorted(self.eps.items()))
        n = f", n={self.analysts}" if self.analysts is not None else ""
        dates = f"{len(self.dates)} dates to {latest}" if len(self.dates) > 1 else f"as of {latest}"
        where = "" if self.in_universe else " (not in the selected universes: stored, not screened)"
        return f"{self.ticker}: {years}, {dates}; EPS {eps or 'NA'}{n}{where}"


@dataclass
class EstimatesImportResult:
    file: Path
    source: str
    rows: int
    tickers: list[TickerSummary]
    notes: list[str] = field(default_factory=list)


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return str(cells[index]).strip()


MEASURE = {"eps": "eps", "dps": "dps", "bvps": "bvps", "ebitda": "amount", "net_debt": "amount",
           "target_price": "price", "n_analysts": "n_analysts"}  # fmt: skip
"""Each number column's plausible range (:data:`screener.core.measures.MEASURES`)."""


def parse_rows(
    label: str, rows: Sequence[tuple[int, Sequence[str]]], today: date, decimal: str = "."
) -> dict[str, dict[str, Any]]:
    """The file's rows -> sets by ``(ticker, as_of)``: ``{"TICKER|DATE": set}`` (set as stored, see
    :mod:`screener.data.estimates`). InputFileError naming the line and field for anything wrong: a number outside
    its column's plausible range, an ambiguous decimal separator (``decimal``), an ``as_of`` that is not a whole
    day up to today (:mod:`screener.core.cells`)."""
    body = [(n, list(cells)) for n, cells in rows if any(str(c).strip() for c in cells)]
    if not body:
        raise InputFileError(label, "empty file: no header row")
    header_line, header_cells = body[0]
    header = [str(c).strip().lower() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        message = f"unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}"
        raise InputFileError(label, message, line=header_line, field=unknown[0] or "(blank)")
    repeated = first_duplicate(header)
    if repeated is not None:
        raise InputFileError(label, f"duplicate column {repeated!r}", line=header_line, field=repeated)
    for name in REQUIRED:
        if name not in header:
            raise InputFileError(label, f"no column {name!r} (required: {', '.join(REQUIRED)})", line=header_line)
    position = {name: header.index(name) if name in header else None for name in COLUMNS}
    sets: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, int, str], int] = {}
    if len(body) == 1:
        raise InputFileError(label, "no rows below the header", line=header_line)
    for line, cells in body[1:]:

        def fail(name: str, message: str, line: int = line) -> InputFileError:
            return InputFileError(label, message, line=line, field=name)

        values = {name: _cell(cells, position[name]) for name in COLUMNS}
        for name in REQUIRED:
            if values[name] in MISSING:
                raise fail(name, f"missing {name}")
        try:
            ticker = to_yahoo(values["ticker"])
        except TickerCodeError as exc:
            raise fail("ticker", str(exc)) from None
        try:
            year = int(values["fiscal_year"].removesuffix(".0").removesuffix(",0"))
        except ValueError:
            raise fail("fiscal_year", f"not a year: {values['fiscal_year']!r}") from None
        if not 1990 <= year <= 2100:
            raise fail("fiscal_year", f"year {year} out of range 1990-2100")
        try:
            as_of = parse_day(values["as_of"], latest=today)
        except CellError as exc:
            raise fail("as_of", str(exc)) from None
        numbers: dict[str, float | int | None] = {}
        for name, measure in MEASURE.items():
            try:
                numbers[name] = measured(values[name], measure, decimal)
            except CellError as exc:
                raise fail(name, str(exc)) from None
        if numbers["n_analysts"] is not None:
            numbers["n_analysts"] = int(numbers["n_analysts"])
        duplicate = seen.get((ticker, year, as_of.isoformat()))
        if duplicate is not None:
            raise fail("fiscal_year", f"{ticker} FY{year} as of {as_of} is already on line {duplicate}")
        seen[(ticker, year, as_of.isoformat())] = line
        one = sets.setdefault(
            f"{ticker}|{as_of.isoformat()}",
            {"ticker": ticker, "as_of": as_of.isoformat(), "years": {}, "target_price": None, "_target_year": None},
        )
        target = numbers.pop("target_price")
        if target is not None and (one["_target_year"] is None or year < one["_target_year"]):
            one["target_price"], one["_target_year"] = target, year
        one["years"][str(year)] = {k: v for k, v in numbers.items() if v is not None}
    return sets


def import_estimates(env: Environment, file: Path, decimal: str = ".", replace: bool = False) -> EstimatesImportResult:
    """Read, check and store the file's consensus sets (source ``import:<file name>``), merged into each ticker's
    stored sets (``replace``: the file's sets alone); a summary per ticker. Every stored record the file touches is
    read before anything is written: an unreadable one stops a merge with nothing written (UnreadableStored)."""
    from screener.app.holdings import read_rows
    from screener.data import estimates

    rows = read_rows(file, max_bytes=env.settings.max_input_bytes, decimal=decimal)
    sets = parse_rows(str(file), rows, env.today(), decimal)
    source = f"import:{file.name}"
    by_ticker: dict[str, list[dict[str, Any]]] = {}
    for one in sets.values():
        stored = {k: v for k, v in one.items() if k not in ("ticker", "_target_year")}
        stored.update(source=source, currency=None)
        by_ticker.setdefault(one["ticker"], []).append(stored)
    try:
        known = {c.ticker for c in uv.companies(uv.selected(env, ()))}
    except Exception:  # the universes are not needed to import: a broken one only loses the "in universe" note
        known = set()
    for ticker in by_ticker:
        env.store.merge_base(partial(env.store.read_record, "consensus", f"{ticker}=import"), replace=replace)
    summaries = []
    notes = []
    for ticker, ticker_sets in by_ticker.items():
        written = estimates.write_sets(env.store, ticker, "import", ticker_sets, replace=replace)
        if written.set_aside is not None:
            notes.append(f"the unreadable stored record was kept aside as {written.set_aside}")
        ticker_sets.sort(key=lambda s: s["as_of"])
        latest = ticker_sets[-1]["years"]
        years = sorted({int(y) for s in ticker_sets for y in s["years"]})
        first = latest.get(str(min(int(y) for y in latest)), {})
        summaries.append(
            TickerSummary(
                ticker,
                years,
                [s["as_of"] for s in ticker_sets],
                ticker in known,
                {int(y): v.get("eps") for y, v in latest.items()},
                first.get("n_analysts"),
            )
        )
    data_rows = sum(len(s["years"]) for s in sets.values())
    return EstimatesImportResult(file, source, data_rows, summaries, notes)
