"""``screener chart financials``: revenue, growth, margins or FCF per company and fiscal year (#15), from the
house model in the universe file (its years from the model's FY1 on are estimates) and the statements store
(terminal imports, Yahoo annual statements); the figure is drawn by :mod:`screener.render.charts_financials`.

The years and metrics are exactly those of ``screener financials``: :func:`screener.app.financials.company_years`
(house model > terminal > Yahoo, point in time) and :func:`screener.core.financials.company_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from screener.app.financials import company_years, row_source, statement_holders, year_currency
from screener.app.results import PERCENT_METRICS, CompanyBars, FinancialsChart
from screener.core.financials import company_metrics
from screener.core.fx import convert, latest
from screener.core.values import NA, Value
from screener.environment import Environment
from screener.errors import DataUnavailable, UsageError

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope
    from screener.data.store import Store
    from screener.models import Company, FxRate

CHART_METRICS = ("revenue", "revenue_growth", "gross_margin", "fcf", "net_margin")
"""The metrics ``chart financials --metric`` accepts (names of :class:`screener.core.financials.YearMetrics`)."""
TITLES = {
    "revenue": "Revenue",
    "revenue_growth": "Revenue growth",
    "gross_margin": "Gross margin",
    "fcf": "Free cash flow",
    "net_margin": "Net margin",
}


@dataclass(frozen=True)
class YearFacts:
    """What a bar needs besides its value: the year's currency, whether an estimate, where it came from."""

    currency: str
    is_estimate: bool
    source: str


def _in_usd(value: Value, currency: str, rates: Mapping[str, FxRate]) -> Value:
    """A number in ``currency`` in USD (:func:`screener.core.fx.convert`; NA without a rate); NA/NM unchanged."""
    if not isinstance(value, float):
        return value
    converted = convert(value, currency, "USD", rates)
    return NA if converted is None else converted


def check_metric(metric: str, years: int) -> None:
    """``--metric`` is one of :data:`CHART_METRICS`; ``--years`` at least 1."""
    if metric not in CHART_METRICS:
        raise UsageError(f"--metric must be one of {', '.join(CHART_METRICS)}, got {metric!r}")
    if years < 1:
        raise UsageError("--years must be at least 1")


def financials_of(
    companies: Sequence[Company],
    metric: str,
    *,
    store: Store | None,
    fx: Mapping[str, FxRate],
    day: date,
    report_lag_days: int,
    years: int = 6,
    names: str = "",
) -> FinancialsChart:
    """The chart data: per company the metric by fiscal year over the latest ``years`` years any company has;
    companies without a value for the metric in those years are left out (listed). Amounts in several currencies
    are converted to USD with ``fx`` (a company whose currency has no rate is left out). DataUnavailable when no
    company has the metric."""
    check_metric(metric, years)
    holders = statement_holders(store) if store is not None else set()
    computed: dict[str, dict[int, tuple[Value, YearFacts]]] = {}
    for company in companies:
        years_of, _notes = company_years(company, store, holders, day, report_lag_days)
        metrics = company_metrics(years_of)
        computed[company.ticker] = {
            label: (
                metrics[label].get(metric),
                YearFacts(year_currency(fy, company), fy.is_estimate, row_source(fy)),
            )
            for label, fy in years_of.items()
        }
    shown = sorted({y for by_year in computed.values() for y, (v, _) in by_year.items() if isinstance(v, float)})
    shown = shown[-years:]
    notes: list[str] = []
    currencies = {fy.currency for by_year in computed.values() for y, (v, fy) in by_year.items()
                  if y in shown and isinstance(v, float)}  # fmt: skip
    convert = metric not in PERCENT_METRICS and len(currencies) > 1
    left_out: list[str] = []
    bars: list[CompanyBars] = []
    for company in companies:
        picked = {y: computed[company.ticker][y] for y in shown if y in computed[company.ticker]}
        if not any(isinstance(v, float) for v, _ in picked.values()):
            left_out.append(company.name)
            continue
        missing_fx = sorted({fy.currency for _, fy in picked.values() if fy.currency not in (*fx, "USD")})
        if convert and missing_fx:
            left_out.append(f"{company.name} (no FX rate for {', '.join(missing_fx)})")
            continue
        values = {y: _in_usd(v, fy.currency, fx) if convert else v for y, (v, fy) in picked.items()}
        estimates = {y for y, (_, fy) in picked.items() if fy.is_estimate}
        sources = sorted({fy.source for _, fy in picked.values()})
        bars.append(CompanyBars(company.ticker, company.name, values, estimates, sources))
    if not bars:
        raise DataUnavailable(f"no company has {TITLES[metric].lower()} (house model or stored statements)")
    if metric in PERCENT_METRICS:
        unit = "%"
    elif convert:
        unit = "US$ m"
        used = sorted(c for c in currencies if c != "USD" and c in fx)
        rates = ", ".join(f"{c} {fx[c].per_usd:,.4g} per USD ({fx[c].rate_date}, {fx[c].source})" for c in used)
        notes.append(f"amounts in several currencies converted to USD at {rates}")
    else:
        unit = f"{next(iter(currencies))} m" if currencies else "m"
    title = f"{TITLES[metric]} by year, {unit}" + (f" — {names}" if names else "")
    sources = sorted({s for b in bars for s in b.sources})
    return FinancialsChart(metric, title, unit, shown, bars, left_out, "; ".join(sources), day, notes)


def stored_fx(env: Environment, currencies: set[str], day: date) -> dict[str, FxRate]:
    """FX per currency without asking the network: the store's FX table, then the bundled snapshot; per currency
    the latest rate dated on or before ``day`` (:func:`screener.core.fx.latest`, no staleness limit). A currency
    with only later rates gets none (no look-ahead: its companies are left out of a mixed-currency chart, with
    the reason)."""
    from screener.data.store_source import StoreSource

    offers: dict[str, list[FxRate]] = {}
    for source in (StoreSource(env.store, {}, as_of=day), env.snapshot()):
        try:
            rates = source.fx_rates(sorted(currencies))
        except DataUnavailable:
            continue
        for currency, rate in rates.items():
            offers.setdefault(currency, []).append(rate)
    picked = {currency: latest(found, day) for currency, found in offers.items()}
    return {currency: rate for currency, rate in picked.items() if rate is not None}


def financials(env: Environment, scope: ResolvedScope, metric: str, years: int) -> FinancialsChart:
    """``chart financials``: the scope's selected companies (universes, groups) at its as-of date."""
    companies = list(scope.selection.companies)
    day = scope.as_of
    currencies = {c.reporting_currency for c in companies} | {c.model.currency for c in companies if c.model}
    fx = stored_fx(env, currencies - {"USD"}, day) if metric not in PERCENT_METRICS else {}
    return financials_of(
        companies,
        metric,
        store=env.store,
        fx=fx,
        day=day,
        report_lag_days=env.settings.report_lag_days,
        years=years,
        names=scope.selection.title,
    )
