"""``config.toml`` -> frozen dataclasses, validated once (every threshold of METHODS.md lives here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from screener.config.fields import Field, TableReader
from screener.config.registry import (
    FxSeriesConfig,
    OxideSeriesConfig,
    OxideSettings,
    fx_series,
    oxide_series,
)
from screener.config.screens import ColumnSet, ScreenPreset, column_sets, screen_presets
from screener.core.drift import DriftThresholds
from screener.core.estimates import METRICS
from screener.core.flags import Thresholds as SanitySettings
from screener.core.ratings import RatingRules
from screener.errors import ConfigError
from screener.inputs import DEFAULT_MAX_BYTES, DEFAULT_MAX_MB
from screener.models import HttpLimits
from screener.tomlfile import load_toml

__all__ = [
    "SCHEMA",
    "SORT_COLUMNS",
    "ColumnSet",
    "CorrelationSettings",
    "FxSeriesConfig",
    "OxideSeriesConfig",
    "OxideSettings",
    "SanitySettings",
    "ScreenPreset",
    "Settings",
    "ValuationSettings",
    "load_settings",
]

SORT_COLUMNS = (
    "etr",
    "upside",
    "dividend_yield",
    "market_cap",
    "weight",
    *(f"{metric}_fy{k}" for metric in METRICS for k in (1, 2)),
    *(f"{metric}_ntm" for metric in METRICS),
    "eps_rev_1m",
    "eps_rev_3m",
    "name",
    "ticker",
)


@dataclass(frozen=True)
class CorrelationSettings:
    """METHODS §6 defaults for `screener correlate`."""

    freq: str = "W"
    window: int = 52
    max_lag: int = 8
    min_periods: int = 26


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
    lock_timeout_seconds: float = 30.0
    """How long a writer waits for another process's lock on a stored or universe file (``[store]``)."""
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    drift_min_days: int = 7
    correlation: CorrelationSettings = field(default_factory=lambda: CorrelationSettings())
    valuation: ValuationSettings = field(default_factory=lambda: ValuationSettings())
    oxides: OxideSettings = field(default_factory=lambda: OxideSettings())
    fx_series: tuple[FxSeriesConfig, ...] = ()
    http: HttpLimits = field(default_factory=HttpLimits)
    fx_max_staleness_days: int = 10
    """An FX rate more than this many days before the as-of date (or any after it) is flagged ``fx_stale``."""
    drift_max_baseline_age_days: int = 21
    live_workers: int = 8
    """How many Yahoo requests run at once (``[live] workers``)."""
    offline_retry_minutes: float = 10.0
    """After Yahoo could not be reached, how long commands go straight to the store (``[live]``; 0: always try)."""
    universes_line: int | None = None
    """Line of ``[universes] files`` in the config file (to name it when a listed file is missing)."""
    max_input_bytes: int = DEFAULT_MAX_BYTES
    """An input file (import, universe, oxide or FX source) larger than this is refused (``[limits] max_input_mb``)."""
    screens: dict[str, ScreenPreset] = field(default_factory=dict, hash=False)
    """Saved screens (``[screens.NAME]``), by name, in the file's order (``--preset NAME``)."""
    column_sets: dict[str, ColumnSet] = field(default_factory=dict, hash=False)
    """Column sets (``[columns] NAME = [...]``), by name (``--columns @NAME``)."""


SCHEMA: dict[str, dict[str, Field]] = {
    "universes": {"files": Field("list", ["universes/producers.toml", "universes/magnets.toml"])},
    "ratings": {
        "buy": Field("number", 0.15),
        "buy_high_risk": Field("number", 0.25),
        "sell": Field("number", 0.0),
        "tolerance": Field("number", 0.0),
    },
    "fiscal": {"report_lag_days": Field("integer", 90, low=0, high=366)},
    "multiples": {"ev_include_minorities": Field("bool", True)},
    "aggregates": {"exclude_subject": Field("bool", False)},
    "sanity": {
        "max_payout": Field("number", 1.0, low=0, low_open=True),
        "pe_pb_roe_factor": Field(
            "number", 2.0, low=1, range_message="must be >= 1 (a factor between two P/E figures)"
        ),
        "extreme_pe": Field("number", 1000.0, low=0, low_open=True),
        "stale_price_trading_days": Field("integer", 5, low=0),
        "stale_target_days": Field("integer", 365, low=0),
    },
    "display": {"sort": Field("string", "etr", choices=SORT_COLUMNS)},
    "store": {
        "dir": Field("text", "cache"),
        "ttl_hours": Field("number", 12.0, low=0),
        "history_start": Field("iso_date", "2015-01-01"),
        "lock_timeout_seconds": Field("number", 30.0, low=0, high=3600),
    },
    "history": {"path": Field("text", "history.sqlite")},
    "correlation": {
        "freq": Field("string", "W", choices=("W", "M")),
        "window": Field("integer", 52, low=3, high=520),
        "max_lag": Field("integer", 8, low=0, high=104),
        "min_periods": Field("integer", 26, low=3, high=520),
    },
    "live": {
        "workers": Field("integer", 8, low=1, high=64),
        "offline_retry_minutes": Field("number", 10.0, low=0, high=1440),
    },
    "http": {
        "deadline_seconds": Field("number", 60.0, low=0, low_open=True, high=3600),
        "max_body_mb": Field("number", 50.0, low=0, low_open=True, high=10_000),
    },
    "limits": {"max_input_mb": Field("number", DEFAULT_MAX_MB, low=0, low_open=True, high=100_000)},
    "fx": {"series": Field("list", []), "max_staleness_days": Field("integer", 10, low=0, high=3660)},
    "oxides": {
        "fx_max_staleness_days": Field("integer", 10, low=0),
        "gap_business_days": Field("integer", 10, low=0),
        "http_expire_hours": Field("number", 24.0, low=0),
        "series": Field("list", []),
    },
    "valuation": {
        "since": Field("iso_date", "2018-01-01"),
        "bear_k": Field("number", 0.0),
        "base_k": Field("number", 1.0),
        "bull_k": Field("number", 2.0),
    },
    "drift": {
        "etr_move": Field("number", 0.05, low=0),
        "price_move": Field("number", 0.10, low=0),
        "stale_target_days": Field("integer", 180, low=0),
        "min_days_between": Field("integer", 7, low=0),
        "max_baseline_age_days": Field("integer", 21, low=1, high=3660),
    },
}
"""config.toml: section -> key -> field (kind, default, range, choices). Defaults are the house defaults."""
NAMED_SECTIONS = ("screens", "columns")
"""Sections whose keys are names the user chooses (:mod:`screener.config.screens`)."""


def _sections(reader: TableReader) -> dict[str, dict[str, Any]]:
    """Every section checked against :data:`SCHEMA`, with defaults; string dates parsed."""
    data = reader.doc.data
    for section, table in data.items():
        if section not in SCHEMA and section not in NAMED_SECTIONS:
            known = ", ".join([*SCHEMA, *NAMED_SECTIONS])
            raise reader.fail(f"unknown section [{section}] (known: {known})", section)
        if not isinstance(table, dict):
            raise reader.fail("must be a table", section)
    values = {section: reader.read(data.get(section, {}), spec, section) for section, spec in SCHEMA.items()}
    for section, key in (("store", "history_start"), ("valuation", "since")):
        if isinstance(values[section][key], str):  # the default, as written in SCHEMA
            values[section][key] = date.fromisoformat(values[section][key])
    return values


def load_settings(path: Path | None = None, data_home: Path | None = None, today: date | None = None) -> Settings:
    """Read and validate a config file (default: the bundled one); every problem raises ConfigError naming file,
    line and field. Paths resolve against the file's folder; a store or history the file does not set goes in
    ``data_home`` when given (user-level and bundled configs), else beside the file. ``today``: ``[valuation]
    since`` after it is refused."""
    from screener.config.locate import bundled_config

    config_path = path or bundled_config()
    doc = load_toml(config_path, ConfigError)
    reader = TableReader(doc, ConfigError)
    v = _sections(reader)
    base = config_path.resolve().parent
    stated = {section: set(doc.data.get(section, {}) or {}) for section in ("store", "history")}
    store_dir = base / v["store"]["dir"] if data_home is None or "dir" in stated["store"] else data_home / "cache"
    history_db = (
        base / v["history"]["path"]
        if data_home is None or "path" in stated["history"]
        else data_home / "history.sqlite"
    )

    files = v["universes"]["files"]
    if not files or not all(isinstance(f, str) and f for f in files):
        raise reader.fail("must be a non-empty list of file paths", "universes", "files")
    r = v["ratings"]
    try:
        rules = RatingRules(buy=r["buy"], buy_high_risk=r["buy_high_risk"], sell=r["sell"], tolerance=r["tolerance"])
    except ValueError as exc:
        raise reader.fail(str(exc), "ratings") from None
    s, c, val, d, st = v["sanity"], v["correlation"], v["valuation"], v["drift"], v["store"]
    sets = column_sets(reader, doc.data.get("columns", {}))
    screens = screen_presets(reader, doc.data.get("screens", {}), SORT_COLUMNS, sets)
    if today is not None and val["since"] > today:
        raise reader.fail(f"{val['since']} is in the future (today is {today})", "valuation", "since")
    return Settings(
        path=config_path,
        universe_files=tuple((base / f) for f in files),
        rules=rules,
        sanity=SanitySettings(
            max_payout=s["max_payout"],
            pe_pb_roe_factor=s["pe_pb_roe_factor"],
            extreme_pe=s["extreme_pe"],
            stale_price_trading_days=s["stale_price_trading_days"],
            stale_target_days=s["stale_target_days"],
        ),
        report_lag_days=v["fiscal"]["report_lag_days"],
        ev_include_minorities=v["multiples"]["ev_include_minorities"],
        exclude_subject=v["aggregates"]["exclude_subject"],
        default_sort=v["display"]["sort"],
        cache_dir=store_dir,
        history_db=history_db,
        ttl_hours=st["ttl_hours"],
        history_start=st["history_start"],
        lock_timeout_seconds=st["lock_timeout_seconds"],
        drift=DriftThresholds(d["etr_move"], d["price_move"], d["stale_target_days"]),
        drift_min_days=d["min_days_between"],
        correlation=CorrelationSettings(c["freq"], c["window"], c["max_lag"], c["min_periods"]),
        valuation=ValuationSettings(val["since"], val["bear_k"], val["base_k"], val["bull_k"]),
        oxides=OxideSettings(
            series=oxide_series(reader, v["oxides"]["series"], base),
            fx_max_staleness_days=v["oxides"]["fx_max_staleness_days"],
            gap_business_days=v["oxides"]["gap_business_days"],
            http_expire_hours=v["oxides"]["http_expire_hours"],
        ),
        fx_series=fx_series(reader, v["fx"]["series"], base),
        http=HttpLimits(v["http"]["deadline_seconds"], int(v["http"]["max_body_mb"] * 1_000_000)),
        universes_line=reader.doc.line_of("universes", "files"),
        fx_max_staleness_days=v["fx"]["max_staleness_days"],
        drift_max_baseline_age_days=d["max_baseline_age_days"],
        live_workers=v["live"]["workers"],
        offline_retry_minutes=v["live"]["offline_retry_minutes"],
        max_input_bytes=int(v["limits"]["max_input_mb"] * 1_000_000),
        screens=screens,
        column_sets=sets,
    )
