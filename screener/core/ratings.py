"""Expected total return and the rule rating (METHODS §1).

``ESPR = TP / price − 1``; ``ETR = ESPR + dividend yield``.
Rule rating: Buy if ETR >= buy threshold (higher for high-risk stocks), Sell if ETR < sell threshold,
Neutral otherwise. A house rating is in band when it equals the rule rating, or when it equals the
rule rating of some ETR within ± tolerance (so a rating sitting just across a threshold stays in band).
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.core.values import NA, NM, Missing, Value
from screener.models import Rating


@dataclass(frozen=True)
class RatingRules:
    """Thresholds as ETR fractions (0.15 = 15%)."""

    buy: float = 0.15
    buy_high_risk: float = 0.25
    sell: float = 0.0
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if not self.sell < self.buy <= self.buy_high_risk:
            raise ValueError("thresholds must satisfy sell < buy <= buy_high_risk")
        if self.tolerance < 0:
            raise ValueError("tolerance must be >= 0")


def expected_share_price_return(target_price: Value, price: float) -> Value:
    """``ESPR = TP / price − 1``; NA without a target; NM for a non-positive target or price."""
    if target_price is NA or target_price is NM:
        return target_price
    assert isinstance(target_price, float | int)
    if target_price <= 0 or price <= 0:
        return NM
    return float(target_price) / price - 1.0


def expected_total_return(espr: Value, dividend_yield: Value) -> Value:
    """``ETR = ESPR + dividend yield``. A missing yield counts as 0 (the caller flags it)."""
    if isinstance(espr, Missing):
        return espr
    dy = float(dividend_yield) if isinstance(dividend_yield, float | int) else 0.0
    return float(espr) + dy


def rule_rating(etr: Value, high_risk: bool, rules: RatingRules) -> Rating | None:
    """Buy / Neutral / Sell from ETR; None when ETR is NA or NM."""
    if isinstance(etr, Missing):
        return None
    if etr < rules.sell:
        return Rating.SELL
    if etr >= (rules.buy_high_risk if high_risk else rules.buy):
        return Rating.BUY
    return Rating.NEUTRAL


def in_band(house: Rating | None, etr: Value, high_risk: bool, rules: RatingRules) -> bool | None:
    """Whether a house rating fits its ETR band (within tolerance); None without house rating or ETR."""
    if house is None or isinstance(etr, Missing):
        return None
    low = rule_rating(etr - rules.tolerance, high_risk, rules)
    high = rule_rating(etr + rules.tolerance, high_risk, rules)
    assert low is not None and high is not None
    return low.rank <= house.rank <= high.rank


__all__ = [
    "NA",
    "NM",
    "Rating",
    "RatingRules",
    "expected_share_price_return",
    "expected_total_return",
    "in_band",
    "rule_rating",
]
