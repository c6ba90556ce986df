"""The weekly drift check and the rating history: real SQLite files, two weeks of runs, a killed writer,
a corrupt file, every exit code."""

from __future__ import annotations

import copy
import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.core.drift import DriftThresholds, RatingRecord, compare
from screener.data.snapshot import SnapshotSource
from screener.history import History, HistoryError

from .conftest import ROOT, UNIVERSES, EnvRunner, make_env

SNAPSHOT = ("--source", "snapshot", "--as-of", "2025-10-10")


def CLOCK() -> datetime:
    return datetime(2026, 11, 27, 12, tzinfo=UTC)


def record(
    ticker: str, etr: float | None, in_band: bool | None, price: float = 10.0, rule: str = "Buy"
) -> RatingRecord:
    return RatingRecord(ticker, ticker.lower(), price, 12.0, etr, "Buy", rule, in_band)


def test_compare_hand_worked() -> None:
    before = {"A": record("A", 0.20, True), "B": record("B", -0.05, False, rule="Sell"), "C": record("C", 0.20, True)}
    now = [record("A", 0.10, False, price=11.5, rule="Neutral"), record("B", 0.16, True), record("C", 0.21, True, 10.5)]
    history = [(date(2025, 10, 17), {r.ticker: r for r in now}), (date(2025, 10, 10), before)]
    found = {(f.ticker, f.kind) for f in compare(date(2025, 10, 17), now, before, history, DriftThresholds())}
    assert found == {
        ("A", "out_of_band"), ("A", "rule_change"), ("A", "etr_move"), ("A", "price_move"),
        ("B", "back_in_band"), ("B", "rule_change"), ("B", "etr_move"),
    }  # fmt: skip


def test_out_of_band_streak_counts_weeks() -> None:
    out, back = {"A": record("A", 0.1, False)}, {"A": record("A", 0.2, True)}
    runs = [(date(2025, 10, 24), out), (date(2025, 10, 17), out), (date(2025, 10, 10), out), (date(2025, 10, 3), back)]
    findings = compare(date(2025, 10, 24), [record("A", 0.1, False)], runs[1][1], runs, DriftThresholds())
    assert "for 2 week(s), since 2025-10-10" in findings[0].detail


def test_snapshot_drift_lists_exactly_the_out_of_band_ratings(runner: CliRunner, config: Path) -> None:
    result = runner.invoke(app, ["drift", "--config", str(config), *SNAPSHOT, "--format", "csv"])
    assert result.exit_code == 4, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    out_of_band = {r["ticker"] for r in rows if r["finding"] == "out_of_band"}
    assert out_of_band == {"300748.SZ", "6680.HK", "4063.T", "6762.T"}
    assert all(r["baseline"] == "" for r in rows)  # no earlier run: current state only
    with History.open(config.parent / "history.sqlite", clock=CLOCK, create=False) as history:
        assert [r.as_of for r in history.runs()] == [date(2025, 10, 10)]


def test_no_record_leaves_no_history(runner: CliRunner, config: Path) -> None:
    result = runner.invoke(app, ["drift", "--config", str(config), *SNAPSHOT, "--no-record", "-q"])
    assert result.exit_code == 4
    with History.open(config.parent / "history.sqlite", clock=CLOCK) as history:
        assert history.runs() == []


def test_drift_exits_0_when_nothing_needs_review(runner: CliRunner, config: Path) -> None:
    producers = str(UNIVERSES / "producers.toml")  # NRE, CRE and Lynas all sit in their bands
    result = runner.invoke(app, ["drift", "--config", str(config), *SNAPSHOT, "-u", producers])
    assert result.exit_code == 0, result.output


def test_second_week_with_moved_prices(config: Path) -> None:
    base = ["drift", "--config", str(config), "--source", "snapshot", "--format", "json"]
    week1 = EnvRunner(lambda: make_env(clock=lambda: datetime(2025, 10, 10, 17, tzinfo=UTC)))  # cron, Friday
    assert week1.invoke(app, base).exit_code == 4  # week 1: 2025-10-10 (the clock's date) recorded

    raw = copy.deepcopy(SnapshotSource.bundled().raw)
    raw["as_of"] = "2025-10-17"
    for quote in raw["quotes"].values():
        quote["price_date"] = "2025-10-17"
    raw["quotes"]["6680.HK"]["price"] = 20.0  # JL Mag H falls: ETR 26.5% + 2.6% -> back in band as Buy
    raw["quotes"]["600111.SS"]["price"] = 66.0  # NRE up 24%: ETR 9.1% -> Buy out of band, rule Neutral
    week2 = SnapshotSource(raw)
    friday = datetime(2025, 10, 17, 17, tzinfo=UTC)  # a week later: the next snapshot, the next clock
    runner = EnvRunner(lambda: make_env(snapshot=lambda: week2, clock=lambda: friday))
    result = runner.invoke(app, base)
    assert result.exit_code == 4, result.output
    payload = json.loads(result.stdout)
    assert payload["baseline"] == "2025-10-10"
    kinds = {(f["ticker"], f["finding"]) for f in payload["findings"]}
    assert ("6680.HK", "back_in_band") in kinds and ("6680.HK", "price_move") in kinds
    assert ("600111.SS", "out_of_band") in kinds and ("600111.SS", "rule_change") in kinds
    assert ("600111.SS", "etr_move") in kinds
    nre = next(f for f in payload["findings"] if f["ticker"] == "600111.SS" and f["finding"] == "out_of_band")
    assert "new this week" in nre["detail"]
    tdk = next(f for f in payload["findings"] if f["ticker"] == "6762.T" and f["finding"] == "out_of_band")
    assert "for 1 week(s), since 2025-10-10" in tdk["detail"]

    listed = runner.invoke(app, ["history", "list", "--config", str(config)])
    assert "2025-10-17" in listed.output and "2025-10-10" in listed.output
    shown = runner.invoke(app, ["history", "show", "2025-10-17", "--config", str(config)])
    assert shown.exit_code == 0 and "66.00" in shown.output
    against = runner.invoke(app, [*base, "--no-record", "--against", "2025-10-10"])
    assert json.loads(against.stdout)["baseline"] == "2025-10-10"
    missing = runner.invoke(app, [*base, "--no-record", "--against", "2024-01-05"])
    assert missing.exit_code == 2


def test_same_as_of_twice_replaces_the_run(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History.open(path, clock=CLOCK) as history:
        history.record(date(2025, 10, 10), [record("A", 0.2, True)])
        history.record(date(2025, 10, 10), [record("A", 0.1, False), record("B", 0.3, True)])
        runs = history.runs()
        assert len(runs) == 1 and runs[0].names == 2
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_history_export_csv_and_backup(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["drift", "--config", str(config), *SNAPSHOT, "-q"])
    out = tmp_path / "backup.csv"
    assert runner.invoke(app, ["history", "export", "--out", str(out), "--config", str(config)]).exit_code == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 21 and rows[0]["as_of"] == "2025-10-10"
    copy_path = tmp_path / "backup.sqlite"
    assert runner.invoke(app, ["history", "export", "--out", str(copy_path), "--config", str(config)]).exit_code == 0
    with History.open(copy_path, clock=CLOCK, create=False) as copied:
        assert [r.names for r in copied.runs()] == [21]


def test_history_commands_without_history_exit_2(runner: CliRunner, config: Path) -> None:
    result = runner.invoke(app, ["history", "list", "--config", str(config)])
    assert result.exit_code == 2 and "no rating history yet" in result.output


KILL_SCRIPT = """
import sys, time
from datetime import UTC, date, datetime
from screener.history import History
from screener.core.drift import RatingRecord

def rows():
    for i in range(1000):
        if i == 50:
            print("writing", flush=True)
            time.sleep(60)
        yield RatingRecord(f"T{i}", "name", 1.0, 2.0, 0.5, "Buy", "Buy", True)

with History.open(sys.argv[1], clock=lambda: datetime.now(UTC)) as history:
    history.record(date(2025, 10, 24), rows())
"""


def test_killed_writer_leaves_earlier_runs_intact(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History.open(path, clock=CLOCK) as history:
        history.record(date(2025, 10, 10), [record("A", 0.2, True), record("B", 0.1, False)])
        history.record(date(2025, 10, 17), [record("A", 0.25, True)])
    with subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"  # mid-transaction, 50 rows written
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    with History.open(path, clock=CLOCK) as history:
        assert [r.as_of for r in history.runs()] == [date(2025, 10, 17), date(2025, 10, 10)]
        assert set(history.load(date(2025, 10, 10)) or {}) == {"A", "B"}
        assert history.load(date(2025, 10, 24)) is None
        history.record(date(2025, 10, 24), [record("A", 0.3, True)])  # still writable afterwards


def test_corrupt_database_is_an_error_and_left_untouched(runner: CliRunner, config: Path) -> None:
    path = config.parent / "history.sqlite"
    garbage = b"this is not a database, it is a spreadsheet someone saved here" * 100
    path.write_bytes(garbage)
    result = runner.invoke(app, ["drift", "--config", str(config), "--source", "snapshot"])
    assert result.exit_code == 2
    assert "corrupt" in result.output and "history.sqlite" in result.output and "Traceback" not in result.output
    assert path.read_bytes() == garbage  # never silently re-created


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE accounts (id INTEGER)")
    with pytest.raises(HistoryError, match="not a screener rating history"):
        History.open(path, clock=CLOCK)


def test_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    History.open(path, clock=CLOCK).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with History.open(path, clock=CLOCK, timeout=0.2) as history, pytest.raises(HistoryError, match="locked"):
            history.record(date(2025, 10, 10), [record("A", 0.2, True)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
