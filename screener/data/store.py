"""The local store under ``cache/``: price histories as parquet, quotes and FX as JSON, each with the time
it was fetched and its source. Writes are atomic (temporary file, then rename) and run under the file's lock
(:meth:`Store.locked`; a read-modify-write holds it across the read and the write). A corrupt or truncated file
raises :class:`~screener.errors.StoreCorrupt` naming it — never a crash, never mistaken for a missing file; the
caller says so and goes on without it; a merging import stops (:meth:`Store.merge_base`), a write that replaces
it keeps it aside as ``<name>.corrupt-<time>``. The rating history is not kept here (``cache clear`` never
touches it).

Price frames: index ``date`` (datetime64, ascending, unique); columns ``adj_close`` (dividend/split
adjusted, used for returns) and ``close`` (the raw traded price, NaN when unknown).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from screener.data.parquet import adjusted_closes, parquet_bytes, read_parquet
from screener.errors import StoreCorrupt, UnreadableStored
from screener.fileio import LOCK_TIMEOUT_SECONDS, locked, write_atomic
from screener.models import FxRate, Quote

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

KINDS = (
    "prices",
    "quotes",
    "consensus",
    "fx",
    "oxides",
    "http",
    "yfinance",
    "network",
    "index",
    "valuation",
    "statements",
)

_KEY = re.compile(r"^[A-Za-z0-9^=][A-Za-z0-9._=^-]*$")
"""A stored file is named by its key (ticker, series id, currency): no character is ever replaced, so two keys
can never share a file."""


def _file_name(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"{key!r} cannot name a stored file (letters, digits, . _ - = ^ only)")
    return key


def _positive(value: object, what: str) -> float:
    """A positive finite number from a stored JSON value (ValueError otherwise: "abc", 0, NaN, -1)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a number")
    number = float(value)  # type: ignore[arg-type]
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{what} {value!r} is not a positive finite number")
    return number


def joined_labels(previous: str, label: str) -> str:
    """Where a merged series came from: the stored labels (``a.csv, b.csv``) with ``label`` moved to the end."""
    parts = [p for p in previous.split(", ") if p] if previous else []
    return ", ".join([*[p for p in parts if p != label], label])


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
    set_aside: Path | None = None
    """Where an unreadable file that this write replaced was kept (never deleted)."""

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
    set_aside: Path | None = None


@dataclass(frozen=True)
class StoredSeries:
    """A stored dated series (oxide prices, an FX history) with its metadata and fetch time."""

    key: str
    frame: pd.DataFrame
    meta: dict[str, str]
    fetched_at: datetime
    set_aside: Path | None = None


@dataclass
class Store:
    """The store rooted at ``root`` (normally ``cache/``); ``clock`` (aware UTC) stamps fetch times; a writer waits
    at most ``lock_timeout`` seconds for another one's lock (``[store] lock_timeout_seconds``)."""

    root: Path
    clock: Callable[[], datetime]
    lock_timeout: float = LOCK_TIMEOUT_SECONDS
    _folders: dict[str, Path] = field(default_factory=dict, init=False, repr=False, compare=False)

    def path(self, kind: str, key: str, suffix: str) -> Path:
        folder = self._folders.get(kind)
        if folder is None:
            folder = self._folders[kind] = self.root / kind
        return folder.joinpath(_file_name(key) + suffix)

    @contextmanager
    def locked(self, kind: str, key: str, suffix: str) -> Iterator[Path]:
        """Hold the lock of one stored file for a read-modify-write (re-entrant; the kind's folder is created)."""
        with locked(self.path(kind, key, suffix), self.lock_timeout, make_parents=True) as path:
            yield path

    @staticmethod
    def merge_base(read: Callable[[], T | None], *, replace: bool) -> T | None:
        """What a merging import merges into (call it under :meth:`locked`): the stored data, or None when absent
        or with ``replace``. The one rule for an unreadable stored file: a merge stops with UnreadableStored (exit
        2, the file untouched); with ``replace`` the write keeps it aside."""
        if replace:
            return None
        try:
            return read()
        except StoreCorrupt as exc:
            raise UnreadableStored(exc) from None

    def set_aside(self, path: Path) -> Path:
        """Keep an unreadable file beside itself as ``<name>.corrupt-<UTC time>`` (never deleted)."""
        kept = path.with_name(f"{path.name}.corrupt-{self.clock():%Y%m%dT%H%M%S}")
        path.replace(kept)
        return kept

    def _aside_if_unreadable(self, path: Path, read: Callable[[], object]) -> Path | None:
        try:
            read()
        except StoreCorrupt:
            return self.set_aside(path)
        return None

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
        corrupt: str = "refuse",
    ) -> StoredPrices:
        """Store a history, merged with what is stored unless ``merge=False`` (new rows win on overlap).

        Rows without an adjusted close are dropped first: a blank never overwrites a stored price; writing no row
        at all is refused (ValueError). A stored file that cannot be read is never silently replaced: a merge
        raises StoreCorrupt (``corrupt="refuse"``) or sets it aside (``corrupt="set_aside"``, as ``merge=False``
        always does) and writes the new history. The read and the write hold the file's lock.
        """
        import pandas as pd

        new = frame[["adj_close", "close"]].astype("float64").sort_index().dropna(subset=["adj_close"])
        if new.empty:
            raise ValueError(f"{ticker}: no row with a price to store")
        with self.locked("prices", ticker, ".parquet") as path:
            aside = None
            if merge:
                try:
                    old = self.read_prices(ticker)
                except StoreCorrupt:
                    if corrupt == "refuse":
                        raise
                    old, aside = None, self.set_aside(path)
                if old is not None:
                    new = pd.concat([old.frame[~old.frame.index.isin(new.index)], new]).sort_index()
            elif path.exists():
                aside = self._aside_if_unreadable(path, partial(self.read_prices, ticker))
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
            atomic_write_bytes(path, parquet_bytes(new, meta))
        return StoredPrices(ticker, new, source, fetched, adjusted, currency, origin, aside)

    def read_prices(self, ticker: str) -> StoredPrices | None:
        """The stored history, or None when absent; StoreCorrupt when the file cannot be read."""
        path = self.path("prices", ticker, ".parquet")
        if not path.exists():
            return None
        try:
            table = read_parquet(path)
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

    def read_adjusted_closes(self, ticker: str) -> tuple[Any, Any] | None:
        """Only the dates (``datetime64``) and adjusted closes of a stored history, as numpy arrays, read without
        pandas (a third of :meth:`read_prices`'s cost: the comp table's price changes need nothing else). None
        when absent; StoreCorrupt when unreadable."""
        path = self.path("prices", ticker, ".parquet")
        if not path.exists():
            return None
        try:
            return adjusted_closes(path)
        except Exception as exc:  # any unreadable file is named, never mistaken for a missing one
            raise StoreCorrupt(str(path), "price history", f"{type(exc).__name__}: {exc}") from None

    # --- generic dated series (oxide prices, FX histories) ---------------------------------------------
    def write_series(self, kind: str, key: str, frame: pd.DataFrame, meta: dict[str, str]) -> StoredSeries:
        """Store a frame indexed by date (float columns) with string metadata; replaces what was stored (an
        unreadable file there is set aside, not deleted). Holds the file's lock (a merge holds it around this)."""
        import pandas as pd

        data = frame.astype("float64").sort_index()
        data.index = pd.DatetimeIndex(data.index, name="date")
        with self.locked(kind, key, ".parquet") as path:
            aside = self._aside_if_unreadable(path, partial(self.read_series, kind, key)) if path.exists() else None
            fetched = self.clock()
            full = {**meta, "key": key, "fetched_at": fetched.isoformat()}
            atomic_write_bytes(path, parquet_bytes(data, full))
        return StoredSeries(key, data, full, fetched, aside)

    def read_series(self, kind: str, key: str) -> StoredSeries | None:
        """A stored series, or None when absent; StoreCorrupt when the file cannot be read."""
        path = self.path(kind, key, ".parquet")
        if not path.exists():
            return None
        try:
            table = read_parquet(path)
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

    def tickers_with(self, kind: str) -> set[str]:
        """Tickers with a per-provider series under ``kind`` (keys ``TICKER=provider``; the folder listed once)."""
        return {stem.split("=", 1)[0] for stem in self.series_keys(kind)}

    # --- JSON records (quotes, FX) -------------------------------------------------------------------
    def write_record(self, kind: str, key: str, payload: dict[str, Any], *, source: str) -> StoredRecord:
        """Store a JSON record, replacing what was stored (an unreadable record is set aside); holds its lock."""
        with self.locked(kind, key, ".json") as path:
            aside = self._aside_if_unreadable(path, partial(self.read_record, kind, key)) if path.exists() else None
            fetched = self.clock()
            body = {"key": key, "source": source, "fetched_at": fetched.isoformat(), "payload": payload}
            atomic_write_bytes(path, json.dumps(body, indent=1, default=str).encode("utf-8"))
        return StoredRecord(key, payload, source, fetched, aside)

    def record_keys(self, kind: str) -> set[str]:
        """Keys of the JSON records stored under ``kind`` (file stems; a missing folder: none)."""
        try:
            return {name[:-5] for name in os.listdir(self.root / kind) if name.endswith(".json")}
        except OSError:
            return set()

    def read_record(self, kind: str, key: str) -> StoredRecord | None:
        path = self.path(kind, key, ".json")
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StoreCorrupt(str(path), f"{kind} record", f"{type(exc).__name__}: {exc}") from None
        try:
            body = json.loads(text)
            return StoredRecord(
                body["key"], dict(body["payload"]), body["source"], datetime.fromisoformat(body["fetched_at"])
            )
        except Exception as exc:  # named, never mistaken for a missing record
            raise StoreCorrupt(str(path), f"{kind} record", f"{type(exc).__name__}: {exc}") from None

    def read_quote(self, ticker: str, source: str, default_currency: str = "") -> Quote | None:
        """The stored quote of ``ticker`` as a :class:`Quote` (``source`` names who serves it), or None; a record
        whose price is not a positive finite number or whose date is not a date is StoreCorrupt."""
        record = self.read_record("quotes", ticker)
        if record is None:
            return None
        p = record.payload
        try:
            price = _positive(p.get("price"), "price")
            cap = p.get("market_cap")
            return Quote(
                ticker=ticker,
                price=price,
                currency=str(p.get("currency") or default_currency),
                price_date=date.fromisoformat(str(p["price_date"])),
                source=source,
                market_cap=_positive(cap, "market_cap") if cap else None,
                fetched_at=record.fetched_at,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreCorrupt(
                str(self.path("quotes", ticker, ".json")), "quotes record", f"{type(exc).__name__}: {exc}"
            ) from None

    def read_fx_table(self) -> tuple[dict[str, FxRate], StoredRecord] | None:
        """The stored spot FX table (units per USD, with dates and sources), or None; a rate that is not a
        positive finite number, or a bad date, is StoreCorrupt."""
        record = self.read_record("fx", "spot")
        if record is None:
            return None
        rates = {}
        try:
            for currency, row in record.payload.items():
                rates[currency] = FxRate(
                    currency,
                    _positive(row["per_usd"], f"{currency} per_usd"),
                    date.fromisoformat(str(row["date"])),
                    str(row.get("source", "store")),
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            path = str(self.path("fx", "spot", ".json"))
            raise StoreCorrupt(path, "fx record", f"{type(exc).__name__}: {exc}") from None
        return rates, record

    def is_fresh(self, fetched_at: datetime, ttl_hours: float) -> bool:
        """Fetched within the TTL."""
        return (self.clock() - fetched_at).total_seconds() <= ttl_hours * 3600
