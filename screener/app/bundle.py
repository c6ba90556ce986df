"""Everything a full report shows, gathered once: the comp table, the latest drift findings (when a rating history
exists; never recorded), the oxide correlation table (when oxide series are stored) and the inputs of the charts.
The workbook export renders it (:mod:`screener.render.workbook`); an HTML report can render the same bundle.
No printing, no rendering: an extra part that cannot be built is left out with a note saying why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from screener.app.charts import band_chart, peers_of
from screener.app.drift import compare_report, findings_where
from screener.app.report import ScreenReport
from screener.app.results import ChartInputs, CorrelationReport, DriftResult, ReportBundle, SkippedChart
from screener.app.scope import whole_universes
from screener.app.screen import ScreenOptions, screen
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError
from screener.history import HistoryError

FINANCIALS_CHARTS = ("revenue", "revenue_growth")
"""The peer financials charts of a report (#15): revenue and revenue growth by year."""


@dataclass(frozen=True)
class BundleOptions:
    """The comp table's selection, and which optional parts to gather."""

    screen: ScreenOptions
    drift: bool = True
    correlation: bool = True
    charts: bool = True
    portfolio: Path | None = None
    """A holdings file: add the portfolio view (:mod:`screener.app.portfolio`; names looked up in every universe)."""
    benchmark: str | None = None
    """The portfolio's benchmark (a universe with weights or a holdings file)."""


def gather_report(env: Environment, options: BundleOptions) -> ReportBundle:
    """The comp table of ``options.screen`` and, where their data exists, drift, correlation and chart inputs."""
    report = screen(env, options.screen)
    bundle = ReportBundle(report)
    if options.drift:
        bundle.drift = _drift(env, options.screen, report, bundle.notes)
    if options.correlation:
        bundle.correlation = _correlation(env, options.screen, bundle.notes)
    if options.charts:
        bundle.charts = chart_inputs(env, options.screen, report)
    if options.portfolio is not None:
        from screener.app.portfolio import PortfolioOptions, portfolio

        book = PortfolioOptions(options.screen.scope, options.portfolio, options.benchmark)
        bundle.portfolio = portfolio(env, book)
        own = [line for line in bundle.portfolio.banners if line not in report.banners]
        bundle.notes.extend(f"portfolio: {line}" for line in own)
    return bundle


def _drift(env: Environment, options: ScreenOptions, report: ScreenReport, notes: list[str]) -> DriftResult | None:
    """The latest findings against the last recorded run, as ``drift --no-record`` computes them: nothing is
    recorded and no history is created. A cut selection (groups, named tickers, top N, ``--where``) is re-screened
    whole, as drift sees it; with ``--where`` the findings are those of the companies kept (as ``drift --where``)."""
    if not env.settings.history_db.exists():
        notes.append("drift: no rating history yet (run `screener drift` to record one)")
        return None
    scope = options.scope
    cut = scope.selection.groups or options.top or options.where
    if cut or scope.selection.universes != scope.selection.whole:
        report = screen(env, ScreenOptions(whole_universes(scope)))
    try:
        result = compare_report(env, report, "last", record=False, create=False)
        return result if options.where is None else findings_where(result, options.where)
    except HistoryError as exc:  # a damaged or locked history: the export goes on without the drift sheet
        notes.append(f"drift: {exc}")
        return None


def _correlation(env: Environment, options: ScreenOptions, notes: list[str]) -> CorrelationReport | None:
    """``screener correlate`` with the config's defaults, when any oxide series is stored."""
    if not env.store.series_keys("oxides"):
        return None
    from screener.app.correlate import CorrelateOptions, correlate

    try:
        result = correlate(env, CorrelateOptions(options.scope))
    except (DataUnavailable, UsageError, StoreCorrupt) as exc:
        notes.append(f"correlation: {exc}")
        return None
    notes.extend(f"correlation: {note}" for note in result.notes)
    return result


def chart_inputs(env: Environment, options: ScreenOptions, report: ScreenReport) -> ChartInputs:
    """The P/B band of every rated name of the report (house view in force), the P/B-vs-ROE peers, and revenue
    and revenue growth by year (house models and stored statements; amounts in USD with the report's FX when
    the companies report in several currencies). A chart without its data is skipped, saying what is missing."""
    charts = ChartInputs()
    since = env.settings.valuation.since
    for row in (r for block in report.groups for r in block.rows if r.view is not None):
        band = band_chart(row.company, env.store, since, report.as_of)
        if isinstance(band, SkippedChart):
            charts.skipped.append(band)
        else:
            charts.pb_bands.append(band)
    names = options.scope.selection.title
    try:
        charts.peers = peers_of(report, names)
    except DataUnavailable as exc:
        charts.skipped.append(SkippedChart("P/B against ROE", str(exc)))
    from screener.app.financials_chart import TITLES, financials_of

    companies = [row.company for block in report.groups for row in block.rows]
    for metric in FINANCIALS_CHARTS:
        try:
            chart = financials_of(
                companies,
                metric,
                store=env.store,
                fx=report.fx,
                day=report.as_of,
                report_lag_days=env.settings.report_lag_days,
                names=names,
            )
        except StoreCorrupt as exc:
            charts.skipped.append(SkippedChart(f"{TITLES[metric]} by year", "a stored statements file cannot be read",
                                               str(exc)))  # fmt: skip
            continue
        except DataUnavailable as exc:
            charts.skipped.append(SkippedChart(f"{TITLES[metric]} by year", str(exc)))
            continue
        charts.financials.append(chart)  # its notes (USD conversion) go with the chart, not with the skipped ones
    return charts
