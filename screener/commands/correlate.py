"""`screener correlate`: stock returns versus oxide returns (METHODS §6), ranked."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from screener.cli import (
    Format,
    UniverseOption,
    _context,
    _parse_date,
    app,
    global_options,
    handle_errors,
)
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
@handle_errors
@global_options
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
    window: Annotated[int | None, typer.Option("--window", min=3, help="Rolling window, periods (52).")] = None,
    max_lag: Annotated[int | None, typer.Option("--max-lag", min=0, help="Lead/lag search ± periods (8).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    oxide_currency: Annotated[
        OxideCurrency,
        typer.Option("--oxide-currency", help="usd: oxide prices in USD/kg (default); local: CNY/kg as quoted."),
    ] = OxideCurrency.usd,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")] = None,
) -> None:
    """Correlation, OLS beta (HAC t), R², rolling range, best lead/lag and level correlation, ranked by |corr|."""
    from screener.config import load_settings
    from screener.correlation_report import build_correlation_report
    from screener.data.store import Store
    from screener.render import correlation as render
    from screener.render.export import write_atomic
    from screener.universe import load_universes, resolve_universe_args

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    defaults = settings.correlation
    loaded = load_universes(resolve_universe_args(universe or [], settings.universe_files))
    companies = list({c.ticker: c for u in loaded for c in u.companies}.values())
    store = Store(settings.cache_dir)
    report = build_correlation_report(
        companies,
        store,
        settings,
        oxides=list(dict.fromkeys(oxide or [])),
        freq=freq.value if freq else defaults.freq,
        window=window or defaults.window,
        max_lag=defaults.max_lag if max_lag is None else max_lag,
        start=_parse_date(start, "--start"),
        end=min((d for d in (_parse_date(end, "--end"), app_ctx.as_of) if d), default=None),
        oxide_currency=oxide_currency.value,
    )
    if fmt is Format.table:
        from rich.console import Console

        table = render.correlation_table(report)
        if out:
            import io

            console = Console(record=True, width=240, file=io.StringIO())
            console.print(table)
            write_atomic(out, console.export_text().encode("utf-8"))
        else:
            app_ctx.out.print(table)
    else:
        text = render.to_csv(report) if fmt is Format.csv else render.to_json(report) + "\n"
        if out:
            write_atomic(out, text.encode("utf-8"))
        else:
            sys.stdout.write(text)
    if not app_ctx.quiet:
        for note in [*report.notes, *store.problems]:
            app_ctx.err.print(f"note: {note}", markup=False, highlight=False)
        missing = report.rows[report.rows["status"] != ""]
        if len(missing):
            app_ctx.err.print(
                f"{len(missing)} of {len(report.rows)} rows without statistics: "
                + ", ".join(f"{t} ({s})" for t, s in zip(missing["ticker"], missing["status"], strict=True)),
                markup=False,
                highlight=False,
            )
    if report.with_data == 0:
        app_ctx.err.print("error: no requested name has enough overlapping data for a correlation", markup=False)
        raise typer.Exit(int(ExitCode.DATA_UNAVAILABLE))
