"""Plain-HTTP sources (oxide series published as CSV at an http(s) URL) through a requests-cache session.

The session is built by the caller and passed in (tests use a real server on 127.0.0.1). Responses are cached
in SQLite under ``cache/http``; an entry older than ``expire_after`` is refetched, and when the server then fails
(connection refused, 5xx) the stale copy is served (``stale_if_error``) and reported as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

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


def new_session(cache_dir: Path, expire_after: timedelta = timedelta(hours=24)) -> CachedSession:
    """A requests-cache session with its SQLite file at ``cache_dir/http/oxides.sqlite``."""
    from requests_cache import CachedSession

    folder = cache_dir / "http"
    folder.mkdir(parents=True, exist_ok=True)
    return CachedSession(
        str(folder / "oxides"),
        backend="sqlite",
        expire_after=expire_after,
        stale_if_error=True,
        allowable_codes=(200,),
    )


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
