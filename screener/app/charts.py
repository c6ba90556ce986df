"""``screener chart``: the data behind each chart (the figures are drawn by :mod:`screener.render.charts`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from screener.app.results import PEERS_BASES, PbBandChart, PeersChart, SkippedChart
from screener.app.screen import ScreenOptions, screen
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from screener.app.report import ScreenReport
    from screener.app.scope import ResolvedScope, Selection
    from screener.config import Settings
    from screener.data.store import Store
    from screener.models import Company


def check_multiple(multiple: str) -> None:
    """``--multiple`` is pb or pe (the command checks it before anything is gathered)."""
    if multiple not in ("pb", "pe"):
        raise UsageError(f"--multiple must be pb or pe, got {multiple!r}")


def pb_band(env: Environment, scope: ResolvedScope, since: date | None, multiple: str = "pb") -> PbBandChart:
    """The P/B (or P/E) history of the scope's one stock up to its as-of date: the universe's published book
    values, else the stored valuation history."""
    check_multiple(multiple)
    company, symbol = _one(scope)
    chart = band_chart(company, env.store, since or env.settings.valuation.since, scope.as_of, symbol, multiple)
    if isinstance(chart, SkippedChart):
        raise DataUnavailable(chart.detail)  # the full reason, with what to import
    return chart


def _one(scope: ResolvedScope) -> tuple[Company | None, str]:
    """The one stock of a single-name scope: its universe entry (None: in no universe) and its symbol."""
    selection = scope.selection
    return (selection.companies[0] if selection.companies else None), selection.symbols[0]


def band_chart(
    company: Company | None,
    store: Store,
    since: date,
    as_of: date,
    symbol: str | None = None,
    multiple: str = "pb",
) -> PbBandChart | SkippedChart:
    """One stock's band (:func:`screener.app.valuation_bands.band_history`: universe book values, else the stored
    history), statistics from ``since``, the current point = the history's last day; without a history the
    skipped chart, saying what data is missing (:attr:`BandHistory.missing`) and the full reason."""
    from screener.app.valuation_bands import LABELS, band_history, price_series
    from screener.core import valuation as val

    symbol = symbol or (company.ticker if company else "")
    name = company.name if company else symbol
    what = f"{LABELS[multiple]} band of {name}"
    prices, history_source = price_series(store, symbol, as_of)
    last = prices.index[-1].date() if prices is not None else as_of
    try:
        history = band_history(store, symbol, company, multiple, prices, history_source, {}, as_of, last)
    except DataUnavailable as exc:  # book values in a currency without a rate
        return SkippedChart(what, str(exc).removeprefix(f"{symbol}: "), str(exc))
    series = history.series
    if series.empty:
        detail = f"{symbol}: " + "; ".join(history.notes or [f"no {LABELS[multiple]} history"])
        return SkippedChart(what, history.missing or f"no {LABELS[multiple]} history", detail)
    currency = f", {company.currency}" if company else ""
    return PbBandChart(
        series,
        val.band_stats(series, since),
        title=f"{name} ({symbol}) — {LABELS[multiple]} band{currency}",
        since=since,
        source=history.source,
        as_of=series.index[-1].date(),
        multiple=multiple,
        from_book_values=history.book_values > 0 and multiple == "pb",
    )


def short_name(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def peers(env: Environment, scope: ResolvedScope, basis: str = "ntm") -> PeersChart:
    """The comp table's P/B and ROE on ``basis`` (``fy1``, ``fy2``, ``ntm``) for every company with both."""
    check_basis(basis)
    return peers_of(screen(env, ScreenOptions(scope)), scope.selection.title, basis)


def check_basis(basis: str) -> None:
    """UsageError naming ``--basis`` unless it is one of :data:`PEERS_BASES`."""
    if basis not in PEERS_BASES:
        raise UsageError(f"--basis: {basis!r} is not one of {', '.join(PEERS_BASES)}")


def peers_of(report: ScreenReport, names: str, basis: str = "ntm") -> PeersChart:
    """P/B against ROE on ``basis`` (FY1, FY2 or NTM: the comp table's ``pb_<basis>``, ``roe_<basis>``) of the
    report's companies (``names``: the universes, for the title), one point per issuer (a line with
    ``counts_in_aggregates = false`` is listed, not plotted); DataUnavailable when no company has both."""
    label = basis.upper()
    points, left_out, groups, tickers, second = [], [], [], [], []
    for row in (r for block in report.groups for r in block.rows):
        pb, roe = row.metric(f"pb_{basis}"), row.metric(f"roe_{basis}")
        if not row.company.counts_in_aggregates:
            second.append(row.company.name)
        elif isinstance(pb, float) and isinstance(roe, float):
            points.append((short_name(row.company.name), roe, pb))
            groups.append(row.company.group)
            tickers.append(row.company.ticker)
        else:
            left_out.append(f"{row.company.name} (P/B {pb if not isinstance(pb, float) else 'ok'}, "
                            f"ROE {roe if not isinstance(roe, float) else 'ok'})")  # fmt: skip
    if not points:
        raise DataUnavailable(f"no company has both a P/B {label} and an ROE {label}")
    return PeersChart(
        points,
        left_out,
        title=f"P/B against ROE, {label} — {names}",
        source=f"comp table ({', '.join(report.sources_used)}; house model or consensus estimates)",
        as_of=report.as_of,
        banners=list(report.banners),
        groups=groups,
        tickers=tickers,
        second_lines=second,
        basis=basis,
    )


@dataclass(frozen=True)
class OxideChartOptions:
    """The scope's one stock against ``oxide`` from ``start`` to ``end`` (cut at the as-of date)."""

    scope: ResolvedScope
    oxide: str
    freq: str | None = None
    window: int | None = None
    start: date | None = None
    end: date | None = None
    oxide_currency: str = "usd"


@dataclass
class OxideChart:
    """The stock and the oxide price aligned per period, the rolling correlation of returns, labels."""

    levels: pd.DataFrame
    rolling: pd.Series
    title: str
    stock_label: str
    oxide_label: str
    window: int
    freq: str
    full_sample_corr: float
    source: str
    as_of: date


def periods(settings: Settings, freq: str | None, window: int | None) -> tuple[str, int]:
    """``--freq`` (W or M) and ``--window`` (at least 3), the config's ``[correlation]`` defaults when not given."""
    freq = (freq or settings.correlation.freq).upper()
    window = window or settings.correlation.window
    if freq not in ("W", "M"):
        raise UsageError(f"--freq must be W or M, got {freq!r}")
    if window < 3:
        raise UsageError("--window must be at least 3 periods")
    return freq, window


def oxide(env: Environment, options: OxideChartOptions) -> OxideChart:
    """Stored stock prices against a stored oxide series, both cut to [start, min(end, as_of)]."""
    import pandas as pd

    from screener.core.correlation import aligned_pair, correlate
    from screener.data.oxides import oxide_prices

    settings = env.settings
    freq, window = periods(settings, options.freq, options.window)
    company, symbol = _one(options.scope)
    store = env.store
    try:
        stored_prices = store.read_prices(symbol)
        stored_oxide = store.read_series("oxides", options.oxide)
    except StoreCorrupt as exc:
        raise DataUnavailable(f"{exc}; ignored") from None
    if stored_prices is None:
        raise DataUnavailable(f"{symbol}: no stored price history (run: screener prices import FILE --ticker {symbol})")
    if stored_oxide is None:
        from screener.app.cache import unstored_oxide

        raise unstored_oxide(options.oxide, settings, store)
    values, unit = oxide_prices(stored_oxide, options.oxide_currency)
    stock = stored_prices.frame["adj_close"]
    first = options.start
    last = min(options.end, options.scope.as_of) if options.end else options.scope.as_of
    if first:
        stock, values = stock[stock.index >= pd.Timestamp(first)], values[values.index >= pd.Timestamp(first)]
    stock, values = stock[stock.index <= pd.Timestamp(last)], values[values.index <= pd.Timestamp(last)]
    levels, rolling = aligned_pair(stock, values, freq=freq, window=window)
    if len(levels) < 3:
        raise DataUnavailable(f"{symbol} and {options.oxide} share fewer than 3 {'weeks' if freq == 'W' else 'months'}")
    stats = correlate(stock.rename(symbol).to_frame(), values, freq=freq, window=window, max_lag=0)
    corr = float(stats["corr"].iloc[0])
    name = stored_oxide.meta.get("name", options.oxide)
    currency = stored_prices.currency or (company.currency if company else "local currency")
    every = "weekly" if freq == "W" else "monthly"
    return OxideChart(
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
            f"oxide: store ({stored_oxide.meta.get('source', options.oxide)})"
        ),
        as_of=levels.index[-1].date(),
    )


@dataclass
class RatingHistoryChart:
    """A stock's price and its house views (as of a date)."""

    prices: pd.Series | None
    views: list[tuple[date, str, float, str]]
    title: str
    currency: str
    source: str
    as_of: date


def check_listed(selection: Selection) -> None:
    """The stock is in a universe (its house views are there); checked before anything is gathered."""
    if not selection.companies:
        raise UsageError(f"TICKER: {selection.symbols[0]} is in no universe (see `screener universe list`)")


def rating_history(env: Environment, scope: ResolvedScope, since: date | None = None) -> RatingHistoryChart:
    """The stored price history (raw closes where known) and every house view set on or before the scope's as-of
    date, of its one stock."""
    from screener.app.valuation_bands import price_series

    check_listed(scope.selection)
    company, symbol = _one(scope)
    assert company is not None
    day = scope.as_of
    views = [(v.set_on, v.rating.value, v.target_price, v.note) for v in company.views if v.set_on <= day]
    prices, history_source = price_series(env.store, symbol, day)
    if prices is None and not views:
        raise DataUnavailable(
            f"{symbol}: {history_source} and no house view (run: screener prices import FILE --ticker {symbol})"
        )
    first = since or (views[0][0] - timedelta(days=365) if views else None)
    if prices is not None and first is not None:
        import pandas as pd

        prices = prices[prices.index >= pd.Timestamp(first)]
    if prices is None or not len(prices):
        window = f"from {first} to {day}" if first is not None else f"up to {day}"
        raise DataUnavailable(
            f"{symbol}: no stored price {window} ({history_source}); run: screener prices import FILE --ticker "
            f"{symbol}, or screener fetch, or a --since covering the stored history"
        )
    source = f"prices: {history_source}; views: {Path(company.source_file).name}"
    return RatingHistoryChart(
        prices if prices is not None and len(prices) else None,
        views,
        title=f"{company.name} ({symbol}) — ratings and target prices",
        currency=company.currency,
        source=source,
        as_of=day,
    )
