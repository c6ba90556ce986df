"""The fake Yahoo (tests/yahoo_fake.py) served from a child process, for benchmarks.

In the tests the fake's loopback proxy runs in the test's own process; for timing that would charge the fake's
work (TLS, JSON, routing) to the client's interpreter lock, which real Yahoo never does. Here the fake is forked
into its own process and driven over a pipe: the client pays only for its requests and its own parsing.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from typing import Any

from tests.yahoo_fake import FakeYahoo, ProxyServer


class _Control:
    """What the parent may ask of the fake in the child."""

    def __init__(self, fake: FakeYahoo) -> None:
        self.fake = fake

    def reset_log(self) -> None:
        self.fake.reset_log()
        self.fake.max_in_flight = 0

    def requests(self) -> int:
        return sum(self.fake.counts.values())

    def counts(self) -> dict[str, int]:
        return dict(self.fake.counts)

    def peak(self) -> int:
        return self.fake.max_in_flight

    def last_chart_windows(self) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
        """Per stock symbol, the last chart window requested."""
        out = []
        for symbol in self.fake.symbols:
            if "=" not in symbol:
                out.extend(self.fake.chart_ranges(symbol)[-1:])
        return out

    def charts(self) -> int:
        return len(self.fake.calls("chart"))

    def add_day(self, day: dt.date, now: dt.datetime) -> None:
        """A new bar for every symbol (1% up) and a later 'now'."""
        for sym in self.fake.symbols.values():
            sym.bars[day] = sym.bars[max(sym.bars)] * 1.01
        self.fake.now = now


def _serve(fake: FakeYahoo, conn: Any) -> None:
    server = ProxyServer(fake)
    conn.send(server.url)
    control = _Control(fake)
    while True:
        message = conn.recv()
        if message is None:
            break
        method, args = message
        conn.send(getattr(control, method)(*args))
    server.stop()


class FakeYahooProcess:
    """A forked fake Yahoo: ``session()`` gives a curl_cffi session to it; ``ask(method, ...)`` drives it."""

    def __init__(self, fake: FakeYahoo) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(fake, child), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()

    def ask(self, method: str, *args: Any) -> Any:
        self._conn.send((method, args))
        return self._conn.recv()

    def session(self) -> Any:
        from curl_cffi import requests as curl_requests

        return curl_requests.Session(impersonate="chrome", verify=False, proxy=self.url, timeout=30)

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=10)
        self._conn.close()
