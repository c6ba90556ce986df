"""baostock: daily A-share P/E (``peTTM``) and P/B (``pbMRQ``) since 2006, anonymous, over baostock's own TCP
protocol (not HTTP). Optional: the ``screener[cn]`` extra; without it :func:`import_baostock` raises
:class:`~screener.errors.ProviderMissing` naming ``pip install 'screener[cn]'``.

Only Shanghai and Shenzhen listings: ``600111.SS`` is asked for as ``sh.600111``, ``000831.SZ`` as ``sz.000831``
(:func:`code_for`); other markets get no baostock request. Every value is fetched unadjusted (``adjustflag="3"``,
the close the ratios were computed with).

Values: baostock sends every field as text; an empty string (no earnings yet, a suspended day) is NaN, and so is a
ratio **at or below zero** — a negative P/E (a loss) or P/B (negative book) has no place in a valuation band or a
percentile, so it is stored as missing, not as a number.

How the client is driven, and why (from baostock 0.9.4's source, see also ``tests/baostock_fake.py``):

* Rows are read with ``rs.next()``/``rs.get_row_data()``; ``rs.get_data()`` calls ``DataFrame.append``, which
  pandas 2 removed, as soon as a result spans more than one page (2000 rows).
* The client keeps **one module-level socket** and login state: two threads querying at once receive each other's
  rows. So every baostock call runs under one process-wide lock (:data:`_LOCK`), and ``screener fetch`` runs the
  baostock jobs one after the other in a single worker (``run_pool(..., workers=1)``). The lock is module-level on
  purpose: it guards baostock's own module-level state.
* It prints (``login success!``, errors in Chinese) on stdout: each call runs under ``redirect_stdout`` (inside the
  lock, as that swaps the process-wide ``sys.stdout``), so the CLI's output stays clean.
* It sets no timeout: the socket gets :data:`TIMEOUT` seconds (``socket.setdefaulttimeout`` around ``login()``,
  the one moment it creates its socket). It never raises on network failures either: they come back as error code
  ``10002007``, after which the connection is out of step (a late answer would be read as the next one), so the
  next query logs in again on a new socket.
* A failed request for a *following* page ends the client's iteration as if the data had ended (the error code
  stays "0"): a last page that is still full means exactly that, and is reported as a transport failure.
* When the server closes the connection mid-answer, its receive loop spins forever on an empty ``recv``: the socket
  is wrapped (:class:`_EofGuard`) so end-of-file is an error instead.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

from screener.data.offline import OfflineMemo
from screener.data.pool import Outcome, run_pool
from screener.data.providers import ProviderReport
from screener.data.store import Store
from screener.data.valuation import VALUATION_KIND, key, write_multiples
from screener.errors import ProviderError, ProviderMissing, ProviderUnavailable, StoreCorrupt

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

FIRST_DAY = date(2006, 1, 1)
"""baostock's P/E and P/B series start in 2006: no request reaches further back."""
FIELDS = "date,code,close,peTTM,pbMRQ"
LABEL = "baostock peTTM/pbMRQ"
TIMEOUT = 30.0
"""Seconds a connect or a read may take before the request counts as failed."""
NETWORK_ERROR = "10002007"
"""baostock's code for any transport failure (refused, timed out, dropped)."""
_LOCK = threading.Lock()

Progress = Callable[[str, int], None]


def code_for(ticker: str) -> str | None:
    """baostock's code of a Yahoo symbol: ``600111.SS`` -> ``sh.600111``, ``000831.SZ`` -> ``sz.000831``; None for
    any other market (or a code that is not six digits)."""
    number, _, suffix = ticker.strip().upper().rpartition(".")
    exchange = {"SS": "sh", "SZ": "sz"}.get(suffix)
    if exchange is None or len(number) != 6 or not number.isdigit():
        return None
    return f"{exchange}.{number}"


def import_baostock() -> ModuleType:
    """The baostock package; ProviderMissing (with the install command) when it is not installed."""
    try:
        import baostock
    except ImportError:
        raise ProviderMissing("baostock", "cn", "A-share P/E and P/B history") from None
    return baostock


def _number(text: str) -> float:
    """A ratio as baostock sends it: empty, unparseable or <= 0 -> NaN (see the module docstring)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return float("nan")
    return value if value > 0 and value != float("inf") else float("nan")


def multiples_frame(fields: list[str], rows: list[list[str]]) -> pd.DataFrame:
    """baostock rows (text, in ``fields`` order) -> a frame of ``pb``/``pe`` indexed by trading day (pure)."""
    import pandas as pd

    at = {name.strip(): i for i, name in enumerate(fields)}
    missing = {"date", "peTTM", "pbMRQ"} - set(at)
    if missing:
        raise ProviderError(f"baostock answered without {', '.join(sorted(missing))}")
    days = pd.DatetimeIndex(pd.to_datetime([row[at["date"]] for row in rows], format="%Y-%m-%d"), name="date")
    frame = pd.DataFrame(
        {
            "pb": [_number(row[at["pbMRQ"]]) for row in rows],
            "pe": [_number(row[at["peTTM"]]) for row in rows],
        },
        index=days,
        dtype="float64",
    )
    return frame[~frame.index.duplicated(keep="last")].sort_index()


class _EofGuard:
    """baostock's socket, except that a closed connection (``recv`` returning nothing) raises instead of letting
    the client's receive loop spin forever."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        if not data:
            raise ConnectionError("baostock closed the connection")
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


@dataclass
class Client:
    """A logged-in baostock connection (use :func:`connect`). Not thread-safe: see the module docstring."""

    bs: ModuleType
    timeout: float = TIMEOUT
    _stale: bool = True

    def _quiet(self, call: Callable[[], Any]) -> Any:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = call()
        if out.getvalue().strip():
            log.debug("baostock printed: %s", out.getvalue().strip())
        return result

    def _close_socket(self) -> None:
        import baostock.common.context as context

        sock = getattr(context, "default_socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            context.default_socket = None

    def login(self) -> None:
        """A new connection (the old one, if any, is closed). ProviderUnavailable / ProviderError when refused."""
        import baostock.common.context as context

        self._close_socket()
        default = socket.getdefaulttimeout()
        socket.setdefaulttimeout(self.timeout)  # baostock sets none; its socket is created inside login()
        try:
            result = self._quiet(self.bs.login)
        finally:
            socket.setdefaulttimeout(default)
        if result.error_code != "0":
            self._close_socket()
            raise _error("login", result.error_code, result.error_msg)
        context.default_socket = _EofGuard(context.default_socket)
        self._stale = False

    def logout(self) -> None:
        """Say goodbye (when still in step) and close the socket."""
        if not self._stale:
            with contextlib.suppress(Exception):
                self._quiet(self.bs.logout)
        self._close_socket()
        self._stale = True

    def multiples(self, code: str, start: date, end: date) -> pd.DataFrame:
        """Daily ``pb``/``pe`` of ``code`` (``sh.600111``) from ``start`` to ``end`` (both included), every page.
        ProviderUnavailable on a transport failure (the next call logs in again), ProviderError for an error the
        server sent (unknown code ...)."""
        if self._stale:
            self.login()
        rs = self._quiet(
            lambda: self.bs.query_history_k_data_plus(
                code, FIELDS, start_date=start.isoformat(), end_date=end.isoformat(), frequency="d", adjustflag="3"
            )
        )
        if rs is None:  # the client refused the dates without asking
            raise ProviderError(f"{code}: baostock refused the dates {start} to {end}")
        rows: list[list[str]] = []

        def read() -> None:
            while rs.error_code == "0" and rs.next():  # next() fetches the following page when one is full
                rows.append(rs.get_row_data())

        self._quiet(read)
        import baostock.common.contants as cons

        if rs.error_code == "0" and len(rs.data) == cons.BAOSTOCK_PER_PAGE_COUNT:
            rs.error_code, rs.error_msg = NETWORK_ERROR, f"no answer for page {int(rs.cur_page_num) + 1}"
        if rs.error_code != "0":
            if rs.error_code == NETWORK_ERROR:
                self._stale = True
            raise _error(code, rs.error_code, rs.error_msg)
        return multiples_frame(list(rs.fields or FIELDS.split(",")), rows)


def _error(what: str, code: str, message: str) -> ProviderError:
    text = f"baostock {what}: {message.strip() or 'error'} (code {code})"
    return ProviderUnavailable(text) if code == NETWORK_ERROR else ProviderError(text)


@contextlib.contextmanager
def connect(timeout: float = TIMEOUT) -> Iterator[Client]:
    """A logged-in :class:`Client`, holding the process-wide baostock lock until the block ends (then logged out).
    ProviderMissing without the package; ProviderUnavailable when the server cannot be reached."""
    bs = import_baostock()
    with _LOCK:
        client = Client(bs, timeout)
        try:
            client.login()
            yield client
        finally:
            client.logout()


def first_start(history_start: date, valuation_since: date) -> date:
    """Where a first fetch starts: the earlier of ``[store] history_start`` and ``[valuation] since``, never before
    :data:`FIRST_DAY` (2006-01-01, where baostock's ratios begin)."""
    return max(FIRST_DAY, min(history_start, valuation_since))


def refresh(
    store: Store,
    tickers: list[str],
    *,
    today: date,
    start: date,
    full: bool = False,
    memo: OfflineMemo | None = None,
    ignore_memo: bool = False,
    local: Callable[[Any], Any] | None = None,
    progress: Progress = lambda label, steps: None,
    timeout: float = TIMEOUT,
) -> ProviderReport:
    """``screener fetch --valuation``'s baostock part: for each A-share in ``tickers``, the days after the last
    stored one (``start`` the first time, or with ``full``) up to ``today``, merged into the stored series.

    Never raises for the provider's own failures: a missing package, a remembered outage (``memo``, unless
    ``ignore_memo``) or an unreachable server is the report's ``banner`` (the outage is then remembered); an error
    for one code is that name's problem. When every request so far failed at the transport level the run stops
    there (the server is down, not these names). Jobs run serially in this thread (see the module docstring);
    ``progress`` is called once per A-share.
    """
    codes = {t: code for t in tickers if (code := code_for(t)) is not None}
    report = ProviderReport("baostock", "A-shares", asked=len(codes))
    if not codes:
        return report

    def skip(banner: str, names: list[str]) -> ProviderReport:
        report.banner = banner
        for ticker in names:
            progress(f"baostock {ticker} skipped", 1)
        return report

    try:
        import_baostock()
    except ProviderMissing as exc:
        return skip(f"A-share P/E and P/B history skipped: {exc}", list(codes))
    if memo is not None and not ignore_memo:
        outage = memo.current()
        if outage is not None:
            return skip(f"baostock not asked: {outage.message(local or (lambda m: m), store.clock())}", list(codes))

    jobs: list[tuple[str, date]] = []
    stored_frames: dict[str, pd.DataFrame] = {}
    for ticker in codes:
        try:
            stored = None if full else store.read_series(VALUATION_KIND, key(ticker, "baostock"))
        except StoreCorrupt:
            stored = None  # refetched whole and overwritten
        first = start
        if stored is not None and not stored.frame.empty:
            stored_frames[ticker] = stored.frame
            first = stored.frame.index[-1].date() + timedelta(days=1)
        if first > today:
            report.up_to_date.append(ticker)
            progress(f"baostock {ticker} up to date", 1)
            continue
        jobs.append((ticker, first))
    if not jobs:
        return report

    succeeded = 0
    done: set[str] = set()
    try:
        with connect(timeout) as client:

            def call(job: tuple[str, date]) -> pd.DataFrame:
                ticker, first = job
                return client.multiples(codes[ticker], first, today)

            def handle(outcome: Outcome[tuple[str, date], pd.DataFrame]) -> None:
                nonlocal succeeded
                ticker, _ = outcome.key
                if outcome.error is None:
                    assert outcome.value is not None
                    succeeded += 1
                    report.updated[ticker] = _store(store, ticker, outcome.value, stored_frames.get(ticker))
                elif isinstance(outcome.error, ProviderUnavailable) and not succeeded:
                    raise outcome.error  # nothing got through: the server is down, not this name
                elif isinstance(outcome.error, ProviderError):
                    report.problems[ticker] = str(outcome.error).removeprefix("baostock ")
                else:  # the client met something it does not handle (a changed protocol): this name's problem
                    report.problems[ticker] = f"unexpected answer ({type(outcome.error).__name__}: {outcome.error})"
                done.add(ticker)
                progress(f"baostock {ticker}", 1)

            run_pool(jobs, call, handle, workers=1)  # one worker: baostock's client has one global socket
    except ProviderUnavailable as exc:
        if memo is not None:
            memo.remember(str(exc))
        return skip(
            f"baostock unreachable: {exc}; A-share P/E and P/B history not updated",
            [t for t, _ in jobs if t not in done],
        )
    except ProviderError as exc:  # the login itself was refused
        return skip(f"{exc}; A-share P/E and P/B history not updated", [t for t, _ in jobs if t not in done])
    if succeeded and memo is not None:
        memo.forget()
    return report


def _store(store: Store, ticker: str, new: pd.DataFrame, stored: pd.DataFrame | None) -> int:
    """Merge the new days into the stored series (new values win on a day both have); how many days were new."""
    import pandas as pd

    if new.empty:
        return 0
    with store.locked(VALUATION_KIND, key(ticker, "baostock"), ".parquet"):
        if stored is not None:  # read again under the lock: another fetch may have added days since
            try:
                again = store.read_series(VALUATION_KIND, key(ticker, "baostock"))
            except StoreCorrupt:
                again = None  # kept aside by the write
            stored = again.frame if again is not None else None
        if stored is None or stored.empty:
            merged = new
            added = len(new)
        else:
            old = stored.reindex(columns=["pb", "pe"])
            added = int((~new.index.isin(old.index)).sum())
            both = pd.concat([old, new])
            merged = both[~both.index.duplicated(keep="last")].sort_index()
        write_multiples(store, ticker, "baostock", merged, LABEL)
    return added
