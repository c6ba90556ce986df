"""`screener universe list|show|validate|import-holdings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import WideOption, app, command, run_context, show
from screener.commands._columns import columns_option, table_view
from screener.commands._inputs import DecimalMark, DecimalOption

universe_app = typer.Typer(
    help="List, show and validate universe files; build one from ETF holdings.",
    epilog="Examples:\n\n  screener universe list\n\n  screener universe show producers\n\n"
    "  screener universe validate\n\n  screener universe import-holdings REMX_holdings.csv --name remx",
    no_args_is_help=True,
)
app.add_typer(universe_app, name="universe")


@universe_app.command("list", epilog="Example:\n\n  screener universe list")
@command
def universe_list(
    ctx: typer.Context,
    columns: Annotated[str | None, columns_option("screener.render.universe_tables:UNIVERSE_LIST_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """The universes named in config.toml."""
    from screener.app import universes
    from screener.render.tables import keys
    from screener.render.universe_tables import UNIVERSE_LIST_COLUMNS, universe_list_table

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, keys(UNIVERSE_LIST_COLUMNS))
    show(run, universe_list_table(universes.configured(run.env), view))


@universe_app.command("show", epilog="Example:\n\n  screener universe show producers")
@command
def universe_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Universe name or .toml path.")],
    columns: Annotated[str | None, columns_option("screener.render.universe_tables:UNIVERSE_SHOW_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """The companies of one universe: codes, currencies, fiscal year, house view, estimate source."""
    from screener.app import universes
    from screener.render.tables import keys
    from screener.render.universe_tables import UNIVERSE_SHOW_COLUMNS, universe_show_table

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, keys(UNIVERSE_SHOW_COLUMNS))
    show(run, universe_show_table(universes.one(run.env, name), view))


@universe_app.command(
    "validate", epilog="Examples:\n\n  screener universe validate\n\n  screener universe validate my_peers.toml"
)
@command
def universe_validate(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Files to check (default: those in config.toml).")] = None,
) -> None:
    """Check universe files: TOML syntax, keys, types, tickers, prices and targets. Exit 2 on the first problem."""
    from screener.app import universes

    run = run_context(ctx)
    for u in universes.validate(run.env, files):
        run.env.out.print(f"ok: {u.path} — {len(u.companies)} companies", markup=False, highlight=False)


HOLDINGS_EXAMPLES = (
    "Examples:\n\n"
    "  screener universe import-holdings ../shared/data/holdings/REMX_vaneck_holdings_committed_2026-01-31.csv"
    " --name remx\n\n"
    "  screener universe import-holdings remx.xlsx --name remx_top --min-weight 2 --group REMX --replace\n\n"
    "  screener screen -u remx --source snapshot"
)


@universe_app.command("import-holdings", epilog=HOLDINGS_EXAMPLES)
@command
def universe_import_holdings(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="ETF holdings export (CSV or XLSX), e.g. VanEck's REMX holdings.")],
    name: Annotated[str, typer.Option("--name", "-n", help="Universe name: writes universes/NAME.toml.")],
    min_weight: Annotated[
        float | None,
        typer.Option("--min-weight", min=0, max=100, help="Keep holdings of at least PCT percent of net assets."),
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Folder to write NAME.toml into (default: universes/ beside the config)."),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="Group of every company (default: the fund).")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing NAME.toml.")] = False,
    decimal: DecimalOption = DecimalMark.point,
) -> None:
    """Build a universe from an ETF holdings export: Bloomberg codes (600111 C1, LYC AU, 1772 HK, MP US ...) to
    Yahoo tickers, weights kept; cash and other non-equity lines skipped and listed, unmappable codes listed."""
    from screener.app.holdings import HoldingsImport, import_holdings

    run = run_context(ctx)
    options = HoldingsImport(file, name, min_weight, folder, group, replace, decimal.value)
    result = import_holdings(run.env, options)
    dated = result.parsed.as_of.isoformat() if result.parsed.as_of else "not stated in the file"
    run.env.out.print(
        f"wrote {result.path}: {len(result.companies)} companies, {result.weight:.2f}% of net assets "
        f"(fund {result.fund or 'not stated'}, holdings date {dated}); use it with: screener screen -u {name}",
        markup=False,
        highlight=False,
    )
    if result.backup is not None:
        run.note(f"the previous {result.path.name} is kept as {result.backup}")
    run.notes((f"{u.holding.name} ({u.holding.code}): {u.reason}" for u in result.unmapped), prefix="unmapped: ")
    run.notes(
        (f"{h.name} ({h.asset_class or 'no code'}, line {h.line})" for h in result.parsed.skipped),
        prefix="skipped: ",
    )
    if result.below_threshold:
        run.note(f"note: {len(result.below_threshold)} holdings below --min-weight {min_weight:g}% left out")
