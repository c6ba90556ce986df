"""Plain-HTTP sources (oxide series and FX histories published as CSV at an http(s) URL) through requests-cache.

The session is built by the environment (:meth:`screener.environment.Environment.http_session`) and passed in
(tests use a real server on 127.0.0.1). Rules:

- **Cache**: SQLite under ``cache/http/http.sqlite`` with requests-cache's **JSON** serializer: nothing read from
  the cache is ever unpickled (a legacy pickle cache, ``oxides.sqlite``, is deleted unread). An entry older than
  ``expire_after`` is refetched; when the server then fails (connection refused, 5xx) the stale copy is served
  (``stale_if_error``) and reported as stale.
- **Limits** (``[http]`` in config.toml): a total deadline per request (a server that drips one byte every few
  seconds is cut off) and a maximum body size counted while streaming, after decompression (an endless body or a
  gzip bomb stops at the limit). Either gives a one-line error (or the stale copy, said so).
- **Schemes**: only ``http://`` and ``https://`` (case-insensitive).
- **Redirects**: followed only within the same host (at most :data:`MAX_REDIRECTS`); one to another host is refused
  (:class:`RedirectRefused`, exit 2, naming both hosts).
- **Credentials** in a URL (``https://user:password@host/…``) are sent as HTTP basic auth and never stored, logged
  or printed: the request goes to the URL without them (so the cache stores no password; requests-cache redacts
  the ``Authorization`` header by default), and every message or stored source shows :func:`redact`'s form
  (``https://user:***@host/…``).
- **Rejected bodies**: a body the caller's parser refuses is dropped from the cache (:func:`forget`), so the next
  import asks the server again instead of re-reading the same bad copy until it expires.
- No third-party traceback or log line reaches the terminal: failures are one line naming the URL.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from screener.errors import DataUnavailable, NetworkOff, UsageError
from screener.models import HttpLimits

if TYPE_CHECKING:
    from requests_cache import CachedSession

CACHE_NAME = "http"
"""The requests-cache SQLite file under ``cache/http`` (``http.sqlite``, JSON-serialized)."""
LEGACY_PICKLE_CACHES = ("oxides.sqlite",)
"""Cache files of earlier versions, written with pickle: deleted, never read."""
SCHEMES = ("http", "https")
MAX_REDIRECTS = 5

logging.getLogger("requests_cache").addHandler(logging.NullHandler())
logging.getLogger("requests_cache").propagate = False  # its warnings carry tracebacks (e.g. a 503 served stale)


@dataclass(frozen=True)
class Fetched:
    """A fetched body and whether it came from the cache, and if so whether it was past its expiry."""

    url: str
    content: bytes
    from_cache: bool
    stale: bool


class BodyTooLarge(Exception):
    """The body passed the size limit while streaming."""


class RedirectRefused(UsageError):
    """The server redirected to another host (or too often): nothing is fetched from there."""


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without ``user:password@`` and the credentials (None when the URL has none)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    from urllib.parse import unquote

    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), (user, password)


def redact(url: str) -> str:
    """``url`` as it may be stored, logged or printed: a password shown as ``***`` (``https://user:***@host/…``);
    a URL without credentials unchanged."""
    clean, credentials = split_credentials(url)
    if credentials is None:
        return url
    parts = urlsplit(clean)
    user = credentials[0]
    shown = f"{user}:***@" if user else "***@"
    return urlunsplit((parts.scheme, shown + parts.netloc, parts.path, parts.query, parts.fragment))


def is_url(source: str) -> bool:
    """An ``http://`` or ``https://`` URL (any case); ``ftp://`` and other schemes are refused, not read as files."""
    scheme, sep, _ = source.partition("://")
    if not sep:
        return False
    if scheme.lower() not in SCHEMES:
        raise UsageError(f"FILE: only http:// and https:// URLs (or a file path) can be read, got {source!r}")
    return True


def cached_session_options() -> dict[str, Any]:
    """How the plain-HTTP cache behaves: SQLite, JSON serializer (never pickle), stale copy when the server fails,
    only HTTP 200 cached."""
    return {"backend": "sqlite", "serializer": "json", "stale_if_error": True, "allowable_codes": (200,)}


class Aborted(Exception):
    """The request passed its deadline and its connection was shut down."""


class _BoundedRaw:
    """A urllib3 response whose decoded stream stops with :class:`BodyTooLarge` past ``max_bytes``, and with
    :class:`Aborted` when the adapter was aborted (so a cut-off body is never taken, or cached, as complete)."""

    def __init__(self, raw: Any, max_bytes: int, aborted: threading.Event) -> None:
        self._raw = raw
        self._max_bytes = max_bytes
        self._aborted = aborted

    def stream(self, amt: int = 2**16, decode_content: bool | None = None) -> Any:
        seen = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            seen += len(chunk)
            if seen > self._max_bytes:
                self._raw.close()
                raise BodyTooLarge(seen)
            if self._aborted.is_set():
                break
            yield chunk
        if self._aborted.is_set():
            self._raw.close()
            raise Aborted()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def bounded_adapter(max_bytes: int) -> Any:
    """A requests transport adapter whose response bodies stop at ``max_bytes`` (a Content-Length above it is
    refused before reading) and whose open sockets :meth:`abort` shuts down (a request past its deadline)."""
    import weakref

    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    sockets: weakref.WeakSet[Any] = weakref.WeakSet()
    aborted = threading.Event()

    class TrackedHTTP(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            sockets.add(self.sock)

    class TrackedHTTPS(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            sockets.add(self.sock)

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = TrackedHTTP

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = TrackedHTTPS

    class BoundedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}
            self.poolmanager.key_fn_by_scheme = dict(self.poolmanager.key_fn_by_scheme)

        def abort(self) -> None:
            """Shut down every socket this adapter opened: a read blocked on a slow server returns at once, and
            the body read so far is refused (never cached as complete)."""
            import socket

            aborted.set()
            for sock in list(sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        def build_response(self, req: Any, resp: Any) -> Any:
            response = super().build_response(req, resp)
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                resp.close()
                raise BodyTooLarge(int(length))
            response.raw = _BoundedRaw(response.raw, max_bytes, aborted)
            return response

    return BoundedAdapter()


def _in_thread(call: Any, seconds: float, abort: Any) -> Any:
    """``call()`` in a daemon thread, given up after ``seconds`` (TimeoutError): a blocked read cannot hold the
    command past the deadline. ``abort()`` then shuts the connection so the thread ends too."""
    future: Future[Any] = Future()

    def run() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to the caller
            future.set_exception(exc)

    worker = threading.Thread(target=run, name="http-fetch", daemon=True)
    worker.start()
    try:
        return future.result(timeout=seconds)
    except TimeoutError:
        abort()
        worker.join(timeout=5)
        raise


def _stale_copy(session: CachedSession, url: str) -> Any:
    """The cached response for ``url`` even if expired, or None."""
    try:
        import requests

        key = session.cache.create_key(requests.Request("GET", url).prepare())
        return session.cache.get_response(key)
    except Exception:
        return None


def fetch(session: CachedSession, url: str, limits: HttpLimits | None = None, *, offline: str = "") -> Fetched:
    """GET ``url`` within ``limits``; a cached copy is served when fresh, or when stale and the server fails or
    breaks a limit. No copy and no answer: DataUnavailable naming the URL and why, in one line. ``offline`` (the
    reason the network is not to be used): only a cached copy is served, without any request (NetworkOff if none)."""
    import requests

    is_url(url)
    shown = redact(url)
    url, credentials = split_credentials(url)
    limits = limits or HttpLimits()
    if offline:
        held = _stale_copy(session, url)
        if held is None:
            raise NetworkOff(f"{shown}: not fetched, {offline}, and no cached copy")
        return Fetched(url, held.content, True, bool(getattr(held, "is_expired", False)))
    started = time.monotonic()
    connect = min(10.0, limits.deadline_seconds)

    def get() -> Any:
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            response = session.get(target, timeout=(connect, limits.deadline_seconds), auth=credentials,
                                   allow_redirects=False)  # fmt: skip
            if not response.is_redirect:
                response.raise_for_status()
                return response
            location = urljoin(target, response.headers.get("Location", ""))
            response.close()
            if _host(location) != _host(url):
                raise RedirectRefused(
                    f"{shown}: the server redirects to another host ({_host(url)} -> {_host(location) or '?'}: "
                    f"{redact(location)}); refused — give the final URL if it is trusted"
                )
            target = location
        raise RedirectRefused(f"{shown}: more than {MAX_REDIRECTS} redirects; refused")

    abort = getattr(session.get_adapter(url), "abort", lambda: None)
    try:
        response = _in_thread(get, limits.deadline_seconds, abort)
    except (TimeoutError, BodyTooLarge, Aborted, requests.RequestException, OSError) as exc:
        why = _why(exc, limits, time.monotonic() - started)
        cached = _stale_copy(session, url)
        if cached is None:
            raise DataUnavailable(f"{shown}: {why}, and no cached copy") from None
        return Fetched(url, cached.content, True, True)
    from_cache = bool(getattr(response, "from_cache", False))
    stale = bool(from_cache and getattr(response, "is_expired", False))
    return Fetched(url, response.content, from_cache, stale)


def forget(session: CachedSession, url: str) -> None:
    """Drop the cached copy of ``url`` (credentials ignored): its body was refused by the parser, so the next
    import asks the server again."""
    import requests

    clean, _ = split_credentials(url)
    with contextlib.suppress(Exception):
        key = session.cache.create_key(requests.Request("GET", clean).prepare())
        session.cache.delete(key)


def _why(exc: BaseException, limits: HttpLimits, elapsed: float) -> str:
    """One line: which limit was hit, or the HTTP status, or the kind of connection failure."""
    if isinstance(exc, TimeoutError | Aborted) or elapsed >= limits.deadline_seconds:
        return f"no complete answer within {limits.deadline_seconds:g} s (the [http] deadline)"
    if isinstance(exc, BodyTooLarge):
        return f"the body is larger than {limits.max_bytes:,} bytes (the [http] size limit)"
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status:
        return f"HTTP {status}"
    return f"cannot fetch ({type(exc).__name__})"
