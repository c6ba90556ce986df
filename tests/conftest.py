"""Shared fixtures: the repository's own config and universes, a CLI runner, the shared data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
REFERENCE = SHARED / "spec" / "reference"
CONFIG = ROOT / "config.toml"


def need(path: Path) -> Path:
    """Skip the test with a clear reason when a file from ../shared is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder must sit beside the repository (../shared)")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    from screener.config import load_settings

    return load_settings(CONFIG)
