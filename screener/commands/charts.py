"""`screener chart pb-band|peers`: PNG charts (matplotlib, Agg, imported only by these commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screener.cli import (
    GroupOption,
    UniverseOption,
    _context,
    _parse_date,
    _report,
    app,
    global_options,
    handle_errors,
    yahoo_symbol,
)
from screener.errors import DataUnavailable, UsageError

chart_app = typer.Typer(
    help="Charts analysts read: the P/B band, the stock against an oxide price, P/B against ROE across peers (PNG)."
)
app.add_typer(chart_app, name="chart")

OutOption = Annotated[Path, typer.Option("--out", "-o", help="PNG file to write (atomically; 1200 × 720 pixels).")]


def _check_out(out: Path) -> None:
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out: {out} must end in .png")
    if str(out.parent) and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")


PB_BAND_EXAMPLES = (
    "Examples:\n\n"
    "  screener prices import ../shared/data/prices/a_shares/ganlei_raw_1997_2022/600111.SS.csv --ticker 600111.SS"
    "\n\n  screener chart pb-band 600111.SS --out nre_pb_band.png\n\n"
    "  screener chart pb-band '000831 CH' --since 2013-01-01 -u my_universe.toml --out cre.png\n\n"
    "Needs a stored price history and published book values ([[company.book_values]] in the universe file)."
)


@chart_app.command("pb-band", epilog=PB_BAND_EXAMPLES)
@handle_errors
@global_options
def pb_band(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="Any code form: 600111.SS, 600111 CH ...")],
    out: OutOption,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the band window YYYY-MM-DD (default [valuation] since).")
    ] = None,
    universe: UniverseOption = None,
) -> None:
    """The P/B band chart: daily point-in-time P/B, mean and ±1/2/3 sd lines, the current point labelled."""
    from screener.commands.value import find_company
    from screener.config import load_settings
    from screener.core import valuation as val
    from screener.data.store import Store
    from screener.render import charts
    from screener.valuation_pipeline import book_values_in, price_series

    app_ctx = _context(ctx)
    _check_out(out)
    settings = load_settings(app_ctx.config)
    symbol = yahoo_symbol(ticker, "TICKER")
    company = find_company(settings, universe, symbol)
    if company is None or not company.book_values:
        where = "is in no universe" if company is None else "has no [[company.book_values]] in its universe file"
        raise DataUnavailable(f"{symbol} {where}: the P/B history needs published book values")
    prices, history_source = price_series(Store(settings.cache_dir), symbol, app_ctx.as_of)
    if prices is None:
        raise DataUnavailable(f"{symbol}: {history_source} (run: screener prices import FILE --ticker {symbol})")
    books, _ = book_values_in(company, {})
    pb = val.pb_history(prices, books)
    if pb.empty:
        raise DataUnavailable(f"{symbol}: no day with both a price and a book value published by then")
    start = _parse_date(since, "--since") or settings.valuation.since
    band = val.band_stats(pb, start)
    fig = charts.pb_band_figure(
        pb,
        band,
        title=f"{company.name} ({symbol}) — P/B band, {company.currency}",
        since=start,
        source=f"prices: {history_source}; book values: {Path(company.source_file).name} ({len(books)} reports)",
        as_of=pb.index[-1].date(),
    )
    charts.save_png(fig, out)
    if not app_ctx.quiet:
        app_ctx.err.print(f"wrote {out} ({charts.PIXELS[0]} × {charts.PIXELS[1]} px)", markup=False, highlight=False)


PEERS_EXAMPLES = (
    "Examples:\n\n  screener chart peers --out peers.png\n\n"
    "  screener chart peers -u producers --source snapshot --out producers_pb_roe.png"
)


@chart_app.command("peers", epilog=PEERS_EXAMPLES)
@handle_errors
@global_options
def peers(
    ctx: typer.Context,
    out: OutOption,
    universe: UniverseOption = None,
    group: GroupOption = None,
) -> None:
    """P/B FY1 against ROE FY1 across a universe (from the comp table), names labelled, OLS line fitted."""
    from screener.render import charts

    app_ctx = _context(ctx)
    _check_out(out)
    report = _report(app_ctx, universe, group, None, False, None)
    points, left_out = [], []
    for row in (r for block in report.groups for r in block.rows):
        pb, roe = row.metric("pb_fy1"), row.metric("roe_fy1")
        if isinstance(pb, float) and isinstance(roe, float):
            points.append(charts.PeerPoint(_short(row.company.name), roe, pb))
        else:
            left_out.append(f"{row.company.name} (P/B {pb if not isinstance(pb, float) else 'ok'}, "
                            f"ROE {roe if not isinstance(roe, float) else 'ok'})")  # fmt: skip
    if not points:
        raise DataUnavailable("no company has both a P/B FY1 and an ROE FY1")
    names = ", ".join(universe or [p.stem for p in _configured(app_ctx)])
    fig = charts.peers_figure(
        points,
        left_out,
        title=f"P/B against ROE, FY1 — {names}",
        source=f"comp table ({', '.join(report.sources_used)}; house model or consensus estimates)",
        as_of=report.as_of,
    )
    charts.save_png(fig, out)
    if not app_ctx.quiet:
        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
        app_ctx.err.print(
            f"wrote {out}: {len(points)} companies, {len(left_out)} left out (NA/NM)", markup=False, highlight=False
        )


OXIDE_EXAMPLES = (
    "Examples:\n\n  screener chart oxide 600111.SS --oxide nd_cn --out nre_vs_nd.png\n\n"
    "  screener chart oxide 000831.SZ --oxide dy_smm --start 2016-01-01 --freq M --window 24 --out cre_vs_dy.png\n\n"
    "Needs the stock's price history (screener prices import / fetch) and the oxide series (screener oxides import)."
)


@chart_app.command("oxide", epilog=OXIDE_EXAMPLES)
@handle_errors
@global_options
def oxide(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="Any code form: 600111.SS, 600111 CH ...")],
    oxide_id: Annotated[str, typer.Option("--oxide", help="Oxide series id (see `screener oxides list`).")],
    out: OutOption,
    freq: Annotated[str | None, typer.Option("--freq", help="W (weekly, default) or M (monthly).")] = None,
    window: Annotated[int | None, typer.Option("--window", help="Rolling window in periods (default 52).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    oxide_currency: Annotated[str, typer.Option("--oxide-currency", help="usd (default) or local.")] = "usd",
) -> None:
    """The stock against an oxide price, both rebased to 100, with the rolling correlation of returns below."""
    import pandas as pd

    from screener.config import load_settings
    from screener.core.correlation import aligned_pair, correlate
    from screener.data.oxides import oxide_prices
    from screener.data.store import Store
    from screener.render import charts

    app_ctx = _context(ctx)
    _check_out(out)
    settings = load_settings(app_ctx.config)
    freq = (freq or settings.correlation.freq).upper()
    window = window or settings.correlation.window
    if freq not in ("W", "M"):
        raise UsageError(f"--freq must be W or M, got {freq!r}")
    if window < 3:
        raise UsageError("--window must be at least 3 periods")
    symbol = yahoo_symbol(ticker, "TICKER")
    store = Store(settings.cache_dir)
    stored_prices = store.read_prices(symbol)
    if stored_prices is None and store.problems:
        raise DataUnavailable(store.problems[-1])
    if stored_prices is None:
        raise DataUnavailable(f"{symbol}: no stored price history (run: screener prices import FILE --ticker {symbol})")
    stored_oxide = store.read_series("oxides", oxide_id)
    if stored_oxide is None and store.problems:
        raise DataUnavailable(store.problems[-1])
    if stored_oxide is None:
        raise DataUnavailable(f"--oxide {oxide_id}: not in the store (run: screener oxides import --series {oxide_id})")
    values, unit = oxide_prices(stored_oxide, oxide_currency)
    stock = stored_prices.frame["adj_close"]
    first = _parse_date(start, "--start")
    last = min((d for d in (_parse_date(end, "--end"), app_ctx.as_of) if d), default=None)
    if first:
        stock, values = stock[stock.index >= pd.Timestamp(first)], values[values.index >= pd.Timestamp(first)]
    if last:
        stock, values = stock[stock.index <= pd.Timestamp(last)], values[values.index <= pd.Timestamp(last)]
    levels, rolling = aligned_pair(stock, values, freq=freq, window=window)
    if len(levels) < 3:
        raise DataUnavailable(f"{symbol} and {oxide_id} share fewer than 3 {'weeks' if freq == 'W' else 'months'}")
    stats = correlate(stock.rename(symbol).to_frame(), values, freq=freq, window=window, max_lag=0)
    corr = float(stats["corr"].iloc[0])
    name = stored_oxide.meta.get("name", oxide_id)
    from screener.commands.value import find_company

    company = find_company(settings, None, symbol)
    currency = stored_prices.currency or (company.currency if company else "local currency")
    every = "weekly" if freq == "W" else "monthly"
    fig = charts.oxide_figure(
        levels,
        rolling,
        title=f"{company.name if company else symbol} ({symbol}) against {name} — {every}",
        stock_label=f"{symbol} adjusted price ({currency})",
        oxide_label=f"{name} ({unit})",
        window=window,
        freq=freq,
        full_sample_corr=corr,
        source=(
            f"prices: store ({stored_prices.source}, {stored_prices.origin or 'fetched'}); "
            f"oxide: store ({stored_oxide.meta.get('source', oxide_id)})"
        ),
        as_of=levels.index[-1].date(),
    )
    charts.save_png(fig, out)
    if not app_ctx.quiet:
        app_ctx.err.print(
            f"wrote {out}: {len(levels)} common periods, full-sample correlation of returns {corr:+.2f}",
            markup=False,
            highlight=False,
        )


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def _configured(app_ctx) -> tuple[Path, ...]:  # type: ignore[no-untyped-def]
    from screener.config import load_settings

    return load_settings(app_ctx.config).universe_files
