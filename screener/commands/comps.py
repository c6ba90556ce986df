"""`screener screen` and `screener export`: the comp table and the PM CSV."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from screener.cli import (
    Format,
    GroupOption,
    ReverseOption,
    SortOption,
    TopOption,
    UniverseOption,
    _context,
    _report,
    app,
    global_options,
    handle_errors,
)
from screener.errors import UsageError

SCREEN_EXAMPLES = (
    "Examples:\n\n  screener screen\n\n  screener screen --source snapshot -g Magnets --sort pe_fy1 --top 5"
    "\n\n  screener screen --format csv --out comps.csv"
)


@app.command(epilog=SCREEN_EXAMPLES)
@handle_errors
@global_options
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
    app_ctx = _context(ctx)
    report = _report(app_ctx, universe, group, sort, reverse, top)
    from screener.render import export as ex

    if fmt is Format.table:
        from screener.render.tables import screen_view

        view = screen_view(report)
        if out:
            console = Console(record=True, width=240, file=io.StringIO())
            console.print(view)
            ex.write_atomic(out, console.export_text().encode("utf-8"))
        else:
            app_ctx.out.print(view)
        return
    text = ex.to_csv(report) if fmt is Format.csv else ex.to_json(report) + "\n"
    if out:
        ex.write_atomic(out, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    if not app_ctx.quiet:
        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)


@app.command(epilog="Examples:\n\n  screener export --out comps.csv\n\n  screener export --out comps.xlsx -u magnets")
@handle_errors
@global_options
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
    app_ctx = _context(ctx)
    report = _report(app_ctx, universe, group, sort, reverse, top)
    from screener.render.export import export as write_export

    if out.parent and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")
    write_export(report, out)
    if not app_ctx.quiet:
        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
        rows = sum(len(b.rows) for b in report.groups)
        app_ctx.err.print(
            f"wrote {rows} companies and {sum(len(b.aggregates) for b in report.groups)} aggregate rows to {out}",
            markup=False,
        )
