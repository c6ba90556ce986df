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

import datetime as dt
import logging
import math
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from screener.data.yahoo.classify import TickerFailure, classify, parse_download_errors
from screener.data.yahoo.normalise import fx_symbol, normalise_fx
from screener.data.yahoo.policy import (
    MODES,
    RetryPolicy,
    _capture_yf_log,
    _open_yfinance_caches,
    _quiet_pandas,
)
from screener.errors import YahooBadTicker, YahooRateLimited, YahooUnavailable

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

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
