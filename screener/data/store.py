"""The local store under ``cache/``: price histories as parquet, quotes and FX as JSON, each with the time
it was fetched and its source. Writes are atomic (temporary file, then rename). A corrupt or truncated file
raises :class:`~screener.errors.StoreCorrupt` naming it — never a crash, never mistaken for a missing file; the
caller says so and goes on without it. The rating history is not kept here (``cache clear`` never touches it).

Price frames: index ``date`` (datetime64, ascending, unique); columns ``adj_close`` (dividend/split
adjusted, used for returns) and ``close`` (the raw traded price, NaN when unknown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screener.errors import StoreCorrupt
from screener.fileio import write_atomic

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("prices", "quotes", "consensus", "fx", "oxides", "http", "yfinance")
_SAFE = re.compile(r"[^A-Za-z0-9._=^-]")


def _safe_name(key: str) -> str:
    return _SAFE.sub("_", key)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Atomic write, creating the store's sub-folder on first use."""
    write_atomic(path, data, make_parents=True)


@dataclass(frozen=True)
class StoredPrices:
    """A stored price history and where it came from."""

    ticker: str
    frame: pd.DataFrame
    source: str
    fetched_at: datetime
    adjusted: bool
    currency: str | None = None
    origin: str = ""

    @property
    def last_date(self) -> date:
        return self.frame.index[-1].date()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class StoredRecord:
    """A stored JSON payload (quote, FX table) with its fetch time and source."""

    key: str
    payload: dict[str, Any]
    source: str
    fetched_at: datetime


@dataclass(frozen=True)
class StoredSeries:
    """A stored dated series (oxide prices, an FX history) with its metadata and fetch time."""

    key: str
    frame: pd.DataFrame
    meta: dict[str, str]
    fetched_at: datetime


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


@dataclass
class Store:
    """The store rooted at ``root`` (normally ``cache/``); ``clock`` (aware UTC) stamps fetch times."""

    root: Path
    clock: Callable[[], datetime]

    def path(self, kind: str, key: str, suffix: str) -> Path:
        return self.root / kind / f"{_safe_name(key)}{suffix}"

    # --- prices -------------------------------------------------------------------------------------
    def write_prices(
        self,
        ticker: str,
        frame: pd.DataFrame,
        *,
        source: str,
        adjusted: bool,
        currency: str | None = None,
        origin: str = "",
        merge: bool = True,
    ) -> StoredPrices:
        """Store a history (merged with what is stored unless ``merge=False``; new rows win on overlap)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        new = frame[["adj_close", "close"]].astype("float64").sort_index()
        if merge:
            try:
                old = self.read_prices(ticker)
            except StoreCorrupt:
                old = None
            if old is not None:
                new = pd.concat([old.frame[~old.frame.index.isin(new.index)], new]).sort_index()
        new.index = pd.DatetimeIndex(new.index, name="date")
        fetched = self.clock()
        meta = {
            "ticker": ticker,
            "source": source,
            "fetched_at": fetched.isoformat(),
            "adjusted": json.dumps(adjusted),
            "currency": currency or "",
            "origin": origin,
        }
        table = pa.Table.from_pandas(new, preserve_index=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k: str(v) for k, v in meta.items()}})
        import io

        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        atomic_write_bytes(self.path("prices", ticker, ".parquet"), buffer.getvalue())
        return StoredPrices(ticker, new, source, fetched, adjusted, currency, origin)

    def read_prices(self, ticker: str) -> StoredPrices | None:
        """The stored history, or None when absent; StoreCorrupt when the file cannot be read."""
        path = self.path("prices", ticker, ".parquet")
        if not path.exists():
            return None
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
            frame = table.to_pandas()
            if "date" in frame.columns:
                frame = frame.set_index("date")
            frame = frame[["adj_close", "close"]]
            return StoredPrices(
                ticker=meta.get("ticker", ticker),
                frame=frame,
                source=meta.get("source", "store"),
                fetched_at=datetime.fromisoformat(meta["fetched_at"]),
                adjusted=json.loads(meta.get("adjusted", "true")),
                currency=meta.get("currency") or None,
                origin=meta.get("origin", ""),
            )
        except Exception as exc:  # any unreadable file is named, never mistaken for a missing one
            raise StoreCorrupt(str(path), "price history", f"{type(exc).__name__}: {exc}") from None

    # --- generic dated series (oxide prices, FX histories) ---------------------------------------------
    def write_series(self, kind: str, key: str, frame: pd.DataFrame, meta: dict[str, str]) -> StoredSeries:
        """Store a frame indexed by date (float columns) with string metadata; replaces what was stored."""
        import io

        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = frame.astype("float64").sort_index()
        data.index = pd.DatetimeIndex(data.index, name="date")
        fetched = self.clock()
        full = {**meta, "key": key, "fetched_at": fetched.isoformat()}
        table = pa.Table.from_pandas(data, preserve_index=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k: str(v) for k, v in full.items()}})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        atomic_write_bytes(self.path(kind, key, ".parquet"), buffer.getvalue())
        return StoredSeries(key, data, full, fetched)

    def read_series(self, kind: str, key: str) -> StoredSeries | None:
        """A stored series, or None when absent; StoreCorrupt when the file cannot be read."""
        path = self.path(kind, key, ".parquet")
        if not path.exists():
            return None
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items() if k != b"pandas"}
            frame = table.to_pandas()
            if "date" in frame.columns:
                frame = frame.set_index("date")
            return StoredSeries(meta.get("key", key), frame, meta, datetime.fromisoformat(meta["fetched_at"]))
        except Exception as exc:  # any unreadable file is named, never mistaken for a missing one
            raise StoreCorrupt(str(path), f"{kind} series", f"{type(exc).__name__}: {exc}") from None

    def series_keys(self, kind: str) -> list[str]:
        """Keys of the series stored under ``kind`` (file stems)."""
        return [p.stem for p in sorted((self.root / kind).glob("*.parquet"))]

    # --- JSON records (quotes, FX) -------------------------------------------------------------------
    def write_record(self, kind: str, key: str, payload: dict[str, Any], *, source: str) -> StoredRecord:
        fetched = self.clock()
        body = {"key": key, "source": source, "fetched_at": fetched.isoformat(), "payload": payload}
        atomic_write_bytes(self.path(kind, key, ".json"), json.dumps(body, indent=1, default=str).encode("utf-8"))
        return StoredRecord(key, payload, source, fetched)

    def read_record(self, kind: str, key: str) -> StoredRecord | None:
        path = self.path(kind, key, ".json")
        if not path.exists():
            return None
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            return StoredRecord(
                body["key"], dict(body["payload"]), body["source"], datetime.fromisoformat(body["fetched_at"])
            )
        except Exception as exc:  # named, never mistaken for a missing record
            raise StoreCorrupt(str(path), f"{kind} record", f"{type(exc).__name__}: {exc}") from None

    def is_fresh(self, fetched_at: datetime, ttl_hours: float) -> bool:
        """Fetched within the TTL."""
        return (self.clock() - fetched_at).total_seconds() <= ttl_hours * 3600

    # --- housekeeping -------------------------------------------------------------------------------
    def entries(self) -> list[StoreEntry]:
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

        for path in sorted((self.root / "prices").glob("*.parquet")):
            dated("prices", path, partial(self.read_prices, path.stem))
        for kind in ("oxides", "fx"):
            for path in sorted((self.root / kind).glob("*.parquet")):
                dated(kind, path, partial(self.read_series, kind, path.stem))
        for kind in ("quotes", "consensus", "fx"):
            for path in sorted((self.root / kind).glob("*.json")):
                try:
                    record = self.read_record(kind, path.stem)
                except StoreCorrupt as exc:
                    out.append(StoreEntry(kind, path.stem, None, "", "", "", "", path.stat().st_size, str(exc)))
                    continue
                if record is not None:
                    when = record.fetched_at.isoformat(timespec="minutes")
                    out.append(StoreEntry(kind, record.key, None, "", "", when, record.source, path.stat().st_size))
        for kind in ("http", "yfinance"):
            folder = self.root / kind
            if folder.exists():
                size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
                out.append(StoreEntry(kind, f"{kind} cache", None, "", "", "", "", size))
        return out

    def refetchable(self, path: Path) -> bool:
        """Whether a stored file can be fetched again from the network (imported data cannot)."""
        kind = path.parent.name
        if kind in ("quotes", "consensus", "http", "yfinance") or path.parent.parent.name in ("http", "yfinance"):
            return True
        if kind == "fx":
            return path.suffix == ".json"  # the Yahoo spot table; FX histories (.parquet) were imported
        if kind == "prices" and path.suffix == ".parquet":
            try:
                stored = self.read_prices(path.stem)
            except StoreCorrupt:
                return False  # unknown origin: treated as imported (kept unless --all)
            return stored is not None and stored.source == "live"
        return False

    def files(self, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> list[Path]:
        """The files of these kinds (only known sub-folders of the store), optionally only re-fetchable ones."""
        out: list[Path] = []
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown store kind {kind!r}")
            folder = self.root / kind
            if folder.exists():
                out += [p for p in sorted(folder.rglob("*")) if (p.is_file() or p.is_symlink())]
        return [p for p in out if self.refetchable(p)] if only_refetchable else out

    def clear(self, kinds: Iterable[str] = KINDS, *, only_refetchable: bool = False) -> int:
        """Delete stored files of these kinds; returns the number of files removed. Empty folders go too."""
        kinds = list(kinds)
        doomed = self.files(kinds, only_refetchable=only_refetchable)
        for path in doomed:
            path.unlink()
        for kind in kinds:
            folder = self.root / kind
            if folder.exists():
                for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
                    if not any(sub.iterdir()):
                        sub.rmdir()
                if not any(folder.iterdir()):
                    folder.rmdir()
        return len(doomed)
