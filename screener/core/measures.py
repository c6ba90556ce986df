"""The plausible range of every imported number, by what it measures (one declarative table), and the one range
check (:func:`range_problem`) shared with the config and universe field spec (:mod:`screener.config.fields`, whose
fields give their range as a :class:`Measure`).

The importers (prices, estimates, valuation, financials, FX, oxides, holdings) and the universe reader check
every number against its measure: out of range is an error naming the file, line and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screener.core.cells import CellError, parse_number

SMALLEST = 1e-9
"""A non-zero number smaller than this is refused as absurd (a denormal like 1e-320 turns ratios into infinities)."""
PLAUSIBLE = "{value:g} is outside the plausible range {low:g} to {high:g}"
PER_SHARE = 1e6
"""Largest per-share amount (EPS, BVPS, DPS) in absolute value, in any currency."""
AMOUNT = 1e12
"""Largest statement amount in absolute value (millions of the reporting currency)."""


@dataclass(frozen=True)
class Measure:
    """The range of one kind of number: ``kind`` ``number`` or ``integer`` (whole), ``low``/``high`` inclusive
    unless ``low_open``, ``nonzero`` refuses 0; ``range_message`` formatted with value, low and high."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    nonzero: bool = False
    kind: str = "number"
    range_message: str | None = PLAUSIBLE


MEASURES: dict[str, Measure] = {
    "price": Measure(0, 1e9, low_open=True),
    "eps": Measure(-PER_SHARE, PER_SHARE),
    "bvps": Measure(-PER_SHARE, PER_SHARE, nonzero=True),
    "dps": Measure(0, PER_SHARE),
    "n_analysts": Measure(0, 1000, kind="integer"),
    "amount": Measure(-AMOUNT, AMOUNT),
    "shares": Measure(0, 1e7, low_open=True),
    "multiple": Measure(-1e6, 1e6),
    "fx_rate": Measure(0, 1e7, low_open=True),
    "oxide_price": Measure(0, 1e9, low_open=True),
    "weight": Measure(0, 100),
}
"""Prices and targets (trading currency, ``price``); EPS, BVPS (negative allowed, never 0), DPS (never negative)
per share; analysts counted (whole); statement amounts in millions (``amount``: EBITDA, net debt, revenue ...) and
shares in millions; daily P/E and P/B (``multiple``); FX rates (units per USD, or USD per unit); oxide prices in
their unit; weights in percent of net assets."""


def range_problem(value: float, field: Measure) -> str | None:
    """Why ``value`` is outside ``field``'s range, or None: not finite, a non-zero magnitude below 1e-9 (a
    subnormal like 1e-320), not whole for an integer field, 0 for a ``nonzero`` field, not positive (``low`` 0,
    open) or negative (``low`` 0), below ``low`` or above ``high`` (then the field's ``range_message``, formatted
    with ``value``, ``low`` and ``high``, when it has one)."""
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if value != 0 and abs(value) < SMALLEST:
        return f"{value!r} is outside the plausible range (a non-zero number is at least 1e-9 in absolute value)"
    if field.kind == "integer" and value != int(value):
        return f"must be a whole number, got {value!r}"
    if field.nonzero and value == 0:
        return "must not be 0"
    low, high = field.low, field.high
    if low == 0 and value <= 0 and (field.low_open or value < 0):
        return f"must be {'positive' if field.low_open else 'zero or more'}, got {value:g}"
    too_low = low is not None and (value <= low if field.low_open else value < low)
    too_high = high is not None and value > high
    if not (too_low or too_high):
        return None
    if field.range_message:
        return field.range_message.format(value=value, low=low, high=high)
    if low is not None and high is not None:
        return f"must be between {low:g} and {high:g}, got {value!r}"
    if low is not None:
        return f"must be {'>' if field.low_open else '>='} {low:g}, got {value!r}"
    return f"must be <= {high:g}, got {value!r}"


def measured(text: str, measure: str, decimal: str = ".") -> float | None:
    """A number cell read by :func:`screener.core.cells.parse_number` and checked against ``measure``'s range:
    the number, None for a missing marker, else CellError saying why."""
    number = parse_number(text, decimal)
    if number is None:
        return None
    problem = range_problem(number, MEASURES[measure])
    if problem is not None:
        raise CellError(problem)
    return number
