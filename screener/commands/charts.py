"""`screener chart pb-band|oxide|performance|peers|rating-history|financials`: PNG charts (matplotlib, Agg,
imported only by these commands)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    GroupOption,
    RunContext,
    TickerArgument,
    UniverseOption,
    app,
    command,
    emit,
    fetch_progress,
    run_context,
)
from screener.commands._scope import resolve
from screener.errors import UsageError

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope

chart_app = typer.Typer(
    help="Charts analysts read: the P/B band, the stock against an oxide price, stocks and oxides rebased to 100, "
    "P/B against ROE across peers, revenue, growth, margins and FCF by year across peers (PNG).",
    epilog="Examples:\n\n  screener chart peers --out peers.png\n\n"
    "  screener chart pb-band 600111.SS --out nre_band.png\n\n"
    "  screener chart oxide 600111.SS --oxide nd_cn --out nre_vs_nd.png\n\n"
    "  screener chart performance 600111.SS 000831.SZ --oxide dy_smm --out perf.png",
    no_args_is_help=True,
)
app.add_typer(chart_app, name="chart")

OutOption = Annotated[Path, typer.Option("--out", "-o", help="PNG file to write (atomically; 1200 × 720 pixels).")]


def _check_out(out: Path) -> None:
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out: {out} must end in .png")
    if str(out.parent) and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")


def _wrote(run: RunContext, message: str, scope: ResolvedScope | None = None) -> None:
    """After the chart is written: the scope's banner (an as-of date held back at the latest price), the message."""
    run.notes(scope.banners if scope else [])
    run.note(message)


PB_BAND_EXAMPLES = (
    "Examples:\n\n"
    "  screener prices import data/600111.SS.csv --ticker 600111.SS"
    "\n\n  screener chart pb-band 600111.SS --out nre_pb_band.png\n\n"
    "  screener chart pb-band '000831 CH' --since 2013-01-01 -u my_universe.toml --out cre.png\n\n"
    "  screener chart pb-band 600111.SS --multiple pe --out nre_pe_band.png\n\n"
    "The history: the universe's [[company.book_values]] with the stored prices when given, else the stored valuation"
    " history (screener valuation import FILE --ticker T --pb-col C; the P/E band needs a stored P/E series)."
)


@chart_app.command("pb-band", epilog=PB_BAND_EXAMPLES)
@command
def pb_band(
    ctx: typer.Context,
    ticker: TickerArgument,
    out: OutOption,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the band window YYYY-MM-DD (default [valuation] since).")
    ] = None,
    universe: UniverseOption = None,
    multiple: Annotated[str, typer.Option("--multiple", "-m", help="pb (default) or pe: which band.")] = "pb",
) -> None:
    """The P/B (or P/E) band chart: daily point-in-time multiple, mean and ±1/2/3 sd lines, the current point
    labelled; the footer names the history's source."""
    from screener.app import charts as chart_data
    from screener.render import charts

    run = run_context(ctx)
    _check_out(out)
    start = run.date(since, "--since", past=True)
    chart_data.check_multiple(multiple)  # a bad option is an error before anything is gathered
    scope = resolve(run, universe, one=ticker)
    data = chart_data.pb_band(run.env, scope, start, multiple)
    emit(run, charts.png_bytes(charts.band_chart_figure(data)), out)
    _wrote(run, f"wrote {out} ({charts.PIXELS[0]} × {charts.PIXELS[1]} px); {data.source}", scope)


PEERS_EXAMPLES = (
    "Examples:\n\n  screener chart peers --out peers.png\n\n"
    "  screener chart peers -u producers --source snapshot --out producers_pb_roe.png\n\n"
    "  screener chart peers --out peers.png --table peers_fair_pb.csv\n\n"
    "  screener chart peers --basis fy1 --out peers_fy1.png"
)


@chart_app.command("peers", epilog=PEERS_EXAMPLES)
@command
def peers(
    ctx: typer.Context,
    out: OutOption,
    universe: UniverseOption = None,
    group: GroupOption = None,
    table: Annotated[
        Path | None,
        typer.Option(
            "--table",
            help="CSV to write beside the PNG: each name's fair P/B at its ROE on the fitted line and its residual.",
        ),
    ] = None,
    basis: Annotated[
        str,
        typer.Option(
            "--basis",
            metavar="fy1|fy2|ntm",
            help="The multiples plotted: FY1, FY2 or twelve months forward (FY1 and FY2 blended, METHODS §14).",
        ),
    ] = "ntm",
) -> None:
    """P/B against ROE across a universe (from the comp table; --basis fy1, fy2 or ntm, the default), one point
    per issuer coloured by peer group, names labelled, OLS line fitted."""
    from screener.app import charts as chart_data
    from screener.render import charts
    from screener.render.charts_peers import peers_figure, peers_table_csv

    run = run_context(ctx)
    _check_out(out)
    if table is not None and table.suffix.lower() != ".csv":
        raise UsageError(f"--table: {table} must end in .csv")
    chart_data.check_basis(basis)  # a bad option is an error before anything is gathered
    scope = resolve(run, universe, groups=group)
    with fetch_progress(run):
        data = chart_data.peers(run.env, scope, basis)
    emit(run, charts.png_bytes(peers_figure(data)), out)
    if table is not None:
        emit(run, peers_table_csv(data), table)
    run.notes(data.banners)
    second = f", {len(data.second_lines)} second listing(s) not plotted" if data.second_lines else ""
    _wrote(run, f"wrote {out}: {len(data.points)} companies, {len(data.left_out)} left out (NA/NM){second}"
           + (f"; wrote {table}" if table is not None else ""))  # fmt: skip


OXIDE_EXAMPLES = (
    "Examples:\n\n  screener chart oxide 600111.SS --oxide nd_cn --out nre_vs_nd.png\n\n"
    "  screener chart oxide 000831.SZ --oxide dy_smm --start 2016-01-01 --freq M --window 24 --out cre_vs_dy.png\n\n"
    "  screener chart oxide 600111.SS --oxide nd_cn --levels --out nre_nd_levels.png\n\n"
    "Needs the stock's price history (screener prices import / fetch) and the oxide series (screener oxides import)."
)


@chart_app.command("oxide", epilog=OXIDE_EXAMPLES)
@command
def oxide(
    ctx: typer.Context,
    ticker: TickerArgument,
    oxide_id: Annotated[str, typer.Option("--oxide", help="Oxide series id (see `screener oxides list`).")],
    out: OutOption,
    freq: Annotated[str | None, typer.Option("--freq", help="W (weekly, default) or M (monthly).")] = None,
    window: Annotated[
        int | None, typer.Option("--window", min=3, max=520, help="Rolling window in periods (52; 3 to 520).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    oxide_currency: Annotated[str, typer.Option("--oxide-currency", help="usd (default) or local.")] = "usd",
    log: Annotated[bool, typer.Option("--log", help="A log price scale.")] = False,
    levels: Annotated[
        bool, typer.Option("--levels", help="The price levels, each on its own axis, instead of rebased to 100.")
    ] = False,
) -> None:
    """The stock against an oxide price, both rebased to 100 at the first common date on one axis, with the
    rolling correlation of returns below."""
    from screener.app import charts as chart_data
    from screener.render import charts, charts_series

    run = run_context(ctx)
    _check_out(out)
    first, last = run.date(start, "--start"), run.date(end, "--end")
    chart_data.periods(run.env.settings, freq, window)  # a bad option is an error before anything is gathered
    scope = resolve(run, one=ticker)
    options = chart_data.OxideChartOptions(scope, oxide_id, freq, window, first, last, oxide_currency)
    data = chart_data.oxide(run.env, options)
    fig = charts_series.oxide_figure(
        data.levels,
        data.rolling,
        title=data.title,
        stock_label=data.stock_label,
        oxide_label=data.oxide_label,
        window=data.window,
        freq=data.freq,
        full_sample_corr=data.full_sample_corr,
        source=data.source,
        as_of=data.as_of,
        log=log,
        two_axes=levels,
    )
    emit(run, charts.png_bytes(fig), out)
    corr = data.full_sample_corr
    _wrote(
        run, f"wrote {out}: {len(data.levels)} common periods, full-sample correlation of returns {corr:+.2f}", scope
    )


PERFORMANCE_EXAMPLES = (
    "Examples:\n\n  screener chart performance 600111.SS 000831.SZ --oxide dy_smm --oxide nd_cn --start 2016-01-01 "
    "--out perf.png\n\n"
    "  screener chart performance 600111.SS 000831.SZ --oxide dy_smm --start 2019-01-01 --end 2022-12-31 --log "
    "--out perf_log.png\n\n"
    "Stocks: the stored adjusted close (screener prices import FILE --ticker T, or screener fetch); oxides: the "
    "stored series in their quote currency (screener oxides import FILE --series ID; ids: screener oxides list). "
    "Every line is rebased to 100 on the first date all of them have a value."
)


@chart_app.command("performance", epilog=PERFORMANCE_EXAMPLES)
@command
def performance(
    ctx: typer.Context,
    tickers: Annotated[
        list[str], typer.Argument(help="One or more stocks, any code form: 600111.SS 000831.SZ ...", show_default=False)
    ],
    out: OutOption,
    oxide_ids: Annotated[
        list[str] | None, typer.Option("--oxide", help="Oxide series id (repeatable; see `screener oxides list`).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD (cut at --as-of when given).")] = None,
    log: Annotated[bool, typer.Option("--log", help="A log scale.")] = False,
    universe: UniverseOption = None,
) -> None:
    """Stocks (adjusted) and oxide price series rebased to 100 on their first common date, on one axis; the
    footer names each line's source and last date."""
    from screener.app.performance_chart import PerformanceOptions
    from screener.app.performance_chart import performance as performance_data
    from screener.render import charts
    from screener.render.charts_performance import performance_figure

    run = run_context(ctx)
    _check_out(out)
    first, last = run.date(start, "--start"), run.date(end, "--end")
    if first is not None and last is not None and last < first:
        raise UsageError(f"--end {last} is before --start {first}")
    if run.as_of is not None:
        last = min(last, run.as_of) if last is not None else run.as_of
    options = PerformanceOptions(tickers, oxide_ids or (), first, last, universe or ())
    data = performance_data(run.env, options)
    emit(run, charts.png_bytes(performance_figure(data, log=log)), out)
    _wrote(run, f"wrote {out}: {len(data.lines)} lines rebased to 100 on {data.first_common}")


RATING_EXAMPLES = (
    "Examples:\n\n  screener chart rating-history 600111.SS --out nre_ratings.png\n\n"
    "  screener chart rating-history 600111.SS --since 2024-01-01 --out nre.png\n\n"
    "The price line needs a stored history (screener prices import / fetch); views come from [[company.house]]."
)


@chart_app.command("rating-history", epilog=RATING_EXAMPLES)
@command
def rating_history(
    ctx: typer.Context,
    ticker: TickerArgument,
    out: OutOption,
    since: Annotated[
        str | None, typer.Option("--since", help="First date shown (default a year before the first view).")
    ] = None,
    universe: UniverseOption = None,
) -> None:
    """The share price with each house rating and target change marked (the sell-side disclosure chart)."""
    from screener.app import charts as chart_data
    from screener.render import charts, charts_series

    run = run_context(ctx)
    _check_out(out)
    start = run.date(since, "--since", past=True)
    scope = resolve(run, universe, one=ticker, check=chart_data.check_listed)
    data = chart_data.rating_history(run.env, scope, start)
    fig = charts_series.rating_history_figure(
        data.prices, data.views, title=data.title, currency=data.currency, source=data.source, as_of=data.as_of
    )
    emit(run, charts.png_bytes(fig), out)
    shown = f"wrote {out}: {len(data.views)} view(s)" + ("" if data.prices is not None else ", no price history")
    _wrote(run, shown, scope)


FINANCIALS_EXAMPLES = (
    "Examples:\n\n  screener chart financials --metric revenue -u producers --out revenue.png\n\n"
    "  screener chart financials --metric revenue_growth -g Magnets --years 4 --out growth.png\n\n"
    "The figures: the house model in the universe file (NRE, CRE), then stored statements "
    "(screener fetch --statements: Yahoo, last 4 years)."
)


@chart_app.command("financials", epilog=FINANCIALS_EXAMPLES)
@command
def financials(
    ctx: typer.Context,
    out: OutOption,
    metric: Annotated[
        str, typer.Option("--metric", "-m", help="revenue, revenue_growth, gross_margin, fcf or net_margin.")
    ] = "revenue",
    universe: UniverseOption = None,
    group: GroupOption = None,
    years: Annotated[int, typer.Option("--years", min=1, max=20, help="The latest N fiscal years (6).")] = 6,
) -> None:
    """Revenue, growth, margins or FCF per company by fiscal year (grouped bars, estimates hatched); amounts in
    several currencies converted to USD with the stored or snapshot FX."""
    from screener.app.financials_chart import check_metric
    from screener.app.financials_chart import financials as financials_data
    from screener.render import charts
    from screener.render.charts_financials import financials_figure

    run = run_context(ctx)
    _check_out(out)
    check_metric(metric, years)  # a bad option is an error before anything is gathered
    scope = resolve(run, universe, groups=group)
    data = financials_data(run.env, scope, metric, years)
    emit(run, charts.png_bytes(financials_figure(data)), out)
    run.notes(data.notes)
    _wrote(run, f"wrote {out}: {len(data.companies)} companies, {len(data.left_out)} left out (no data)", scope)
