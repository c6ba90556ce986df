"""``screener prices import``, ``oxides import`` and ``fx import``: files (or http(s) URLs) into the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from screener.app import universes as uv
from screener.app.sources import load_source, parsed_source
from screener.environment import Environment
from screener.errors import InputFileError, StoreCorrupt, UnreadableStored, UsageError

if TYPE_CHECKING:
    from screener.data.price_files import ParsedPrices
    from screener.data.store import StoredPrices, StoredSeries


# --- prices ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriceImport:
    """``prices import`` options: ``ticker`` for one history (:func:`import_prices`), else ``layout`` (long, wide
    or None: detected) for a file of many tickers (:func:`import_price_table`)."""

    file: Path
    ticker: str | None
    date_col: str = "date"
    close_col: str | None = None
    prev_close_col: str | None = None
    currency: str | None = None
    replace: bool = False
    layout: str | None = None
    decimal: str = "."


@dataclass
class PriceImportResult:
    symbol: str
    rows_read: int
    mode: str
    stored: StoredPrices
    notes: list[str] = field(default_factory=list)
    action: str = "merged"
    """``new`` (nothing was stored), ``merged`` or ``replaced``."""


def import_prices(env: Environment, options: PriceImport) -> PriceImportResult:
    """Parse the file, compare overlapping days with the stored history (a note when they differ by more than
    0.5%: another adjustment basis?) and merge it in (new rows win), or replace the history."""
    from screener.data.price_files import read_price_file

    if options.layout is not None:
        raise UsageError("--layout is for files of many tickers: drop --ticker, or drop --layout")
    symbol = uv.symbol(options.ticker or "", "--ticker")
    currency = uv.currency_option(options.currency, "--currency")
    parsed = read_price_file(
        options.file,
        date_col=options.date_col,
        close_col=options.close_col,
        prev_close_col=options.prev_close_col,
        today=env.today(),
        max_bytes=env.settings.max_input_bytes,
        decimal=options.decimal,
    )
    planned = _plan(env, symbol, parsed, options.replace)
    return _write(env, planned, currency=currency, origin=str(options.file), replace=options.replace)


@dataclass
class _Planned:
    """One ticker's validated history, before anything is written."""

    symbol: str
    parsed: ParsedPrices
    had_history: bool
    notes: list[str]


def _plan(env: Environment, symbol: str, parsed: ParsedPrices, replace: bool) -> _Planned:
    """Read the stored history (an unreadable one is refused unless ``replace``) and compare the overlap."""
    notes: list[str] = []
    try:
        previous = env.store.merge_base(partial(env.store.read_prices, symbol), replace=False)
    except UnreadableStored:
        if replace:
            return _Planned(symbol, parsed, True, notes)
        raise
    if previous is not None and not replace:
        overlap = previous.frame["adj_close"].reindex(parsed.frame.index).dropna()
        if len(overlap):
            ratio = (parsed.frame["adj_close"].reindex(overlap.index) / overlap - 1).abs()
            if ratio.max() > 0.005:
                notes.append(
                    f"{len(overlap)} overlapping day(s) differ from the stored history by up to "
                    f"{ratio.max():.1%} (another adjustment basis?); the new file's values replace them — "
                    "use --replace to start clean"
                )
    return _Planned(symbol, parsed, previous is not None, notes)


def _write(
    env: Environment, planned: _Planned, *, currency: str | None, origin: str, replace: bool
) -> PriceImportResult:
    parsed = planned.parsed
    try:  # the merge itself reads the stored history again under the file's lock
        stored = env.store.write_prices(
            planned.symbol,
            parsed.frame,
            source="import",
            adjusted=parsed.adjusted,
            currency=currency,
            origin=origin,
            merge=not replace,
        )
    except StoreCorrupt as exc:  # damaged since it was planned
        raise UnreadableStored(exc) from None
    notes = list(planned.notes)
    if stored.set_aside is not None:
        notes.append(f"the unreadable stored history was kept aside as {stored.set_aside}")
    action = "new" if not planned.had_history else ("replaced" if replace else "merged")
    return PriceImportResult(planned.symbol, len(parsed.frame), parsed.mode, stored, notes + parsed.notes, action)


@dataclass
class TickerImported:
    """One ticker of a bulk import: the file's code(s) for it, its currency and where that came from."""

    codes: tuple[str, ...]
    currency: str
    currency_from: str
    result: PriceImportResult


@dataclass
class BulkPriceResult:
    file: Path
    layout: str
    tickers: list[TickerImported]
    notes: list[str] = field(default_factory=list)


def import_price_table(env: Environment, options: PriceImport) -> BulkPriceResult:
    """Import every ticker of a long or wide export (:mod:`screener.data.price_layouts`), each exactly as
    :func:`import_prices` imports one file (same checks, merge/replace rules and notes).

    Guarantee: the whole file is read, mapped and validated, every ticker's currency resolved and every stored
    history it touches read before anything is written, so a malformed file (a bad cell, an unmappable code, an
    unknown currency, an unreadable stored history without ``--replace``) writes nothing. Each ticker is then
    written atomically; only a failure of the disk itself while writing can leave the tickers before it written.

    Currency per ticker: the universe entry's (configured universes), else the exchange suffix's
    (:func:`screener.core.tickers.currency_of`), else ``--currency``; none of them is an error naming the tickers.
    ``--currency`` never overrides the other two: when it differs, a note says so.
    """
    from screener.core.tickers import currency_of
    from screener.data.csv_columns import read_sheet
    from screener.data.price_files import parse_price_table
    from screener.data.price_layouts import split_prices
    from screener.errors import TickerCodeError

    split = split_prices(
        read_sheet(options.file, max_bytes=env.settings.max_input_bytes, decimal=options.decimal),
        layout=options.layout,
        date_col=options.date_col,
        close_col=options.close_col,
        prev_close_col=options.prev_close_col,
    )
    if not split.tickers:
        raise InputFileError(str(options.file), "no prices: the file has a header but no rows", line=2)
    universe = {c.ticker: c.currency for c in uv.companies(uv.selected(env, None))}
    given = uv.currency_option(options.currency, "--currency")
    replace = options.replace
    planned: list[tuple[tuple[str, ...], str, str, _Planned]] = []
    unknown: list[str] = []
    notes: list[str] = []
    for rows in split.tickers:
        parsed = parse_price_table(
            rows.table,
            date_col=split.date_col,
            close_col=rows.close_col,
            prev_close_col=rows.prev_close_col,
            adjusted_close=rows.adjusted_close,
            today=env.today(),
        )
        currency, origin = universe.get(rows.symbol), "universe"
        if currency is None:
            try:
                currency, origin = currency_of(rows.symbol), "exchange"
            except TickerCodeError:
                currency, origin = given, "--currency"
        if currency is None:
            unknown.append(rows.symbol)
            continue
        if given and currency != given:
            notes.append(f"{rows.symbol}: stored in {currency} (from the {origin}), not --currency {given}")
        planned.append((rows.codes, currency, origin, _plan(env, rows.symbol, parsed, replace)))
    if unknown:
        raise UsageError(
            f"{options.file}: no currency known for {', '.join(unknown)} (not in a universe, exchange unknown): "
            "give --currency CCY"
        )
    origin = str(options.file)
    done = [
        TickerImported(codes, currency, source, _write(env, plan, currency=currency, origin=origin, replace=replace))
        for codes, currency, source, plan in planned
    ]
    return BulkPriceResult(options.file, split.layout, done, notes)


# --- oxides ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OxideImport:
    """Options given on the command line; the rest comes from ``[[oxides.series]]``."""

    series: str
    file: str | None = None
    value_col: str | None = None
    mid_of: str | None = None
    unit: str | None = None
    currency: str | None = None
    vat_included: bool | None = None
    date_col: str | None = None
    name: str | None = None
    decimal: str = "."
    replace: bool = False


@dataclass
class SeriesImportResult:
    id: str
    source: str
    stored: StoredSeries
    stale: bool
    vat_included: bool
    notes: list[str]


def import_oxides(env: Environment, options: OxideImport) -> SeriesImportResult:
    """Load an oxide price series: per kg, ex VAT when included, converted to USD with the stored FX history."""
    from screener.data.oxides import SeriesSpec, check_spec, import_oxide

    settings = env.settings
    from screener.config.registry import is_series_id

    series = options.series
    if not series:
        raise UsageError("--series ID is required (e.g. --series nd_cn)")
    if not is_series_id(series):
        raise UsageError(f"--series: {series!r} is not an id (letters, digits, . _ - ; the stored file takes its name)")
    reg = settings.oxides.get(series)
    value_col, mid_of = options.value_col, options.mid_of
    mid = tuple(c.strip() for c in mid_of.split(",")) if mid_of else (reg.mid_of if reg and not value_col else None)
    if mid is not None and len(mid) != 2:
        raise UsageError(f"--mid-of: give two columns MIN_COL,MAX_COL, got {mid_of!r}")
    spec = SeriesSpec(
        id=series,
        unit=options.unit or (reg.unit if reg else ""),
        currency=uv.currency_option(options.currency, "--currency") or (reg.currency if reg else ""),
        name=options.name or (reg.name if reg else series),
        vat_included=options.vat_included if options.vat_included is not None else (reg.vat_included if reg else False),
        exposure=reg.exposure if reg else None,
        value_col=value_col or (reg.value_col if reg and mid is None else None),
        mid_of=(mid[0], mid[1]) if mid else None,
        date_col=options.date_col or (reg.date_col if reg else "date"),
    )
    if not spec.unit or not spec.currency:
        raise UsageError(f"series {series!r} is not in config.toml [[oxides.series]]: give --unit and --currency")
    if spec.value_col is None and spec.mid_of is None:
        raise UsageError("give --value-col COLUMN or --mid-of MIN_COL,MAX_COL")
    check_spec(spec)
    source = options.file or (reg.source if reg else "")
    if not source:
        raise UsageError(
            f"no FILE given and series {series!r} has no source in {env.config_location.path}: "
            f"screener oxides import FILE --series {series}"
        )
    loaded = load_source(env, source)
    with parsed_source(env, loaded):
        stored, notes = import_oxide(
            env.store,
            spec,
            loaded.label,
            loaded.data,
            decimal=options.decimal,
            fx_max_staleness_days=settings.oxides.fx_max_staleness_days,
            gap_business_days=settings.oxides.gap_business_days,
            today=env.today(),
            replace=options.replace,
        )
    if stored.set_aside is not None:
        notes.append(f"the unreadable stored series was kept aside as {stored.set_aside}")
    return SeriesImportResult(series, loaded.label, stored, loaded.stale, spec.vat_included, notes)


# --- FX ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FxImport:
    currency: str
    file: str | None = None
    value_col: str | None = None
    date_col: str | None = None
    usd_per: bool | None = None
    decimal: str = "."
    replace: bool = False


def import_fx_history(env: Environment, options: FxImport) -> SeriesImportResult:
    """Store an FX history as units of the currency per USD (the file's, or ``[[fx.series]]``'s source)."""
    from screener.data.oxides import import_fx

    code = uv.currency_option(options.currency, "--currency") or ""
    if code == "USD":
        raise UsageError(f"--currency: a 3-letter code other than USD, got {options.currency!r}")
    reg = next((f for f in env.settings.fx_series if f.currency == code), None)
    source = options.file or (reg.source if reg else "")
    if not source:
        raise UsageError(
            f"no FILE given and no [[fx.series]] source for {code} in {env.config_location.path}: "
            f"screener fx import FILE --currency {code}"
        )
    loaded = load_source(env, source)
    with parsed_source(env, loaded):
        stored, notes = import_fx(
            env.store,
            loaded.data,
            label=loaded.label,
            currency=code,
            date_col=options.date_col or (reg.date_col if reg else "date"),
            value_col=options.value_col or (reg.value_col if reg else "value"),
            usd_per=options.usd_per if options.usd_per is not None else (reg.usd_per if reg else False),
            today=env.today(),
            decimal=options.decimal,
            replace=options.replace,
        )
    if stored.set_aside is not None:
        notes.append(f"the unreadable stored FX history was kept aside as {stored.set_aside}")
    return SeriesImportResult(code, loaded.label, stored, loaded.stale, False, notes)
