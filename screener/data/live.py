"""Live Yahoo Finance data through the local store.

:class:`LiveSource` is the ``live`` link of the source chain: a quote fetched within the TTL is served
from the store's copy without any HTTP request (and said so); otherwise it is fetched, stored (JSON, with
fetch time and source) and returned. A network failure raises :class:`DataUnavailable` (the chain falls
back to the store, then the snapshot); a bad ticker marks that name only. :func:`refresh` is
``screener fetch``: incremental price histories (only dates not yet stored), quotes, consensus and FX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from screener.data.base import SourceBase
from screener.data.store import Store
from screener.errors import DataUnavailable, ScreenerError, StoreCorrupt
from screener.models import FxRate, Quote

if TYPE_CHECKING:
    from screener.data.yahoo import RetryPolicy


def _short(exc: BaseException) -> str:
    """One short line: drop curl's 'See https://...' tail and nested repeats."""
    text = str(exc).split(" See https://")[0].strip().rstrip(".")
    return (
        text.replace("Yahoo Finance unreachable (", "").rstrip(")")
        if text.startswith("Yahoo Finance unreachable (")
        else text
    )


def _quote_payload(quote: Any, today: date) -> dict[str, Any]:
    """The stored form of a normalised Yahoo quote (market cap in millions of the trading currency)."""
    when = quote.quote_time.date() if quote.quote_time else today
    return {
        "price": quote.price,
        "currency": quote.currency,
        "price_date": when.isoformat(),
        "market_cap": quote.market_cap / 1e6 if quote.market_cap else None,
        "financial_currency": quote.financial_currency,
        "book_value_per_share": quote.book_value_per_share,
        "trailing_eps": quote.trailing_eps,
        "forward_eps": quote.forward_eps,
        "dividend_rate": quote.dividend_rate,
        "dividend_yield": quote.dividend_yield,
        "roe": quote.roe,
        "enterprise_value": quote.enterprise_value,
        "ebitda": quote.ebitda,
    }


@dataclass
class LiveSource(SourceBase):
    """Yahoo quotes and FX, cached in the store for ``ttl_hours``. ``session_factory`` builds the HTTP
    session once, on first use (tests pass a fake-transport session). ``today`` is the caller's clock: the date
    a quote without a quote time is stamped with, and the end of the FX window."""

    session_factory: Callable[[], Any]
    store: Store
    ttl_hours: float
    today: date
    policy: RetryPolicy | None = None
    as_of: date | None = None
    """Fetch FX up to this date (default today)."""
    name: str = "live"
    _notes: list[str] = field(default_factory=list)
    _problems: dict[str, str] = field(default_factory=dict)
    _session: Any = None

    def describe(self) -> str:
        return "live Yahoo Finance"

    def notes(self) -> list[str]:
        return list(self._notes)

    def problems(self) -> dict[str, str]:
        return dict(self._problems)

    def _stored(self, kind: str, key: str) -> Any:
        try:
            return self.store.read_record(kind, key)
        except StoreCorrupt:
            return None  # refetched and overwritten

    def session(self) -> Any:
        if self._session is None:
            import logging

            # yfinance logs through its own logger; the adapter reads those records, the user sees our summary
            logging.getLogger("yfinance").addHandler(logging.NullHandler())
            try:
                self._session = self.session_factory()
            except ScreenerError as exc:  # e.g. the store folder is a file: the chain falls back, and says why
                raise DataUnavailable(str(exc)) from None
        return self._session

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        from screener.data import yahoo

        out: dict[str, Quote] = {}
        cached = 0
        for ticker in tickers:
            record = self._stored("quotes", ticker)
            if (
                record is not None
                and record.source == "live"
                and self.store.is_fresh(record.fetched_at, self.ttl_hours)
            ):
                try:
                    held = self.store.read_quote(ticker, self.name)
                except StoreCorrupt:
                    held = None  # refetched below
                if held is not None:
                    out[ticker] = held
                    cached += 1
                    continue
            try:
                info = yahoo.fetch_info(ticker, self.session(), policy=self.policy)
            except yahoo.YahooUnavailable as exc:
                raise DataUnavailable(f"Yahoo unreachable: {_short(exc)}") from None
            except yahoo.YahooRateLimited as exc:
                raise DataUnavailable(f"Yahoo rate limit persisted after retries: {_short(exc)}") from None
            except yahoo.YahooBadTicker:
                self._problems[ticker] = "not found on Yahoo (HTTP 404 / empty quote)"
                continue
            except yahoo.YahooError as exc:
                self._problems[ticker] = _short(exc)
                continue
            quote = yahoo.normalise_quote(info, {})
            if quote.price is None or not quote.price > 0:
                self._problems[ticker] = "Yahoo returned no price"
                continue
            self.store.write_record("quotes", ticker, _quote_payload(quote, self.today), source="live")
            fresh = self.store.read_quote(ticker, self.name)
            assert fresh is not None
            out[ticker] = fresh
        if cached:
            self._notes.append(
                f"live: {cached} quote(s) served from the store's copy fetched within the "
                f"{self.ttl_hours:g}h TTL (no request)"
            )
        return out

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        from screener.data import yahoo

        wanted = sorted(set(currencies))
        try:
            held = self.store.read_fx_table()
        except StoreCorrupt:
            held = None  # refetched and overwritten
        if held is not None:
            rates, record = held
            fresh = record.source == "live" and self.store.is_fresh(record.fetched_at, self.ttl_hours)
            if fresh and all(c in rates for c in wanted):
                return {c: FxRate(c, rates[c].per_usd, rates[c].rate_date, "Yahoo (stored)") for c in wanted}
        try:
            until = self.as_of or self.today
            closes, _failures = yahoo.fetch_fx(wanted, self.session(), today=until, policy=self.policy)
        except (yahoo.YahooUnavailable, yahoo.YahooRateLimited) as exc:
            raise DataUnavailable(f"Yahoo FX unavailable: {_short(exc)}") from None
        spot = {c: r for c, r in yahoo.spot_fx(closes).items() if r.per_usd > 0}
        table = {
            c: {"per_usd": r.per_usd, "date": r.rate_date.isoformat(), "source": r.source} for c, r in spot.items()
        }
        if "USD" in wanted:
            table["USD"] = {"per_usd": 1.0, "date": self.today.isoformat(), "source": "identity"}
        if table:
            self.store.write_record("fx", "spot", table, source="live")
        if "USD" in wanted:
            spot["USD"] = FxRate("USD", 1.0, self.today, "identity")
        return spot


@dataclass
class RefreshReport:
    """What ``screener fetch`` did."""

    histories_updated: dict[str, int] = field(default_factory=dict)
    requested_ranges: dict[str, tuple[str, str]] = field(default_factory=dict)
    quotes: int = 0
    consensus: int = 0
    up_to_date: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def refresh(
    tickers: Sequence[str],
    currencies: Iterable[str],
    source: LiveSource,
    *,
    today: date,
    history_start: date,
    consensus_for: Iterable[str] = (),
    full: bool = False,
    progress: Callable[[str, int], None] = lambda label, step: None,
) -> RefreshReport:
    """``screener fetch``: incremental histories (one batched download per start date), quotes, consensus, FX.

    A history whose last stored date is today (or later) is not requested; otherwise only the dates after
    the last stored one are. ``progress(label, steps_done)`` is called as work completes.
    """
    from screener.data import yahoo

    store = source.store
    source.as_of = today
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
            closes, failures = yahoo.download_closes(group, start, end, session, policy=source.policy)
        except (yahoo.YahooUnavailable, yahoo.YahooRateLimited) as exc:
            raise DataUnavailable(f"Yahoo unreachable: {_short(exc)}") from None
        import pandas as pd

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
    quotes = source.quotes(list(tickers))
    report.quotes = len(quotes)
    report.problems.update(source.problems())
    progress("quotes", len(tickers))
    for ticker in consensus_for:
        held = source._stored("consensus", ticker)
        if held is not None and store.is_fresh(held.fetched_at, source.ttl_hours) and not full:
            progress(f"consensus {ticker} (fresh)", 1)
            continue
        try:
            raw = yahoo.fetch_consensus(ticker, session, policy=source.policy)
        except yahoo.YahooError as exc:
            report.problems.setdefault(ticker, f"consensus: {exc}")
            continue
        store.write_record("consensus", ticker, raw, source="live")
        report.consensus += 1
        progress(f"consensus {ticker}", 1)
    source.fx_rates(currencies)
    progress("fx", 1)
    return report
