"""Remembering that a service could not be reached, so the next commands do not pay for probing it again.

A failed reachability check (every request failed at the transport level) is written to the store as the record
``network/<service>.json`` — ``offline_since`` (the first failure of this outage), ``reason`` (one clean line)
and the record's fetch time (the last check). For ``retry_minutes`` after the last check the live source is not
asked at all: the chain goes straight to the store and the snapshot, and says "offline since HH:MM (retry after
HH:MM or with --refresh)". Any successful request forgets the memo. ``retry_minutes = 0`` turns it off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from screener.data.store import Store
from screener.errors import ScreenerError, StoreCorrupt

KIND = "network"


@dataclass(frozen=True)
class Outage:
    """A remembered outage: since when, last checked, when to try again, and why."""

    service: str
    since: datetime
    checked: datetime
    retry_after: datetime
    reason: str

    def message(self, local: Callable[[datetime], datetime], now: datetime) -> str:
        """``Yahoo Finance offline since 09:12 (retry after 09:22 or with --refresh): cannot resolve ...``; a
        time on another day than ``now`` carries its date."""

        def when(moment: datetime) -> str:
            shown = local(moment)
            same_day = shown.date() == local(now).date()
            return f"{shown:%H:%M}" if same_day else f"{shown:%Y-%m-%d %H:%M}"

        return (
            f"{self.service} offline since {when(self.since)} (retry after {when(self.retry_after)} or with "
            f"--refresh): {self.reason}"
        )


@dataclass(frozen=True)
class OfflineMemo:
    """The outage memo of one service in one store (``key`` names its file, ``service`` is shown to users)."""

    store: Store
    retry_minutes: float
    key: str = "yahoo"
    service: str = "Yahoo Finance"

    def current(self) -> Outage | None:
        """The outage still inside its retry window, or None (none stored, expired, disabled, unreadable)."""
        if self.retry_minutes <= 0:
            return None
        try:
            record = self.store.read_record(KIND, self.key)
            if record is None:
                return None
            since = datetime.fromisoformat(str(record.payload["offline_since"]))
            reason = str(record.payload.get("reason", ""))
        except (StoreCorrupt, KeyError, TypeError, ValueError):
            return None  # an unreadable memo only costs one probe; the next failure rewrites it
        retry_after = record.fetched_at + timedelta(minutes=self.retry_minutes)
        if self.store.clock() >= retry_after:
            return None
        return Outage(self.service, since, record.fetched_at, retry_after, reason)

    def remember(self, reason: str) -> Outage:
        """Record a failed check now (keeping the start of an outage already recorded)."""
        now = self.store.clock()
        since = now
        try:
            held = self.store.read_record(KIND, self.key)
            if held is not None:
                since = min(now, datetime.fromisoformat(str(held.payload["offline_since"])))
        except (StoreCorrupt, KeyError, TypeError, ValueError):
            pass
        with contextlib.suppress(ScreenerError, OSError):  # an unwritable store costs the next command one probe
            self.store.write_record(
                KIND, self.key, {"offline_since": since.isoformat(), "reason": reason}, source="check"
            )
        return Outage(self.service, since, now, now + timedelta(minutes=self.retry_minutes), reason)

    def forget(self) -> None:
        """A request succeeded: the service is reachable again."""
        with contextlib.suppress(OSError):
            self.store.path(KIND, self.key, ".json").unlink(missing_ok=True)
