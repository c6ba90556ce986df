"""The design card's top level (#19): config.toml and universes/ tracked once at the top of the repository, shipped
byte-identical in the wheel, and nothing ever written inside the installed package."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import site
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from screener.cli import app
from screener.config import load_settings
from screener.config.locate import bundled_config, locate
from screener.fileio import OutputError, write_atomic

from .conftest import PACKAGE, REPO_CONFIG, ROOT, SHARED_DATA, UNIVERSES, EnvRunner, make_env, need

REMX = SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv"
TOP_FILES = ["config.toml", "universes/producers.toml", "universes/magnets.toml"]


def _tree_digest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (relative name -> sha256), compiled bytecode left out."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# --- the layout -----------------------------------------------------------------------------------------------------
def test_the_top_level_is_the_design_cards_and_the_package_holds_no_second_copy() -> None:
    for name in ("screener", "universes", "tests", "cache"):
        assert (ROOT / name).is_dir(), name
    for name in ("config.toml", "pyproject.toml"):
        assert (ROOT / name).is_file(), name
    assert sorted(p.name for p in UNIVERSES.glob("*.toml")) == ["magnets.toml", "producers.toml"]
    assert not list(PACKAGE.rglob("*.toml")), "a config or universe file inside the package source"
    assert bundled_config() == REPO_CONFIG  # an editable install / source tree finds the top-level files


def test_in_the_checkout_the_config_is_the_project_one_with_the_store_in_cache(tmp_path: Path) -> None:
    found = locate(None, {}, ROOT, tmp_path / "user-config", tmp_path / "user-data")
    assert found.origin == "./config.toml" and not found.bundled and found.path == ROOT / "config.toml"
    assert "bundled" not in found.describe()
    settings = load_settings(found.path, found.data_home)
    assert settings.cache_dir == ROOT / "cache" and settings.history_db == ROOT / "history.sqlite"
    assert settings.universe_files == tuple(ROOT / f for f in TOP_FILES[1:])


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_git_ignores_the_store_and_the_history_in_the_checkout() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "cache/quotes/MP.json", "history.sqlite", "history.sqlite-wal"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["cache/quotes/MP.json", "history.sqlite", "history.sqlite-wal"]


# --- nothing is written inside the package --------------------------------------------------------------------------
def test_the_writer_refuses_any_target_inside_the_package() -> None:
    target = PACKAGE / "defaults" / "written-by-a-test.toml"
    with pytest.raises(OutputError, match="inside the installed screener package"):
        write_atomic(target, b"x")
    assert not target.exists()
    assert not [p for p in (PACKAGE / "defaults").iterdir() if p.name.startswith(".")]  # no temporary file either


def test_import_holdings_into_a_folder_inside_the_package_is_exit_2(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}
    runner = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path))
    before = _tree_digest(PACKAGE)
    folder = PACKAGE / "defaults"
    result = runner.invoke(
        app, ["universe", "import-holdings", str(need(REMX)), "--name", "remx", "--dir", str(folder)]
    )
    assert result.exit_code == 2 and "inside the installed screener package" in result.stderr
    assert "Traceback" not in result.output and _tree_digest(PACKAGE) == before


def test_view_set_with_the_bundled_defaults_edits_a_copy_in_the_user_config_folder(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}
    # two trading days after the snapshot: its prices are fresh, so the screen below is as of the view's day
    clock = lambda: datetime(2025, 10, 14, 12, tzinfo=UTC)  # noqa: E731
    runner = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path / "elsewhere", clock=clock))
    (tmp_path / "elsewhere").mkdir()
    before = {f: (ROOT / f).read_bytes() for f in TOP_FILES}
    result = runner.invoke(app, ["view", "set", "300748.SZ", "--rating", "Sell", "--target", "30"])
    assert result.exit_code == 0, result.output
    user = tmp_path / "xdg-config" / "screener"
    assert "editable copy" in result.stderr and str(user) in result.stderr
    assert {f: (ROOT / f).read_bytes() for f in TOP_FILES} == before  # the bundled files are untouched
    copied = (user / "universes" / "magnets.toml").read_text()
    assert 'rating = "Sell"' in copied and "target_price = 30.0" in copied
    assert (user / "config.toml").read_bytes() == before["config.toml"]
    # from now on the copy is the config in use: the view is there, with no bundled-defaults banner
    shown = runner.invoke(app, ["screen", "300748.SZ", "--source", "snapshot", "--format", "csv"])
    assert shown.exit_code == 0 and "bundled defaults" not in shown.stderr
    row = next(r for r in csv.DictReader(io.StringIO(shown.stdout)) if r["ticker"] == "300748.SZ")
    assert row["house_rating"] == "Sell" and float(row["target_price"]) == 30.0


# --- from an installed wheel ------------------------------------------------------------------------------------------
SOURCES = ["screener", "universes", "config.toml", "setup.py", "pyproject.toml", "MANIFEST.in", "README.md"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the repository's sources (the checkout itself is left untouched)."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(folder),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (path,) = folder.glob("screener-*.whl")
    return path


def test_the_wheel_carries_the_top_level_files_byte_identical(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        for name in TOP_FILES:
            assert archive.read(f"screener/defaults/{name}") == (ROOT / name).read_bytes(), name
    assert not [n for n in names if n.startswith(("universes/", "config.toml"))]  # only inside the package


def test_from_an_installed_wheel_nothing_is_written_inside_the_package(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(
        subprocess.check_output(
            [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        )
        .decode()
        .strip()
    )
    # the dependencies come from the test's own environment (a plain path: its editable screener is not activated)
    (purelib / "deps.pth").write_text(site.getsitepackages()[0] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(purelib), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    package = purelib / "screener"
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    environ = {"PATH": os.environ["PATH"], "HOME": str(home), "SCREENER_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}

    def screener(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from screener.cli import run; sys.argv[0] = 'screener'; run()"
        return subprocess.run(
            [str(venv / "bin" / "python"), "-c", code, *args],
            cwd=work,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import screener; print(screener.__file__)"],
        cwd=work,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip() == str(package / "__init__.py")  # the wheel's copy, not the checkout
    before = _tree_digest(package)
    assert before["defaults/config.toml"] == hashlib.sha256(REPO_CONFIG.read_bytes()).hexdigest()
    view = screener("view", "set", "300748.SZ", "--rating", "Sell", "--target", "30")
    assert view.returncode == 0, view.stderr
    imported = screener("universe", "import-holdings", str(need(REMX)), "--name", "remx")
    assert imported.returncode == 0, imported.stderr
    screened = screener("screen", "-u", "remx", "--format", "csv")
    assert screened.returncode == 0, screened.stderr
    assert _tree_digest(package) == before, "a file inside the installed package changed"
    user = home / ".config" / "screener"
    assert 'rating = "Sell"' in (user / "universes" / "magnets.toml").read_text()
    assert (user / "universes" / "remx.toml").is_file()
    assert "LYC.AX" in screened.stdout and "editable copy" in view.stderr
