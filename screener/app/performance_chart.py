"""``screener chart performance``: stocks (adjusted close) and oxide price series from the store, each rebased to
100 at the first date on which every one of them has a value (the figure: :mod:`screener.render.charts_performance`).

Stocks: the stored adjusted close (``prices import`` / ``fetch``). Oxides: the stored series in the currency of its
quote (``oxides import``; no FX is applied, so no FX gap cuts a line). The window is [start, end], the end cut at
the run's ``--as-of`` when given; the last date shown is each series' last value in the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from screener.app.results import PerformanceChart, PerformanceLine
from screener.app.universes import companies, selected, symbol
from screener.core.rebase import first_common_date, rebase_to_100
from screener.errors import DataUnavailable, StoreCorrupt, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from screener.data.store import StoredPrices
    from screener.environment import Environment
    from screener.models import Company


@dataclass(frozen=True)
class PerformanceOptions:
    """The stocks (any ticker form) and oxide ids to draw, in this order, over [start, end]."""

    tickers: Sequence[str]
    oxides: Sequence[str] = ()
    start: date | None = None
    end: date | None = None
    universes: Sequence[str] = ()


def check_oxide_ids(env: Environment, oxides: Sequence[str]) -> None:
    """Each ``--oxide`` id is stored or registered; an unknown one is a UsageError listing the valid ids (exit 2),
    a registered one not stored says how to import it (exit 3)."""
    from screener.app.cache import unstored_oxide

    stored = set(env.store.series_keys("oxides"))
    for oxide_id in oxides:
        if oxide_id not in stored:
            raise unstored_oxide(oxide_id, env.settings, env.store)


@dataclass
class _Series:
    key: str
    label: str
    kind: str
    values: pd.Series
    source: str


def performance(env: Environment, options: PerformanceOptions) -> PerformanceChart:
    """Every stock's stored adjusted close and every oxide series, cut to the window, rebased to 100 on their first
    common date. Unknown ticker (in no universe, no stored prices) or oxide id: UsageError (checked first); a
    series with nothing in the window, or no common date: DataUnavailable naming the import to run."""
    import pandas as pd

    symbols = list(dict.fromkeys(symbol(code, "TICKER") for code in options.tickers))
    listed = {c.ticker: c for c in companies(selected(env, options.universes))}
    stored = {ticker: _read_prices(env, ticker, listed.get(ticker)) for ticker in symbols}
    check_oxide_ids(env, options.oxides)
    found = [_stock(ticker, listed.get(ticker), prices) for ticker, prices in stored.items()]
    found += [_oxide(env, oxide_id) for oxide_id in dict.fromkeys(options.oxides)]
    first, last = options.start, options.end
    for one in found:
        kept = one.values.dropna()
        if first is not None:
            kept = kept[kept.index >= pd.Timestamp(first)]
        if last is not None:
            kept = kept[kept.index <= pd.Timestamp(last)]
        if kept.empty:
            raise DataUnavailable(f"{one.key}: no stored value {_window(first, last)} ({_how(one.kind, one.key)})")
        one.values = kept
    common = first_common_date([one.values for one in found])
    keys = ", ".join(one.key for one in found)
    if common is None:
        raise DataUnavailable(f"{keys}: no common date {_window(first, last)} (every series needs a value that day)")
    lines = [
        PerformanceLine(one.label, one.kind, rebase_to_100(one.values, common), one.source, one.values.index[-1].date())
        for one in found
    ]
    return PerformanceChart(lines, common.date(), f"Performance, rebased to 100 on {common.date()} — {keys}", last)


def _window(first: date | None, last: date | None) -> str:
    if first and last:
        return f"from {first} to {last}"
    return f"from {first}" if first else (f"up to {last}" if last else "in the store")


def _how(kind: str, key: str) -> str:
    if kind == "stock":
        return f"run: screener prices import FILE --ticker {key}, or screener fetch"
    return f"run: screener oxides import FILE --series {key}"


def _read_prices(env: Environment, ticker: str, company: Company | None) -> StoredPrices:
    """The stored prices of ``ticker``: UsageError when it is in no universe and not stored, DataUnavailable when
    it is listed but not stored."""
    try:
        stored = env.store.read_prices(ticker)
    except StoreCorrupt as exc:
        raise DataUnavailable(f"{exc}; ignored") from None
    if stored is None:
        if company is None:
            raise UsageError(f"TICKER {ticker}: unknown (in no universe and no stored prices; see `screener universe "
                             "list`, `screener prices import`)")  # fmt: skip
        raise DataUnavailable(f"{ticker}: no stored price history ({_how('stock', ticker)})")
    return stored


def _stock(ticker: str, company: Company | None, stored: StoredPrices) -> _Series:
    currency = stored.currency or (company.currency if company else "local currency")
    name = f" {company.name}" if company else ""
    label = f"{ticker}{name} (adjusted, {currency})"
    source = f"{ticker}: {stored.source}, {_file_name(stored.origin) or 'fetched'}"
    return _Series(ticker, label, "stock", stored.frame["adj_close"], source)


def _oxide(env: Environment, oxide_id: str) -> _Series:
    from screener.data.oxides import oxide_prices

    try:
        stored = env.store.read_series("oxides", oxide_id)
    except StoreCorrupt as exc:
        raise DataUnavailable(f"{exc}; ignored") from None
    if stored is None:  # listed a moment ago: removed since
        from screener.app.cache import unstored_oxide

        raise unstored_oxide(oxide_id, env.settings, env.store)
    values, unit = oxide_prices(stored, "local")
    name = stored.meta.get("name", oxide_id)
    label = f"{oxide_id} {name} ({unit})" if name != oxide_id else f"{oxide_id} ({unit})"
    source = "; ".join(_file_name(part) for part in stored.meta.get("source", "store").split("; "))
    return _Series(oxide_id, label, "oxide", values, f"{oxide_id}: {source}")


def _file_name(source: str) -> str:
    """A stored source that is a file path, as its file name (the footer's width); anything else unchanged."""
    return Path(source).name if "/" in source or "\\" in source else source
