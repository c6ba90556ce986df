"""The local store under ``cache/``: price histories as parquet, quotes and FX as JSON, each with the time
it was fetched and its source. Writes are atomic (temporary file, then rename). A corrupt or truncated file
is reported (``Store.problems``) and treated as absent — never a crash, never silent. The rating history is
not kept here (``cache clear`` never touches it).

Price frames: index ``date`` (datetime64, ascending, unique); columns ``adj_close`` (dividend/split
adjusted, used for returns) and ``close`` (the raw traded price, NaN when unknown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screener.fileio import write_atomic
from screener.models import ConsensusEstimate, FxRate, Quote

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("prices", "quotes", "consensus", "fx", "oxides", "http", "yfinance")
_SAFE = re.compile(r"[^A-Za-z0-9._=^-]")


def _now() -> datetime:
    return datetime.now(UTC)


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
    """The store rooted at ``root`` (normally ``cache/``); ``clock`` is injectable for tests."""

    root: Path
    clock: Callable[[], datetime] = _now
    problems: list[str] = field(default_factory=list)

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
            old = self.read_prices(ticker)
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
        """The stored history, or None when absent or unreadable (then a problem is recorded)."""
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
        except Exception as exc:  # any unreadable file is reported, not fatal
            self.problems.append(f"{path}: unreadable price history ({type(exc).__name__}: {exc}); ignored")
            return None

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
        """A stored series, or None when absent or unreadable (then a problem is recorded)."""
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
        except Exception as exc:  # any unreadable file is reported, not fatal
            self.problems.append(f"{path}: unreadable {kind} series ({type(exc).__name__}: {exc}); ignored")
            return None

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
        except Exception as exc:  # reported, not fatal
            self.problems.append(f"{path}: unreadable {kind} record ({type(exc).__name__}: {exc}); ignored")
            return None

    def is_fresh(self, fetched_at: datetime, ttl_hours: float) -> bool:
        """Fetched within the TTL."""
        return (self.clock() - fetched_at).total_seconds() <= ttl_hours * 3600

    # --- housekeeping -------------------------------------------------------------------------------
    def entries(self) -> list[StoreEntry]:
        """Everything stored, with age and source; unreadable files listed with their problem."""
        out: list[StoreEntry] = []
        for path in sorted((self.root / "prices").glob("*.parquet")):
            stored = self.read_prices(path.stem)
            if stored is None:
                out.append(StoreEntry("prices", path.stem, None, "", "", "", "", path.stat().st_size, "unreadable"))
                continue
            frame = stored.frame
            out.append(
                StoreEntry(
                    "prices", stored.ticker, len(frame), str(frame.index[0].date()) if len(frame) else "",
                    str(frame.index[-1].date()) if len(frame) else "", stored.fetched_at.isoformat(timespec="minutes"),
                    stored.source, path.stat().st_size,
                )
            )  # fmt: skip
        for kind in ("oxides", "fx"):
            for path in sorted((self.root / kind).glob("*.parquet")):
                series = self.read_series(kind, path.stem)
                if series is None:
                    out.append(StoreEntry(kind, path.stem, None, "", "", "", "", path.stat().st_size, "unreadable"))
                    continue
                f = series.frame
                out.append(
                    StoreEntry(
                        kind, series.key, len(f), str(f.index[0].date()) if len(f) else "",
                        str(f.index[-1].date()) if len(f) else "", series.fetched_at.isoformat(timespec="minutes"),
                        series.meta.get("source", ""), path.stat().st_size,
                    )
                )  # fmt: skip
        for kind in ("quotes", "consensus", "fx"):
            for path in sorted((self.root / kind).glob("*.json")):
                record = self.read_record(kind, path.stem)
                if record is None:
                    out.append(StoreEntry(kind, path.stem, None, "", "", "", "", path.stat().st_size, "unreadable"))
                    continue
                out.append(
                    StoreEntry(kind, record.key, None, "", "", record.fetched_at.isoformat(timespec="minutes"),
                               record.source, path.stat().st_size)
                )  # fmt: skip
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
            stored = self.read_prices(path.stem)
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


@dataclass
class StoreSource:
    """A :class:`~screener.data.base.MarketSource` over the store: a stored quote (from a live fetch) or else
    the last row of a stored price history. ``currencies`` gives each ticker's expected trading currency."""

    store: Store
    currencies: dict[str, str] = field(default_factory=dict)
    name: str = "store"
    as_of: date | None = None
    """Serve the last price on or before this date (default: the latest stored)."""

    def describe(self) -> str:
        return f"the local store ({self.store.root})"

    def quotes(self, tickers: Iterable[str]) -> dict[str, Quote]:
        out: dict[str, Quote] = {}
        for ticker in tickers:
            record = self.store.read_record("quotes", ticker)
            fresh_enough = record is not None and (
                self.as_of is None or date.fromisoformat(str(record.payload.get("price_date"))) <= self.as_of
            )
            if record is not None and fresh_enough and record.payload.get("price"):
                p = record.payload
                out[ticker] = Quote(
                    ticker=ticker,
                    price=float(p["price"]),
                    currency=str(p.get("currency") or self.currencies.get(ticker, "")),
                    price_date=date.fromisoformat(str(p["price_date"])),
                    source=self.name,
                    market_cap=float(p["market_cap"]) if p.get("market_cap") else None,
                    fetched_at=record.fetched_at,
                )
                continue
            stored = self.store.read_prices(ticker)
            if stored is None or stored.frame.empty:
                continue
            rows = stored.frame.dropna(subset=["adj_close"])
            if self.as_of is not None:
                rows = rows[rows.index.date <= self.as_of]
            if rows.empty:
                continue
            last = rows.iloc[-1]
            price = last["close"] if last["close"] == last["close"] else last["adj_close"]
            out[ticker] = Quote(
                ticker=ticker,
                price=float(price),
                currency=stored.currency or self.currencies.get(ticker, ""),
                price_date=rows.index[-1].date(),
                source=self.name,
                fetched_at=stored.fetched_at,
            )
        return out

    def consensus(self, tickers: Iterable[str]) -> dict[str, ConsensusEstimate]:
        """Consensus EPS and targets stored by ``screener fetch`` (Yahoo), by ticker."""
        out: dict[str, ConsensusEstimate] = {}
        for ticker in tickers:
            record = self.store.read_record("consensus", ticker)
            if record is None:
                continue
            from screener.data.yahoo import normalise_consensus

            c = normalise_consensus(record.payload)
            if c.eps_fy1 is None and c.eps_fy2 is None and c.target_mean is None:
                continue
            out[ticker] = ConsensusEstimate(
                c.eps_fy1,
                c.eps_fy2,
                c.eps_currency,
                c.target_mean,
                c.eps_fy1_analysts,
                "Yahoo consensus",
                record.fetched_at,
            )
        return out

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        record = self.store.read_record("fx", "spot")
        if record is None:
            return {}
        table = record.payload
        return {
            c: FxRate(
                c,
                float(table[c]["per_usd"]),
                date.fromisoformat(table[c]["date"]),
                str(table[c].get("source", "store")),
            )
            for c in currencies
            if c in table
        }
