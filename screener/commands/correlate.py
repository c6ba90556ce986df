"""`screener correlate`: stock returns versus oxide returns (METHODS §6), ranked."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from screener.commands._app import (
    UniverseOption,
    WideOption,
    app,
    command,
    emit,
    run_context,
    show,
)
from screener.commands._columns import columns_option, table_view
from screener.commands._formats import Format, output_format
from screener.commands._scope import resolve
from screener.errors import ExitCode

EXAMPLES = (
    "Examples:\n\n"
    "  screener correlate\n\n"
    "  screener correlate -u producers --oxide nd_cn --start 2013-01-01 --end 2021-12-31\n\n"
    "  screener correlate --freq M --window 24 --max-lag 6 --format csv --out corr.csv\n\n"
    "Each company is compared with its default series (config.toml [[oxides.series]] exposure = light|heavy, "
    "matched to the company's oxide_exposure) unless --oxide is given. Prices come from the store "
    "(`screener prices import`), oxide series from `screener oxides import`."
)


class Freq(StrEnum):
    W = "W"
    M = "M"


class OxideCurrency(StrEnum):
    usd = "usd"
    local = "local"


@app.command(epilog=EXAMPLES)
@command
def correlate(
    ctx: typer.Context,
    universe: UniverseOption = None,
    oxide: Annotated[
        list[str] | None,
        typer.Option("--oxide", help="Oxide series id (repeatable). Default: each company's exposure series."),
    ] = None,
    freq: Annotated[
        Freq | None, typer.Option("--freq", case_sensitive=False, help="W (weekly, Friday) or M (month end).")
    ] = None,
    window: Annotated[
        int | None, typer.Option("--window", min=3, max=520, help="Rolling window, periods (52; 3 to 520).")
    ] = None,
    max_lag: Annotated[
        int | None, typer.Option("--max-lag", min=0, max=104, help="Lead/lag search ± periods (8; 0 to 104).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    oxide_currency: Annotated[
        OxideCurrency,
        typer.Option("--oxide-currency", help="usd: oxide prices in USD/kg (default); local: CNY/kg as quoted."),
    ] = OxideCurrency.usd,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="table, csv or json (default: from the --out extension, else table)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")] = None,
    columns: Annotated[str | None, columns_option("screener.render.correlation:TABLE_KEYS")] = None,
    wide: WideOption = False,
) -> None:
    """Correlation, OLS beta (HAC t), R², rolling range, best lead/lag and level correlation, ranked by |corr|."""
    from screener.app.correlate import CorrelateOptions, check_request
    from screener.app.correlate import correlate as correlation_report
    from screener.render import correlation as render

    run = run_context(ctx)
    kind = output_format(fmt, out, ["table", "csv", "json"])
    view = table_view(run.env, columns, wide, render.TABLE_KEYS)
    first, last = run.date(start, "--start"), run.date(end, "--end")
    ids = oxide or ()
    check_request(run.env, ids, first, last)  # a bad option is an error before anything is gathered
    scope = resolve(run, universe)
    options = CorrelateOptions(
        scope,
        oxides=ids,
        freq=freq.value if freq else None,
        window=window,
        max_lag=max_lag,
        start=first,
        end=last,
        oxide_currency=oxide_currency.value,
    )
    report = correlation_report(run.env, options)
    run.notes(scope.banners)
    if kind == "table":
        show(run, render.correlation_table(report, view), out)
    else:
        emit(run, render.to_csv(report) if kind == "csv" else render.to_json(report) + "\n", out)
    run.notes(report.notes, prefix="note: ")
    missing = report.rows[report.rows["status"] != ""]
    if len(missing):
        run.note(
            f"{len(missing)} of {len(report.rows)} rows without statistics: "
            + ", ".join(f"{t} ({s})" for t, s in zip(missing["ticker"], missing["status"], strict=True))
        )
    if report.with_data == 0:
        run.env.err.print("error: no requested name has enough overlapping data for a correlation", markup=False)
        raise typer.Exit(int(ExitCode.DATA_UNAVAILABLE))
