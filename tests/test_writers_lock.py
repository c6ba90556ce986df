"""Writers lock (#21 item 2): parallel writers of one stored or universe file keep every update; a lock held too
long is exit 2 naming the file; a killed writer's temporary file is removed by the next writer.

Real processes: workers are forked (the fork start method) and call the use-case functions directly, all released
together by a barrier, so each repetition is eight real read-modify-writes racing for one file.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.data.store import Store
from screener.fileio import atomic_path, lock_name

from .conftest import make_config, make_env

WRITERS = 8
REPEATS = int(os.environ.get("SCREENER_LOCK_REPEATS", "20"))
"""Races per command (8 writers each), the issue's figure: about 40 s for the five commands on an idle 2-core
machine (the writes are serial by design); ``SCREENER_LOCK_REPEATS=5`` for a quick run."""
FORK = multiprocessing.get_context("fork")
UNIVERSE = (
    '[universe]\nname = "locks"\n\n[[company]]\nticker = "MP"\nname = "MP Materials"\ngroup = "US"\n'
    'currency = "USD"\nfiscal_year_end_month = 12\n'
)


def race(jobs: list[Callable[[], object]], timeout: float = 120) -> list[int | None]:
    """Run each job in its own forked process, all released at once; their exit codes (0: done)."""
    barrier = FORK.Barrier(len(jobs))

    def work(job: Callable[[], object]) -> None:
        barrier.wait()
        job()

    workers = [FORK.Process(target=work, args=(job,)) for job in jobs]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    return [worker.exitcode for worker in workers]


def days(i: int) -> list[date]:
    """Writer ``i``'s own three days (disjoint from every other writer's)."""
    return [date(2024, 1, 1) + timedelta(days=3 * i + k) for k in range(3)]


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import what the writers use once, before forking, so each race times the writes, not eight imports."""
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import tomlkit  # noqa: F401

    import screener.app.estimates
    import screener.app.imports
    import screener.app.views
    import screener.data.oxides
    import screener.data.price_files  # noqa: F401


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "work"
    universe = tmp_path / "locks.toml"
    universe.write_text(UNIVERSE)
    make_config(folder, {"universes": {"files": [str(universe)]}, "store": {"lock_timeout_seconds": 60}})
    yield folder


def _files(folder: Path, name: str, text: Callable[[int], str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(WRITERS):
        path = folder / f"{name}{i}.csv"
        path.write_text(text(i))
        out.append(path)
    return out


def _series_csv(i: int) -> str:
    return "date,value\n" + "".join(f"{d},{7.0 + i + k / 10}\n" for k, d in enumerate(days(i)))


def _view_set(config: Path, i: int) -> None:
    from screener.app.views import NewView, set_view

    set_view(make_env(config=config), NewView("MP", "Buy", 20.0 + i, on=date(2024, 2, 1) + timedelta(days=i)))


def _prices(config: Path, file: Path) -> None:
    from screener.app.imports import PriceImport, import_prices

    import_prices(make_env(config=config), PriceImport(file, "MP"))


def _estimates(config: Path, file: Path) -> None:
    from screener.app.estimates import import_estimates

    import_estimates(make_env(config=config), file)


def _fx(config: Path, file: Path) -> None:
    from screener.app.imports import FxImport, import_fx_history

    import_fx_history(make_env(config=config), FxImport("CNY", str(file)))


def _oxides(config: Path, file: Path) -> None:
    from screener.app.imports import OxideImport, import_oxides

    options = OxideImport("lock_test", str(file), value_col="value", unit="CNY/kg", currency="CNY")
    import_oxides(make_env(config=config), options)


def _stored_days(config: Path) -> dict[str, int]:
    """What each command's file holds after a race (views, price rows, sets, FX rows, oxide rows)."""
    from screener.universe import load_universe

    store = Store(config.parent / "cache", clock=lambda: None)  # type: ignore[arg-type,return-value]
    universe = load_universe(config.parent.parent / "locks.toml", date.today())
    found = {"view set": len(universe.companies[0].views)}
    prices = store.read_prices("MP")
    found["prices import"] = 0 if prices is None else len(prices.frame)
    record = store.read_record("consensus", "MP=import")
    found["estimates import"] = 0 if record is None else len(record.payload["sets"])
    for kind, key, name in (("fx", "CNY", "fx import"), ("oxides", "lock_test", "oxides import")):
        series = store.read_series(kind, key)
        found[name] = 0 if series is None else len(series.frame)
    return found


EXPECTED = {
    "view set": WRITERS,
    "prices import": 3 * WRITERS,
    "estimates import": WRITERS,
    "fx import": 3 * WRITERS,
    "oxides import": 3 * WRITERS,
}


@pytest.mark.parametrize("command", list(EXPECTED))
def test_parallel_writers_keep_every_update(work: Path, tmp_path: Path, command: str) -> None:
    config = work / "config.toml"
    universe = tmp_path / "locks.toml"
    inputs = tmp_path / "in"
    makers: dict[str, Callable[[int], Callable[[], object]]] = {
        "view set": lambda i: lambda: _view_set(config, i),
    }
    prices = _files(inputs, "p", lambda i: "date,close\n" + "".join(f"{d},{10 + i}.5\n" for d in days(i)))
    sets = _files(
        inputs, "e", lambda i: f"ticker,fiscal_year,as_of,eps\nMP,2025,{date(2024, 3, 1) + timedelta(days=i)},0.{i}\n"
    )
    series = _files(inputs, "s", _series_csv)
    makers["prices import"] = lambda i: lambda: _prices(config, prices[i])
    makers["estimates import"] = lambda i: lambda: _estimates(config, sets[i])
    makers["fx import"] = lambda i: lambda: _fx(config, series[i])
    makers["oxides import"] = lambda i: lambda: _oxides(config, series[i])
    lost = []
    for repeat in range(REPEATS):
        universe.write_text(UNIVERSE)
        for path in (work / "cache").glob("*/*"):
            path.unlink()
        codes = race([makers[command](i) for i in range(WRITERS)])
        assert codes == [0] * WRITERS, f"repeat {repeat}: exit codes {codes}"
        found = _stored_days(config)[command]
        if found != EXPECTED[command]:
            lost.append(f"repeat {repeat}: {found} of {EXPECTED[command]}")
    assert not lost, f"{command}: updates lost in {len(lost)} of {REPEATS} races: {lost}"


# --- readers while a writer replaces the file ------------------------------------------------------------------
def _rewrite(root: Path, stop: object) -> None:
    import pandas as pd

    store = Store(root, clock=lambda: datetime(2026, 1, 2, tzinfo=UTC))
    frame = pd.DataFrame({"adj_close": 1.0, "close": 1.0}, index=pd.bdate_range("2015-01-01", periods=2000))
    rows = 1000
    while not stop.is_set():  # type: ignore[attr-defined]
        rows = 1000 + (rows + 37) % 1000
        store.write_prices("MP", frame.iloc[:rows], source="import", adjusted=True, merge=False)


def test_a_reader_never_sees_a_file_half_replaced(tmp_path: Path) -> None:
    """Lock-free readers: each read takes one version of the file (pyarrow given a path opened it twice, and a
    rename in between gave "page was smaller than expected" in about 1 read in 30)."""
    store = Store(tmp_path, clock=lambda: None)  # type: ignore[arg-type,return-value]
    stop = FORK.Event()
    writer = FORK.Process(target=_rewrite, args=(tmp_path, stop))
    writer.start()
    torn, reads, until = [], 0, time.monotonic() + 3
    try:
        while time.monotonic() < until:
            try:
                if store.read_prices("MP") is not None:
                    reads += 1
                store.read_adjusted_closes("MP")
            except Exception as exc:  # any failure is the defect
                torn.append(str(exc))
    finally:
        stop.set()
        writer.join(30)
    assert reads > 50 and not torn, f"{len(torn)} torn reads of {reads + len(torn)}: {torn[:2]}"


# --- a lock held too long -----------------------------------------------------------------------------------------
def _hold(lock: Path, ready: object, release: object) -> None:
    from filelock import FileLock

    with FileLock(lock):
        ready.set()  # type: ignore[attr-defined]
        release.wait(60)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("command", "locked_file"),
    [
        (["prices", "import", "{prices}", "--ticker", "MP"], "cache/prices/MP.parquet"),
        (["estimates", "import", "{estimates}"], "cache/consensus/MP=import.json"),
        (["view", "set", "MP", "--rating", "Buy", "--target", "30", "--on", "2024-05-02"], "../locks.toml"),
    ],
)
def test_a_lock_held_too_long_is_exit_2_naming_the_file(tmp_path: Path, command: list[str], locked_file: str) -> None:
    folder = tmp_path / "work"
    universe = tmp_path / "locks.toml"
    universe.write_text(UNIVERSE)
    config = make_config(folder, {"universes": {"files": [str(universe)]}, "store": {"lock_timeout_seconds": 1}})
    inputs = {"prices": tmp_path / "p.csv", "estimates": tmp_path / "e.csv"}
    inputs["prices"].write_text("date,close\n2024-01-02,10\n")
    inputs["estimates"].write_text("ticker,fiscal_year,as_of,eps\nMP,2025,2024-03-01,0.5\n")
    target = (folder / locked_file).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    before = target.read_bytes() if target.exists() else None
    ready, release = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold, args=(target.with_name(lock_name(target.name)), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        args = [a.format(**{k: str(v) for k, v in inputs.items()}) for a in command]
        started = time.monotonic()
        result = CliRunner().invoke(app, [*args, "--config", str(config)], obj=make_env())
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(30)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and target.name in errors[0] and "lock" in errors[0], result.output
    assert 1.0 <= waited < 10, waited  # it waited for the lock, then gave up
    assert (target.read_bytes() if target.exists() else None) == before  # nothing written


# --- a killed writer's temporary file -----------------------------------------------------------------------------
def _killed_writer(target: Path) -> None:
    """A writer killed (SIGKILL) halfway through writing its temporary file."""
    with atomic_path(target) as temp:
        temp.write_bytes(b"half a file")
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("command", ["prices import", "view set"])
def test_a_killed_writers_temp_file_is_removed_by_the_next_writer(work: Path, tmp_path: Path, command: str) -> None:
    config = work / "config.toml"
    if command == "prices import":
        target = work / "cache" / "prices" / "MP.parquet"
        first, second = tmp_path / "a.csv", tmp_path / "b.csv"
        first.write_text("date,close\n2024-01-02,10\n")
        second.write_text("date,close\n2024-01-03,11\n")
        _prices(config, first)
        write_again: Callable[[], None] = lambda: _prices(config, second)  # noqa: E731
    else:
        target = tmp_path / "locks.toml"
        write_again = lambda: _view_set(config, 3)  # noqa: E731
    killed = FORK.Process(target=_killed_writer, args=(target,))
    killed.start()
    killed.join(30)
    assert killed.exitcode == -signal.SIGKILL
    left = [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].read_bytes() == b"half a file"  # what a killed writer leaves
    mine = target.parent / f".{target.name}.my-notes.tmp"  # not a name the writer makes: never touched
    mine.write_text("keep")
    write_again()
    assert not left[0].exists() and mine.read_text() == "keep"
    if command == "prices import":
        stored = Store(work / "cache", clock=lambda: None).read_prices("MP")  # type: ignore[arg-type,return-value]
        assert stored is not None and len(stored.frame) == 2
    else:
        assert "2024-02-04" in target.read_text()


if __name__ == "__main__":  # pragma: no cover - timing by hand: python -m tests.test_writers_lock
    sys.exit(pytest.main([__file__, "-q", "--durations=0"]))
