"""`screener screen` and `screener export`: the comp table and the PM CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    GroupOption,
    PresetOption,
    ReverseOption,
    RunContext,
    SortOption,
    TopOption,
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
from screener.commands._columns import columns_option
from screener.commands._formats import ScreenFormat, output_format
from screener.commands._scope import resolve
from screener.errors import UnknownSelection, UsageError

if TYPE_CHECKING:
    from screener.app.presets import ScreenChoice
    from screener.app.screen import ScreenOptions

PortfolioFileOption = Annotated[
    Path | None,
    typer.Option(
        "--portfolio",
        help="A holdings file (CSV/XLSX: ticker, weight or shares): adds the `screener portfolio` view (the "
        "workbook's Portfolio sheet, the report's Portfolio section).",
    ),
]
BenchmarkOption = Annotated[
    str | None,
    typer.Option("--benchmark", help="With --portfolio: its benchmark, a universe with weights or a holdings file."),
]


def _portfolio_args(portfolio: Path | None, benchmark: str | None) -> tuple[Path | None, str | None]:
    """``--portfolio`` and ``--benchmark`` checked together (a benchmark without a book is a usage error)."""
    if benchmark is not None and portfolio is None:
        raise UsageError("--benchmark needs --portfolio FILE")
    return portfolio, benchmark


SCREEN_EXAMPLES = (
    "Examples:\n\n  screener screen\n\n  screener screen 600111.SS '000831 CH' MP\n\n"
    "  screener screen --source snapshot -g Magnets --sort pe_fy1 --top 5"
    "\n\n  screener screen --format csv --out comps.csv"
)


def _choice(
    run: RunContext,
    preset: str | None,
    universe: list[str] | None,
    group: list[str] | None,
    sort: str | None,
    reverse: bool | None,
    top: int | None,
    where: str | None,
    columns: str | None = None,
) -> ScreenChoice:
    """The command line over the saved screen ``--preset`` (an option given wins); ``--where`` parsed (a syntax
    error or an unknown column: exit 2 before any data is fetched)."""
    from screener.app.presets import choose

    settings = run.env.settings
    return choose(settings, preset, where=where, sort=sort, reverse=reverse, top=top, columns=columns,
                  universes=universe, groups=group)  # fmt: skip


def _options(run: RunContext, choice: ScreenChoice, tickers: list[str] | None = None) -> ScreenOptions:
    """The screen's options over the scope resolved once here (selection, source, as-of date)."""
    from screener.app.screen import ScreenOptions

    try:
        scope = resolve(run, choice.universes, tickers, choice.groups)
    except UnknownSelection as exc:
        from screener.app.presets import scope_error

        raise scope_error(run.env.settings, choice, exc) from None
    return ScreenOptions(scope, choice.sort, choice.reverse, choice.top, choice.criteria)


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
    reverse: ReverseOption = None,
    top: TopOption = None,
    where: WhereOption = None,
    preset: PresetOption = None,
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
    columns: Annotated[str | None, columns_option("screener.render.tables:SCREEN_KEYS")] = None,
    wide: WideOption = False,
    notes: Annotated[
        bool,
        typer.Option("--notes", help="Print the full footer: FX sources, the legend and how aggregates are computed."),
    ] = False,
) -> None:
    """The comp table: price, market cap, TP, upside, ETR, house and rule ratings, FY1/FY2 multiples, aggregates.
    Columns that do not fit the terminal are dropped, least important first, and named under the table."""
    from screener.app.presets import chosen_columns
    from screener.app.screen import screen as build_screen
    from screener.render import export as ex
    from screener.render.fit import View
    from screener.render.tables import SCREEN_KEYS

    run = run_context(ctx)
    kind = output_format(fmt, out, [f.value for f in ScreenFormat])
    choice = _choice(run, preset, universe, group, sort, reverse, top, where, columns)
    picked = chosen_columns(run.env.settings, choice, SCREEN_KEYS)
    view = View.parse(picked, wide, SCREEN_KEYS)  # an unknown --columns key is an error whatever the format
    if kind == "xlsx" and out is None:
        raise UsageError("--format xlsx needs --out FILE.xlsx (a workbook is not printed)")
    options = _options(run, choice, tickers)
    if kind in ("xlsx", "html"):
        _write_document(run, options, kind, out)
        return
    with fetch_progress(run):
        report = build_screen(run.env, options)
    run.notes(report.problems)
    if kind == "table":
        from screener.render.tables import screen_view

        show(run, screen_view(report, view, banners=not run.quiet, notes=notes), out)
        return
    emit(run, ex.to_csv(report) if kind == "csv" else ex.to_json(report) + "\n", out)
    run.notes(report.banners)
    run.notes([report.where.summary] if report.where else [])


def _write_document(
    run: RunContext,
    options: ScreenOptions,
    kind: str,
    out: Path | None,
    book: tuple[Path | None, str | None] = (None, None),
) -> None:
    """The full workbook (.xlsx) or the HTML report: the comp table, and drift, correlation and charts where their
    data exists (and the portfolio view with ``--portfolio``)."""
    from screener.app.bundle import BundleOptions, gather_report

    with fetch_progress(run):
        bundle = gather_report(run.env, BundleOptions(options, portfolio=book[0], benchmark=book[1]))
    run.notes(bundle.report.problems)
    if kind == "xlsx":
        from screener.render.workbook import to_xlsx_bytes

        emit(run, to_xlsx_bytes(bundle), out)
    else:
        from screener.render.report_html import report_html

        emit(run, report_html(bundle), out)
    run.notes([*bundle.report.banners, *bundle.notes, *([bundle.report.where.summary] if bundle.report.where else [])])
    if out is not None:
        run.note(f"wrote {out}")


@app.command(epilog="Examples:\n\n  screener export --out comps.csv\n\n  screener export --out comps.xlsx -u magnets")
@command
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV path (the PM contract); .xlsx writes a workbook.")],
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = None,
    top: TopOption = None,
    where: WhereOption = None,
    preset: PresetOption = None,
    portfolio: PortfolioFileOption = None,
    benchmark: BenchmarkOption = None,
) -> None:
    """Write the PM CSV (raw fractions, NA/NM literal, aggregate rows, formula-safe, atomic); a path ending in .xlsx
    writes the formatted workbook: Comps, Sources & FX, Flags, and Drift, Correlation and Charts where their data
    exists (drift is computed, never recorded)."""
    from screener.app.bundle import BundleOptions, gather_report
    from screener.render.export import to_csv

    run = run_context(ctx)
    kind = output_format(None, out, ["csv", "xlsx"], has_format_option=False)
    xlsx = kind == "xlsx"  # the workbook's extra sheets are gathered for it only
    book = _portfolio_args(portfolio, benchmark)
    if portfolio is not None and not xlsx:
        raise UsageError("--portfolio adds a sheet to the workbook: give --out FILE.xlsx (or use `screener portfolio`)")
    options = BundleOptions(
        _options(run, _choice(run, preset, universe, group, sort, reverse, top, where)),
        drift=xlsx,
        correlation=xlsx,
        charts=xlsx,
        portfolio=book[0],
        benchmark=book[1],
    )
    with fetch_progress(run):
        bundle = gather_report(run.env, options)
    report = bundle.report
    run.notes(report.problems)
    if xlsx:
        from screener.render.workbook import to_xlsx_bytes

        emit(run, to_xlsx_bytes(bundle), out)
    else:
        emit(run, to_csv(report), out)
    run.notes([*report.banners, *bundle.notes, *([report.where.summary] if report.where else [])])
    if bundle.charts.notes:
        run.note(f"{len(bundle.charts.notes)} chart(s) skipped: why on the Charts sheet")
    rows = sum(len(b.rows) for b in report.groups)
    aggregates = sum(len(b.aggregates) for b in report.groups)
    run.note(f"wrote {rows} companies and {aggregates} aggregate rows to {out}")


REPORT_EXAMPLES = (
    "Examples:\n\n  screener report --out report.html\n\n  screener report -u producers --out producers.html\n\n"
    "One self-contained HTML file (no external requests): the comp table with ratings and bands, the drift findings"
    " (when a rating history exists), the oxide correlation table (when oxide series are stored), the charts,"
    " sources and FX, the flags explained. Readable on a phone, prints on A4."
)


@app.command("report", epilog=REPORT_EXAMPLES)
@command
def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write (atomically).")],
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = None,
    top: TopOption = None,
    where: WhereOption = None,
    preset: PresetOption = None,
    portfolio: PortfolioFileOption = None,
    benchmark: BenchmarkOption = None,
) -> None:
    """The HTML report a PM opens: comp table, drift, correlation and charts in one page (and a portfolio section
    with --portfolio FILE)."""
    run = run_context(ctx)
    output_format(None, out, ["html"], has_format_option=False)
    book = _portfolio_args(portfolio, benchmark)
    _write_document(
        run, _options(run, _choice(run, preset, universe, group, sort, reverse, top, where)), "html", out, book
    )
