"""One declarative field-spec for TOML tables, shared by the config and the universe readers.

A :class:`Field` says what a key holds (kind), whether it is required, its default, its range and its allowed
values; :meth:`TableReader.read` checks a table against a spec (unknown keys, missing keys, types, ranges,
choices) and returns the values with defaults filled in. Every failure is the reader's error type naming the
file, the line and the key path (``ratings.buy``, ``company[2].house.target_price``).

Ranges are checked by :func:`screener.core.measures.range_problem`, the one range check the importers use too
(with :data:`screener.core.measures.MEASURES`, the plausible range of every imported number);
:meth:`TableReader.measured` reads a universe value by its measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from screener.core.cells import EARLIEST, CellError, is_currency, parse_day
from screener.core.measures import MEASURES, SMALLEST, Measure, range_problem
from screener.core.text import clean_text
from screener.core.values import Value, as_value
from screener.errors import InputFileError
from screener.tomlfile import PathPart, TomlDocument

REQUIRED: Any = object()
"""Default of a field that must be present."""

LARGEST = 1e15
"""A number larger than this (in absolute value) is refused as absurd."""

KINDS = ("number", "integer", "bool", "string", "text", "list", "date", "iso_date", "currency", "value", "table", "any")


@dataclass(frozen=True)
class Field:
    """What one key of a table holds.

    kinds: ``number`` (int or float, finite), ``integer``, ``bool``, ``string`` (any str), ``text`` (a non-empty
    str, stripped), ``list``, ``date`` (a TOML date), ``iso_date`` (a string like 2018-01-01, parsed),
    ``currency`` (three capital letters), ``value`` (a number, "na" or "nm"), ``table``, ``any``.
    ``low``/``high`` bound numbers (inclusive unless ``low_open``); ``nonzero`` refuses 0; ``choices`` lists
    allowed values.
    """

    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[Any, ...] | None = None
    range_message: str | None = None
    nonzero: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def bounds(self) -> Measure:
        """The field's range, as :func:`screener.core.measures.range_problem` checks it."""
        return Measure(self.low, self.high, self.low_open, self.nonzero, self.kind, self.range_message)


Spec = Mapping[str, Field]

_TYPE_NAMES = {
    "number": "a number",
    "integer": "an integer",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "table": "a table",
}


class TableReader:
    """Validates values of one TOML document; every failure names file, line and field."""

    def __init__(self, doc: TomlDocument, error: Callable[..., InputFileError]) -> None:
        self.doc = doc
        self.error = error

    def fail(self, message: str, *path: PathPart, field: str | None = None) -> InputFileError:
        return self.doc.error(self.error, message, *path, field=field)

    # --- whole tables -------------------------------------------------------------------------------------
    def check_keys(self, table: Mapping[str, Any], allowed: Mapping[str, Any] | set[str], *path: PathPart) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key (allowed: {', '.join(sorted(allowed))})", *path, key)

    def read(self, table: Mapping[str, Any], spec: Spec, *path: PathPart) -> dict[str, Any]:
        """Check ``table`` against ``spec``: unknown keys, required keys, each value; defaults filled in."""
        self.check_keys(table, spec, *path)
        out: dict[str, Any] = {}
        for key, field in spec.items():
            if key not in table:
                if field.required:
                    raise self.fail("missing (required)", *path, key)
                out[key] = field.default
                continue
            out[key] = self.value_of(table[key], field, *path, key)
        return out

    # --- single values --------------------------------------------------------------------------------------
    def value_of(self, raw: Any, field: Field, *path: PathPart) -> Any:
        """One value checked against its field (kind, range, choices)."""
        converters: dict[str, Callable[..., Any]] = {
            "number": self.number,
            "integer": self.integer,
            "bool": self.boolean,
            "string": self.string,
            "text": self.text,
            "list": self.list,
            "date": self.day,
            "iso_date": self.iso_date,
            "currency": self.currency,
            "value": self.value,
            "table": self.table,
            "any": lambda v, *p: v,
        }
        value = converters[field.kind](raw, *path)
        if field.choices is not None and value not in field.choices:
            raise self.fail(f"must be one of {', '.join(map(str, field.choices))}, got {raw!r}", *path)
        if field.kind in ("number", "integer"):
            self.check_range(value, field.bounds, *path)
        return value

    def check_range(self, value: float, field: Measure, *path: PathPart) -> None:
        problem = range_problem(value, field)
        if problem is not None:
            raise self.fail(problem, *path)

    def measured(self, raw: Any, measure: str, *path: PathPart) -> float:
        """A number checked against its measure's plausible range (:data:`MEASURES`)."""
        value = self.number(raw, *path)
        self.check_range(value, MEASURES[measure], *path)
        return value

    def table(self, value: Any, *path: PathPart) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"must be a table, got {type(value).__name__}", *path)
        return value

    def list(self, value: Any, *path: PathPart) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"must be a list, got {value!r}", *path)
        return value

    def number(self, value: Any, *path: PathPart) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"must be a number, got {value!r}", *path)
        if not math.isfinite(value):
            raise self.fail(f"must be a finite number, got {value!r}", *path)
        self.plausible(value, *path)
        return float(value)

    def plausible(self, value: float, *path: PathPart) -> None:
        """Refuse absurd magnitudes: non-zero below 1e-9 or above 1e15 (they would make infinite multiples)."""
        if value != 0 and not SMALLEST <= abs(value) <= LARGEST:
            raise self.fail(f"{value!r} is outside the plausible range (1e-9 to 1e15 in absolute value)", *path)

    def integer(self, value: Any, *path: PathPart) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"must be an integer, got {value!r}", *path)
        return value

    def boolean(self, value: Any, *path: PathPart) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"must be true or false, got {value!r}", *path)
        return value

    def string(self, value: Any, *path: PathPart) -> str:
        if not isinstance(value, str):
            raise self.fail(f"must be a string, got {value!r}", *path)
        return value

    def text(self, value: Any, *path: PathPart) -> str:
        """A non-empty string, stripped, control characters removed (they could drive the reader's terminal)."""
        if not isinstance(value, str) or not clean_text(value).strip():
            raise self.fail(f"must be a non-empty string, got {value!r}", *path)
        return clean_text(value).strip()

    def positive(self, value: Any, *path: PathPart) -> float:
        number = self.number(value, *path)
        if not number > 0:
            raise self.fail(f"must be a positive finite number, got {value!r}", *path)
        return number

    def day(self, value: Any, *path: PathPart) -> date:
        if isinstance(value, date) and not hasattr(value, "hour"):
            if value < EARLIEST:
                raise self.fail(f"{value} is before {EARLIEST}", *path)
            return value
        raise self.fail(f"must be a date like 2025-10-10 (unquoted), got {value!r}", *path)

    def iso_date(self, value: Any, *path: PathPart) -> date:
        try:
            return parse_day(self.string(value, *path), latest=date.max)
        except CellError as exc:
            raise self.fail(f"must be a date like 2018-01-01: {exc}", *path) from None

    def currency(self, value: Any, *path: PathPart) -> str:
        text = self.text(value, *path)
        if not is_currency(text):
            raise self.fail(f"must be a three-letter ISO currency code like CNY, got {value!r}", *path)
        return text

    def value(self, raw: Any, *path: PathPart) -> Value:
        """A metric cell: a finite number, "na" or "nm" (missing = NA)."""
        if isinstance(raw, bool):
            raise self.fail(f"must be a number, 'na' or 'nm', got {raw!r}", *path)
        if isinstance(raw, float) and not math.isfinite(raw):
            raise self.fail(f"must be a finite number, 'na' or 'nm', got {raw!r}", *path)
        if isinstance(raw, int | float):
            self.plausible(raw, *path)
        try:
            return as_value(raw)
        except ValueError as exc:
            raise self.fail(str(exc), *path) from None
