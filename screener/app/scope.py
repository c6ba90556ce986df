"""A command's scope, resolved once at its start: the selected universes and names, the source, and the as-of date
(the rule: :func:`screener.core.asof.resolve_as_of`). Everything downstream receives :class:`ResolvedScope` and
reads its ``as_of``; no use case picks a default date of its own.

Without ``--as-of`` the selected names' prices are gathered through the chain the command reads (``--source``:
live, store, snapshot; ``--offline`` and ``--source store|snapshot`` touch no network) up to today; when the
resolved date is today that gather is the command's own (:func:`screener.app.market.market_data` reuses it), so
deciding the date costs no second read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from screener.app import universes as uv
from screener.app.scope_types import Probe, ResolvedScope, Selection
from screener.core.asof import resolve_as_of
from screener.data.base import gather
from screener.environment import Environment
from screener.errors import DataUnavailable
from screener.models import Scope, Universe


def resolve_scope(
    env: Environment,
    request: Scope,
    *,
    universes: Sequence[str] = (),
    tickers: Sequence[str] = (),
    groups: Sequence[str] = (),
    one: str | None = None,
    check: Callable[[Selection], None] | None = None,
) -> ResolvedScope:
    """The selection (``universes`` -u, ``tickers``, ``groups``; or ``one`` stock, which may be in no universe)
    and the as-of date: ``request.as_of`` when given, else the rule of :mod:`screener.core.asof` over the
    selected names' prices gathered through ``request.source``'s chain. ``check(selection)`` runs before anything
    is gathered, so a bad option is an error before any network or store access."""
    selection = _one(env, universes, one) if one is not None else _many(env, universes, tickers, groups)
    if check is not None:
        check(selection)
    today = env.today()
    if request.as_of is not None:
        return ResolvedScope(request.source, request.as_of, True, today, None, selection)
    probe = _probe(env, request.source, selection, today)
    quotes = probe.market.quotes if probe.market is not None else {}
    dates = [quotes[t].price_date for t in selection.symbols if t in quotes]
    decided = resolve_as_of(None, dates, today, env.settings.sanity.stale_price_trading_days)
    return ResolvedScope(request.source, decided.day, False, today, decided.banner, selection, probe)


def _many(env: Environment, names: Sequence[str], tickers: Sequence[str], groups: Sequence[str]) -> Selection:
    whole = uv.selected(env, names)
    return _cut(_names(env, names), tuple(whole), tuple(uv.only_tickers(whole, tickers)), tuple(groups))


def _cut(
    names: tuple[str, ...], whole: tuple[Universe, ...], cut: tuple[Universe, ...], groups: tuple[str, ...]
) -> Selection:
    priced = uv.companies(whole)  # the statistics are the whole group's: every member is priced
    chosen = uv.in_groups(uv.companies(cut), groups)
    return Selection(
        names=names,
        whole=whole,
        universes=cut,
        groups=groups,
        companies=tuple(chosen),
        priced={c.ticker: c.currency for c in priced},
        currencies=frozenset(uv.currencies(priced)),
        symbols=tuple(c.ticker for c in chosen),
    )


def whole_universes(scope: ResolvedScope) -> ResolvedScope:
    """The same scope (source, as-of date, banner) over the whole selected universes: no tickers, no groups."""
    selection = scope.selection
    return replace(scope, selection=_cut(selection.names, selection.whole, selection.whole, ()))


def over(scope: ResolvedScope, universes: Sequence[Universe]) -> ResolvedScope:
    """The same scope (source, as-of date, banner) over other universes, whole: ``screener portfolio`` screens the
    names of a book and its benchmark at the date the selection decided."""
    selection = scope.selection
    return replace(scope, selection=_cut(selection.names, tuple(universes), tuple(universes), ()))


def _one(env: Environment, names: Sequence[str], code: str) -> Selection:
    symbol = uv.symbol(code, "TICKER")
    whole = uv.selected(env, names)
    company = next((c for c in uv.companies(whole) if c.ticker == symbol), None)
    currencies = (
        uv.currencies([company]) | {b.currency for b in company.book_values if b.currency} if company else set()
    )
    return Selection(
        names=_names(env, names),
        whole=tuple(whole),
        universes=tuple(whole),
        groups=(),
        companies=(company,) if company else (),
        priced={symbol: company.currency if company else ""},
        currencies=frozenset(currencies),
        symbols=(symbol,),
    )


def _names(env: Environment, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(names) if names else tuple(p.stem for p in env.settings.universe_files)


def _probe(env: Environment, source: str, selection: Selection, today: date) -> Probe:
    """The selection's prices (and FX) through ``source``'s chain up to today, as the command would gather them."""
    from screener.app.market import sources

    tickers, currencies = selection.priced, selection.currencies
    chain = sources(env, Scope(source), tickers)
    try:
        market = gather(chain, list(tickers), sorted(currencies), today)
    except DataUnavailable as exc:
        return Probe(frozenset(tickers), currencies, None, exc)
    return Probe(frozenset(tickers), currencies, market)


def until(env: Environment, as_of: date | None) -> date:
    """The last day ``screener fetch`` asks for: ``--as-of`` when given, else today (a fetch gets what is new; it
    does not screen, so the as-of rule above does not apply)."""
    return as_of if as_of is not None else env.today()
