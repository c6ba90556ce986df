"""Shared fixtures: the repository's own config and universes, a CLI runner, the shared data folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from screener.environment import Environment

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
REFERENCE = SHARED / "spec" / "reference"
PACKAGE = ROOT / "screener"
REPO_CONFIG = ROOT / "config.toml"
"""The design card's top level: config.toml and universes/ tracked once, at the top of the repository."""
UNIVERSES = ROOT / "universes"

# Tests never see the developer's own config, store or history: user folders point into a temporary directory and
# the variables that change where screener looks or whether it goes online are cleared.
_HOME = Path(tempfile.mkdtemp(prefix="screener-tests-home-"))
for _variable, _sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
    os.environ[_variable] = str(_HOME / _sub)
for _variable in ("SCREENER_CONFIG", "SCREENER_OFFLINE"):
    os.environ.pop(_variable, None)

SHARED_SOURCES = {
    ("fx", "CNY"): "fx/DEXCHUS_usdcny_1981_2025.csv",
    ("oxides", "nd_cn"): "oxides/cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv",
    ("oxides", "pr_cn"): "oxides/cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv",
    ("oxides", "dy_smm"): "oxides/smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv",
    ("oxides", "nd_komis"): "oxides/komis_neodymium_99.5_fob_china_usd_kg_daily_2024_2026.csv",
}
"""The tests' own sources for the bundled registry (the shipped config points at no test data)."""


def make_config(folder: Path, edits: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """The bundled config.toml, parsed and rewritten into ``folder``: universe paths absolute, the registry's
    series sourced from ../shared/data, the store and the rating history inside ``folder`` (tests never read or
    write the developer's own cache or history). ``edits`` set keys further: ``{"store": {"ttl_hours": 0}}`` (a
    whole table value for arrays of tables: ``{"fx": {"series": [...]}}``)."""
    import tomlkit

    folder.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.parse(REPO_CONFIG.read_text())
    doc["universes"]["files"] = [str(ROOT / f) for f in doc["universes"]["files"]]  # type: ignore[index,union-attr]
    for section, key in (("oxides", "id"), ("fx", "currency")):
        for entry in doc.get(section, {}).get("series", []):  # type: ignore[union-attr]
            source = SHARED_SOURCES.get((section, str(entry[key])))
            if source and "source" not in entry:
                entry["source"] = str(SHARED_DATA / source)
    doc["store"]["dir"] = str(folder / "cache")  # type: ignore[index]
    doc["history"]["path"] = str(folder / "history.sqlite")  # type: ignore[index]
    for section, values in (edits or {}).items():
        table = doc.setdefault(section, tomlkit.table())
        for key, value in values.items():
            table[key] = value  # type: ignore[index]
    path = folder / "config.toml"
    path.write_text(tomlkit.dumps(doc))
    from screener.config import load_settings

    settings = load_settings(path)
    for where in (settings.cache_dir, settings.history_db):
        assert folder.resolve() in where.resolve().parents, f"test config points outside {folder}: {where}"
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


def no_network_session(yfinance_cache: Path | None = None):  # type: ignore[no-untyped-def]
    """A requests session whose transport refuses every request: tests never touch the network."""
    return _NoNetwork()


class TickingClock:
    """A fake clock for the environment: starts at ``start`` and moves ``step`` forward on every reading (so a
    time-to-live of 0 expires, as it would with a real clock); ``advance`` jumps."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_env(**kwargs: Any) -> Environment:
    """A test environment: no network unless a Yahoo or HTTP session factory is given; other keywords (clock,
    stdout, environ ...) as :class:`~screener.environment.Environment` takes them."""
    kwargs.setdefault("yahoo_session_factory", no_network_session)
    return Environment(**kwargs)


class EnvRunner(CliRunner):
    """A CliRunner that runs every command in a test environment (``env_factory()``, built per invocation)."""

    def __init__(self, env_factory: Callable[[], Environment] = make_env, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.env_factory = env_factory

    def invoke(self, cli: Any, args: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("obj", self.env_factory())
        return super().invoke(cli, args, **kwargs)


@pytest.fixture
def runner() -> CliRunner:
    return EnvRunner()


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
