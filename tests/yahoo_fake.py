"""A fake Yahoo Finance server for tests: a ``requests`` transport adapter, no sockets.

yfinance 1.7 accepts a plain ``requests.Session``; mounting :class:`FakeYahoo` on it for
``https://`` and ``http://`` makes every request yfinance sends land here, so tests drive
yfinance's *real* parsing code (``download``, ``history``, ``info``, ``earnings_estimate``,
``analyst_price_targets``) without touching the network.

Routes served (checked against yfinance 1.7's source, ``data.py``, ``base.py``,
``scrapers/history.py``, ``scrapers/quote.py``, ``scrapers/analysis.py``):

====================  ===========================================================  ==========
route (``counts``)    URL                                                          answer
====================  ===========================================================  ==========
``cookie``            ``GET https://fc.yahoo.com``                                 404 + ``Set-Cookie: A3``
``consent``           ``GET guce.yahoo.com/consent``, ``POST consent.yahoo.com/    a consent form / 200
                      v2/collectConsent``, ``GET guce.yahoo.com/copyConsent``
``crumb``             ``GET query1|query2 /v1/test/getcrumb``                      crumb text
``chart``             ``GET /v8/finance/chart/{symbol}``                           chart JSON
``quoteSummary``      ``GET /v10/finance/quoteSummary/{symbol}?modules=...``       only the modules asked for
``quote``             ``GET /v7/finance/quote?symbols=...``                        quoteResponse JSON
``timeseries``        ``GET /ws/fundamentals-timeseries/v1/finance/timeseries/..`` empty result (``.info``
                                                                                   asks for trailingPegRatio)
``unknown``           anything else                                                404 (tests assert none)
====================  ===========================================================  ==========

Failure modes, per symbol: :meth:`FakeYahoo.not_found` (HTTP 404, a bad ticker),
:meth:`FakeYahoo.rate_limit` (HTTP 429 for the next N requests about the symbol, then normal),
:meth:`FakeYahoo.disconnect` (``requests.ConnectionError``); and globally
``fake.network_down = True`` (every request, including cookie and crumb, raises
``requests.ConnectionError``). Every request is logged in :attr:`FakeYahoo.requests_log`.

Why ``YF_DISABLE_CURL_CFFI=1``: yfinance picks an HTTP *backend* at import time (curl_cffi
when installed) and catches that backend's exception classes (``_http.HTTPError``,
``requests.exceptions.DNSError``). The fake runs inside a plain ``requests.Session``, which
raises ``requests`` exceptions; with the curl_cffi backend those slip past yfinance's
``except HTTPError`` clauses (e.g. a 404 from quoteSummary escapes ``.info`` instead of
being logged). Setting the variable before yfinance is first imported makes the backend match
the session, which is the combination that exists in production. It is set with
``setdefault`` here, so importing this module first is enough; the adapter under test is
written to behave the same under either backend.

Test isolation: yfinance keeps process-wide state (the ``YfData`` singleton holding the
session and crumb, an LRU cache of past-range chart responses, SQLite tz/cookie/ISIN caches,
and a global counter of timezone fallbacks to ``.info``). :func:`isolate_yfinance` resets all
of it and points the SQLite caches at a temporary directory, so tests never touch the user's
cache dir and each test starts cold.
"""

from __future__ import annotations

import datetime as dt
import email.message
import json
import math
import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

CRUMB = "FakeCrumb123"

# Exchange timezone -> (timezone abbreviation, exchange name, open hour, open minute)
_TZ_INFO = {
    "America/New_York": ("EST", "NYQ", 9, 30),
    "Asia/Shanghai": ("CST", "SHH", 9, 30),
    "Asia/Hong_Kong": ("HKT", "HKG", 9, 30),
    "Australia/Sydney": ("AEDT", "ASX", 10, 0),
    "Asia/Tokyo": ("JST", "JPX", 9, 0),
    "Europe/London": ("GMT", "CCY", 0, 0),
}
_VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
_RANGE_DAYS = {"1d": 1, "5d": 5, "1mo": 31, "3mo": 92, "6mo": 183, "1y": 366, "2y": 731, "5y": 1827, "10y": 3653}


@dataclass
class FakeSymbol:
    """One instrument: daily bars and quoteSummary/quote fields."""

    symbol: str
    bars: dict[dt.date, float]  # date -> close (adjclose unless adj_factor given)
    currency: str = "USD"
    timezone: str = "America/New_York"
    instrument_type: str = "EQUITY"
    adj_factor: float = 1.0  # adjclose = close * adj_factor (a crude dividend adjustment)
    info: dict[str, Any] = field(default_factory=dict)  # flat Yahoo field -> value
    earnings_trend: list[dict[str, Any]] = field(default_factory=list)  # earningsTrend.trend


@dataclass
class LoggedRequest:
    method: str
    url: str
    route: str
    symbol: str | None
    params: dict[str, str]
    status: int | None  # None when the fake raised instead of answering


# Which quoteSummary module each flat ``info`` field lives in (as Yahoo serves it).
_MODULE_FIELDS: dict[str, tuple[str, ...]] = {
    "price": (
        "regularMarketPrice",
        "regularMarketTime",
        "currency",
        "marketCap",
        "exchangeName",
        "quoteType",
        "shortName",
        "longName",
    ),
    "summaryDetail": (
        "previousClose",
        "dividendRate",
        "dividendYield",
        "trailingAnnualDividendRate",
        "trailingAnnualDividendYield",
        "trailingPE",
        "forwardPE",
        "marketCap",
        "currency",
        "priceToSalesTrailing12Months",
        "beta",
        "fiftyTwoWeekHigh",
        "fiftyTwoWeekLow",
    ),
    "defaultKeyStatistics": (
        "enterpriseValue",
        "bookValue",
        "priceToBook",
        "trailingEps",
        "forwardEps",
        "sharesOutstanding",
        "enterpriseToEbitda",
        "enterpriseToRevenue",
        "mostRecentQuarter",
    ),
    "financialData": (
        "currentPrice",
        "targetHighPrice",
        "targetLowPrice",
        "targetMeanPrice",
        "targetMedianPrice",
        "numberOfAnalystOpinions",
        "recommendationKey",
        "ebitda",
        "totalDebt",
        "totalCash",
        "returnOnEquity",
        "financialCurrency",
        "totalRevenue",
    ),
    "quoteType": ("exchange", "quoteType", "symbol", "shortName", "longName", "timeZoneFullName", "timeZoneShortName"),
    "assetProfile": ("country", "industry", "sector", "fullTimeEmployees", "longBusinessSummary"),
}
# Fields the v7 quote endpoint carries.
_QUOTE_FIELDS = (
    "currency",
    "regularMarketPrice",
    "regularMarketTime",
    "marketCap",
    "exchange",
    "exchangeTimezoneName",
    "fullExchangeName",
    "quoteType",
    "shortName",
    "longName",
    "bookValue",
    "priceToBook",
    "trailingPE",
    "forwardPE",
    "epsTrailingTwelveMonths",
    "epsForward",
    "financialCurrency",
    "trailingAnnualDividendRate",
    "trailingAnnualDividendYield",
    "dividendYield",
    "sharesOutstanding",
)


def _fmt(value: Any) -> Any:
    """Yahoo's ``{"raw": x, "fmt": "..."}`` wrapper for a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return {"raw": value, "fmt": f"{value:.2f}"}


def _json_response(
    request: requests.PreparedRequest, status: int, payload: Any, content_type: str = "application/json;charset=utf-8"
) -> requests.Response:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    resp = requests.Response()
    resp.status_code = status
    resp._content = body.encode("utf-8")
    resp.headers = CaseInsensitiveDict({"Content-Type": content_type})
    resp.url = request.url or ""
    resp.request = request
    resp.encoding = "utf-8"
    resp.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
    return resp


class FakeYahoo(BaseAdapter):
    """A transport adapter that answers yfinance's Yahoo routes from in-memory fixtures."""

    def __init__(self, symbols: Iterable[FakeSymbol] = (), now: dt.datetime | None = None) -> None:
        super().__init__()
        self.symbols: dict[str, FakeSymbol] = {s.symbol.upper(): s for s in symbols}
        self.now = now or dt.datetime.now(dt.UTC)
        self.network_down = False
        self._not_found: set[str] = set()
        self._disconnected: set[str] = set()
        self._rate_limits: dict[str, int | None] = {}
        self.requests_log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    # --- configuration -------------------------------------------------------------------
    def add(self, sym: FakeSymbol) -> FakeSymbol:
        self.symbols[sym.symbol.upper()] = sym
        return sym

    def not_found(self, symbol: str) -> None:
        """Answer 404 for every request about ``symbol`` (a bad or delisted ticker)."""
        self._not_found.add(symbol.upper())

    def rate_limit(self, symbol: str, times: int | None = None) -> None:
        """Answer HTTP 429 to the next ``times`` requests about ``symbol`` (None: forever)."""
        self._rate_limits[symbol.upper()] = times

    def disconnect(self, symbol: str) -> None:
        """Raise ``requests.ConnectionError`` for requests about ``symbol``."""
        self._disconnected.add(symbol.upper())

    # --- inspection ----------------------------------------------------------------------
    @property
    def counts(self) -> Counter[str]:
        """Number of requests per route name (see the module docstring)."""
        with self._lock:
            return Counter(r.route for r in self.requests_log)

    def calls(self, route: str, symbol: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests_log if r.route == route and (symbol is None or r.symbol == symbol.upper())]

    def chart_ranges(self, symbol: str) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
        """The (period1, period2) windows requested from the chart route for ``symbol`` (UTC)."""
        out = []
        for r in self.calls("chart", symbol):
            p1, p2 = r.params.get("period1"), r.params.get("period2")
            out.append(
                (
                    dt.datetime.fromtimestamp(int(p1), dt.UTC) if p1 else None,
                    dt.datetime.fromtimestamp(int(p2), dt.UTC) if p2 else None,
                )
            )
        return out

    def reset_log(self) -> None:
        with self._lock:
            self.requests_log.clear()

    # --- transport -----------------------------------------------------------------------
    def close(self) -> None:  # BaseAdapter API
        pass

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,  # type: ignore[override]
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = request.url or ""
        parts = urlsplit(url)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        route, symbol = self._route(parts.hostname or "", parts.path, params)
        entry = LoggedRequest(request.method or "GET", url, route, symbol, params, None)
        with self._lock:
            self.requests_log.append(entry)

        if self.network_down or (symbol is not None and symbol in self._disconnected):
            raise requests.ConnectionError(
                f"Failed to resolve '{parts.hostname}' ([Errno -3] Temporary failure in name resolution)",
                request=request,
            )
        resp = self._answer(request, route, symbol, params)
        entry.status = resp.status_code
        return resp

    @staticmethod
    def _route(host: str, path: str, params: Mapping[str, str]) -> tuple[str, str | None]:
        if host == "fc.yahoo.com":
            return "cookie", None
        if host.endswith("consent.yahoo.com") or host == "guce.yahoo.com":
            return "consent", None
        if path == "/v1/test/getcrumb":
            return "crumb", None
        if path.startswith("/v8/finance/chart/"):
            return "chart", path.rsplit("/", 1)[-1].upper()
        if path.startswith("/v10/finance/quoteSummary/"):
            return "quoteSummary", path.rsplit("/", 1)[-1].upper()
        if path.startswith("/v7/finance/quote"):
            return "quote", params.get("symbols", "").split(",")[0].upper() or None
        if path.startswith("/ws/fundamentals-timeseries/"):
            return "timeseries", path.rsplit("/", 1)[-1].upper()
        return "unknown", None

    def _answer(
        self, request: requests.PreparedRequest, route: str, symbol: str | None, params: Mapping[str, str]
    ) -> requests.Response:
        if route == "cookie":
            # Like Yahoo: a 404 page that sets the A3 cookie on .yahoo.com. yfinance then
            # persists it in its cookie cache and stops calling fc.yahoo.com.
            resp = _json_response(request, 404, "<html><body>Not found</body></html>", "text/html")
            expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=365)).strftime("%a, %d %b %Y %H:%M:%S GMT")
            cookie = f"A3=d=AQABBfake&S=AQAAAfake; Expires={expires}; Domain=.yahoo.com; Path=/; Secure"
            msg = email.message.Message()
            msg["Set-Cookie"] = cookie
            # requests copies cookies into the session jar from raw._original_response.msg.
            resp.raw = SimpleNamespace(_original_response=SimpleNamespace(msg=msg))
            resp.headers["Set-Cookie"] = cookie
            return resp
        if route == "consent":
            return self._consent(request)
        if route == "crumb":
            return _json_response(request, 200, CRUMB, "text/plain;charset=utf-8")
        if route == "unknown" or symbol is None:
            return _json_response(
                request,
                404,
                {"finance": {"result": None, "error": {"code": "Not Found", "description": "HTTP 404 Not Found"}}},
            )

        with self._lock:
            if symbol in self._rate_limits:
                left = self._rate_limits[symbol]
                if left is None or left > 0:
                    if left is not None:
                        self._rate_limits[symbol] = left - 1
                    return _json_response(request, 429, "Too Many Requests\r\n", "text/plain")

        sym = self.symbols.get(symbol)
        missing = sym is None or symbol in self._not_found
        if route == "chart":
            if missing:
                return _json_response(
                    request,
                    404,
                    {
                        "chart": {
                            "result": None,
                            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
                        }
                    },
                )
            assert sym is not None
            return _json_response(request, 200, self._chart(sym, params))
        if route == "quoteSummary":
            if missing:
                return _json_response(
                    request,
                    404,
                    {
                        "quoteSummary": {
                            "result": None,
                            "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
                        }
                    },
                )
            assert sym is not None
            return _json_response(request, 200, self._quote_summary(sym, params))
        if route == "quote":
            result = [] if missing else [self._quote(sym)]  # type: ignore[arg-type]
            return _json_response(request, 200, {"quoteResponse": {"result": result, "error": None}})
        # timeseries: Yahoo answers 200 with metadata only when it has no values.
        return _json_response(
            request,
            200,
            {
                "timeseries": {
                    "result": [{"meta": {"symbol": [symbol], "type": [params.get("type", "")]}}],
                    "error": None,
                }
            },
        )

    @staticmethod
    def _consent(request: requests.PreparedRequest) -> requests.Response:
        form = (
            '<html><body><form method="post" action="https://consent.yahoo.com/v2/collectConsent">'
            '<input type="hidden" name="csrfToken" value="fakecsrf"/>'
            '<input type="hidden" name="sessionId" value="fakesession"/>'
            '<button name="agree" value="agree">Accept all</button></form></body></html>'
        )
        return _json_response(request, 200, form, "text/html")

    # --- payloads ------------------------------------------------------------------------
    def _timestamps(self, sym: FakeSymbol) -> list[tuple[int, dt.date]]:
        _, _, hour, minute = _TZ_INFO.get(sym.timezone, ("UTC", "???", 9, 30))
        tz = ZoneInfo(sym.timezone)
        out = []
        for day in sorted(sym.bars):
            local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
            out.append((int(local.timestamp()), day))
        return out

    def _chart(self, sym: FakeSymbol, params: Mapping[str, str]) -> dict[str, Any]:
        rows = self._timestamps(sym)
        if "period1" in params or "period2" in params:
            p1 = int(params.get("period1") or 0)
            p2 = int(params.get("period2") or 2**40)
            rows = [(ts, d) for ts, d in rows if p1 <= ts < p2]
        elif "range" in params and params["range"] != "max":
            days = _RANGE_DAYS.get(params["range"], 31)
            if params["range"] == "1d":
                rows = rows[-1:]
            else:
                cutoff = self.now.timestamp() - days * 86400
                rows = [(ts, d) for ts, d in rows if ts >= cutoff] or rows[-1:]
        abbrev, exch, _, _ = _TZ_INFO.get(sym.timezone, ("UTC", "???", 9, 30))
        tz = ZoneInfo(sym.timezone)
        offset = tz.utcoffset(self.now.replace(tzinfo=None))
        gmtoffset = int(offset.total_seconds()) if offset is not None else 0
        last_close = sym.bars[max(sym.bars)] if sym.bars else None
        meta = {
            "currency": sym.currency,
            "symbol": sym.symbol,
            "exchangeName": exch,
            "fullExchangeName": exch,
            "instrumentType": sym.instrument_type,
            "firstTradeDate": rows[0][0] if rows else None,
            "regularMarketTime": int(self.now.timestamp()),
            "hasPrePostMarketData": False,
            "gmtoffset": gmtoffset,
            "timezone": abbrev,
            "exchangeTimezoneName": sym.timezone,
            "regularMarketPrice": last_close,
            "chartPreviousClose": last_close,
            "priceHint": 2,
            "dataGranularity": params.get("interval", "1d"),
            "range": params.get("range", ""),
            "validRanges": _VALID_RANGES,
        }
        result: dict[str, Any] = {"meta": meta}
        if rows:
            closes = [sym.bars[d] for _, d in rows]
            result["timestamp"] = [ts for ts, _ in rows]
            result["indicators"] = {
                "quote": [
                    {
                        "open": closes,
                        "high": [c * 1.01 for c in closes],
                        "low": [c * 0.99 for c in closes],
                        "close": closes,
                        "volume": [1_000_000] * len(closes),
                    }
                ],
                "adjclose": [{"adjclose": [c * sym.adj_factor for c in closes]}],
            }
        else:  # what Yahoo sends for an empty window
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return {"chart": {"result": [result], "error": None}}

    def _quote_summary(self, sym: FakeSymbol, params: Mapping[str, str]) -> dict[str, Any]:
        formatted = params.get("formatted", "true") != "false"
        modules = [m for m in params.get("modules", "").split(",") if m]
        out: dict[str, Any] = {}
        for module in modules:
            if module == "earningsTrend":
                # Nested raw/fmt objects even with formatted=false (yfinance reads v["raw"]).
                out[module] = {"trend": sym.earnings_trend, "maxAge": 1}
                continue
            fields = _MODULE_FIELDS.get(module)
            if fields is None:
                out[module] = {"maxAge": 1}
                continue
            block: dict[str, Any] = {"maxAge": 86400}
            for key in fields:
                if key in sym.info and sym.info[key] is not None:
                    block[key] = _fmt(sym.info[key]) if formatted else sym.info[key]
            out[module] = block
        return {"quoteSummary": {"result": [out], "error": None}}

    @staticmethod
    def _quote(sym: FakeSymbol) -> dict[str, Any]:
        q: dict[str, Any] = {
            "symbol": sym.symbol,
            "language": "en-US",
            "region": "US",
            "exchangeTimezoneName": sym.timezone,
        }
        for key in _QUOTE_FIELDS:
            if key in sym.info and sym.info[key] is not None:
                q[key] = sym.info[key]
        return q


def trend_row(
    period: str,
    end_date: str | None,
    avg: float,
    low: float,
    high: float,
    analysts: int,
    currency: str,
    growth: float | None = None,
    year_ago: float | None = None,
) -> dict[str, Any]:
    """One ``earningsTrend.trend`` item as Yahoo serves it (raw/fmt-wrapped numbers)."""
    est: dict[str, Any] = {
        "avg": _fmt(avg),
        "low": _fmt(low),
        "high": _fmt(high),
        "numberOfAnalysts": {"raw": analysts, "fmt": str(analysts)},
        "earningsCurrency": currency,
    }
    if year_ago is not None:
        est["yearAgoEps"] = _fmt(year_ago)
    if growth is not None:
        est["growth"] = _fmt(growth)
    return {
        "maxAge": 1,
        "period": period,
        "endDate": end_date,
        "growth": _fmt(growth) if growth is not None else {},
        "earningsEstimate": est,
        "revenueEstimate": {},
        "epsTrend": {},
        "epsRevisions": {},
    }


def business_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mon-Fri dates in [start, end] (no holiday calendar)."""
    out, day = [], start
    while day <= end:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def make_bars(days: Iterable[dt.date], start_price: float, step: float = 0.01) -> dict[dt.date, float]:
    """A deterministic price path: compounding ``step`` per day with a little wiggle."""
    out, price = {}, start_price
    for i, day in enumerate(days):
        out[day] = round(price, 4)
        price *= 1 + step * math.sin(i + 1)
    return out


def make_session(fake: FakeYahoo) -> requests.Session:
    """A plain ``requests.Session`` whose every request goes to ``fake``."""
    session = requests.Session()
    session.mount("https://", fake)
    session.mount("http://", fake)
    return session


def isolate_yfinance(cache_dir: str | os.PathLike[str]) -> None:
    """Reset yfinance's process-wide state and move its SQLite caches into ``cache_dir``.

    Touches yfinance internals on purpose (test-only): the ``YfData`` singleton (session,
    crumb, cookie strategy), the LRU cache of chart/timeseries responses, the tz/cookie/ISIN
    cache singletons (``set_tz_cache_location`` alone does not re-open an already opened
    database) and the global tz-fallback counter in ``yfinance.base``. The caches start
    empty, so every test is a cold start.
    """
    import yfinance as yf
    from yfinance import base as yf_base
    from yfinance import cache as yf_cache
    from yfinance import data as yf_data

    yf.set_tz_cache_location(str(cache_dir))
    yf_cache._TzCacheManager._tz_cache = None
    yf_cache._CookieCacheManager._Cookie_cache = None
    yf_cache._ISINCacheManager._isin_cache = None
    yf_data.YfData._instances.pop(yf_data.YfData, None)
    yf_data.YfData.cache_get.cache_clear()
    yf_base._tz_info_fetch_ctr = 0
    yf.config.debug.hide_exceptions = True
    # Create the SQLite files now, in this thread: download()'s threads racing to create them
    # can fail a good ticker with "database is locked" (seen about once in 40 cold downloads).
    yf_cache.get_tz_cache().lookup("")
    yf_cache.get_cookie_cache().lookup("")
