"""`screener valuation import`: P/B, P/E and BVPS history exported from Wind or Bloomberg into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import app, command, run_context
from screener.commands._inputs import DecimalMark, DecimalOption

valuation_app = typer.Typer(
    help="Valuation history (daily P/B, P/E, book values) for the P/B and P/E bands and the percentile columns.",
    epilog="Example:\n\n  screener valuation import wind_600111_pb.csv --ticker 600111.SS --pb-col PB_MRQ",
    no_args_is_help=True,
)
app.add_typer(valuation_app, name="valuation")

IMPORT_EXAMPLES = (
    "Examples:\n\n"
    "  screener valuation import wind_600111.xlsx --ticker '600111 CH' --date-col Date --pb-col PB_LF --pe-col PE_TTM"
    "\n\n  screener valuation import nre_reports.csv --ticker 600111.SS --date-col period_end --bvps-col bvps"
    " --published-col published\n\n"
    "  screener valuation import bbg_bvps.csv --ticker 600111.SS --bvps-col BOOK_VAL_PER_SH   (daily: each change"
    " counts from the day it shows)\n\n"
    "Imported values are the 'terminal' source: they win over baostock and Yahoo on the same day. Then: "
    "screener value 600111.SS; screener chart pb-band 600111.SS --out band.png"
)


@valuation_app.command("import", epilog=IMPORT_EXAMPLES)
@command
def valuation_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX (first sheet) with a date column and value columns.")],
    ticker: Annotated[str, typer.Option("--ticker", "-t", help="Any code form (600111 CH, 600111.SH, LYC AU ...).")],
    date_col: Annotated[
        str, typer.Option("--date-col", help="Date column (the period end with --published-col).")
    ] = "date",
    pb_col: Annotated[
        str | None, typer.Option("--pb-col", metavar="COLUMN", help="Daily P/B column (default: a 'pb' column).")
    ] = None,
    pe_col: Annotated[
        str | None, typer.Option("--pe-col", metavar="COLUMN", help="Daily P/E column (default: a 'pe' column).")
    ] = None,
    bvps_col: Annotated[
        str | None,
        typer.Option("--bvps-col", metavar="COLUMN", help="Book value per share column (default: a 'bvps' column)."),
    ] = None,
    published_col: Annotated[
        str | None,
        typer.Option(
            "--published-col", metavar="COLUMN", help="Publication date of each report (rows are reports, not days)."
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the stored terminal history instead of merging.")
    ] = False,
    decimal: DecimalOption = DecimalMark.point,
) -> None:
    """Load a terminal export of P/B, P/E or BVPS history; `value`, `chart pb-band` and the comp table's percentile
    columns use it (source: terminal)."""
    from screener.app.valuation_history import ValuationImport, import_valuation

    run = run_context(ctx)
    options = ValuationImport(file, ticker, date_col, pb_col, pe_col, bvps_col, published_col, replace, decimal.value)
    result = import_valuation(run.env, options)
    run.env.out.print(result.summary(), markup=False, highlight=False)
    for note in result.notes:
        run.env.err.print(f"note: {note}", markup=False, highlight=False)
