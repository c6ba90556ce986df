"""Compare this week's ratings with an earlier recorded run (the weekly drift check, METHODS §1).

Findings, per stock:
- ``out_of_band``: the house rating differs from the rule rating its ETR implies (new this run, or
  continuing since an earlier date); ``back_in_band``: out of band before, in band now;
- ``rule_change``: the rule rating moved (e.g. Neutral -> Buy);
- ``etr_move``: |ETR now − ETR before| above a threshold (ETR points, 0.05 = 5pp);
- ``price_move``: |price now / price before − 1| above a threshold;
- ``stale_target``: target set more than N days before the as-of date.
Every finding except ``back_in_band`` needs review. NA values (no ETR, no price) never trigger moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RatingRecord:
    """One stock in one recorded run (None = NA)."""

    ticker: str
    name: str
    price: float | None
    target_price: float | None
    etr: float | None
    house_rating: str | None
    rule_rating: str | None
    in_band: bool | None
    flags: str = ""
    source: str = ""
    target_set_on: date | None = None


@dataclass(frozen=True)
class RunSummary:
    """One recorded run of the rating history: its as-of date, when it was recorded, names, out of band."""

    as_of: date
    recorded_at: str
    names: int
    out_of_band: int


@dataclass(frozen=True)
class DriftThresholds:
    etr_move: float = 0.05
    price_move: float = 0.10
    stale_target_days: int = 180


@dataclass(frozen=True)
class Finding:
    """One thing the weekly check reports."""

    ticker: str
    name: str
    kind: str
    detail: str
    needs_review: bool


def out_of_band_since(ticker: str, history: Sequence[tuple[date, dict[str, RatingRecord]]]) -> date | None:
    """Date of the first run of the current unbroken out-of-band streak (``history`` newest first)."""
    since = None
    for run_date, records in history:
        record = records.get(ticker)
        if record is None or record.in_band is not False:
            break
        since = run_date
    return since


def _pct(value: float) -> str:
    return f"{value * 100:+.1f}%"


def compare(
    as_of: date,
    current: Sequence[RatingRecord],
    previous: dict[str, RatingRecord] | None,
    history: Sequence[tuple[date, dict[str, RatingRecord]]],
    thresholds: DriftThresholds,
) -> list[Finding]:
    """Findings of this run against ``previous`` (None: no earlier run; only the current state is reported).

    ``history`` is every recorded run up to and including this one, newest first (for out-of-band streaks).
    """
    findings: list[Finding] = []
    for now in current:
        before = previous.get(now.ticker) if previous else None
        add = lambda kind, detail, review=True, n=now: findings.append(  # noqa: E731
            Finding(n.ticker, n.name, kind, detail, review)
        )
        etr_text = _pct(now.etr) if now.etr is not None else "NA"
        if now.in_band is False:
            since = out_of_band_since(now.ticker, history) or as_of
            weeks = (as_of - since).days // 7
            if previous is None:
                state = "no earlier run to compare with"
            elif before is None or before.in_band is not False:
                state = "new this week"
            else:
                state = f"for {weeks} week(s), since {since}"
            add("out_of_band", f"house {now.house_rating} vs rule {now.rule_rating} at ETR {etr_text} ({state})")
        elif now.in_band is True and before is not None and before.in_band is False:
            add("back_in_band", f"house {now.house_rating} fits again at ETR {etr_text}", False)
        if before is not None:
            if before.rule_rating and now.rule_rating and before.rule_rating != now.rule_rating:
                add("rule_change", f"rule rating {before.rule_rating} -> {now.rule_rating}")
            if now.etr is not None and before.etr is not None and abs(now.etr - before.etr) > thresholds.etr_move:
                add("etr_move", f"ETR {_pct(before.etr)} -> {_pct(now.etr)}")
            if now.price and before.price and abs(now.price / before.price - 1) > thresholds.price_move:
                add("price_move", f"price {before.price:g} -> {now.price:g} ({_pct(now.price / before.price - 1)})")
            if now.target_price and before.target_price and now.target_price != before.target_price:
                add("target_change", f"target {before.target_price:g} -> {now.target_price:g}", False)
        if now.target_set_on is not None and (as_of - now.target_set_on).days > thresholds.stale_target_days:
            add("stale_target", f"target set {now.target_set_on} ({(as_of - now.target_set_on).days} days ago)")
    return findings
