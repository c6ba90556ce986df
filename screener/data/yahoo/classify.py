"""Why a Yahoo request failed (pure: exceptions in, a failure kind out; no I/O).

yfinance (with ``hide_exceptions=False``) raises its backend's exceptions: curl_cffi's in production, plain
``requests``' when curl_cffi is disabled. Kinds: ``network`` (DNS, connect, timeout: Yahoo unreachable),
``rate_limited`` (HTTP 429), ``bad_ticker`` (HTTP 404, no timezone, unknown symbol), ``no_data`` (a known symbol
without rows in the range), ``error`` (anything else).

curl_cffi attaches a response with **status 0** to transport errors (DNS, connect refused, timeout): status 0 is
not an HTTP status, so such an error is a network failure, never "HTTP 0".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from screener.errors import YahooBadTicker, YahooError, YahooRateLimited, YahooUnavailable

FailureKind = Literal["network", "bad_ticker", "rate_limited", "no_data", "error"]

_SYMS_LINE = re.compile(r"^\[(?P<syms>[^\]]*)\]: (?P<reason>.*)$", re.DOTALL)
_NETWORK_NAMES = {
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
_TRANSPORT_MODULES = {"requests", "curl_cffi", "urllib3"}


@dataclass(frozen=True)
class TickerFailure:
    """Why one ticker of a batch came back without data."""

    kind: FailureKind
    message: str


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every cause/context behind it, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend([e.__cause__, e.__context__])


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of the response attached to ``exc``; None for none, and for curl's transport status 0."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) and status > 0 else None


def is_network_error(exc: BaseException) -> bool:
    """A transport failure somewhere in the chain (not an HTTP error answer)."""
    for e in chain(exc):
        if http_status(e) is not None:
            continue
        if type(e).__name__ in _NETWORK_NAMES or isinstance(e, ConnectionError | TimeoutError):
            return True
        if isinstance(e, OSError) and type(e).__module__.split(".")[0] in _TRANSPORT_MODULES:
            return True
    return False


def one_line(exc: BaseException) -> str:
    """``HTTP 404 from Yahoo Finance``, or the exception's type and first line (curl's 'See https://...' tail and
    ``curl: (6)`` boilerplate dropped)."""
    status = next((s for e in chain(exc) if (s := http_status(e)) is not None), None)
    if status is not None:
        return f"HTTP {status} from Yahoo Finance"
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    text = text.split(" See https://")[0].strip().rstrip(".")
    return f"{type(exc).__name__}: {text}".strip().rstrip(":")


_CURL = re.compile(r"curl: \((?P<code>\d+)\) (?P<text>.*)")
_HOST = re.compile(r"(?:host:?|to|resolve) '?(?P<host>[A-Za-z0-9][\w.\-]*\.[A-Za-z]{2,}|\d+\.\d+\.\d+\.\d+)")
_CURL_MEANING = {
    5: "cannot resolve the proxy",
    6: "cannot resolve {host} (no network, or no DNS)",
    7: "cannot connect to {host}",
    28: "no answer from {host} in time",
    35: "the TLS handshake with {host} failed",
    52: "{host} dropped the connection without an answer",
    56: "the connection to {host} was dropped",
}


def plain_reason(exc: BaseException) -> str:
    """A transport failure in words, without curl's boilerplate: ``cannot resolve query2.finance.yahoo.com (no
    network, or no DNS) [DNSError]`` instead of ``Failed to perform, curl: (6) Could not resolve host: ... See
    https://...``."""
    for e in chain(exc):
        text = str(e)
        found = _CURL.search(text)
        host_match = _HOST.search(text)
        host = host_match.group("host") if host_match else "Yahoo Finance"
        if found:
            code = int(found.group("code"))
            meaning = _CURL_MEANING.get(code)
            detail = meaning.format(host=host) if meaning else found.group("text").split(". See ")[0].rstrip(".")
            return f"{detail} [{type(e).__name__}, curl {code}]"
        if "Failed to resolve" in text or "Name or service not known" in text:
            return f"cannot resolve {host} (no network, or no DNS) [{type(e).__name__}]"
    return one_line(exc)


def classify(exc: BaseException) -> TickerFailure:
    """Map an exception raised by yfinance (with ``hide_exceptions=False``) to a failure kind."""
    from yfinance import exceptions as yfe

    if isinstance(exc, yfe.YFRateLimitError) or any(http_status(e) == 429 for e in chain(exc)):
        return TickerFailure("rate_limited", one_line(exc))
    if is_network_error(exc):
        network = next((e for e in chain(exc) if is_network_error(e) and e.__context__ is None), exc)
        return TickerFailure("network", plain_reason(network))
    if isinstance(exc, yfe.YFTzMissingError) or any(http_status(e) == 404 for e in chain(exc)):
        return TickerFailure("bad_ticker", one_line(exc))
    if isinstance(exc, yfe.YFPricesMissingError):
        kind: FailureKind = "bad_ticker" if exc.yahoo_reason else "no_data"
        return TickerFailure(kind, one_line(exc))
    if isinstance(exc, yfe.YFTickerMissingError):
        return TickerFailure("bad_ticker", one_line(exc))
    return TickerFailure("error", one_line(exc))


def error_for(ticker: str, failure: TickerFailure) -> YahooError:
    """The typed error of a failure (network -> YahooUnavailable, 429 -> YahooRateLimited, ...)."""
    if failure.kind == "network":
        return YahooUnavailable(f"Yahoo Finance unreachable ({failure.message})")
    if failure.kind == "rate_limited":
        return YahooRateLimited(f"{ticker}: Yahoo Finance rate limit (HTTP 429) persisted after retries")
    if failure.kind in ("bad_ticker", "no_data"):
        return YahooBadTicker(f"{ticker}: unknown to Yahoo Finance ({failure.message})")
    return YahooError(f"{ticker}: {failure.message}")


def parse_download_errors(messages: Iterable[str]) -> dict[str, str]:
    """``download()``'s log summary lines look like ``['AAA', 'BBB']: possibly delisted; ...``."""
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
