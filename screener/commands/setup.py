"""`screener init`: write an editable config and universes (to the user config folder by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import app, command, run_context

INIT_EXAMPLES = (
    "Examples:\n\n"
    "  screener init                 # the user config folder: used from any directory\n\n"
    "  screener init ~/rare-earths   # a project folder: run screener there, or --config ~/rare-earths/config.toml"
)


@app.command("init", epilog=INIT_EXAMPLES)
@command
def init(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]", help="Where to write config.toml and universes/ (default: user config folder)."
        ),
    ] = None,
) -> None:
    """Write an editable config.toml and the bundled universes; refuses to overwrite an existing file."""
    from screener.app.setup import init_folder

    run = run_context(ctx)
    target = folder if folder is not None else run.env.user_config_dir()
    result = init_folder(target)
    for path in result.written:
        run.env.out.print(f"wrote {path}", markup=False, highlight=False)
    if folder is None:
        run.note(
            f"runs from any folder now use {target / 'config.toml'} (store and history in {run.env.user_data_dir()})"
        )
    else:
        run.note(f"run screener in {target}, or pass --config {target / 'config.toml'} (or set SCREENER_CONFIG)")
