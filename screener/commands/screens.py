"""`screener screens`: the saved screens of config.toml (``[screens.NAME]``, run with ``--preset NAME``)."""

from __future__ import annotations

from typing import Annotated

import typer

from screener.commands._app import OutOption, WideOption, app, command, emit, run_context, show
from screener.commands._columns import columns_option, table_view
from screener.commands._formats import Format, output_format

SCREENS_EXAMPLES = (
    "Examples:\n\n  screener screens\n\n  screener screens --format json\n\n"
    "  screener screen --preset cheap-producers\n\n  screener export --preset buy-rated --top 3 --out buy.csv"
)


@app.command("screens", epilog=SCREENS_EXAMPLES)
@command
def screens(
    ctx: typer.Context,
    fmt: Annotated[Format | None, typer.Option("--format", "-f", help="table (default) or json.")] = None,
    out: OutOption = None,
    columns: Annotated[str | None, columns_option("screener.render.screens:SCREENS_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """The saved screens of config.toml: criteria, sort, top, universes, groups, columns. Each one's criteria and
    columns are checked (a bad one: exit 2 naming the file, line and key)."""
    from screener.app.presets import checked_presets, preset_columns
    from screener.render.screens import SCREENS_COLUMNS, screens_json, screens_table
    from screener.render.tables import SCREEN_KEYS, keys

    run = run_context(ctx)
    kind = output_format(fmt, out, ["table", "json"])
    view = table_view(run.env, columns, wide, keys(SCREENS_COLUMNS))
    settings = run.env.settings
    presets = checked_presets(settings)
    for preset in presets:
        preset_columns(settings, preset, SCREEN_KEYS)
    if kind == "json":
        emit(run, screens_json(presets, str(settings.path)), out)
    else:
        show(run, screens_table(presets, str(settings.path), view), out)
