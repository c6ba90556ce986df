"""The comp table from universes, market data and settings (pure: no I/O, no clock; "today" comes in as
``as_of``). One company's row: price, market cap, TP, ETR, ratings, FY1/FY2 multiples and flags
(:func:`company_row`); group aggregates; ranking; rating-history records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from screener.app.results import (
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
from screener.core import fx
from screener.core import multiples as mx
from screener.core.estimates import YearMultiples, consensus_label, from_consensus, from_estimate_year, from_model
from screener.core.fiscal import fy1_label
from screener.core.flags import RowInputs, YearInputs, fx_stale, implausible_dividend, row_flags
from screener.core.ratings import (
    expected_share_price_return,
    expected_total_return,
    in_band,
    rule_rating,
)
from screener.core.values import NA, NM, Value, is_num
from screener.models import Company, ConsensusEstimate, FxRate, Quote

__all__ = [  # the result types and column names moved to screener.app.results; re-exported until render/ moves
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
    """Compute one company's line at ``as_of``: price, market cap, TP, ETR, ratings, FY1/FY2 multiples, flags.

    Point in time: the house view is the one in force at ``as_of``; the house model, the universe's consensus
    (``reference_date``) and fetched or imported consensus (its own date, else the fetch date) are used only when
    known by ``as_of`` (else NA and flag ``estimate_after_as_of``); an FX rate dated after ``as_of`` or more than
    ``[fx] max_staleness_days`` before it is used but flagged ``fx_stale``.
    ``band_target``: the P/B-band target of a company with ``target_from_band`` (it replaces the house
    target price; flag ``tp_from_band``, or ``band_target_na`` when the band could not be computed).
    ``consensus`` (fetched or imported market consensus) gives a not-rated name its target (flag
    ``consensus_target``) and replaces the stored consensus P/E with price / its EPS (flag ``consensus_eps``); a
    consensus dated per fiscal year also gives P/B, DY and EV/EBITDA where it has BVPS, DPS, EBITDA and net debt.
    ``estimate_label`` says ``consensus (n=FY1 forecasters, estimate date)``.
    ``price_after_as_of``: the quote is None because the only price is later than ``as_of``.
    Per-share figures are converted into the trading currency with :mod:`screener.core.fx` (NA + ``fx_missing``
    without a rate); market cap in USD millions at the rate of the trading currency. A dividend yield whose
    implied payout (yield × P/E of the same fiscal year) is above ``[sanity] max_payout`` stays visible but is
    left out of the ETR (flags ``dy_implausible``, ``etr_excludes_dividend``) and of the aggregates.
    """
    fy1 = fy1_label(as_of, company.fiscal_year_end_month, settings.report_lag_days)
    labels = (fy1, fy1 + 1)
    view = company.view_at(as_of)
    target: Value = view.target_price if view else NA
    band: Value | None = None
    if company.target_from_band is not None:
        band = band_target if band_target is not None else NA
        target = band
    changes = changes or PriceChanges()
    invalid_price = quote is not None and not (is_num(quote.price) and quote.price > 0)
    if quote is None or invalid_price:
        inputs = RowInputs(
            as_of, None, price_after_as_of=price_after_as_of, invalid_price=invalid_price, band_target=band
        )
        empty = {y: YearMultiples() for y in labels}
        flags = row_flags(inputs, settings.sanity)
        return CompanyRow(
            company, None, NA, NA, target, NA, NA, NA, None, None, fy1, empty, "none", flags, view, changes
        )
    assert quote is not None
    price = quote.price
    trading_fx = fx.per_usd(company.currency, rates)
    years: dict[int, YearMultiples] = {label: YearMultiples() for label in labels}
    estimate_source = "none"
    estimate_label = provider = ""
    fx_missing = estimate_late = False
    if company.model is not None and company.model_known_on(as_of):
        estimate_source = "house"
        model_to_trading = fx.factor(company.model.currency, company.currency, rates)
        if model_to_trading is None:
            fx_missing = True
        else:
            years = {
                label: from_model(company.model, label, price, model_to_trading, settings.ev_include_minorities)
                for label in labels
            }
    elif company.model is not None:
        estimate_late = True
    elif company.consensus is not None and company.consensus.reference_date <= as_of:
        estimate_source = "consensus"
        estimate_label = consensus_label(None, company.consensus.reference_date)
        provider = company.consensus.source
        years = {label: from_consensus(company.consensus, label, price) for label in labels}
    elif company.consensus is not None:
        estimate_late = True
    known_on = consensus.known_on if consensus is not None else None
    if consensus is not None and known_on is not None and known_on > as_of:
        consensus, estimate_late = None, True
    consensus_eps = False
    if consensus is not None and company.model is None:
        eps_to_trading = fx.factor(consensus.eps_currency or company.currency, company.currency, rates)
        if eps_to_trading is None or trading_fx is None:
            pass  # no rate to convert the estimate: the multiples stay NA
        elif consensus.years:  # dated per fiscal year (AKShare, estimates import): every figure it gives
            for label in labels:
                year = consensus.years.get(label)
                updates = from_estimate_year(year, price, eps_to_trading, quote.market_cap) if year else {}
                if updates:
                    years[label] = replace(years[label], **updates)  # type: ignore[arg-type]
                    consensus_eps = True
        else:
            for label, eps in zip(labels, (consensus.eps_fy1, consensus.eps_fy2), strict=True):
                if eps is not None:
                    converted = fx.scale(float(eps), eps_to_trading)
                    years[label] = replace(years[label], pe=mx.price_to_earnings(price, converted))
                    consensus_eps = True
        if consensus_eps:
            fy1_year = consensus.years.get(fy1)
            analysts = fy1_year.n_analysts if fy1_year is not None else consensus.analysts
            estimate_source, provider = "consensus", consensus.source
            estimate_label = consensus_label(analysts, known_on)
    consensus_target = bool(
        view is None and company.target_from_band is None and consensus is not None and consensus.target_mean
    )
    if consensus_target:
        assert consensus is not None and consensus.target_mean is not None
        target = float(consensus.target_mean)

    market_cap_usd: Value = NA
    model_year = company.model.years.get(fy1) if company.model else None
    model_shares = model_year.shares if model_year is not None and is_num(model_year.shares) else None
    from_snapshot_shares = False
    if trading_fx and quote.market_cap is not None and not (quote.market_cap_estimated and model_shares):
        market_cap_usd = _or_na(fx.convert(quote.market_cap, company.currency, "USD", rates))
        from_snapshot_shares = quote.market_cap_estimated
    elif trading_fx and model_shares is not None:
        in_trading = price * float(model_shares)  # type: ignore[arg-type]
        market_cap_usd = _or_na(fx.convert(in_trading, company.currency, "USD", rates))

    years, non_finite = _finite_years(years)
    if not is_num(market_cap_usd) and market_cap_usd not in (NA, NM):
        market_cap_usd, non_finite = NA, True
    limits = settings.sanity
    suspect = frozenset(y for y in labels if implausible_dividend(years[y].dy, years[y].pe, limits.max_payout))
    dividend_yield = years[fy1].dy
    etr_yield = NA if fy1 in suspect else dividend_yield
    upside = expected_share_price_return(target, price)
    if isinstance(upside, float) and not is_num(upside):
        upside, non_finite = NA, True
    etr = expected_total_return(upside, etr_yield)
    rule = rule_rating(etr, company.high_risk, settings.rules)
    fits = in_band(view.rating if view else None, etr, company.high_risk, settings.rules)
    currencies = {company.currency} | ({company.model.currency} if company.model else set())
    inputs = RowInputs(
        as_of=as_of,
        price_date=quote.price_date,
        quote_currency=quote.currency,
        trading_currency=company.currency,
        band_target=band,
        fx_missing=fx_missing,
        fx_stale=fx_stale([rates.get(c) for c in currencies], as_of, settings.fx_max_staleness_days),
        estimate_after_as_of=estimate_late,
        consensus_eps=consensus_eps,
        consensus_target=consensus_target,
        market_cap_from_snapshot_shares=from_snapshot_shares,
        upside=upside,
        dividend_yield=etr_yield,
        years=[YearInputs(y.pe, y.pb, y.roe, y.dy) for y in years.values()],
        target_set_on=view.set_on if view else None,
        non_finite=non_finite,
    )
    return CompanyRow(
        company,
        quote,
        price,
        market_cap_usd,
        target,
        upside,
        dividend_yield,
        etr,
        rule,
        fits,
        fy1,
        years,
        estimate_source,
        row_flags(inputs, settings.sanity),
        view,
        changes,
        suspect,
        estimate_label,
        provider,
    )


def _or_na(value: float | None) -> Value:
    return NA if value is None else value


def _finite_years(years: dict[int, YearMultiples]) -> tuple[dict[int, YearMultiples], bool]:
    """Every multiple finite or NA/NM: a non-finite number (from an absurd input) becomes NA, and says so."""
    found = False
    out = {}
    for label, year in years.items():
        changes: dict[str, Any] = {}
        for metric in ("pe", "pb", "ev_ebitda", "roe", "dy"):
            value = year.get(metric)
            if isinstance(value, float) and not is_num(value):
                changes[metric] = NA
        found = found or bool(changes)
        out[label] = replace(year, **changes) if changes else year
    return out, found
