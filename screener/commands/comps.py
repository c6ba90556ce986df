"""`screener screen` and `screener export`: the comp table and the PM CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    ColumnsOption,
    Format,
    GroupOption,
    ReverseOption,
    RunContext,
    SortOption,
    TopOption,
    UniverseOption,
    WideOption,
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
    columns: ColumnsOption = None,
    wide: WideOption = False,
) -> None:
    """The comp table: price, market cap, TP, upside, ETR, house and rule ratings, FY1/FY2 multiples, aggregates.
    Columns that do not fit the terminal are dropped, least important first, and named under the table."""
    from screener.app.screen import screen as build_screen
    from screener.render import export as ex
    from screener.render.fit import View
    from screener.render.tables import SCREEN_KEYS

    run = run_context(ctx)
    view = View.parse(columns, wide, SCREEN_KEYS)
    with fetch_progress(run):
        report = build_screen(run.env, _options(run, universe, group, sort, reverse, top))
    run.notes(report.problems)
    if fmt is Format.table:
        from screener.render.tables import screen_view

        show(run, screen_view(report, view), out)
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
    """Write the PM CSV (raw fractions, NA/NM literal, aggregate rows, formula-safe, atomic)."""
    from screener.app.screen import screen as build_screen
    from screener.render.export import export as write_export

    run = run_context(ctx)
    with fetch_progress(run):
        report = build_screen(run.env, _options(run, universe, group, sort, reverse, top))
    run.notes(report.problems)
    if out.parent and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")
    write_export(report, out)
    run.notes(report.banners)
    rows = sum(len(b.rows) for b in report.groups)
    aggregates = sum(len(b.aggregates) for b in report.groups)
    run.note(f"wrote {rows} companies and {aggregates} aggregate rows to {out}")
