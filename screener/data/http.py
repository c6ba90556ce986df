"""Plain-HTTP sources (oxide series published as CSV at an http(s) URL) through a requests-cache session.

The session is built by the environment (:meth:`screener.environment.Environment.http_session`) and passed in
(tests use a real server on 127.0.0.1). Responses are cached in SQLite under ``cache/http``; an entry older than
``expire_after`` is refetched, and when the server then fails (connection refused, 5xx) the stale copy is served
(``stale_if_error``) and reported as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screener.errors import DataUnavailable

if TYPE_CHECKING:
    from requests_cache import CachedSession


@dataclass(frozen=True)
class Fetched:
    """A fetched body and whether it came from the cache, and if so whether it was past its expiry."""

    url: str
    content: bytes
    from_cache: bool
    stale: bool


CACHE_NAME = "oxides"
"""The requests-cache SQLite file under ``cache/http`` (``oxides.sqlite``)."""


def cached_session_options() -> dict[str, Any]:
    """How the plain-HTTP cache behaves (the session itself is built by the environment): SQLite backend, a stale
    copy served when the server fails, only HTTP 200 cached."""
    return {"backend": "sqlite", "stale_if_error": True, "allowable_codes": (200,)}


def fetch(session: CachedSession, url: str, timeout: float = 30.0) -> Fetched:
    """GET ``url``; a cached copy is served when fresh, or when stale and the server fails. No copy and no
    server: DataUnavailable naming the URL."""
    import requests

    try:
        response = session.get(url, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise DataUnavailable(f"{url}: cannot fetch ({type(exc).__name__}) and no cached copy") from None
    from_cache = bool(getattr(response, "from_cache", False))
    stale = bool(from_cache and getattr(response, "is_expired", False))
    return Fetched(url, response.content, from_cache, stale)
