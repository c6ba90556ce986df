"""Per-fiscal-year multiples for one company at a given price, from a house model or consensus.

House model (METHODS §2; totals in millions of the model currency, converted to the trading currency
with ``model_to_trading`` = trading per USD ÷ model per USD):
  EPS = net income / shares; BVPS = (total equity − minorities) / shares;
  ROE = net income / average(total equity − minorities) of this and the previous year;
  EBITDA = EBIT + D&A; net debt = borrowings − cash;
  EV = price × shares (in model currency) + net debt (+ minorities when configured).
Consensus (multiples quoted at a reference price, re-priced to the current price):
  P/E, P/B and EV/EBITDA scale with price/ref; DY scales with ref/price; ROE is unchanged.
  EV/EBITDA re-pricing treats EV as moving one-for-one with the market cap (net debt is not known).
Dated consensus per fiscal year (AKShare THS forecasts, ``estimates import``; per-share figures converted to the
trading currency with ``to_trading``): P/E = price / EPS, P/B = price / BVPS, DY = DPS / price,
EV/EBITDA = (market cap + net debt) / EBITDA (millions; NA without a market cap); only the figures given.

Each year also keeps its per-share figures in the trading currency (:attr:`YearMultiples.figures`: EPS, BVPS,
DPS, EBITDA and EV per share) for the twelve-month-forward blend (:mod:`screener.core.ntm`); for quoted consensus
they are the figures the multiples imply at the reference price (EPS = ref / P/E, BVPS = ref / P/B, DPS = DY × ref,
EBITDA = ref / EV/EBITDA with EV per share = the price: the re-pricing rule above).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from screener.core import fx
from screener.core import multiples as mx
from screener.core.values import NA, NM, Value, add, subtract
from screener.models import Consensus, EstimateYear, HouseModel, ModelYear

METRICS = ("pe", "pb", "ev_ebitda", "roe", "dy")


@dataclass(frozen=True)
class YearMultiples:
    """The multiples of one fiscal year at the current price."""

    pe: Value = NA
    pb: Value = NA
    ev_ebitda: Value = NA
    roe: Value = NA
    dy: Value = NA
    raw: dict[str, float] = field(default_factory=dict)
    """The denominators behind the multiples (EPS, BVPS per share; EBITDA in millions), so an NM can show
    its input (METHODS §2: NM keeps the raw input visible)."""
    figures: dict[str, float] = field(default_factory=dict)
    """Per-share figures in the trading currency behind the multiples (``eps``, ``bvps``, ``dps``, ``ebitda``,
    ``ev``: EV per share at the current price), absent when unknown; blended into the NTM multiples (METHODS §14)."""

    def get(self, metric: str) -> Value:
        value: Value = getattr(self, metric)
        return value


def from_model(
    model: HouseModel,
    label: int,
    price: float,
    model_to_trading: float,
    include_minorities: bool,
) -> YearMultiples:
    """Multiples of fiscal year ``label`` from the house model at ``price`` (trading currency)."""
    year = model.years.get(label)
    if year is None:
        return YearMultiples()
    previous = model.years.get(label - 1)

    def equity(y: ModelYear | None) -> Value:
        """Shareholders' equity: total equity − minorities."""
        return NA if y is None else subtract(y.total_equity, y.minority_interests)

    eps = fx.scale(mx.per_share(year.net_income, year.shares), model_to_trading)
    bvps = fx.scale(mx.per_share(equity(year), year.shares), model_to_trading)
    dps = fx.scale(year.dps, model_to_trading)
    ebitda = add(year.ebit, year.d_and_a)
    net_debt = subtract(year.borrowings, year.cash)
    market_cap: Value = NA
    if isinstance(year.shares, float):
        market_cap = price * year.shares / model_to_trading
    minorities = year.minority_interests if include_minorities else 0.0
    ev = mx.enterprise_value(market_cap, net_debt, minorities)
    raw = {k: float(v) for k, v in (("pe", eps), ("pb", bvps), ("ev_ebitda", ebitda)) if isinstance(v, float | int)}
    per_share_ebitda = fx.scale(mx.per_share(ebitda, year.shares), model_to_trading)
    per_share_ev = fx.scale(mx.per_share(ev, year.shares), model_to_trading)
    figures = _figures(eps=eps, bvps=bvps, dps=dps, ebitda=per_share_ebitda, ev=per_share_ev)
    return YearMultiples(
        pe=mx.price_to_earnings(price, eps),
        pb=mx.price_to_book(price, bvps),
        ev_ebitda=mx.ev_to_ebitda(ev, ebitda),
        roe=mx.return_on_equity(year.net_income, equity(previous), equity(year)),
        dy=mx.dividend_yield(dps, price),
        raw=raw,
        figures=figures,
    )


def _figures(**values: Value) -> dict[str, float]:
    """The per-share figures that are numbers (NA and NM left out)."""
    return {k: float(v) for k, v in values.items() if isinstance(v, float | int)}


def _implied(reference_price: float, multiple: Value) -> Value:
    """The per-share figure a quoted multiple implies at the reference price, ``ref / multiple``, a negative
    multiple giving a negative figure (a loss); NA for NA, NM or 0."""
    if not isinstance(multiple, float | int) or multiple == 0:
        return NA
    return reference_price / float(multiple)


def from_consensus(consensus: Consensus, label: int, price: float) -> YearMultiples:
    """Consensus multiples of fiscal year ``label`` re-priced from the reference price to ``price``."""
    year = consensus.years.get(label)
    if year is None:
        return YearMultiples()
    ref = consensus.reference_price
    # a published negative multiple means a negative denominator: keep it (EPS = ref price / P/E) for display
    raw = {k: ref / float(v) for k, v in (("pe", year.pe), ("pb", year.pb)) if isinstance(v, float | int) and v < 0}
    return YearMultiples(
        raw=raw,
        pe=mx.price_to_earnings(price, mx.implied_from_multiple(ref, year.pe)),
        pb=mx.price_to_book(price, mx.implied_from_multiple(ref, year.pb)),
        ev_ebitda=mx.scale_by_price(_positive_or_nm(year.ev_ebitda), price, ref),
        roe=year.roe,
        dy=mx.dividend_yield(mx.implied_dps(ref, year.dy), price),
        figures=_figures(
            eps=_implied(ref, year.pe),
            bvps=_implied(ref, year.pb),
            dps=mx.implied_dps(ref, year.dy),
            ebitda=_implied(ref, year.ev_ebitda),
            ev=price if isinstance(year.ev_ebitda, float | int) else NA,
        ),
    )


def _positive_or_nm(value: Value) -> Value:
    if isinstance(value, float | int) and value <= 0:
        return NM
    return value


def from_estimate_year(
    year: EstimateYear, price: float, to_trading: float, market_cap: float | None
) -> dict[str, Value | dict[str, float]]:
    """The multiples a dated consensus year gives at ``price`` (only those whose input it has), as field updates
    of :class:`YearMultiples` (``raw`` keeps a negative EPS or BVPS for display; ``figures`` the per-share figures
    given, EBITDA and EV per share over the shares of the market cap, ``market cap ÷ price``). ``market_cap`` in
    millions of the trading currency; EBITDA and net debt in millions of the estimate currency."""
    out: dict[str, Value | dict[str, float]] = {}
    raw: dict[str, float] = {}
    figures: dict[str, float] = {}
    if year.eps is not None:
        eps = fx.scale(float(year.eps), to_trading)
        out["pe"] = mx.price_to_earnings(price, eps)
        raw["pe"] = figures["eps"] = eps
    if year.bvps is not None:
        bvps = fx.scale(float(year.bvps), to_trading)
        out["pb"] = mx.price_to_book(price, bvps)
        raw["pb"] = figures["bvps"] = bvps
    if year.dps is not None:
        dps = fx.scale(float(year.dps), to_trading)
        out["dy"] = mx.dividend_yield(dps, price)
        figures["dps"] = dps
    if year.ebitda is not None and year.net_debt is not None and market_cap is not None:
        ev = mx.enterprise_value(market_cap, fx.scale(float(year.net_debt), to_trading), 0.0)
        ebitda = fx.scale(float(year.ebitda), to_trading)
        out["ev_ebitda"] = mx.ev_to_ebitda(ev, ebitda)
        raw["ev_ebitda"] = ebitda
        shares = market_cap / price
        figures.update(_figures(ebitda=mx.per_share(ebitda, shares), ev=mx.per_share(ev, shares)))
    if out:
        out["raw"] = raw
        out["figures"] = figures
    return out


def consensus_label(analysts: int | None, when: date | None) -> str:
    """The estimate label of a consensus row: ``consensus (n=7, 2026-11-20)``; parts unknown are left out."""
    parts = [f"n={analysts}"] if analysts is not None else []
    if when is not None:
        parts.append(when.isoformat())
    return f"consensus ({', '.join(parts)})" if parts else "consensus"
