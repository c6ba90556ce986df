"""P/B-band valuation (METHODS §5): point-in-time P/B history, band statistics, bull/base/bear scenarios.

Point in time: the book value per share (BVPS) used on day t is the latest one **published** on or before
t; a balance sheet never counts before its report date, so a BVPS published after t can never change the
P/B of day t.

NA / NM rules (see :mod:`screener.core.values`):
- P/B on a day with no BVPS published yet: no point (the day is left out of the history, not zero).
- P/B on a day whose BVPS is <= 0: NM, also left out of the history (a negative book never enters a band).
- Band statistics over an empty window: NA. ``sd`` needs two points (sample sd): NA with fewer.
- z-score: NA without a current P/B or band; NM when the sd is 0 (every point equal).
- Scenario target: NA when the multiple or the BVPS is NA; NM when the forward BVPS <= 0 or the target
  multiple ``m + k·s`` <= 0 (a negative target price means nothing). Upside: NA without a price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from screener.core import fx
from screener.core import multiples as mx
from screener.core.values import NA, NM, Value, is_num, subtract
from screener.models import BookValue, Consensus, HouseModel

if TYPE_CHECKING:  # numpy/pandas are imported by the functions that need them (the comp table stays light)
    import pandas as pd


@dataclass(frozen=True)
class BandStats:
    """Statistics of a P/B history over a window, and where the current P/B sits in it.

    ``sd`` is the **sample** standard deviation (ddof=1): the history is a sample of the stock's
    valuation regimes, and it is what Wind/Bloomberg band charts show. ``percentile`` is the fraction of
    the window's points that are <= the current P/B (1.0: at or above every point of the history).
    """

    mean: Value
    sd: Value
    n: int
    current: Value
    z_score: Value
    percentile: Value
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Scenario:
    """One target-price scenario: multiple ``m + k·s``, target = multiple × forward BVPS, upside."""

    name: str
    k: float
    pb_multiple: Value
    target_price: Value
    upside: Value


def point_in_time_bvps(dates: Sequence[date] | pd.DatetimeIndex, book_values: Sequence[BookValue]) -> pd.Series:
    """BVPS known on each day: the latest value with ``published < day`` (NaN before the first report).

    A report counts from the trading day AFTER its publication date (results usually come out after the
    close, so the close of the publication day could not have used them). Records published on the same
    day: the one with the latest ``period_end`` wins (then the later one in the input). Never a value
    published on or after the day.
    """
    import numpy as np
    import pandas as pd

    index = pd.DatetimeIndex(pd.to_datetime(list(dates)) if not isinstance(dates, pd.DatetimeIndex) else dates)
    if not book_values:
        return pd.Series(np.nan, index=index, name="bvps", dtype="float64")
    ordered = sorted(
        enumerate(book_values), key=lambda item: (item[1].published, item[1].period_end or date.min, item[0])
    )
    published = pd.DatetimeIndex([pd.Timestamp(bv.published) for _, bv in ordered]).normalize()
    values = np.array([bv.bvps for _, bv in ordered], dtype="float64")
    position = published.searchsorted(index.normalize(), side="left") - 1
    out = np.where(position >= 0, values[np.clip(position, 0, None)], np.nan)
    return pd.Series(out, index=index, name="bvps", dtype="float64")


def pb_history(prices: pd.Series, book_values: Sequence[BookValue]) -> pd.Series:
    """Daily P/B: price on day t ÷ the BVPS published by day t (:func:`point_in_time_bvps`).

    Days before the first report, days with a BVPS <= 0 (NM) and days without a price are left out.
    ``prices`` must be in the same currency as the book values (convert first).
    """
    prices = prices.dropna()
    bvps = point_in_time_bvps(prices.index, book_values)
    pb = prices.astype("float64") / bvps.where(bvps > 0)
    return pb.dropna().rename("pb")


def band_stats(pb: pd.Series, since: date | None = None, current: float | None = None) -> BandStats:
    """Mean, sample sd (ddof=1), n of ``pb`` from ``since`` on; z-score and percentile of ``current``.

    ``current`` defaults to the last point of the window (pass the P/B at today's price when the history
    ends earlier). No points: everything NA.
    """
    import pandas as pd

    window = pb.dropna()
    if since is not None and not window.empty:
        window = window[window.index >= pd.Timestamp(since)]
    n = len(window)
    cur: Value = float(current) if current is not None and is_num(current) else NA
    if n == 0:
        return BandStats(NA, NA, 0, cur, NA, NA)
    if cur is NA and current is None:
        cur = float(window.iloc[-1])
    mean = float(window.mean())
    sd: Value = float(window.std(ddof=1)) if n >= 2 else NA
    percentile: Value = NA
    if isinstance(cur, float):
        percentile = float((window.to_numpy() <= cur).mean())
    return BandStats(
        mean=mean,
        sd=sd,
        n=n,
        current=cur,
        z_score=z_score(cur, mean, sd),
        percentile=percentile,
        start=window.index[0].date(),
        end=window.index[-1].date(),
    )


def z_score(value: Value, mean: Value, sd: Value) -> Value:
    """``(value − mean) / sd``; NA if any input is NA or NM; NM when sd <= 0."""
    if not (is_num(value) and is_num(mean) and is_num(sd)):
        return NA
    if float(sd) <= 0:  # type: ignore[arg-type]
        return NM
    return (float(value) - float(mean)) / float(sd)  # type: ignore[arg-type]


def target_multiple(mean: Value, sd: Value, k: float) -> Value:
    """``m + k·s``; with k = 0 the sd is not needed (bear = the historical average)."""
    if not is_num(mean):
        return NA
    if k == 0:
        return float(mean)  # type: ignore[arg-type]
    if not is_num(sd):
        return NA
    return float(mean) + k * float(sd)  # type: ignore[arg-type]


def scenarios(mean: Value, sd: Value, ks: Sequence[tuple[str, float]], bvps: Value, price: Value) -> list[Scenario]:
    """One :class:`Scenario` per named ``k``: multiple ``m + k·s``, target = multiple × BVPS, upside.

    Target NM when BVPS <= 0 or the multiple <= 0; NA when either is unknown. Upside = target / price − 1.
    """
    out = []
    for name, k in ks:
        multiple = target_multiple(mean, sd, k)
        target: Value
        if multiple is NA or bvps is NA:
            target = NA
        elif bvps is NM or multiple is NM or float(bvps) <= 0 or float(multiple) <= 0:  # type: ignore[arg-type]
            target = NM
        else:
            target = float(multiple) * float(bvps)  # type: ignore[arg-type]
        upside: Value = target
        if is_num(target):
            upside = float(target) / float(price) - 1 if is_num(price) and float(price) > 0 else NA  # type: ignore[arg-type]
        out.append(Scenario(name, float(k), multiple, target, upside))
    return out


def forward_year(fy1: int) -> int:
    """The fiscal year whose BVPS the target uses: FY2 = FY1 + 1 (METHODS §5: FY2 BVPS for a 12-month
    target set in Q4). FY1 is the first fiscal year not yet reported at the as-of date (METHODS §7), so in
    Oct 2025 a December-year company uses FY2026, and from April 2026 (FY2025 reported) FY2027."""
    return fy1 + 1


def model_bvps(model: HouseModel, label: int, model_to_trading: float) -> Value:
    """House-model BVPS of fiscal year ``label`` in the trading currency:
    ``(total equity − minorities) / shares × model_to_trading``; NA when the year is not modelled."""
    year = model.years.get(label)
    if year is None:
        return NA
    equity = subtract(year.total_equity, year.minority_interests)
    return fx.scale(mx.per_share(equity, year.shares), model_to_trading)


def consensus_bvps(consensus: Consensus, label: int) -> Value:
    """BVPS implied by a consensus P/B quoted at the reference price: ``reference price / P/B``."""
    year = consensus.years.get(label)
    if year is None:
        return NA
    return mx.implied_from_multiple(consensus.reference_price, year.pb)


def model_eps(model: HouseModel, label: int, model_to_trading: float) -> Value:
    """House-model EPS of fiscal year ``label`` in the trading currency: ``net income / shares ×
    model_to_trading`` (the P/E band's forward denominator, as :func:`model_bvps` is the P/B band's)."""
    year = model.years.get(label)
    if year is None:
        return NA
    return fx.scale(mx.per_share(year.net_income, year.shares), model_to_trading)


def consensus_eps(consensus: Consensus, label: int) -> Value:
    """EPS implied by a consensus P/E quoted at the reference price: ``reference price / P/E``."""
    year = consensus.years.get(label)
    if year is None:
        return NA
    return mx.implied_from_multiple(consensus.reference_price, year.pe)
