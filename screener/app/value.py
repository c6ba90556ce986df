"""``screener value``: the P/B-band (or P/E-band) valuation (METHODS §5) of one stock: its daily multiple history
(:mod:`screener.app.valuation_bands`: the universe's book values, else the stored valuation history), a current
price and FX -> a :class:`ValuationResult`. No printing.

Rules (also in README "Valuation and charts"):
- The P/B history uses the raw traded close (``close``; ``adj_close`` where no raw close is stored): a
  published BVPS is per share outstanding at the time, so it matches the price actually traded, not a
  dividend-adjusted one.
- Book values in another currency than the trading currency are converted at the as-of spot rate (a
  simplification: one rate for the whole history; said so in the notes).
- Forward BVPS: the ``bvps`` override if given; else the house model's FY2 BVPS (FY2 = FY1 + 1, FY1 = first fiscal
  year not reported at the as-of date), converted to the trading currency; else the BVPS implied by the
  consensus FY2 P/B at its reference price; else NA.
- ``current P/B`` = price ÷ the latest BVPS published before the price date (trailing, point in
  time): its z-score uses the band mean/sd in use (overridden or not), its percentile the own history.
  ``forward P/B`` = price ÷ forward BVPS (the "7.0x FY2026E P/B" of the worked example).
- ``multiple="pe"``: the same on the stored daily P/E history; target = band multiple × forward (FY2) EPS
  (:func:`forward_eps`); without a forward EPS the band statistics still show and the target is NA (said why).
  The current P/E = price ÷ the trailing EPS the stored series implies on its last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from screener.app.market import market_data
from screener.app.results import ValuationResult
from screener.app.valuation_bands import LABELS, BandHistory, band_history, price_series
from screener.config import Settings
from screener.core import fx
from screener.core import valuation as val
from screener.core.fiscal import fy1_label
from screener.core.values import NA, Value, is_num
from screener.environment import Environment
from screener.errors import DataUnavailable, ParameterError
from screener.models import Company, ConsensusEstimate, FxRate, Quote

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope, Selection
    from screener.data.store import Store


@dataclass(frozen=True)
class Overrides:
    """Inputs an analyst supplies instead of the history and the estimates."""

    pb_mean: float | None = None
    pb_sd: float | None = None
    bvps: float | None = None

    def names(self) -> list[str]:
        return [n for n in ("pb_mean", "pb_sd", "bvps") if getattr(self, n) is not None]


def forward_bvps(
    company: Company | None, as_of: date, settings: Settings, rates: dict[str, FxRate]
) -> tuple[Value, str, int | None]:
    """Forward (FY2) BVPS in the trading currency, where it came from, and the fiscal year."""
    if company is None:
        return NA, "none (not in a universe: give a forward BVPS)", None
    year = val.forward_year(fy1_label(as_of, company.fiscal_year_end_month, settings.report_lag_days))
    if company.model is not None:
        factor = fx.factor(company.model.currency, company.currency, rates)
        if factor is None:
            return NA, f"house model FY{year}E (no {company.model.currency}/{company.currency} rate)", year
        bvps = val.model_bvps(company.model, year, factor)
        if bvps is not NA:
            return bvps, f"house model FY{year}E", year
    if company.consensus is not None and company.consensus.reference_date <= as_of:  # known by then only
        bvps = val.consensus_bvps(company.consensus, year)
        if bvps is not NA:
            return bvps, f"consensus FY{year}E P/B at {company.consensus.reference_price:g}", year
    return NA, f"none for FY{year} (give a forward BVPS)", year


def forward_eps(
    company: Company | None,
    as_of: date,
    settings: Settings,
    rates: dict[str, FxRate],
    fetched: ConsensusEstimate | None = None,
) -> tuple[Value, str, int | None]:
    """Forward (FY2, the year :func:`forward_bvps` uses) EPS in the trading currency and where it came from: the
    house model's net income / shares; else the EPS implied by the universe consensus FY2 P/E at its reference
    price; else the fetched consensus FY2 EPS (known by ``as_of``); else NA."""
    if company is None:
        return NA, "none (not in a universe)", None
    fy1 = fy1_label(as_of, company.fiscal_year_end_month, settings.report_lag_days)
    year = val.forward_year(fy1)
    if company.model is not None:
        factor = fx.factor(company.model.currency, company.currency, rates)
        if factor is None:
            return NA, f"house model FY{year}E (no {company.model.currency}/{company.currency} rate)", year
        eps = val.model_eps(company.model, year, factor)
        if eps is not NA:
            return eps, f"house model FY{year}E", year
    if company.consensus is not None and company.consensus.reference_date <= as_of:
        eps = val.consensus_eps(company.consensus, year)
        if eps is not NA:
            return eps, f"consensus FY{year}E P/E at {company.consensus.reference_price:g}", year
    known = fetched is not None and (fetched.fetched_at is None or fetched.fetched_at.date() <= as_of)
    if known and fetched is not None and fetched.eps_fy2 is not None:
        factor = fx.factor(fetched.eps_currency or company.currency, company.currency, rates)
        if factor is not None:
            return float(fetched.eps_fy2) * factor, f"fetched consensus FY{year}E EPS ({fetched.source})", year
    return NA, f"none for FY{year} (no house model or consensus EPS)", year


def value_company(
    ticker: str,
    company: Company | None,
    quote: Quote,
    history: BandHistory,
    rates: dict[str, FxRate],
    settings: Settings,
    *,
    as_of: date,
    since: date,
    ks: Sequence[tuple[str, float]],
    overrides: Overrides = Overrides(),
    fetched: ConsensusEstimate | None = None,
) -> ValuationResult:
    """Band statistics, current and forward multiple and the scenarios for one stock, on ``history`` (a P/B or
    P/E history: :func:`screener.app.valuation_bands.band_history`)."""
    multiple = history.multiple
    notes = list(history.notes)
    current = history.current(quote.price)
    band = val.band_stats(history.series, since, float(current) if is_num(current) else None)  # type: ignore[arg-type]
    if not is_num(current):
        band = replace(band, current=current, z_score=NA, percentile=NA)
    m: Value = overrides.pb_mean if overrides.pb_mean is not None else band.mean
    s: Value = overrides.pb_sd if overrides.pb_sd is not None else band.sd
    if multiple == "pe":
        forward, forward_source, year = forward_eps(company, as_of, settings, rates, fetched)
    else:
        forward, forward_source, year = forward_bvps(company, as_of, settings, rates)
    if overrides.bvps is not None:
        forward, forward_source = overrides.bvps, "override"
    if not is_num(forward) and multiple == "pe":
        notes.append(f"no forward EPS ({forward_source}): the P/E band has no target price")
    multiple_forward: Value = NA
    if is_num(forward):
        multiple_forward = quote.price / float(forward) if float(forward) > 0 else val.NM  # type: ignore[arg-type]
    return ValuationResult(
        ticker=ticker,
        name=company.name if company else ticker,
        currency=company.currency if company else quote.currency,
        as_of=as_of,
        price=quote.price,
        price_date=quote.price_date,
        price_source=quote.source,
        since=since,
        band=band,
        multiple_mean=m,
        multiple_sd=s,
        forward_per_share=forward,
        forward_source=forward_source,
        forward_year=year,
        current_multiple=current,
        forward_multiple=multiple_forward,
        z_score=val.z_score(current, m, s),
        percentile=band.percentile,
        scenarios=val.scenarios(m, s, ks, forward, quote.price),
        overridden=overrides.names(),
        history_source=history.source,
        book_values=history.book_values,
        notes=notes,
        multiple=multiple,
        basis=history.basis,
        current_basis=history.denominator_text,
    )


def band_targets(
    companies: Sequence[Company], store: Store, rates: dict[str, FxRate], settings: Settings, as_of: date
) -> dict[str, Value]:
    """Target prices from the P/B band for companies with ``target_from_band``: (m + k·s) × forward BVPS,
    band from ``settings.valuation.since`` to ``as_of`` (the universe's book values, else the stored history);
    NA when the band or the forward BVPS is missing."""
    out: dict[str, Value] = {}
    for company in companies:
        if company.target_from_band is None:
            continue
        prices, source = price_series(store, company.ticker, as_of)
        try:
            history = band_history(store, company.ticker, company, "pb", prices, source, rates, as_of, as_of)
        except DataUnavailable:
            out[company.ticker] = NA
            continue
        band = val.band_stats(history.series, settings.valuation.since)
        bvps, _, _ = forward_bvps(company, as_of, settings, rates)
        (scenario,) = val.scenarios(band.mean, band.sd, [("band", company.target_from_band)], bvps, NA)
        out[company.ticker] = scenario.target_price
    return out


@dataclass(frozen=True)
class ValueOptions:
    """``screener value`` options: the resolved scope (the one stock, looked up in its universes; the as-of date),
    scenario k values (None: bear/base/bull from config), the band window start, inputs supplied instead of the
    history/estimates."""

    scope: ResolvedScope
    ks: Sequence[float] | None = None
    since: date | None = None
    overrides: Overrides = field(default_factory=Overrides)
    multiple: str = "pb"
    """The band's multiple: "pb" (default) or "pe"."""


@dataclass
class Valuation:
    """The valuation and the banners of the market-data gather."""

    result: ValuationResult
    banners: list[str]


def check_request(selection: Selection, ks: Sequence[float] | None, overrides: Overrides, multiple: str) -> None:
    """The parameter errors of ``screener value`` (run by the scope resolution before anything is gathered): the
    overrides and k values, the multiple, and a stock in no universe without a BVPS and a P/B mean. Each is a
    :class:`ParameterError` naming the parameter (``pb_mean``, ``pb_sd``, ``bvps``, ``k``, ``multiple``)."""
    for name in ("pb_mean", "pb_sd", "bvps"):
        number = getattr(overrides, name)
        if number is not None and not (number >= 0 and number < float("inf")):
            raise ParameterError(f"{{{name}}} must be a finite number >= 0, got {number}", name)
    for k in ks or []:
        if not -1e6 < k < 1e6:  # also refuses nan and inf
            raise ParameterError(f"{{k}} must be a finite number, got {k}", "k")
    if overrides.pb_mean == 0:
        raise ParameterError("{pb_mean} must be > 0", "pb_mean")
    if multiple not in LABELS:
        raise ParameterError(f"{{multiple}} must be pb or pe, got {multiple!r}", "multiple")
    if multiple == "pe" and overrides.names():
        raise ParameterError(
            "{pb_mean}, {pb_sd} and {bvps} apply to the P/B band, not to {multiple} pe",
            "pb_mean", "pb_sd", "bvps", "multiple",
        )  # fmt: skip
    if not selection.companies and (overrides.bvps is None or overrides.pb_mean is None):
        raise ParameterError(
            f"{selection.symbols[0]} is in no universe: add it to one (with [[company.book_values]]) "
            "or pass {bvps} and {pb_mean}",
            "bvps", "pb_mean",
        )  # fmt: skip


def value(env: Environment, options: ValueOptions) -> Valuation:
    """Check the options, get the stock's price at the scope's as-of date (point in time), value it."""
    overrides = options.overrides
    scope = options.scope
    check_request(scope.selection, options.ks, overrides, options.multiple)
    settings = env.settings
    as_of = scope.as_of
    symbol = scope.selection.symbols[0]
    company = scope.selection.companies[0] if scope.selection.companies else None
    market = market_data(env, scope, scope.selection.priced, scope.selection.currencies)
    prices, history_source = price_series(env.store, symbol, as_of)
    quote = market.quotes.get(symbol)
    if quote is None:
        raise DataUnavailable(f"{symbol}: no price on or before {as_of} (a later one is a look-ahead)")
    v = settings.valuation
    ks = options.ks
    named = [("bear", v.bear_k), ("base", v.base_k), ("bull", v.bull_k)] if not ks else [(f"k={x:g}", x) for x in ks]
    history = band_history(
        env.store, symbol, company, options.multiple, prices, history_source, market.fx, as_of, quote.price_date
    )
    result = value_company(
        symbol,
        company,
        quote,
        history,
        market.fx,
        settings,
        as_of=as_of,
        since=options.since or v.since,
        ks=named,
        overrides=overrides,
        fetched=market.consensus.get(symbol),
    )
    return Valuation(result, list(market.banners))
