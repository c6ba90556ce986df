"""Shared fixtures: the repository's own config and universes, a CLI runner, the shared data folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# yfinance must use plain requests so that tests can hand it a requests.Session (set before it is imported)
os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
REFERENCE = SHARED / "spec" / "reference"
REPO_CONFIG = ROOT / "config.toml"


def make_config(folder: Path, **replacements: str) -> Path:
    """The repository's config.toml with absolute universe paths and the store and rating history inside
    ``folder`` (tests never read or write the developer's own cache/ or history); ``replacements`` edit the
    text further (old=new)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = REPO_CONFIG.read_text()
    text = text.replace('"universes/', f'"{ROOT}/universes/')
    text = text.replace('dir = "cache"', f'dir = "{folder / "cache"}"')
    text = text.replace('path = "history.sqlite"', f'path = "{folder / "history.sqlite"}"')
    for old, new in replacements.items():
        text = text.replace(old, new)
    path = folder / "config.toml"
    path.write_text(text)
    return path


CONFIG = make_config(Path(tempfile.mkdtemp(prefix="screener-tests-")))


def need(path: Path) -> Path:
    """Skip the test with a clear reason when a file from ../shared is absent (fail instead when
    SCREENER_REQUIRE_SHARED=1, as CI sets it: there the real-data checks must run)."""
    if not path.exists():
        reason = f"{path} is absent: the shared data folder must sit beside the repository (../shared)"
        if os.environ.get("SCREENER_REQUIRE_SHARED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    from screener.config import load_settings

    return load_settings(CONFIG)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config whose store and rating history live in this test's temporary folder."""
    return make_config(tmp_path / "work")


class _NoNetwork:
    """A requests transport adapter that refuses every request: tests never touch the network."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        import requests
        from requests.adapters import BaseAdapter

        class Adapter(BaseAdapter):
            def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
                raise requests.ConnectionError(f"network disabled in tests: {request.url}")

            def close(self) -> None:
                pass

        session = requests.Session()
        session.mount("https://", Adapter())
        session.mount("http://", Adapter())
        return session


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Yahoo session a test builds refuses all requests unless the test installs a fake transport."""
    monkeypatch.setattr("screener.sources._yahoo_session", lambda: _NoNetwork())
