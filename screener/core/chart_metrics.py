"""The per-year metrics ``screener chart financials`` draws (#15): one pure function, NA/NM as for the multiples.

Interim: the peer financial metrics of ``screener financials`` live in :mod:`screener.core.financials` (being
built alongside); the lead unifies this function with it at merge, so the chart and the table share one set of
formulas. No I/O.
"""

from __future__ import annotations

from screener.core.values import Value, ratio

CHART_METRICS = ("revenue", "revenue_growth", "gross_margin", "fcf", "net_margin")
"""The metrics ``chart financials --metric`` accepts."""
PERCENT_METRICS = frozenset({"revenue_growth", "gross_margin", "net_margin"})
"""Fractions (shown as %); the others are amounts in millions of a currency."""


def year_metrics(
    revenue: Value, prior_revenue: Value, gross_profit: Value, fcf: Value, net_income: Value
) -> dict[str, Value]:
    """One company's fiscal year t (amounts in millions of one currency; ``prior_revenue`` is year t−1's):

    * ``revenue`` = revenue_t; ``fcf`` = free cash flow_t (as given: operating cash flow − capex);
    * ``revenue_growth`` = revenue_t / revenue_t−1 − 1; NM when revenue_t−1 <= 0;
    * ``gross_margin`` = gross profit_t / revenue_t; NM when revenue_t <= 0;
    * ``net_margin`` = net income_t (attributable) / revenue_t; NM when revenue_t <= 0.

    NA when an input is NA (not available); an NM input stays NM.
    """
    growth = ratio(revenue, prior_revenue)
    return {
        "revenue": revenue,
        "revenue_growth": growth - 1.0 if isinstance(growth, float) else growth,
        "gross_margin": ratio(gross_profit, revenue),
        "fcf": fcf,
        "net_margin": ratio(net_income, revenue),
    }
