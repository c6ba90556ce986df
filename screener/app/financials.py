"""``screener financials`` and the comp table's growth columns: per company the fiscal years of the house model
(universe file), the terminal import and Yahoo's annual statements (the store), merged field by field in that
order of priority, and their metrics (:mod:`screener.core.financials`, METHODS §11).

Reuse: :func:`statement_metrics` gives every company's metrics by fiscal year (charts); :func:`company_years` one
company's merged years (each value's source named) and :func:`company_metrics_at` their metrics at a price;
:func:`statement_holders` lists the store's statements folder once (no pandas when it is empty).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from screener.app import universes as uv
from screener.app.results import FinancialRow, FinancialsReport
from screener.app.results import no_figures_note as no_figures_note
from screener.core import fx
from screener.core.financials import YearMetrics, company_metrics
from screener.core.fiscal import fiscal_year_end, fy1_label
from screener.core.values import Value, is_num
from screener.data.statements import FIELDS, STATEMENTS_KIND, FiscalYear
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError
from screener.models import Company, FxRate, Quote

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope
    from screener.data.store import Store

HOUSE_MODEL = "house model"
MODEL_FIELDS = tuple(name for name in FIELDS if name != "net_debt")
"""The statement fields a house model year gives (``borrowings`` = short + long term)."""
LAST_YEAR_AFTER_FY1 = 2
"""``financials`` shows fiscal years up to FY3 = FY1 + 2 (the house models' horizon: 2027 on 10 Oct 2025)."""
_COMP_METRICS = {
    "rev_growth_fy1": "revenue_growth",
    "eps_growth_fy1": "eps_growth",
    "peg_fy1": "peg",
    "net_debt_to_ebitda_fy1": "net_debt_to_ebitda",
}


# --- the merged years -------------------------------------------------------------------------------------------
def model_years(company: Company, report_lag_days: int) -> dict[int, FiscalYear]:
    """The house model as statements: every model year with its figures (source ``house model``); a year is an
    estimate when it was not yet reported at the model's date (its ``as_of``, else the first view's date): the
    FY1 rule of METHODS §7, years >= FY1 then. Without a model: empty."""
    model = company.model
    if model is None:
        return {}
    made = model.as_of or (company.views[0].set_on if company.views else None)
    first_estimate = fy1_label(made, company.fiscal_year_end_month, report_lag_days) if made else None
    out: dict[int, FiscalYear] = {}
    for label, year in sorted(model.years.items()):
        values = {name: float(v) for name in MODEL_FIELDS if is_num(v := getattr(year, name))}  # type: ignore[arg-type]
        out[label] = FiscalYear(
            label,
            fiscal_year_end(label, company.fiscal_year_end_month),
            is_estimate=first_estimate is not None and label >= first_estimate,
            values=values,
            sources=dict.fromkeys(values, HOUSE_MODEL),
            currency=model.currency,
        )
    return out


def merge(first: Mapping[int, FiscalYear], then: Mapping[int, FiscalYear]) -> tuple[dict[int, FiscalYear], list[str]]:
    """``first``'s years, each field filled from ``then`` where ``first`` has none (the same year in the same
    currency only: a year in another currency is left out, with a note)."""
    out = {y: FiscalYear(v.fiscal_year, v.period_end, v.is_estimate, dict(v.values), dict(v.sources), v.currency)
           for y, v in first.items()}  # fmt: skip
    notes: list[str] = []
    for label, year in then.items():
        mine = out.get(label)
        if mine is None:
            out[label] = FiscalYear(
                year.fiscal_year, year.period_end, year.is_estimate, dict(year.values), dict(year.sources),
                year.currency,
            )  # fmt: skip
            continue
        if mine.currency and year.currency and mine.currency != year.currency:
            notes.append(f"FY{label}: stored figures in {year.currency}, not {mine.currency}: left out")
            continue
        for name, value in year.values.items():
            if name not in mine.values:
                mine.values[name] = value
                mine.sources[name] = year.sources.get(name, "")
    return dict(sorted(out.items())), notes


def statement_holders(store: Store) -> set[str]:
    """Tickers with statements in the store (the folder listed once; no pandas)."""
    return store.tickers_with(STATEMENTS_KIND)


def company_years(
    company: Company, store: Store | None, holders: Collection[str], as_of: date, report_lag_days: int
) -> tuple[dict[int, FiscalYear], list[str]]:
    """One company's fiscal years, merged field by field: house model (when made on or before ``as_of``) >
    terminal import > Yahoo annual statements (read only for ``holders``; a reported year only from its period end
    + ``report_lag_days`` on, the point-in-time rule of the Yahoo book values; an estimate from the day it was
    known); notes say what was left out."""
    notes: list[str] = []
    model: dict[int, FiscalYear] = {}
    if company.model is not None and company.model_known_on(as_of):
        model = model_years(company, report_lag_days)
    elif company.model is not None:
        notes.append(f"{company.ticker}: the house model was made after {as_of}: not used")
    stored: dict[int, FiscalYear] = {}
    if store is not None and company.ticker in holders:
        from screener.data.statements import read_statements

        try:
            stored = read_statements(store, company.ticker)
        except StoreCorrupt as exc:
            notes.append(f"{company.ticker}: {exc}; ignored")
        for label, year in list(stored.items()):  # no look-ahead: a report counts from period end + report lag,
            if year.is_estimate:  # an estimate from the day it was known (imported, or --known-on)
                if year.known_on is not None and year.known_on > as_of:
                    del stored[label]
            elif year.period_end + timedelta(days=report_lag_days) > as_of:
                del stored[label]
    merged, left_out = merge(model, stored)
    return merged, notes + [f"{company.ticker}: {n}" for n in left_out]


def row_source(year: FiscalYear) -> str:
    """Where a year's figures came from: one source's name, or ``mixed: a, b`` (priority order)."""
    names = list(dict.fromkeys(year.sources[k] for k in year.values if k in year.sources))
    if not names:
        return "none"
    return names[0] if len(names) == 1 else "mixed: " + ", ".join(names)


def year_currency(year: FiscalYear, company: Company) -> str:
    return year.currency or company.reporting_currency


def company_metrics_at(
    company: Company, years: Mapping[int, FiscalYear], quote: Quote | None, rates: Mapping[str, FxRate]
) -> dict[int, YearMetrics]:
    """The metrics of the merged years at the quote's price (P/E and PEG with the reporting currency converted
    into the trading currency at ``rates``; no quote or rate: NA)."""
    price = quote.price if quote is not None and is_num(quote.price) and quote.price > 0 else None
    currencies = {y.currency for y in years.values() if y.currency}
    reporting = next(iter(currencies)) if len(currencies) == 1 else company.reporting_currency
    factor = fx.factor(reporting, company.currency, rates)
    return company_metrics(years, price, factor)


def comp_columns(
    store: Store | None,
    companies: Iterable[Company],
    quotes: Mapping[str, Quote],
    rates: Mapping[str, FxRate],
    as_of: date,
    report_lag_days: int,
) -> dict[str, dict[str, Value]]:
    """The comp table's ``rev_growth_fy1``, ``eps_growth_fy1``, ``peg_fy1`` and ``net_debt_to_ebitda_fy1`` by
    ticker: the FY1 metrics of the merged years (house model, else stored statements). Companies with neither
    get nothing (NA) and the store is not read for them."""
    holders = statement_holders(store) if store is not None else set()
    out: dict[str, dict[str, Value]] = {}
    for company in companies:
        if company.model is None and company.ticker not in holders:
            continue
        years, _ = company_years(company, store, holders, as_of, report_lag_days)
        if not years:
            continue
        fy1 = fy1_label(as_of, company.fiscal_year_end_month, report_lag_days)
        metrics = company_metrics_at(company, years, quotes.get(company.ticker), rates).get(fy1)
        if metrics is not None:
            out[company.ticker] = {col: metrics.get(name) for col, name in _COMP_METRICS.items()}
    return out


def statement_metrics(
    store: Store | None,
    companies: Iterable[Company],
    as_of: date,
    report_lag_days: int,
    quotes: Mapping[str, Quote] | None = None,
    rates: Mapping[str, FxRate] | None = None,
) -> dict[str, dict[int, YearMetrics]]:
    """Every company's metrics by fiscal year (e.g. for a chart of one metric across peers: ``revenue``,
    ``revenue_growth``, ``gross_margin``, ``fcf``, ``net_margin`` … :data:`screener.core.financials.METRICS`);
    companies without figures are left out. Without ``quotes`` P/E and PEG are NA."""
    holders = statement_holders(store) if store is not None else set()
    out: dict[str, dict[int, YearMetrics]] = {}
    for company in companies:
        years, _ = company_years(company, store, holders, as_of, report_lag_days)
        if years:
            quote = (quotes or {}).get(company.ticker)
            out[company.ticker] = company_metrics_at(company, years, quote, rates or {})
    return out


# --- the use case -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FinancialsOptions:
    """The resolved scope (selected names, source, as-of date) and each company's last ``years`` fiscal years."""

    scope: ResolvedScope
    years: int = 6


def financials(env: Environment, options: FinancialsOptions) -> FinancialsReport:
    """Per company of the selected universes (groups, tickers) and each of its last ``years`` fiscal years with
    figures, up to FY3 (FY1 + 2) at most: the merged figures' metrics at today's price (for P/E and PEG).
    Companies without any figures in those years are listed, not shown."""
    from screener.app.market import market_data

    if not 1 <= options.years <= 50:
        raise UsageError(f"--years must be 1 to 50, got {options.years}")
    companies = list(options.scope.selection.companies)
    day = options.scope.as_of
    lag = env.settings.report_lag_days
    currencies = uv.currencies(companies) | {c.reporting_currency for c in companies}
    notes: list[str] = []
    try:  # prices only feed P/E and PEG: without any, the rest of the table still stands
        market = market_data(env, options.scope, {c.ticker: c.currency for c in companies}, currencies)
        quotes = {t: q for t, q in market.quotes.items() if q.price_date <= day}
        fx_rates, banners = dict(market.fx), list(market.banners)
    except DataUnavailable as exc:
        quotes, fx_rates, banners = {}, {}, []
        notes.append(f"no prices ({exc}): P/E and PEG are NA")
    holders = statement_holders(env.store)
    rows: list[FinancialRow] = []
    without: list[Company] = []
    for company in companies:
        years, said = company_years(company, env.store, holders, day, lag)
        notes += said
        fy1 = fy1_label(day, company.fiscal_year_end_month, lag)
        last = min(fy1 + LAST_YEAR_AFTER_FY1, max(years, default=fy1))  # the latest year with figures, at most FY3
        shown = [y for y in years if last - options.years < y <= last]
        if not shown:
            without.append(company)
            continue
        metrics = company_metrics_at(company, years, quotes.get(company.ticker), fx_rates)
        for label in shown:
            year = years[label]
            rows.append(FinancialRow(company, metrics[label], year_currency(year, company), row_source(year), fy1))
    return FinancialsReport(day, rows, without, options.years, notes, banners)
