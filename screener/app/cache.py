"""``screener cache info|clear`` and ``oxides list``: what the store holds, and deleting what can be fetched again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from screener.app.results import OxideListing
from screener.config import Settings
from screener.data import housekeeping
from screener.data.housekeeping import StoreEntry
from screener.data.store import KINDS, Store
from screener.environment import Environment
from screener.errors import DataUnavailable, ScreenerError, StoreCorrupt, UsageError


def entries(env: Environment) -> tuple[Path, list[StoreEntry]]:
    """The store folder and everything in it (unreadable files with their problem)."""
    store = env.store
    return store.root, housekeeping.entries(store)


@dataclass(frozen=True)
class ClearPlan:
    """What ``cache clear`` would delete."""

    root: Path
    kinds: list[str]
    only_refetchable: bool
    files: list[Path]
    imported: list[Path]


def plan_clear(env: Environment, kinds: Sequence[str] | None, everything: bool) -> ClearPlan:
    """By default only what can be fetched again; ``--kind`` or ``--all`` include imported data."""
    chosen = list(kinds or KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise UsageError(f"--kind: unknown {', '.join(unknown)} (one of {', '.join(KINDS)})")
    store = env.store
    root = store.root.resolve()
    if store.root.exists() and not store.root.is_dir():
        raise UsageError(f"[store] dir {store.root} is a file, not a folder: nothing to clear")
    history = env.settings.history_db.resolve()
    if root in history.parents:
        raise UsageError(
            f"the rating history {env.settings.history_db} is inside the store folder {store.root}: cache clear "
            "refuses (set [history] path outside [store] dir)"
        )
    foreign = housekeeping.foreign_files(store, chosen)
    if foreign:
        examples = ", ".join(str(p) for p in foreign[:3])
        raise UsageError(
            f"cache clear refuses: {len(foreign)} item(s) in {store.root} were not written by screener (e.g. "
            f"{examples}; symlinks are never followed); move them out, or give [store] dir a folder of its own"
        )
    only_refetchable = not (everything or kinds)
    doomed = housekeeping.files(store, chosen, only_refetchable=only_refetchable)
    imported = [p for p in doomed if not housekeeping.refetchable(store, p)]
    return ClearPlan(store.root, chosen, only_refetchable, doomed, imported)


def clear(env: Environment, plan: ClearPlan) -> int:
    """Delete the planned files (all checked first: one that cannot be deleted deletes nothing, exit 2); returns
    the number of files removed."""
    return housekeeping.delete(env.store, plan.files)


def oxide_listing(env: Environment) -> list[OxideListing]:
    """Series registered in config.toml and series in the store."""
    settings = env.settings
    store = env.store
    ids = [s.id for s in settings.oxides.series]
    ids += [k for k in store.series_keys("oxides") if k not in ids]
    out = []
    for sid in ids:
        reg = settings.oxides.get(sid)
        problem = ""
        try:
            stored = store.read_series("oxides", sid)
        except StoreCorrupt as exc:
            stored, problem = None, f"{exc}; ignored"
        meta = stored.meta if stored else {}
        unit = reg.unit if reg else meta.get("unit", "")
        vat = (reg.vat_included if reg else meta.get("vat_included") == "true") if (reg or meta) else False
        if stored is None:
            out.append(
                OxideListing(sid, reg.name if reg else "", (reg.exposure or "") if reg else "", unit, vat, None, "",
                             "", "not stored", "", "", problem)
            )  # fmt: skip
            continue
        f = stored.frame
        usd = f["usd_per_kg"].notna().any() and meta.get("currency") != "USD"
        out.append(
            OxideListing(
                sid, meta.get("name", ""), (reg.exposure or "") if reg else "(not in config)", unit, vat, len(f),
                str(f.index[0].date()), str(f.index[-1].date()),
                ("USD/kg + " if usd else "") + meta.get("local_unit", ""), meta.get("fx_source", "") or "none",
                stored.fetched_at.isoformat(timespec="minutes"),
            )
        )  # fmt: skip
    return out


def unstored_oxide(series_id: str, settings: Settings, store: Store) -> ScreenerError:
    """The error for an ``--oxide`` id with no stored series: an unknown id lists the registered and stored ids
    (UsageError, exit 2); a registered one says how to import it — with FILE unless the registry names a source
    (DataUnavailable, exit 3)."""
    registered = [s.id for s in settings.oxides.series]
    stored = store.series_keys("oxides")
    known = f"registered: {', '.join(registered) or 'none'}; stored: {', '.join(stored) or 'none'}"
    spec = settings.oxides.get(series_id)
    if spec is None:
        return UsageError(f"--oxide {series_id}: unknown series ({known})")
    how = f"screener oxides import {'' if spec.source else 'FILE '}--series {series_id}"
    return DataUnavailable(f"--oxide {series_id}: not in the store; import it with `{how}` ({known})")
