"""What the store holds and clearing it: listing with ages and problems, which files can be fetched again, and
deleting only the store's own files (never a user's file, never the rating history).

The store's own names, per kind (:data:`STORE_NAMES`, built from how :class:`~screener.data.store.Store` names its
files: tickers are Yahoo symbols, upper case), and beside each such file ``N``: ``N.corrupt-<time>`` (an
unreadable file set aside), ``.N.lock`` (its writers' lock) and ``.N.<random>.tmp`` (a killed writer's temporary
file). Anything else in a kind's folder — a user's ``quotes/my-notes.json``, a sub-folder, any symlink (the store
never makes one), or a kind folder that is itself a symlink or a file — is foreign: ``cache clear`` refuses and
deletes nothing. Clearing follows no symlink, checks that every planned file can be deleted before deleting any,
and deletes each file under its lock.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from screener.data import estimates, statements, valuation
from screener.data.store import KINDS, Store, StoredPrices, StoredSeries
from screener.errors import StoreCorrupt
from screener.fileio import OutputError, lock_name, locked

_TICKER = r"[A-Z0-9^][A-Z0-9.=^-]*"
_SERIES = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_SQLITE = r"(?:-wal|-shm|-journal)?"


def _one_of(names: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(n) for n in names) + ")"


STORE_NAMES: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern)
    for kind, pattern in {
        "prices": rf"{_TICKER}\.parquet",
        "quotes": rf"{_TICKER}\.json",
        "consensus": rf"{_TICKER}(?:={_one_of(estimates.PROVIDERS)})?\.json",
        "fx": r"spot\.json|[A-Z]{3}\.parquet",
        "oxides": rf"{_SERIES}\.parquet",
        "http": rf"(?:http|oxides)\.sqlite{_SQLITE}",
        "yfinance": rf"[a-z][a-z-]*\.db{_SQLITE}",
        "network": r"(?:yahoo|baostock)\.json",
        "index": r"price_changes\.json",
        "valuation": rf"{_TICKER}={_one_of(valuation.PROVIDERS)}(?:-{valuation.BOOK})?\.parquet",
        "statements": rf"{_TICKER}={_one_of(statements.PROVIDERS)}\.parquet",
    }.items()
}
"""The names the store writes in each kind's folder (full match); anything else there is not ours to delete."""
_CORRUPT = re.compile(r"(.+)\.corrupt-\d{8}T\d{6}")
_LOCK = re.compile(r"\.(.+)\.lock")
_TEMP = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")


def owner(kind: str, name: str) -> str | None:
    """The store file ``name`` belongs to in ``kind``'s folder (itself, or the file of a set-aside copy, lock or
    temporary file), or None when the store never writes that name."""
    own = STORE_NAMES[kind]
    if own.fullmatch(name):
        return name
    for sidecar in (_CORRUPT, _LOCK, _TEMP):
        match = sidecar.fullmatch(name)
        if match and own.fullmatch(match.group(1)):
            return match.group(1)
    return None


def _is_sidecar(name: str, owned_by: str) -> bool:
    """A lock or temporary file (not the file itself, not a set-aside copy)."""
    return name != owned_by and not _CORRUPT.fullmatch(name)


@dataclass(frozen=True)
class StoreEntry:
    """One line of ``screener cache info``."""

    kind: str
    key: str
    rows: int | None
    first: str
    last: str
    fetched_at: str
    source: str
    size: int
    problem: str = ""


def entries(store: Store) -> list[StoreEntry]:
    """Everything stored, with age and source; an unreadable file is listed with ``problem`` saying why."""
    out: list[StoreEntry] = []

    def dated(kind: str, path: Path, read: Callable[[], StoredPrices | StoredSeries | None]) -> None:
        size = path.stat().st_size
        try:
            item = read()
        except StoreCorrupt as exc:
            out.append(StoreEntry(kind, path.stem, None, "", "", "", "", size, str(exc)))
            return
        if item is None:
            return
        frame = item.frame
        first = str(frame.index[0].date()) if len(frame) else ""
        last = str(frame.index[-1].date()) if len(frame) else ""
        if isinstance(item, StoredPrices):
            key, source = item.ticker, item.source
        else:
            key, source = item.key, item.meta.get("source", "")
        when = item.fetched_at.isoformat(timespec="minutes")
        out.append(StoreEntry(kind, key, len(frame), first, last, when, source, size))

    for path in sorted((store.root / "prices").glob("*.parquet")):
        dated("prices", path, partial(store.read_prices, path.stem))
    for kind in ("oxides", "fx", "valuation", "statements"):
        for path in sorted((store.root / kind).glob("*.parquet")):
            dated(kind, path, partial(store.read_series, kind, path.stem))
    for kind in ("quotes", "consensus", "fx", "network", "index"):
        for path in sorted((store.root / kind).glob("*.json")):
            try:
                record = store.read_record(kind, path.stem)
            except StoreCorrupt as exc:
                out.append(StoreEntry(kind, path.stem, None, "", "", "", "", path.stat().st_size, str(exc)))
                continue
            if record is not None:
                when = record.fetched_at.isoformat(timespec="minutes")
                out.append(StoreEntry(kind, record.key, None, "", "", when, record.source, path.stat().st_size))
    for kind in ("http", "yfinance"):
        folder = store.root / kind
        if folder.exists():
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            out.append(StoreEntry(kind, f"{kind} cache", None, "", "", "", "", size))
    return out


def refetchable(store: Store, path: Path) -> bool:
    """Whether a stored file can be fetched again from the network (imported data cannot)."""
    kind = path.parent.name
    if path.match("*.corrupt-*"):
        return False  # an unreadable file set aside: only --all removes it
    if kind == "consensus":  # Yahoo and AKShare can be fetched again; `estimates import` sets cannot
        return not path.stem.endswith("=import")
    if kind in ("quotes", "http", "yfinance", "network", "index"):
        return True
    if kind == "fx":
        return path.suffix == ".json"  # the Yahoo spot table; FX histories (.parquet) were imported
    if kind in ("valuation", "statements"):  # baostock/Yahoo data can be fetched again; a terminal import cannot
        return "=terminal" not in path.stem and not path.match("*.corrupt-*")
    if kind == "prices" and path.suffix == ".parquet":
        try:
            stored = store.read_prices(path.stem)
        except StoreCorrupt:
            return False  # unknown origin: treated as imported (kept unless --all)
        return stored is not None and stored.source == "live"
    return False


def _listing(store: Store, kind: str) -> list[os.DirEntry[str]] | None:
    """The entries of ``kind``'s folder, no symlink followed (None: no folder)."""
    folder = store.root / kind
    try:
        with os.scandir(folder) as scan:
            return sorted(scan, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return None


def files(store: Store, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> list[Path]:
    """The store's own files of these kinds, optionally only re-fetchable ones. Locks and temporary files are not
    listed while their file exists (they go with it); without it they are. Nothing foreign, no symlink."""
    out: list[Path] = []
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown store kind {kind!r}")
        folder = store.root / kind
        if folder.is_symlink():
            continue
        names = {e.name: e for e in _listing(store, kind) or () if e.is_file(follow_symlinks=False)}
        for name, entry in names.items():
            owned_by = owner(kind, name)
            if owned_by is None or (_is_sidecar(name, owned_by) and owned_by in names):
                continue
            if only_refetchable and not (_is_sidecar(name, owned_by) or refetchable(store, Path(entry.path))):
                continue
            out.append(Path(entry.path))
    return out


def foreign_files(store: Store, kinds: Iterable[str] = KINDS) -> list[Path]:
    """What in the kinds' folders the store did not write: a user's files, sub-folders, any symlink, a kind folder
    that is a symlink or a file."""
    out: list[Path] = []
    for kind in kinds:
        folder = store.root / kind
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            out.append(folder)
            continue
        for entry in _listing(store, kind) or ():
            if not entry.is_file(follow_symlinks=False) or owner(kind, entry.name) is None:
                out.append(Path(entry.path))
    return out


def _cannot_delete(path: Path) -> str:
    """Why ``path`` cannot be deleted now ("" when it can, or is gone already): checked for every planned file
    before any is deleted."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return "is no longer a regular file"
        folder = os.lstat(path.parent)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISDIR(folder.st_mode):
        return f"its folder {path.parent} is no longer a folder"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"its folder {path.parent} is read-only (permission denied)"
    return ""


def delete(store: Store, doomed: list[Path]) -> int:
    """Delete the planned files, each under its file's lock with its lock and temporary files once the file is
    gone; returns how many of them were removed. Every file is checked first: when one cannot be deleted (a
    read-only folder, a path no longer a regular file), OutputError naming it and nothing is deleted."""
    problems = [(path, why) for path in doomed if (why := _cannot_delete(path))]
    if problems:
        path, why = problems[0]
        raise OutputError(
            path, f"{why}: cache clear deleted nothing ({len(problems)} of {len(doomed)} file(s) cannot be)"
        )
    removed = 0
    for path in doomed:
        folder, kind = path.parent, path.parent.name
        owned_by = owner(kind, path.name) or path.name
        try:
            with locked(folder / owned_by, store.lock_timeout):
                if path.exists():
                    path.unlink()
                    removed += 1
                if not (folder / owned_by).exists():
                    for name in sorted(os.listdir(folder), key=lambda n: n == lock_name(owned_by)):  # the lock last
                        if name != owned_by and owner(kind, name) == owned_by and _is_sidecar(name, owned_by):
                            (folder / name).unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(
                path, f"{exc.strerror or exc}: {removed} of {len(doomed)} file(s) deleted before"
            ) from None
    for kind in {p.parent.name for p in doomed}:
        folder = store.root / kind
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def clear(store: Store, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> int:
    """Delete stored files of these kinds (see :func:`delete`); returns the number of files removed."""
    return delete(store, files(store, kinds, only_refetchable=only_refetchable))
