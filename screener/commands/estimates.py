"""`screener estimates import FILE`: consensus estimates from a terminal export into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import app, command, run_context
from screener.commands._inputs import DecimalMark, DecimalOption

estimates_app = typer.Typer(
    help="Consensus estimates from terminal exports (Bloomberg, Wind ...) for the comp table.",
    epilog="Example:\n\n  screener estimates import consensus.csv",
    no_args_is_help=True,
)
app.add_typer(estimates_app, name="estimates")

IMPORT_EXAMPLES = (
    "Examples:\n\n  screener estimates import consensus.csv\n\n  screener estimates import wind_eps.xlsx\n\n"
    "Columns (one row per ticker × fiscal year × as_of): ticker, fiscal_year, as_of (required); eps, dps, bvps, "
    "ebitda, net_debt, target_price, n_analysts (optional, NA when missing)."
)


@estimates_app.command("import", epilog=IMPORT_EXAMPLES)
@command
def estimates_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX, long format: one row per ticker and fiscal year.")],
    decimal: DecimalOption = DecimalMark.point,
    replace: Annotated[
        bool, typer.Option("--replace", help="Each ticker's stored imported sets become the file's alone.")
    ] = False,
) -> None:
    """Store consensus estimates (source import:FILE); `screen` uses them for not-rated names from their as_of
    date on (the newest known consensus wins). Exit 2 naming file, line and field when a row is wrong."""
    from screener.app.estimates import import_estimates

    run = run_context(ctx)
    result = import_estimates(run.env, file, decimal.value, replace)
    out = run.env.out
    out.print(
        f"stored {result.rows} estimate rows for {len(result.tickers)} ticker(s) from {file.name} "
        f"(source {result.source})",
        markup=False,
        highlight=False,
    )
    for summary in result.tickers:
        out.print(f"  {summary.line()}", markup=False, highlight=False)
    for note in result.notes:
        run.env.err.print(f"note: {note}", markup=False, highlight=False)
