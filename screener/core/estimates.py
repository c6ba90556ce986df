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
"""

from __future__ import annotations

from dataclasses import dataclass, field

from screener.core import fx
from screener.core import multiples as mx
from screener.core.values import NA, NM, Value, add, subtract
from screener.models import Consensus, HouseModel, ModelYear

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
    return YearMultiples(
        pe=mx.price_to_earnings(price, eps),
        pb=mx.price_to_book(price, bvps),
        ev_ebitda=mx.ev_to_ebitda(ev, ebitda),
        roe=mx.return_on_equity(year.net_income, equity(previous), equity(year)),
        dy=mx.dividend_yield(dps, price),
        raw=raw,
    )


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
    )


def _positive_or_nm(value: Value) -> Value:
    if isinstance(value, float | int) and value <= 0:
        return NM
    return value
