"""`screener screen` and `screener export`: the comp table and the PM CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    Format,
    GroupOption,
    ReverseOption,
    RunContext,
    SortOption,
    TopOption,
    UniverseOption,
    app,
    command,
    emit,
    fetch_progress,
    run_context,
    show,
)
from screener.errors import UsageError

if TYPE_CHECKING:
    from screener.app.screen import ScreenOptions
from screener.models import Scope

SCREEN_EXAMPLES = (
    "Examples:\n\n  screener screen\n\n  screener screen --source snapshot -g Magnets --sort pe_fy1 --top 5"
    "\n\n  screener screen --format csv --out comps.csv"
)


def _options(
    run: RunContext,
    universe: list[str] | None,
    group: list[str] | None,
    sort: str | None,
    reverse: bool,
    top: int | None,
) -> ScreenOptions:
    from screener.app.screen import ScreenOptions

    return ScreenOptions(universe or (), group or (), sort, reverse, top, Scope(run.source, run.as_of))


@app.command(epilog=SCREEN_EXAMPLES)
@command
def screen(
    ctx: typer.Context,
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    top: TopOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (rich), csv (the PM contract) or json.")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (atomically) instead of the terminal.")
    ] = None,
) -> None:
    """The comp table: price, market cap, TP, upside, ETR, house and rule ratings, FY1/FY2 multiples, aggregates."""
    from screener.app.screen import screen as build_screen
    from screener.render import export as ex

    run = run_context(ctx)
    with fetch_progress(run):
        report = build_screen(run.env, _options(run, universe, group, sort, reverse, top))
    run.notes(report.problems)
    if fmt is Format.table:
        from screener.render.tables import screen_view

        show(run, screen_view(report), out)
        return
    emit(run, ex.to_csv(report) if fmt is Format.csv else ex.to_json(report) + "\n", out)
    run.notes(report.banners)


@app.command(epilog="Examples:\n\n  screener export --out comps.csv\n\n  screener export --out comps.xlsx -u magnets")
@command
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV path (the PM contract); .xlsx writes a workbook.")],
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    top: TopOption = None,
) -> None:
    """Write the PM CSV (raw fractions, NA/NM literal, aggregate rows, formula-safe, atomic); a path ending in .xlsx
    writes the formatted workbook: Comps, Sources & FX, Flags, and Drift, Correlation and Charts where their data
    exists (drift is computed, never recorded)."""
    from screener.app.bundle import BundleOptions, gather_report
    from screener.render.export import export as write_export
    from screener.render.workbook import write_workbook

    run = run_context(ctx)
    xlsx = out.suffix.lower() == ".xlsx"  # the workbook's extra sheets are gathered for it only
    options = BundleOptions(
        _options(run, universe, group, sort, reverse, top), drift=xlsx, correlation=xlsx, charts=xlsx
    )
    with fetch_progress(run):
        bundle = gather_report(run.env, options)
    report = bundle.report
    run.notes(report.problems)
    if out.parent and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")
    write_workbook(bundle, out) if xlsx else write_export(report, out)
    run.notes([*report.banners, *bundle.notes])
    if bundle.charts.notes:
        run.note(f"{len(bundle.charts.notes)} chart(s) skipped: why on the Charts sheet")
    rows = sum(len(b.rows) for b in report.groups)
    aggregates = sum(len(b.aggregates) for b in report.groups)
    run.note(f"wrote {rows} companies and {aggregates} aggregate rows to {out}")
