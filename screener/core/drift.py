"""Compare this week's ratings with an earlier recorded run (the weekly drift check, METHODS §1).

Findings, per stock:
- ``out_of_band``: the house rating differs from the rule rating its ETR implies (new this run, or
  continuing since an earlier date); ``back_in_band``: out of band before, in band now;
- ``rule_change``: the rule rating moved (e.g. Neutral -> Buy);
- ``etr_move``: |ETR now − ETR before| above a threshold (ETR points, 0.05 = 5pp);
- ``price_move``: |price now / price before − 1| above a threshold;
- ``stale_target``: target set more than N days before the as-of date;
- ``rating_change``: each change of house rating in the view history set after the baseline run (or, with none,
  within ``[drift] min_days_between`` days) up to the as-of date, e.g. ``house Neutral → Sell on 2025-10-14
  (ETR -24.1%, rule Sell: in band)``; it needs review when the rating in force leaves the name out of band (one
  replaced by a later view in the window does not); a house rating that differs from the baseline run's with no
  change in the view history (the file was edited) is reported ``since the baseline run``;
- ``target_change``: each change of house target in the view history (as above; not for a P/B-band target),
  else the comp-table target differing from the baseline run's (a band or consensus target); never needs review.
``out_of_band``, ``rule_change``, ``etr_move``, ``price_move`` and ``stale_target`` need review. NA values (no
ETR, no price) never trigger moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from screener.models import HouseView


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


@dataclass(frozen=True)
class ViewChange:
    """A house view that replaced the one in force before it (``rating_before`` None: the first view)."""

    ticker: str
    name: str
    set_on: date
    rating_before: str | None
    rating: str
    target_before: float | None
    target: float
    replaced_on: date | None = None
    """The date of a later view in the same window that replaced this one (None: in force at the as-of date)."""
    house_target: bool = True
    """Whether the comp table's target is the view's (False when it comes from the P/B band)."""


def view_changes(
    ticker: str,
    name: str,
    views: Sequence[HouseView],
    since: date,
    until: date,
    *,
    house_target: bool = True,
    initiations: bool = True,
) -> list[ViewChange]:
    """Each view set after ``since`` and on or before ``until``, against the view in force just before it (from
    the whole history, so a change is found whatever runs were recorded); oldest first. ``initiations``: the
    history's first view counts too (NR → rating); off when there is no baseline run, where the first view is
    where the record starts rather than a change."""
    ordered = sorted(views, key=lambda v: v.set_on)
    pairs = [
        (ordered[i - 1] if i else None, view)
        for i, view in enumerate(ordered)
        if since < view.set_on <= until and (i or initiations)
    ]
    out = []
    for index, (before, view) in enumerate(pairs):
        replaced = pairs[index + 1][1].set_on if index + 1 < len(pairs) else None
        out.append(
            ViewChange(
                ticker, name, view.set_on, before.rating.value if before else None, view.rating.value,
                before.target_price if before else None, view.target_price, replaced, house_target,
            )
        )  # fmt: skip
    return out


def _band_state(now: RatingRecord) -> tuple[str, bool]:
    """``ETR -24.1%, rule Sell: in band`` for the house rating now, and whether it needs review (out of band)."""
    etr = _pct(now.etr) if now.etr is not None else "NA"
    if now.house_rating is None:
        band = "not rated"
    else:
        band = {True: "in band", False: "out of band", None: "band unknown"}[now.in_band]
    return f"ETR {etr}, rule {now.rule_rating or 'NA'}: {band}", now.in_band is False


def _view_findings(changes: Sequence[ViewChange], now: RatingRecord) -> list[Finding]:
    """``rating_change`` and ``target_change`` findings of one company's view changes."""
    out = []
    state, out_of_band = _band_state(now)
    for change in changes:
        if change.rating != change.rating_before:
            moved = f"house {change.rating_before or 'NR'} → {change.rating} on {change.set_on}"
            replaced = change.replaced_on is not None
            detail = f"{moved} (replaced on {change.replaced_on})" if replaced else f"{moved} ({state})"
            out.append(Finding(now.ticker, now.name, "rating_change", detail, out_of_band and not replaced))
        before = change.target_before
        if change.house_target and before is not None and change.target != before:
            detail = (
                f"house target {before:g} → {change.target:g} on {change.set_on} ({_pct(change.target / before - 1)})"
            )
            out.append(Finding(now.ticker, now.name, "target_change", detail, False))
    return out


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
    changes: Sequence[ViewChange] = (),
) -> list[Finding]:
    """Findings of this run against ``previous`` (None: no earlier run; only the current state and ``changes``
    are reported).

    ``history`` is every recorded run up to and including this one, newest first (for out-of-band streaks);
    ``changes``: the house-view changes since the baseline (:func:`view_changes`), each a ``rating_change`` or
    ``target_change``; the baseline run's rating or target is compared only for a name without such a change.
    """
    findings: list[Finding] = []
    by_ticker: dict[str, list[ViewChange]] = {}
    for change in changes:
        by_ticker.setdefault(change.ticker, []).append(change)
    for now in current:
        before = previous.get(now.ticker) if previous else None
        view_findings = _view_findings(by_ticker.get(now.ticker, []), now)
        findings.extend(view_findings)
        found = {item.kind for item in view_findings}
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
            if (
                now.target_price and before.target_price and now.target_price != before.target_price
                and "target_change" not in found
            ):  # fmt: skip
                add("target_change", f"target {before.target_price:g} -> {now.target_price:g}", False)
            if before.house_rating != now.house_rating and "rating_change" not in found:
                state, out_of_band = _band_state(now)
                moved = f"house {before.house_rating or 'NR'} → {now.house_rating or 'NR'} since the baseline run"
                add("rating_change", f"{moved} ({state})", out_of_band)
        if now.target_set_on is not None and (as_of - now.target_set_on).days > thresholds.stale_target_days:
            add("stale_target", f"target set {now.target_set_on} ({(as_of - now.target_set_on).days} days ago)")
    return findings
