"""Market-data sources and the chain that falls back from one to the next.

A source answers for the tickers it can and leaves the others out; :func:`gather` asks each source in
turn for what is still missing, and records a banner whenever names fall through to a later source.
A source that cannot run at all raises :class:`~screener.errors.DataUnavailable` with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from screener.errors import DataUnavailable
from screener.models import ConsensusEstimate, FxRate, Quote

SOURCE_MODES = ("auto", "live", "store", "snapshot")


class MarketSource(Protocol):
    """Everything a source of market data gives. :func:`gather` uses only these methods."""

    name: str

    def describe(self) -> str:
        """One line for banners, e.g. ``the bundled snapshot of 2025-10-10``."""
        ...

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        """Quotes for the tickers this source has; missing ones are left out. DataUnavailable: cannot run."""
        ...

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        """Rates (units per 1 USD) for the currencies this source has."""
        ...

    def consensus(self, tickers: Sequence[str]) -> dict[str, ConsensusEstimate]:
        """Fetched market consensus (FY1/FY2 EPS, mean target) for the tickers this source has."""
        ...

    def notes(self) -> list[str]:
        """Banners the user must see about what this source did (e.g. served from the store within the TTL)."""
        ...

    def problems(self) -> dict[str, str]:
        """Per-ticker problems (a bad ticker, an unreadable file) met while answering."""
        ...

    def complete(self, data: MarketData) -> None:
        """Fill what other sources left out and add banners about them (the snapshot fills market caps)."""
        ...


class SourceBase:
    """Defaults for the optional parts of :class:`MarketSource`: no consensus, notes, problems or completion."""

    def consensus(self, tickers: Sequence[str]) -> dict[str, ConsensusEstimate]:
        return {}

    def notes(self) -> list[str]:
        return []

    def problems(self) -> dict[str, str]:
        return {}

    def complete(self, data: MarketData) -> None:
        return None


@dataclass
class MarketData:
    """Quotes and FX gathered from the source chain, with what the user must be told."""

    quotes: dict[str, Quote] = field(default_factory=dict)
    fx: dict[str, FxRate] = field(default_factory=dict)
    banners: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sources_used: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    consensus: dict[str, ConsensusEstimate] = field(default_factory=dict)


def _age_text(days: int) -> str:
    return "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} old"


def gather(
    sources: Sequence[MarketSource],
    tickers: Sequence[str],
    currencies: Iterable[str],
    today: date,
) -> MarketData:
    """Ask each source in order for what is still missing; banner every fallback with its age."""
    data = MarketData()
    wanted = list(dict.fromkeys(tickers))
    needed_fx = set(currencies)
    failures: list[str] = []
    for position, source in enumerate(sources):
        remaining = [t for t in wanted if t not in data.quotes]
        if not remaining and not (needed_fx - set(data.fx)):
            break
        try:
            got = source.quotes(remaining) if remaining else {}
            rates = source.fx_rates(sorted(needed_fx - set(data.fx)))
        except DataUnavailable as exc:
            failures.append(f"{source.name}: {exc}")
            continue
        data.banners.extend(source.notes())
        data.problems.update(source.problems())
        if got:
            data.sources_used.append(source.name)
        elif remaining:
            failures.append(f"{source.name}: has none of the {len(remaining)} names")
        data.quotes.update(got)
        for currency, rate in rates.items():
            data.fx.setdefault(currency, rate)
        if got and (position > 0 or failures):
            oldest = min(q.price_date for q in got.values())
            reason = f" ({'; '.join(failures)})" if failures else ""
            share = "all names" if len(got) == len(wanted) else f"{len(got)} of {len(wanted)} names"
            data.banners.append(
                f"Using {source.describe()} for {share}: prices as of {oldest.isoformat()}, "
                f"{_age_text((today - oldest).days)}{reason}"
            )
    for source in sources:
        for ticker, estimate in source.consensus([t for t in wanted if t not in data.consensus]).items():
            data.consensus.setdefault(ticker, estimate)
    data.missing = [t for t in wanted if t not in data.quotes]
    for source in sources:
        source.complete(data)
    if len(sources) == 1 and data.quotes and not failures:
        source = sources[0]
        oldest = min(q.price_date for q in data.quotes.values())
        data.banners.append(
            f"Source: {source.describe()} — prices as of {oldest.isoformat()}, {_age_text((today - oldest).days)}"
        )
    if not data.quotes:
        detail = "; ".join(failures) if failures else "no source has any of them"
        raise DataUnavailable(f"no data for any requested name ({detail})")
    return data
