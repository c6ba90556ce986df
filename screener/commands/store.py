"""`screener prices import` and `screener cache info|clear`: the local store under cache/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from screener.cli import (
    UniverseOption,
    _context,
    app,
    global_options,
    handle_errors,
    yahoo_symbol,
)
from screener.errors import UsageError

prices_app = typer.Typer(
    help="Load price histories exported from other terminals into the store.", no_args_is_help=True
)
cache_app = typer.Typer(
    help="What the local store holds, and clearing it (never the rating history).", no_args_is_help=True
)
app.add_typer(prices_app, name="prices")
app.add_typer(cache_app, name="cache")

IMPORT_EXAMPLES = (
    "Examples:\n\n"
    "  screener prices import ../shared/data/prices/a_shares/ganlei_raw_1997_2022/600111.SS.csv"
    " --ticker '600111 CH'\n\n"
    "  screener prices import MP.csv --ticker MP --close-col adj_close\n\n"
    "  screener prices import 4063.T.csv --ticker 4063.T --currency JPY"
)


@prices_app.command("import", epilog=IMPORT_EXAMPLES)
@handle_errors
@global_options
def prices_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a date column and a close column.")],
    ticker: Annotated[str, typer.Option("--ticker", "-t", help="Any code form (600111 CH, 600111.SH, LYC AU ...).")],
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
    currency: Annotated[str | None, typer.Option("--currency", help="Trading currency, e.g. CNY.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the stored history instead of merging.")] = False,
) -> None:
    """Load a price history into the store; later `screen` uses it for that name (source: store)."""
    from screener.config import load_settings
    from screener.data.price_files import read_price_file
    from screener.data.store import Store

    app_ctx = _context(ctx)
    symbol = yahoo_symbol(ticker, "--ticker")
    parsed = read_price_file(file, date_col=date_col, close_col=close_col, prev_close_col=prev_close_col)
    store = Store(load_settings(app_ctx.config).cache_dir)
    previous = None if replace else store.read_prices(symbol)
    if previous is not None:
        overlap = previous.frame["adj_close"].reindex(parsed.frame.index).dropna()
        if len(overlap):
            ratio = (parsed.frame["adj_close"].reindex(overlap.index) / overlap - 1).abs()
            if ratio.max() > 0.005:
                app_ctx.err.print(
                    f"note: {len(overlap)} overlapping day(s) differ from the stored history by up to "
                    f"{ratio.max():.1%} (another adjustment basis?); the new file's values replace them — "
                    "use --replace to start clean",
                    markup=False,
                    highlight=False,
                )
    stored = store.write_prices(
        symbol,
        parsed.frame,
        source="import",
        adjusted=parsed.adjusted,
        currency=currency,
        origin=str(file),
        merge=not replace,
    )
    frame = stored.frame
    app_ctx.out.print(
        f"stored {symbol}: {len(parsed.frame)} rows from {file.name} ({parsed.mode}); "
        f"history now {frame.index[0].date()} to {frame.index[-1].date()}, {len(frame)} rows",
        markup=False,
        highlight=False,
    )
    for note in parsed.notes:
        app_ctx.err.print(f"note: {note}", markup=False, highlight=False)


@cache_app.command("info", epilog="Example:\n\n  screener cache info")
@handle_errors
@global_options
def cache_info(ctx: typer.Context) -> None:
    """Stored price histories, quotes, FX and HTTP caches: rows, date range, when fetched, source, size."""
    from screener.config import load_settings
    from screener.data.store import Store

    app_ctx = _context(ctx)
    store = Store(load_settings(app_ctx.config).cache_dir)
    entries = store.entries()
    table = Table(title=f"Local store {store.root}", header_style="bold")
    for header in ("Kind", "Key", "Rows", "From", "To", "Fetched (UTC)", "Source", "Size", "Problem"):
        table.add_column(header)
    for e in entries:
        table.add_row(
            e.kind, e.key, "" if e.rows is None else str(e.rows), e.first, e.last, e.fetched_at, e.source,
            f"{e.size / 1024:,.0f} KiB", e.problem,
        )  # fmt: skip
    app_ctx.out.print(table if entries else f"the store in {store.root} is empty")
    for problem in store.problems:
        app_ctx.err.print(f"warning: {problem}", markup=False, highlight=False)


CLEAR_EXAMPLES = (
    "Examples:\n\n  screener cache clear --yes            # what can be fetched again: quotes, consensus, FX spot, "
    "Yahoo histories, HTTP caches\n\n  screener cache clear --kind quotes --yes\n\n"
    "  screener cache clear --all --yes      # also imported histories, oxide series and FX histories"
)


@cache_app.command("clear", epilog=CLEAR_EXAMPLES)
@handle_errors
@global_options
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
    from screener.config import load_settings
    from screener.data.store import KINDS, Store

    app_ctx = _context(ctx)
    kinds = kind or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UsageError(f"--kind: unknown {', '.join(unknown)} (one of {', '.join(KINDS)})")
    store = Store(load_settings(app_ctx.config).cache_dir)
    only_refetchable = not (everything or kind)
    doomed = store.files(kinds, only_refetchable=only_refetchable)
    imported = [p for p in doomed if not store.refetchable(p)]
    if not doomed:
        app_ctx.out.print(f"nothing to remove in {store.root}", markup=False)
        return
    warning = f", including {len(imported)} imported file(s) that cannot be fetched again" if imported else ""
    if not yes and not typer.confirm(f"Delete {len(doomed)} file(s) from {store.root}{warning}?"):
        raise typer.Exit(0)
    removed = store.clear(kinds, only_refetchable=only_refetchable)
    kept = "" if not only_refetchable else " (imported data kept; --all removes it too)"
    app_ctx.out.print(f"removed {removed} file(s) from {store.root}{kept}; rating history untouched", markup=False)


FETCH_EXAMPLES = "Examples:\n\n  screener fetch\n\n  screener fetch -u magnets --full"


@app.command(epilog=FETCH_EXAMPLES)
@handle_errors
@global_options
def fetch(
    ctx: typer.Context,
    universe: UniverseOption = None,
    full: Annotated[bool, typer.Option("--full", help="Refetch whole histories instead of only new dates.")] = False,
) -> None:
    """Refresh price histories (only dates not yet stored), quotes, consensus for not-rated names and FX from
    Yahoo into the local store. Exit 3 when Yahoo cannot be reached."""
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from screener.config import load_settings
    from screener.data.live import refresh
    from screener.data.store import Store
    from screener.sources import live_source
    from screener.universe import load_universes, resolve_universe_args

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    companies = [
        c for u in load_universes(resolve_universe_args(universe or [], settings.universe_files)) for c in u.companies
    ]
    tickers = [c.ticker for c in companies]
    not_rated = [c.ticker for c in companies if c.house is None]
    currencies = {c.currency for c in companies} | {c.model.currency for c in companies if c.model}
    source = live_source(settings, Store(settings.cache_dir))
    total = 2 * len(tickers) + len(not_rated) + 1
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=app_ctx.err, disable=app_ctx.quiet, transient=True) as bar:
        task = bar.add_task("fetching from Yahoo", total=total)
        report = refresh(
            tickers,
            currencies,
            source,
            today=app_ctx.as_of or date.today(),
            history_start=settings.history_start,
            consensus_for=not_rated,
            full=full,
            progress=lambda label, steps: bar.update(task, advance=steps, description=label[:28]),
        )
    updated = sum(1 for n in report.histories_updated.values() if n)
    app_ctx.out.print(
        f"fetched: {updated} histories updated, {len(report.up_to_date)} already up to date, {report.quotes} quotes, "
        f"{report.consensus} consensus sets, FX; store {settings.cache_dir}",
        markup=False,
        highlight=False,
    )
    if report.problems:
        app_ctx.err.print(
            f"{len(report.problems)} of {len(tickers)} names had problems: "
            + "; ".join(f"{t}: {why}" for t, why in sorted(report.problems.items())),
            markup=False,
            highlight=False,
        )
