"""Peer financial metrics per company and fiscal year (METHODS §11), one formula per function; pure (no I/O).

Inputs are one company's fiscal years: figures by name (``revenue``, ``gross_profit``, ``ebit``, ``d_and_a``,
``net_income``, ``operating_cash_flow``, ``capex``, ``fcf``, ``cash``, ``borrowings``, ``net_debt``,
``total_equity``, ``minority_interests``, ``shares`` — the fields of :mod:`screener.data.statements`; totals in
millions of the reporting currency, ``capex`` as reported, negative = spent). Any object with ``fiscal_year``,
``is_estimate`` and ``values`` will do (:class:`screener.data.statements.FiscalYear` does).

Formulas (``t`` a fiscal year, ``t−1`` the year before it; a year that is not there is NA):

- revenue growth ``= rev_t / rev_t−1 − 1``: NA without the prior year; NM when ``rev_t−1 <= 0``;
- gross, EBITDA, EBIT, net and FCF margins ``= GP, EBITDA, EBIT, NI, FCF / revenue``: NM when revenue <= 0;
- EBITDA ``= EBIT + D&A``; FCF = the reported FCF, else ``operating cash flow + capex``;
- net debt = the reported net debt, else ``borrowings − cash``; net debt / EBITDA: NM when EBITDA <= 0 (net
  cash gives a negative, meaningful ratio);
- ROE ``= net income / average shareholders' equity`` of t−1 and t (METHODS §2, the comp table's ``roe_fy1``:
  :func:`screener.core.multiples.return_on_equity`), shareholders' equity = total equity − minorities (a source
  without minorities is taken to give shareholders' equity); NM when average equity <= 0; without t−1 the
  closing equity alone;
- EPS ``= net income / shares`` (:func:`screener.core.multiples.per_share`, the house-model EPS of the comp
  table); EPS growth ``= EPS_t / EPS_t−1 − 1``: NM when ``EPS_t−1 <= 0`` (a fall into a loss is a meaningful
  negative growth);
- P/E_t ``= price / (EPS_t × to_price_currency)`` (today's price in the trading currency; NM for a loss);
- PEG_t ``= P/E_t ÷ (EPS growth_t+1 × 100)``: the year's P/E over the next year's EPS growth in percent (the
  comp table's ``peg_fy1`` = FY1 P/E ÷ FY1→FY2 growth); NM when that growth <= 0 or is NM, or when the P/E is
  NM; NA when either is NA.

NA = not available (a figure missing), NM = not meaningful (zero or negative denominator), as for the multiples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Protocol

from screener.core import fx
from screener.core import multiples as mx
from screener.core.values import NA, NM, Missing, Value, add, ratio, subtract

METRICS = (
    "revenue",
    "revenue_growth",
    "gross_margin",
    "ebitda",
    "ebitda_margin",
    "ebit_margin",
    "net_margin",
    "fcf",
    "fcf_margin",
    "net_debt",
    "net_debt_to_ebitda",
    "roe",
    "eps",
    "eps_growth",
    "pe",
    "peg",
)
"""Every metric of :class:`YearMetrics`, by name (amounts in millions of the reporting currency, EPS per share,
margins, growth and ROE as fractions, net debt / EBITDA, P/E and PEG as multiples)."""


class YearFigures(Protocol):
    """One fiscal year's figures (e.g. :class:`screener.data.statements.FiscalYear`)."""

    @property
    def fiscal_year(self) -> int: ...

    @property
    def is_estimate(self) -> bool: ...

    @property
    def values(self) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class YearMetrics:
    """The metrics of one company's fiscal year; every number a float, NA or NM (module docstring)."""

    fiscal_year: int
    is_estimate: bool
    revenue: Value = NA
    revenue_growth: Value = NA
    gross_margin: Value = NA
    ebitda: Value = NA
    ebitda_margin: Value = NA
    ebit_margin: Value = NA
    net_margin: Value = NA
    fcf: Value = NA
    fcf_margin: Value = NA
    net_debt: Value = NA
    net_debt_to_ebitda: Value = NA
    roe: Value = NA
    eps: Value = NA
    eps_growth: Value = NA
    pe: Value = NA
    peg: Value = NA

    def get(self, metric: str) -> Value:
        """A metric by name (one of :data:`METRICS`)."""
        if metric not in METRICS:
            raise KeyError(metric)
        value: Value = getattr(self, metric)
        return value

    def as_dict(self) -> dict[str, Value]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in METRICS}


# --- one formula per function -----------------------------------------------------------------------------------
def growth(current: Value, prior: Value) -> Value:
    """``current / prior − 1`` (revenue and EPS growth): NA when either is NA; NM when either is NM or
    ``prior <= 0`` (growth from a loss or from nothing means nothing); a fall below zero is a meaningful
    negative growth."""
    change = ratio(current, prior)
    return change - 1.0 if isinstance(change, float) else change


def margin(amount: Value, revenue: Value) -> Value:
    """``amount / revenue`` (gross, EBITDA, EBIT, net and FCF margins): NM when revenue <= 0; a negative amount
    (a loss) gives a meaningful negative margin."""
    return ratio(amount, revenue)


def ebitda(ebit: Value, d_and_a: Value) -> Value:
    """``EBITDA = EBIT + D&A`` (NA when either is missing)."""
    return add(ebit, d_and_a)


def free_cash_flow(reported: Value, operating_cash_flow: Value, capex: Value) -> Value:
    """The reported FCF; without one, ``operating cash flow + capex`` (capex as reported, negative = spent)."""
    if not isinstance(reported, Missing):
        return reported
    return add(operating_cash_flow, capex)


def net_debt(reported: Value, borrowings: Value, cash: Value) -> Value:
    """The reported net debt; without one, ``borrowings − cash`` (negative = net cash)."""
    if not isinstance(reported, Missing):
        return reported
    return subtract(borrowings, cash)


def net_debt_to_ebitda(debt: Value, ebitda_value: Value) -> Value:
    """``net debt / EBITDA``: NM when EBITDA <= 0; net cash gives a negative (meaningful) ratio."""
    return ratio(debt, ebitda_value)


def shareholders_equity(total_equity: Value, minority_interests: Value) -> Value:
    """``total equity − minorities`` (METHODS §2); minorities NA: the total equity as given (a source without
    minorities reports shareholders' equity)."""
    if minority_interests is NA:
        return total_equity
    return subtract(total_equity, minority_interests)


def eps(net_income: Value, shares: Value) -> Value:
    """``EPS = net income / shares`` in the reporting currency (the comp table's house-model EPS,
    :func:`screener.core.multiples.per_share`: negative for a loss, NM when shares <= 0)."""
    return mx.per_share(net_income, shares)


def price_to_earnings(price: float | None, eps_value: Value, to_price_currency: float | None) -> Value:
    """``P/E = price / (EPS × to_price_currency)`` (today's price, trading currency): NA without a price or an FX
    factor, NM for a loss (:func:`screener.core.multiples.price_to_earnings`)."""
    if price is None or to_price_currency is None:
        return NA
    return mx.price_to_earnings(price, fx.scale(eps_value, to_price_currency))


def peg(pe: Value, next_eps_growth: Value) -> Value:
    """``PEG = P/E ÷ (EPS growth × 100)``, growth in percent (FY1 P/E over FY1→FY2 growth for the comp table):
    NA when either is NA; NM when the P/E is NM (a loss), the growth is NM or the growth is <= 0."""
    if pe is NA or next_eps_growth is NA:
        return NA
    if pe is NM or next_eps_growth is NM:
        return NM
    assert isinstance(pe, float | int) and isinstance(next_eps_growth, float | int)
    if next_eps_growth <= 0 or pe <= 0:
        return NM
    return float(pe) / (float(next_eps_growth) * 100.0)


# --- a company's years ------------------------------------------------------------------------------------------
def _figure(year: YearFigures | None, name: str) -> Value:
    if year is None:
        return NA
    value = year.values.get(name)
    return NA if value is None else float(value)


def company_metrics(
    years: Mapping[int, YearFigures], price: float | None = None, to_price_currency: float | None = 1.0
) -> dict[int, YearMetrics]:
    """Every metric of every fiscal year of one company, by fiscal year (ascending). ``price``: today's price in
    the trading currency (None: P/E and PEG are NA); ``to_price_currency``: multiply a reporting-currency
    amount by this to get the trading currency (:func:`screener.core.fx.factor`; None: no rate, P/E NA)."""
    labels = sorted(years)

    def base(label: int) -> dict[str, Value]:
        year = years.get(label)
        ebitda_value = ebitda(_figure(year, "ebit"), _figure(year, "d_and_a"))
        equity = shareholders_equity(_figure(year, "total_equity"), _figure(year, "minority_interests"))
        return {
            "revenue": _figure(year, "revenue"),
            "ebitda": ebitda_value,
            "eps": eps(_figure(year, "net_income"), _figure(year, "shares")),
            "equity": equity,
        }

    bases = {label: base(label) for label in labels}
    empty = {"revenue": NA, "ebitda": NA, "eps": NA, "equity": NA}
    partial: dict[int, dict[str, Value]] = {}
    for label in labels:
        year = years[label]
        now, before = bases[label], bases.get(label - 1, empty)
        revenue = now["revenue"]
        fcf = free_cash_flow(_figure(year, "fcf"), _figure(year, "operating_cash_flow"), _figure(year, "capex"))
        debt = net_debt(_figure(year, "net_debt"), _figure(year, "borrowings"), _figure(year, "cash"))
        eps_value = now["eps"]
        partial[label] = {
            "revenue": revenue,
            "revenue_growth": growth(revenue, before["revenue"]),
            "gross_margin": margin(_figure(year, "gross_profit"), revenue),
            "ebitda": now["ebitda"],
            "ebitda_margin": margin(now["ebitda"], revenue),
            "ebit_margin": margin(_figure(year, "ebit"), revenue),
            "net_margin": margin(_figure(year, "net_income"), revenue),
            "fcf": fcf,
            "fcf_margin": margin(fcf, revenue),
            "net_debt": debt,
            "net_debt_to_ebitda": net_debt_to_ebitda(debt, now["ebitda"]),
            "roe": mx.return_on_equity(_figure(year, "net_income"), before["equity"], now["equity"]),
            "eps": eps_value,
            "eps_growth": growth(eps_value, before["eps"]),
            "pe": price_to_earnings(price, eps_value, to_price_currency),
        }
    out: dict[int, YearMetrics] = {}
    for label in labels:
        following = partial.get(label + 1)
        next_growth = following["eps_growth"] if following is not None else NA
        values = partial[label]
        out[label] = YearMetrics(label, years[label].is_estimate, **values, peg=peg(values["pe"], next_growth))
    return out
