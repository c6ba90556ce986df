"""`screener value`: P/B-band target prices (bear/base/bull), current P/B z-score and percentile."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import (
    TickerArgument,
    UniverseOption,
    WideOption,
    app,
    command,
    emit,
    fetch_progress,
    render_text,
    run_context,
)
from screener.commands._columns import columns_option, table_view
from screener.commands._formats import Format, output_format
from screener.commands._scope import resolve
from screener.errors import ParameterError, UsageError

VALUE_OPTIONS = {"pb_mean": "--pb-mean", "pb_sd": "--pb-sd", "bvps": "--bvps", "k": "--k", "multiple": "--multiple"}
"""The option naming each parameter of :func:`screener.app.value.value` in its errors."""

VALUE_EXAMPLES = (
    "Examples:\n\n  screener value 600111.SS\n\n  screener value '600111 CH' --k 0 --k 0.5 --k 1.5 --since 2013-01-01"
    "\n\n  screener value 600111.SS --pb-mean 9.5 --pb-sd 0 --source snapshot   (band from another terminal)"
    "\n\n  screener value 000831.SZ --bvps 5.13 --format csv --out cre_value.csv"
    "\n\n  screener value 600111.SS --multiple pe   (P/E band: target = band P/E × forward EPS)"
    "\n\nThe history: the universe's [[company.book_values]] with the stored prices (screener prices import ...)"
    " when given, else the stored valuation history (screener valuation import FILE --ticker T --pb-col C); the"
    " output says which."
)


@app.command(epilog=VALUE_EXAMPLES)
@command
def value(
    ctx: typer.Context,
    ticker: TickerArgument,
    k: Annotated[
        list[float] | None,
        typer.Option("--k", min=-10.0, max=10.0, help="Scenario k (target P/B = mean + k·sd), -10 to 10; repeatable."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the band window YYYY-MM-DD (default [valuation] since).")
    ] = None,
    pb_mean: Annotated[
        float | None,
        typer.Option("--pb-mean", min=0.0, max=1000.0, help="Band mean P/B instead of the own history (0 to 1000)."),
    ] = None,
    pb_sd: Annotated[
        float | None, typer.Option("--pb-sd", min=0.0, max=1000.0, help="Band sd of P/B instead of the own history.")
    ] = None,
    bvps: Annotated[
        float | None,
        typer.Option("--bvps", min=0.0, max=1e6, help="Forward BVPS (trading currency) instead of the estimates."),
    ] = None,
    universe: UniverseOption = None,
    multiple: Annotated[
        str, typer.Option("--multiple", "-m", help="pb (default) or pe: the band of which multiple.")
    ] = "pb",
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="table, csv (one row per scenario) or json (default: from the --out extension, else table).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")] = None,
    columns: Annotated[str | None, columns_option("screener.render.valuation:TABLE_KEYS")] = None,
    wide: WideOption = False,
) -> None:
    """P/B-band valuation (METHODS §5): target P/B = mean + k·sd of the point-in-time P/B history, target price
    = that multiple × forward (FY2) BVPS, upside; current P/B with its z-score and percentile. --multiple pe: the
    same on the stored P/E history with the forward EPS."""
    from screener.app.value import Overrides, ValueOptions, check_request
    from screener.app.value import value as valuation
    from screener.render import valuation as rv

    run = run_context(ctx)
    kind = output_format(fmt, out, ["table", "csv", "json"])
    view = table_view(run.env, columns, wide, rv.TABLE_KEYS)
    overrides = Overrides(pb_mean, pb_sd, bvps)
    start = run.date(since, "--since", past=True)
    try:
        scope = resolve(
            run, universe, one=ticker, check=partial(check_request, ks=k, overrides=overrides, multiple=multiple)
        )
        with fetch_progress(run):
            done = valuation(run.env, ValueOptions(scope, k, start, overrides, multiple))
    except ParameterError as exc:
        raise UsageError(exc.naming(VALUE_OPTIONS)) from None
    run.notes(done.banners)
    result = done.result
    if kind == "table" and out is None:
        run.env.out.print(rv.value_view(result, view), crop=False)
        return
    if kind == "table":
        text = render_text(rv.value_view(result, view), 160)
    else:
        text = rv.value_csv(result) if kind == "csv" else rv.value_json(result) + "\n"
    emit(run, text, out)
