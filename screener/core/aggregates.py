"""Group statistics over a column of metrics (METHODS §3).

Mean, median and harmonic mean over the numeric members only (NA and NM excluded), each reported with
``n`` (members used) and ``excluded`` (members that were NA/NM). The harmonic mean ``n / Σ(1/x)`` is only
defined when every used value is > 0; otherwise it is NM. With no numeric member every statistic is NA.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from screener.core.values import NA, NM, Value, is_num

STATISTICS = ("mean", "median", "harmonic_mean")


@dataclass(frozen=True)
class Aggregate:
    """One statistic of one column: the value and how many members it used and excluded."""

    value: Value | None
    """The statistic; None when it is not computed for this column."""
    n: int
    excluded: int


def _numeric(values: Iterable[Value]) -> tuple[list[float], int]:
    used: list[float] = []
    excluded = 0
    for value in values:
        if is_num(value):
            used.append(float(value))  # type: ignore[arg-type]
        else:
            excluded += 1
    return used, excluded


def mean(values: Iterable[Value]) -> Aggregate:
    """Arithmetic mean of the numeric values."""
    used, excluded = _numeric(values)
    return Aggregate(statistics.fmean(used) if used else NA, len(used), excluded)


def median(values: Iterable[Value]) -> Aggregate:
    """Median of the numeric values (average of the middle two for an even count)."""
    used, excluded = _numeric(values)
    return Aggregate(statistics.median(used) if used else NA, len(used), excluded)


def harmonic_mean(values: Iterable[Value]) -> Aggregate:
    """``n / Σ(1/x)`` over the numeric values; NM if any used value is <= 0, NA if none."""
    used, excluded = _numeric(values)
    if not used:
        return Aggregate(NA, 0, excluded)
    if any(x <= 0 for x in used):
        return Aggregate(NM, len(used), excluded)
    return Aggregate(len(used) / sum(1.0 / x for x in used), len(used), excluded)


def aggregate(values: Iterable[Value], statistic: str) -> Aggregate:
    """Dispatch by name: ``mean``, ``median`` or ``harmonic_mean``."""
    functions = {"mean": mean, "median": median, "harmonic_mean": harmonic_mean}
    return functions[statistic](list(values))


@dataclass(frozen=True)
class Weighted:
    """A weighted statistic: the value (a float, NA or NM) and the weight it covers (Σ of the weights of the members
    whose value is a number; the ``coverage`` of the portfolio view)."""

    value: Value
    covered: float


def _weighted_numeric(pairs: Iterable[tuple[float, Value]]) -> list[tuple[float, float]]:
    return [(float(w), float(x)) for w, x in pairs if w > 0 and is_num(x)]  # type: ignore[arg-type]


def weighted_mean(pairs: Iterable[tuple[float, Value]]) -> Weighted:
    """``Σ w·x / Σ w`` over the members with a positive weight whose value is a number (NA and NM excluded, the
    weights renormalised over the rest); NA when none is left. Equal weights give :func:`mean`."""
    used = _weighted_numeric(pairs)
    total = sum(w for w, _ in used)
    if not used or total <= 0:
        return Weighted(NA, 0.0)
    return Weighted(sum(w * x for w, x in used) / total, total)


def weighted_harmonic_mean(pairs: Iterable[tuple[float, Value]]) -> Weighted:
    """``Σ w / Σ (w/x)`` over the members with a positive weight whose value is a number (NA and NM excluded, the
    weights renormalised over the rest), the rule of :func:`harmonic_mean`: NM when a used value is <= 0, NA when
    none is left. Equal weights give :func:`harmonic_mean`."""
    used = _weighted_numeric(pairs)
    total = sum(w for w, _ in used)
    if not used or total <= 0:
        return Weighted(NA, 0.0)
    if any(x <= 0 for _, x in used):
        return Weighted(NM, total)
    return Weighted(total / sum(w / x for w, x in used), total)
