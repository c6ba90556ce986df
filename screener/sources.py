"""Build the source chain for ``--source auto|live|store|snapshot``.

The live Yahoo adapter and the local store are added by the live-data work; until they are wired in,
asking for them explicitly fails with exit 3 and a one-line reason, and ``auto`` says in its banner
that it fell back to the bundled snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from screener.config import Settings
from screener.data.base import SOURCE_MODES, MarketSource
from screener.data.snapshot import SnapshotSource
from screener.data.store import Store, StoreSource
from screener.errors import DataUnavailable, UsageError
from screener.models import FxRate, Quote


@dataclass
class UnavailableSource:
    """A source that cannot run here; every call raises DataUnavailable with ``reason``."""

    name: str
    reason: str

    def describe(self) -> str:
        return self.name

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        raise DataUnavailable(self.reason)

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        raise DataUnavailable(self.reason)


def build_sources(mode: str, settings: Settings, currencies: dict[str, str] | None = None) -> list[MarketSource]:
    """The ordered chain for a ``--source`` mode (``currencies``: each ticker's trading currency)."""
    if mode not in SOURCE_MODES:
        raise UsageError(f"--source must be one of {', '.join(SOURCE_MODES)}, got {mode!r}")
    live = UnavailableSource("live", "live Yahoo data is not available in this build")
    store = StoreSource(Store(settings.cache_dir), dict(currencies or {}))
    snapshot = SnapshotSource.bundled()
    chains: dict[str, list[MarketSource]] = {
        "auto": [live, store, snapshot],
        "live": [live],
        "store": [store],
        "snapshot": [snapshot],
    }
    return chains[mode]
