"""`screener value`: P/B-band target prices (bear/base/bull), current P/B z-score and percentile."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.cli import (
    AppContext,
    Format,
    UniverseOption,
    _context,
    _parse_date,
    app,
    global_options,
    handle_errors,
    yahoo_symbol,
)
from screener.errors import DataUnavailable, UsageError

if TYPE_CHECKING:
    from screener.config import Settings
    from screener.models import Company
    from screener.valuation_pipeline import Overrides, ValuationResult

VALUE_EXAMPLES = (
    "Examples:\n\n  screener value 600111.SS\n\n  screener value '600111 CH' --k 0 --k 0.5 --k 1.5 --since 2013-01-01"
    "\n\n  screener value 600111.SS --pb-mean 9.5 --pb-sd 0 --source snapshot   (band from another terminal)"
    "\n\n  screener value 000831.SZ --bvps 5.13 --format csv --out cre_value.csv"
    "\n\nThe P/B history needs a stored price history (screener prices import ...) and published book values"
    " ([[company.book_values]] in the universe file)."
)


@app.command(epilog=VALUE_EXAMPLES)
@handle_errors
@global_options
def value(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="Any code form: 600111.SS, 600111 CH, 000831.SZ ...")],
    k: Annotated[
        list[float] | None,
        typer.Option("--k", help="Scenario k (target P/B = mean + k·sd); repeatable. Default: bear/base/bull."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the band window YYYY-MM-DD (default [valuation] since).")
    ] = None,
    pb_mean: Annotated[
        float | None, typer.Option("--pb-mean", help="Band mean P/B to use instead of the own history.")
    ] = None,
    pb_sd: Annotated[float | None, typer.Option("--pb-sd", help="Band sd of P/B instead of the own history.")] = None,
    bvps: Annotated[
        float | None, typer.Option("--bvps", help="Forward BVPS (trading currency) instead of the estimates.")
    ] = None,
    universe: UniverseOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv (one row per scenario) or json.")] = (
        Format.table
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")] = None,
) -> None:
    """P/B-band valuation (METHODS §5): target P/B = mean + k·sd of the point-in-time P/B history, target price
    = that multiple × forward (FY2) BVPS, upside; current P/B with its z-score and percentile."""
    from screener.render import valuation as rv
    from screener.render.export import write_atomic
    from screener.valuation_pipeline import Overrides

    app_ctx = _context(ctx)
    result = _valuation(app_ctx, ticker, universe, k, _parse_date(since, "--since"), Overrides(pb_mean, pb_sd, bvps))
    if fmt is Format.table and out is None:
        app_ctx.out.print(rv.value_view(result))
        return
    if fmt is Format.table:
        import io

        from rich.console import Console

        console = Console(record=True, width=160, file=io.StringIO())
        console.print(rv.value_view(result))
        text = console.export_text()
    else:
        text = rv.value_csv(result) if fmt is Format.csv else rv.value_json(result) + "\n"
    if out:
        write_atomic(out, text.encode("utf-8"))
    else:
        sys.stdout.write(text)


def find_company(settings: Settings, universes: list[str] | None, symbol: str) -> Company | None:
    """The universe entry of ``symbol`` (configured universes, or those given with -u), or None."""
    from screener.universe import load_universes, resolve_universe_args

    loaded = load_universes(resolve_universe_args(universes or [], settings.universe_files))
    return next((c for u in loaded for c in u.companies if c.ticker == symbol), None)


def _valuation(
    app_ctx: AppContext,
    ticker: str,
    universes: list[str] | None,
    ks: list[float] | None,
    since: date | None,
    overrides: Overrides,
) -> ValuationResult:
    from dataclasses import replace

    from screener.config import load_settings
    from screener.data.base import gather
    from screener.data.store import Store
    from screener.sources import build_sources
    from screener.valuation_pipeline import price_series, value_company

    for name, number in (("--pb-mean", overrides.pb_mean), ("--pb-sd", overrides.pb_sd), ("--bvps", overrides.bvps)):
        if number is not None and not (number >= 0 and number < float("inf")):
            raise UsageError(f"{name} must be a finite number >= 0, got {number}")
    for k in ks or []:
        if not -1e6 < k < 1e6:  # also refuses nan and inf
            raise UsageError(f"--k must be a finite number, got {k}")
    if overrides.pb_mean == 0:
        raise UsageError("--pb-mean must be > 0")
    settings = load_settings(app_ctx.config)
    symbol = yahoo_symbol(ticker, "TICKER")
    company = find_company(settings, universes, symbol)
    if company is None and (overrides.bvps is None or overrides.pb_mean is None):
        raise UsageError(
            f"{symbol} is in no universe: add it to one (with [[company.book_values]]) or pass --bvps and --pb-mean"
        )
    currencies = {company.currency} | ({company.model.currency} if company.model else set()) if company else set()
    currencies |= {bv.currency for bv in company.book_values if bv.currency} if company else set()
    sources = build_sources(app_ctx.source, settings, {symbol: company.currency} if company else {})
    market = gather(sources, [symbol], currencies, date.today())
    store = Store(settings.cache_dir)
    prices, history_source = price_series(store, symbol, app_ctx.as_of)
    quote = market.quotes[symbol]
    if app_ctx.as_of is not None and quote.price_date > app_ctx.as_of:
        if prices is None:
            raise DataUnavailable(
                f"{symbol}: no price on or before --as-of {app_ctx.as_of} (a later one is a look-ahead)"
            )
        quote = replace(quote, price=float(prices.iloc[-1]), price_date=prices.index[-1].date(), source="store")
    if not app_ctx.quiet:
        for banner in market.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
    v = settings.valuation
    named = [("bear", v.bear_k), ("base", v.base_k), ("bull", v.bull_k)] if not ks else [(f"k={x:g}", x) for x in ks]
    return value_company(
        symbol,
        company,
        quote,
        prices,
        history_source,
        market.fx,
        settings,
        as_of=app_ctx.as_of or quote.price_date,
        since=since or v.since,
        ks=named,
        overrides=overrides,
    )
