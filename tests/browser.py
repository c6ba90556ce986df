"""Headless Chromium driven over the DevTools protocol (websocket-client): load a local HTML file, then read the
rendered DOM, whether every image decoded, console errors, and every network request the page made. Used by the
HTML report tests; ``chromium_or_skip`` skips with a clear reason only where no Chromium is installed (CI
installs the Debian package ``chromium``; SCREENER_REQUIRE_BROWSER=1 makes its absence a failure)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_or_skip() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    reason = "no Chromium on PATH (Debian: apt-get install -y chromium; .ci/run installs it)"
    if os.environ.get("SCREENER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class PageLoad:
    """What the browser saw."""

    result: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def load(path: Path, script: str, timeout: float = 60.0, width: int = 1280, media: str = "screen") -> PageLoad:
    """Open ``path`` in headless Chromium at ``width`` CSS pixels, wait for the load event, evaluate ``script`` (a
    JavaScript expression returning JSON-serialisable data) and return it with the console errors, uncaught
    exceptions and requested URLs."""
    import websocket  # websocket-client (dev extra)

    binary = chromium_or_skip()
    profile = tempfile.mkdtemp(prefix="screener-chromium-")
    process = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:  # loopback only
            pages = [t for t in json.load(response) if t["type"] == "page"]
        socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True)
        try:
            return _drive(socket, path, script, deadline, width, media)
        finally:
            socket.close()
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _drive(socket: Any, path: Path, script: str, deadline: float, width: int, media: str) -> PageLoad:
    counter = iter(range(1, 1_000_000))
    seen = PageLoad(None)

    def send(method: str, **params: Any) -> int:
        ident = next(counter)
        socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        return ident

    def pump(until: Any) -> Any:
        while time.monotonic() < deadline:
            message = json.loads(socket.recv())
            method = message.get("method")
            params = message.get("params", {})
            if method == "Network.requestWillBeSent":
                seen.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                seen.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                seen.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                seen.console_errors.append(params["entry"].get("text", ""))
            done = until(message)
            if done is not None:
                return done
        raise TimeoutError("Chromium did not finish in time")

    def reply_to(ident: int) -> Any:
        return pump(lambda m: m if m.get("id") == ident else None)

    for domain in ("Page", "Runtime", "Network", "Log"):
        reply_to(send(f"{domain}.enable"))
    # a real viewport of ``width`` CSS pixels (a headless window cannot be narrower than ~500 px); phones are mobile
    reply_to(
        send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
    )
    reply_to(send("Emulation.setEmulatedMedia", media=media))  # "print": the page as it prints
    send("Page.navigate", url=path.resolve().as_uri())
    pump(lambda m: m if m.get("method") == "Page.loadEventFired" else None)
    reply = reply_to(send("Runtime.evaluate", expression=script, returnByValue=True, awaitPromise=True))
    if "exceptionDetails" in reply["result"]:
        raise AssertionError(f"script failed: {reply['result']['exceptionDetails']}")
    seen.result = reply["result"]["result"].get("value")
    return seen
