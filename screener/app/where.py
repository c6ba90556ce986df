"""``--where``: the criteria over the comp table's companies, decided once here; every surface renders the rows
kept and the :class:`~screener.app.screen_results.WhereOutcome` (how many were left out, how many for NA).

The columns are the PM CSV's (:data:`screener.app.pm_row.CSV_COLUMNS`, ``row_type`` aside): number columns
(:data:`screener.app.pm_row.NUMERIC`, the prices), the list columns ``flags`` and ``tags`` (``flags has
'dy_implausible'``) and text columns (``house_rating == 'Buy'``, ``in_band == 'false'``, ``price_date < '2025-10-01'``).
A row's values are its cells (:func:`screener.app.pm_row.company_cells`), the very values the CSV writes: NA and NM
compare false, and so does their negation (:mod:`screener.core.criteria`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from screener.app.pm_row import CSV_COLUMNS, NUMERIC, PRICE_COLUMNS, company_cells
from screener.app.screen_results import CompanyRow, WhereOutcome
from screener.core.criteria import Criteria, CriteriaError, Kind, RowValue, UnknownColumn, parse
from screener.errors import UsageError
from screener.models import Cell

LIST_COLUMNS = ("flags", "tags")
"""PM CSV columns holding a ``;``-joined list: compared with ``has``."""
NUMBER_COLUMNS = frozenset({*NUMERIC, *PRICE_COLUMNS})
"""PM CSV columns holding numbers (compared with numbers, percentages or another number column)."""


def where_columns() -> dict[str, Kind]:
    """Every PM CSV column ``--where`` reads, with its kind (number, text or list)."""
    return {
        column: "list" if column in LIST_COLUMNS else "number" if column in NUMBER_COLUMNS else "text"
        for column in CSV_COLUMNS
        if column != "row_type"
    }


def parse_where(text: str, option: str = "--where") -> Criteria:
    """The criteria of ``--where TEXT``; a syntax error names the option and the position, an unknown column lists
    the valid ones (UsageError: exit 2). Nothing in the text is ever executed."""
    columns = where_columns()
    try:
        return parse(text, columns)
    except UnknownColumn as exc:
        raise UsageError(
            f"{option}: unknown column {exc.name!r} at position {exc.position} (columns: {', '.join(columns)})"
        ) from None
    except CriteriaError as exc:
        raise UsageError(f"{option}: {exc.message} at position {exc.position} in {text!r}") from None


def cell_value(column: str, cell: Cell) -> RowValue:
    """A cell as the criteria read it: None for NA/NM (or nothing), a list column as its codes, a boolean as its
    CSV text (``true``/``false``), a number as a float, else the text."""
    if column in LIST_COLUMNS:
        return tuple(code for code in str(cell.value or "").split(";") if code)
    if cell.missing or cell.value is None:
        return None
    if isinstance(cell.value, bool):
        return "true" if cell.value else "false"
    if column in NUMBER_COLUMNS:
        return float(cell.value)
    return str(cell.value)


def row_values(row: CompanyRow, as_of: str, columns: Iterable[str]) -> dict[str, RowValue]:
    """The values of ``columns`` in a company's cells."""
    cells = company_cells(row, as_of)
    return {column: cell_value(column, cells[column]) for column in columns}


def select(rows: Iterable[CompanyRow], criteria: Criteria, as_of: str) -> tuple[set[int], WhereOutcome]:
    """The rows the criteria keep (by ``id``) and the outcome: kept, left out, left out for NA."""
    kept: set[int] = set()
    false = unknown = 0
    for row in rows:
        verdict = criteria.evaluate(row_values(row, as_of, criteria.columns))
        if verdict:
            kept.add(id(row))
        elif verdict is None:
            unknown += 1
        else:
            false += 1
    return kept, WhereOutcome(criteria.text, len(kept), false + unknown, unknown)


def kept_tickers(rows: Mapping[str, CompanyRow], criteria: Criteria, as_of: str) -> tuple[set[str], WhereOutcome]:
    """The tickers of ``rows`` (by ticker) the criteria keep, and the outcome."""
    kept, outcome = select(rows.values(), criteria, as_of)
    return {ticker for ticker, row in rows.items() if id(row) in kept}, outcome
