"""The ``screener`` command line, assembled: the typer app of :mod:`screener.commands._app` with every command
family registered. Nothing else lives here (options, errors and output are in ``commands/_app.py``)."""

from __future__ import annotations

from typing import Annotated

import typer

from screener.commands import (
    charts,
    comps,
    correlate,
    drift,
    estimates,
    financials,
    oxides,
    portfolio,
    screens,
    sensitivity,
    setup,
    store,
    universe,
    valuation,
    value,
    views,
)
from screener.commands._app import (
    AsOfOption,
    ConfigOption,
    OfflineOption,
    QuietOption,
    RefreshOption,
    SourceOption,
    VerboseOption,
    app,
    apply_global_options,
    handle_errors,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("screener")
        except PackageNotFoundError:  # run from a source tree that is not installed
            number = "unknown (not installed)"
        typer.echo(f"screener {number}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
]

COMMAND_MODULES = (
    charts,
    comps,
    correlate,
    drift,
    estimates,
    financials,
    oxides,
    portfolio,
    sensitivity,
    screens,
    setup,
    store,
    universe,
    valuation,
    value,
    views,
)


@app.callback()
@handle_errors
def main(
    ctx: typer.Context,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    version: VersionOption = False,
) -> None:
    """Rare-earth equity screener."""
    apply_global_options(ctx, config, as_of, source, quiet, verbose, offline, refresh)


def run() -> None:
    """Console-script entry point."""
    app()


__all__ = ["COMMAND_MODULES", "app", "main", "run"]
