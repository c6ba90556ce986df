"""`screener init`: an editable copy of the bundled config and universes, so a user can change thresholds and
universes without touching the installed package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screener.config.locate import bundled_config
from screener.errors import UsageError
from screener.fileio import write_atomic


@dataclass(frozen=True)
class InitResult:
    folder: Path
    written: tuple[Path, ...]


def bundled_files() -> list[tuple[Path, Path]]:
    """(bundled source, path relative to the target folder) for the config and every bundled universe file."""
    config = bundled_config()
    universes = sorted((config.parent / "universes").glob("*.toml"))
    return [(config, Path("config.toml"))] + [(u, Path("universes") / u.name) for u in universes]


def init_folder(folder: Path) -> InitResult:
    """Copy the bundled config.toml and universes/*.toml into ``folder`` (created when missing). Refuses, writing
    nothing, when any of those files already exists there (UsageError naming it): nothing the user edited is lost."""
    files = bundled_files()
    existing = [folder / relative for _, relative in files if (folder / relative).exists()]
    if existing:
        raise UsageError(f"{existing[0]}: already exists; nothing written (move it away or choose another folder)")
    written = []
    for source, relative in files:
        target = folder / relative
        write_atomic(target, source.read_bytes(), make_parents=True)
        written.append(target)
    return InitResult(folder, tuple(written))
