"""The tool's own files are never an output (#21 item 1): `--out` resolved through symlinks is refused, exit 2
naming it, when it is the rating history (or its -wal/-shm), the config in use, a configured universe file,
anything inside the store folder or inside the installed package — and the file is byte-identical after."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from screener.cli import app

from .conftest import PACKAGE, SHARED_DATA, UNIVERSES, EnvRunner, make_config, need


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project folder: its config, its own copies of the universes, a recorded history and a store folder."""
    folder = tmp_path / "work"
    (folder / "universes").mkdir(parents=True)
    for name in ("producers.toml", "magnets.toml"):
        shutil.copy(UNIVERSES / name, folder / "universes" / name)
    files = [str(folder / "universes" / n) for n in ("producers.toml", "magnets.toml")]
    config = make_config(folder, {"universes": {"files": files}})
    runner = EnvRunner()
    recorded = runner.invoke(app, ["drift", "--source", "snapshot", "--as-of", "2025-10-10", "--config", str(config)])
    assert recorded.exit_code in (0, 4), recorded.output
    (folder / "cache" / "consensus").mkdir(parents=True, exist_ok=True)
    return folder


CASES = [
    (["screen", "--format", "csv"], "history.sqlite"),
    (["screen", "--format", "csv"], "history.sqlite-wal"),
    (["drift", "--format", "csv", "--no-record"], "history.sqlite"),
    (["financials", "--format", "csv"], "universes/magnets.toml"),
    (["history", "export"], "config.toml"),
    (["screen", "--format", "json"], "cache/consensus/MP=import.json"),
    (["export"], "universes/producers.toml"),
    (["report"], "cache/report.html"),
]


@pytest.mark.parametrize(("command", "target"), CASES, ids=[f"{c[0]}->{t}" for c, t in CASES])
def test_an_own_file_as_out_is_refused_byte_identical(work: Path, command: list[str], target: str) -> None:
    out = work / target
    before = _digest(out) if out.exists() else None
    args = [*command, "--source", "snapshot", "--as-of", "2025-10-10", "--out", str(out)]
    if command[0] == "history":
        args = [*command, "--out", str(out)]
    result = EnvRunner().invoke(app, [*args, "--config", str(work / "config.toml")])
    assert result.exit_code == 2, result.output
    assert str(out) in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert (_digest(out) if out.exists() else None) == before


def test_a_symlink_to_the_history_is_refused(work: Path) -> None:
    link = work / "latest.csv"
    link.symlink_to(work / "history.sqlite")
    before = _digest(work / "history.sqlite")
    args = ["screen", "--source", "snapshot", "--as-of", "2025-10-10", "--out", str(link)]
    result = EnvRunner().invoke(app, [*args, "--config", str(work / "config.toml")])
    assert result.exit_code == 2 and "own file" in result.stderr
    assert _digest(work / "history.sqlite") == before and link.is_symlink()
    listed = EnvRunner().invoke(app, ["history", "list", "--config", str(work / "config.toml")])
    assert listed.exit_code == 0 and "corrupt" not in listed.output


def test_an_out_inside_the_installed_package_is_refused(work: Path) -> None:
    out = PACKAGE / "defaults" / "comps.csv"
    args = ["screen", "--source", "snapshot", "--as-of", "2025-10-10", "--out", str(out)]
    result = EnvRunner().invoke(app, [*args, "--config", str(work / "config.toml")])
    assert result.exit_code == 2 and not out.exists()


def test_an_ordinary_out_beside_the_config_is_written(work: Path) -> None:
    out = work / "comps.csv"
    args = ["screen", "--source", "snapshot", "--as-of", "2025-10-10", "--format", "csv", "--out", str(out)]
    result = EnvRunner().invoke(app, [*args, "--config", str(work / "config.toml")])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("row_type,")


def test_correlate_out_onto_the_history_is_refused(work: Path) -> None:
    runner = EnvRunner()
    cfg = ["--config", str(work / "config.toml")]
    prices = need(SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv")
    for args in (
        ["fx", "import", "--currency", "CNY"],
        ["oxides", "import", "--series", "nd_cn"],
        ["prices", "import", str(prices), "--ticker", "600111.SS"],
    ):
        imported = runner.invoke(app, [*args, *cfg])  # the test config's registry sources from ../shared/data
        assert imported.exit_code == 0, imported.output
    before = _digest(work / "history.sqlite")
    out = work / "history.sqlite"
    result = runner.invoke(app, ["correlate", "--oxide", "nd_cn", "--format", "csv", "--out", str(out), *cfg])
    assert result.exit_code == 2 and str(out) in result.stderr, result.output
    assert _digest(out) == before
