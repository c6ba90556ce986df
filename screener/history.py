"""The rating-history database (SQLite): one row per stock per recorded run.

Durability rules: WAL mode; every run is recorded in ONE transaction (a run killed mid-write leaves
every earlier run intact and no partial run); recording an as-of date again replaces that run; the schema
is versioned (``PRAGMA user_version``) and migrated forward; a corrupt, foreign or locked file is an error
(exit 2) — never silently re-created, so history is never dropped.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from screener.core.drift import RatingRecord, RunSummary
from screener.errors import InputFileError

SCHEMA_VERSION = 1
MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            as_of TEXT NOT NULL UNIQUE,
            recorded_at TEXT NOT NULL
        );
        CREATE TABLE ratings (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            ticker TEXT NOT NULL,
            name TEXT NOT NULL,
            price REAL,
            target_price REAL,
            etr REAL,
            house_rating TEXT,
            rule_rating TEXT,
            in_band INTEGER,
            flags TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            target_set_on TEXT,
            PRIMARY KEY (run_id, ticker)
        );
    """,
}


class HistoryError(InputFileError):
    """The history database cannot be used (corrupt, not a screener database, locked, newer schema)."""


class History:
    """Open with :meth:`open`; use as a context manager to close."""

    def __init__(self, path: Path, connection: sqlite3.Connection, clock: Callable[[], datetime]) -> None:
        self.path = path
        self.db = connection
        self.clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime], create: bool = True, timeout: float = 5.0) -> History:
        """Open (creating a new file only where none exists) and migrate; errors name the file."""
        path = Path(path)
        if not path.exists() and not create:
            raise HistoryError(str(path), "no rating history yet (run `screener drift` to record one)")
        if path.exists():
            if not path.is_file():
                raise HistoryError(str(path), "is not a file: set [history] path to a database file")
            _check_read_only(path, timeout)
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(str(path), f"cannot create its folder ({exc.strerror})") from None
        db = None
        try:
            db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            db.execute("PRAGMA foreign_keys = ON")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryError(str(path), f"cannot switch the database to WAL mode (got {mode})")
            history = cls(path, db, clock)
            history._migrate()
            return history
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            raise _explain(path, exc) from None
        except BaseException:
            if db is not None:
                db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise _explain(self.path, exc) from None

    def _migrate(self) -> None:
        version = _check_schema(self.path, self.db)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction() as db:  # executescript() would commit early: run statement by statement
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    def record(self, as_of: date, records: Iterable[RatingRecord]) -> int:
        """Store one run in one transaction, replacing any run of the same as-of date; returns rows written."""
        count = 0
        with self._transaction() as db:
            db.execute("DELETE FROM runs WHERE as_of = ?", (as_of.isoformat(),))
            cursor = db.execute(
                "INSERT INTO runs (as_of, recorded_at) VALUES (?, ?)",
                (as_of.isoformat(), self.clock().isoformat(timespec="seconds")),
            )
            run_id = cursor.lastrowid
            for r in records:
                db.execute(
                    "INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id, r.ticker, r.name, r.price, r.target_price, r.etr, r.house_rating, r.rule_rating,
                        None if r.in_band is None else int(r.in_band), r.flags, r.source,
                        r.target_set_on.isoformat() if r.target_set_on else None,
                    ),
                )  # fmt: skip
                count += 1
        return count

    def runs(self) -> list[RunSummary]:
        """Every recorded run, newest first."""
        try:
            rows = self.db.execute(
                "SELECT r.as_of, r.recorded_at, COUNT(x.ticker), SUM(CASE WHEN x.in_band = 0 THEN 1 ELSE 0 END) "
                "FROM runs r LEFT JOIN ratings x ON x.run_id = r.id GROUP BY r.id ORDER BY r.as_of DESC"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _explain(self.path, exc) from None
        return [RunSummary(_run_date(self.path, a), str(rec), int(n), int(out or 0)) for a, rec, n, out in rows]

    def load(self, as_of: date) -> dict[str, RatingRecord] | None:
        """The records of the run of ``as_of``, or None when there is none."""
        try:
            rows = self.db.execute(
                "SELECT x.ticker, x.name, x.price, x.target_price, x.etr, x.house_rating, x.rule_rating, x.in_band, "
                "x.flags, x.source, x.target_set_on FROM ratings x JOIN runs r ON r.id = x.run_id WHERE r.as_of = ?",
                (as_of.isoformat(),),
            ).fetchall()
            exists = self.db.execute("SELECT 1 FROM runs WHERE as_of = ?", (as_of.isoformat(),)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise _explain(self.path, exc) from None
        if not exists:
            return None
        records = (_record(self.path, as_of, row) for row in rows)
        return {record.ticker: record for record in records}

    def baseline(self, as_of: date, min_days: int = 7) -> date | None:
        """The most recent run at least ``min_days`` before ``as_of``."""
        for run in self.runs():
            if (as_of - run.as_of).days >= min_days:
                return run.as_of
        return None

    def recent(self, as_of: date) -> list[tuple[date, dict[str, RatingRecord]]]:
        """Every run up to ``as_of``, newest first, with its records."""
        out = []
        for run in self.runs():
            if run.as_of <= as_of:
                records = self.load(run.as_of)
                out.append((run.as_of, records or {}))
        return out

    def all_records(self) -> list[tuple[date, RatingRecord]]:
        """Every run's records, oldest run first, tickers in order."""
        out = []
        for run in sorted(self.runs(), key=lambda r: r.as_of):
            for record in sorted((self.load(run.as_of) or {}).values(), key=lambda x: x.ticker):
                out.append((run.as_of, record))
        return out

    def check_integrity(self) -> None:
        """SQLite's ``integrity_check``: a damaged database is an error (nothing is exported from it)."""
        try:
            rows = [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise _explain(self.path, exc) from None
        if rows != ["ok"]:
            detail = "; ".join(str(r) for r in rows[:3])
            raise HistoryError(str(self.path), f"the rating history is damaged ({detail}); nothing was written")

    def backup(self, destination: Path) -> None:
        """A consistent copy of the whole database (SQLite online backup) at ``destination`` (a new file)."""
        target = sqlite3.connect(destination)
        try:
            self.db.backup(target)
        finally:
            target.close()


RATINGS = {"Buy", "Neutral", "Sell"}


def _run_date(path: Path, text: object) -> date:
    """A run's as-of date as stored; anything else (a row edited by hand) is a HistoryError naming it."""
    day = _iso_day(text)
    if day is None:
        raise HistoryError(str(path), f"a run's as_of is not a date: {text!r} (edited by hand?)")
    return day


def _iso_day(text: object) -> date | None:
    if not (isinstance(text, str) and len(text) == 10):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _record(path: Path, as_of: date, row: tuple[object, ...]) -> RatingRecord:
    """One stored row checked value by value (the history is a file a user can edit): text where text is stored,
    finite numbers or NULL, a known rating, 0/1 for in_band, an ISO date; else a HistoryError naming the run, the
    ticker and the column."""
    ticker, name, price, target, etr, house, rule, in_band, flags, source, set_on = row

    def bad(column: str, value: object) -> HistoryError:
        where = f"run {as_of}, {ticker if isinstance(ticker, str) else '?'}: {column}"
        return HistoryError(str(path), f"{where}: unreadable value {value!r} (edited by hand?)")

    def text(column: str, value: object, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise bad(column, value)
        return value

    def number(column: str, value: object) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad(column, value)
        return float(value)

    for column, rating in (("house_rating", house), ("rule_rating", rule)):
        if rating is not None and rating not in RATINGS:
            raise bad(column, rating)
    if in_band not in (None, 0, 1):
        raise bad("in_band", in_band)
    day = None if set_on is None else _iso_day(set_on)
    if set_on is not None and day is None:
        raise bad("target_set_on", set_on)
    return RatingRecord(
        str(text("ticker", ticker)), str(text("name", name)), number("price", price),
        number("target_price", target), number("etr", etr), text("house_rating", house, True),
        text("rule_rating", rule, True), None if in_band is None else bool(in_band), str(text("flags", flags)),
        str(text("source", source)), day,
    )  # fmt: skip


def _check_schema(path: Path, db: sqlite3.Connection) -> int:
    """The schema version; a newer schema or a database of another program is an error."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise HistoryError(str(path), f"schema version {version} is newer than this screener ({SCHEMA_VERSION})")
    if version == 0:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables:
            raise HistoryError(str(path), f"not a screener rating history (tables: {', '.join(sorted(tables))})")
    return version


def _check_read_only(path: Path, timeout: float) -> None:
    """Look at an existing file read-only before anything can change it (no pragma that writes, no WAL switch):
    a foreign, newer or corrupt database is refused byte-identical."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.DatabaseError as exc:
        raise _explain(path, exc) from None
    try:
        _check_schema(path, db)
    except sqlite3.DatabaseError as exc:
        raise _explain(path, exc) from None
    finally:
        db.close()


def _explain(path: Path, exc: sqlite3.DatabaseError) -> HistoryError:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return HistoryError(str(path), "the rating history is locked by another screener process; try again later")
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return HistoryError(
            str(path), f"the rating history is corrupt ({message}); it was left untouched — restore a backup"
        )
    return HistoryError(str(path), f"rating history error: {message}")
