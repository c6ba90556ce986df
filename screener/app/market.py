"""The source chain for ``--source auto|live|store|snapshot`` and gathering market data through it:
auto = live Yahoo (through the store, TTL) -> the local store -> the bundled snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from screener.core import fx
from screener.data.base import SOURCE_MODES, MarketData, MarketSource, gather
from screener.data.live import LiveSource, Progress
from screener.data.offline import OfflineMemo
from screener.data.store_source import StoreSource
from screener.environment import Environment
from screener.errors import StoreCorrupt, UsageError
from screener.models import FxRate, Scope

if TYPE_CHECKING:
    from screener.app.scope_types import ResolvedScope


def live_source(env: Environment, as_of: date | None = None, progress: Progress | None = None) -> LiveSource:
    """The live Yahoo source over the environment's store: its session is built on first use, its requests run
    ``[live] workers`` at a time under one retry policy, and an outage is remembered for ``[live]
    offline_retry_minutes`` (``--refresh`` ignores it and the TTL; ``--offline`` never asks)."""
    from screener.data.yahoo.policy import RetryPolicy
    from screener.environment import OFFLINE_REASON

    settings = env.settings
    return LiveSource(
        env.yahoo_session,
        env.store,
        settings.ttl_hours,
        env.today(),
        RetryPolicy(sleep=env.sleep),
        as_of=as_of,
        workers=settings.live_workers,
        refresh=env.refresh,
        offline=OFFLINE_REASON if env.offline else "",
        memo=OfflineMemo(env.store, settings.offline_retry_minutes),
        local=env.local,
        progress=progress or env.progress,
        report_lag_days=settings.report_lag_days,
    )


def sources(env: Environment, scope: Scope, currencies: Mapping[str, str] | None = None) -> list[MarketSource]:
    """The ordered chain for a ``--source`` mode (``currencies``: each ticker's trading currency)."""
    if scope.source not in SOURCE_MODES:
        raise UsageError(f"--source must be one of {', '.join(SOURCE_MODES)}, got {scope.source!r}")
    live = live_source(env, scope.as_of)
    store = StoreSource(env.store, dict(currencies or {}), as_of=scope.as_of)
    snapshot = env.snapshot()
    past = scope.as_of is not None and scope.as_of < env.today()  # Yahoo serves today's quote: not asked
    chains: dict[str, list[MarketSource]] = {
        "auto": [store, snapshot] if past else [live, store, snapshot],
        "live": [live],
        "store": [store],
        "snapshot": [snapshot],
    }
    return chains[scope.source]


def market_data(
    env: Environment, scope: ResolvedScope, currencies_by_ticker: Mapping[str, str], fx_currencies: Iterable[str]
) -> MarketData:
    """Quotes, FX and consensus for these tickers through the chain of ``scope.source`` at the resolved as-of date
    (banners say what fell back to what, and how old it is; the scope's banner first, when the date was held back
    at the latest price date). The gather that decided the date is reused when it asked the same."""
    fx_wanted = set(fx_currencies)
    market = _decided_with(scope, currencies_by_ticker, fx_wanted)
    if market is None:
        chain = sources(env, scope.request, currencies_by_ticker)
        before = _failed_elsewhere(scope, {s.name for s in chain})
        market = gather(chain, list(currencies_by_ticker), fx_wanted, scope.today, scope.as_of, before)
    if scope.source != "snapshot":
        _fx_from_histories(env, market, scope.as_of)
    _dated_consensus(env, market, list(currencies_by_ticker), scope.as_of)
    if scope.banner:
        market.banners.insert(0, scope.banner)
    return market


def _failed_elsewhere(scope: ResolvedScope, chain: set[str]) -> list[str]:
    """Why sources of the gather that decided the date, left out of this chain (live Yahoo for a past date),
    served nothing: the banners still say it."""
    probe = scope.probe.market if scope.probe is not None else None
    return [why for name, reasons in (probe.failed if probe else {}).items() if name not in chain for why in reasons]


def _decided_with(scope: ResolvedScope, tickers: Mapping[str, str], currencies: set[str]) -> MarketData | None:
    """A copy of the gather that decided the as-of date when it is the one asked for now (same names, these
    currencies among its own, up to today: the resolved date); its error when it failed; else None."""
    probe = scope.probe
    if probe is None or scope.as_of != scope.today or set(tickers) != probe.tickers or currencies - probe.currencies:
        return None
    if probe.market is None:
        assert probe.error is not None
        raise probe.error
    got = probe.market
    return replace(
        got,
        quotes=dict(got.quotes),
        fx={c: r for c, r in got.fx.items() if c in currencies},
        banners=list(got.banners),
        missing=list(got.missing),
        sources_used=list(got.sources_used),
        problems=dict(got.problems),
        consensus=dict(got.consensus),
        later=dict(got.later),
    )


def _dated_consensus(env: Environment, market: MarketData, tickers: list[str], day: date) -> None:
    """Add the stored dated consensus (AKShare, ``estimates import``) whatever ``--source``: they are estimates,
    like the universe file's consensus, not prices. Per name the newest known on ``day`` wins
    (:func:`screener.data.estimates.pick`)."""
    from screener.data import estimates

    if not any("=" in key for key in env.store.record_keys("consensus")):
        return  # nothing imported or fetched from AKShare: the warm path reads no more
    stored, problems = estimates.stored_estimates(env.store, tickers)
    market.consensus_sets = estimates.candidates(market.consensus, stored)
    market.consensus = estimates.merge(market.consensus, stored, day)
    for ticker, why in problems.items():
        market.problems.setdefault(ticker, why)


def _fx_from_histories(env: Environment, market: MarketData, day: date) -> None:
    """Use an imported FX history's rate for ``day`` (:func:`screener.core.fx.rate_on`, within ``[fx]
    max_staleness_days``) when :func:`screener.core.fx.pick` prefers it to the rate the sources gave: that one is
    dated after ``day``, or older (a back-dated screen converts with the rate of its own date; a tie keeps the
    sources' rate)."""
    store = env.store
    limit = env.settings.fx_max_staleness_days
    for currency in list(market.fx):
        if currency == "USD" or not store.path("fx", currency, ".parquet").exists():
            continue
        try:
            history = store.read_series("fx", currency)
        except StoreCorrupt as exc:
            market.problems[currency] = f"{exc}; ignored"
            continue
        if history is None:
            continue
        rate = fx.rate_on(history.frame["per_usd"], day, limit)
        if rate is None:
            continue
        when, per_usd = rate
        source = f"{history.meta.get('source', 'imported history').rsplit('/', 1)[-1]} (stored history)"
        stored = FxRate(currency, per_usd, when, source)
        market.fx[currency] = fx.pick([market.fx[currency], stored], day) or stored


def problems_summary(market: MarketData, total: int) -> list[str]:
    """The stderr summary of a gather: names with problems, names without data."""
    lines = []
    if market.problems:
        details = "; ".join(f"{t}: {why}" for t, why in sorted(market.problems.items()))
        lines.append(f"{len(market.problems)} of {total} names had problems: {details}")
    if market.missing:
        lines.append(f"{len(market.missing)} of {total} names have no data: {', '.join(market.missing)}")
    return lines
