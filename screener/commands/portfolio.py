"""``screener portfolio FILE``: a book against its benchmark (weighted multiples, ETR, active weights, Sells)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import UniverseOption, app, command, emit, fetch_progress, run_context, show
from screener.commands._formats import Format, output_format
from screener.commands._inputs import DecimalMark, DecimalOption
from screener.commands._scope import resolve
from screener.errors import DataUnavailable

PORTFOLIO_EXAMPLES = (
    "Examples:\n\n  screener portfolio book.csv\n\n"
    "  screener portfolio book.xlsx --benchmark remx --format csv --out book_vs_remx.csv\n\n"
    "  screener portfolio book.csv --benchmark REMX_holdings.csv --source snapshot --as-of 2025-10-10\n\n"
    "The file: a ticker column (any code form: 600111 CH, 600111.SH, LYC AU, MP) and a weight column (percent, "
    "or fractions summing to 1) or a shares column (weights from the USD market value at the as-of date)."
)


@app.command("portfolio", epilog=PORTFOLIO_EXAMPLES)
@command
def portfolio(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The holdings file (CSV or XLSX).")],
    benchmark: Annotated[
        str | None,
        typer.Option(
            "--benchmark",
            "-b",
            help="A universe with weights (e.g. remx, from `universe import-holdings`) or a holdings file (.csv "
            ".xlsx, e.g. an ETF export). Without one: no benchmark or active columns.",
        ),
    ] = None,
    universe: UniverseOption = None,
    fmt: Annotated[Format | None, typer.Option("--format", "-f", help="table (default), csv or json.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file (atomically); .csv .json .txt set the format."),
    ] = None,
    decimal: DecimalOption = DecimalMark.point,
) -> None:
    """Per holding: weight, benchmark and active weight, ratings, ETR, FY1 P/E, P/B, ROE, DY, YTD, flags; the
    portfolio, benchmark and active rows (weighted harmonic mean for multiples, weighted mean otherwise, with the
    weight covered), weights by peer group and oxide exposure, Sells held, Buys not held, names not included."""
    from screener.app.portfolio import PortfolioOptions
    from screener.app.portfolio import portfolio as build
    from screener.render import portfolio as rp

    run = run_context(ctx)
    kind = output_format(fmt, out, [f.value for f in Format])
    scope = resolve(run, universe)
    options = PortfolioOptions(scope, file, benchmark, decimal.value, named=bool(universe))
    with fetch_progress(run):
        report = build(run.env, options)
    if kind == "table":
        show(run, rp.portfolio_view(report, banners=not run.quiet), out)
    else:
        emit(run, rp.to_csv(report) if kind == "csv" else rp.to_json(report) + "\n", out)
        run.notes(report.banners)
    if not report.held:
        raise DataUnavailable(f"{file}: no holding could be included (each is listed under Not included, with why)")
