"""The one retry/backoff policy for every Yahoo call, and the process-wide yfinance switches it needs (I/O
helpers of :mod:`screener.data.yahoo.fetch`): the ``hide_exceptions`` mode, yfinance's cache location, its log
captured during a batch download, pandas warnings silenced."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screener.data.yahoo.classify import classify, error_for

Sleep = Callable[[float], None]


@dataclass
class RetryPolicy:
    """The one retry/backoff rule for every Yahoo call, shared by all workers of a fetch.

    On HTTP 429 the call waits ``backoff × 2^attempt`` seconds (at most ``cap``) and tries again, at most
    ``max_retries`` times; then the typed error is raised. The pause applies to **every** worker: until it ends,
    any other call waits its turn (one rate limit slows the whole pool, not just the worker that met it).
    ``sleep`` and ``clock`` are injectable (tests).
    """

    max_retries: int = 3
    backoff: float = 2.0
    sleep: Sleep = field(default=time.sleep)
    cap: float = 60.0
    clock: Callable[[], float] = field(default=time.monotonic)
    rate_limits: int = 0
    """How many HTTP 429 answers the calls under this policy met."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _resume_at: float = 0.0
    _waited: threading.local = field(default_factory=threading.local, repr=False)
    """Per thread: the end of the pause this thread has already slept through (its own backoff)."""

    def pause(self, attempt: int) -> float:
        """A 429 was met: every call pauses until ``backoff × 2^attempt`` (capped) from now; the delay."""
        delay = min(self.cap, self.backoff * 2**attempt)
        with self._lock:
            self.rate_limits += 1
            self._resume_at = max(self._resume_at, self.clock() + delay)
            self._waited.until = self._resume_at
        return delay

    def wait_turn(self) -> None:
        """Before a request: wait out a pause that another worker's 429 started."""
        with self._lock:
            remaining = self._resume_at - self.clock()
            slept_through = getattr(self._waited, "until", None) == self._resume_at
        if remaining > 0 and not slept_through:
            self.sleep(remaining)

    def wait_or_raise(self, attempt: int, error: Exception) -> None:
        """Before retry number ``attempt + 1``: sleep (pausing everyone), or raise ``error`` when retries are up."""
        if attempt >= self.max_retries:
            raise error
        self.sleep(self.pause(attempt))

    def call(self, ticker: str, call: Callable[[], Any]) -> Any:
        """Run one yfinance call with errors raised; retry on 429; any other failure is its typed error."""
        attempt = 0
        while True:
            self.wait_turn()
            try:
                with _quiet_pandas(), MODES.raising():
                    return call()
            except Exception as exc:
                failure = classify(exc)
                if failure.kind != "rate_limited":
                    raise error_for(ticker, failure) from None
                self.wait_or_raise(attempt, error_for(ticker, failure))
                attempt += 1


class _Modes:
    """yfinance's ``hide_exceptions`` switch is process-wide: calls that need it off (raise the real error) run
    together, in parallel; a batch ``download`` (needs it on, to collect per-ticker failures) runs alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._mode: bool | None = None
        self._active = 0

    @contextlib.contextmanager
    def _enter(self, raising: bool) -> Iterator[None]:
        import yfinance as yf

        with self._cond:
            while self._active and self._mode != raising:
                self._cond.wait()
            if not self._active:
                yf.config.debug.hide_exceptions = not raising
                self._mode = raising
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    yf.config.debug.hide_exceptions = True
                    self._cond.notify_all()

    def raising(self) -> contextlib.AbstractContextManager[None]:
        """yfinance raises the real exception instead of logging "possibly delisted"."""
        return self._enter(True)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """yfinance's default (failures logged, columns left NaN), for ``download``."""
        return self._enter(False)


MODES = _Modes()


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
    """Silence the pandas deprecation warnings yfinance 1.7 triggers under pandas 3. Filters are added to the
    process's list (``catch_warnings`` is not thread-safe, and fetches run in a worker pool)."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(yfinance|pandas)(\.|$)")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(yfinance|pandas)(\.|$)")
    yield


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
