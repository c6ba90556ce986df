"""`screener oxides import|list` and `screener fx import`: oxide price series and FX histories in the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import RunContext, WideOption, app, command, run_context, show
from screener.commands._columns import columns_option, table_view
from screener.commands._inputs import DecimalMark, DecimalOption

if TYPE_CHECKING:
    from screener.app.imports import SeriesImportResult

oxides_app = typer.Typer(
    help="Oxide price series: import (unit, VAT, FX to USD) and list.",
    epilog="Examples:\n\n  screener oxides import nd.csv --series nd_cn\n\n  screener oxides list",
    no_args_is_help=True,
)
fx_app = typer.Typer(
    help="FX histories used to convert oxide prices to USD.",
    epilog="Example:\n\n  screener fx import DEXCHUS.csv --currency CNY",
    no_args_is_help=True,
)
app.add_typer(oxides_app, name="oxides")
app.add_typer(fx_app, name="fx")

DATA = "data"  # wherever the downloaded files are
IMPORT_EXAMPLES = (
    "Examples:\n\n"
    f"  screener fx import {DATA}/fx/DEXCHUS_usdcny_1981_2025.csv --currency CNY\n\n"
    f"  screener oxides import {DATA}/oxides/cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv --series nd_cn"
    " --mid-of nd_oxide_min,nd_oxide_max --unit '10000 CNY/t' --currency CNY --vat-included\n\n"
    f"  screener oxides import {DATA}/oxides/smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv --series dy_smm"
    " --value-col SMM-REO-DXO --unit CNY/kg --currency CNY --vat-included\n\n"
    "  screener oxides import --series nd_cn   (file, columns, unit and VAT from [[oxides.series]] in config.toml)"
)
STALE = " (STALE cached copy: the server could not be reached)"


def _notes(run: RunContext, result: SeriesImportResult) -> None:
    run.notes(result.notes, prefix="note: ")


ReplaceOption = Annotated[
    bool, typer.Option("--replace", help="Store the file's series alone instead of merging it into the stored one.")
]


@oxides_app.command("import", epilog=IMPORT_EXAMPLES)
@command
def oxides_import(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(help="CSV file or http(s) URL (default: the series' source in config.toml)."),
    ] = None,
    series: Annotated[str, typer.Option("--series", "-s", help="Series id (e.g. nd_cn, dy_smm).")] = "",
    value_col: Annotated[str | None, typer.Option("--value-col", help="Column holding the price.")] = None,
    mid_of: Annotated[
        str | None,
        typer.Option("--mid-of", help="MIN_COL,MAX_COL: use the midpoint of two columns (a defective avg column)."),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="CNY/t, CNY/kg, 1000 CNY/t, 10000 CNY/t (万元/吨), USD/kg, USD/t.")
    ] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Currency of the quote: CNY or USD.")] = None,
    vat_included: Annotated[
        bool | None,
        typer.Option("--vat-included/--no-vat-included", help="The quote includes China's 13% VAT (removed)."),
    ] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Date column (default date).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    decimal: DecimalOption = DecimalMark.point,
    replace: ReplaceOption = False,
) -> None:
    """Load an oxide price series: per kg, ex VAT when included, converted to USD with the stored FX history;
    merged into the stored series (the file's days win) unless --replace."""
    from screener.app.imports import OxideImport, import_oxides

    run = run_context(ctx)
    options = OxideImport(
        series, file, value_col, mid_of, unit, currency, vat_included, date_col, name, decimal.value, replace
    )
    result = import_oxides(run.env, options)
    f = result.stored.frame
    meta = result.stored.meta
    in_usd = f["usd_per_kg"].notna().any()
    run.env.out.print(
        f"stored oxide series {result.id}: {len(f)} rows {f.index[0].date()} to {f.index[-1].date()} from "
        f"{Path(result.source).name}{STALE if result.stale else ''}; {meta['unit']}"
        f"{' incl. VAT' if result.vat_included else ''} -> {meta['local_unit']}"
        + (" -> USD/kg" if in_usd and meta.get("currency") != "USD" else ""),
        markup=False,
        highlight=False,
    )
    _notes(run, result)


@oxides_app.command("list", epilog="Example:\n\n  screener oxides list")
@command
def oxides_list(
    ctx: typer.Context,
    columns: Annotated[str | None, columns_option("screener.render.listings:OXIDE_KEYS")] = None,
    wide: WideOption = False,
) -> None:
    """The series registered in config.toml and what the store holds (rows, range, unit, currency, fetched)."""
    from screener.app.cache import oxide_listing
    from screener.render.listings import OXIDE_KEYS, oxides_table

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, OXIDE_KEYS)
    rows = oxide_listing(run.env)
    show(run, oxides_table(rows, view))
    for row in rows:
        if row.problem:
            run.env.err.print(f"warning: {row.problem}", markup=False, highlight=False)


@fx_app.command(
    "import",
    epilog=f"Example:\n\n  screener fx import {DATA}/fx/DEXCHUS_usdcny_1981_2025.csv --currency CNY",
)
@command
def fx_import(
    ctx: typer.Context,
    currency: Annotated[str, typer.Option("--currency", help="The non-USD currency, e.g. CNY.")],
    file: Annotated[
        str | None,
        typer.Argument(help="CSV file or http(s) URL (default: the currency's [[fx.series]] source in config.toml)."),
    ] = None,
    value_col: Annotated[str | None, typer.Option("--value-col", help="Rate column (default value).")] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Date column (default date).")] = None,
    usd_per: Annotated[
        bool | None,
        typer.Option("--usd-per/--per-usd", help="The file holds USD per unit of the currency (e.g. DEXUSAL)."),
    ] = None,
    decimal: DecimalOption = DecimalMark.point,
    replace: ReplaceOption = False,
) -> None:
    """Store an FX history as units of the currency per USD (FRED DEXCHUS is CNY per USD as it is), merged into the
    stored one (the file's days win) unless --replace. An http(s)
    source goes through the requests-cache session under cache/http (a stale copy is used, and said, when the
    server is down)."""
    from screener.app.imports import FxImport, import_fx_history

    run = run_context(ctx)
    result = import_fx_history(run.env, FxImport(currency, file, value_col, date_col, usd_per, decimal.value, replace))
    f = result.stored.frame
    name = result.source.rsplit("/", 1)[-1]
    run.env.out.print(
        f"stored FX {result.id} per USD: {len(f)} rows {f.index[0].date()} to {f.index[-1].date()} from "
        f"{name}{STALE if result.stale else ''}",
        markup=False,
        highlight=False,
    )
    _notes(run, result)
