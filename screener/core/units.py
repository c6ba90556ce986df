"""Oxide price units (METHODS §6): pure conversions to a price per kilogram and VAT removal (FX to USD is
:mod:`screener.core.fx`).

A unit names a currency, a scale and a mass: ``10000 CNY/t`` (万元/吨) is 10,000 CNY per tonne, i.e. 10 CNY/kg
per unit. Only the units below are accepted; anything else is an error naming the known ones (never a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas/numpy are imported by the functions that need them: config validation stays light
    import pandas as pd

VAT_CHINA = 0.13  # China's VAT on rare-earth oxides (domestic quotes include it; FOB China quotes do not)


@dataclass(frozen=True)
class Unit:
    """A price unit: ``currency`` per ``per_kg_factor`` … so that ``value * per_kg_factor`` = currency per kg."""

    name: str
    currency: str
    per_kg_factor: float


UNITS: dict[str, Unit] = {
    u.name: u
    for u in (
        Unit("CNY/t", "CNY", 1.0 / 1000.0),
        Unit("CNY/kg", "CNY", 1.0),
        Unit("1000 CNY/t", "CNY", 1.0),
        Unit("10000 CNY/t", "CNY", 10.0),
        Unit("USD/kg", "USD", 1.0),
        Unit("USD/t", "USD", 1.0 / 1000.0),
    )
}
_SPACES = re.compile(r"[\s,_]")


def _key(text: str) -> str:
    return _SPACES.sub("", text).upper()


_BY_KEY = {_key(name): unit for name, unit in UNITS.items()}


def parse_unit(text: str) -> Unit:
    """``"10,000 CNY/t"``, ``"10000cny/t"`` → the ``10000 CNY/t`` unit; ValueError for an unknown unit."""
    unit = _BY_KEY.get(_key(text))
    if unit is None:
        raise ValueError(f"unknown unit {text!r} (known: {', '.join(UNITS)})")
    return unit


def to_per_kg(values: pd.Series, unit: Unit) -> pd.Series:
    """Values in ``unit`` → the same currency per kg (e.g. 89.5 x 10,000 CNY/t = 895 CNY/kg)."""
    return values * unit.per_kg_factor


def remove_vat(values: pd.Series, rate: float = VAT_CHINA) -> pd.Series:
    """A VAT-inclusive price → the price before VAT: ``value / (1 + rate)`` (895 / 1.13 = 792.04)."""
    return values / (1.0 + rate)


def large_gaps(dates: pd.DatetimeIndex, business_days: int) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Consecutive dates more than ``business_days`` business days apart: (from, to, business days)."""
    import numpy as np
    import pandas as pd

    if len(dates) < 2:
        return []
    d = pd.DatetimeIndex(dates).sort_values().to_numpy().astype("datetime64[D]")
    gaps = np.busday_count(d[:-1], d[1:])
    out = []
    for i in np.flatnonzero(gaps > business_days):
        out.append((pd.Timestamp(d[i]), pd.Timestamp(d[i + 1]), int(gaps[i])))
    return out
