"""``screener drift`` and ``screener history``: record today's ratings, compare with a baseline run, and read,
show or back up the rating history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from screener.app.report import ScreenReport, rating_records
from screener.app.results import DriftResult
from screener.app.scope import ResolvedScope
from screener.app.screen import ScreenOptions, screen
from screener.core.criteria import Criteria
from screener.core.drift import Finding, RatingRecord, RunSummary, ViewChange, compare, view_changes
from screener.environment import Environment
from screener.errors import UsageError


@dataclass(frozen=True)
class DriftOptions:
    """``against``: ``last`` (the latest run at least ``[drift] min_days_between`` older) or a recorded date."""

    scope: ResolvedScope
    against: str | date = "last"
    record: bool = True
    where: Criteria | None = None
    """``--where``: only the findings of the companies meeting these criteria (the run is recorded whole)."""


def drift(env: Environment, options: DriftOptions) -> DriftResult:
    """Today's comp table, recorded in the history (one transaction), compared with the baseline run; with
    ``--where``, the findings of the companies the criteria keep."""
    report = screen(env, ScreenOptions(options.scope))
    result = compare_report(env, report, options.against, record=options.record)
    return result if options.where is None else findings_where(result, options.where)


def findings_where(result: DriftResult, criteria: Criteria) -> DriftResult:
    """The result with only the findings of the companies ``criteria`` keep (decided by
    :func:`screener.app.where.select` over today's rows), and what was left out."""
    from screener.app.where import kept_tickers

    rows = {row.ticker: row for block in result.report.groups for row in block.rows}
    kept, outcome = kept_tickers(rows, criteria, result.as_of.isoformat())
    return replace(result, findings=[f for f in result.findings if f.ticker in kept], where=outcome)


def compare_report(
    env: Environment, report: ScreenReport, against: str | date, *, record: bool, create: bool = True
) -> DriftResult:
    """``report``'s ratings compared with the baseline run (``last`` or a recorded date), recorded in the history
    first only when ``record``; ``create=False``: a missing history is an error, never created."""
    settings = env.settings
    records = rating_records(report)
    with env.history(create=create) as history:
        if record:
            history.record(report.as_of, records)
        if against == "last":
            baseline = history.baseline(report.as_of, settings.drift_min_days)
        else:
            assert isinstance(against, date)
            baseline = against
            if history.load(baseline) is None:
                raise UsageError(f"--against: no recorded run of {baseline} (see `screener history list`)")
        previous = history.load(baseline) if baseline else None
        recent = [(d, r) for d, r in history.recent(report.as_of) if d != report.as_of]
    since = baseline if baseline is not None else report.as_of - timedelta(days=settings.drift_min_days)
    recorded = [(report.as_of, {r.ticker: r for r in records}), *recent]
    changes = house_view_changes(report, since, initiations=baseline is not None)
    findings = compare(report.as_of, records, previous, recorded, settings.drift, changes)
    warnings: list[str] = []
    if baseline is not None and previous is not None:
        age = (report.as_of - baseline).days
        if age > settings.drift_max_baseline_age_days:
            warnings.append(
                f"the baseline run of {baseline} is {age} days older than this one (more than [drift] "
                f"max_baseline_age_days = {settings.drift_max_baseline_age_days}): moves span that whole period"
            )
        now_names = {r.ticker: r.name for r in records}
        added = sorted(set(now_names) - set(previous))
        removed = sorted(set(previous) - set(now_names))
        if added or removed:
            warnings.append(
                f"the baseline covers a different set of names: {len(added)} added, {len(removed)} removed since "
                f"{baseline}"
            )
        findings += [Finding(t, now_names[t], "added", f"not in the run of {baseline}", False) for t in added]
        findings += [Finding(t, previous[t].name, "removed", f"in the run of {baseline}, not now", False)
                     for t in removed]  # fmt: skip
    return DriftResult(report.as_of, baseline, findings, report, record, settings.history_db, warnings)


def house_view_changes(report: ScreenReport, since: date, initiations: bool) -> list[ViewChange]:
    """Every change of house view set after ``since`` up to the report's as-of date, from each company's view
    history (the baseline run's date, else ``[drift] min_days_between`` days back); ``initiations``: a first view
    counts (with a baseline run only); a P/B-band target is not the view's, so only its rating changes count."""
    return [
        change
        for block in report.groups
        for row in block.rows
        for change in view_changes(
            row.ticker, row.company.name, row.company.views, since, report.as_of,
            house_target=row.company.target_from_band is None, initiations=initiations,
        )
    ]  # fmt: skip


def runs(env: Environment) -> list[RunSummary]:
    """Recorded runs, newest first."""
    with env.history(create=False) as history:
        return history.runs()


def run(env: Environment, as_of: date) -> list[RatingRecord]:
    """The records of one recorded run."""
    with env.history(create=False) as history:
        records = history.load(as_of)
    if records is None:
        raise UsageError(f"no recorded run of {as_of} (see `screener history list`)")
    return list(records.values())


BACKUP_SUFFIXES = (".sqlite", ".db", ".sqlite3")


def history_records(env: Environment) -> list[tuple[date, RatingRecord]]:
    """Every recorded run's records, oldest first; a damaged database is an error (integrity-checked first)."""
    with env.history(create=False) as history:
        history.check_integrity()
        return history.all_records()


def backup_history(env: Environment, out: Path) -> None:
    """A consistent copy of the database at ``out``, written atomically, after an integrity check."""
    import sqlite3

    from screener.fileio import OutputError, refuse_own_file, write_with

    refuse_own_file(out, *env.own_files())
    with env.history(create=False) as history:
        history.check_integrity()
        try:
            write_with(out, history.backup)
        except sqlite3.Error as exc:  # a full disk or a failing write surfaces as SQLite's own error
            raise OutputError(out, f"the backup could not be written ({exc}); nothing was written") from None
