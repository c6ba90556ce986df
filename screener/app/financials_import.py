"""``screener financials import FILE --ticker T``: one company's statements from a terminal export into the store
(provider ``terminal``: it ranks below the house model and above Yahoo, :mod:`screener.data.statements`).

Layout (CSV as UTF-8, else Windows-1252, or the first sheet of an XLSX) — rows = items, columns = fiscal years,
as in the house-model CSV::

    item,unit,2022,2023,2024,2025e,2026e
    revenue,CNY m,37004,33352,32827,42135,51586
    ebit,CNY m,7708,3283,1984,3521,5562

- the first header cell is ``item``; an optional ``unit`` column (free text, not read) may follow; every other
  header is a fiscal year, labelled by the calendar year it ends in (``2024``, ``FY2024``); a trailing ``e``
  (``2025e``, ``2025E``) marks an estimate;
- items (one row each): ``revenue`` (also ``net_revenue``), ``gross_profit``, ``ebit``, ``d_and_a``,
  ``net_income``, ``operating_cash_flow``, ``capex`` (negative = spent), ``fcf``, ``cash``, ``borrowings`` (or
  ``short_term_borrowings`` and ``long_term_borrowings``, summed), ``net_debt``, ``total_equity``,
  ``minority_interests``, ``shares`` — totals in millions of the reporting currency, shares in millions;
- a cell may be empty or ``NA``, ``#N/A``, ``-`` (not given); numbers may carry thousands separators in groups of
  three (``37,004``); an ambiguous one (``0,5``, ``1.234,5``) is refused unless the file is read with
  ``--decimal ,``; amounts lie within +-1e12 millions, shares within (0, 1e7] millions
  (:data:`screener.core.measures.MEASURES`).

Anything else — an unknown item, a repeated item or year, a cell that is not a number — is an InputFileError
naming the file, the line and the field (``revenue 2024``): exit 2. Importing again merges by fiscal year: the
file's years replace the stored terminal ones, other years stay (each with its own ``--known-on``); ``--replace``
keeps the file's years alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as with_
from datetime import date
from functools import partial
from pathlib import Path

from screener.app import universes as uv
from screener.core.cells import CellError
from screener.core.fiscal import fiscal_year_end
from screener.core.measures import measured
from screener.data.statements import FIELDS, FiscalYear
from screener.environment import Environment
from screener.errors import InputFileError, UsageError

ALIASES = {"net_revenue": "revenue"}
BORROWING_PARTS = ("short_term_borrowings", "long_term_borrowings")
_YEAR = re.compile(r"(?:FY)?((?:19|20)\d\d)([eE]?)")


@dataclass
class StatementsImportResult:
    ticker: str
    file: Path
    years: list[FiscalYear]
    currency: str | None
    in_universe: bool

    def summary(self) -> str:
        """``stored 6 fiscal years (2022–2027, 3 estimates) of 600111.SS from nre.csv: revenue, ebit ... (CNY)``."""
        labels = [y.fiscal_year for y in self.years]
        estimates = sum(y.is_estimate for y in self.years)
        fields = [f for f in FIELDS if any(f in y.values for y in self.years)]
        span = f"{labels[0]}–{labels[-1]}" if len(labels) > 1 else str(labels[0])
        where = "" if self.in_universe else " (not in the selected universes: stored, not shown)"
        return (
            f"stored {len(labels)} fiscal year(s) ({span}, {estimates} estimate(s)) of {self.ticker} from "
            f"{self.file.name} as terminal figures: {', '.join(fields)} ({self.currency or 'currency unknown'})"
            f"{where}"
        )


def parse_statements(
    label: str, rows: Sequence[tuple[int, Sequence[str]]], end_month: int, decimal: str = "."
) -> list[FiscalYear]:
    """The file's rows -> fiscal years (ascending); InputFileError naming the line and field for anything wrong."""
    body = [(n, [str(c).strip() for c in cells]) for n, cells in rows if any(str(c).strip() for c in cells)]
    if not body:
        raise InputFileError(label, "empty file: no header row")
    header_line, header = body[0]
    while header and not header[-1]:
        header.pop()
    if not header or header[0].lower() != "item":
        raise InputFileError(
            label, "the first column must be 'item' (rows = items, columns = fiscal years)", line=header_line,
            field=header[0] if header else "(blank)",
        )  # fmt: skip
    first_year = 2 if len(header) > 1 and header[1].lower() == "unit" else 1
    columns: list[tuple[int, bool]] = []
    for name in header[first_year:]:
        match = _YEAR.fullmatch(name)
        if match is None:
            raise InputFileError(
                label, f"not a fiscal year like 2024 or 2025e: {name!r}", line=header_line, field=name or "(blank)"
            )
        year = int(match.group(1))
        if any(year == y for y, _ in columns):
            raise InputFileError(label, f"fiscal year {year} twice", line=header_line, field=name)
        columns.append((year, bool(match.group(2))))
    if not columns:
        raise InputFileError(label, "no fiscal-year columns (e.g. 2023,2024,2025e)", line=header_line)
    values: dict[int, dict[str, float]] = {year: {} for year, _ in columns}
    parts: dict[int, dict[str, float]] = {year: {} for year, _ in columns}
    seen: dict[str, int] = {}
    known = (*FIELDS, *ALIASES, *BORROWING_PARTS)
    if len(body) == 1:
        raise InputFileError(label, "no item rows below the header", line=header_line)
    for line, cells in body[1:]:
        raw_item = cells[0].lower() if cells else ""
        if raw_item not in known:
            raise InputFileError(
                label, f"unknown item (one of {', '.join(known)})", line=line, field=raw_item or "(blank)"
            )
        item = ALIASES.get(raw_item, raw_item)
        if item in seen:
            raise InputFileError(label, f"{item} is already on line {seen[item]}", line=line, field=raw_item)
        seen[item] = line
        for offset, (year, _) in enumerate(columns):
            index = first_year + offset
            text = cells[index] if index < len(cells) else ""
            try:
                number = measured(text, "shares" if item == "shares" else "amount", decimal)
            except CellError as exc:
                raise InputFileError(label, str(exc), line=line, field=f"{raw_item} {year}") from None
            if number is None:
                continue
            (parts if item in BORROWING_PARTS else values)[year][item] = number
    if "borrowings" in seen and any(p in seen for p in BORROWING_PARTS):
        line = max(seen[p] for p in BORROWING_PARTS if p in seen)
        raise InputFileError(label, "give borrowings, or its short- and long-term parts, not both", line=line,
                             field="borrowings")  # fmt: skip
    for year, found in parts.items():
        if found:  # a part not given counts as none borrowed
            values[year]["borrowings"] = sum(found.values())
    years = [
        FiscalYear(year, fiscal_year_end(year, end_month), estimate, values[year])
        for year, estimate in sorted(columns)
        if values[year]
    ]
    if not years:
        raise InputFileError(label, "no figures: every cell is empty", line=header_line)
    return years


def import_statements(
    env: Environment,
    file: Path,
    ticker: str,
    currency: str | None = None,
    known_on: date | None = None,
    decimal: str = ".",
    replace: bool = False,
) -> StatementsImportResult:
    """Read, check and store one company's terminal figures, merged by fiscal year into its earlier terminal import
    (the file's years replace the stored ones; ``replace``: the file's years alone; an unreadable stored file stops
    a merge, UnreadableStored; another currency than the stored one is refused unless ``replace``). The fiscal
    year end and the currency come from the company's universe entry (``currency`` overrides it; a ticker in no
    universe: December year end). ``known_on``: the date the estimates were made (default today): before it a
    back-dated table or chart does not use them."""
    from screener.app.holdings import read_rows
    from screener.data.statements import STATEMENTS_KIND, key, provider_years, write_statements
    from screener.data.store import joined_labels

    symbol = uv.symbol(ticker, "--ticker")
    code = uv.currency_option(currency, "--currency")
    try:
        company = next((c for c in uv.companies(uv.selected(env, ())) if c.ticker == symbol), None)
    except Exception:  # the universes are not needed to import: a broken one only loses the year end and currency
        company = None
    rows = read_rows(file, max_bytes=env.settings.max_input_bytes, decimal=decimal)
    known = known_on or env.today()
    parsed = parse_statements(str(file), rows, company.fiscal_year_end_month if company else 12, decimal)
    years = [with_(y, known_on=known) for y in parsed]
    unit = code or (company.reporting_currency if company else None)
    store, label = env.store, file.name
    with store.locked(STATEMENTS_KIND, key(symbol, "terminal"), ".parquet") as path:
        held = store.merge_base(partial(provider_years, store, symbol, "terminal"), replace=replace)
        merged = years
        if held is not None:  # the file's years replace the stored ones, other stored years stay
            was = held[0][0].currency
            if was != unit:
                unknown = "an unknown currency"
                raise UsageError(
                    f"{path}: stored in {was or unknown}, this import is in {unit or unknown}: nothing was written; "
                    "import with --replace to store this file's years alone"
                )
            mine = {y.fiscal_year for y in years}
            merged = sorted([*(y for y in held[0] if y.fiscal_year not in mine), *years], key=lambda y: y.fiscal_year)
            label = joined_labels(held[1].get("label", ""), label)
        write_statements(store, symbol, "terminal", merged, label, unit, known)
    return StatementsImportResult(symbol, file, years, unit, company is not None)
