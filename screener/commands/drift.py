"""`screener drift` and `screener history list|show|export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import (
    OutOption,
    PresetOption,
    UniverseOption,
    WhereOption,
    WideOption,
    app,
    command,
    emit,
    fetch_progress,
    run_context,
    show,
)
from screener.commands._columns import columns_option, table_view
from screener.commands._formats import DriftFormat, output_format
from screener.commands._scope import resolve
from screener.errors import ExitCode, UnknownSelection

history_app = typer.Typer(
    help="See and back up the rating history recorded by `screener drift`.",
    epilog="Examples:\n\n  screener history list\n\n  screener history show 2025-10-10\n\n"
    "  screener history export --out backup.sqlite",
    no_args_is_help=True,
)
app.add_typer(history_app, name="history")

CRON_RECIPE = (
    "0 7 * * MON screener drift --quiet --out /tmp/drift.html; [ $? -eq 4 ] && "
    "mail -a 'Content-Type: text/html' -s 'Rating drift' pm-desk@example.com < /tmp/drift.html"
)
"""The weekly cron line (the README shows the same): exit 4 means something needs review; the HTML is the body."""

DRIFT_EXAMPLES = (
    "Examples:\n\n  screener drift\n\n  screener drift --no-record --against 2025-10-03\n\n"
    "  screener drift --format csv --out drift.csv\n\n"
    "Every Monday at 07:00, mail the findings when something needs review (crontab line):\n\n"
    f"  {CRON_RECIPE}"
)


@app.command(epilog=DRIFT_EXAMPLES)
@command
def drift(
    ctx: typer.Context,
    against: Annotated[
        str, typer.Option("--against", help="last (latest run >= 7 days older) or a recorded date.")
    ] = "last",
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record today's run in the history first.")
    ] = True,
    universe: UniverseOption = None,
    where: WhereOption = None,
    preset: PresetOption = None,
    fmt: Annotated[
        DriftFormat | None,
        typer.Option(
            "--format", "-f", help="table, csv, json or html (default: from the --out extension, else table)."
        ),
    ] = None,
    out: OutOption = None,
    columns: Annotated[str | None, columns_option("screener.render.tables:DRIFT_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """Weekly rating-drift check: which house ratings left their ETR band, what changed, which targets are stale.

    Exit 4 when anything needs review, 0 otherwise.
    """
    from screener.app import drift as drift_app
    from screener.render.export import drift_csv, drift_json
    from screener.render.tables import DRIFT_COLUMNS, keys

    run = run_context(ctx)
    kind = output_format(fmt, out, [f.value for f in DriftFormat])
    from screener.app.presets import choose

    settings = run.env.settings
    view = table_view(run.env, columns, wide, keys(DRIFT_COLUMNS))
    baseline = "last" if against == "last" else run.date(against, "--against")
    assert baseline is not None
    choice = choose(settings, preset, where=where, universes=universe)  # a preset's criteria, universes and groups
    try:
        scope = resolve(run, choice.universes, None, choice.groups)
    except UnknownSelection as exc:
        from screener.app.presets import scope_error

        raise scope_error(settings, choice, exc) from None
    options = drift_app.DriftOptions(scope, baseline, record, choice.criteria)
    with fetch_progress(run):
        result = drift_app.drift(run.env, options)
    run.notes(result.report.problems)
    as_of, base = result.as_of.isoformat(), result.baseline.isoformat() if result.baseline else None
    if kind == "table":
        from screener.render.tables import drift_table

        run.notes(result.report.banners)
        show(run, drift_table(as_of, base, result.findings, result.warnings, view, result.where), out)
    elif kind == "html":
        from screener.render.html import DriftSection, drift_html

        section = DriftSection(as_of, base, result.findings, result.warnings, result.where)
        emit(run, drift_html(section, result.report.banners), out)
    else:
        text = (
            drift_csv(as_of, base, result.findings)
            if kind == "csv"
            else drift_json(as_of, base, result.findings, result.warnings, result.where)
        )
        emit(run, text, out)
        run.notes([result.where.summary] if result.where else [])
        run.notes(options.scope.banners)  # the as-of date held back at the latest price, when it is
        run.notes(result.warnings, prefix="warning: ")
    state = "recorded" if result.recorded else "not recorded"
    run.note(f"{result.needs_review} finding(s) need review; run {state} in {result.history_path}")
    if result.needs_review:
        raise typer.Exit(int(ExitCode.DRIFT))


@history_app.command("list", epilog="Example:\n\n  screener history list")
@command
def history_list(
    ctx: typer.Context,
    columns: Annotated[str | None, columns_option("screener.render.tables:HISTORY_RUNS_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """Recorded runs, newest first."""
    from screener.app import drift as drift_app
    from screener.render.tables import HISTORY_RUNS_COLUMNS, history_runs_table, keys

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, keys(HISTORY_RUNS_COLUMNS))
    show(run, history_runs_table(drift_app.runs(run.env), view))


@history_app.command("show", epilog="Example:\n\n  screener history show 2025-10-10")
@command
def history_show(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="As-of date of a recorded run.")],
    columns: Annotated[str | None, columns_option("screener.render.tables:HISTORY_RUN_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """One recorded run: price, target, ETR, house and rule rating, band, flags."""
    from screener.app import drift as drift_app
    from screener.render.tables import HISTORY_RUN_COLUMNS, history_run_table, keys

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, keys(HISTORY_RUN_COLUMNS))
    wanted = run.date(day, "DATE")
    assert wanted is not None
    show(run, history_run_table(day, drift_app.run(run.env, wanted), view))


@history_app.command(
    "export",
    epilog="Examples:\n\n  screener history export --out history.csv\n\n  screener history export --out backup.sqlite",
)
@command
def history_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of every run, or a .sqlite/.db copy of the database.")],
) -> None:
    """Back up the rating history: every run as CSV, or a consistent copy of the SQLite file."""
    from screener.app import drift as drift_app
    from screener.render.export import history_csv

    run = run_context(ctx)
    if out.suffix.lower() in drift_app.BACKUP_SUFFIXES:
        drift_app.backup_history(run.env, out)
    else:
        emit(run, history_csv(drift_app.history_records(run.env)), out)
    run.env.err.print(f"wrote {out}", markup=False)
