"""Market-data sources and the chain that falls back from one to the next.

A source answers for the tickers it can and leaves the others out; :func:`gather` asks every source for every
name and keeps, per name, the latest price on or before the as-of date (ties: the earlier source), with banners
saying which source served which names and why.
A source that cannot run at all raises :class:`~screener.errors.DataUnavailable` with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from screener.core import fx
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
    consensus_sets: dict[str, list[ConsensusEstimate]] = field(default_factory=dict)
    """Every consensus set per ticker (the chain's, then the stored dated ones), for the revision columns; empty
    when nothing dated is stored."""
    later: dict[str, Quote] = field(default_factory=dict)
    """Prices offered for dates after the as-of date (never used: a look-ahead)."""
    failed: dict[str, list[str]] = field(default_factory=dict)
    """Per source name, why it served nothing (or no FX): the reasons the banners give."""


def _age_text(days: int) -> str:
    return "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} old"


def gather(
    sources: Sequence[MarketSource],
    tickers: Sequence[str],
    currencies: Iterable[str],
    today: date,
    as_of: date | None = None,
    failed_before: Sequence[str] = (),
) -> MarketData:
    """Ask every source for every name; per name keep the **latest price on or before** ``as_of`` (default
    ``today``), ties going to the earlier source in the chain (live, store, snapshot). FX per currency by
    :func:`screener.core.fx.pick` over the rates in chain order (a later rate only when none is older).
    Banners say which source served how many names, how old the prices are, and why others did not
    (``failed_before``: why sources asked earlier in the run, and not in this chain, served nothing)."""
    day = as_of or today
    data = MarketData()
    wanted = list(dict.fromkeys(tickers))
    needed_fx = sorted(set(currencies))
    failures: list[str] = list(failed_before)
    offers: dict[str, list[tuple[int, Quote]]] = {}
    fx_offers: dict[str, list[FxRate]] = {}

    def fail(source: MarketSource, why: str) -> None:
        failures.append(why)
        data.failed.setdefault(source.name, []).append(why)

    for position, source in enumerate(sources):
        try:
            got = source.quotes(wanted) if wanted else {}
        except DataUnavailable as exc:
            fail(source, f"{source.name}: {exc}")
            continue
        try:
            rates = source.fx_rates(needed_fx)
        except DataUnavailable as exc:  # the quotes it gave still count; FX comes from the next source
            fail(source, f"{source.name} FX: {exc}")
            rates = {}
        data.banners.extend(source.notes())
        data.problems.update(source.problems())
        if wanted and not got:
            fail(source, f"{source.name}: has none of the {len(wanted)} names")
        for ticker, quote in got.items():
            if quote.price_date <= day:
                offers.setdefault(ticker, []).append((position, quote))
            else:
                data.later[ticker] = quote
        for currency, rate in rates.items():
            fx_offers.setdefault(currency, []).append(rate)  # in chain order
    chosen: dict[str, int] = {}
    for ticker in wanted:
        if ticker in offers:
            position, quote = max(offers[ticker], key=lambda pq: (pq[1].price_date, -pq[0]))
            data.quotes[ticker], chosen[ticker] = quote, position
    picked = {currency: fx.pick(found, day) for currency, found in fx_offers.items()}
    data.fx = {currency: rate for currency, rate in picked.items() if rate is not None}
    for source in sources:
        for ticker, estimate in source.consensus([t for t in wanted if t not in data.consensus]).items():
            data.consensus.setdefault(ticker, estimate)
    data.missing = [t for t in wanted if t not in data.quotes]
    for source in sources:
        source.complete(data)
    _banners(data, sources, chosen, failures, len(wanted), today, day)
    if not data.quotes:
        if data.later:
            first = min(q.price_date for q in data.later.values())
            raise DataUnavailable(
                f"no prices on or before --as-of {day.isoformat()} (the data starts {first.isoformat()}); "
                "a later price would be a look-ahead"
            )
        detail = "; ".join(failures) if failures else "no source has any of them"
        raise DataUnavailable(f"no data for any requested name ({detail})")
    return data


def _banners(
    data: MarketData,
    sources: Sequence[MarketSource],
    chosen: dict[str, int],
    failures: list[str],
    total: int,
    today: date,
    day: date,
) -> None:
    """One banner per source that served prices: how many names, how old, and why (the freshest price on or
    before the as-of date; which sources failed)."""
    used = sorted(set(chosen.values()))
    data.sources_used = [sources[p].name for p in used]
    single = len(sources) == 1 and not failures
    for position in used:
        source = sources[position]
        dates = sorted(data.quotes[t].price_date for t, p in chosen.items() if p == position)
        oldest = dates[0]
        age = _age_text((today - oldest).days)
        if single:
            data.banners.append(f"Source: {source.describe()} — prices as of {oldest.isoformat()}, {age}")
            continue
        if position == 0 and len(used) == 1 and not failures:
            continue  # the first source served everything: nothing to explain
        count = sum(1 for p in chosen.values() if p == position)
        share = "all names" if count == total else f"{count} of {total} names"
        span = oldest.isoformat() if dates[-1] == oldest else f"{oldest.isoformat()} to {dates[-1].isoformat()}"
        freshest = len(used) > 1 or position > 0  # a later source in the chain won on the date
        reasons = [f"the latest price on or before {day.isoformat()}", *failures] if freshest else failures
        reason = f" ({'; '.join(reasons)})" if reasons else ""
        data.banners.append(f"Using {source.describe()} for {share}: prices as of {span}, {age}{reason}")
    ahead = sorted(t for t in data.later if t not in data.quotes)
    if ahead:
        example = data.later[ahead[0]]
        data.banners.append(
            f"{len(ahead)} name(s) have prices only after {day.isoformat()} (e.g. {ahead[0]} {example.price_date} "
            f"from {example.source}): not used, a look-ahead"
        )
