"""``screener chart financials``: revenue, growth, margins or FCF per company and fiscal year (#15), from the
house model in the universe file (its years from the model's FY1 on are estimates) and the statements store
(terminal imports, Yahoo annual statements); the figure is drawn by :mod:`screener.render.charts_financials`.

Interim: the per-year figures are read here and the metrics computed by :func:`screener.core.chart_metrics.
year_metrics`; the lead unifies both with ``screener financials`` (:mod:`screener.core.financials`) at merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from screener.app import universes as uv
from screener.core.chart_metrics import CHART_METRICS, PERCENT_METRICS, year_metrics
from screener.core.fiscal import fy1_label
from screener.core.values import NA, Value, as_value
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError

if TYPE_CHECKING:
    from screener.data.store import Store
    from screener.models import Company, FxRate

INPUTS = ("revenue", "gross_profit", "fcf", "net_income")
"""The per-year figures the charted metrics need (house-model attributes and statements-store fields)."""
TITLES = {
    "revenue": "Revenue",
    "revenue_growth": "Revenue growth",
    "gross_margin": "Gross margin",
    "fcf": "Free cash flow",
    "net_margin": "Net margin",
}


@dataclass
class YearFigures:
    """One company's fiscal year: the inputs (millions of ``currency``), whether an estimate, and from where."""

    values: dict[str, Value]
    currency: str
    is_estimate: bool
    source: str


@dataclass
class CompanyBars:
    """One company's bars: the metric per fiscal year (NA/NM: no bar, a marker), the estimated years."""

    ticker: str
    label: str
    values: dict[int, Value]
    estimates: set[int]
    sources: list[str]


@dataclass
class FinancialsChart:
    """Grouped bars per company by fiscal year; ``unit`` is ``%`` or ``CNY m`` / ``US$ m``."""

    metric: str
    title: str
    unit: str
    years: list[int]
    companies: list[CompanyBars]
    left_out: list[str]
    source: str
    as_of: date
    notes: list[str] = field(default_factory=list)

    @property
    def percent(self) -> bool:
        return self.metric in PERCENT_METRICS


def company_years(company: Company, store: Store | None, day: date, report_lag_days: int) -> dict[int, YearFigures]:
    """``company``'s fiscal years on ``day``: the house model first (when it existed on ``day``; years from its
    FY1 on are estimates), then the stored statements field by field (terminal > yahoo); reported years not yet
    published on ``day`` (period end + report lag) are left out (no look-ahead)."""
    out: dict[int, YearFigures] = {}
    model = company.model
    if model is not None and company.model_known_on(day):
        fy1 = fy1_label(model.as_of or day, company.fiscal_year_end_month, report_lag_days)
        for label, year in model.years.items():
            values = {name: as_value(getattr(year, name, None)) for name in INPUTS}
            out[label] = YearFigures(values, model.currency, label >= fy1, model.source)
    if store is None:
        return out
    from screener.data.statements import read_statements

    try:
        stored = read_statements(store, company.ticker)
    except StoreCorrupt:
        stored = {}
    for label, fy in stored.items():
        if not fy.is_estimate and fy.period_end + timedelta(days=report_lag_days) > day:
            continue
        currency = fy.currency or company.reporting_currency
        entry = out.get(label)
        if entry is None:
            source = "stored statements: " + ", ".join(sorted(set(fy.sources.values())))
            entry = out[label] = YearFigures({n: NA for n in INPUTS}, currency, fy.is_estimate, source)
        if entry.currency != currency:
            continue  # one currency per year: the house model's wins
        for name in INPUTS:
            if entry.values[name] is NA and name in fy.values:
                entry.values[name] = fy.values[name]
    return dict(sorted(out.items()))


def _in_usd(value: Value, currency: str, fx: Mapping[str, FxRate]) -> Value:
    if not isinstance(value, float) or currency == "USD":
        return value
    return value / fx[currency].per_usd


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
    if metric not in CHART_METRICS:
        raise UsageError(f"--metric must be one of {', '.join(CHART_METRICS)}, got {metric!r}")
    if years < 1:
        raise UsageError("--years must be at least 1")
    figures = {c.ticker: company_years(c, store, day, report_lag_days) for c in companies}
    computed: dict[str, dict[int, tuple[Value, YearFigures]]] = {}
    for ticker, by_year in figures.items():
        computed[ticker] = {}
        for label, fy in by_year.items():
            prior = by_year.get(label - 1)
            prior_revenue = prior.values["revenue"] if prior is not None and prior.currency == fy.currency else NA
            v = fy.values
            value = year_metrics(v["revenue"], prior_revenue, v["gross_profit"], v["fcf"], v["net_income"])[metric]
            computed[ticker][label] = (value, fy)
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
    the latest rate dated on or before ``day`` (else the earliest later one)."""
    from screener.data.store_source import StoreSource

    offers: dict[str, list[FxRate]] = {}
    for source in (StoreSource(env.store, {}, as_of=day), env.snapshot()):
        try:
            rates = source.fx_rates(sorted(currencies))
        except DataUnavailable:
            continue
        for currency, rate in rates.items():
            offers.setdefault(currency, []).append(rate)
    out = {}
    for currency, found in offers.items():
        known = [r for r in found if r.rate_date <= day]
        out[currency] = max(known, key=lambda r: r.rate_date) if known else min(found, key=lambda r: r.rate_date)
    return out


def financials(
    env: Environment,
    metric: str,
    universes: Sequence[str],
    groups: Sequence[str],
    years: int,
    as_of: date | None,
) -> FinancialsChart:
    """``chart financials``: the selected universes' companies (``groups``: only these peer groups)."""
    companies = uv.companies(uv.selected(env, universes))
    wanted = {g.lower() for g in groups}
    known = {c.group.lower() for c in companies}
    if wanted - known:
        unknown = ", ".join(sorted(wanted - known))
        raise UsageError(f"--group: unknown group {unknown} (known: {', '.join(sorted(known))})")
    if wanted:
        companies = [c for c in companies if c.group.lower() in wanted]
    day = as_of or env.today()
    currencies = {c.reporting_currency for c in companies} | {c.model.currency for c in companies if c.model}
    fx = stored_fx(env, currencies - {"USD"}, day) if metric not in PERCENT_METRICS else {}
    names = ", ".join(universes or [p.stem for p in env.settings.universe_files])
    return financials_of(
        companies,
        metric,
        store=env.store,
        fx=fx,
        day=day,
        report_lag_days=env.settings.report_lag_days,
        years=years,
        names=names,
    )
