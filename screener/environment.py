"""The environment a command runs in: the one place that reads the wall clock and ``os.environ``, builds network
sessions, and holds the consoles, the settings, the store and the rating history.

Everything with a side effect outside the process is reached through an :class:`Environment` passed in (httpie's
environment object is the model). Tests build one with a fixed clock, captured consoles and a fake Yahoo
transport (keyword arguments of :class:`Environment`) instead of patching module functions.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from screener.models import HttpLimits

if TYPE_CHECKING:
    from screener.config import Settings
    from screener.config.locate import ConfigLocation
    from screener.data.snapshot import SnapshotSource
    from screener.data.store import Store
    from screener.history import History

Clock = Callable[[], datetime]
YahooSessionFactory = Callable[[Path], Any]
HttpSessionFactory = Callable[[Path, timedelta, HttpLimits], Any]

OFFLINE_VALUES = ("1", "true", "yes", "on")
OFFLINE_REASON = "offline (--offline or SCREENER_OFFLINE=1)"

WIDE_PIPE_COLUMNS = 200
"""Width of the console when output is piped and COLUMNS is unset (rich would use 80; the comp tables need more)."""


def _no_progress(label: str, steps: int) -> None:
    """No progress display (the default)."""


def _no_note(text: str) -> None:
    """Notices are dropped unless the commands layer shows them."""


def system_clock() -> datetime:
    """The wall clock, timezone-aware UTC."""
    return datetime.now(UTC)


def yahoo_session(yfinance_cache: Path) -> Any:
    """The session yfinance itself would create: curl_cffi with Chrome impersonation, or plain ``requests``
    (with browser headers) when curl_cffi is missing or ``YF_DISABLE_CURL_CFFI`` is set. The session type must
    match yfinance's backend, because yfinance catches that backend's exception classes. yfinance's own SQLite
    caches (timezones, cookie) are moved into ``yfinance_cache`` first (the store's ``yfinance`` folder)."""
    from yfinance import _http

    from screener.data.yahoo import configure_cache
    from screener.fileio import OutputError

    try:
        configure_cache(yfinance_cache)
    except OSError as exc:
        raise OutputError(yfinance_cache, f"cannot create yfinance's cache folder ({exc.strerror})") from None
    return _http.new_session()


def http_session(cache_dir: Path, expire_after: timedelta, limits: HttpLimits | None = None) -> Any:
    """A requests-cache session for plain-HTTP sources (oxide and FX files), its SQLite file under
    ``cache_dir/http``, JSON-serialized, bodies capped at ``limits.max_bytes`` (see :mod:`screener.data.http`). A
    legacy pickle cache there is deleted unread."""
    import os

    from requests_cache import CachedSession

    from screener.data.http import CACHE_NAME, LEGACY_PICKLE_CACHES, bounded_adapter, cached_session_options
    from screener.fileio import OutputError

    folder = cache_dir / "http"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for legacy in LEGACY_PICKLE_CACHES:
            (folder / legacy).unlink(missing_ok=True)
    except OSError as exc:
        why = f"the HTTP cache cannot be written ({exc.strerror}): is the store read-only?"
        raise OutputError(folder, why) from None
    if not os.access(folder, os.W_OK):
        raise OutputError(folder, "the HTTP cache folder is read-only: nothing was fetched or stored")
    session = CachedSession(str(folder / CACHE_NAME), expire_after=expire_after, **cached_session_options())
    adapter = bounded_adapter((limits or HttpLimits()).max_bytes)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Environment:
    """Clock, environment variables, consoles, settings, store, history and network-session factories.

    ``config`` is the settings file (``--config``); the settings, the store and the history are built on first
    use. ``clock`` returns an aware UTC datetime; ``today()`` is its date. ``stdout``/``stderr`` default to the
    process streams at the time of writing (so a test runner's capture works).
    """

    def __init__(
        self,
        *,
        config: Path | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Clock = system_clock,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        yahoo_session_factory: YahooSessionFactory = yahoo_session,
        http_session_factory: HttpSessionFactory = http_session,
        width: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        snapshot: Callable[[], SnapshotSource] | None = None,
        offline: bool = False,
        refresh: bool = False,
        cwd: Path | None = None,
    ) -> None:
        self.config_path = config
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)
        self.clock = clock
        self._stdout = stdout
        self._stderr = stderr
        self.yahoo_session_factory = yahoo_session_factory
        self.http_session_factory = http_session_factory
        self.width = width
        self.sleep = sleep
        """Waits between retries (backoff); tests pass one that does not wait."""
        self.snapshot_factory = snapshot
        self.offline = offline or self.environ.get("SCREENER_OFFLINE", "").strip().lower() in OFFLINE_VALUES
        """Never touch the network (``--offline`` or ``SCREENER_OFFLINE=1``): sessions are refused."""
        self.refresh = refresh
        """Ask the network now (``--refresh``): ignore the TTL of stored quotes and a remembered outage."""
        self.cwd = cwd or Path.cwd()
        self.note: Callable[[str], None] = _no_note
        """Where a notice goes (the commands layer prints it on stderr unless --quiet)."""
        self.progress: Callable[[str, int], None] = _no_progress
        """Called as fetched items complete (label, steps); the commands layer shows it as a progress bar."""

    # --- time ------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The current time (aware, UTC)."""
        return self.clock()

    def today(self) -> date:
        """Today's date (UTC)."""
        return self.clock().date()

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the user's time zone (``TZ`` when it names one, else the system's), for messages."""
        name = self.environ.get("TZ", "").strip().lstrip(":")
        if name:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                return moment.astimezone(ZoneInfo(name))
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return moment.astimezone()

    @property
    def cores(self) -> int:
        """CPU cores this process may use (the correlation engine computes blocks of tickers in parallel)."""
        try:
            return len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not on Linux
            return os.cpu_count() or 1

    # --- streams ---------------------------------------------------------------------------------------
    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @cached_property
    def out(self) -> Console:
        """Console for results. Piped without COLUMNS: 200 columns wide instead of rich's 80."""
        console = Console(file=self._stdout, width=self.width) if self._stdout else Console(width=self.width)
        if self.width is None and not console.is_terminal and "COLUMNS" not in self.environ:
            console = Console(file=self._stdout, width=WIDE_PIPE_COLUMNS)
        return console

    @cached_property
    def err(self) -> Console:
        """Console for banners, notes and errors (soft-wrapped: a message is never cut)."""
        if self._stderr:
            return Console(file=self._stderr, soft_wrap=True)
        return Console(stderr=True, soft_wrap=True)

    # --- settings, store, history ------------------------------------------------------------------------
    # --- where things live ------------------------------------------------------------------------------
    def user_config_dir(self) -> Path:
        """The user's config folder for screener (``$XDG_CONFIG_HOME/screener``, else platformdirs')."""
        return self._user_dir("XDG_CONFIG_HOME", "user_config_dir")

    def user_data_dir(self) -> Path:
        """The user's data folder for screener: the store and history of user-level and bundled configs."""
        return self._user_dir("XDG_DATA_HOME", "user_data_dir")

    def _user_dir(self, variable: str, function: str) -> Path:
        base = self.environ.get(variable, "").strip()
        if base:
            return Path(base).expanduser() / "screener"
        import platformdirs

        return Path(getattr(platformdirs, function)("screener", appauthor=False))

    @cached_property
    def config_location(self) -> ConfigLocation:
        """Which config this run uses: --config, SCREENER_CONFIG, ./config.toml, the user's, or the bundled one."""
        from screener.config.locate import locate

        return locate(self.config_path, self.environ, self.cwd, self.user_config_dir(), self.user_data_dir())

    @cached_property
    def settings(self) -> Settings:
        """The config file's settings, validated (ConfigError naming file, line and field); a notice says when the
        bundled defaults are used."""
        from screener.config import load_settings

        where = self.config_location
        if where.bundled:
            self.note(where.describe())
        return load_settings(where.path, where.data_home, self.today())

    def own_files(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """(files, folders) an output must never replace or enter (:func:`screener.fileio.refuse_own_file`): the
        rating history with its ``-wal``/``-shm``, the config in use, every configured universe file; the store."""
        settings = self.settings
        history = settings.history_db
        files = (history, Path(f"{history}-wal"), Path(f"{history}-shm"), settings.path, *settings.universe_files)
        return files, (settings.cache_dir,)

    @cached_property
    def store(self) -> Store:
        """The local store of the settings' ``[store] dir``, writing this environment's clock as fetch times."""
        from screener.data.store import Store

        return Store(self.settings.cache_dir, clock=self.now, lock_timeout=self.settings.lock_timeout_seconds)

    def snapshot(self) -> SnapshotSource:
        """The bundled snapshot (a test may pass another one)."""
        if self.snapshot_factory is not None:
            return self.snapshot_factory()
        from screener.data.snapshot import SnapshotSource

        return SnapshotSource.bundled()

    def history(self, *, create: bool = True) -> History:
        """Open the rating history (``[history] path``); the caller closes it (a context manager)."""
        from screener.history import History

        return History.open(self.settings.history_db, create=create, clock=self.now)

    # --- network -----------------------------------------------------------------------------------------
    def yahoo_session(self) -> Any:
        """A new HTTP session for yfinance (curl_cffi in production; a fake transport in tests). NetworkOff when
        offline."""
        self.refuse_if_offline("Yahoo Finance")
        return self.yahoo_session_factory(self.settings.cache_dir / "yfinance")

    def http_session(self, expire_after: timedelta) -> Any:
        """A new requests-cache session for plain-HTTP sources under the store folder (offline: it only serves
        cached copies, see :func:`screener.data.http.fetch`)."""
        return self.http_session_factory(self.settings.cache_dir, expire_after, self.settings.http)

    def refuse_if_offline(self, what: str) -> None:
        """NetworkOff naming ``what`` when the network is not to be used."""
        if self.offline:
            from screener.errors import NetworkOff

            raise NetworkOff(f"{what} not asked: {OFFLINE_REASON}")
