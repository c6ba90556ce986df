"""Faults on real files, processes and sockets: nothing stored is ever lost, nothing written can hurt whoever
opens it, and a hostile server cannot hold the tool or its memory."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.data.store import Store

from .conftest import ROOT, SHARED_DATA, make_config, need

NRE = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv"


def now() -> datetime:
    return datetime(2026, 11, 27, 12, tzinfo=UTC)


def store_of(config: Path) -> Store:
    return Store(config.parent / "cache", now)


# ------------------------------------------------------------------------------------------------ imports keep data
def test_blank_closes_never_overwrite_stored_prices(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(config)]
    assert runner.invoke(app, ["prices", "import", str(need(NRE)), "--ticker", "600111.SS", *cfg]).exit_code == 0
    before = store_of(config).read_prices("600111.SS")
    assert before is not None
    blank = tmp_path / "b.csv"
    blank.write_text("date,close\n2021-12-30,\n2021-12-31,\n")
    result = runner.invoke(app, ["prices", "import", str(blank), "--ticker", "600111.SS", *cfg])
    assert result.exit_code == 2 and "no valid price row" in result.output
    after = store_of(config).read_prices("600111.SS")
    assert after is not None
    pd.testing.assert_frame_equal(after.frame, before.frame)
    # one blank and one new day: the blank day keeps its stored close, the new day is added, the note counts it
    mixed = tmp_path / "m.csv"
    mixed.write_text("date,close\n2021-12-30,\n2022-01-17,44.0\n")
    result = runner.invoke(app, ["prices", "import", str(mixed), "--ticker", "600111.SS", *cfg])
    assert result.exit_code == 0 and "1 row(s) with a blank close skipped" in result.output
    merged = store_of(config).read_prices("600111.SS")
    assert merged is not None
    day = pd.Timestamp("2021-12-30")
    assert merged.frame.loc[day, "close"] == before.frame.loc[day, "close"]
    assert merged.frame.loc[pd.Timestamp("2022-01-17"), "close"] == 44.0


def test_header_only_replace_changes_nothing(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(config)]
    good = tmp_path / "g.csv"
    good.write_text("date,close\n2021-01-04,10\n2021-01-05,11\n")
    assert runner.invoke(app, ["prices", "import", str(good), "--ticker", "MP", *cfg]).exit_code == 0
    path = store_of(config).path("prices", "MP", ".parquet")
    kept = path.read_bytes()
    empty = tmp_path / "e.csv"
    empty.write_text("date,close\n")
    result = runner.invoke(app, ["prices", "import", str(empty), "--ticker", "MP", "--replace", *cfg])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert path.read_bytes() == kept


def test_import_over_a_corrupt_file_is_refused_then_set_aside(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(config)]
    good = tmp_path / "g.csv"
    good.write_text("date,close\n2021-01-04,10\n2021-01-05,11\n")
    assert runner.invoke(app, ["prices", "import", str(good), "--ticker", "MP", *cfg]).exit_code == 0
    path = store_of(config).path("prices", "MP", ".parquet")
    path.write_bytes(path.read_bytes()[:60])
    damaged = path.read_bytes()
    result = runner.invoke(app, ["prices", "import", str(good), "--ticker", "MP", *cfg])
    assert result.exit_code == 2 and "unreadable price history" in result.output and "--replace" in result.output
    assert path.read_bytes() == damaged  # never silently replaced
    result = runner.invoke(app, ["prices", "import", str(good), "--ticker", "MP", "--replace", *cfg])
    assert result.exit_code == 0 and "kept aside" in result.output
    kept = list(path.parent.glob("MP.parquet.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert store_of(config).read_prices("MP") is not None


def test_series_ids_cannot_collide(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    cfg = ["--config", str(config)]
    ox = tmp_path / "ox.csv"
    ox.write_text("date,value\n2024-01-02,700\n")
    spec = ["--value-col", "value", "--unit", "CNY/kg", "--currency", "CNY"]
    assert runner.invoke(app, ["oxides", "import", str(ox), "--series", "nd_cn", *spec, *cfg]).exit_code == 0
    stored = store_of(config).path("oxides", "nd_cn", ".parquet").read_bytes()
    usd = tmp_path / "usd.csv"
    usd.write_text("date,value\n2024-01-02,60\n")
    usd_spec = ["--value-col", "value", "--unit", "USD/kg", "--currency", "USD"]
    result = runner.invoke(app, ["oxides", "import", str(usd), "--series", "nd/cn", *usd_spec, *cfg])
    assert result.exit_code == 2 and "--series" in result.output
    assert store_of(config).path("oxides", "nd_cn", ".parquet").read_bytes() == stored
    names = sorted(p.name for p in store_of(config).root.joinpath("oxides").iterdir())
    assert names == [".nd_cn.parquet.lock", "nd_cn.parquet"]  # the file and its writers' lock, nothing else


# ------------------------------------------------------------------------------------------------ HTTP
def _poison(database: Path, marker: Path) -> None:
    """Replace every cached response in a requests-cache SQLite file by a pickle that runs code when loaded."""
    db = sqlite3.connect(database)
    try:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] >= 1
        db.execute("UPDATE responses SET value = ?", (pickle.dumps(_Poison(marker)),))
        db.commit()
    finally:
        db.close()


class _Poison:
    """Unpickling this creates a marker file: a cache that unpickles what it reads runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


CSV = b"date,value\n2024-01-02,63.51\n2024-01-03,61.34\n"


class _Server(BaseHTTPRequestHandler):
    mode = "ok"
    bomb = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        mode = type(self).mode
        if mode == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            try:
                for byte in b"date,value\n2024-01-02,1\n" * 100:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass
            return
        if mode == "endless":
            self.send_response(200)
            self.end_headers()
            try:
                self.wfile.write(b"date,value\n")
                while True:
                    self.wfile.write(b"2024-01-02,1\n" * 1000)
            except OSError:
                pass
            return
        if mode == "bomb":
            body = _Server.bomb
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(CSV)))
        self.end_headers()
        self.wfile.write(CSV)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    httpd.daemon_threads = True
    _Server.mode = "ok"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/nd.csv"
    _Server.mode = "ok"
    httpd.shutdown()
    httpd.server_close()


OXIDE = ["--series", "nd_web", "--value-col", "value", "--unit", "USD/kg", "--currency", "USD"]


def test_a_poisoned_legacy_pickle_cache_is_discarded_unread(
    runner: CliRunner, config: Path, server: str, tmp_path: Path
) -> None:
    import requests_cache

    marker = tmp_path / "pwned"
    legacy = config.parent / "cache" / "http" / "oxides"
    legacy.parent.mkdir(parents=True)
    with requests_cache.CachedSession(str(legacy), backend="sqlite") as session:  # the old pickle format
        session.get(server)
    _poison(legacy.parent / "oxides.sqlite", marker)
    result = runner.invoke(app, ["oxides", "import", server, *OXIDE, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert not (legacy.parent / "oxides.sqlite").exists()  # deleted, never read


def test_a_poisoned_entry_in_the_json_cache_is_not_executed(
    runner: CliRunner, config: Path, server: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    cfg = ["--config", str(config)]
    assert runner.invoke(app, ["oxides", "import", server, *OXIDE, *cfg]).exit_code == 0
    _poison(config.parent / "cache" / "http" / "http.sqlite", marker)
    result = runner.invoke(app, ["oxides", "import", server, *OXIDE, *cfg])
    assert result.exit_code == 0, result.output
    assert not marker.exists()


def test_a_dripping_server_is_cut_off_at_the_deadline(server: str, tmp_path: Path) -> None:
    config = make_config(tmp_path / "w", {"http": {"deadline_seconds": 1.5}})
    _Server.mode = "drip"
    started = time.monotonic()
    result = CliRunner_env().invoke(app, ["oxides", "import", server, *OXIDE, "--config", str(config)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 3 and "no complete answer within 1.5 s" in result.output, result.output
    assert elapsed < 6, elapsed
    assert "Traceback" not in result.output


@pytest.mark.parametrize("mode", ["endless", "bomb"])
def test_an_endless_body_or_a_gzip_bomb_stops_at_the_size_limit(server: str, tmp_path: Path, mode: str) -> None:
    config = make_config(tmp_path / "w", {"http": {"max_body_mb": 1, "deadline_seconds": 30}})
    _Server.mode = mode
    if mode == "bomb" and not _Server.bomb:  # 200 MB of zeros, gzip-compressed in chunks (about 200 KB)
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"0" * 1_000_000
        _Server.bomb = b"".join(packer.compress(chunk) for _ in range(200)) + packer.flush()
    tracemalloc.start()
    try:
        result = CliRunner_env().invoke(app, ["oxides", "import", server, *OXIDE, "--config", str(config)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 3 and "larger than 1,000,000 bytes" in result.output, result.output
    assert peak < 60_000_000, peak  # a 200 MB bomb never inflates


def test_a_503_served_from_the_stale_cache_prints_no_traceback(server: str, tmp_path: Path) -> None:
    config = make_config(tmp_path / "w", {"oxides": {"http_expire_hours": 0.0001}})
    runner = CliRunner_env()
    cfg = ["--config", str(config)]
    assert runner.invoke(app, ["oxides", "import", server, *OXIDE, *cfg]).exit_code == 0
    time.sleep(0.5)  # expired
    _Server.mode = "503"
    result = runner.invoke(app, ["oxides", "import", server, *OXIDE, *cfg])
    assert result.exit_code == 0 and "STALE cached copy" in result.output
    assert "Traceback" not in result.output and "HTTPError" not in result.output


def CliRunner_env() -> CliRunner:
    from .conftest import EnvRunner

    return EnvRunner()


# ------------------------------------------------------------------------------------------------ outputs
def test_out_through_a_symlink_writes_the_target(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = runner.invoke(app, ["export", "--source", "snapshot", "--out", str(link), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.read_text().startswith("row_type,")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "new.csv")
    result = runner.invoke(app, ["export", "--source", "snapshot", "--out", str(dangling), "--config", str(config)])
    assert result.exit_code == 0 and (tmp_path / "new.csv").read_text().startswith("row_type,")


UMASK_SCRIPT = """
import os, sys
os.umask(int(sys.argv[1], 8))
from screener.fileio import write_atomic
write_atomic(sys.argv[2], b"x")
"""


@pytest.mark.parametrize(("umask", "mode"), [("022", 0o644), ("077", 0o600)])
def test_new_files_take_their_mode_from_the_umask(tmp_path: Path, umask: str, mode: int) -> None:
    out = tmp_path / "f.csv"
    subprocess.run([sys.executable, "-c", UMASK_SCRIPT, umask, str(out)], check=True, cwd=ROOT)
    assert stat.S_IMODE(out.stat().st_mode) == mode
    out.chmod(0o640)  # an existing file keeps its mode
    subprocess.run([sys.executable, "-c", UMASK_SCRIPT, umask, str(out)], check=True, cwd=ROOT)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_exports_and_store_files_are_readable_by_the_group_under_umask_022(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    code = (
        "import os; os.umask(0o022)\n"
        "from screener.cli import run\nimport sys\n"
        f"sys.argv = ['screener', 'export', '--source', 'snapshot', '--out', {str(tmp_path / 'c.csv')!r}, "
        f"'--config', {str(config)!r}]\nrun()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert stat.S_IMODE((tmp_path / "c.csv").stat().st_mode) == 0o644


KILL_SCRIPT = """
import sys, time
from screener.fileio import atomic_path
with atomic_path(sys.argv[1]) as temp:
    with open(temp, "wb") as handle:
        handle.write(b"half a new file")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
"""


def test_a_killed_export_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "comps.csv"
    out.write_text("the previous export")
    with subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert out.read_text() == "the previous export"


FULL_SCRIPT = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))  # the disk is "full" after 1,000 bytes
from screener.cli import run
sys.argv = ["screener", "export", "--source", "snapshot", "--out", sys.argv[1], "--config", sys.argv[2]]
run()
"""


def test_a_full_disk_is_one_line_and_leaves_the_old_file(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    out = tmp_path / "comps.csv"
    out.write_text("the previous export")
    done = subprocess.run(
        [sys.executable, "-c", FULL_SCRIPT, str(out), str(config)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "comps.csv" in errors[0] and "Traceback" not in done.stderr
    assert out.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


FULL_BACKUP_SCRIPT = FULL_SCRIPT.replace(
    '["screener", "export", "--source", "snapshot", "--out", sys.argv[1], "--config", sys.argv[2]]',
    '["screener", "history", "export", "--out", sys.argv[1], "--config", sys.argv[2]]',
).replace("(1000, 1000)", "(34000, 34000)")  # room for the history's own -shm (32 KiB), not for its backup


def test_history_export_on_a_full_disk_is_one_line_exit_2(tmp_path: Path) -> None:
    """#21: SQLite's own error on a full disk (here: a file-size limit) is a one-line error, not exit 1."""
    config = make_config(tmp_path / "w")
    for day in ("2025-10-10", "2025-11-10", "2025-12-10", "2026-01-10", "2026-02-10", "2026-03-10"):
        args = ["drift", "--source", "snapshot", "--as-of", day, "--config", str(config)]
        recorded = CliRunner_env().invoke(app, args)
        assert recorded.exit_code in (0, 4), recorded.output
    assert (tmp_path / "w" / "history.sqlite").stat().st_size > 34000  # its backup cannot fit under the limit
    out = tmp_path / "backup.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", FULL_BACKUP_SCRIPT, str(out), str(config)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "backup.sqlite" in errors[0] and "Traceback" not in done.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# ------------------------------------------------------------------------------------------------ cache and history
def test_cache_clear_refuses_with_the_history_inside_the_store(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    config = make_config(folder)
    text = config.read_text().replace(str(folder / "history.sqlite"), str(folder / "cache" / "history.sqlite"))
    config.write_text(text)
    assert runner.invoke(app, ["drift", "--source", "snapshot", "-q", "--config", str(config)]).exit_code == 4
    history = folder / "cache" / "history.sqlite"
    kept = history.read_bytes()
    result = runner.invoke(app, ["cache", "clear", "--all", "--yes", "--config", str(config)])
    assert result.exit_code == 2 and "inside the store folder" in result.output
    assert history.read_bytes() == kept


def test_cache_clear_never_deletes_files_it_did_not_write(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    config = make_config(folder)
    text = config.read_text().replace(str(folder / "cache"), str(folder))  # store.dir = the user's own folder
    config.write_text(text.replace(str(folder / "history.sqlite"), str(tmp_path / "history.sqlite")))
    mine = folder / "prices" / "my_notes.csv"
    mine.parent.mkdir(parents=True)
    mine.write_text("precious")
    result = runner.invoke(app, ["cache", "clear", "--all", "--yes", "--config", str(config)])
    assert result.exit_code == 2 and "were not written by screener" in result.output and "my_notes.csv" in result.output
    assert mine.read_text() == "precious"


def test_a_foreign_sqlite_file_is_refused_byte_identical(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    config = make_config(folder)
    foreign = folder / "history.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE accounts (id INTEGER)")
    db.commit()
    db.close()
    kept = foreign.read_bytes()
    result = runner.invoke(app, ["drift", "--source", "snapshot", "--config", str(config)])
    assert result.exit_code == 2 and "not a screener rating history" in result.output
    assert foreign.read_bytes() == kept and not Path(f"{foreign}-wal").exists()


def test_history_export_of_a_damaged_database_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    config = make_config(folder)
    assert runner.invoke(app, ["drift", "--source", "snapshot", "-q", "--config", str(config)]).exit_code == 4
    path = folder / "history.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[page * 2 : page * 2 + 200] = b"\xff" * 200  # damage a b-tree page, keep the header
    path.write_bytes(bytes(raw))
    out = tmp_path / "backup.sqlite"
    result = runner.invoke(app, ["history", "export", "--out", str(out), "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert not out.exists()


def test_verbose_prints_the_traceback_of_a_bug() -> None:
    from .conftest import CONFIG, EnvRunner, make_env

    def broken() -> datetime:
        raise ZeroDivisionError("boom")

    quiet = EnvRunner(lambda: make_env(clock=broken)).invoke(app, ["screen", "--config", str(CONFIG)])
    loud = EnvRunner(lambda: make_env(clock=broken)).invoke(app, ["screen", "--config", str(CONFIG), "--verbose"])
    assert quiet.exit_code == loud.exit_code == 1
    assert "Traceback" not in quiet.output and "--verbose" in quiet.output
    assert "Traceback" in loud.output and "ZeroDivisionError" in loud.output


def test_the_same_universe_twice_loads_once(runner: CliRunner, config: Path) -> None:
    result = runner.invoke(
        app, ["screen", "--source", "snapshot", "--format", "csv", "-u", "producers", "-u", "producers",
              "--config", str(config)],
    )  # fmt: skip
    companies = [line for line in result.stdout.splitlines() if line.startswith("company,")]
    assert result.exit_code == 0 and len(companies) == 7


def test_stored_json_with_bad_values_is_named_not_a_crash(runner: CliRunner, config: Path) -> None:
    store = store_of(config)
    store.write_record("quotes", "600111.SS", {"price": "abc", "price_date": "2025-10-10"}, source="live")
    store.write_record("fx", "spot", {"CNY": {"per_usd": 0, "date": "2025-10-10"}}, source="live")
    result = runner.invoke(app, ["screen", "--source", "store", "--format", "csv", "--config", str(config)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "unreadable quotes record" in result.output or "has none of the 21 names" in result.output
    auto = runner.invoke(app, ["screen", "--format", "csv", "--config", str(config)])
    assert auto.exit_code == 0 and "unreadable quotes record" in auto.stderr and "nan" not in auto.stdout


def test_a_store_folder_that_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    config = make_config(folder)
    (folder / "cache").write_text("not a folder")
    good = tmp_path / "g.csv"
    good.write_text("date,close\n2021-01-04,10\n")
    result = runner.invoke(app, ["prices", "import", str(good), "--ticker", "MP", "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output and "cache" in result.output
    screen = runner.invoke(app, ["screen", "--format", "csv", "--config", str(config)])
    assert screen.exit_code == 0 and "Traceback" not in screen.output


ESCAPES = """
[universe]
name = "escapes"

[[company]]
ticker = "MP"
name = "\\u001b[31mMP\\u001b]0;pwned\\u0007 Materials\\tInc"
group = "=cmd|' /C calc'!A0"
currency = "USD"
fiscal_year_end_month = 12
"""


def test_escape_sequences_never_reach_the_terminal_or_the_workbook(
    runner: CliRunner, config: Path, tmp_path: Path
) -> None:
    universe = tmp_path / "escapes.toml"
    universe.write_text(ESCAPES)
    base = ["--source", "snapshot", "-u", str(universe), "--config", str(config)]
    table = runner.invoke(app, ["screen", *base])
    assert table.exit_code == 0 and "\x1b" not in table.output and "\x07" not in table.output
    assert "MP Materials Inc" in table.output.replace("]0;pwned", "")
    out = tmp_path / "c.xlsx"
    assert runner.invoke(app, ["export", "--out", str(out), *base]).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(out)
    try:
        cells = [c.value for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]  # type: ignore[union-attr]
    finally:
        book.close()
    assert not any("\x1b" in c or "\x07" in c for c in cells)
    assert "'=cmd|' /C calc'!A0" in cells  # text neutralised in the workbook too


def test_numbers_stay_numbers_in_the_correlation_csv() -> None:
    from screener.app.correlate import CSV_COLUMNS, CorrelationReport
    from screener.render.correlation import to_csv

    row = {c: float("nan") for c in CSV_COLUMNS}
    row.update(ticker="-MP", name="=HYPERLINK()", series="nd_cn", freq="W", n=120, best_lag=-2, corr=-0.25)
    report = CorrelationReport(pd.DataFrame([{**row, "status": ""}]), "W", 52, 8, None, None)
    line = to_csv(report).splitlines()[1].split(",")
    cells = dict(zip(CSV_COLUMNS, line, strict=True))
    assert cells["best_lag"] == "-2" and cells["corr"] == "-0.25" and cells["n"] == "120"
    assert cells["ticker"] == "'-MP" and cells["name"] == "'=HYPERLINK()"


@pytest.mark.parametrize("stem", ["a" * 251, "é" * 125])  # 255 bytes with ".csv"; 254 bytes of two-byte letters
def test_an_out_name_of_the_longest_length_is_written(tmp_path: Path, stem: str) -> None:
    """The temporary name beside the target is cut to fit the file system's 255-byte limit (#21)."""
    from screener.fileio import write_atomic

    target = tmp_path / f"{stem}.csv"
    assert len(target.name.encode()) <= 255
    write_atomic(target, b"ticker\nMP\n")
    assert target.read_bytes() == b"ticker\nMP\n" and [p.name for p in tmp_path.iterdir()] == [target.name]
    config = make_config(tmp_path / "work")
    out = tmp_path / "work" / target.name
    result = CliRunner_env().invoke(app, ["screen", "--source", "snapshot", "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("row_type,")
