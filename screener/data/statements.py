"""The statements store kind (#15): per ticker and provider, one row per fiscal year (reported or estimated) of
the figures the peer financial metrics need, each value with its provider.

Layout: ``statements/<TICKER>=<provider>.parquet``, indexed by the fiscal year's **end date** (a fiscal year is
labelled by the calendar year it ends in, as everywhere else); columns: ``fiscal_year``, ``is_estimate`` (0/1)
and any of ``FIELDS`` (totals in millions of the reporting currency, ``shares`` in millions; the currency in the
file's metadata). Providers (``PROVIDERS``, highest priority first): ``terminal`` (``screener financials import``
of a Wind/Bloomberg export) and ``yahoo`` (annual statements, the last 4 years). The house model of a covered
name lives in its universe file and ranks above both (the app layer merges it). No clock, no network here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from screener.data.store import Store, StoredSeries

STATEMENTS_KIND = "statements"
PROVIDERS = ("terminal", "yahoo")
FIELDS = (
    "revenue",
    "gross_profit",
    "ebit",
    "d_and_a",
    "net_income",
    "operating_cash_flow",
    "capex",
    "fcf",
    "cash",
    "borrowings",
    "net_debt",
    "total_equity",
    "minority_interests",
    "shares",
)
"""Totals in millions of the reporting currency (``shares``: millions). ``capex`` as reported (negative = spent);
``net_debt`` when a source gives it directly, else borrowings − cash is used by the metrics."""


def key(ticker: str, provider: str) -> str:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown statements provider {provider!r} (one of {', '.join(PROVIDERS)})")
    return f"{ticker}={provider}"


@dataclass
class FiscalYear:
    """One fiscal year of one company: figures by field, the provider of each, and whether it is an estimate."""

    fiscal_year: int
    period_end: date
    is_estimate: bool = False
    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    currency: str | None = None
    known_on: date | None = None
    """When the figures were known (a terminal import's ``--known-on``, else the day it was stored): an estimate
    is used only from that day on (point in time; a reported year counts from period end + report lag)."""


def write_statements(
    store: Store,
    ticker: str,
    provider: str,
    years: list[FiscalYear],
    label: str,
    currency: str | None,
    known_on: date | None = None,
) -> StoredSeries:
    """Store ``provider``'s fiscal years of ``ticker`` (replacing what that provider had stored); ``label`` says
    where they came from (a file name, "Yahoo annual statements"); ``known_on``: the date the figures (estimates
    above all) were known, default the day they are stored (a year's own ``known_on`` wins). Unknown fields are
    refused."""
    import pandas as pd

    for year in years:
        extra = set(year.values) - set(FIELDS)
        if extra:
            raise ValueError(f"unknown statement fields {sorted(extra)} (one of {', '.join(FIELDS)})")
    index = pd.DatetimeIndex([pd.Timestamp(y.period_end) for y in years], name="date")
    columns: dict[str, list[float]] = {
        "fiscal_year": [float(y.fiscal_year) for y in years],
        "is_estimate": [1.0 if y.is_estimate else 0.0 for y in years],
    }
    if any(y.known_on for y in years):  # a merged import keeps each year's own date
        columns["known_on"] = [float(y.known_on.toordinal()) if y.known_on else float("nan") for y in years]
    for name in FIELDS:
        if any(name in y.values for y in years):
            columns[name] = [float(y.values.get(name, float("nan"))) for y in years]
    frame = pd.DataFrame(columns, index=index)
    meta = {"provider": provider, "label": label, "currency": currency or ""}
    if known_on is not None:
        meta["known_on"] = known_on.isoformat()
    return store.write_series(STATEMENTS_KIND, key(ticker, provider), frame, meta)


def read_statements(store: Store, ticker: str) -> dict[int, FiscalYear]:
    """``ticker``'s stored fiscal years from every provider, merged field by field in ``PROVIDERS`` order (the
    first provider with a value for a year and field supplies it, named in ``sources``); empty when nothing is
    stored. StoreCorrupt when a file cannot be read."""
    out: dict[int, FiscalYear] = {}
    for provider in PROVIDERS:
        stored = provider_years(store, ticker, provider)
        if stored is None:
            continue
        for one in stored[0]:
            entry = out.setdefault(
                one.fiscal_year,
                FiscalYear(one.fiscal_year, one.period_end, one.is_estimate, currency=one.currency,
                           known_on=one.known_on),
            )  # fmt: skip
            for name, value in one.values.items():
                if name not in entry.values:
                    entry.values[name] = value
                    entry.sources[name] = f"{provider} ({stored[1].get('label', '')})"
    return dict(sorted(out.items()))


def provider_years(store: Store, ticker: str, provider: str) -> tuple[list[FiscalYear], dict[str, str]] | None:
    """One provider's stored fiscal years of ``ticker`` (each with its currency and ``known_on``) and the file's
    metadata; None when nothing is stored. StoreCorrupt when the file cannot be read."""
    import math

    stored = store.read_series(STATEMENTS_KIND, key(ticker, provider))
    if stored is None or stored.frame.empty:
        return None
    currency = stored.meta.get("currency") or None
    known = stored.meta.get("known_on")
    file_known_on = date.fromisoformat(known) if known else stored.fetched_at.date()
    years = []
    for day, row in stored.frame.iterrows():
        own = row.get("known_on", math.nan)
        values = {n: float(row[n]) for n in FIELDS if n in row.index and not math.isnan(row[n])}
        years.append(
            FiscalYear(int(row["fiscal_year"]), day.date(), bool(row["is_estimate"]), values, currency=currency,
                       known_on=file_known_on if math.isnan(own) else date.fromordinal(int(own)))
        )  # fmt: skip
    return years, stored.meta


def frame_of(years: dict[int, FiscalYear]) -> pd.DataFrame:
    """The fiscal years as a frame (index fiscal_year; FIELDS columns; NaN where unknown) for display or tests."""
    import pandas as pd

    rows = {y: {name: fy.values.get(name, float("nan")) for name in FIELDS} for y, fy in years.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(FIELDS))
