"""`screener drift` and `screener history list|show|export`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from screener.cli import (
    Format,
    UniverseOption,
    _context,
    _parse_date,
    _report,
    app,
    global_options,
    handle_errors,
)
from screener.errors import ExitCode, UsageError

history_app = typer.Typer(help="See and back up the rating history recorded by `screener drift`.", no_args_is_help=True)
app.add_typer(history_app, name="history")

DRIFT_EXAMPLES = (
    "Examples:\n\n  screener drift\n\n  screener drift --no-record --against 2025-10-03\n\n"
    "  cron: 0 7 * * MON cd /srv/screener && .venv/bin/screener drift --quiet || mail -s drift pm@example.com"
)


@app.command(epilog=DRIFT_EXAMPLES)
@handle_errors
@global_options
def drift(
    ctx: typer.Context,
    against: Annotated[
        str, typer.Option("--against", help="last (latest run >= 7 days older) or a recorded date.")
    ] = "last",
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record today's run in the history first.")
    ] = True,
    universe: UniverseOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")] = Format.table,
) -> None:
    """Weekly rating-drift check: which house ratings left their ETR band, what changed, which targets are stale.

    Exit 4 when anything needs review, 0 otherwise.
    """
    from screener.config import load_settings
    from screener.core.drift import compare
    from screener.history import History
    from screener.pipeline import rating_records
    from screener.render.export import drift_csv, drift_json

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    report = _report(app_ctx, universe, None, None, False, None)
    records = rating_records(report)
    with History.open(settings.history_db) as history:
        if record:
            history.record(report.as_of, records)
        if against == "last":
            baseline = history.baseline(report.as_of, settings.drift_min_days)
        else:
            baseline = _parse_date(against, "--against")
            if baseline is None or history.load(baseline) is None:
                raise UsageError(f"--against: no recorded run of {against} (see `screener history list`)")
        previous = history.load(baseline) if baseline else None
        recent = [(d, r) for d, r in history.recent(report.as_of) if d != report.as_of]
    findings = compare(
        report.as_of, records, previous, [(report.as_of, {r.ticker: r for r in records}), *recent], settings.drift
    )
    as_of_text, base_text = report.as_of.isoformat(), baseline.isoformat() if baseline else None
    if fmt is Format.table:
        from screener.render.tables import drift_table

        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
        app_ctx.out.print(drift_table(as_of_text, base_text, findings))
    else:
        sys.stdout.write(
            drift_csv(as_of_text, base_text, findings)
            if fmt is Format.csv
            else drift_json(as_of_text, base_text, findings)
        )
    review = sum(1 for item in findings if item.needs_review)
    if not app_ctx.quiet:
        app_ctx.err.print(
            f"{review} finding(s) need review; run {'recorded' if record else 'not recorded'} in {settings.history_db}",
            markup=False,
        )
    if review:
        raise typer.Exit(int(ExitCode.DRIFT))


@history_app.command("list", epilog="Example:\n\n  screener history list")
@handle_errors
@global_options
def history_list(ctx: typer.Context) -> None:
    """Recorded runs, newest first."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.tables import history_runs_table

    app_ctx = _context(ctx)
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        app_ctx.out.print(history_runs_table(history.runs()))


@history_app.command("show", epilog="Example:\n\n  screener history show 2025-10-10")
@handle_errors
@global_options
def history_show(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="As-of date of a recorded run.")],
) -> None:
    """One recorded run: price, target, ETR, house and rule rating, band, flags."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.tables import history_run_table

    app_ctx = _context(ctx)
    wanted = _parse_date(day, "DATE")
    assert wanted is not None
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        records = history.load(wanted)
    if records is None:
        raise UsageError(f"no recorded run of {day} (see `screener history list`)")
    app_ctx.out.print(history_run_table(day, list(records.values())))


@history_app.command(
    "export",
    epilog="Examples:\n\n  screener history export --out history.csv\n\n  screener history export --out backup.sqlite",
)
@handle_errors
@global_options
def history_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of every run, or a .sqlite/.db copy of the database.")],
) -> None:
    """Back up the rating history: every run as CSV, or a consistent copy of the SQLite file."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.export import write_atomic

    app_ctx = _context(ctx)
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        if out.suffix.lower() in (".sqlite", ".db", ".sqlite3"):
            history.backup(out)
        else:
            write_atomic(out, history.export_csv().encode("utf-8"))
    app_ctx.err.print(f"wrote {out}", markup=False)
