"""``screener fetch`` over the live Yahoo source: incremental price histories, quotes and consensus through the
worker pool, FX, then book values from Yahoo balance sheets (``--valuation``) and annual statements
(``--statements``, #15).

The balance-sheet pass (:func:`refresh_statements`) is a provider of its own (#14): its jobs go through the same
pool, retry policy and offline rules as the quotes, but when Yahoo cannot be reached for it the fetch goes on
without book values and says so in one banner line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from screener.data.live import LiveSource, Progress, _no_progress, _short
from screener.data.providers import ProviderReport
from screener.data.valuation import VALUATION_KIND, key
from screener.errors import DataUnavailable, StoreCorrupt


@dataclass
class RefreshReport:
    """What ``screener fetch`` did."""

    histories_updated: dict[str, int] = field(default_factory=dict)
    requested_ranges: dict[str, tuple[str, str]] = field(default_factory=dict)
    quotes: int = 0
    consensus: int = 0
    up_to_date: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    statements: ProviderReport | None = None
    """Book values from Yahoo balance sheets (``valuation``), None when not asked."""
    annual: ProviderReport | None = None
    """Annual statements from Yahoo (``statements``), None when not asked."""


def refresh(
    tickers: Sequence[str],
    currencies: Iterable[str],
    source: LiveSource,
    *,
    today: date,
    history_start: date,
    consensus_for: Iterable[str] = (),
    full: bool = False,
    valuation: bool = False,
    statements: bool = False,
    progress: Progress = _no_progress,
) -> RefreshReport:
    """``screener fetch``: incremental histories (one batched download per start date), then quotes and consensus
    through the worker pool, then FX (one batched download), then (``valuation``) book values from balance sheets.

    A history whose last stored date is today (or later) is not requested; otherwise only the dates after the
    last stored one are. Quotes and consensus sets are fetched when older than the TTL (always with ``full`` or
    the source's ``refresh``); so is the FX table.
    ``progress(label, steps_done)`` is called as each item completes; everything finished is in the store even
    when the run is interrupted.
    """
    from screener.data import yahoo

    store = source.store
    source.as_of = today
    source.progress = progress
    source.check_network()
    report = RefreshReport()
    session = source.session()
    by_start: dict[date, list[str]] = {}
    for ticker in tickers:
        try:
            stored = None if full else store.read_prices(ticker)
        except StoreCorrupt:
            stored = None  # refetched whole
        start = history_start if stored is None else stored.last_date + timedelta(days=1)
        if start > today:
            report.up_to_date.append(ticker)
            progress(f"{ticker} up to date", 1)
            continue
        by_start.setdefault(start, []).append(ticker)
    end = today + timedelta(days=1)  # yfinance's end is exclusive
    for start, group in sorted(by_start.items()):
        try:
            closes, failures = yahoo.download_closes(
                group,
                start,
                end,
                session,
                threads=source.workers if source.workers > 1 else False,
                policy=source.policy,
            )
        except yahoo.YahooUnavailable as exc:
            raise source.unreachable(_short(exc)) from None
        except yahoo.YahooRateLimited as exc:
            raise DataUnavailable(f"Yahoo rate limit persisted after retries: {_short(exc)}") from None
        import pandas as pd

        source.reached()
        for ticker in group:
            report.requested_ranges[ticker] = (start.isoformat(), today.isoformat())
            if ticker in failures:
                report.problems[ticker] = f"{failures[ticker].kind}: {failures[ticker].message}"
            elif ticker in closes.columns:
                column = closes[ticker].dropna()
                if len(column):
                    frame = pd.DataFrame({"adj_close": column, "close": float("nan")})
                    store.write_prices(
                        ticker, frame, source="live", adjusted=True, origin="yahoo", merge=not full, corrupt="set_aside"
                    )
                report.histories_updated[ticker] = len(column)
            progress(f"history {ticker}", 1)
    fresh_quotes = {} if full else {t: q for t in tickers if (q := source.held_quote(t)) is not None}
    for ticker in fresh_quotes:
        progress(f"quote {ticker} (fresh)", 1)
    jobs = [("quote", t) for t in tickers if t not in fresh_quotes]
    for ticker in consensus_for:
        held = source._stored("consensus", ticker)
        if held is not None and store.is_fresh(held.fetched_at, source.ttl_hours) and not (full or source.refresh):
            progress(f"consensus {ticker} (fresh)", 1)
            continue
        jobs.append(("consensus", ticker))
    from screener.data.providers import akshare_consensus  # A-shares: THS/Sina consensus too (#14)

    jobs += akshare_consensus.jobs(list(consensus_for), store, source.ttl_hours, full or source.refresh, report.notes)
    pooled = source.fetch_many(jobs)
    report.quotes = len(fresh_quotes) + len(pooled.quotes)
    report.consensus = pooled.consensus
    for ticker, why in pooled.problems.items():
        report.problems.setdefault(ticker, why)
    source.refresh = source.refresh or full
    source.fx_rates(currencies)
    progress("fx", 1)
    if valuation:  # last: what a plain fetch stores is done whatever happens to this pass
        report.statements = refresh_statements(tickers, source, full=full, progress=progress)
    if statements:
        report.annual = refresh_annual_statements(tickers, source, full=full, progress=progress)
    return report


def refresh_statements(
    tickers: Sequence[str], source: LiveSource, *, full: bool = False, progress: Progress = _no_progress
) -> ProviderReport:
    """Book values per share from Yahoo's annual and quarterly balance sheets for every name (each market), merged
    into the stored ``yahoo`` book values (:func:`screener.data.valuation.merge_book_values`). A name whose book
    values were fetched within the TTL is not asked again (unless ``full`` or refreshing). Yahoo unreachable or
    rate-limiting for this pass: the report's banner, not an error (histories and quotes are already stored)."""
    report = ProviderReport("Yahoo statements", "names", asked=len(tickers), unit="reports")
    held = {t: (VALUATION_KIND, key(t, "yahoo", book=True)) for t in tickers}
    jobs = _stale_jobs("bvps", held, source, report, full, progress)
    try:
        pooled = source.fetch_many(jobs)
    except DataUnavailable as exc:
        report.banner = f"Yahoo statements unavailable: {_short(exc)}; book values not updated"
        return report
    report.updated = dict(pooled.books)
    report.problems = {t: why.removeprefix("statements: ") for t, why in pooled.problems.items()}
    return report


def refresh_annual_statements(
    tickers: Sequence[str], source: LiveSource, *, full: bool = False, progress: Progress = _no_progress
) -> ProviderReport:
    """Annual income statements, cash flows and balance sheets (Yahoo's last 4 fiscal years) of every name into
    the statements store as the ``yahoo`` provider (``fetch --statements``, #15). Same rules as
    :func:`refresh_statements`: fresh within the TTL -> not asked (unless ``full`` or refreshing); Yahoo
    unreachable or rate-limiting for this pass -> the report's banner, not an error; a name Yahoo has no annual
    statements for is that name's problem."""
    from screener.data.statements import STATEMENTS_KIND
    from screener.data.statements import key as statements_key

    report = ProviderReport("Yahoo annual statements", "names", asked=len(tickers), unit="years")
    held = {t: (STATEMENTS_KIND, statements_key(t, "yahoo")) for t in tickers}
    jobs = _stale_jobs("statements", held, source, report, full, progress)
    try:
        pooled = source.fetch_many(jobs)
    except DataUnavailable as exc:
        report.banner = f"Yahoo annual statements unavailable: {_short(exc)}; statements not updated"
        return report
    report.updated = {t: n for t, n in pooled.years.items() if n}
    report.problems = {t: why.removeprefix("annual statements: ") for t, why in pooled.problems.items()}
    for ticker, n in pooled.years.items():
        if not n:
            report.problems.setdefault(ticker, "Yahoo has no annual statements")
    return report


def _stale_jobs(
    kind: str,
    held: dict[str, tuple[str, str]],
    source: LiveSource,
    report: ProviderReport,
    full: bool,
    progress: Progress,
) -> list[tuple[str, str]]:
    """``(kind, ticker)`` jobs for the names whose stored series (``held``: ticker -> store kind and key) is absent,
    unreadable or older than the TTL (all of them with ``full`` or refreshing); the others go to ``up_to_date``."""
    jobs: list[tuple[str, str]] = []
    for ticker, (store_kind, store_key) in held.items():
        try:
            stored = source.store.read_series(store_kind, store_key)
        except StoreCorrupt:
            stored = None  # refetched and overwritten
        fresh = stored is not None and source.store.is_fresh(stored.fetched_at, source.ttl_hours)
        if fresh and not (full or source.refresh):
            report.up_to_date.append(ticker)
            progress(f"{kind} {ticker} (fresh)", 1)
            continue
        jobs.append((kind, ticker))
    return jobs
