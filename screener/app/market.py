"""The source chain for ``--source auto|live|store|snapshot`` and gathering market data through it:
auto = live Yahoo (through the store, TTL) -> the local store -> the bundled snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from screener.data.base import SOURCE_MODES, MarketData, MarketSource, gather
from screener.data.live import LiveSource
from screener.data.store_source import StoreSource
from screener.environment import Environment
from screener.errors import UsageError
from screener.models import Scope


def live_source(env: Environment, as_of: date | None = None) -> LiveSource:
    """The live Yahoo source over the environment's store (its session is built on first use)."""
    from screener.data.yahoo.fetch import RetryPolicy

    policy = RetryPolicy(sleep=env.sleep)
    return LiveSource(env.yahoo_session, env.store, env.settings.ttl_hours, env.today(), policy, as_of=as_of)


def sources(env: Environment, scope: Scope, currencies: Mapping[str, str] | None = None) -> list[MarketSource]:
    """The ordered chain for a ``--source`` mode (``currencies``: each ticker's trading currency)."""
    if scope.source not in SOURCE_MODES:
        raise UsageError(f"--source must be one of {', '.join(SOURCE_MODES)}, got {scope.source!r}")
    live = live_source(env, scope.as_of)
    store = StoreSource(env.store, dict(currencies or {}), as_of=scope.as_of)
    snapshot = env.snapshot()
    chains: dict[str, list[MarketSource]] = {
        "auto": [live, store, snapshot],
        "live": [live],
        "store": [store],
        "snapshot": [snapshot],
    }
    return chains[scope.source]


def market_data(
    env: Environment, scope: Scope, currencies_by_ticker: Mapping[str, str], fx_currencies: Iterable[str]
) -> MarketData:
    """Quotes, FX and consensus for these tickers through the chain of ``scope.source`` (banners say what
    fell back to what, and how old it is)."""
    chain = sources(env, scope, currencies_by_ticker)
    return gather(chain, list(currencies_by_ticker), fx_currencies, env.today())


def problems_summary(market: MarketData, total: int) -> list[str]:
    """The stderr summary of a gather: names with problems, names without data."""
    lines = []
    if market.problems:
        details = "; ".join(f"{t}: {why}" for t, why in sorted(market.problems.items()))
        lines.append(f"{len(market.problems)} of {total} names had problems: {details}")
    if market.missing:
        lines.append(f"{len(market.missing)} of {total} names have no data: {', '.join(market.missing)}")
    return lines
