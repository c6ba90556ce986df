"""Year-to-date and 1/3/12-month price changes for the comp table, from the stored histories (adjusted closes),
else the change published with the price (the bundled snapshot's YTD), else NA.

Computed results are kept in the store (``index/price_changes.json``) keyed by the history file's identity
(inode, size, modification time) and the price date: a history that has not changed is not read again (a
5,000-name screen reads none of its 5,000 files on the second run). Any write of a history replaces the file
(new inode), so its entry no longer matches and is recomputed; the index is derived data, rebuilt at will.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from screener.app.screen_results import PriceChanges
from screener.core.values import NA, Value
from screener.data.store import Store
from screener.errors import ScreenerError, StoreCorrupt
from screener.models import Quote

INDEX = ("index", "price_changes")
_FIELDS = ("ytd", "m1", "m3", "m12")


def price_changes(store: Store | None, quotes: Mapping[str, Quote]) -> dict[str, PriceChanges]:
    """Per ticker: from the stored history when it has a close on the quote's date (``store`` None: not looked
    at, e.g. ``--source snapshot``); else the quote's published YTD; else nothing (NA)."""
    index = _Index(store) if store is not None else None
    out: dict[str, PriceChanges] = {}
    for ticker, quote in quotes.items():
        computed = index.changes(ticker, quote.price_date) if index is not None else None
        if computed is not None:
            out[ticker] = computed
        elif quote.ytd_change is not None:
            out[ticker] = PriceChanges(ytd=quote.ytd_change, source=f"{quote.source} (published)")
    if index is not None:
        index.save()
    return out


class _Index:
    """The stored results, and what this run added to them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.entries: dict[str, Any] = {}
        self.changed: set[str] = set()
        with contextlib.suppress(StoreCorrupt):
            record = store.read_record(*INDEX)
            if record is not None:
                self.entries = dict(record.payload)

    def changes(self, ticker: str, day: date) -> PriceChanges | None:
        path = self.store.path("prices", ticker, ".parquet")
        try:
            stat = path.stat()
        except OSError:
            return None  # no history
        key = [stat.st_ino, stat.st_size, stat.st_mtime_ns, day.isoformat()]
        held = self.entries.get(ticker)
        if isinstance(held, list) and len(held) == 5 and held[:4] == key:
            values = held[4]
        else:
            values = _compute(self.store, ticker, day)
            self.entries[ticker] = [*key, values]
            self.changed.add(ticker)
        if not isinstance(values, list) or len(values) != len(_FIELDS):
            return None

        def value(x: object) -> Value:
            return float(x) if isinstance(x, int | float) and math.isfinite(x) else NA

        ytd, m1, m3, m12 = (value(x) for x in values)
        return PriceChanges(ytd, m1, m3, m12, source="store")

    def save(self) -> None:
        """Keep this run's results, added to what other runs stored meanwhile (under the index's lock; best effort:
        a store that cannot be written only costs the next run time)."""
        if self.changed:
            with contextlib.suppress(ScreenerError, OSError), self.store.locked(*INDEX, ".json"):
                entries = {}
                with contextlib.suppress(StoreCorrupt):
                    record = self.store.read_record(*INDEX)
                    entries = dict(record.payload) if record is not None else {}
                entries.update({ticker: self.entries[ticker] for ticker in self.changed})
                self.store.write_record(*INDEX, entries, source="derived")


def _compute(store: Store, ticker: str, day: date) -> list[float | None] | None:
    """The four changes (None for NaN) or None when the history is unreadable or has no close on ``day``."""
    try:
        stored = store.read_adjusted_closes(ticker)
    except StoreCorrupt:
        return None
    if stored is None:
        return None
    from screener.core.changes import changes_on

    found = changes_on(*stored, day)
    if found is None:
        return None
    return [found[name] if math.isfinite(found[name]) else None for name in _FIELDS]
