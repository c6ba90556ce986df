"""``screener screen`` / ``export`` / ``chart peers``: the comp table for the selected universes and groups."""

from __future__ import annotations

from dataclasses import dataclass

from screener.app import universes as uv
from screener.app.changes import price_changes
from screener.app.market import market_data, problems_summary
from screener.app.report import ScreenReport, build_report
from screener.app.scope import ResolvedScope
from screener.core.criteria import Criteria
from screener.environment import Environment


@dataclass(frozen=True)
class ScreenOptions:
    """What to screen (the resolved scope: selection, source, as-of date) and how to rank it."""

    scope: ResolvedScope
    sort: str | None = None
    reverse: bool = False
    top: int | None = None
    where: Criteria | None = None
    """``--where``: only the companies meeting these criteria are listed (the statistics stay the whole group's)."""


def screen(env: Environment, options: ScreenOptions) -> ScreenReport:
    """Load the universes, gather market data through the source chain, compute P/B-band targets where a
    company asks for one, the percentile columns where a valuation history exists (not with ``--source
    snapshot``, like the price changes), and build the ranked comp table (banners and problem summaries)."""
    settings = env.settings
    scope = options.scope
    loaded = scope.selection.whole
    # named tickers select the rows shown; the statistics stay the whole group's, so every member is computed
    cut = scope.selection.universes
    named = {c.ticker for c in uv.companies(cut)} if cut != loaded else None
    companies = uv.companies(loaded)
    market = market_data(env, scope, {c.ticker: c.currency for c in companies}, uv.currencies(companies))
    day = scope.as_of
    bands = None
    if any(c.target_from_band is not None for c in companies):  # pandas only for universes that need it
        from screener.app.value import band_targets

        bands = band_targets(companies, env.store, market.fx, settings, day)
    store = None if scope.source == "snapshot" else env.store
    changes = price_changes(store, market.quotes)
    positions = None
    if store is not None:
        from screener.app.valuation_bands import history_positions

        usable = {t: q for t, q in market.quotes.items() if q.price_date <= day}
        positions = history_positions(store, companies, usable, market.fx, settings.valuation.since, day)
    # the statements are figures, not prices: read whatever --source (like dated consensus); the store's folder is
    # listed once and nothing heavy is imported when it holds none
    from screener.app.financials import comp_columns

    usable_quotes = {t: q for t, q in market.quotes.items() if q.price_date <= day}
    statements = comp_columns(env.store, companies, usable_quotes, market.fx, day, settings.report_lag_days)
    report = build_report(
        loaded,
        market,
        settings,
        as_of=day,
        groups=scope.selection.groups,
        sort=options.sort,
        reverse=options.reverse,
        top=options.top,
        band_targets=bands,
        changes=changes,
        positions=positions,
        statements=statements,
        show=named,
        where=options.where,
    )
    report.problems = problems_summary(market, len(companies))
    return report
