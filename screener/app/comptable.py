"""The comp table's row for one company: the settings and inputs gathered here, the computation in
:mod:`screener.core.comprow` (pure), the result a :class:`screener.app.screen_results.CompanyRow`."""

from __future__ import annotations

from datetime import date

from screener.app.screen_results import (
    AGGREGATE_COLUMNS,
    ALL_GROUP,
    CHANGE_COLUMNS,
    DESCENDING,
    HARMONIC_COLUMNS,
    MULTIPLE_COLUMNS,
    PERCENTILE_COLUMNS,
    STATEMENT_COLUMNS,
    YIELD_COLUMNS,
    CompanyRow,
    PriceChanges,
)
from screener.config import Settings
from screener.core.comprow import RowRules, comp_row
from screener.core.values import Value
from screener.models import Company, ConsensusEstimate, FxRate, Quote

__all__ = [  # result types and column names live in screener.app.screen_results: re-exported for render/
    "AGGREGATE_COLUMNS",
    "ALL_GROUP",
    "CHANGE_COLUMNS",
    "DESCENDING",
    "HARMONIC_COLUMNS",
    "MULTIPLE_COLUMNS",
    "PERCENTILE_COLUMNS",
    "STATEMENT_COLUMNS",
    "YIELD_COLUMNS",
    "CompanyRow",
    "PriceChanges",
    "company_row",
]


def row_rules(settings: Settings) -> RowRules:
    """The settings a comp-table row is computed with."""
    return RowRules(
        settings.rules,
        settings.sanity,
        settings.report_lag_days,
        settings.ev_include_minorities,
        settings.fx_max_staleness_days,
    )


def company_row(
    company: Company,
    quote: Quote | None,
    rates: dict[str, FxRate],
    as_of: date,
    settings: Settings,
    band_target: Value | None = None,
    consensus: ConsensusEstimate | None = None,
    price_after_as_of: bool = False,
    changes: PriceChanges | None = None,
) -> CompanyRow:
    """One company's line at ``as_of`` (:func:`screener.core.comprow.comp_row`: price, market cap, TP, ETR,
    ratings, FY1/FY2 multiples, flags) with its price ``changes`` (None: NA)."""
    rules = row_rules(settings)
    row = comp_row(company, quote, rates, as_of, rules, band_target, consensus, price_after_as_of)
    return CompanyRow.of(row, changes)
