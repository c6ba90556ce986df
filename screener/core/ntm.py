"""Twelve-month-forward (NTM) multiples (METHODS §14). Pure: no I/O, no clock.

FY1's and FY2's per-share figures (:attr:`screener.core.estimates.YearMultiples.figures`, trading currency) are
blended by the share of FY1 still to run at the as-of date, ``s`` (:func:`screener.core.fiscal.fy1_share_to_run`):

    X_NTM = s × X_FY1 + (1 − s) × X_FY2          for X = EPS, BVPS, DPS, EBITDA per share, and ROE

then ``P/E = price / EPS_NTM``, ``P/B = price / BVPS_NTM``, ``DY = DPS_NTM / price``, ``EV/EBITDA = EV per share
(FY1's, today's EV as the FY1 multiple takes it) / EBITDA_NTM per share``, ``ROE_NTM`` the blend of the years'
ROE (each net income ÷ average shareholders' equity, §2). NA when FY2's figure is missing, or FY1's while
``s > 0``; with ``s = 0`` (FY1 has ended, not yet reported) the NTM figure is FY2's. NM by the §2 rules: a
blended EPS, BVPS or EBITDA <= 0, an NM ROE of a year that counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from screener.core import multiples as mx
from screener.core.estimates import YearMultiples
from screener.core.values import NA, NM, Value, is_num

NTM_METRICS = ("pe", "pb", "ev_ebitda", "roe", "dy")
NTM_COLUMNS = tuple(f"{metric}_ntm" for metric in NTM_METRICS)
"""The comp table's NTM columns (PM CSV order)."""


def blend(fy1: Value, fy2: Value, share: float) -> Value:
    """``share × fy1 + (1 − share) × fy2``; FY2 missing: NA (NM stays NM); FY1 missing while it has a weight: the
    same; with ``share == 0`` FY1 is not needed."""
    if not is_num(fy2):
        return NM if fy2 is NM else NA
    if share == 0:
        return fy2
    if not is_num(fy1):
        return NM if fy1 is NM else NA
    assert isinstance(fy1, float | int) and isinstance(fy2, float | int)
    return share * float(fy1) + (1.0 - share) * float(fy2)


def _figure(figures: Mapping[str, float], key: str) -> Value:
    value = figures.get(key)
    return float(value) if value is not None and is_num(value) else NA


def ntm_multiples(fy1: YearMultiples, fy2: YearMultiples, share: float, price: float) -> YearMultiples:
    """The NTM multiples at ``price`` from FY1 and FY2 blended with FY1's weight ``share`` (module rules);
    ``raw`` keeps the blended EPS, BVPS and EBITDA per share so an NM shows its input."""
    a, b = fy1.figures, fy2.figures
    eps, bvps, dps, ebitda = (blend(_figure(a, k), _figure(b, k), share) for k in ("eps", "bvps", "dps", "ebitda"))
    ev = _figure(a, "ev")
    if not is_num(ev) and share == 0:  # FY1 carries no weight (ended, not yet reported): today's EV from FY2's figures
        ev = _figure(b, "ev")
    raw = {k: v for k, v in (("pe", eps), ("pb", bvps), ("ev_ebitda", ebitda)) if isinstance(v, float) and is_num(v)}
    return YearMultiples(
        pe=mx.price_to_earnings(price, eps),
        pb=mx.price_to_book(price, bvps),
        ev_ebitda=mx.ev_to_ebitda(ev, ebitda),
        roe=blend(fy1.roe, fy2.roe, share),
        dy=mx.dividend_yield(dps, price),
        raw=raw,
    )
