"""Oxide price series and FX histories: CSV import (file:line:column errors), unit conversion, the store.

An oxide series is stored under ``cache/oxides/<id>.parquet`` with columns

* ``value``: the number as read (after ``--mid-of``: the midpoint of the two columns), in the declared unit;
* ``local_per_kg``: converted to the unit's currency per kg, VAT removed when the quote includes it (/1.13);
* ``usd_per_kg``: ``local_per_kg`` / the CNY-per-USD rate of that date (latest FX on or before the date, at most
  ``fx_max_staleness_days`` old), NaN where no rate covers the date. For a USD unit it equals ``local_per_kg``.
  When no FX history is stored for the currency the column is all NaN and the import says the series stays in
  its own currency: the two are never mixed silently.

and metadata: id, name, unit, currency, vat_included, source (file or URL), column(s), FX source and range.
FX histories (units of currency per USD, e.g. FRED DEXCHUS) are stored under ``cache/fx/<CCY>.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from screener.data.csv_columns import checked_dates, checked_numbers, read_csv
from screener.data.store import joined_labels
from screener.errors import InputFileError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from screener.core.units import Unit
    from screener.data.store import Store, StoredSeries


@dataclass(frozen=True)
class SeriesSpec:
    """One oxide series: from ``[[oxides.series]]`` in config.toml, or from ``oxides import`` options."""

    id: str
    unit: str
    currency: str
    name: str = ""
    vat_included: bool = False
    source: str = ""
    exposure: str | None = None
    value_col: str | None = None
    mid_of: tuple[str, str] | None = None
    date_col: str = "date"


@dataclass
class ParsedSeries:
    """Values read from a file (index date, ascending) and what the import should tell the user."""

    values: pd.Series
    column: str
    notes: list[str] = field(default_factory=list)


def parse_series_csv(
    label: str,
    data: Path | bytes,
    *,
    date_col: str = "date",
    value_col: str | None = None,
    mid_of: tuple[str, str] | None = None,
    today: date,
    measure: str = "oxide_price",
    decimal: str = ".",
) -> ParsedSeries:
    """Read one dated value column (or the midpoint of two) from CSV text; every bad cell is an error naming
    ``label:line`` and the column: bad or duplicate dates, text in a number column, values outside ``measure``'s
    plausible range (:data:`screener.core.measures.MEASURES`). Empty cells (and FRED's ``.``) are missing values:
    dropped, and counted in a note. ``decimal``: the decimal separator of the numbers (``--decimal``)."""
    import pandas as pd

    if (value_col is None) == (mid_of is None):
        raise UsageError("give exactly one of --value-col COLUMN or --mid-of MIN_COL,MAX_COL")
    table = read_csv(label, data, decimal=decimal)
    table.need(date_col, "--date-col")
    for name in mid_of or (value_col,):
        assert name is not None
        table.need(name, "--mid-of" if mid_of else "--value-col")
    dates = checked_dates(table, date_col, today=today)

    def numbers(column: str) -> pd.Series:
        return checked_numbers(table, column, measure=measure)

    notes: list[str] = []
    if mid_of:
        low, high = numbers(mid_of[0]), numbers(mid_of[1])
        inverted = low > high
        if inverted.any():
            first = int(inverted.to_numpy().nonzero()[0][0])
            message = f"{mid_of[0]} {low.iloc[first]:g} is above {mid_of[1]} {high.iloc[first]:g}"
            raise table.error(first, mid_of[0], message)
        values = (low + high) / 2.0
        column = f"mid({mid_of[0]},{mid_of[1]})"
    else:
        assert value_col is not None
        values = numbers(value_col)
        column = value_col
    values.index = pd.DatetimeIndex(dates, name="date")
    values = values.sort_index()
    n_missing = int(values.isna().sum())
    if n_missing:
        notes.append(f"{n_missing} row(s) with an empty {column} value skipped")
    values = values.dropna()
    if values.empty:
        raise InputFileError(label, "no values (every cell is blank): nothing was stored", field=column)
    return ParsedSeries(values, column, notes)


# ------------------------------------------------------------------------------------------------ FX histories
def import_fx(
    store: Store,
    file: Path | bytes,
    *,
    label: str | None = None,
    currency: str,
    date_col: str = "date",
    value_col: str = "value",
    usd_per: bool = False,
    today: date,
    decimal: str = ".",
    replace: bool = False,
) -> tuple[StoredSeries, list[str]]:
    """Store an FX history as units of ``currency`` per USD (``usd_per``: the file holds USD per unit, as FRED's
    DEXUSAL for AUD; it is inverted), merged into the stored one (the file's days win) unless ``replace``; an
    unreadable stored history stops a merge (:meth:`~screener.data.store.Store.merge_base`)."""
    from screener.core.fx import from_usd_per

    label = label or str(file)
    parsed = parse_series_csv(
        label, file, date_col=date_col, value_col=value_col, today=today, measure="fx_rate", decimal=decimal
    )
    per_usd = (from_usd_per(parsed.values) if usd_per else parsed.values).to_frame("per_usd")
    with store.locked("fx", currency, ".parquet"):
        held = store.merge_base(partial(read_fx, store, currency), replace=replace)
        source = label
        if held is not None:  # the file's days win, other stored days stay
            per_usd = per_usd.combine_first(held.frame[["per_usd"]])
            source = joined_labels(held.meta.get("source", ""), label)
        meta = {"currency": currency, "quote": "per_usd", "source": source, "column": value_col}
        stored = store.write_series("fx", currency, per_usd, meta)
    return stored, parsed.notes


def read_fx(store: Store, currency: str) -> StoredSeries | None:
    """The stored FX history of ``currency`` (units per USD), or None."""
    return store.read_series("fx", currency)


# ------------------------------------------------------------------------------------------------ oxide series
def check_spec(spec: SeriesSpec) -> Unit:
    """The spec's unit, checked against its currency (UsageError naming the option otherwise)."""
    from screener.core.units import parse_unit

    try:
        unit = parse_unit(spec.unit)
    except ValueError as exc:
        raise UsageError(f"--unit: {exc}") from None
    if spec.currency.upper() != unit.currency:
        raise UsageError(f"--currency {spec.currency} does not match the unit {unit.name} (a {unit.currency} unit)")
    return unit


def convert(
    values: pd.Series,
    spec: SeriesSpec,
    fx: StoredSeries | None,
    *,
    fx_max_staleness_days: int,
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """``value`` → ``local_per_kg`` (ex VAT when included) → ``usd_per_kg``; metadata and notes."""
    import numpy as np
    import pandas as pd

    from screener.core.fx import align, series_to_usd
    from screener.core.units import remove_vat, to_per_kg

    unit = check_spec(spec)
    notes: list[str] = []
    local = to_per_kg(values, unit)
    if spec.vat_included:
        local = remove_vat(local)
    meta = {
        "id": spec.id,
        "name": spec.name,
        "unit": unit.name,
        "currency": unit.currency,
        "vat_included": "true" if spec.vat_included else "false",
        "local_unit": f"{unit.currency}/kg ex VAT" if spec.vat_included else f"{unit.currency}/kg",
        "fx_source": "",
    }
    if unit.currency == "USD":
        usd = local.copy()
        meta["fx_source"] = "none needed (USD unit)"
    elif fx is None:
        usd = pd.Series(np.nan, index=local.index, dtype="float64")
        notes.append(
            f"no FX history for {unit.currency} in the store: the series stays in {unit.currency}/kg "
            f"(import one with `screener fx import FILE --currency {unit.currency}` and re-import to get USD)"
        )
    else:
        rates = align(pd.DatetimeIndex(local.index), fx.frame["per_usd"], fx_max_staleness_days)
        usd = series_to_usd(local, rates)
        f = fx.frame.index
        meta["fx_source"] = f"{fx.meta.get('source', '')} ({f[0].date()} to {f[-1].date()})"
        uncovered = int(rates.isna().sum())
        if uncovered:
            notes.append(
                f"{uncovered} of {len(rates)} date(s) have no {unit.currency} rate within {fx_max_staleness_days} "
                f"days (FX {f[0].date()} to {f[-1].date()}): USD value left empty there"
            )
    frame = pd.DataFrame({"value": values, "local_per_kg": local, "usd_per_kg": usd})
    return frame, meta, notes


def gap_notes(dates: pd.DatetimeIndex, business_days: int) -> list[str]:
    """A note per gap of more than ``business_days`` business days (reported, not an error)."""
    from screener.core.units import large_gaps

    return [
        f"gap of {days} business days between {a.date()} and {b.date()}"
        for a, b, days in large_gaps(dates, business_days)
    ]


def import_oxide(
    store: Store,
    spec: SeriesSpec,
    label: str,
    data: Path | bytes,
    *,
    fx_max_staleness_days: int = 10,
    gap_business_days: int = 10,
    today: date,
    decimal: str = ".",
    replace: bool = False,
) -> tuple[StoredSeries, list[str]]:
    """Parse, convert and store one oxide series, merged into the stored one (the file's days win; the same unit
    and VAT basis, else UsageError) unless ``replace``; returns it with the notes for the user."""
    import pandas as pd

    unit = check_spec(spec)
    parsed = parse_series_csv(
        label, data, date_col=spec.date_col, value_col=spec.value_col, mid_of=spec.mid_of, today=today, decimal=decimal
    )
    fx = None
    if spec.currency.upper() != "USD":
        fx = read_fx(store, spec.currency.upper())
    with store.locked("oxides", spec.id, ".parquet") as path:
        held = store.merge_base(partial(store.read_series, "oxides", spec.id), replace=replace)
        values, source = parsed.values, label
        if held is not None:  # the file's days win, other stored days stay; converted again as one series
            vat = "true" if spec.vat_included else "false"
            was = (held.meta.get("unit"), held.meta.get("vat_included"))
            if was != (unit.name, vat):
                raise UsageError(
                    f"{path}: stored in {was[0]} (VAT included: {was[1]}), this import is {unit.name} (VAT "
                    f"included: {vat}): nothing was written; import with --replace to start the series again"
                )
            values = values.combine_first(held.frame["value"].dropna())
            source = joined_labels(held.meta.get("source", ""), label)
        frame, meta, notes = convert(values, spec, fx, fx_max_staleness_days=fx_max_staleness_days)
        meta.update({"source": source, "column": parsed.column})
        stored = store.write_series("oxides", spec.id, frame, meta)
    return stored, parsed.notes + notes + gap_notes(pd.DatetimeIndex(frame.index), gap_business_days)


def oxide_prices(stored: StoredSeries, currency: str = "usd") -> tuple[pd.Series, str]:
    """The price series to correlate and its unit label: USD/kg when converted, else the local currency per kg
    (``currency="local"`` asks for the local one). A series without USD values is never mixed with USD ones."""
    frame = stored.frame
    local_unit = stored.meta.get("local_unit", f"{stored.meta.get('currency', '')}/kg")
    if currency == "usd" and frame["usd_per_kg"].notna().any():
        return frame["usd_per_kg"].dropna(), "USD/kg" + (" ex VAT" if stored.meta.get("vat_included") == "true" else "")
    return frame["local_per_kg"].dropna(), local_unit
