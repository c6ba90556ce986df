"""`screener init`: an editable copy of the bundled config and universes, so a user can change thresholds and
universes without touching the installed package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screener.config.locate import bundled_config
from screener.environment import Environment
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


def writable_universe(env: Environment, path: Path) -> Path:
    """The universe file a command that edits research (``view set``) writes instead of ``path``.

    A project or user config's own file: ``path`` itself. The bundled defaults are read-only (inside the installed
    package, or the checkout's tracked files for an editable install): the first edit copies the bundled config and
    universes into the user config folder, as ``screener init`` would (a note says where), and the edit goes to the
    copy — from then on that config is the one in use. UsageError (exit 2) naming ``screener init`` when the copy
    cannot be made because a file of that name is already there."""
    where = env.config_location
    if not where.bundled:
        return path
    folder = env.user_config_dir()
    bundled_names = {source.resolve(): relative for source, relative in bundled_files()}
    relative = bundled_names.get(path.resolve())
    if relative is None:  # a universe outside the bundled set (e.g. imported into the user folder): editable
        return path
    try:
        result = init_folder(folder)
    except UsageError as exc:
        raise UsageError(
            f"the bundled universes are read-only and an editable copy cannot be made ({exc}); "
            f"run `screener init` into another folder and pass --config, or move the file away"
        ) from None
    env.note(
        f"the bundled config is read-only: wrote an editable copy to {result.folder} (as `screener init` would); "
        f"this and later runs use {result.folder / 'config.toml'}"
    )
    return folder / relative
