"""Saved screens (``--preset NAME``, ``screener screens``) and column sets (``--columns @NAME``) of config.toml:
a preset merged with the command line (an option given there wins), its criteria and columns checked against the
PM CSV's columns and the table's keys, every problem naming the config file, the line and the key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screener.config import ColumnSet, ScreenPreset, Settings
from screener.core.criteria import Criteria, CriteriaError, UnknownColumn, parse
from screener.errors import ConfigError, UnknownSelection, UsageError


@dataclass(frozen=True)
class ScreenChoice:
    """What a screen runs with: the preset's values where the command line gave none."""

    criteria: Criteria | None = None
    sort: str | None = None
    reverse: bool = False
    top: int | None = None
    columns: str | None = None
    universes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    preset: str | None = None
    columns_of_preset: bool = False
    """``columns`` came from the preset (a key the table lacks then names the config's line)."""
    from_preset: tuple[str, ...] = ()
    """The preset's keys among ``universes`` and ``groups`` that the run uses (an unknown one names the config)."""


def _fail(settings: Settings, preset: ScreenPreset | ColumnSet, key: str | None, message: str) -> ConfigError:
    if isinstance(preset, ColumnSet):
        return ConfigError(str(settings.path), message, line=preset.line, field=f"columns.{preset.name}")
    line = preset.lines.get(key or "") or preset.lines.get("")
    return ConfigError(str(settings.path), message, line=line, field=f"screens.{preset.name}.{key}")


def find_preset(settings: Settings, name: str) -> ScreenPreset:
    """The saved screen ``name``; unknown: a usage error listing those of the config."""
    found = settings.screens.get(name.lower())  # names are lowercase in the config
    if found is None:
        known = ", ".join(settings.screens) or f"none: add [screens.NAME] to {settings.path}"
        raise UsageError(f"--preset: unknown screen {name!r} (screens: {known})")
    return found


def preset_criteria(settings: Settings, preset: ScreenPreset) -> Criteria | None:
    """The preset's ``where`` parsed over the PM CSV's columns; a problem names the file, line and key."""
    if preset.where is None:
        return None
    from screener.app.where import where_columns

    columns = where_columns()
    try:
        return parse(preset.where, columns)
    except UnknownColumn as exc:
        message = f"unknown column {exc.name!r} at position {exc.position} (columns: {', '.join(columns)})"
        raise _fail(settings, preset, "where", message) from None
    except CriteriaError as exc:
        raise _fail(settings, preset, "where", f"{exc.message} at position {exc.position}") from None


def checked_presets(settings: Settings) -> list[ScreenPreset]:
    """Every saved screen, its criteria checked (``screener screens`` lists them only when all are valid)."""
    for preset in settings.screens.values():
        preset_criteria(settings, preset)
    return list(settings.screens.values())


def choose(
    settings: Settings,
    preset_name: str | None,
    *,
    where: str | None = None,
    sort: str | None = None,
    reverse: bool | None = None,
    top: int | None = None,
    columns: str | None = None,
    universes: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
) -> ScreenChoice:
    """The command line over the preset (``preset_name``; None: the command line alone): each option given wins,
    the preset fills the others. ``--where`` replaces the preset's criteria (it does not add to them)."""
    from screener.app.where import parse_where

    if preset_name is None:
        criteria = parse_where(where) if where is not None else None
        return ScreenChoice(criteria, sort, bool(reverse), top, columns, tuple(universes or ()), tuple(groups or ()))
    preset = find_preset(settings, preset_name)
    criteria = parse_where(where) if where is not None else preset_criteria(settings, preset)
    return ScreenChoice(
        criteria,
        sort if sort is not None else preset.sort,
        reverse if reverse is not None else bool(preset.reverse),
        top if top is not None else preset.top,
        columns if columns is not None else None if preset.columns is None else ",".join(preset.columns),
        tuple(universes) if universes else preset.universes,
        tuple(groups) if groups else preset.groups,
        preset.name,
        columns is None and preset.columns is not None,
        _preset_keys(preset, universes, groups),
    )


def expand_columns(settings: Settings, columns: str | None, keys: Sequence[str]) -> str | None:
    """``--columns`` with every ``@NAME`` replaced by its column set's keys (in their order); an unknown set is a
    usage error listing the sets, and so is a set with a key this table lacks (naming where the set is)."""
    if columns is None or "@" not in columns:
        return columns
    picked: list[str] = []
    for item in (c.strip() for c in columns.split(",") if c.strip()):
        if not item.startswith("@"):
            picked.append(item)
            continue
        found = settings.column_sets.get(item[1:].lower())
        if found is None:
            known = (
                ", ".join(f"@{n}" for n in settings.column_sets) or "none: add [columns] NAME = [...] to config.toml"
            )
            raise UsageError(f"--columns: unknown column set {item!r} (sets: {known})")
        unknown = [k for k in found.keys if k not in keys]
        if unknown:
            raise UsageError(
                f"--columns {item}: {unknown[0]!r} is not a column of this table (one of {', '.join(keys)}); the set "
                f"is at {settings.path}:{found.line}"
            )
        picked += found.keys
    return ",".join(picked)


def preset_columns(settings: Settings, preset: ScreenPreset, keys: Sequence[str]) -> str | None:
    """A saved screen's ``columns`` (sets expanded) checked against the comp table's ``keys``: a key it lacks names
    the file, the line and ``screens.NAME.columns``."""
    if preset.columns is None:
        return None
    picked = expand_columns(settings, ",".join(preset.columns), keys)
    unknown = [key for key in (picked or "").split(",") if key.strip().lower() not in keys]
    if unknown:
        raise _fail(settings, preset, "columns", f"unknown column {unknown[0]!r} (one of {', '.join(keys)})")
    return picked


def chosen_columns(settings: Settings, choice: ScreenChoice, keys: Sequence[str]) -> str | None:
    """The ``--columns`` of a screen: the command line's (sets expanded), else the preset's (checked)."""
    if choice.columns_of_preset and choice.preset is not None:
        return preset_columns(settings, settings.screens[choice.preset], keys)
    return expand_columns(settings, choice.columns, keys)


def _preset_keys(
    preset: ScreenPreset, universes: Sequence[str] | None, groups: Sequence[str] | None
) -> tuple[str, ...]:
    """Which of ``universes``/``groups`` the run takes from the preset (the command line gave none)."""
    pairs = (("universes", universes, preset.universes), ("groups", groups, preset.groups))
    return tuple(key for key, given, own in pairs if own and not given)


def scope_error(settings: Settings, choice: ScreenChoice, error: UnknownSelection) -> ConfigError | UnknownSelection:
    """An unknown universe or group of the run's selection: when the saved screen gave it, a config error naming the
    file, line and ``screens.NAME.universes``/``groups``; else the error as it is."""
    if choice.preset is None or error.key not in choice.from_preset:
        return error
    return _fail(settings, settings.screens[choice.preset], error.key, error.reason)
