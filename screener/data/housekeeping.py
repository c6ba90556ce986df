"""What the store holds and clearing it: listing with ages and problems, which files can be fetched again, and
deleting only the store's own files (never a user's file, never the rating history)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from screener.data.store import KINDS, Store, StoredPrices, StoredSeries
from screener.errors import StoreCorrupt

_KEPT = ("*.corrupt-*", ".*.tmp")  # files set aside as unreadable; a temporary file a killed write left behind
STORE_FILES: dict[str, tuple[str, ...]] = {
    "prices": ("*.parquet", *_KEPT),
    "quotes": ("*.json", *_KEPT),
    "consensus": ("*.json", *_KEPT),
    "fx": ("*.json", "*.parquet", *_KEPT),
    "oxides": ("*.parquet", *_KEPT),
    "http": ("*.sqlite", "*.sqlite-wal", "*.sqlite-shm", "*.sqlite-journal"),
    "yfinance": ("*.db", "*.db-wal", "*.db-shm", "*.db-journal"),
    "network": ("*.json", *_KEPT),
    "index": ("*.json", *_KEPT),
    "valuation": ("*.parquet", *_KEPT),
    "statements": ("*.parquet", *_KEPT),
}
"""What the store itself writes in each kind's folder: anything else there is not ours to delete."""


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


def files(store: Store, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> list[Path]:
    """The files of these kinds (only known sub-folders of the store), optionally only re-fetchable ones."""
    out: list[Path] = []
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown store kind {kind!r}")
        folder = store.root / kind
        if folder.is_dir():
            out += [p for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()]
    return [p for p in out if refetchable(store, p)] if only_refetchable else out


def foreign_files(store: Store, kinds: Iterable[str] = KINDS) -> list[Path]:
    """Files (or folders) in the kinds' folders that the store did not write (a user's own files)."""
    out: list[Path] = []
    for kind in kinds:
        folder = store.root / kind
        if not folder.is_dir():
            if folder.exists():
                out.append(folder)
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_file() or not any(path.match(pattern) for pattern in STORE_FILES[kind]):
                out.append(path)
    return out


def clear(store: Store, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> int:
    """Delete stored files of these kinds; returns the number of files removed. Empty folders go too."""
    kinds = list(kinds)
    doomed = files(store, kinds, only_refetchable=only_refetchable)
    for path in doomed:
        path.unlink()
    for kind in kinds:
        folder = store.root / kind
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return len(doomed)
