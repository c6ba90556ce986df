"""`screener financials [TICKER]...` (peer financial metrics by year) and `screener financials import FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from screener.commands._app import (
    GroupOption,
    OutOption,
    UniverseOption,
    WideOption,
    app,
    command,
    emit,
    fetch_progress,
    run_context,
    show,
)
from screener.commands._columns import columns_option, table_view
from screener.commands._formats import Format, output_format
from screener.commands._inputs import DecimalMark, DecimalOption
from screener.commands._scope import resolve


class _DefaultShow(TyperGroup):
    """`screener financials ...` runs `financials show ...` unless the first word is a subcommand (`import`), so
    `screener financials --help` is the table's help (its options and examples, and a line about `import`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["show", *args]
            ctx.meta[_DEFAULTED] = True
        return super().parse_args(ctx, args)


_DEFAULTED = "screener.financials.show-by-default"


class _ShowContext(typer.Context):
    """`show` run as the default names itself as the user typed it: "Usage: screener financials [OPTIONS] ..."
    and "see 'screener financials --help'" (not "financials show", a word the user never typed)."""

    @property
    def command_path(self) -> str:
        if self.parent is not None and self.meta.get(_DEFAULTED):
            return str(self.parent.command_path)
        return str(super().command_path)


class _ShowCommand(TyperCommand):
    context_class = _ShowContext


SHOW_EXAMPLES = (
    "Examples:\n\n  screener financials -u producers\n\n  screener financials 600111.SS '000831 CH' --years 4\n\n"
    "  screener financials -u producers --format csv --out financials.csv\n\n"
    "  screener financials --columns revenue_growth,ebit_margin,peg --as-of 2025-10-10\n\n"
    "  screener financials import nre_wind.csv --ticker '600111 CH'   (a terminal export; see its --help)"
)
IMPORT_EXAMPLES = (
    "Examples:\n\n  screener financials import nre_wind.csv --ticker '600111 CH'\n\n"
    "  screener financials import lynas.xlsx --ticker LYC.AX --currency AUD\n\n"
    "Layout (rows = items, columns = fiscal years; 2025e = an estimate; an optional unit column):\n\n"
    "  item,unit,2023,2024,2025e\n\n  revenue,CNY m,33352,32827,42135\n\n  ebit,CNY m,3283,1984,3521\n\n"
    "Items: revenue (net_revenue), gross_profit, ebit, d_and_a, net_income, operating_cash_flow, capex, fcf, cash, "
    "borrowings (or short_term_borrowings + long_term_borrowings), net_debt, total_equity, minority_interests, "
    "shares; millions of the reporting currency."
)

financials_app = typer.Typer(
    cls=_DefaultShow,
    subcommand_metavar="[TICKER]... | import FILE --ticker T",
    help="Peer financial metrics by company and fiscal year: revenue, growth, margins, FCF, net debt / EBITDA, ROE, "
    "EPS growth, PEG (METHODS §11). Sources: house model > terminal import > Yahoo annual statements.",
    epilog=SHOW_EXAMPLES + "\n\n  screener financials import nre_wind.csv --ticker '600111 CH'",
)
app.add_typer(financials_app, name="financials")


@financials_app.command("show", cls=_ShowCommand, epilog=SHOW_EXAMPLES)
@command
def financials_show(
    ctx: typer.Context,
    tickers: Annotated[
        list[str] | None,
        typer.Argument(metavar="TICKER", help="Only these companies, any code form (600111.SS, '600111 CH', MP US)."),
    ] = None,
    universe: UniverseOption = None,
    group: GroupOption = None,
    years: Annotated[
        int,
        typer.Option(
            "--years",
            min=1,
            max=50,
            help="Each company's last N fiscal years with figures, at most up to FY3 = FY1 + 2 (default 6).",
        ),
    ] = 6,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="table (default), csv or json; default: from the --out extension."),
    ] = None,
    out: OutOption = None,
    columns: Annotated[str | None, columns_option("screener.render.financials:TABLE_KEYS")] = None,
    wide: WideOption = False,
) -> None:
    """Per company and fiscal year (the default of `screener financials`): revenue, growth, margins, FCF, net debt /
    EBITDA, ROE, EPS growth and PEG, with the currency and the source of the figures. Companies without figures
    are named in a note."""
    from screener.app.financials import FinancialsOptions, financials, no_figures_note
    from screener.render import financials as render

    run = run_context(ctx)
    kind = output_format(fmt, out, [f.value for f in Format])
    view = table_view(run.env, columns, wide, render.TABLE_KEYS)
    options = FinancialsOptions(resolve(run, universe, tickers, group), years)
    with fetch_progress(run):
        report = financials(run.env, options)
    run.notes(report.notes)
    if kind == "table":
        show(run, render.financials_view(report, view, banners=not run.quiet), out)
        return
    emit(run, render.to_csv(report) if kind == "csv" else render.to_json(report), out)
    run.notes(report.banners)
    note = no_figures_note(report)
    if note:
        run.note(note)


@financials_app.command("import", epilog=IMPORT_EXAMPLES)
@command
def financials_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: rows = items, columns = fiscal years (2025e: estimate).")],
    ticker: Annotated[str, typer.Option("--ticker", "-t", help="The company, any code form (600111 CH, LYC AU).")],
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="Reporting currency of the figures (default: the universe's)."),
    ] = None,
    known_on: Annotated[
        str | None,
        typer.Option(
            "--known-on",
            metavar="DATE",
            help="Date the estimates (2025e columns) were made, YYYY-MM-DD (default today): a back-dated table or "
            "chart uses them only from then on.",
        ),
    ] = None,
    decimal: DecimalOption = DecimalMark.point,
    replace: Annotated[
        bool, typer.Option("--replace", help="Store the file's fiscal years alone instead of merging by year.")
    ] = False,
) -> None:
    """Store one company's statements from a terminal export (provider terminal: below the house model, above
    Yahoo); importing again merges by fiscal year (the file's years win). Exit 2 naming file, line and field when a
    cell is wrong."""
    from screener.app.financials_import import import_statements

    run = run_context(ctx)
    known = run.date(known_on, "--known-on", past=True)
    result = import_statements(run.env, file, ticker, currency, known, decimal.value, replace)
    run.env.out.print(result.summary(), markup=False, highlight=False)
