"""``screener screens``: the saved screens of config.toml as a table or JSON (:mod:`screener.config.screens`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from screener.config import ScreenPreset
from screener.render.fit import FittedTable, Row, Spec, View

SCREENS_COLUMNS = (
    Spec("name", "Screen"),
    Spec("where", "Where", 1, wrap=True),
    Spec("sort", "Sort", 3),
    Spec("top", "Top", 4, "right"),
    Spec("universes", "Universes", 5, wrap=True),
    Spec("groups", "Groups", 6, wrap=True),
    Spec("columns", "Columns", 7, wrap=True),
    Spec("description", "Description", 2, wrap=True),
)


def _sort(preset: ScreenPreset) -> str:
    if preset.sort is None:
        return "reversed" if preset.reverse else ""
    return f"{preset.sort} reversed" if preset.reverse else preset.sort


def screens_table(presets: Sequence[ScreenPreset], path: str, view: View | None = None) -> FittedTable:
    """One row per saved screen, in the file's order."""
    rows = [
        Row(
            [
                p.name,
                p.where or "",
                _sort(p),
                "" if p.top is None else str(p.top),
                " ".join(p.universes),
                " ".join(p.groups),
                " ".join(p.columns or ()),
                p.description,
            ]
        )
        for p in presets
    ]
    if not rows:
        rows.append(Row(["", f"no [screens.NAME] in {path}", "", "", "", "", "", ""]))
    return FittedTable(SCREENS_COLUMNS, rows, view or View(), title=f"Saved screens — {path}")


def screens_json(presets: Sequence[ScreenPreset], path: str) -> str:
    """The saved screens as JSON: each one's keys (null: the command's default)."""
    items = [
        {
            "name": p.name,
            "description": p.description,
            "where": p.where,
            "sort": p.sort,
            "reverse": p.reverse,
            "top": p.top,
            "columns": None if p.columns is None else list(p.columns),
            "universes": list(p.universes),
            "groups": list(p.groups),
        }
        for p in presets
    ]
    return json.dumps({"config": path, "screens": items}, indent=2, ensure_ascii=False) + "\n"
