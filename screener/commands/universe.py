"""`screener universe list|show|validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import ColumnsOption, WideOption, app, command, run_context, show

universe_app = typer.Typer(help="List, show and validate universe files.", no_args_is_help=True)
app.add_typer(universe_app, name="universe")


@universe_app.command("list", epilog="Example:\n\n  screener universe list")
@command
def universe_list(ctx: typer.Context, columns: ColumnsOption = None, wide: WideOption = False) -> None:
    """The universes named in config.toml."""
    from screener.app import universes
    from screener.render.fit import View
    from screener.render.tables import UNIVERSE_LIST_COLUMNS, keys, universe_list_table

    run = run_context(ctx)
    view = View.parse(columns, wide, keys(UNIVERSE_LIST_COLUMNS))
    show(run, universe_list_table(universes.configured(run.env), view))


@universe_app.command("show", epilog="Example:\n\n  screener universe show producers")
@command
def universe_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Universe name or .toml path.")],
    columns: ColumnsOption = None,
    wide: WideOption = False,
) -> None:
    """The companies of one universe: codes, currencies, fiscal year, house view, estimate source."""
    from screener.app import universes
    from screener.render.fit import View
    from screener.render.tables import UNIVERSE_SHOW_COLUMNS, keys, universe_show_table

    run = run_context(ctx)
    view = View.parse(columns, wide, keys(UNIVERSE_SHOW_COLUMNS))
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
