"""Where an oxide or FX import reads from: a local file (bounded: :func:`screener.inputs.read_input`) or an
http(s) URL through the requests-cache session (a stale copy when the server is down; a body the parser refuses
dropped from the cache; a password in the URL never stored or shown)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from screener.environment import Environment
from screener.errors import ScreenerError


@dataclass(frozen=True)
class Loaded:
    """A file path, or the body of an http(s) source and whether it was a stale cached copy. ``label`` is the
    source as it may be stored and shown (a URL's password as ``***``); ``url`` the URL fetched, if any."""

    data: Path | bytes
    stale: bool = False
    label: str = ""
    url: str = ""


def load_source(env: Environment, source: str) -> Loaded:
    """A path's bytes (a regular file within ``[limits] max_input_mb``: :func:`screener.inputs.read_input`); an
    http(s) URL fetched through the requests-cache session (stale copy when down)."""
    from screener.data.http import is_url, redact

    if is_url(source):
        from screener.data.http import fetch
        from screener.environment import OFFLINE_REASON

        folder = env.settings.cache_dir / "http"
        before = set(folder.iterdir()) if folder.is_dir() else None
        session = env.http_session(timedelta(hours=env.settings.oxides.http_expire_hours))
        try:
            with session:
                fetched = fetch(session, source, env.settings.http, offline=OFFLINE_REASON if env.offline else "")
        except Exception:
            _undo_new_files(folder, before)  # a failed first fetch leaves the store as it was
            raise
        return Loaded(fetched.content, fetched.stale, redact(source), source)
    from screener.inputs import read_input

    data = read_input(Path(source), max_bytes=env.settings.max_input_bytes, what="CSV file")
    return Loaded(data, label=source)


@contextmanager
def parsed_source(env: Environment, loaded: Loaded) -> Iterator[None]:
    """Run the parse of ``loaded``; when the parser refuses an http(s) body, its cached copy is dropped (so the next
    import asks the server again) and the error goes on."""
    try:
        yield
    except ScreenerError:
        if loaded.url:
            from screener.data.http import forget

            with env.http_session(timedelta(hours=env.settings.oxides.http_expire_hours)) as session:
                forget(session, loaded.url)
        raise


def _undo_new_files(folder: Path, before: set[Path] | None) -> None:
    """Remove what a failed fetch created in ``folder`` (an empty cache database), and the folder if it was new."""
    if not folder.is_dir():
        return
    for path in set(folder.iterdir()) - (before or set()):
        path.unlink(missing_ok=True)
    if before is None and not any(folder.iterdir()):
        folder.rmdir()
