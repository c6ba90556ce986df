"""``screener correlate``: universe + stored prices + stored oxide series + settings -> one ranked frame
(METHODS §6). No printing; the engine is :func:`screener.core.correlation.correlate_many`, called once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from screener.app import universes as uv
from screener.app.cache import unstored_oxide
from screener.app.results import CORRELATION_CSV_COLUMNS, CorrelationReport
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from screener.app.scope import ResolvedScope
    from screener.config import Settings
    from screener.data.store import Store
    from screener.models import Company

CSV_COLUMNS = CORRELATION_CSV_COLUMNS


def build_correlation_report(
    companies: list[Company],
    store: Store,
    settings: Settings,
    *,
    oxides: list[str],
    freq: str,
    window: int,
    max_lag: int,
    start: date | None,
    end: date | None,
    oxide_currency: str = "usd",
    threads: int = 1,
) -> CorrelationReport:
    """Each company against ``oxides`` (or its default series from ``oxide_exposure``), ranked by |corr|
    (largest first; rows without a correlation last, names without data kept as ``no data`` rows)."""
    import pandas as pd

    from screener.core.correlation import correlate_many
    from screener.data.oxides import oxide_prices

    check_span(start, end)
    notes: list[str] = []
    pairs: list[tuple[Company, str | None, str]] = []  # company, series id (None: no default), status
    for company in companies:
        if oxides:
            pairs.extend((company, sid, "") for sid in oxides)
            continue
        exposure = company.oxide_exposure
        spec = settings.oxides.default_for(exposure) if exposure else None
        if spec is None:
            why = f"no series with exposure {exposure!r} in config" if exposure else "no oxide_exposure"
            pairs.append((company, None, why))
        else:
            pairs.append((company, spec.id, ""))

    series: dict[str, pd.Series] = {}
    units: dict[str, str] = {}
    for sid in dict.fromkeys(s for _, s, _ in pairs if s):
        try:
            stored = store.read_series("oxides", sid)
        except StoreCorrupt as exc:
            notes.append(f"{exc}; ignored")
            stored = None
            if oxides:
                raise
        if stored is None:
            if oxides:
                raise unstored_oxide(sid, settings, store)
            notes.append(f"oxide series {sid} is not stored: {unstored_oxide(sid, settings, store)}")
            continue
        values, unit = oxide_prices(stored, oxide_currency)
        local_end = stored.frame["local_per_kg"].dropna().index.max()
        if unit.startswith("USD") and len(values) and local_end > values.index.max():
            lost = int((stored.frame["local_per_kg"].dropna().index > values.index.max()).sum())
            notes.append(
                f"{sid}: USD values end {values.index.max().date()} (no FX rate after that); {lost} later local "
                "quotes are not used — import newer FX, or use --oxide-currency local"
            )
        if oxide_currency == "usd" and not unit.startswith("USD"):
            notes.append(f"{sid}: no FX history was available at import, correlated in {unit} (not USD)")
        series[sid], units[sid] = values, unit

    prices: dict[str, pd.Series] = {}
    unreadable: set[str] = set()
    for ticker in dict.fromkeys(c.ticker for c, _, _ in pairs):
        try:
            stored_prices = store.read_prices(ticker)
        except StoreCorrupt as exc:
            notes.append(f"{exc}; ignored")
            unreadable.add(ticker)
            continue
        if stored_prices is not None and not stored_prices.frame.empty:
            prices[ticker] = stored_prices.frame["adj_close"]
    if not prices:
        raise DataUnavailable("no stored prices for any requested name (run `screener prices import` first)")
    wide = pd.DataFrame(prices).sort_index()
    if start:
        wide = wide[wide.index >= pd.Timestamp(start)]
    if end:
        wide = wide[wide.index <= pd.Timestamp(end)]

    result = None
    min_periods = min(settings.correlation.min_periods, window)
    if series:
        result = correlate_many(
            wide,
            series,
            freq=freq,
            window=window,
            max_lag=max_lag,
            min_periods=min_periods,
            threads=threads,
        )
        result = result.set_index("series", append=True)

    records = []
    for company, pair_id, why in pairs:
        sid = pair_id or ""
        status = why
        record: dict[str, object] = {"ticker": company.ticker, "name": company.name, "series": sid, "freq": freq}
        if not status and company.ticker not in prices:
            status = "unreadable store file" if company.ticker in unreadable else "no data"
        elif not status and sid not in series:
            status = f"series {sid} not stored"
        if not status and result is not None:
            stats = result.loc[(company.ticker, sid)]
            record.update(stats.to_dict())
            n_ret = int(stats["n"])
            if n_ret == 0:
                status = "no overlap"
            elif n_ret < min_periods:
                status = f"too short (n {n_ret} < {min_periods})"
        record["status"] = status
        records.append(record)
    rows = pd.DataFrame.from_records(records)
    for column in CSV_COLUMNS:
        if column not in rows.columns:
            rows[column] = float("nan")
    rows["n"] = rows["n"].fillna(0).astype("int64")
    order = rows["corr"].abs().fillna(-1.0)
    rows = rows.assign(_key=order).sort_values(["_key", "ticker"], ascending=[False, True], kind="stable")
    rows = rows.drop(columns="_key").reset_index(drop=True)[[*CSV_COLUMNS, "status"]]
    return CorrelationReport(rows, freq, window, max_lag, start, end, units, notes)


@dataclass(frozen=True)
class CorrelateOptions:
    """``screener correlate`` options (None: the config's ``[correlation]`` default); the scope's whole selected
    universes are correlated, up to its as-of date."""

    scope: ResolvedScope
    oxides: Sequence[str] = ()
    freq: str | None = None
    window: int | None = None
    max_lag: int | None = None
    start: date | None = None
    end: date | None = None
    oxide_currency: str = "usd"


def check_span(start: date | None, end: date | None) -> None:
    """--start after --end is a usage error."""
    if start and end and start > end:
        raise UsageError(f"--start {start} is after --end {end}")


def check_request(env: Environment, oxides: Sequence[str], start: date | None, end: date | None) -> None:
    """The usage errors of ``screener correlate`` (the command checks them before anything is gathered): --start
    after --end, an --oxide id neither registered nor stored."""
    check_span(start, end)
    stored = set(env.store.series_keys("oxides")) if oxides else set()
    for sid in oxides:
        if env.settings.oxides.get(sid) is None and sid not in stored:
            raise unstored_oxide(sid, env.settings, env.store)


def correlate(env: Environment, options: CorrelateOptions) -> CorrelationReport:
    """Each company of the selected universes (each once) against the oxide series; ``end`` is cut at the
    resolved as-of date."""
    settings = env.settings
    defaults = settings.correlation
    companies = list({c.ticker: c for c in uv.companies(options.scope.selection.whole)}.values())
    as_of = options.scope.as_of
    end = min(options.end, as_of) if options.end else as_of
    return build_correlation_report(
        companies,
        env.store,
        settings,
        oxides=list(dict.fromkeys(options.oxides)),
        freq=options.freq or defaults.freq,
        window=options.window or defaults.window,
        max_lag=defaults.max_lag if options.max_lag is None else options.max_lag,
        start=options.start,
        end=end,
        oxide_currency=options.oxide_currency,
        threads=env.cores,
    )
