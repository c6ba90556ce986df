"""`screener prices import`, `screener cache info|clear` and `screener fetch`: the local store under cache/."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import UniverseOption, WideOption, app, command, run_context, show
from screener.commands._columns import columns_option, table_view
from screener.commands._inputs import DecimalMark, DecimalOption

if TYPE_CHECKING:
    from screener.app.imports import PriceImportResult

prices_app = typer.Typer(
    help="Load price histories exported from other terminals into the store.",
    epilog="Examples:\n\n  screener prices import 600111.SS.csv --ticker '600111 CH'\n\n"
    "  screener prices import closes.csv      # many tickers, long or wide",
    no_args_is_help=True,
)
cache_app = typer.Typer(
    help="What the local store holds, and clearing it (never the rating history).",
    epilog="Examples:\n\n  screener cache info\n\n  screener cache clear --yes",
    no_args_is_help=True,
)
app.add_typer(prices_app, name="prices")
app.add_typer(cache_app, name="cache")

IMPORT_EXAMPLES = (
    "Examples:\n\n"
    "  screener prices import data/600111.SS.csv"
    " --ticker '600111 CH'\n\n"
    "  screener prices import MP.csv --ticker MP --close-col adj_close\n\n"
    "  screener prices import 4063.T.csv --ticker 4063.T --currency JPY\n\n"
    "  screener prices import bloomberg_closes.xlsx            # wide: date x '600111 CH Equity' ...\n\n"
    "  screener prices import wind_long.csv --layout long      # date, ticker, close [, prev_close]"
)


@prices_app.command("import", epilog=IMPORT_EXAMPLES)
@command
def prices_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX: one history (with --ticker), or many tickers in long (date, ticker, close "
            "[, prev_close]) or wide (date x one close column per ticker) layout."
        ),
    ],
    ticker: Annotated[
        str | None,
        typer.Option(
            "--ticker", "-t", help="The file is one history of this ticker; any code form (600111 CH, LYC AU ...)."
        ),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option("--layout", help="Without --ticker: long or wide (default: detected from the columns)."),
    ] = None,
    date_col: Annotated[str, typer.Option("--date-col", help="Date column.")] = "date",
    close_col: Annotated[
        str | None, typer.Option("--close-col", help="Close column (default adj_close, else close).")
    ] = None,
    prev_close_col: Annotated[
        str | None,
        typer.Option(
            "--prev-close-col", help="Previous-close column of raw histories (default prev_close if present)."
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="Trading currency, e.g. CNY; for many tickers only those in no universe and of no known exchange.",
        ),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the stored history instead of merging.")] = False,
    decimal: DecimalOption = DecimalMark.point,
) -> None:
    """Load price histories into the store; later `screen` uses them (source: store). Without --ticker the file
    holds many tickers (long or wide); it is validated whole before anything is stored."""
    from screener.app.imports import PriceImport, import_price_table, import_prices

    run = run_context(ctx)
    say = partial(run.env.out.print, markup=False, highlight=False)
    options = PriceImport(file, ticker, date_col, close_col, prev_close_col, currency, replace, layout, decimal.value)
    if ticker is None:
        bulk = import_price_table(run.env, options)
        say(f"{file.name}: {bulk.layout} layout, {len(bulk.tickers)} ticker(s) stored")
        for item in bulk.tickers:
            origin = f"{', '.join(item.codes)}; {item.currency} from {item.currency_from}"
            say(_stored_line(item.result, origin, f"{item.result.action}: "))
        notes = bulk.notes + [f"{t.result.symbol}: {note}" for t in bulk.tickers for note in t.result.notes]
    else:
        result = import_prices(run.env, options)
        say(_stored_line(result, file.name))
        notes = result.notes
    for note in notes:
        run.env.err.print(f"note: {note}", markup=False, highlight=False)


def _stored_line(result: PriceImportResult, origin: str, action: str = "") -> str:
    frame = result.stored.frame
    return (
        f"stored {result.symbol}: {result.rows_read} rows from {origin} ({result.mode}); {action}"
        f"history now {frame.index[0].date()} to {frame.index[-1].date()}, {len(frame)} rows"
    )


@cache_app.command("info", epilog="Example:\n\n  screener cache info")
@command
def cache_info(
    ctx: typer.Context,
    columns: Annotated[str | None, columns_option("screener.render.listings:STORE_KEYS")] = None,
    wide: WideOption = False,
) -> None:
    """Stored price histories, quotes, FX and HTTP caches: rows, date range, when fetched, source, size."""
    from screener.app import cache
    from screener.render.listings import STORE_KEYS, store_table

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, STORE_KEYS)
    root, entries = cache.entries(run.env)
    show(run, store_table(root, entries, view))
    for entry in entries:
        if entry.problem:
            run.env.err.print(f"warning: {entry.problem}; ignored", markup=False, highlight=False)


CLEAR_EXAMPLES = (
    "Examples:\n\n  screener cache clear --yes            # what can be fetched again: quotes, consensus, FX spot, "
    "Yahoo histories, HTTP caches\n\n  screener cache clear --kind quotes --yes\n\n"
    "  screener cache clear --all --yes      # also imported histories, oxide series and FX histories"
)


@cache_app.command("clear", epilog=CLEAR_EXAMPLES)
@command
def cache_clear(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="prices, quotes, consensus, fx, oxides, http, yfinance (everything of that kind)."),
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Also imported data that cannot be fetched again.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete stored market data: by default only what can be fetched again (imported histories, oxide series
    and FX histories stay unless --all or --kind names them). The rating history is never touched."""
    from screener.app import cache

    run = run_context(ctx)
    plan = cache.plan_clear(run.env, kind, everything)
    if not plan.files:
        run.env.out.print(f"nothing to remove in {plan.root}", markup=False)
        return
    warning = f", including {len(plan.imported)} imported file(s) that cannot be fetched again" if plan.imported else ""
    if not yes and not typer.confirm(f"Delete {len(plan.files)} file(s) from {plan.root}{warning}?"):
        raise typer.Exit(0)
    removed = cache.clear(run.env, plan)
    kept = "" if not plan.only_refetchable else " (imported data kept; --all removes it too)"
    run.env.out.print(f"removed {removed} file(s) from {plan.root}{kept}; rating history untouched", markup=False)


FETCH_EXAMPLES = (
    "Examples:\n\n  screener fetch\n\n  screener fetch -u magnets --full\n\n"
    "  screener fetch --valuation      # also P/E, P/B history (baostock, A-shares) and book values (Yahoo)\n\n"
    "  screener fetch --statements     # also annual statements (Yahoo, last 4 years) for `chart financials`"
)


@app.command(epilog=FETCH_EXAMPLES)
@command
def fetch(
    ctx: typer.Context,
    universe: UniverseOption = None,
    full: Annotated[bool, typer.Option("--full", help="Refetch whole histories instead of only new dates.")] = False,
    valuation: Annotated[
        bool,
        typer.Option(
            "--valuation",
            help="Also the valuation history: daily P/E and P/B of A-shares from baostock (needs screener[cn]) and "
            "book values per share of every name from Yahoo balance sheets.",
        ),
    ] = False,
    statements: Annotated[
        bool,
        typer.Option(
            "--statements",
            help="Also the annual income statement, cash flow and balance sheet of every name from Yahoo (last 4 "
            "fiscal years) into the statements store.",
        ),
    ] = False,
) -> None:
    """Refresh price histories (only dates not yet stored), quotes, consensus for not-rated names and FX from
    Yahoo into the local store. Exit 3 when Yahoo cannot be reached; a valuation or statements provider that fails
    or is not installed is one warning line (exit 0)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from screener.app.fetch import FetchOptions
    from screener.app.fetch import fetch as run_fetch
    from screener.app.fetch import plan as fetch_plan

    run = run_context(ctx)
    work = fetch_plan(run.env, FetchOptions(universe or (), full, run.as_of, valuation, statements))
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=run.env.err, disable=run.quiet, transient=True) as bar:
        task = bar.add_task("fetching from Yahoo", total=work.steps)
        result = run_fetch(
            run.env, work, progress=lambda label, steps: bar.update(task, advance=steps, description=label[:28])
        )
    report = result.report
    updated = sum(1 for n in report.histories_updated.values() if n)
    out = run.env.out
    out.print(
        f"fetched: {updated} histories updated, {len(report.up_to_date)} already up to date, {report.quotes} quotes, "
        f"{report.consensus} consensus sets, FX; store {run.env.settings.cache_dir}",
        markup=False,
        highlight=False,
    )
    for note in report.notes:
        run.env.err.print(f"note: {note}", markup=False, highlight=False)
    for provider in result.providers:
        out.print(provider.summary(), markup=False, highlight=False)
    lines = [_problems("", report.problems, len(work.tickers), "names")]
    for provider in result.providers:
        lines.append(f"warning: {provider.banner}" if provider.banner else "")
        lines.append(_problems(f"{provider.provider}: ", provider.problems, provider.asked, provider.what))
    for line in filter(None, lines):
        run.env.err.print(line, markup=False, highlight=False)


def _problems(prefix: str, problems: dict[str, str], total: int, what: str) -> str:
    """``3 of 12 names had problems: MP: ...; ...`` ("" without problems)."""
    if not problems:
        return ""
    details = "; ".join(f"{t}: {why}" for t, why in sorted(problems.items()))
    return f"{prefix}{len(problems)} of {total} {what} had problems: {details}"
