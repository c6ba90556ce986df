"""Build the source chain for ``--source auto|live|store|snapshot``:
auto = live Yahoo (through the store, TTL) -> the local store -> the bundled snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from screener.config import Settings
from screener.data.base import SOURCE_MODES, MarketSource
from screener.data.live import LiveSource
from screener.data.snapshot import SnapshotSource
from screener.data.store import Store, StoreSource
from screener.errors import UsageError


def _yahoo_session() -> Any:
    from screener.data.yahoo import new_session

    return new_session()


def live_source(
    settings: Settings, store: Store, session_factory: Callable[[], Any] | None = None, as_of: date | None = None
) -> LiveSource:
    """The live Yahoo source over ``store`` (the session is built on first use)."""
    return LiveSource(session_factory or (lambda: _yahoo_session()), store, settings.ttl_hours, as_of=as_of)


def build_sources(
    mode: str,
    settings: Settings,
    currencies: dict[str, str] | None = None,
    session_factory: Callable[[], Any] | None = None,
    as_of: date | None = None,
) -> list[MarketSource]:
    """The ordered chain for a ``--source`` mode (``currencies``: each ticker's trading currency;
    ``session_factory``: the HTTP session for Yahoo, injectable for tests)."""
    if mode not in SOURCE_MODES:
        raise UsageError(f"--source must be one of {', '.join(SOURCE_MODES)}, got {mode!r}")
    store_root = Store(settings.cache_dir)
    live = live_source(settings, store_root, session_factory, as_of)
    store = StoreSource(store_root, dict(currencies or {}), as_of=as_of)
    snapshot = SnapshotSource.bundled()
    chains: dict[str, list[MarketSource]] = {
        "auto": [live, store, snapshot],
        "live": [live],
        "store": [store],
        "snapshot": [snapshot],
    }
    return chains[mode]
