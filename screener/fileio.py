"""The one writer for every file the tool produces (exports, charts, backups, store files).

Rules, whatever is written:
- **Atomic**: the bytes go to a temporary file in the target's folder, are flushed to disk, then renamed over the
  target. An interruption (a kill, a full disk) leaves the old file or the new one, never a mix, and no
  temporary file behind.
- **Mode**: a new file gets ``0666 & ~umask`` (0644 under umask 022, so a colleague can open the PM's CSV on a
  shared drive; 0600 under umask 077); an existing file keeps its mode.
- **Targets**: a symlink is written through to its target (the link stays a link); a directory, a device, a FIFO
  or any other non-regular file is refused, as is a missing or read-only folder: :class:`OutputError` (exit 2)
  naming the path. A full disk is a one-line :class:`OutputError` too.
- **Never inside the installed package**: a target inside the ``screener`` package folder (site-packages, or the
  source tree's ``screener/``) is refused (:class:`OutputError`, pointing at ``screener init``): an upgrade
  would lose it, and the package's bundled defaults stay byte-identical to what was installed.
- **Read-modify-write under a lock**: :func:`locked` holds an inter-process lock on a file (the sidecar
  ``.NAME.lock`` beside it, via ``filelock``) across the read and the write, so parallel writers keep every
  update; a lock held longer than the timeout is :class:`~screener.errors.FileLocked` (exit 2) naming the file.
  Under the lock, temporary files a killed writer of that file left behind (``.NAME.*.tmp``) are removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from screener.errors import ExitCode, FileLocked, ScreenerError

LOCK_TIMEOUT_SECONDS = 30.0
"""Default of ``[store] lock_timeout_seconds``: how long a writer waits for another one's lock."""


class OutputError(ScreenerError):
    """A file cannot be written where the user asked (not a regular file, no folder, read-only, disk full)."""

    exit_code = ExitCode.INPUT

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: {message}")


_REASONS = {
    errno.ENOSPC: "disk full: nothing was written (the previous file, if any, is unchanged)",
    errno.EDQUOT: "disk quota exceeded: nothing was written (the previous file, if any, is unchanged)",
    errno.EACCES: "permission denied (is the folder read-only?)",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder, not a file",
}


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed ``screener`` package: nothing is ever written inside it."""


def inside_package(path: Path | str) -> bool:
    """Whether ``path`` (symlinks resolved) lies inside the installed package folder."""
    return PACKAGE_DIR in Path(os.path.realpath(path)).parents


def refuse_inside_package(path: Path | str) -> None:
    """OutputError naming ``path`` when it lies inside the installed package (see the module rules)."""
    if inside_package(path):
        raise OutputError(
            path,
            f"inside the installed screener package ({PACKAGE_DIR}): nothing is written there; "
            "`screener init` writes an editable config and universes/ to the user config folder",
        )


def refuse_own_file(path: Path | str, files: Iterable[Path], folders: Iterable[Path]) -> None:
    """OutputError naming ``path`` when it is one of the tool's own files — resolved through symlinks, it equals one
    of ``files`` (the rating history and its ``-wal``/``-shm``, the config in use, a configured universe file) or
    lies inside one of ``folders`` (the store, the installed package). An output never replaces them."""
    target = Path(os.path.realpath(path))
    for own in files:
        if target == Path(os.path.realpath(own)):
            raise OutputError(path, f"is the tool's own file ({own}): choose another --out")
    for folder in (*folders, PACKAGE_DIR):
        real = Path(os.path.realpath(folder))
        if real == target or real in target.parents:
            raise OutputError(path, f"lies inside the tool's own folder {folder}: choose another --out")


def resolve_target(path: Path | str, *, make_parents: bool = False) -> Path:
    """The regular file a write to ``path`` lands in: a symlink is followed to its target; a directory, device,
    FIFO or socket is refused, and so is a target inside the installed package; the folder must exist (or be
    created with ``make_parents``) and be a folder."""
    refuse_inside_package(path)
    target = Path(os.path.realpath(path))  # follows every link, also dangling ones (their target is created)
    if target.exists() and not target.is_file():
        kind = "a folder" if target.is_dir() else "not a regular file (a device, pipe or socket)"
        raise OutputError(path, f"is {kind}: give a file path")
    folder = target.parent
    if make_parents and not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(folder, _REASONS.get(exc.errno or 0, exc.strerror or str(exc))) from None
    if not folder.exists():
        raise OutputError(path, f"the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(path, f"{folder} is not a folder")
    return target


NAME_MAX = 255
"""The longest file name the usual file systems take (ext4, APFS, NTFS)."""


def temp_prefix(name: str) -> str:
    """``.NAME.`` for the temporary file beside ``NAME``, cut so that the temporary name (prefix, 8 random
    characters, ``.tmp``) stays within :data:`NAME_MAX` even when ``NAME`` itself is 255 characters long."""
    room = NAME_MAX - len(".") - len(".") - 8 - len(".tmp")
    return f".{name.encode()[:room].decode(errors='ignore')}."


@contextlib.contextmanager
def atomic_path(path: Path | str, *, make_parents: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``'s target; when the block succeeds it replaces the target (mode from
    the umask, or the existing file's). Anything raised in the block leaves the target untouched."""
    target = resolve_target(path, make_parents=make_parents)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(path, _REASONS.get(exc.errno or 0, exc.strerror or str(exc))) from None
    os.close(fd)
    temp = Path(temp_name)
    try:
        yield temp
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(path, _REASONS.get(exc.errno or 0, exc.strerror or str(exc))) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, data: bytes, *, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see the module rules)."""
    with atomic_path(path, make_parents=make_parents) as temp, open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_with(path: Path | str, writer: Callable[[Path], None], *, make_parents: bool = False) -> None:
    """Let ``writer`` fill a temporary file (e.g. an SQLite backup), then move it over ``path`` atomically."""
    with atomic_path(path, make_parents=make_parents) as temp:
        temp.unlink()  # the writer creates it (SQLite refuses an empty non-database file)
        writer(temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())


def lock_name(name: str) -> str:
    """The lock sidecar of a file called ``name``: ``.NAME.lock`` in the same folder."""
    return f".{name}.lock"


def temp_pattern(name: str) -> re.Pattern[str]:
    """The names :func:`atomic_path` gives its temporary files for a target called ``name``."""
    return re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp")


def _remove_stale_temps(target: Path) -> None:
    """Temporary files a killed writer of ``target`` left (only called under ``target``'s lock)."""
    pattern = temp_pattern(target.name)
    with contextlib.suppress(OSError):
        for name in os.listdir(target.parent):
            if pattern.fullmatch(name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target.parent / name)


@contextlib.contextmanager
def locked(path: Path | str, timeout: float = LOCK_TIMEOUT_SECONDS, *, make_parents: bool = False) -> Iterator[Path]:
    """Hold the inter-process lock of ``path``'s target (see the module rules) for the block; yields the target.
    Re-entrant within a thread; FileLocked after ``timeout`` seconds; OutputError when the lock file cannot be
    created (a read-only or missing folder)."""
    from filelock import FileLock, Timeout

    target = resolve_target(path, make_parents=make_parents)
    sidecar = target.with_name(lock_name(target.name))
    lock = FileLock(sidecar, is_singleton=True)
    try:
        lock.acquire(timeout=timeout, poll_interval=0.01)  # short waits: writers hold a lock for milliseconds
    except Timeout:
        raise FileLocked(str(path), str(sidecar), timeout) from None
    except OSError as exc:
        raise OutputError(path, f"cannot take its lock {sidecar}: {_REASONS.get(exc.errno or 0, exc)}") from None
    try:
        _remove_stale_temps(target)
        yield target
    finally:
        lock.release()
