"""Display formats (METHODS §2): multiples to one decimal with ``x``; ROE, yields, upside and ETR in %
to one decimal; NA / NM shown as such. :func:`cell_text` shows a cell of the cell model (terminal and HTML)."""

from __future__ import annotations

from screener.core.text import clean_text
from screener.core.values import Missing, Value
from screener.models import Cell, Mark


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


def cell_text(cell: Cell, yes: str = "yes", no: str = "no") -> str:
    """A cell as the terminal table and the HTML report show it, at its ``decimals``: fractions ``35.5%``,
    multiples ``12.3x``, amounts and prices thousands-separated, counts whole (an n with its exclusions
    ``3 (4)``), ``signed`` numbers with their sign; ``NA``/``NM`` as such, an NM with the input behind it
    ``NM (EPS -0.52)``; booleans ``yes``/``no`` (or the column's words); an implausible value ends in ``?``."""
    if cell.missing:
        if cell.state == "NM" and cell.basis is not None:
            return f"NM ({cell.basis[0]} {cell.basis[1]:,.2f})"
        return cell.state
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, str):
        return value
    sign = "+" if cell.signed else ""
    d = cell.decimals
    if cell.kind == "count":
        text = f"{int(value):{sign}d}"
        if cell.basis is not None:
            text += f" ({int(cell.basis[1])})"
    elif cell.kind == "fraction":
        text = f"{value * 100:{sign},.{d}f}%"
    elif cell.kind == "multiple":
        text = f"{value:{sign},.{d}f}x"
    elif cell.kind == "number":
        text = f"{value:{sign}.{d}f}"
    else:  # amount, price
        text = f"{value:{sign},.{d}f}"
    return text + "?" if Mark.IMPLAUSIBLE in cell.marks else text
