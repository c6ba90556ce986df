"""The oxide-series and FX-series registry: ``[[oxides.series]]`` and ``[[fx.series]]`` entries of config.toml,
validated with the shared field-spec (errors name file, line and ``oxides.series[i].key``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screener.config.fields import REQUIRED, Field, TableReader

SERIES_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""An oxide series id: letters, digits, ``.``, ``_`` and ``-`` (no ``..``), starting with a letter or digit, at
most 64 characters. The one rule for config and command line; the stored file is named by the id."""


def is_series_id(text: str) -> bool:
    """Whether ``text`` is a valid series id (:data:`SERIES_ID`)."""
    return bool(SERIES_ID.match(text)) and ".." not in text


@dataclass(frozen=True)
class OxideSeriesConfig:
    """One ``[[oxides.series]]`` entry: an oxide price series, its unit, tax and where it comes from."""

    id: str
    name: str
    unit: str
    currency: str
    vat_included: bool
    source: str = ""  # a file path (resolved against the config folder) or an http(s) URL; "" = import by hand
    exposure: str | None = None  # light | heavy: the default series for companies with that oxide_exposure
    value_col: str | None = None
    mid_of: tuple[str, str] | None = None
    date_col: str = "date"


@dataclass(frozen=True)
class FxSeriesConfig:
    """One ``[[fx.series]]`` entry: where the FX history of a currency comes from (file or http(s) URL)."""

    currency: str
    source: str
    value_col: str = "value"
    date_col: str = "date"
    usd_per: bool = False  # the source quotes USD per unit of the currency (inverted on import)


@dataclass(frozen=True)
class OxideSettings:
    """``[oxides]``: the series registry and import rules."""

    series: tuple[OxideSeriesConfig, ...] = ()
    fx_max_staleness_days: int = 10
    gap_business_days: int = 10
    http_expire_hours: float = 24.0

    def get(self, series_id: str) -> OxideSeriesConfig | None:
        return next((s for s in self.series if s.id == series_id), None)

    def default_for(self, exposure: str) -> OxideSeriesConfig | None:
        """The first registered series marked with this exposure (light / heavy)."""
        return next((s for s in self.series if s.exposure == exposure), None)


OXIDE_SERIES_SPEC = {
    "id": Field("string", REQUIRED),
    "name": Field("string"),
    "unit": Field("string", REQUIRED),
    "currency": Field("string", REQUIRED),
    "vat_included": Field("bool", REQUIRED),
    "source": Field("string", ""),
    "exposure": Field("string", choices=("light", "heavy")),
    "value_col": Field("string"),
    "mid_of": Field("list"),
    "date_col": Field("string", "date"),
}
FX_SERIES_SPEC = {
    "currency": Field("string", REQUIRED),
    "source": Field("string", ""),
    "value_col": Field("string", "value"),
    "date_col": Field("string", "date"),
    "usd_per": Field("bool", False),
}


def resolve_source(source: str, base: Path) -> str:
    """A file path relative to the config folder becomes absolute; an http(s) URL stays as it is."""
    if not source or source.startswith(("http://", "https://")):
        return source
    return str(base / source)


def _entries(
    reader: TableReader, tables: list[Any], name: str, spec: dict[str, Field]
) -> Iterator[tuple[tuple[str, int], dict[str, Any]]]:
    """Each ``[[name]]`` entry checked against ``spec``: (its path, its values with defaults)."""
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise reader.fail(f"must be a table ([[{name}]])", name, index)
        yield (name, index), reader.read(table, spec, name, index)


def fx_series(reader: TableReader, tables: list[Any], base: Path) -> tuple[FxSeriesConfig, ...]:
    """Validate each ``[[fx.series]]`` entry."""
    out: list[FxSeriesConfig] = []
    for where, v in _entries(reader, tables, "fx.series", FX_SERIES_SPEC):
        code = v["currency"].strip().upper()
        if len(code) != 3 or not code.isalpha() or code == "USD":
            raise reader.fail(f"must be a 3-letter code other than USD, got {code!r}", *where, "currency")
        out.append(FxSeriesConfig(code, resolve_source(v["source"], base), v["value_col"], v["date_col"], v["usd_per"]))
    return tuple(out)


def oxide_series(reader: TableReader, tables: list[Any], base: Path) -> tuple[OxideSeriesConfig, ...]:
    """Validate each ``[[oxides.series]]`` entry: id rule, unique ids, a known unit matching the currency."""
    from screener.core.units import parse_unit

    entries: list[OxideSeriesConfig] = []
    seen: set[str] = set()
    for where, v in _entries(reader, tables, "oxides.series", OXIDE_SERIES_SPEC):
        sid = v["id"]
        if not is_series_id(sid):
            raise reader.fail(f"must be letters, digits, . _ - (got {sid!r})", *where, "id")
        if sid in seen:
            raise reader.fail(f"duplicate series id {sid!r}", *where, "id")
        seen.add(sid)
        try:
            unit = parse_unit(v["unit"])
        except ValueError as exc:
            raise reader.fail(str(exc), *where, "unit") from None
        if v["currency"] != unit.currency:
            message = f"{v['currency']!r} does not match the unit {unit.name} (a {unit.currency} unit)"
            raise reader.fail(message, *where, "currency")
        mid_of = v["mid_of"]
        if mid_of is not None and (len(mid_of) != 2 or not all(isinstance(c, str) and c for c in mid_of)):
            raise reader.fail("must be two column names [MIN_COL, MAX_COL]", *where, "mid_of")
        if mid_of is not None and v["value_col"]:
            raise reader.fail("give value_col or mid_of, not both", *where, "mid_of")
        entries.append(
            OxideSeriesConfig(
                id=sid,
                name=str(v["name"] or sid),
                unit=unit.name,
                currency=unit.currency,
                vat_included=v["vat_included"],
                source=resolve_source(v["source"], base),
                exposure=v["exposure"],
                value_col=v["value_col"],
                mid_of=(mid_of[0], mid_of[1]) if mid_of else None,
                date_col=v["date_col"],
            )
        )
    return tuple(entries)
