"""``cache clear`` (#21 item 4): never follows a symlink (a symlinked kind folder or file is refused: the store
never makes one), deletes only names the store writes (and their locks, temporary and set-aside files), checks
every planned file before deleting any, and is a one-line exit 2 on a read-only store. Real symlinks, a real
read-only folder (as an unprivileged user when the tests run as root), a real folder replaced mid-plan."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.data.store import Store
from screener.fileio import OutputError

from .conftest import make_config, make_env

NOBODY = 65534


def _store(folder: Path) -> Store:
    return Store(folder / "cache", lambda: datetime(2026, 1, 2, tzinfo=UTC))


def _fill(folder: Path) -> Store:
    """A store with a fetched quote, an imported history (each with its lock) and a set-aside unreadable record."""
    import pandas as pd

    store = _store(folder)
    store.write_record("quotes", "MP", {"price": 1.0, "price_date": "2026-01-02"}, source="live")
    frame = pd.DataFrame({"adj_close": [10.0], "close": [10.0]}, index=pd.to_datetime(["2026-01-02"]))
    store.write_prices("MP", frame, source="import", adjusted=True)
    store.path("quotes", "LYC.AX", ".json").write_text("{broken")
    store.write_record("quotes", "LYC.AX", {"price": 2.0, "price_date": "2026-01-02"}, source="live")  # sets aside
    return store


def _clear(config: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["cache", "clear", "--yes", *extra, "--config", str(config)], obj=make_env())


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root`` (links as their target, not followed)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        out[name] = f"-> {os.readlink(path)}" if path.is_symlink() else (path.read_bytes() if path.is_file() else "/")
    return out


def test_the_stores_own_sidecars_are_known_and_cleared(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    store = _fill(tmp_path / "w")
    quotes = store.root / "quotes"
    assert {p.name for p in quotes.iterdir()} >= {".MP.json.lock", ".LYC.AX.json.lock", "MP.json", "LYC.AX.json"}
    assert [p.name for p in quotes.glob("LYC.AX.json.corrupt-*")]
    (quotes / ".MP.json.abcd_123.tmp").write_text("a killed writer's")
    assert _clear(config).exit_code == 0  # re-fetchable only: the quotes and their locks and temporary files
    assert sorted(p.name for p in quotes.iterdir()) == [p.name for p in quotes.glob("LYC.AX.json.corrupt-*")]
    assert store.read_prices("MP") is not None and (store.root / "prices" / ".MP.parquet.lock").exists()
    everything = _clear(config, "--all")
    assert everything.exit_code == 0, everything.output
    assert not any(store.root.iterdir())  # every kind folder emptied and removed


def test_a_users_file_among_store_names_survives(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    store = _fill(tmp_path / "w")
    notes = store.root / "quotes" / "my-notes.json"  # a name the store never writes (tickers are upper case)
    notes.write_text('{"precious": true}')
    before = _tree(store.root)
    result = _clear(config)
    assert result.exit_code == 2 and "my-notes.json" in result.output and "not written by screener" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("error:")]) == 1
    assert _tree(store.root) == before


@pytest.mark.parametrize("what", ["kind folder", "file"])
def test_a_symlink_is_never_followed(tmp_path: Path, what: str) -> None:
    config = make_config(tmp_path / "w")
    store = _fill(tmp_path / "w")
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "MP.json").write_text("the user's own, named like a store file")
    if what == "kind folder":
        shutil.rmtree(store.root / "quotes")
        (store.root / "quotes").symlink_to(outside, target_is_directory=True)
    else:
        (store.root / "quotes" / "ZZ.json").symlink_to(outside / "MP.json")
    before, theirs = _tree(store.root), _tree(outside)
    for args in ((), ("--all",), ("--kind", "quotes")):
        result = _clear(config, *args)
        assert result.exit_code == 2 and "symlinks are never followed" in result.output, result.output
        assert _tree(store.root) == before and _tree(outside) == theirs


def test_nothing_is_deleted_when_one_planned_file_cannot_be(tmp_path: Path) -> None:
    """The plan is made, then (as while `cache clear` waits for its confirmation) the quotes folder is replaced
    by a regular file: the imported history planned before it must not be deleted either."""
    from screener.app import cache

    config = make_config(tmp_path / "w")
    store = _fill(tmp_path / "w")
    env = make_env(config=config)
    plan = cache.plan_clear(env, None, True)
    assert store.path("prices", "MP", ".parquet") in plan.files
    shutil.rmtree(store.root / "quotes")
    (store.root / "quotes").write_text("not a folder any more")
    with pytest.raises(OutputError, match="cache clear deleted nothing"):
        cache.clear(env, plan)
    assert store.read_prices("MP") is not None  # listed first in the plan, still there


def _unprivileged(work: Path, config: Path, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Run ``cache clear --all`` as a user without root's right to write anywhere."""
    if os.geteuid() == 0:
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    result = _clear(config, "--all")
    queue.put((result.exit_code, result.output))


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder an unprivileged user can use (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="screener-ro-"))
    os.chmod(folder, 0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_a_read_only_store_is_one_line_and_deletes_nothing(shared_tmp: Path) -> None:
    """A real read-only folder: as root (CI), the clear runs in a forked process that has dropped to ``nobody``
    (root ignores folder permissions), with the store owned by nobody and one kind folder made read-only."""
    config = make_config(shared_tmp / "w")
    store = _fill(shared_tmp / "w")
    if os.geteuid() == 0:
        for path in [shared_tmp, *shared_tmp.rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)
    (store.root / "quotes").chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    before = _tree(store.root)
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    child = fork.Process(target=_unprivileged, args=(shared_tmp, config, queue))
    child.start()
    code, output = queue.get(timeout=60)
    child.join(30)
    assert code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "read-only" in errors[0] and "deleted nothing" in errors[0], output
    assert "Traceback" not in output
    assert _tree(store.root) == before  # the prices folder, writable, was not touched either
