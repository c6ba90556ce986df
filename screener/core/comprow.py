"""One company's line of the comp table at the as-of date (METHODS §2-4). Pure: no I/O, no clock.

:func:`comp_row` runs the steps, each one function: the target (:func:`row_target`, :func:`consensus_target`), the
estimates (:func:`stored_estimates`, then :func:`fetched_estimates`), the market cap (:func:`market_cap_usd`),
the returns (:func:`returns`); the flags are decided by :mod:`screener.core.flags` from what the steps found.

Point in time: the house view is the one in force at ``as_of``; an estimate (house model, universe consensus,
fetched or imported consensus) is used only when known by ``as_of``
(:func:`screener.core.flags.estimate_after_as_of`); amounts are converted with :mod:`screener.core.fx` (NA and
``fx_missing`` without a rate) and the rates judged by :func:`screener.core.flags.fx_stale`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from screener.core import fx
from screener.core import multiples as mx
from screener.core.estimates import YearMultiples, consensus_label, from_consensus, from_estimate_year, from_model
from screener.core.fiscal import fy1_label, fy1_share_to_run
from screener.core.flags import (
    RowInputs,
    Thresholds,
    YearInputs,
    estimate_after_as_of,
    fx_stale,
    implausible_dividend,
    row_flags,
)
from screener.core.ntm import ntm_multiples
from screener.core.ratings import Rating, RatingRules, expected_share_price_return, expected_total_return
from screener.core.ratings import in_band as fits_band
from screener.core.ratings import rule_rating as rule_of
from screener.core.values import NA, NM, Value, is_num
from screener.models import Company, ConsensusEstimate, FxRate, HouseView, Quote


@dataclass(frozen=True)
class RowRules:
    """The settings a row is computed with (``config.toml``: ``[ratings]``, ``[sanity]``, ``[fiscal]
    report_lag_days``, ``[multiples] ev_include_minorities``, ``[fx] max_staleness_days``)."""

    rules: RatingRules = field(default_factory=RatingRules)
    sanity: Thresholds = field(default_factory=Thresholds)
    report_lag_days: int = 90
    ev_include_minorities: bool = True
    fx_max_staleness_days: int = 10


@dataclass
class CompRow:
    """One company's line of the comp table; every number is a float, NA or NM."""

    company: Company
    quote: Quote | None
    price: Value
    market_cap_usd_m: Value
    target_price: Value
    upside: Value
    dividend_yield: Value
    etr: Value
    rule_rating: Rating | None
    in_band: bool | None
    fy1: int
    years: dict[int, YearMultiples]
    estimate_source: str
    flags: list[str] = field(default_factory=list)
    view: HouseView | None = None
    """The house view in force on the as-of date (None: not rated then)."""
    implausible_years: frozenset[int] = frozenset()
    """Fiscal years whose dividend yield fails the payout check: shown marked, kept out of ETR and aggregates."""
    estimate_label: str = ""
    """Where the estimates come from, as shown: ``house``, ``consensus (n=7, 2026-11-20)`` (forecasters of FY1
    and the estimate's date), ``—`` (none)."""
    estimate_provider: str = ""
    """The consensus source behind the row (``Yahoo consensus``, ``akshare-ths``, ``import:FILE``, the universe
    file), empty without consensus."""
    ntm: YearMultiples = field(default_factory=YearMultiples)
    """The twelve-month-forward multiples (:mod:`screener.core.ntm`): FY1 and FY2 blended by ``fy1_share``."""
    fy1_share: float = 1.0
    """The share of FY1 still to run at the as-of date (:func:`screener.core.fiscal.fy1_share_to_run`)."""

    @property
    def ticker(self) -> str:
        return self.company.ticker

    @property
    def estimate_text(self) -> str:
        """The estimate label as shown: ``house``, ``consensus (n=7, 2026-11-20)``, ``—`` without estimates."""
        return self.estimate_label or ("house" if self.estimate_source == "house" else "—")

    @property
    def source(self) -> str:
        return self.quote.source if self.quote else "none"

    def yield_suspect(self, column: str) -> bool:
        """Whether a yield column (``dividend_yield``, ``dy_fy1``, ``dy_fy2``, ``dy_ntm``) failed the payout check;
        the NTM yield fails when a year it blends with a weight does."""
        if column in ("dividend_yield", "dy_fy1"):
            return self.fy1 in self.implausible_years
        if column == "dy_ntm":
            return (self.fy1_share > 0 and self.fy1 in self.implausible_years) or (
                self.fy1 + 1 in self.implausible_years
            )
        return column == "dy_fy2" and self.fy1 + 1 in self.implausible_years


@dataclass(frozen=True)
class Estimates:
    """FY1/FY2 multiples in the trading currency and where they came from (``source``: ``house``, ``consensus``
    or ``none``; ``label`` and ``provider`` as :class:`CompRow` shows them); ``fx_missing``: no rate to convert
    the house model; ``consensus_eps``: fetched or imported consensus gave figures."""

    years: dict[int, YearMultiples]
    source: str = "none"
    label: str = ""
    provider: str = ""
    fx_missing: bool = False
    consensus_eps: bool = False


def row_target(company: Company, view: HouseView | None, band_target: Value | None) -> tuple[Value, Value | None]:
    """The target price and the band target the flags read: the house view's target (NA when not rated), or for
    a company with ``target_from_band`` the P/B-band target (NA when it was not computed), which is also the
    second value (None for other companies)."""
    if company.target_from_band is None:
        return (view.target_price if view else NA), None
    band = band_target if band_target is not None else NA
    return band, band


def consensus_target(company: Company, view: HouseView | None, consensus: ConsensusEstimate | None) -> float | None:
    """A not-rated name's target (no house view in force, no band target): the consensus mean target, if any."""
    if view is None and company.target_from_band is None and consensus is not None and consensus.target_mean:
        return float(consensus.target_mean)
    return None


def stored_date(company: Company) -> date | None:
    """The date of the universe file's estimates: the house model's (:attr:`Company.model_date`), else the
    universe consensus's reference date (a company with a model never uses that consensus); None: undated."""
    if company.model is not None:
        return company.model_date
    return company.consensus.reference_date if company.consensus is not None else None


def stored_estimates(
    company: Company, price: float, rates: Mapping[str, FxRate], as_of: date, labels: Sequence[int], ev_minorities: bool
) -> Estimates:
    """The universe file's estimates at ``as_of``: the house model, converted into the trading currency
    (``fx_missing`` and NA without a rate); else the universe consensus multiples. None of them when dated after
    ``as_of`` (:func:`stored_date`)."""
    empty = {label: YearMultiples() for label in labels}
    if estimate_after_as_of([stored_date(company)], as_of):
        return Estimates(empty)
    if company.model is not None:
        to_trading = fx.factor(company.model.currency, company.currency, rates)
        if to_trading is None:
            return Estimates(empty, "house", fx_missing=True)
        return Estimates({y: from_model(company.model, y, price, to_trading, ev_minorities) for y in labels}, "house")
    if company.consensus is None:
        return Estimates(empty)
    consensus = company.consensus
    label = consensus_label(None, consensus.reference_date)
    return Estimates({y: from_consensus(consensus, y, price) for y in labels}, "consensus", label, consensus.source)


def fetched_estimates(
    stored: Estimates,
    company: Company,
    quote: Quote,
    consensus: ConsensusEstimate | None,
    rates: Mapping[str, FxRate],
    labels: Sequence[int],
) -> Estimates:
    """Fetched or imported consensus (known at the as-of date) over the stored estimates of a name without a house
    model: a set dated per fiscal year gives every figure it has (P/E, P/B, DY, EV/EBITDA), else P/E = price ÷
    its FY1 and FY2 EPS, converted into the trading currency; nothing without a rate or a figure."""
    if consensus is None or company.model is not None:
        return stored
    to_trading = fx.factor(consensus.eps_currency or company.currency, company.currency, rates)
    if to_trading is None or fx.per_usd(company.currency, rates) is None:
        return stored
    years = dict(stored.years)
    if consensus.years:
        for label in labels:
            year = consensus.years.get(label)
            updates = from_estimate_year(year, quote.price, to_trading, quote.market_cap) if year else {}
            if updates:
                updates["figures"] = {**years[label].figures, **updates["figures"]}  # type: ignore[dict-item]
                years[label] = replace(years[label], **updates)  # type: ignore[arg-type]
    else:
        for label, eps in zip(labels, (consensus.eps_fy1, consensus.eps_fy2), strict=True):
            if eps is not None:
                scaled = fx.scale(float(eps), to_trading)
                pe = mx.price_to_earnings(quote.price, scaled)
                years[label] = replace(years[label], pe=pe, figures={**years[label].figures, "eps": scaled})
    if all(years[y] is stored.years[y] for y in labels):  # the consensus gave no figure
        return stored
    fy1_year = consensus.years.get(labels[0])
    analysts = fy1_year.n_analysts if fy1_year is not None else consensus.analysts
    shown = consensus_label(analysts, consensus.known_on)
    return replace(stored, years=years, source="consensus", label=shown, provider=consensus.source, consensus_eps=True)


def market_cap_usd(company: Company, quote: Quote, rates: Mapping[str, FxRate], fy1: int) -> tuple[Value, bool]:
    """Market cap in USD millions and whether the snapshot's implied share count made it: the source's market cap
    (trading currency) at the trading currency's rate, unless that is price × the snapshot's implied shares and the
    house model has FY1 shares (then price × those); NA without a rate, a market cap or shares."""
    if fx.per_usd(company.currency, rates) is None:
        return NA, False
    model_year = company.model.years.get(fy1) if company.model else None
    shares = model_year.shares if model_year is not None and is_num(model_year.shares) else None
    if quote.market_cap is not None and not (quote.market_cap_estimated and shares):
        return _or_na(fx.convert(quote.market_cap, company.currency, "USD", rates)), quote.market_cap_estimated
    if shares is not None:
        return _or_na(fx.convert(quote.price * float(shares), company.currency, "USD", rates)), False  # type: ignore[arg-type]
    return NA, False


@dataclass(frozen=True)
class Returns:
    """What :func:`returns` decides: ``etr_yield`` is the FY1 yield counted in the ETR (NA when it failed the
    payout check); ``suspect`` the fiscal years whose yield failed it; ``non_finite``: the upside was not finite."""

    upside: Value
    dividend_yield: Value
    etr_yield: Value
    etr: Value
    rule_rating: Rating | None
    in_band: bool | None
    suspect: frozenset[int]
    non_finite: bool = False


def returns(
    target: Value, price: float, years: Mapping[int, YearMultiples], fy1: int, company: Company,
    view: HouseView | None, rules: RowRules,
) -> Returns:  # fmt: skip
    """Upside = TP / price − 1; ETR = upside + FY1 dividend yield, the yield left out (ETR = upside) when its
    implied payout (yield × P/E of the year) is above ``[sanity] max_payout``; the rule rating of the ETR and
    whether the house rating is in its band (METHODS §2). A non-finite upside is NA (``non_finite``)."""
    limit = rules.sanity.max_payout
    suspect = frozenset(y for y, m in years.items() if implausible_dividend(m.dy, m.pe, limit))
    dividend_yield = years[fy1].dy
    etr_yield = NA if fy1 in suspect else dividend_yield
    upside = expected_share_price_return(target, price)
    non_finite = isinstance(upside, float) and not is_num(upside)
    if non_finite:
        upside = NA
    etr = expected_total_return(upside, etr_yield)
    rule = rule_of(etr, company.high_risk, rules.rules)
    fits = fits_band(view.rating if view else None, etr, company.high_risk, rules.rules)
    return Returns(upside, dividend_yield, etr_yield, etr, rule, fits, suspect, non_finite)


def finite_years(years: Mapping[int, YearMultiples]) -> tuple[dict[int, YearMultiples], bool]:
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


def comp_row(
    company: Company,
    quote: Quote | None,
    rates: Mapping[str, FxRate],
    as_of: date,
    rules: RowRules,
    band_target: Value | None = None,
    consensus: ConsensusEstimate | None = None,
    price_after_as_of: bool = False,
) -> CompRow:
    """One company's line at ``as_of``: the steps of this module in order, then the flags. ``band_target``: the
    P/B-band target of a ``target_from_band`` company; ``consensus``: fetched or imported consensus (not used,
    flag ``estimate_after_as_of``, when known after ``as_of``); ``price_after_as_of``: ``quote`` is None because
    the only price is later than ``as_of``. A quote whose price is not a positive finite number is no price."""
    fy1 = fy1_label(as_of, company.fiscal_year_end_month, rules.report_lag_days)
    view = company.view_at(as_of)
    target, band = row_target(company, view, band_target)
    if quote is None or not (is_num(quote.price) and quote.price > 0):
        flags = RowInputs(as_of, None, price_after_as_of, invalid_price=quote is not None, band_target=band)
        empty = {y: YearMultiples() for y in (fy1, fy1 + 1)}
        return CompRow(company, None, NA, NA, target, NA, NA, NA, None, None, fy1, empty, "none",
                       row_flags(flags, rules.sanity), view)  # fmt: skip
    late = estimate_after_as_of([stored_date(company), consensus.known_on if consensus else None], as_of)
    known = None if consensus is None or estimate_after_as_of([consensus.known_on], as_of) else consensus
    stored = stored_estimates(company, quote.price, rates, as_of, (fy1, fy1 + 1), rules.ev_include_minorities)
    estimates = fetched_estimates(stored, company, quote, known, rates, (fy1, fy1 + 1))
    by_consensus = consensus_target(company, view, known)
    market_cap, from_snapshot_shares = market_cap_usd(company, quote, rates, fy1)
    years, non_finite = finite_years(estimates.years)
    share = fy1_share_to_run(as_of, fy1, company.fiscal_year_end_month)
    ntm = finite_years({0: ntm_multiples(years[fy1], years[fy1 + 1], share, quote.price)})[0][0]
    if not is_num(market_cap) and market_cap not in (NA, NM):
        market_cap, non_finite = NA, True
    target = target if by_consensus is None else by_consensus
    r = returns(target, quote.price, years, fy1, company, view, rules)
    row = CompRow(company, quote, quote.price, market_cap, target, r.upside, r.dividend_yield, r.etr,
                  r.rule_rating, r.in_band, fy1, years, estimates.source, [], view, r.suspect, estimates.label,
                  estimates.provider, ntm, share)  # fmt: skip
    facts = RowInputs(as_of, quote.price_date, band_target=band, fx_missing=estimates.fx_missing,
                      estimate_after_as_of=late, consensus_eps=estimates.consensus_eps,
                      consensus_target=by_consensus is not None, market_cap_from_snapshot_shares=from_snapshot_shares,
                      non_finite=non_finite or r.non_finite)  # fmt: skip
    row.flags = row_flags(row_inputs(facts, row, rates, rules.fx_max_staleness_days), rules.sanity)
    return row


def row_inputs(facts: RowInputs, row: CompRow, rates: Mapping[str, FxRate], max_days: int) -> RowInputs:
    """What the flags of a priced row are decided from: where its numbers came from (``facts``), the numbers (the
    ETR's yield: NA when it failed the payout check), the quote's currency, and the FX rates of the trading and
    the model currency (:func:`screener.core.flags.fx_stale` with ``[fx] max_staleness_days``)."""
    assert row.quote is not None
    company = row.company
    currencies = [company.currency, *([company.model.currency] if company.model else [])]
    return replace(
        facts,
        quote_currency=row.quote.currency,
        trading_currency=company.currency,
        fx_stale=fx_stale([rates.get(c) for c in currencies], facts.as_of, max_days),
        upside=row.upside,
        dividend_yield=NA if row.fy1 in row.implausible_years else row.dividend_yield,
        years=[YearInputs(y.pe, y.pb, y.roe, y.dy) for y in row.years.values()],
        target_set_on=row.view.set_on if row.view else None,
    )


def _or_na(value: float | None) -> Value:
    return NA if value is None else value
