"""`screener screen` and `screener export`: the comp table and the PM CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    GroupOption,
    ReverseOption,
    RunContext,
    ScreenFormat,
    SortOption,
    TopOption,
    UniverseOption,
    app,
    command,
    emit,
    fetch_progress,
    output_format,
    run_context,
    show,
)
from screener.errors import UsageError

if TYPE_CHECKING:
    from screener.app.screen import ScreenOptions
from screener.models import Scope

SCREEN_EXAMPLES = (
    "Examples:\n\n  screener screen\n\n  screener screen 600111.SS '000831 CH' MP\n\n"
    "  screener screen --source snapshot -g Magnets --sort pe_fy1 --top 5"
    "\n\n  screener screen --format csv --out comps.csv"
)


def _options(
    run: RunContext,
    universe: list[str] | None,
    group: list[str] | None,
    sort: str | None,
    reverse: bool,
    top: int | None,
    tickers: list[str] | None = None,
) -> ScreenOptions:
    from screener.app.screen import ScreenOptions

    return ScreenOptions(universe or (), group or (), sort, reverse, top, Scope(run.source, run.as_of), tickers or ())


@app.command(epilog=SCREEN_EXAMPLES)
@command
def screen(
    ctx: typer.Context,
    tickers: Annotated[
        list[str] | None,
        typer.Argument(metavar="TICKER", help="Only these companies, any code form (600111.SS, '600111 CH', MP US)."),
    ] = None,
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    top: TopOption = None,
    fmt: Annotated[
        ScreenFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table (default), csv (the PM contract), json, xlsx (the workbook) or html; default: from the --out "
            "extension.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write to this file (atomically); .csv .json .xlsx .html .txt set the format."
        ),
    ] = None,
) -> None:
    """The comp table: price, market cap, TP, upside, ETR, house and rule ratings, FY1/FY2 multiples, aggregates."""
    from screener.app.screen import screen as build_screen
    from screener.render import export as ex

    run = run_context(ctx)
    kind = output_format(fmt, out, [f.value for f in ScreenFormat])
    with fetch_progress(run):
        report = build_screen(run.env, _options(run, universe, group, sort, reverse, top, tickers))
    run.notes(report.problems)
    if kind == "table":
        from screener.render.tables import screen_view

        show(run, screen_view(report), out)
        return
    if kind in ("xlsx", "html"):
        assert out is not None or kind == "html"
        _write_document(run, report, kind, out)
    else:
        emit(run, ex.to_csv(report) if kind == "csv" else ex.to_json(report) + "\n", out)
    run.notes(report.banners)


def _write_document(run: RunContext, report: object, kind: str, out: Path | None) -> None:
    """The workbook (.xlsx) or the HTML comp table."""
    from screener.render.export import export as write_export

    if kind == "xlsx":
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx (a workbook is not printed)")
        write_export(report, out)  # type: ignore[arg-type]
        return
    raise UsageError("--format html: not built yet")


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
    output_format(None, out, ["csv", "xlsx"], has_format_option=False)
    with fetch_progress(run):
        report = build_screen(run.env, _options(run, universe, group, sort, reverse, top))
    run.notes(report.problems)
    write_export(report, out)
    run.notes(report.banners)
    rows = sum(len(b.rows) for b in report.groups)
    aggregates = sum(len(b.aggregates) for b in report.groups)
    run.note(f"wrote {rows} companies and {aggregates} aggregate rows to {out}")
