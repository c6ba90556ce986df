"""`screener universe list|show|validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.cli import (
    _context,
    app,
    global_options,
    handle_errors,
)

universe_app = typer.Typer(help="List, show and validate universe files.", no_args_is_help=True)
app.add_typer(universe_app, name="universe")


@universe_app.command("list", epilog="Example:\n\n  screener universe list")
@handle_errors
@global_options
def universe_list(
    ctx: typer.Context,
) -> None:
    """The universes named in config.toml."""
    from screener.config import load_settings
    from screener.render.tables import universe_list_table
    from screener.universe import load_universes

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    app_ctx.out.print(universe_list_table(load_universes(list(settings.universe_files))))


@universe_app.command("show", epilog="Example:\n\n  screener universe show producers")
@handle_errors
@global_options
def universe_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Universe name or .toml path.")],
) -> None:
    """The companies of one universe: codes, currencies, fiscal year, house view, estimate source."""
    from screener.config import load_settings
    from screener.render.tables import universe_show_table
    from screener.universe import load_universe, resolve_universe_args

    app_ctx = _context(ctx)
    path = Path(name)
    if not (path.suffix == ".toml" and path.exists()):
        path = resolve_universe_args([name], load_settings(app_ctx.config).universe_files)[0]
    app_ctx.out.print(universe_show_table(load_universe(path)))


@universe_app.command(
    "validate", epilog="Examples:\n\n  screener universe validate\n\n  screener universe validate my_peers.toml"
)
@handle_errors
@global_options
def universe_validate(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Files to check (default: those in config.toml).")] = None,
) -> None:
    """Check universe files: TOML syntax, keys, types, tickers, prices and targets. Exit 2 on the first problem."""
    from screener.config import load_settings
    from screener.universe import load_universes

    app_ctx = _context(ctx)
    paths = list(files) if files else list(load_settings(app_ctx.config).universe_files)
    universes = load_universes(paths)
    for u in universes:
        app_ctx.out.print(f"ok: {u.path} — {len(u.companies)} companies", markup=False, highlight=False)
