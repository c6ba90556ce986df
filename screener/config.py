"""``config.toml`` -> frozen dataclasses, validated once (every threshold of METHODS.md lives here)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from screener.core.drift import DriftThresholds
from screener.core.estimates import METRICS
from screener.core.ratings import RatingRules
from screener.errors import ConfigError
from screener.tomlfile import TomlDocument, load_toml

DEFAULT_CONFIG = Path("config.toml")
SORT_COLUMNS = (
    "etr",
    "upside",
    "dividend_yield",
    "market_cap",
    *(f"{metric}_fy{k}" for metric in METRICS for k in (1, 2)),
    "name",
    "ticker",
)


@dataclass(frozen=True)
class SanitySettings:
    """METHODS §4 thresholds."""

    max_payout: float = 1.0
    pe_pb_roe_factor: float = 2.0
    extreme_pe: float = 1000.0
    stale_price_trading_days: int = 5
    stale_target_days: int = 365


@dataclass(frozen=True)
class CorrelationSettings:
    """METHODS §6 defaults for `screener correlate`."""

    freq: str = "W"
    window: int = 52
    max_lag: int = 8
    min_periods: int = 26


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


@dataclass(frozen=True)
class ValuationSettings:
    """METHODS §5 defaults for `screener value`: band window start and scenario k values."""

    since: date = date(2018, 1, 1)
    bear_k: float = 0.0
    base_k: float = 1.0
    bull_k: float = 2.0


@dataclass(frozen=True)
class Settings:
    """Everything read from config.toml (paths resolved against the config file's folder)."""

    path: Path
    universe_files: tuple[Path, ...]
    rules: RatingRules = field(default_factory=RatingRules)
    sanity: SanitySettings = field(default_factory=SanitySettings)
    report_lag_days: int = 90
    ev_include_minorities: bool = True
    exclude_subject: bool = False
    default_sort: str = "etr"
    cache_dir: Path = Path("cache")
    history_db: Path = Path("history.sqlite")
    ttl_hours: float = 12.0
    history_start: date = date(2015, 1, 1)
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    drift_min_days: int = 7
    correlation: CorrelationSettings = field(default_factory=lambda: CorrelationSettings())
    valuation: ValuationSettings = field(default_factory=lambda: ValuationSettings())
    oxides: OxideSettings = field(default_factory=lambda: OxideSettings())
    fx_series: tuple[FxSeriesConfig, ...] = ()


# section -> key -> (type, default)
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "universes": {"files": (list, ["universes/producers.toml", "universes/magnets.toml"])},
    "ratings": {
        "buy": ((int, float), 0.15),
        "buy_high_risk": ((int, float), 0.25),
        "sell": ((int, float), 0.0),
        "tolerance": ((int, float), 0.0),
    },
    "fiscal": {"report_lag_days": (int, 90)},
    "multiples": {"ev_include_minorities": (bool, True)},
    "aggregates": {"exclude_subject": (bool, False)},
    "sanity": {
        "max_payout": ((int, float), 1.0),
        "pe_pb_roe_factor": ((int, float), 2.0),
        "extreme_pe": ((int, float), 1000.0),
        "stale_price_trading_days": (int, 5),
        "stale_target_days": (int, 365),
    },
    "display": {"sort": (str, "etr")},
    "store": {"dir": (str, "cache"), "ttl_hours": ((int, float), 12.0), "history_start": (str, "2015-01-01")},
    "history": {"path": (str, "history.sqlite")},
    "correlation": {
        "freq": (str, "W"),
        "window": (int, 52),
        "max_lag": (int, 8),
        "min_periods": (int, 26),
    },
    "fx": {"series": (list, [])},
    "oxides": {
        "fx_max_staleness_days": (int, 10),
        "gap_business_days": (int, 10),
        "http_expire_hours": ((int, float), 24.0),
        "series": (list, []),
    },
    "valuation": {
        "since": (str, "2018-01-01"),
        "bear_k": ((int, float), 0.0),
        "base_k": ((int, float), 1.0),
        "bull_k": ((int, float), 2.0),
    },
    "drift": {
        "etr_move": ((int, float), 0.05),
        "price_move": ((int, float), 0.10),
        "stale_target_days": (int, 180),
        "min_days_between": (int, 7),
    },
}


def _type_name(expected: type | tuple[type, ...]) -> str:
    if expected == (int, float):
        return "a number"
    names = {int: "an integer", bool: "true or false", str: "a string", list: "a list"}
    assert isinstance(expected, type)
    return names.get(expected, expected.__name__)


def _checked(doc: TomlDocument) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for section, table in doc.data.items():
        if section not in _SCHEMA:
            known = ", ".join(_SCHEMA)
            raise doc.error(ConfigError, f"unknown section [{section}] (known: {known})", section)
        if not isinstance(table, dict):
            raise doc.error(ConfigError, "must be a table", section)
        for key, value in table.items():
            if key not in _SCHEMA[section]:
                known = ", ".join(_SCHEMA[section])
                raise doc.error(ConfigError, f"unknown key (known in [{section}]: {known})", section, key)
            expected, _ = _SCHEMA[section][key]
            wrong_bool = isinstance(value, bool) and expected is not bool
            if wrong_bool or not isinstance(value, expected):
                raise doc.error(ConfigError, f"must be {_type_name(expected)}, got {value!r}", section, key)
            if isinstance(value, float) and not math.isfinite(value):
                raise doc.error(ConfigError, f"must be a finite number, got {value!r}", section, key)
    for section, keys in _SCHEMA.items():
        values[section] = {key: doc.data.get(section, {}).get(key, default) for key, (_, default) in keys.items()}
    return values


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate config.toml; every problem raises ConfigError naming file, line and field."""
    config_path = path or DEFAULT_CONFIG
    if path is None and not config_path.exists():
        raise ConfigError(str(config_path), "file not found: run from the project folder or pass --config PATH")
    doc = load_toml(config_path, ConfigError)
    v = _checked(doc)
    base = config_path.resolve().parent

    files = v["universes"]["files"]
    if not files or not all(isinstance(f, str) and f for f in files):
        raise doc.error(ConfigError, "must be a non-empty list of file paths", "universes", "files")

    r = v["ratings"]
    try:
        rules = RatingRules(
            buy=float(r["buy"]),
            buy_high_risk=float(r["buy_high_risk"]),
            sell=float(r["sell"]),
            tolerance=float(r["tolerance"]),
        )
    except ValueError as exc:
        raise doc.error(ConfigError, str(exc), "ratings") from None

    s = v["sanity"]
    for key in ("max_payout", "pe_pb_roe_factor", "extreme_pe"):
        if s[key] <= 0:
            raise doc.error(ConfigError, "must be > 0", "sanity", key)
    if s["pe_pb_roe_factor"] < 1:
        raise doc.error(ConfigError, "must be >= 1 (a factor between two P/E figures)", "sanity", "pe_pb_roe_factor")
    for key in ("stale_price_trading_days", "stale_target_days"):
        if s[key] < 0:
            raise doc.error(ConfigError, "must be >= 0", "sanity", key)
    if v["fiscal"]["report_lag_days"] < 0 or v["fiscal"]["report_lag_days"] > 366:
        raise doc.error(ConfigError, "must be between 0 and 366 days", "fiscal", "report_lag_days")
    sort = v["display"]["sort"]
    if sort not in SORT_COLUMNS:
        raise doc.error(ConfigError, f"unknown column {sort!r} (one of {', '.join(SORT_COLUMNS)})", "display", "sort")
    c = v["correlation"]
    if c["freq"] not in ("W", "M"):
        raise doc.error(ConfigError, f"must be W (weekly) or M (monthly), got {c['freq']!r}", "correlation", "freq")
    for key in ("window", "min_periods"):
        if c[key] < 3:
            raise doc.error(ConfigError, "must be at least 3 periods", "correlation", key)
    if c["max_lag"] < 0:
        raise doc.error(ConfigError, "must be >= 0", "correlation", "max_lag")
    val = v["valuation"]
    try:
        since = date.fromisoformat(val["since"])
    except ValueError:
        message = f"must be a date like 2018-01-01, got {val['since']!r}"
        raise doc.error(ConfigError, message, "valuation", "since") from None
    try:
        history_start = date.fromisoformat(v["store"]["history_start"])
    except ValueError:
        message = f"must be a date like 2015-01-01, got {v['store']['history_start']!r}"
        raise doc.error(ConfigError, message, "store", "history_start") from None
    d = v["drift"]
    for key in ("etr_move", "price_move", "stale_target_days", "min_days_between"):
        if d[key] < 0:
            raise doc.error(ConfigError, "must be >= 0", "drift", key)
    if v["store"]["ttl_hours"] < 0:
        raise doc.error(ConfigError, "must be >= 0", "store", "ttl_hours")

    oxides = _oxides(doc, v["oxides"], base)
    fx_series = _fx_series(doc, v["fx"]["series"], base)

    return Settings(
        path=config_path,
        universe_files=tuple((base / f) for f in files),
        rules=rules,
        sanity=SanitySettings(
            max_payout=float(s["max_payout"]),
            pe_pb_roe_factor=float(s["pe_pb_roe_factor"]),
            extreme_pe=float(s["extreme_pe"]),
            stale_price_trading_days=int(s["stale_price_trading_days"]),
            stale_target_days=int(s["stale_target_days"]),
        ),
        report_lag_days=int(v["fiscal"]["report_lag_days"]),
        ev_include_minorities=bool(v["multiples"]["ev_include_minorities"]),
        exclude_subject=bool(v["aggregates"]["exclude_subject"]),
        default_sort=sort,
        cache_dir=base / v["store"]["dir"],
        history_db=base / v["history"]["path"],
        ttl_hours=float(v["store"]["ttl_hours"]),
        history_start=history_start,
        drift=DriftThresholds(float(d["etr_move"]), float(d["price_move"]), int(d["stale_target_days"])),
        drift_min_days=int(d["min_days_between"]),
        correlation=CorrelationSettings(c["freq"], int(c["window"]), int(c["max_lag"]), int(c["min_periods"])),
        valuation=ValuationSettings(since, float(val["bear_k"]), float(val["base_k"]), float(val["bull_k"])),
        oxides=oxides,
        fx_series=fx_series,
    )


_SERIES_KEYS: dict[str, tuple[type, bool]] = {  # key -> (type, required)
    "id": (str, True),
    "name": (str, False),
    "unit": (str, True),
    "currency": (str, True),
    "vat_included": (bool, True),
    "source": (str, False),
    "exposure": (str, False),
    "value_col": (str, False),
    "mid_of": (list, False),
    "date_col": (str, False),
}
_SERIES_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


_FX_KEYS: dict[str, tuple[type, bool]] = {
    "currency": (str, True),
    "source": (str, True),
    "value_col": (str, False),
    "date_col": (str, False),
    "usd_per": (bool, False),
}


def _fx_series(doc: TomlDocument, tables: list[Any], base: Path) -> tuple[FxSeriesConfig, ...]:
    """Validate each ``[[fx.series]]`` entry (errors name file, line and field)."""
    out: list[FxSeriesConfig] = []
    for i, table in enumerate(tables):
        where = ("fx.series", i)
        if not isinstance(table, dict):
            raise doc.error(ConfigError, "must be a table ([[fx.series]])", *where)
        for key, value in table.items():
            if key not in _FX_KEYS:
                raise doc.error(ConfigError, f"unknown key (known: {', '.join(_FX_KEYS)})", *where, key)
            expected, _ = _FX_KEYS[key]
            if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
                raise doc.error(ConfigError, f"must be {_type_name(expected)}, got {value!r}", *where, key)
        for key, (_, required) in _FX_KEYS.items():
            if required and key not in table:
                raise doc.error(ConfigError, "missing (required)", *where, field=f"fx.series[{i}].{key}")
        code = table["currency"].strip().upper()
        if len(code) != 3 or not code.isalpha() or code == "USD":
            raise doc.error(ConfigError, f"must be a 3-letter code other than USD, got {code!r}", *where, "currency")
        source = table["source"]
        if not source.startswith(("http://", "https://")):
            source = str(base / source)
        out.append(
            FxSeriesConfig(
                code,
                source,
                table.get("value_col", "value"),
                table.get("date_col", "date"),
                table.get("usd_per", False),
            )
        )
    return tuple(out)


def _oxides(doc: TomlDocument, o: dict[str, Any], base: Path) -> OxideSettings:
    """Validate ``[oxides]`` and each ``[[oxides.series]]`` entry (errors name file, line and field)."""
    from screener.core.units import parse_unit

    for key in ("fx_max_staleness_days", "gap_business_days", "http_expire_hours"):
        if o[key] < 0:
            raise doc.error(ConfigError, "must be >= 0", "oxides", key)
    entries: list[OxideSeriesConfig] = []
    seen: set[str] = set()
    for i, table in enumerate(o["series"]):
        where = ("oxides.series", i)
        if not isinstance(table, dict):
            raise doc.error(ConfigError, "must be a table ([[oxides.series]])", *where)
        for key, value in table.items():
            if key not in _SERIES_KEYS:
                raise doc.error(ConfigError, f"unknown key (known: {', '.join(_SERIES_KEYS)})", *where, key)
            expected, _ = _SERIES_KEYS[key]
            if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
                raise doc.error(ConfigError, f"must be {_type_name(expected)}, got {value!r}", *where, key)
        for key, (_, required) in _SERIES_KEYS.items():
            if required and key not in table:
                raise doc.error(ConfigError, "missing (required)", *where, field=f"oxides.series[{i}].{key}")
        sid = table["id"]
        if not _SERIES_ID.match(sid):
            raise doc.error(ConfigError, f"must be letters, digits, . _ - (got {sid!r})", *where, "id")
        if sid in seen:
            raise doc.error(ConfigError, f"duplicate series id {sid!r}", *where, "id")
        seen.add(sid)
        try:
            unit = parse_unit(table["unit"])
        except ValueError as exc:
            raise doc.error(ConfigError, str(exc), *where, "unit") from None
        if table["currency"] != unit.currency:
            message = f"{table['currency']!r} does not match the unit {unit.name} (a {unit.currency} unit)"
            raise doc.error(ConfigError, message, *where, "currency")
        exposure = table.get("exposure")
        if exposure is not None and exposure not in ("light", "heavy"):
            raise doc.error(ConfigError, f"must be light or heavy, got {exposure!r}", *where, "exposure")
        mid_of = table.get("mid_of")
        if mid_of is not None and (len(mid_of) != 2 or not all(isinstance(c, str) and c for c in mid_of)):
            raise doc.error(ConfigError, "must be two column names [MIN_COL, MAX_COL]", *where, "mid_of")
        if mid_of is not None and table.get("value_col"):
            raise doc.error(ConfigError, "give value_col or mid_of, not both", *where, "mid_of")
        source = table.get("source", "")
        if source and not source.startswith(("http://", "https://")):
            source = str(base / source)
        entries.append(
            OxideSeriesConfig(
                id=sid,
                name=str(table.get("name", sid)),
                unit=unit.name,
                currency=unit.currency,
                vat_included=table["vat_included"],
                source=source,
                exposure=exposure,
                value_col=table.get("value_col"),
                mid_of=(mid_of[0], mid_of[1]) if mid_of else None,
                date_col=table.get("date_col", "date"),
            )
        )
    return OxideSettings(
        series=tuple(entries),
        fx_max_staleness_days=int(o["fx_max_staleness_days"]),
        gap_business_days=int(o["gap_business_days"]),
        http_expire_hours=float(o["http_expire_hours"]),
    )
