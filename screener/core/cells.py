"""One cell of an imported file (CSV, a sheet's text) read by one set of rules: numbers, dates, currency codes,
header names. Pure: text in, a value or a :class:`CellError` saying why out.

Numbers (:func:`parse_number`), ``decimal`` ``.`` (the default) or ``,`` (``--decimal ,``, European files):
- plain: ``1234.5``, ``-0.5``, ``1e-3`` (``1234,5`` with ``--decimal ,``);
- grouped thousands: ``1,234,567.8`` (``1.234.567,8`` or ``1 234 567,8`` with ``--decimal ,``): groups of
  exactly three digits after a first group of one to three, the first digit not 0;
- anything else holding the other separator is refused as ambiguous: ``0,5`` (a half, or five?) and
  ``1.234,5`` are refused with ``.``; ``1.5`` is refused with ``,``;
- a missing marker (:data:`MISSING`: blank, ``NA``, ``#N/A``, ``-`` ...) is None; ``inf``, ``nan`` as a number
  and overflows (``1e400``) are refused as not finite.

Dates (:func:`parse_day`): a whole calendar day ``YYYY-MM-DD`` (or ``YYYY/MM/DD``) between 1900-01-01 and
``latest``. The one normalisation: a time of exactly midnight (``2021-01-04 00:00:00``, ``T00:00``, as Excel and
pandas write a date) is the day itself. Any other time of day, a time zone or offset, a partial date (``2021``,
``2021-02``) or trailing text is refused: a day is never split into rows nor shifted by a zone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

MISSING = frozenset({"", "null", "NULL", ".", "NaN", "nan", "NA", "N/A", "n/a", "#N/A", "-", "--", "—"})
"""Cells that mean "no value" (FRED writes ``.``; terminals write ``#N/A`` or ``-``)."""
EARLIEST = date(1900, 1, 1)
"""No imported date lies before this day."""
DECIMALS = (".", ",")

_PLAIN = {
    ".": re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?"),
}
_GROUPED = {
    ".": re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?"),
    ",": re.compile(r"[+-]?[1-9]\d{0,2}(?P<sep>[. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*(?:,\d*)?"),
}
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity)", re.IGNORECASE)
_DAY = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_PARTIAL = re.compile(r"\d{4}(?:[-/]\d{1,2})?")
_TIME = re.compile(r"[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?")
_ZONE = re.compile(r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)", re.IGNORECASE)
_CURRENCY = re.compile(r"[A-Z]{3}")


class CellError(ValueError):
    """A cell that is not what its column holds; the message says why (the caller adds file, line, field)."""


def parse_number(text: str, decimal: str = ".") -> float | None:
    """A number cell (module rules): the float, None for a missing marker, CellError for anything else."""
    cell = text.strip()
    if cell in MISSING:
        return None
    if decimal not in DECIMALS:
        raise ValueError(f"decimal separator must be '.' or ',', got {decimal!r}")
    other = "," if decimal == "." else "."
    if _PLAIN[decimal].fullmatch(cell):
        number = float(cell.replace(",", "."))
    elif _GROUPED[decimal].fullmatch(cell):
        digits = re.sub(r"[ \u00a0\u202f]", "", cell).replace(other, "")
        number = float(digits.replace(",", "."))
    elif _NON_FINITE.fullmatch(cell):
        raise CellError(f"must be finite, got {cell!r}")
    elif other in cell:
        hint = "use --decimal , for a file written with decimal commas" if decimal == "." else "read with --decimal ,"
        separator = "comma" if other == "," else "point"
        raise CellError(f"ambiguous number {cell!r}: a decimal {separator} or a misplaced thousands separator ({hint})")
    else:
        raise CellError(f"not a number: {cell!r}")
    if not math.isfinite(number):
        raise CellError(f"must be finite, got {cell!r}")
    return number


def parse_day(text: str, latest: date, earliest: date = EARLIEST) -> date:
    """A date cell (module rules) between ``earliest`` and ``latest`` (the caller's today for observed data)."""
    cell = text.strip()
    match = _DAY.match(cell)
    if match is None:
        if _PARTIAL.fullmatch(cell):
            raise CellError(f"partial date {cell!r}: give the whole day as YYYY-MM-DD")
        raise CellError(f"unparseable date {cell!r}: give the day as YYYY-MM-DD")
    rest = cell[match.end() :]
    if rest:
        _time_of_day(cell, rest)
    try:
        day = date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        raise CellError(f"unparseable date {cell!r}: no such day") from None
    if day < earliest:
        raise CellError(f"date {cell} is before {earliest}")
    if day > latest:
        raise CellError(f"date {cell} is in the future (after {latest})")
    return day


def _time_of_day(cell: str, rest: str) -> None:
    """Nothing when ``rest`` (what follows the day) is a bare midnight; else CellError saying what it is."""
    time = _TIME.match(rest)
    if time is None:
        if _ZONE.fullmatch(rest):
            raise CellError(f"a time zone is not read: {cell!r}; give the day as YYYY-MM-DD")
        raise CellError(f"trailing text after the date: {cell!r}")
    after = rest[time.end() :]
    if after:
        if _ZONE.fullmatch(after):
            raise CellError(f"a time zone is not read: {cell!r}; give the day as YYYY-MM-DD (one row per day)")
        raise CellError(f"trailing text after the date: {cell!r}")
    hours, minutes, seconds, fraction = time.groups()
    if int(hours) or int(minutes) or int(seconds or 0) or int(fraction or 0):
        raise CellError(f"a time of day is not read: {cell!r}; give the day as YYYY-MM-DD (one row per day)")


def is_currency(code: str) -> bool:
    """A currency code: exactly three letters A-Z (ISO 4217 form)."""
    return _CURRENCY.fullmatch(code) is not None


def first_duplicate(names: Iterable[str]) -> str | None:
    """The first name that occurs a second time (in one linear pass), or None."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None
