"""Fetching from Yahoo through yfinance (I/O): one retry/backoff policy for every call.

Fetch functions take the HTTP session as an argument (never a module singleton) and return raw, JSON-friendly
data (frames of closes, Yahoo's ``info`` dict, consensus dicts) so the store can cache exactly what Yahoo said;
:mod:`screener.data.yahoo.normalise` turns it into typed values.

Notes on yfinance 1.7 that shape this module:

* ``yf.download`` never raises for a ticker: a failure is an all-NaN column and the reason goes only to the
  ``yfinance`` logger, usually as "possibly delisted", even when the network is down. We capture the log during
  the call and re-fetch each failed ticker once with ``yf.config.debug.hide_exceptions = False`` so the real
  exception (HTTP 404, connection error, HTTP 429) tells a bad ticker, no data, a rate limit and a network
  failure apart (:mod:`screener.data.yahoo.classify`).
* HTTP 429 surfaces as ``YFRateLimitError`` only when two requests in a row are refused (yfinance retries every
  HTTP error once with the other cookie strategy); yfinance's own ``network.retries`` does not cover it. The
  :class:`RetryPolicy` retries with exponential backoff, then raises ``YahooRateLimited``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screener.data.yahoo.classify import TickerFailure, classify, error_for, parse_download_errors
from screener.data.yahoo.normalise import fx_symbol, normalise_fx
from screener.errors import YahooBadTicker, YahooRateLimited, YahooUnavailable

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]


@dataclass
class RetryPolicy:
    """The one retry/backoff rule for every Yahoo call, shared by all workers of a fetch.

    On HTTP 429 the call waits ``backoff × 2^attempt`` seconds (at most ``cap``) and tries again, at most
    ``max_retries`` times; then the typed error is raised. The pause applies to **every** worker: until it ends,
    any other call waits its turn (one rate limit slows the whole pool, not just the worker that met it).
    ``sleep`` and ``clock`` are injectable (tests).
    """

    max_retries: int = 3
    backoff: float = 2.0
    sleep: Sleep = field(default=time.sleep)
    cap: float = 60.0
    clock: Callable[[], float] = field(default=time.monotonic)
    rate_limits: int = 0
    """How many HTTP 429 answers the calls under this policy met."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _resume_at: float = 0.0
    _waited: threading.local = field(default_factory=threading.local, repr=False)
    """Per thread: the end of the pause this thread has already slept through (its own backoff)."""

    def pause(self, attempt: int) -> float:
        """A 429 was met: every call pauses until ``backoff × 2^attempt`` (capped) from now; the delay."""
        delay = min(self.cap, self.backoff * 2**attempt)
        with self._lock:
            self.rate_limits += 1
            self._resume_at = max(self._resume_at, self.clock() + delay)
            self._waited.until = self._resume_at
        return delay

    def wait_turn(self) -> None:
        """Before a request: wait out a pause that another worker's 429 started."""
        with self._lock:
            remaining = self._resume_at - self.clock()
            slept_through = getattr(self._waited, "until", None) == self._resume_at
        if remaining > 0 and not slept_through:
            self.sleep(remaining)

    def wait_or_raise(self, attempt: int, error: Exception) -> None:
        """Before retry number ``attempt + 1``: sleep (pausing everyone), or raise ``error`` when retries are up."""
        if attempt >= self.max_retries:
            raise error
        self.sleep(self.pause(attempt))

    def call(self, ticker: str, call: Callable[[], Any]) -> Any:
        """Run one yfinance call with errors raised; retry on 429; any other failure is its typed error."""
        attempt = 0
        while True:
            self.wait_turn()
            try:
                with _quiet_pandas(), MODES.raising():
                    return call()
            except Exception as exc:
                failure = classify(exc)
                if failure.kind != "rate_limited":
                    raise error_for(ticker, failure) from None
                self.wait_or_raise(attempt, error_for(ticker, failure))
                attempt += 1


class _Modes:
    """yfinance's ``hide_exceptions`` switch is process-wide: calls that need it off (raise the real error) run
    together, in parallel; a batch ``download`` (needs it on, to collect per-ticker failures) runs alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._mode: bool | None = None
        self._active = 0

    @contextlib.contextmanager
    def _enter(self, raising: bool) -> Iterator[None]:
        import yfinance as yf

        with self._cond:
            while self._active and self._mode != raising:
                self._cond.wait()
            if not self._active:
                yf.config.debug.hide_exceptions = not raising
                self._mode = raising
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    yf.config.debug.hide_exceptions = True
                    self._cond.notify_all()

    def raising(self) -> contextlib.AbstractContextManager[None]:
        """yfinance raises the real exception instead of logging "possibly delisted"."""
        return self._enter(True)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """yfinance's default (failures logged, columns left NaN), for ``download``."""
        return self._enter(False)


MODES = _Modes()


def configure_cache(cache_dir: str | Path) -> None:
    """Keep yfinance's own SQLite caches (ticker timezones, the A3 cookie, ISINs) in ``cache_dir``.

    Call once per process BEFORE the first fetch: yfinance 1.7 silently keeps writing to the
    old location if a cache database is already open.
    """
    import yfinance as yf

    path = Path(cache_dir)
    path.mkdir(parents=True, exist_ok=True)
    yf.set_tz_cache_location(str(path))


def _open_yfinance_caches() -> None:
    """Open yfinance's SQLite caches in this thread before ``download`` starts its threads.

    On a brand-new cache directory the download threads race to create the database and one
    of them can fail a good ticker with ``OperationalError('database is locked')``.
    """
    from yfinance import cache

    with contextlib.suppress(Exception):
        cache.get_tz_cache().lookup("")
        cache.get_cookie_cache().lookup("")


@contextlib.contextmanager
def _quiet_pandas() -> Iterator[None]:
    """Silence the pandas deprecation warnings yfinance 1.7 triggers under pandas 3. Filters are added to the
    process's list (``catch_warnings`` is not thread-safe, and fetches run in a worker pool)."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(yfinance|pandas)(\.|$)")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(yfinance|pandas)(\.|$)")
    yield


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def _capture_yf_log() -> Iterator[_Capture]:
    handler = _Capture()
    logger = logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# --------------------------------------------------------------------------------------
# Fetch: prices
# --------------------------------------------------------------------------------------
_POOL_LOCK = threading.Lock()


def _size_download_pool(threads: bool | int) -> None:
    """``yf.download(threads=N)`` runs its tickers on the ``multitasking`` package's global pool, which is created
    once with one thread per CPU and is not resized by later ``threads=`` values (2 at a time on a 2-core machine,
    whatever N). Make the active pool exactly N threads (``[live] workers``)."""
    if isinstance(threads, bool) or threads < 2:
        return
    import multitasking

    with _POOL_LOCK:
        name = f"screener-{threads}"
        if multitasking.config.get("POOL_NAME") != name or name not in multitasking.config.get("POOLS", {}):
            multitasking.createPool(name=name, threads=threads, engine="thread")


def _batch(
    tickers: list[str], start: Any, end: Any, session: Any, threads: bool | int
) -> tuple[pd.DataFrame, dict[str, str]]:
    import pandas as pd
    import yfinance as yf

    _open_yfinance_caches()
    _size_download_pool(threads)
    with _quiet_pandas(), MODES.batch(), _capture_yf_log() as cap:
        data = yf.download(
            tickers,
            start=start,
            end=end,
            auto_adjust=True,
            progress=False,
            session=session,
            threads=threads,
            multi_level_index=True,
        )
    reasons = parse_download_errors(cap.messages)
    if data is None or data.empty or "Close" not in data.columns.get_level_values(0):
        closes = pd.DataFrame(index=pd.DatetimeIndex([], name="Date"))
    else:
        closes = data["Close"].copy()
    closes.columns = [str(c).upper() for c in closes.columns]
    return closes, reasons


def _refetch(ticker: str, start: Any, end: Any, session: Any) -> tuple[pd.Series | None, TickerFailure | None]:
    """Fetch one ticker again with errors raised: recovers transient failures, or says why."""
    import yfinance as yf

    try:
        with _quiet_pandas(), MODES.raising():
            df = yf.Ticker(ticker, session=session).history(
                start=start, end=end, interval="1d", auto_adjust=True, actions=False
            )
    except Exception as exc:
        log.debug("re-fetch of %s failed", ticker, exc_info=True)
        return None, classify(exc)
    if df is None or df.empty or df["Close"].isna().all():
        return None, TickerFailure("no_data", "no price rows in the requested range")
    series = df["Close"].copy()
    idx = series.index
    if getattr(idx, "tz", None) is not None:
        series.index = idx.tz_localize(None)  # type: ignore[attr-defined]
    return series, None


def download_closes(
    tickers: Iterable[str],
    start: dt.date | str | None,
    end: dt.date | str | None,
    session: Any,
    *,
    threads: bool | int = True,
    policy: RetryPolicy | None = None,
) -> tuple[pd.DataFrame, dict[str, TickerFailure]]:
    """Adjusted daily closes (dates x tickers) from ONE batched ``yf.download`` call.

    ``end`` is exclusive (yfinance's convention). Returns the frame (a column per requested
    ticker, upper-cased, in request order; tz-naive dates, the union of the exchanges'
    calendars) and ``{ticker: TickerFailure}`` for tickers that came back empty, with kind
    ``bad_ticker``, ``no_data``, ``network``, ``rate_limited`` or ``error``.

    Raises ``YahooRateLimited`` if some tickers are still refused with HTTP 429 after
    the policy's backoff rounds, and ``YahooUnavailable`` if every ticker failed because
    Yahoo could not be reached.
    """
    import pandas as pd

    policy = policy or RetryPolicy()
    wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t and t.strip()))
    if not wanted:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="Date")), {}

    columns: dict[str, pd.Series] = {}
    failures: dict[str, TickerFailure] = {}
    pending = wanted
    attempt = 0
    while pending:
        closes, reasons = _batch(pending, start, end, session, threads)
        failed: list[str] = []
        for t in pending:
            col = closes[t] if t in closes.columns else None
            if col is not None and not col.isna().all():
                columns[t] = col
            else:
                failed.append(t)

        rate_limited: list[str] = []
        network_msg: str | None = None
        for t in failed:
            reason = reasons.get(t, "")
            if "YFRateLimitError" in reason or "Too Many Requests" in reason:
                rate_limited.append(t)
                continue
            if network_msg is not None:  # no point probing ticker after ticker once the network is gone
                failures[t] = TickerFailure("network", network_msg)
                continue
            series, failure = _refetch(t, start, end, session)
            if series is not None:
                columns[t] = series
                failures.pop(t, None)
            elif failure is not None and failure.kind == "rate_limited":
                rate_limited.append(t)
            elif failure is not None:
                failures[t] = failure
                if failure.kind == "network":
                    network_msg = failure.message

        if not rate_limited:
            break
        policy.wait_or_raise(
            attempt,
            YahooRateLimited(
                f"Yahoo Finance rate limit (HTTP 429) persisted after {policy.max_retries} retries for "
                f"{', '.join(rate_limited)}"
            ),
        )
        attempt += 1
        pending = rate_limited

    if failures and len(failures) == len(wanted) and all(f.kind == "network" for f in failures.values()):
        raise YahooUnavailable(f"Yahoo Finance unreachable ({next(iter(failures.values())).message})")

    frame = pd.DataFrame(columns) if columns else pd.DataFrame()
    frame = frame.reindex(columns=wanted)
    frame.index = pd.DatetimeIndex(frame.index, name="Date")
    frame = frame.sort_index().astype(float)
    frame.columns.name = None
    return frame, failures


# --------------------------------------------------------------------------------------
# Fetch: info, consensus, FX
# --------------------------------------------------------------------------------------
def fetch_info(
    ticker: str,
    session: Any,
    *,
    policy: RetryPolicy | None = None,
) -> dict[str, Any]:
    """Yahoo's flattened ``Ticker.info`` dict (quoteSummary + v7 quote), as Yahoo sent it.

    Raises ``YahooBadTicker`` (404 or an info dict without any price/currency),
    ``YahooUnavailable`` or ``YahooRateLimited``.
    """
    import yfinance as yf

    sym = ticker.strip().upper()
    info = (policy or RetryPolicy()).call(sym, lambda: dict(yf.Ticker(sym, session=session).info))
    if not any(info.get(k) is not None for k in ("currency", "regularMarketPrice", "currentPrice", "quoteType")):
        raise YahooBadTicker(f"{sym}: unknown to Yahoo Finance (empty quote)")
    return info


def _frame_to_rows(df: Any) -> dict[str, dict[str, Any]]:
    if df is None or getattr(df, "empty", True):
        return {}
    rows: dict[str, dict[str, Any]] = {}
    for period, row in df.to_dict(orient="index").items():
        rows[str(period)] = {
            str(k): (None if isinstance(v, float) and math.isnan(v) else _plain(v)) for k, v in row.items()
        }
    return rows


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, so the raw dicts are JSON-serialisable."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def fetch_consensus(
    ticker: str,
    session: Any,
    *,
    policy: RetryPolicy | None = None,
) -> dict[str, Any]:
    """Raw analyst consensus: ``{"ticker", "earnings_estimate": {period: {col: value}},
    "analyst_price_targets": {...}}`` (two quoteSummary requests: earningsTrend, financialData).

    ``earnings_estimate`` rows are ``0q, +1q, 0y, +1y`` with ``avg, low, high, yearAgoEps,
    numberOfAnalysts, growth, currency``; price targets are ``current, high, low, mean, median``
    in the trading currency.
    """
    import yfinance as yf

    sym = ticker.strip().upper()

    def call() -> dict[str, Any]:
        t = yf.Ticker(sym, session=session)
        estimates = _frame_to_rows(t.earnings_estimate)
        targets = {str(k): _plain(v) for k, v in (t.analyst_price_targets or {}).items()}
        return {"ticker": sym, "earnings_estimate": estimates, "analyst_price_targets": targets}

    return dict((policy or RetryPolicy()).call(sym, call))


def fetch_fx(
    currencies: Iterable[str],
    session: Any,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    today: dt.date | None = None,
    policy: RetryPolicy | None = None,
) -> tuple[pd.DataFrame, dict[str, TickerFailure]]:
    """Daily FX rates as UNITS OF CURRENCY PER 1 USD (dates x currency codes).

    The USD column is 1.0 on the other currencies' dates (no rows if only USD is asked for).

    Fetches ``{CCY}=X`` for each non-USD currency in one batch (default window: the last 14
    days before ``today``, enough for :func:`spot_fx`). Failures are keyed by currency code.
    """
    import pandas as pd

    codes = list(dict.fromkeys(c.strip().upper() for c in currencies if c and c.strip()))
    if start is None:
        if today is None:
            raise ValueError("fetch_fx needs start or today (the caller's clock)")
        start = today - dt.timedelta(days=14)
        end = end or today + dt.timedelta(days=1)
    foreign = [c for c in codes if c != "USD"]
    if foreign:
        closes, failed = download_closes([fx_symbol(c) for c in foreign], start, end, session, policy=policy)
    else:
        closes, failed = pd.DataFrame(), {}
    rates = normalise_fx(closes)
    if "USD" in codes:
        rates["USD"] = 1.0
    rates = rates.reindex(columns=codes)
    failures = {sym.removesuffix("=X"): f for sym, f in failed.items()}
    return rates, failures
