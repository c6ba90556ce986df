"""Saved screens and column sets of config.toml (#24 items 2 and 4), validated like the rest of the config (errors
name the file, the line and ``screens.NAME.key``):

- ``[screens.NAME]``: ``where`` (criteria, :mod:`screener.core.criteria`), ``sort``, ``reverse``, ``top``,
  ``columns`` (column keys, or ``@SET``), ``universes``, ``groups`` and a ``description``; ``--preset NAME`` on
  screen, export, report and drift applies them, options given on the command line winning;
- ``[columns]``: ``NAME = ["ticker", "etr", ...]``, a column set ``--columns @NAME`` names.

The types, ranges and sort column are checked here; the criteria and the column keys, which need the PM CSV's
columns and each table's keys, when a screen is used or listed (:mod:`screener.app.presets`), naming the same
file, line and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from screener.config.fields import Field, TableReader

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
"""A screen or column-set name: lowercase letters, digits, ``_`` and ``-``, at most 32 characters."""
MAX_SCREENS = 200

SCREEN_SPEC = {
    "description": Field("string", ""),
    "where": Field("text"),
    "sort": Field("string"),
    "reverse": Field("bool"),
    "top": Field("integer", low=1, high=100_000),
    "columns": Field("list"),
    "universes": Field("list", []),
    "groups": Field("list", []),
}


@dataclass(frozen=True)
class ColumnSet:
    """``[columns] NAME = [...]``: column keys in the order they are shown."""

    name: str
    keys: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class ScreenPreset:
    """``[screens.NAME]``: a saved screen (None: the command's default); ``lines``: each key's line in the file."""

    name: str
    description: str = ""
    where: str | None = None
    sort: str | None = None
    reverse: bool | None = None
    top: int | None = None
    columns: tuple[str, ...] | None = None
    universes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    lines: dict[str, int | None] = field(default_factory=dict, compare=False)


def _names(reader: TableReader, table: Any, section: str) -> dict[str, Any]:
    table = reader.table(table, section)
    if len(table) > MAX_SCREENS:
        raise reader.fail(f"more than {MAX_SCREENS} entries", section)
    for name in table:
        if not NAME.fullmatch(name):
            where = (f"{section}.{name}",) if section == "screens" else (section, name)
            raise reader.fail("a name is 1-32 lowercase letters, digits, '_' or '-'", *where)
    return table


def _strings(reader: TableReader, values: list[Any], *path: str) -> tuple[str, ...]:
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise reader.fail(f"must be a non-empty list of names, got {values!r}", *path)
    return tuple(v.strip() for v in values)


def column_sets(reader: TableReader, table: Any) -> dict[str, ColumnSet]:
    """``[columns]``: each set a non-empty list of column keys (a key once)."""
    sets = {}
    for name, keys in _names(reader, table, "columns").items():
        picked = _strings(reader, reader.list(keys, "columns", name), "columns", name)
        lowered = [k.lower() for k in picked]
        repeated = [k for i, k in enumerate(lowered) if k in lowered[:i]]
        if repeated:
            raise reader.fail(f"column {repeated[0]!r} given twice", "columns", name)
        sets[name] = ColumnSet(name, tuple(k.lower() for k in picked), reader.doc.line_of("columns", name))
    return sets


def screen_presets(
    reader: TableReader, table: Any, sort_columns: tuple[str, ...], sets: dict[str, ColumnSet]
) -> dict[str, ScreenPreset]:
    """``[screens.NAME]`` tables: keys of :data:`SCREEN_SPEC`; ``sort`` one of ``sort_columns``; ``columns`` keys
    or ``@SET`` of ``sets``."""
    presets = {}
    for name, raw in _names(reader, table, "screens").items():
        path = (f"screens.{name}",)  # one part: the line of the [screens.NAME] header, then of its keys
        values = reader.read(reader.table(raw, *path), SCREEN_SPEC, *path)
        if values["sort"] is not None and values["sort"] not in sort_columns:
            raise reader.fail(f"must be one of {', '.join(sort_columns)}, got {values['sort']!r}", *path, "sort")
        columns = None
        if values["columns"] is not None:
            columns = _strings(reader, values["columns"], *path, "columns")
            unknown = [c for c in columns if c.startswith("@") and c[1:] not in sets]
            if unknown:
                known = ", ".join(f"@{s}" for s in sets) or "none: add [columns] NAME = [...]"
                raise reader.fail(f"unknown column set {unknown[0]!r} (sets: {known})", *path, "columns")
        universes = _strings(reader, values["universes"], *path, "universes") if values["universes"] else ()
        groups = _strings(reader, values["groups"], *path, "groups") if values["groups"] else ()
        presets[name] = ScreenPreset(
            name,
            values["description"],
            values["where"],
            values["sort"],
            values["reverse"],
            values["top"],
            columns,
            universes,
            groups,
            {key: reader.doc.line_of(*path, key) for key in SCREEN_SPEC} | {"": reader.doc.line_of(*path)},
        )
    return presets
