"""A bounded worker pool for network fetches.

At most ``workers`` calls are in flight; each result (or exception) is handed back to the **calling thread** as
it completes, so the store is written and the progress bar advanced from one thread, and whatever finished is
kept when the run stops early. Dispatch can be held (``hold()`` true: no new call starts; if it is still true
once nothing is in flight, the run stops and returns the keys never started). When the handler raises — an
interrupt (Ctrl-C lands in the main thread), or an error it decides is fatal — the calls not yet started are
cancelled and the exception propagates; calls already on the wire finish in the background and are discarded.

``workers == 1`` runs the calls one after the other in the calling thread (the serial path, no threads).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[K, R]):
    """One finished call: its key and either its value or the exception it raised."""

    key: K
    value: R | None = None
    error: BaseException | None = None


def run_pool(
    keys: Iterable[K],
    call: Callable[[K], R],
    on_outcome: Callable[[Outcome[K, R]], None],
    *,
    workers: int,
    hold: Callable[[], bool] = lambda: False,
) -> list[K]:
    """Run ``call(key)`` for every key with at most ``workers`` in flight; ``on_outcome`` in this thread as each
    finishes. Returns the keys never started (held when nothing was left in flight); [] when all ran."""
    pending = list(keys)
    pending.reverse()  # pop() from the end keeps the callers' order
    if workers <= 1:
        while pending:
            if hold():
                return list(reversed(pending))
            key = pending.pop()
            on_outcome(_run(call, key))
        return []
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="screener-fetch")
    in_flight: dict[Future[Outcome[K, R]], K] = {}
    try:
        while pending or in_flight:
            while pending and len(in_flight) < workers and not hold():
                key = pending.pop()
                in_flight[executor.submit(_run, call, key)] = key
            if not in_flight:  # held with nothing running: stop here
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                del in_flight[future]
                on_outcome(future.result())
    except BaseException:
        for future in in_flight:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return list(reversed(pending))


def _run(call: Callable[[K], R], key: K) -> Outcome[K, R]:
    try:
        return Outcome(key, call(key))
    except Exception as exc:  # handed to the caller's thread; BaseException (interrupts) propagates
        return Outcome(key, error=exc)
