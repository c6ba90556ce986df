"""http(s) sources (#21 item 7) against a real loopback server: a body the parser rejects is not cached, redirects
stay on the same host, and a password in the URL is used for the request but never stored, logged or printed."""

from __future__ import annotations

import base64
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from screener.cli import app
from screener.data.http import redact, split_credentials
from screener.data.store import Store

from .conftest import EnvRunner, make_config

GOOD = b"date,value\n2024-01-02,7.10\n2024-01-03,7.12\n2024-01-04,7.11\n"
MAINTENANCE = b"<html><body><h1>Down for maintenance</h1></body></html>"
PASSWORD = "s3cr3t-pa55"


@dataclass
class Plan:
    """What the server answers, and what it saw."""

    body: bytes = GOOD
    redirect_to: str = ""
    need_auth: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    plan = Plan()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        plan = _Handler.plan
        plan.seen.append((self.path, self.headers.get("Authorization", "")))
        if plan.redirect_to and self.path == "/fx.csv":
            self.send_response(302)
            self.send_header("Location", plan.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if plan.need_auth and self.headers.get("Authorization", "") != plan.need_auth:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(plan.body)))
        self.end_headers()
        self.wfile.write(plan.body)


@pytest.fixture
def port() -> Iterator[int]:
    _Handler.plan = Plan()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _fx(tmp_path: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path / "work")
    return EnvRunner().invoke(app, ["fx", "import", url, "--currency", "CNY", "--config", str(config), *extra])


def test_credentials_are_split_off_and_redacted() -> None:
    assert split_credentials("https://ana:p%40ss@host.example:8443/a.csv?x=1") == (
        "https://host.example:8443/a.csv?x=1",
        ("ana", "p@ss"),
    )
    assert split_credentials("https://host.example/a.csv") == ("https://host.example/a.csv", None)
    assert redact("https://ana:p%40ss@host.example:8443/a.csv") == "https://ana:***@host.example:8443/a.csv"
    assert redact("http://:tok@h/x") == "http://***@h/x"
    assert redact("https://host.example/a.csv") == "https://host.example/a.csv"


def test_a_rejected_body_is_not_cached_so_the_next_import_asks_again(tmp_path: Path, port: int) -> None:
    url = f"http://127.0.0.1:{port}/fx.csv"
    _Handler.plan.body = MAINTENANCE
    refused = _fx(tmp_path, url)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    _Handler.plan.body = GOOD  # the server is back: the next import must ask it, not re-read the cached page
    fixed = _fx(tmp_path, url)
    assert fixed.exit_code == 0, fixed.output
    assert [path for path, _ in _Handler.plan.seen] == ["/fx.csv", "/fx.csv"]


def test_a_good_body_is_served_from_the_cache_within_its_expiry(tmp_path: Path, port: int) -> None:
    url = f"http://127.0.0.1:{port}/fx.csv"
    assert _fx(tmp_path, url).exit_code == 0
    assert _fx(tmp_path, url).exit_code == 0
    assert len(_Handler.plan.seen) == 1  # the cache still works for bodies the parser took


def test_a_redirect_to_the_same_host_is_followed(tmp_path: Path, port: int) -> None:
    _Handler.plan.redirect_to = "/moved/fx.csv"
    result = _fx(tmp_path, f"http://127.0.0.1:{port}/fx.csv")
    assert result.exit_code == 0, result.output
    assert [path for path, _ in _Handler.plan.seen] == ["/fx.csv", "/moved/fx.csv"]


def test_a_redirect_to_another_host_is_refused_naming_both(tmp_path: Path, port: int) -> None:
    _Handler.plan.redirect_to = f"http://localhost:{port}/elsewhere.csv"  # the same machine, another host name
    result = _fx(tmp_path, f"http://127.0.0.1:{port}/fx.csv")
    assert result.exit_code == 2, result.output
    message = result.stderr
    assert "127.0.0.1" in message and "localhost" in message and "refused" in message
    assert len(message.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert [path for path, _ in _Handler.plan.seen] == ["/fx.csv"]  # nothing asked of the other host


def test_a_password_in_the_url_is_used_but_never_stored_or_printed(tmp_path: Path, port: int) -> None:
    _Handler.plan.need_auth = "Basic " + base64.b64encode(f"analyst:{PASSWORD}".encode()).decode()
    url = f"http://analyst:{PASSWORD}@127.0.0.1:{port}/fx.csv"
    result = _fx(tmp_path, url)
    assert result.exit_code == 0, result.output
    assert _Handler.plan.seen[0][1] == _Handler.plan.need_auth  # sent as basic auth
    assert PASSWORD not in result.output
    config = tmp_path / "work" / "config.toml"
    stored = Store(config.parent / "cache", lambda: datetime.now(UTC)).read_series("fx", "CNY")
    assert stored is not None and f"analyst:***@127.0.0.1:{port}/fx.csv" in str(stored.meta)
    info = EnvRunner().invoke(app, ["cache", "info", "--config", str(config)])
    assert info.exit_code == 0 and PASSWORD not in info.output
    for path in (tmp_path / "work").rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_an_unreachable_url_with_a_password_names_it_redacted(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    result = _fx(tmp_path, f"http://analyst:{PASSWORD}@127.0.0.1:{free}/fx.csv")
    assert result.exit_code != 0 and PASSWORD not in result.output and "analyst:***@" in result.output


NOBODY = 65534


def _fx_as_nobody(config: Path, url: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """``fx import URL`` as a user without root's right to write anywhere."""
    if os.geteuid() == 0:
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    result = EnvRunner().invoke(app, ["fx", "import", url, "--currency", "CNY", "--config", str(config)])
    queue.put((result.exit_code, result.output + (repr(result.exception) if result.exit_code == 1 else "")))


@pytest.mark.parametrize("made", [False, True], ids=["no-http-folder", "http-folder-exists"])
def test_an_import_from_a_url_into_a_read_only_store_is_one_line(port: int, made: bool) -> None:
    """#21: a read-only store (say, after a partial clear) is a one-line error naming the folder, exit 2 — as root
    the import runs in a forked process dropped to ``nobody`` (root ignores folder permissions)."""
    folder = Path(tempfile.mkdtemp(prefix="screener-ro-http-"))
    try:
        config = make_config(folder / "w")
        store = folder / "w" / "cache"
        (store / "http").mkdir(parents=True) if made else store.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for path in [folder, *folder.rglob("*")]:
                os.lchown(path, NOBODY, NOBODY)
        (store / "http" if made else store).chmod(0o555)
        os.chmod(folder, 0o755)
        # the same import once in a writable folder first: the child (as nobody) cannot read the interpreter's
        # library under /root, so every module the import needs must already be loaded when it forks
        warm = make_config(folder / "warm")
        assert EnvRunner().invoke(app, ["fx", "import", f"http://127.0.0.1:{port}/fx.csv", "--currency", "CNY",
                                        "--config", str(warm)]).exit_code == 0  # fmt: skip
        fork = multiprocessing.get_context("fork")
        queue = fork.Queue()
        child = fork.Process(target=_fx_as_nobody, args=(config, f"http://127.0.0.1:{port}/fx.csv", queue))
        child.start()
        code, output = queue.get(timeout=60)
        child.join(30)
        assert code == 2, output
        errors = [line for line in output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "read-only" in errors[0] and "Traceback" not in output
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)
