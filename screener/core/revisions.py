"""Consensus EPS revisions (METHODS §14). Pure: no I/O, no clock.

``eps_rev_1m`` (``eps_rev_3m``) ``= EPS_new ÷ EPS_old − 1`` for the fiscal year that is FY1 at the as-of date D,
where ``new`` is the newest dated consensus set known on D (:func:`newest_known`, the §9 rule the comp table
picks its consensus by) and ``old`` the newest set dated at least 30 (90) days before ``new``; any provider
(Yahoo, AKShare, imports). The same fiscal year in both: after FY1 rolls over, the older set's FY2 figure is
compared. A set that labels fiscal years gives that year's EPS; Yahoo's relative FY1/FY2 are labelled by the FY1
rule at the set's own date.

NA without such an older set, without the year's EPS in either set, or when the two sets quote EPS in different
currencies; NM when the older EPS is <= 0 (a change out of a loss has no meaningful ratio).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from screener.core.fiscal import fy1_label
from screener.core.values import NA, NM, Value
from screener.models import ConsensusEstimate

REVISION_DAYS = {"eps_rev_1m": 30, "eps_rev_3m": 90}
"""Each revision column and how many days older its comparison set is at least."""
REVISION_COLUMNS = tuple(REVISION_DAYS)


def newest_known(candidates: Sequence[ConsensusEstimate], day: date) -> ConsensusEstimate | None:
    """The candidate with the newest date on or before ``day`` (ties: the earlier candidate); None when none is
    known by then. A candidate without a date counts as known, older than any dated one."""
    known = [(i, c) for i, c in enumerate(candidates) if c.known_on is None or c.known_on <= day]
    if not known:
        return None
    return max(known, key=lambda ic: (ic[1].known_on or date.min, -ic[0]))[1]


def year_eps(estimate: ConsensusEstimate, label: int, end_month: int, report_lag_days: int) -> float | None:
    """The EPS a consensus set gives for fiscal year ``label``: its year's EPS when it labels years, else Yahoo's
    FY1/FY2 EPS labelled by the FY1 rule at the set's date (None: not given, or an undated relative set)."""
    if estimate.years:
        year = estimate.years.get(label)
        return year.eps if year is not None else None
    if estimate.known_on is None:
        return None
    fy1 = fy1_label(estimate.known_on, end_month, report_lag_days)
    return {fy1: estimate.eps_fy1, fy1 + 1: estimate.eps_fy2}.get(label)


def revision(new: float | None, old: float | None) -> Value:
    """``new ÷ old − 1``; NA when either is missing, NM when ``old`` <= 0."""
    if new is None or old is None:
        return NA
    if old <= 0:
        return NM
    return new / old - 1.0


def eps_revisions(
    sets: Sequence[ConsensusEstimate], as_of: date, fy1: int, end_month: int, report_lag_days: int = 90
) -> dict[str, Value]:
    """``eps_rev_1m`` and ``eps_rev_3m`` of a company's consensus sets at ``as_of`` (module rules); ``fy1``: the
    FY1 label at ``as_of`` (:func:`screener.core.fiscal.fy1_label`)."""
    dated = [s for s in sets if s.known_on is not None]
    new = newest_known(dated, as_of)
    if new is None or new.known_on is None:
        return dict.fromkeys(REVISION_COLUMNS, NA)
    now = year_eps(new, fy1, end_month, report_lag_days)
    out: dict[str, Value] = {}
    for column, days in REVISION_DAYS.items():
        old = newest_known(dated, new.known_on - timedelta(days=days))
        if old is None or (old.eps_currency or new.eps_currency) != (new.eps_currency or old.eps_currency):
            out[column] = NA
            continue
        out[column] = revision(now, year_eps(old, fy1, end_month, report_lag_days))
    return out
