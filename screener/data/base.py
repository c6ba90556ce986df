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
    """What the pipeline needs from a source of prices and FX."""

    name: str

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        """Quotes for the tickers this source has; missing ones are left out."""
        ...

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        """Rates (units per 1 USD) for the currencies this source has."""
        ...

    def describe(self) -> str:
        """One line for banners, e.g. ``bundled snapshot of 2025-10-10``."""
        ...


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
        data.banners.extend(getattr(source, "notes", []))
        data.problems.update(getattr(source, "problems", {}))
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
        finder = getattr(source, "consensus", None)
        if finder is not None:
            for ticker, estimate in finder([t for t in wanted if t not in data.consensus]).items():
                data.consensus.setdefault(ticker, estimate)
    data.missing = [t for t in wanted if t not in data.quotes]
    _fill_market_caps(data, sources)
    _warn_older_than_snapshot(data, sources)
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


def _fill_market_caps(data: MarketData, sources: Sequence[MarketSource]) -> None:
    """A quote without a market cap gets price × the share count implied by the snapshot, marked estimated."""
    from dataclasses import replace

    from screener.data.snapshot import SnapshotSource

    snapshot = next((s for s in sources if isinstance(s, SnapshotSource)), None)
    if snapshot is None:
        return
    for ticker, quote in data.quotes.items():
        if quote.market_cap is None:
            shares = snapshot.implied_shares(ticker)
            if shares is not None:
                data.quotes[ticker] = replace(quote, market_cap=quote.price * shares, market_cap_estimated=True)


def _warn_older_than_snapshot(data: MarketData, sources: Sequence[MarketSource]) -> None:
    """Say so when the store served a price older than the one in the bundled snapshot (an old import)."""
    from screener.data.snapshot import SnapshotSource

    snapshot = next((s for s in sources if isinstance(s, SnapshotSource)), None)
    if snapshot is None:
        return
    newer = snapshot.quotes([t for t, q in data.quotes.items() if q.source == "store"])
    older = sorted(t for t, q in newer.items() if data.quotes[t].price_date < q.price_date)
    if older:
        example = older[0]
        data.banners.append(
            f"{len(older)} name(s) use stored prices older than the bundled snapshot's (e.g. {example} "
            f"{data.quotes[example].price_date} vs {newer[example].price_date}): --source snapshot shows the newer ones"
        )
