"""Numbers that may be missing: a float, ``NA`` (not available) or ``NM`` (not meaningful).

NA: no estimate or no data. NM: the formula's denominator is zero or negative (loss-making EPS,
negative EBITDA or book value), so the ratio would mislead; a negative multiple is never ranked.
"""

from __future__ import annotations

import math

from screener.models import NA, NM, Missing, Value

# Missing, NA, NM and Value live in screener.models (every layer imports them); this module keeps the arithmetic.


def is_num(value: object) -> bool:
    """True for a finite int/float (bools excluded)."""
    if type(value) is float:  # the common case first (called ~100 times per row of a comp table)
        return math.isfinite(value)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def as_value(raw: object) -> Value:
    """Coerce an input cell: numbers stay numbers; "na"/None/NaN -> NA; "nm" -> NM."""
    if raw is None:
        return NA
    if isinstance(raw, Missing):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in ("", "na", "n/a"):
            return NA
        if text == "nm":
            return NM
        raise ValueError(f"not a number, 'na' or 'nm': {raw!r}")
    if is_num(raw):
        return float(raw)  # type: ignore[arg-type]
    if isinstance(raw, float) and math.isnan(raw):
        return NA
    raise ValueError(f"not a number, 'na' or 'nm': {raw!r}")


def ratio(numerator: Value, denominator: Value) -> Value:
    """``numerator / denominator``; NA if either is NA; NM if either is NM or the denominator is <= 0."""
    if numerator is NA or denominator is NA:
        return NA
    if numerator is NM or denominator is NM:
        return NM
    assert isinstance(numerator, float | int) and isinstance(denominator, float | int)
    if denominator <= 0:
        return NM
    return float(numerator) / float(denominator)


def combine(*values: Value) -> Missing | None:
    """The first reason any input is missing (NA before NM), or None when all are numbers."""
    if any(v is NA for v in values):
        return NA
    if any(v is NM for v in values):
        return NM
    return None


def add(*values: Value) -> Value:
    """Sum; NA/NM if any term is missing (NA first)."""
    missing = combine(*values)
    if missing is not None:
        return missing
    return float(sum(float(v) for v in values if isinstance(v, float | int)))


def subtract(left: Value, right: Value) -> Value:
    """``left − right``; NA/NM if either is missing."""
    missing = combine(left, right)
    if missing is not None:
        return missing
    return float(left) - float(right)  # type: ignore[arg-type]
