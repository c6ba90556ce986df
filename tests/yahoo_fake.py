"""A fake Yahoo Finance for tests: yfinance's routes answered from in-memory fixtures.

Every request yfinance sends lands in :meth:`FakeYahoo.handle` (through the transports below), so tests
drive yfinance's *real* parsing code (``download``, ``history``, ``info``, ``earnings_estimate``,
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
``timeseries``        ``GET /ws/fundamentals-timeseries/v1/finance/timeseries/..`` per type: the values of
                                                                                   ``FakeSymbol.timeseries``
                                                                                   (balance sheets, income
                                                                                   statements, cash flows:
                                                                                   ``annualTotalRevenue``...),
                                                                                   else metadata only
``unknown``           anything else                                                404 (tests assert none)
====================  ===========================================================  ==========

Failure modes, per symbol: :meth:`FakeYahoo.not_found` (HTTP 404, a bad ticker),
:meth:`FakeYahoo.rate_limit` (HTTP 429 for the next N requests about the symbol, then normal),
:meth:`FakeYahoo.disconnect` (the connection drops); and globally ``fake.network_down = True`` (every
request, including cookie and crumb, fails as a network error). Every request is logged in
:attr:`FakeYahoo.requests_log`.

Transport: production yfinance uses **curl_cffi** (Chrome impersonation), and so do the tests.
:func:`make_session` returns a curl_cffi session whose proxy is a loopback HTTPS "man in the middle"
(:class:`ProxyServer`, a thread serving 127.0.0.1): curl sends ``CONNECT query2.finance.yahoo.com:443``, the
proxy answers, wraps the tunnel in TLS with the test certificate ``tests/data/fake_yahoo_tls.pem`` (the session
does not verify it) and answers each HTTP/1.1 request from :meth:`FakeYahoo.handle`. So yfinance runs on its
production backend and raises curl_cffi's own exceptions: ``network_down`` and :meth:`FakeYahoo.disconnect`
drop the connection without an answer (curl error 56, a ``ConnectionError`` carrying a status-0 response), and
``ProxyServer.server.refuse_tunnels`` aborts every CONNECT (a ``ProxyError``). :func:`make_requests_session`
mounts the same fake on a plain ``requests.Session`` (:class:`RequestsTransport`) for tests about ``requests``
sessions.

Test isolation: yfinance keeps process-wide state (the ``YfData`` singleton holding the
session and crumb, an LRU cache of past-range chart responses, SQLite tz/cookie/ISIN caches,
and a global counter of timezone fallbacks to ``.info``). :func:`isolate_yfinance` resets all
of it and points the SQLite caches at a temporary directory, so tests never touch the user's
cache dir and each test starts cold.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.message
import json
import math
import os
import socket
import socketserver
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

TLS_PEM = Path(__file__).parent / "data" / "fake_yahoo_tls.pem"
"""Self-signed certificate and key of the loopback proxy (test-only; valid until 2126)."""

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
    timeseries: dict[str, dict[str, float]] = field(default_factory=dict)
    """Fundamentals timeseries by Yahoo type (``annualStockholdersEquity``, ``annualTotalRevenue``,
    ``annualFreeCashFlow``) -> {asOfDate: value}; one request per statement asks for all of its types."""


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


@dataclass
class Answer:
    """One HTTP answer of the fake: status, body, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = "application/json;charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(self.status, "")


class Disconnect(Exception):
    """The connection drops without an answer (the transport turns it into its own network error)."""


def _json_response(status: int, payload: Any, content_type: str = "application/json;charset=utf-8") -> Answer:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return Answer(status, body.encode("utf-8"), content_type)


class FakeYahoo:
    """Answers yfinance's Yahoo routes from in-memory fixtures (served by :class:`ProxyServer` to curl_cffi and
    by :class:`RequestsTransport` to ``requests``)."""

    def __init__(self, symbols: Iterable[FakeSymbol] = (), now: dt.datetime | None = None) -> None:
        self.symbols: dict[str, FakeSymbol] = {s.symbol.upper(): s for s in symbols}
        self.now = now or dt.datetime.now(dt.UTC)
        self.network_down = False
        self._not_found: set[str] = set()
        self._disconnected: set[str] = set()
        self._rate_limits: dict[str, int | None] = {}
        self.requests_log: list[LoggedRequest] = []
        self.latency = 0.0
        """Seconds each request takes to answer (benchmarks: a real round trip to Yahoo is 0.1-1 s)."""
        self.in_flight = 0
        self.max_in_flight = 0
        """The most requests being answered at the same moment (proof that a pool really runs in parallel)."""
        self._lock = threading.Lock()
        self._server: ProxyServer | None = None

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
        """Drop the connection (no answer) for requests about ``symbol``."""
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

    # --- serving -------------------------------------------------------------------------
    def proxy_url(self) -> str:
        """The loopback proxy serving this fake (started on first use, stopped by :meth:`close`)."""
        with self._lock:
            if self._server is None:
                self._server = ProxyServer(self)
            return self._server.url

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    def handle(self, method: str, url: str) -> Answer:
        """Log and answer one request; raises :class:`Disconnect` when the network is down for it."""
        parts = urlsplit(url)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        route, symbol = self._route(parts.hostname or "", parts.path, params)
        entry = LoggedRequest(method, url, route, symbol, params, None)
        with self._lock:
            self.requests_log.append(entry)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            if self.network_down or (symbol is not None and symbol in self._disconnected):
                raise Disconnect(
                    f"Failed to resolve '{parts.hostname}' ([Errno -3] Temporary failure in name resolution)"
                )
            answer = self._answer(route, symbol, params)
        finally:
            with self._lock:
                self.in_flight -= 1
        entry.status = answer.status
        return answer

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

    def _answer(self, route: str, symbol: str | None, params: Mapping[str, str]) -> Answer:
        if route == "cookie":
            # Like Yahoo: a 404 page that sets the A3 cookie on .yahoo.com. yfinance then
            # persists it in its cookie cache and stops calling fc.yahoo.com.
            answer = _json_response(404, "<html><body>Not found</body></html>", "text/html")
            expires = "Thu, 31 Dec 2099 23:59:59 GMT"  # yfinance drops a cached cookie past its expiry (wall clock)
            cookie = f"A3=d=AQABBfake&S=AQAAAfake; Expires={expires}; Domain=.yahoo.com; Path=/; Secure"
            answer.headers.append(("Set-Cookie", cookie))
            return answer
        if route == "consent":
            return self._consent()
        if route == "crumb":
            return _json_response(200, CRUMB, "text/plain;charset=utf-8")
        if route == "unknown" or symbol is None:
            return _json_response(
                404,
                {"finance": {"result": None, "error": {"code": "Not Found", "description": "HTTP 404 Not Found"}}},
            )

        with self._lock:
            if symbol in self._rate_limits:
                left = self._rate_limits[symbol]
                if left is None or left > 0:
                    if left is not None:
                        self._rate_limits[symbol] = left - 1
                    return _json_response(429, "Too Many Requests\r\n", "text/plain")

        sym = self.symbols.get(symbol)
        missing = sym is None or symbol in self._not_found
        if route == "chart":
            if missing:
                return _json_response(
                    404,
                    {
                        "chart": {
                            "result": None,
                            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
                        }
                    },
                )
            assert sym is not None
            return _json_response(200, self._chart(sym, params))
        if route == "quoteSummary":
            if missing:
                return _json_response(
                    404,
                    {
                        "quoteSummary": {
                            "result": None,
                            "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
                        }
                    },
                )
            assert sym is not None
            return _json_response(200, self._quote_summary(sym, params))
        if route == "quote":
            result = [] if missing else [self._quote(sym)]  # type: ignore[arg-type]
            return _json_response(200, {"quoteResponse": {"result": result, "error": None}})
        # timeseries: one result per requested type; metadata only when Yahoo has no values for it.
        return _json_response(200, self._timeseries(symbol, sym, params))

    @staticmethod
    def _timeseries(symbol: str, sym: FakeSymbol | None, params: Mapping[str, str]) -> dict[str, Any]:
        """The fundamentals-timeseries answer, in the shape Yahoo sends (recorded): per type its ``meta``, and when
        it has values a ``timestamp`` list and the items (``asOfDate``, ``periodType``, ``currencyCode``,
        ``reportedValue`` raw/fmt)."""
        p1 = int(params.get("period1") or 0)
        p2 = int(params.get("period2") or 2**40)
        currency = (sym.info.get("financialCurrency") or sym.currency) if sym is not None else "USD"
        results: list[dict[str, Any]] = []
        for kind in [t for t in params.get("type", "").split(",") if t]:
            entry: dict[str, Any] = {"meta": {"symbol": [symbol], "type": [kind]}}
            values = sym.timeseries.get(kind, {}) if sym is not None else {}
            days = []
            for day in sorted(values):
                stamp = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())
                if p1 <= stamp <= p2:
                    days.append((stamp, day))
            if days:
                period = "3M" if kind.startswith("quarterly") else "12M"
                entry["timestamp"] = [stamp for stamp, _ in days]
                entry[kind] = [
                    {"dataId": 20000 + i, "asOfDate": day, "periodType": period, "currencyCode": currency,
                     "reportedValue": {"raw": values[day], "fmt": f"{values[day]:.2f}"}}
                    for i, (_, day) in enumerate(days)
                ]  # fmt: skip
            results.append(entry)
        return {"timeseries": {"result": results, "error": None}}

    @staticmethod
    def _consent() -> Answer:
        form = (
            '<html><body><form method="post" action="https://consent.yahoo.com/v2/collectConsent">'
            '<input type="hidden" name="csrfToken" value="fakecsrf"/>'
            '<input type="hidden" name="sessionId" value="fakesession"/>'
            '<button name="agree" value="agree">Accept all</button></form></body></html>'
        )
        return _json_response(200, form, "text/html")

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


class _ProxyHandler(BaseHTTPRequestHandler):
    """CONNECT -> TLS tunnel -> HTTP/1.1 requests answered by the fake (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server: _Server
    tunnel_host = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        super().finish()
        with contextlib.suppress(OSError):
            self.connection.close()  # the TLS socket took over the accepted one: close it too

    def do_CONNECT(self) -> None:
        if self.server.refuse_tunnels:  # as if the proxy could not reach the host: curl's ProxyError
            self._drop()
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tunnel_host = self.path.split(":")[0]
        self.close_connection = False

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        host = self.headers.get("Host") or self.tunnel_host
        try:
            answer = self.server.fake.handle(self.command, f"https://{host}{self.path}")
        except Disconnect:
            self._drop()
            return
        self.send_response(answer.status, answer.reason)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)
        self.wfile.flush()

    do_GET = do_POST = _serve


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeYahoo
    tls: ssl.SSLContext
    refuse_tunnels = False


class ProxyServer:
    """A loopback HTTPS proxy (a thread) that serves ``fake`` to curl_cffi sessions."""

    def __init__(self, fake: FakeYahoo) -> None:
        self.server = _Server(("127.0.0.1", 0), _ProxyHandler)
        self.server.fake = fake
        self.server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.tls.load_cert_chain(str(TLS_PEM))
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-yahoo", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def make_session(fake: FakeYahoo) -> Any:
    """A curl_cffi session (Chrome impersonation, as yfinance builds it) whose every request goes to ``fake``
    through the loopback proxy. Certificates are not verified (the proxy's is self-signed)."""
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome", verify=False, proxy=fake.proxy_url(), timeout=30)


class RequestsTransport(BaseAdapter):
    """``requests`` transport adapter answering from a :class:`FakeYahoo`."""

    def __init__(self, fake: FakeYahoo) -> None:
        super().__init__()
        self.fake = fake

    def close(self) -> None:  # BaseAdapter API
        pass

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        try:
            answer = self.fake.handle(request.method or "GET", request.url or "")
        except Disconnect as exc:
            raise requests.ConnectionError(str(exc), request=request) from None
        resp = requests.Response()
        resp.status_code = answer.status
        resp._content = answer.body
        resp.headers = CaseInsensitiveDict({"Content-Type": answer.content_type, **dict(answer.headers)})
        resp.url = request.url or ""
        resp.request = request
        resp.encoding = "utf-8"
        resp.reason = answer.reason
        cookies = [value for name, value in answer.headers if name == "Set-Cookie"]
        if cookies:  # requests copies cookies into the session jar from raw._original_response.msg
            msg = email.message.Message()
            for value in cookies:
                msg["Set-Cookie"] = value
            resp.raw = SimpleNamespace(_original_response=SimpleNamespace(msg=msg))
        return resp


def make_requests_session(fake: FakeYahoo) -> requests.Session:
    """A plain ``requests.Session`` whose every request goes to ``fake``."""
    session = requests.Session()
    session.mount("https://", RequestsTransport(fake))
    session.mount("http://", RequestsTransport(fake))
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


@contextlib.contextmanager
def serving(fake: FakeYahoo, cache_dir: Path, monkeypatch: Any) -> Iterator[FakeYahoo]:
    """A test's fake Yahoo: Python-level sockets refused (curl reaches only the loopback proxy), yfinance's
    process state isolated in ``cache_dir`` before and after, the proxy stopped at the end."""

    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to open a real network connection")

    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    monkeypatch.setattr(socket, "create_connection", no_sockets)
    isolate_yfinance(cache_dir / "yf")
    try:
        yield fake
    finally:
        fake.close()
        isolate_yfinance(cache_dir / "yf-after")
