"""The resolved scope of a command (what :func:`screener.app.scope.resolve_scope` returns): the selection, the
source, the as-of date and the gather that decided it. Plain types, so the market chain can name them without
importing the resolution (no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from screener.data.base import MarketData
from screener.errors import DataUnavailable
from screener.models import Company, Scope, Universe


@dataclass(frozen=True)
class Selection:
    """What a command covers. ``whole``: the selected universe files, every company; ``universes``: cut to the
    named tickers; ``companies``: the selected names (tickers and groups applied; one name for ``value`` and the
    one-stock charts, none when it is in no universe). ``priced``: ticker -> trading currency of the names whose
    prices the command gathers (every member of the whole universes, since the statistics are the whole group's;
    one name for ``value`` and the one-stock charts); ``currencies``: the FX it gathers with them (trading and
    house-model currencies; for one stock also its book values')."""

    names: tuple[str, ...]
    whole: tuple[Universe, ...]
    universes: tuple[Universe, ...]
    groups: tuple[str, ...]
    companies: tuple[Company, ...]
    priced: dict[str, str]
    currencies: frozenset[str]
    symbols: tuple[str, ...]
    """The selected names' tickers: the as-of rule looks at their prices."""

    @property
    def title(self) -> str:
        """The universes' names for titles (``-u`` arguments, else the configured files' stems)."""
        return ", ".join(self.names)


@dataclass(frozen=True)
class Probe:
    """The gather made to decide the as-of date (up to today): its request and its answer (or the error)."""

    tickers: frozenset[str]
    currencies: frozenset[str]
    market: MarketData | None
    error: DataUnavailable | None = None


@dataclass(frozen=True)
class ResolvedScope:
    """The source, the as-of date (``given``: by ``--as-of``), today, the banner when the date is held back at
    the latest price date, the selection, and the gather that decided the date (None with ``--as-of``)."""

    source: str
    as_of: date
    given: bool
    today: date
    banner: str | None
    selection: Selection
    probe: Probe | None = None

    @property
    def banners(self) -> list[str]:
        """The banner as a list (empty when the date is today or given)."""
        return [self.banner] if self.banner else []

    @property
    def request(self) -> Scope:
        """The source and the resolved date, as the source chain takes them."""
        return Scope(self.source, self.as_of)
