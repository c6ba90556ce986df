"""Display formats (METHODS §2): multiples to one decimal with ``x``; ROE, yields, upside and ETR in %
to one decimal; NA / NM shown as such."""

from __future__ import annotations

from screener.core.text import clean_text
from screener.core.values import Missing, Value


def multiple(value: Value) -> str:
    """``88.4x``; thousands separated for extreme values (``2,421.4x``)."""
    if isinstance(value, Missing):
        return str(value)
    return f"{value:,.1f}x"


def percent(value: Value) -> str:
    """``35.5%``."""
    if isinstance(value, Missing):
        return str(value)
    return f"{value * 100:,.1f}%"


def weight(value: Value) -> str:
    """An ETF weight (a fraction) as the holdings file shows it: ``8.30%``."""
    if isinstance(value, Missing):
        return str(value)
    return f"{value * 100:.2f}%"


def money(value: Value, decimals: int = 2) -> str:
    """``53.13``; ``26,944`` with decimals=0."""
    if isinstance(value, Missing):
        return str(value)
    return f"{value:,.{decimals}f}"


def printable(text: str) -> str:
    """Text safe to show in a terminal or a workbook: no control characters (escape sequences, bells)."""
    return clean_text(text)
