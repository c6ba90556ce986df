"""yfinance adapter: fetching (I/O) kept apart from normalising (pure).

Fetch functions take the HTTP session as an argument (never a module singleton) and return
raw, JSON-friendly data (frames of closes, Yahoo's ``info`` dict, consensus dicts) so the
store can cache exactly what Yahoo said. Normalise functions are pure and turn that raw data
into typed values with one currency convention.

Notes on yfinance 1.7 that shape this module (see the project notes for the full list):

* ``yf.download`` never raises for a ticker: a failure is an all-NaN column and the reason
  goes only to the ``yfinance`` logger, usually as "possibly delisted", even when the network
  is down. We capture the log during the call and re-fetch each failed ticker once with
  ``yf.config.debug.hide_exceptions = False`` so the real exception (HTTP 404, connection
  error, HTTP 429) tells a bad ticker, no data, a rate limit and a network failure apart.
* HTTP 429 surfaces as ``YFRateLimitError`` only when two requests in a row are refused
  (yfinance retries every HTTP error once with the other cookie strategy); yfinance's own
  ``network.retries`` does not cover it. We retry with exponential backoff, then raise.
* ``info["dividendYield"]`` is in percent points (0.45 means 0.45 %); ``priceToBook`` divides
  a trading-currency price by a financial-currency book value (yfinance #2593).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import logging
import math
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FailureKind",
    "FxRate",
    "TickerFailure",
    "YahooBadTicker",
    "YahooConsensus",
    "YahooError",
    "YahooQuote",
    "YahooRateLimited",
    "YahooUnavailable",
    "classify",
    "configure_cache",
    "download_closes",
    "fetch_consensus",
    "fetch_fx",
    "fetch_info",
    "fx_symbol",
    "new_session",
    "normalise_consensus",
    "normalise_fx",
    "normalise_quote",
    "spot_fx",
]

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
FailureKind = Literal["network", "bad_ticker", "rate_limited", "no_data", "error"]

DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF = 2.0  # seconds; doubled after each rate-limited attempt


# --------------------------------------------------------------------------------------
# Errors (to be re-parented onto the package's error hierarchy)
# --------------------------------------------------------------------------------------
class YahooError(Exception):
    """Base class for Yahoo Finance failures."""


class YahooUnavailable(YahooError):
    """Yahoo could not be reached (no network, DNS failure, timeout)."""


class YahooRateLimited(YahooError):
    """Yahoo kept answering HTTP 429 after the bounded retries."""


class YahooBadTicker(YahooError):
    """Yahoo does not know the symbol (HTTP 404 / no timezone / empty quote)."""


@dataclass(frozen=True)
class TickerFailure:
    """Why one ticker of a batch came back without data."""

    kind: FailureKind
    message: str


# --------------------------------------------------------------------------------------
# Plumbing shared by the fetch functions
# --------------------------------------------------------------------------------------
_CONFIG_LOCK = threading.RLock()
_SYMS_LINE = re.compile(r"^\[(?P<syms>[^\]]*)\]: (?P<reason>.*)$", re.DOTALL)


def new_session() -> Any:
    """The session yfinance itself would create: curl_cffi with Chrome impersonation, or plain
    ``requests`` (with browser headers) when curl_cffi is missing or ``YF_DISABLE_CURL_CFFI`` is set.

    The session type must match yfinance's backend, because yfinance catches the backend's
    exception classes. Create one per command and pass it to every fetch function (yfinance
    keeps a process-wide session and replaces it whenever a call passes a different one).
    """
    from yfinance import _http

    return _http.new_session()


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
    """Silence the pandas deprecation warnings yfinance 1.7 triggers under pandas 3."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


@contextlib.contextmanager
def _raise_errors() -> Iterator[None]:
    """Make yfinance raise the real exception instead of logging "possibly delisted"."""
    import yfinance as yf

    with _CONFIG_LOCK:
        previous = yf.config.debug.hide_exceptions
        yf.config.debug.hide_exceptions = False
        try:
            yield
        finally:
            yf.config.debug.hide_exceptions = previous


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


def _parse_download_errors(messages: Iterable[str]) -> dict[str, str]:
    """``download()``'s summary lines look like ``['AAA', 'BBB']: possibly delisted; ...``."""
    out: dict[str, str] = {}
    for msg in messages:
        m = _SYMS_LINE.match(msg.strip())
        if not m:
            continue
        try:
            syms = ast.literal_eval(f"[{m['syms']}]")
        except (ValueError, SyntaxError):
            continue
        for sym in syms:
            if isinstance(sym, str):
                out[sym.upper()] = m["reason"].strip()
    return out


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend([e.__cause__, e.__context__])


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    # curl_cffi attaches a response with status 0 to transport errors (DNS, connect): not an HTTP status
    return status if isinstance(status, int) and status > 0 else None


def _is_network_error(exc: BaseException) -> bool:
    names = {
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "Timeout",
        "DNSError",
        "ProxyError",
        "SSLError",
        "ChunkedEncodingError",
        "RemoteDisconnected",
        "TimeoutError",
    }
    for e in _chain(exc):
        if _http_status(e) is not None:
            continue
        if type(e).__name__ in names or isinstance(e, (ConnectionError, TimeoutError)):
            return True
        if isinstance(e, OSError) and type(e).__module__.split(".")[0] in {"requests", "curl_cffi", "urllib3"}:
            return True
    return False


def _one_line(exc: BaseException) -> str:
    status = next((s for e in _chain(exc) if (s := _http_status(e)) is not None), None)
    if status is not None:
        return f"HTTP {status} from Yahoo Finance"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def classify(exc: BaseException) -> TickerFailure:
    """Map an exception raised by yfinance (with ``hide_exceptions=False``) to a failure kind."""
    from yfinance import exceptions as yfe

    if isinstance(exc, yfe.YFRateLimitError) or any(_http_status(e) == 429 for e in _chain(exc)):
        return TickerFailure("rate_limited", _one_line(exc))
    if _is_network_error(exc):
        network = next((e for e in _chain(exc) if _is_network_error(e) and e.__context__ is None), exc)
        return TickerFailure("network", _one_line(network))
    if isinstance(exc, yfe.YFTzMissingError) or any(_http_status(e) == 404 for e in _chain(exc)):
        return TickerFailure("bad_ticker", _one_line(exc))
    if isinstance(exc, yfe.YFPricesMissingError):
        kind: FailureKind = "bad_ticker" if exc.yahoo_reason else "no_data"
        return TickerFailure(kind, _one_line(exc))
    if isinstance(exc, yfe.YFTickerMissingError):
        return TickerFailure("bad_ticker", _one_line(exc))
    return TickerFailure("error", _one_line(exc))


def _raise_for(ticker: str, failure: TickerFailure) -> None:
    if failure.kind == "network":
        raise YahooUnavailable(f"Yahoo Finance unreachable ({failure.message})")
    if failure.kind == "rate_limited":
        raise YahooRateLimited(f"{ticker}: Yahoo Finance rate limit (HTTP 429) persisted after retries")
    if failure.kind in ("bad_ticker", "no_data"):
        raise YahooBadTicker(f"{ticker}: unknown to Yahoo Finance ({failure.message})")
    raise YahooError(f"{ticker}: {failure.message}")


def _with_retries(ticker: str, call: Callable[[], Any], *, sleep: Sleep, max_retries: int, backoff: float) -> Any:
    """Run ``call``; on HTTP 429 sleep ``backoff * 2**i`` and retry, at most ``max_retries`` times."""
    attempt = 0
    while True:
        try:
            with _quiet_pandas(), _raise_errors():
                return call()
        except Exception as exc:
            failure = classify(exc)
            if failure.kind == "rate_limited" and attempt < max_retries:
                sleep(backoff * 2**attempt)
                attempt += 1
                continue
            _raise_for(ticker, failure)
            raise  # pragma: no cover - _raise_for always raises


# --------------------------------------------------------------------------------------
# Fetch: prices
# --------------------------------------------------------------------------------------
def _batch(
    tickers: list[str], start: Any, end: Any, session: Any, threads: bool | int
) -> tuple[pd.DataFrame, dict[str, str]]:
    import pandas as pd
    import yfinance as yf

    _open_yfinance_caches()
    with _quiet_pandas(), _capture_yf_log() as cap:
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
    reasons = _parse_download_errors(cap.messages)
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
        with _quiet_pandas(), _raise_errors():
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
    sleep: Sleep = time.sleep,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
) -> tuple[pd.DataFrame, dict[str, TickerFailure]]:
    """Adjusted daily closes (dates x tickers) from ONE batched ``yf.download`` call.

    ``end`` is exclusive (yfinance's convention). Returns the frame (a column per requested
    ticker, upper-cased, in request order; tz-naive dates, the union of the exchanges'
    calendars) and ``{ticker: TickerFailure}`` for tickers that came back empty, with kind
    ``bad_ticker``, ``no_data``, ``network``, ``rate_limited`` or ``error``.

    Raises ``YahooRateLimited`` if some tickers are still refused with HTTP 429 after
    ``max_retries`` backoff rounds, and ``YahooUnavailable`` if every ticker failed because
    Yahoo could not be reached.
    """
    import pandas as pd

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
        if attempt >= max_retries:
            raise YahooRateLimited(
                f"Yahoo Finance rate limit (HTTP 429) persisted after {max_retries} retries for "
                f"{', '.join(rate_limited)}"
            )
        sleep(backoff * 2**attempt)
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
    sleep: Sleep = time.sleep,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
) -> dict[str, Any]:
    """Yahoo's flattened ``Ticker.info`` dict (quoteSummary + v7 quote), as Yahoo sent it.

    Raises ``YahooBadTicker`` (404 or an info dict without any price/currency),
    ``YahooUnavailable`` or ``YahooRateLimited``.
    """
    import yfinance as yf

    sym = ticker.strip().upper()
    info = _with_retries(
        sym, lambda: dict(yf.Ticker(sym, session=session).info), sleep=sleep, max_retries=max_retries, backoff=backoff
    )
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
    sleep: Sleep = time.sleep,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
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

    return dict(_with_retries(sym, call, sleep=sleep, max_retries=max_retries, backoff=backoff))


def fx_symbol(currency: str) -> str:
    """Yahoo symbol quoting ``currency`` per 1 USD: ``CNY`` -> ``CNY=X`` (7.1 = 7.1 CNY per USD)."""
    return f"{currency.strip().upper()}=X"


def fetch_fx(
    currencies: Iterable[str],
    session: Any,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    today: dt.date | None = None,
    sleep: Sleep = time.sleep,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
) -> tuple[pd.DataFrame, dict[str, TickerFailure]]:
    """Daily FX rates as UNITS OF CURRENCY PER 1 USD (dates x currency codes).

    The USD column is 1.0 on the other currencies' dates (no rows if only USD is asked for).

    Fetches ``{CCY}=X`` for each non-USD currency in one batch (default window: the last 14
    days before ``today``, enough for :func:`spot_fx`). Failures are keyed by currency code.
    """
    import pandas as pd

    codes = list(dict.fromkeys(c.strip().upper() for c in currencies if c and c.strip()))
    if start is None:
        today = today or dt.date.today()
        start = today - dt.timedelta(days=14)
        end = end or today + dt.timedelta(days=1)
    foreign = [c for c in codes if c != "USD"]
    if foreign:
        closes, failed = download_closes(
            [fx_symbol(c) for c in foreign], start, end, session, sleep=sleep, max_retries=max_retries, backoff=backoff
        )
    else:
        closes, failed = pd.DataFrame(), {}
    rates = normalise_fx(closes)
    if "USD" in codes:
        rates["USD"] = 1.0
    rates = rates.reindex(columns=codes)
    failures = {sym.removesuffix("=X"): f for sym, f in failed.items()}
    return rates, failures


# --------------------------------------------------------------------------------------
# Normalise (pure)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class YahooQuote:
    """One stock's quote and fundamentals, each field in ONE stated currency.

    ``price``, ``market_cap``, ``book_value_per_share_trading`` and ``dividend_rate`` are in
    ``currency`` (trading); ``book_value_per_share`` is in ``financial_currency`` (as Yahoo
    reports it); ``market_cap_usd`` uses the FX rates passed to :func:`normalise_quote`;
    ``price_to_book`` divides two trading-currency numbers. ``trailing_eps``, ``forward_eps``,
    ``enterprise_value`` and ``ebitda`` are passed through as Yahoo reports them: Yahoo does
    not label their currency, so for H-shares/ADRs (currency != financial_currency) check
    before mixing them with the price. Yields and ROE are fractions (0.012 = 1.2 %).
    """

    ticker: str
    price: float | None
    currency: str | None
    financial_currency: str | None
    market_cap: float | None
    market_cap_usd: float | None
    book_value_per_share: float | None
    book_value_per_share_trading: float | None
    price_to_book: float | None
    trailing_eps: float | None
    forward_eps: float | None
    dividend_rate: float | None
    dividend_yield: float | None
    roe: float | None
    enterprise_value: float | None
    ebitda: float | None
    quote_time: dt.datetime | None


def _num(value: Any) -> float | None:
    """A finite float, or None. Accepts Yahoo's ``{"raw": x, "fmt": "..."}`` wrappers."""
    if isinstance(value, Mapping):
        value = value.get("raw")
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _ccy(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


# Yahoo quotes some exchanges in minor units: GBp (pence) = GBP / 100, etc.
_MINOR_UNITS = {"GBp": ("GBP", 100.0), "GBX": ("GBP", 100.0), "ZAc": ("ZAR", 100.0), "ILA": ("ILS", 100.0)}


def _per_usd(currency: str, fx_per_usd: Mapping[str, float]) -> float | None:
    """Units of ``currency`` per 1 USD (case matters for minor units: GBp is not GBP)."""
    major, factor = _MINOR_UNITS.get(currency, (currency.upper(), 1.0))
    if major == "USD":
        return factor
    rate = _num(fx_per_usd.get(major))
    if rate is None:
        rate = next((_num(v) for k, v in fx_per_usd.items() if k.upper() == major), None)
    return rate * factor if rate is not None and rate > 0 else None


def _convert(
    amount: float | None, from_ccy: str | None, to_ccy: str | None, fx_per_usd: Mapping[str, float]
) -> float | None:
    """Convert with rates quoted as units of currency per 1 USD; None if a rate is missing."""
    if amount is None or from_ccy is None or to_ccy is None:
        return None
    if from_ccy == to_ccy:
        return amount
    src, dst = _per_usd(from_ccy, fx_per_usd), _per_usd(to_ccy, fx_per_usd)
    if src is None or dst is None:
        return None
    return amount / src * dst


def _quote_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    seconds = _num(value)
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _dividend_yield(info: Mapping[str, Any], price: float | None) -> float | None:
    """Forward dividend yield as a FRACTION.

    Yahoo's ``dividendYield`` is in PERCENT POINTS (0.45 = 0.45 %), unlike its other yields
    (``trailingAnnualDividendYield`` is a fraction): divide by 100. Without it, fall back to
    ``dividendRate / price``.
    """
    pct = _num(info.get("dividendYield"))
    if pct is not None:
        return pct / 100.0
    rate = _num(info.get("dividendRate"))
    return rate / price if rate is not None and price else None


def normalise_quote(info: Mapping[str, Any], fx_per_usd: Mapping[str, float]) -> YahooQuote:
    """Yahoo's ``info`` dict -> :class:`YahooQuote`. Missing keys give None, never KeyError.

    ``fx_per_usd`` maps currency -> units per 1 USD (``{"CNY": 7.1, "HKD": 7.8}``). P/B is
    recomputed in the trading currency: ``price / (bookValue converted from
    financialCurrency)``; Yahoo's own ``priceToBook`` is ignored because it mixes currencies
    for H-shares and ADRs (yfinance #2593).
    """
    ticker = str(info.get("symbol") or "").upper()
    price = _num(info.get("currentPrice"))
    if price is None:
        price = _num(info.get("regularMarketPrice"))
    currency = _ccy(info.get("currency"))
    fin_ccy = _ccy(info.get("financialCurrency")) or currency
    market_cap = _num(info.get("marketCap"))
    bvps = _num(info.get("bookValue"))
    bvps_trading = _convert(bvps, fin_ccy, currency, fx_per_usd)
    pb = price / bvps_trading if price is not None and bvps_trading else None
    return YahooQuote(
        ticker=ticker,
        price=price,
        currency=currency,
        financial_currency=fin_ccy,
        market_cap=market_cap,
        market_cap_usd=_convert(market_cap, currency, "USD", fx_per_usd),
        book_value_per_share=bvps,
        book_value_per_share_trading=bvps_trading,
        price_to_book=pb,
        trailing_eps=_num(info.get("trailingEps")),
        forward_eps=_num(info.get("forwardEps")),
        dividend_rate=_num(info.get("dividendRate")),
        dividend_yield=_dividend_yield(info, price),
        roe=_num(info.get("returnOnEquity")),
        enterprise_value=_num(info.get("enterpriseValue")),
        ebitda=_num(info.get("ebitda")),
        quote_time=_quote_time(info.get("regularMarketTime")),
    )


@dataclass(frozen=True)
class YahooConsensus:
    """Analyst consensus: EPS for FY1 (``0y``) and FY2 (``+1y``) and the 12-month target.

    EPS figures are in ``eps_currency`` (Yahoo's ``earningsCurrency``, which can differ from
    the trading currency); targets are in the trading currency.
    """

    ticker: str
    eps_currency: str | None
    eps_fy1: float | None
    eps_fy2: float | None
    eps_fy1_analysts: int | None
    eps_fy2_analysts: int | None
    target_mean: float | None
    target_median: float | None
    target_high: float | None
    target_low: float | None
    current_price: float | None


def normalise_consensus(raw: Mapping[str, Any]) -> YahooConsensus:
    """The dict from :func:`fetch_consensus` -> :class:`YahooConsensus` (missing -> None)."""
    est = raw.get("earnings_estimate") or {}
    fy1, fy2 = est.get("0y") or {}, est.get("+1y") or {}
    targets = raw.get("analyst_price_targets") or {}
    currency = _ccy(fy1.get("currency")) or _ccy(fy2.get("currency"))

    def count(row: Mapping[str, Any]) -> int | None:
        n = _num(row.get("numberOfAnalysts"))
        return int(n) if n is not None else None

    return YahooConsensus(
        ticker=str(raw.get("ticker") or "").upper(),
        eps_currency=currency,
        eps_fy1=_num(fy1.get("avg")),
        eps_fy2=_num(fy2.get("avg")),
        eps_fy1_analysts=count(fy1),
        eps_fy2_analysts=count(fy2),
        target_mean=_num(targets.get("mean")),
        target_median=_num(targets.get("median")),
        target_high=_num(targets.get("high")),
        target_low=_num(targets.get("low")),
        current_price=_num(targets.get("current")),
    )


_FX_DIRECT = re.compile(r"^(?:USD)?(?P<ccy>[A-Z]{3})=X$")  # CNY=X, USDCNY=X: CCY per 1 USD
_FX_INVERSE = re.compile(r"^(?P<ccy>[A-Z]{3})USD=X$")  # CNYUSD=X: USD per 1 CCY


def normalise_fx(closes: pd.DataFrame) -> pd.DataFrame:
    """Yahoo FX closes (columns are Yahoo symbols) -> units of currency per 1 USD.

    ``CNY=X`` and ``USDCNY=X`` quote CNY per USD and are kept; ``CNYUSD=X`` quotes USD per CNY
    and is inverted. Columns become currency codes; unknown symbols are dropped.
    Non-positive values become NaN.
    """
    import pandas as pd

    out: dict[str, pd.Series] = {}
    for col in closes.columns:
        sym = str(col).upper()
        series = pd.to_numeric(closes[col], errors="coerce").astype(float)
        series = series.where(series > 0)
        if (m := _FX_INVERSE.match(sym)) and m["ccy"] != "USD":
            out[m["ccy"]] = 1.0 / series
        elif m := _FX_DIRECT.match(sym):
            out[m["ccy"]] = series
    frame = pd.DataFrame(out, index=closes.index)
    frame.index.name = "Date"
    return frame


@dataclass(frozen=True)
class FxRate:
    """``per_usd`` units of ``currency`` buy 1 USD, as of ``as_of`` (the last close on/before)."""

    currency: str
    per_usd: float
    as_of: dt.date


def spot_fx(rates: pd.DataFrame, as_of: dt.date | None = None) -> dict[str, FxRate]:
    """The last valid rate per currency on or before ``as_of`` from :func:`normalise_fx` output."""
    import pandas as pd

    out: dict[str, FxRate] = {}
    frame = rates if as_of is None else rates.loc[rates.index <= pd.Timestamp(as_of)]
    for col in frame.columns:
        series = frame[col].dropna()
        if series.empty:
            continue
        when = pd.Timestamp(series.index[-1]).date()
        out[str(col)] = FxRate(str(col), float(series.iloc[-1]), when)
    return out
