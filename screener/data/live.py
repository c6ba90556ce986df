"""Live Yahoo Finance data through the local store.

:class:`LiveSource` is the ``live`` link of the source chain: a quote fetched within the TTL is served from the
store's copy without any request — and without importing yfinance (the warm path); the others are fetched by a
bounded worker pool (``[live] workers``, one shared rate-limit policy), each written to the store as it arrives.
Histories and FX use Yahoo's batched download (one call for many symbols). yfinance 1.7 has no public
multi-symbol quote or summary call (``Ticker.info`` is one quoteSummary and one v7 quote request per symbol),
hence the pool for quotes and consensus.

Failures: when every request of a run fails at the transport level, Yahoo is unreachable —
:class:`DataUnavailable` (the chain falls back to the store, then the snapshot) and the outage is remembered
(:mod:`screener.data.offline`) so the next commands do not probe again. Once a request has succeeded, a
transport failure marks that name only, as do a bad ticker and an empty quote. ``screener fetch`` is
:func:`screener.data.refresh.refresh`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from screener.data.base import SourceBase
from screener.data.offline import OfflineMemo
from screener.data.pool import Outcome, run_pool
from screener.data.store import Store, StoredRecord
from screener.errors import DataUnavailable, NetworkOff, ScreenerError, StoreCorrupt
from screener.models import FxRate, Quote

if TYPE_CHECKING:
    from screener.data.yahoo import RetryPolicy

Progress = Callable[[str, int], None]
STATEMENTS_LABEL = "Yahoo balance sheets"
ANNUAL_LABEL = "Yahoo annual statements"


def _no_progress(label: str, steps: int) -> None:
    """Progress is optional."""


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
class PoolReport:
    """What one pooled run fetched: quotes read back from the store, consensus sets written, per-name problems."""

    quotes: dict[str, Quote] = field(default_factory=dict)
    consensus: int = 0
    books: dict[str, int] = field(default_factory=dict)
    """Per name: how many book values (reports) were new."""
    years: dict[str, int] = field(default_factory=dict)
    """Per name: how many annual statements (fiscal years) were stored (``statements`` jobs)."""
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveSource(SourceBase):
    """Yahoo quotes and FX, cached in the store for ``ttl_hours``. ``session_factory`` builds the HTTP session
    once, on first use (tests pass a fake-transport session). ``today`` is the caller's clock: the date a quote
    without a quote time is stamped with, and the end of the FX window.

    ``workers``: requests in flight at once. ``refresh``: ignore the TTL and a remembered outage (``--refresh``).
    ``offline``: the reason the network is not to be used (``--offline``), "" when it may be. ``memo``: where a
    failed reachability check is remembered (None: never). ``local`` shows times in the user's zone.
    """

    session_factory: Callable[[], Any]
    store: Store
    ttl_hours: float
    today: date
    policy: RetryPolicy | None = None
    as_of: date | None = None
    """Fetch FX up to this date (default today)."""
    workers: int = 8
    refresh: bool = False
    offline: str = ""
    memo: OfflineMemo | None = None
    local: Callable[[datetime], datetime] = datetime.astimezone
    progress: Progress = _no_progress
    report_lag_days: int = 90
    """A balance sheet counts as published this many days after its period end (``[fiscal] report_lag_days``)."""
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

    # --- the network, politely ------------------------------------------------------------------------------
    def check_network(self) -> None:
        """Before any request: NetworkOff when offline, or when an outage is remembered (unless refreshing)."""
        if self.offline:
            raise NetworkOff(f"Yahoo Finance not asked: {self.offline}")
        if self.memo is not None and not self.refresh:
            outage = self.memo.current()
            if outage is not None:
                raise NetworkOff(outage.message(self.local, self.store.clock()))

    def unreachable(self, reason: str) -> DataUnavailable:
        """Every request failed at the transport level: remember the outage; the error to raise."""
        if self.memo is not None:
            self.memo.remember(reason)
        return DataUnavailable(f"Yahoo unreachable: {reason}")

    def reached(self) -> None:
        """A request succeeded: forget a remembered outage."""
        if self.memo is not None:
            self.memo.forget()

    def session(self) -> Any:
        if self._session is None:
            import logging

            # yfinance logs through its own logger; the adapter reads those records, the user sees our summary
            logging.getLogger("yfinance").addHandler(logging.NullHandler())
            try:
                self._session = self.session_factory()
            except DataUnavailable:
                raise
            except ScreenerError as exc:  # e.g. the store folder is a file: the chain falls back, and says why
                raise DataUnavailable(str(exc)) from None
        return self._session

    # --- quotes ------------------------------------------------------------------------------------------
    def held_quote(self, ticker: str) -> Quote | None:
        """The store's copy of a live quote fetched within the TTL (None: stale, absent, unreadable, refreshing)."""
        if self.refresh:
            return None
        record = self._stored("quotes", ticker)
        if record is None or record.source != "live" or not self.store.is_fresh(record.fetched_at, self.ttl_hours):
            return None
        try:
            return self.store.read_quote(ticker, self.name)
        except StoreCorrupt:
            return None  # refetched

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        out: dict[str, Quote] = {}
        stale: list[str] = []
        for ticker in tickers:
            held = self.held_quote(ticker)
            if held is None:
                stale.append(ticker)
            else:
                out[ticker] = held
        if len(out):
            self._notes.append(
                f"live: {len(out)} quote(s) served from the store's copy fetched within the "
                f"{self.ttl_hours:g}h TTL (no request)"
            )
        if stale:
            self.check_network()
            report = self.fetch_many([("quote", t) for t in stale])
            out.update(report.quotes)
            self._problems.update(report.problems)
        return {t: out[t] for t in tickers if t in out}

    def fetch_many(self, jobs: Sequence[tuple[str, str]]) -> PoolReport:
        """Fetch ``(kind, ticker)`` jobs — kind ``quote``, ``consensus`` (Yahoo), ``bvps`` (Yahoo balance sheets ->
        book values per share, :meth:`_keep`), ``statements`` (Yahoo annual statements -> the statements store)
        or ``consensus_cn`` (A-shares through AKShare: its failures are that name's problem, never a Yahoo outage)
        — with the worker pool; each result is written to the store as it arrives (an interrupted run keeps what
        finished). DataUnavailable when Yahoo cannot be reached at all or keeps rate-limiting after the retries."""
        from screener.data import yahoo

        session = self.session()
        policy = self.policy or yahoo.RetryPolicy()
        report = PoolReport()
        network: dict[str, str] = {}
        succeeded = 0

        def call(job: tuple[str, str]) -> Any:
            kind, ticker = job
            if kind == "consensus_cn":  # A-share consensus through AKShare (#14), not Yahoo
                from screener.data.providers import akshare_consensus

                return akshare_consensus.fetch(ticker, self.today)
            if kind == "quote":
                return yahoo.fetch_info(ticker, session, policy=policy)
            if kind == "bvps":
                from screener.data.yahoo.statements import fetch_balance_sheets

                return fetch_balance_sheets(ticker, session, policy=policy)
            if kind == "statements":
                from screener.data.yahoo.statements import fetch_annual_statements

                return fetch_annual_statements(ticker, session, policy=policy)
            return yahoo.fetch_consensus(ticker, session, policy=policy)

        def handle(outcome: Outcome[tuple[str, str], Any]) -> None:
            nonlocal succeeded
            kind, ticker = outcome.key
            error = outcome.error
            if kind == "consensus_cn":  # AKShare: per-name problems only, never a Yahoo outage
                if error is None:
                    self._keep(kind, ticker, outcome.value, report)
                else:
                    report.problems.setdefault(ticker, f"A-share consensus (AKShare): {_short(error)}")
            elif error is None:
                succeeded += 1
                self._keep(kind, ticker, outcome.value, report)
            elif isinstance(error, yahoo.YahooUnavailable):
                network[ticker] = _short(error)
            elif isinstance(error, yahoo.YahooRateLimited):
                raise DataUnavailable(f"Yahoo rate limit persisted after retries: {_short(error)}") from None
            elif isinstance(error, yahoo.YahooBadTicker):
                report.problems.setdefault(ticker, f"{_label(kind)}not found on Yahoo (HTTP 404 / empty quote)")
            elif isinstance(error, yahoo.YahooError):
                report.problems.setdefault(ticker, f"{_label(kind)}{_short(error)}")
            else:
                raise error
            self.progress(f"{kind} {ticker}", 1)

        not_started = run_pool(jobs, call, handle, workers=self.workers, hold=lambda: bool(network) and not succeeded)
        if network and not succeeded:  # nothing got through: Yahoo is unreachable, not these names
            raise self.unreachable(next(iter(network.values())))
        assert not not_started
        if succeeded:
            self.reached()
        for ticker, reason in network.items():
            report.problems.setdefault(ticker, f"connection failed: {reason}")
        return report

    def _keep(self, kind: str, ticker: str, value: Any, report: PoolReport) -> None:
        """Store one answer (in the calling thread, as it arrives)."""
        from screener.data import yahoo

        if kind == "consensus":
            self.store.write_record("consensus", ticker, value, source="live")
            report.consensus += 1
            return
        if kind == "consensus_cn":
            from screener.data.estimates import write_sets

            write_sets(self.store, ticker, "akshare-ths", [value], replace=None)
            report.consensus += 1
            return
        if kind == "bvps":
            report.books[ticker] = self._keep_book_values(ticker, value)
            return
        if kind == "statements":
            report.years[ticker] = self._keep_statements(ticker, value)
            return
        quote = yahoo.normalise_quote(value, {})
        if quote.price is None or not quote.price > 0:
            report.problems[ticker] = "Yahoo returned no price"
            return
        self.store.write_record("quotes", ticker, _quote_payload(quote, self.today), source="live")
        fresh = self.store.read_quote(ticker, self.name)
        assert fresh is not None
        report.quotes[ticker] = fresh

    def _keep_book_values(self, ticker: str, sheets: Any) -> int:
        """Balance sheets -> book values per share (published ``report_lag_days`` after the period end, in the
        statement currency of the stored quote), merged into the stored ones; how many reports were new."""
        from screener.data.valuation import merge_book_values
        from screener.data.yahoo.normalise import book_values

        quote = self._stored("quotes", ticker)
        currency = quote.payload.get("financial_currency") if quote is not None else None
        found = book_values(sheets, self.report_lag_days, currency or None)
        return merge_book_values(self.store, ticker, "yahoo", found, STATEMENTS_LABEL)[1]

    def _keep_statements(self, ticker: str, raw: Any) -> int:
        """Annual statements -> fiscal years (millions, in the statement currency of the stored quote) written as
        the ``yahoo`` provider of the statements store (replacing its previous years); how many years."""
        from screener.data.statements import write_statements
        from screener.data.yahoo.statements import annual_years

        quote = self._stored("quotes", ticker)
        currency = (quote.payload.get("financial_currency") if quote is not None else None) or None
        years = annual_years(raw, currency)
        if years:
            write_statements(self.store, ticker, "yahoo", years, ANNUAL_LABEL, currency)
        return len(years)

    # --- FX ----------------------------------------------------------------------------------------------
    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        wanted = sorted(set(currencies))
        try:
            held = self.store.read_fx_table()
        except StoreCorrupt:
            held = None  # refetched and overwritten
        if held is not None and not self.refresh:
            rates, record = held
            fresh = record.source == "live" and all(
                c in rates and self.store.is_fresh(_row_time(record, c), self.ttl_hours) for c in wanted
            )
            if fresh:
                return {c: FxRate(c, rates[c].per_usd, rates[c].rate_date, "Yahoo (stored)") for c in wanted}
        if not [c for c in wanted if c != "USD"]:
            return {"USD": FxRate("USD", 1.0, self.today, "identity")} if wanted else {}
        self.check_network()
        from screener.data import yahoo

        try:
            until = self.as_of or self.today
            closes, _failures = yahoo.fetch_fx(wanted, self.session(), today=until, policy=self.policy)
        except yahoo.YahooUnavailable as exc:
            raise self.unreachable(_short(exc)) from None
        except yahoo.YahooRateLimited as exc:
            raise DataUnavailable(f"Yahoo FX unavailable: {_short(exc)}") from None
        self.reached()
        spot = {c: r for c, r in yahoo.spot_fx(closes).items() if r.per_usd > 0}
        now = self.store.clock().isoformat()
        table = {
            c: {"per_usd": r.per_usd, "date": r.rate_date.isoformat(), "source": r.source, "fetched_at": now}
            for c, r in spot.items()
        }
        if "USD" in wanted:
            table["USD"] = {"per_usd": 1.0, "date": self.today.isoformat(), "source": "identity", "fetched_at": now}
        if table:
            with self.store.locked("fx", "spot", ".json"):  # other currencies (another run's) stay, with their times
                try:
                    again = self.store.read_fx_table()
                except StoreCorrupt:
                    again = None  # kept aside by the write
                kept = {}
                if again is not None and again[1].source == "live":
                    when = again[1].fetched_at.isoformat()
                    kept = {c: {"fetched_at": when, **row} for c, row in again[1].payload.items()}
                self.store.write_record("fx", "spot", {**kept, **table}, source="live")
        if "USD" in wanted:
            spot["USD"] = FxRate("USD", 1.0, self.today, "identity")
        return spot


def _row_time(record: StoredRecord, currency: str) -> datetime:
    """When one rate of the spot FX table was fetched (its own time; the record's for tables stored before)."""
    try:
        return datetime.fromisoformat(str(record.payload[currency]["fetched_at"]))
    except (KeyError, TypeError, ValueError):
        return record.fetched_at


def _label(kind: str) -> str:
    return {"consensus": "consensus: ", "bvps": "statements: ", "statements": "annual statements: "}.get(kind, "")
