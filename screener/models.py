"""Plain types shared by all layers: numbers that may be missing (NA/NM), ratings, companies, universes, quotes,
FX rates. Imports nothing from the rest of the package: core/, app/, data/ and render/ all build on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum


class Missing(Enum):
    """Why a number is absent: NA (not available: no estimate or no data) or NM (not meaningful: the formula's
    denominator is zero or negative, so the ratio would mislead). See :mod:`screener.core.values`."""

    NA = "NA"
    NM = "NM"

    def __str__(self) -> str:
        return self.value


NA = Missing.NA
NM = Missing.NM

Value = float | Missing
"""A metric: a finite float, or NA / NM."""


class Rating(Enum):
    """A rating; the order Sell < Neutral < Buy is the order of expected return."""

    SELL = "Sell"
    NEUTRAL = "Neutral"
    BUY = "Buy"

    @property
    def rank(self) -> int:
        return {"Sell": 0, "Neutral": 1, "Buy": 2}[self.value]

    @classmethod
    def parse(cls, text: str) -> Rating:
        for rating in cls:
            if rating.value.lower() == text.strip().lower():
                return rating
        raise ValueError(f"rating must be Buy, Neutral or Sell, got {text!r}")


@dataclass(frozen=True)
class HouseView:
    """A published rating and 12-month target price (trading currency), in force from ``set_on`` until the next
    view of the same company."""

    rating: Rating
    target_price: float
    set_on: date
    note: str = ""


@dataclass(frozen=True)
class ModelYear:
    """One fiscal year of a house model: totals in millions of the model currency, DPS per share. ``revenue``,
    ``fcf``, ``gross_profit``, ``operating_cash_flow`` and ``capex`` (as reported: negative = spent) feed the peer
    financial metrics (METHODS §11); NA where the model does not give them."""

    net_income: Value
    total_equity: Value
    minority_interests: Value
    shares: Value
    ebit: Value
    d_and_a: Value
    cash: Value
    borrowings: Value
    dps: Value
    revenue: Value = NA
    fcf: Value = NA
    gross_profit: Value = NA
    operating_cash_flow: Value = NA
    capex: Value = NA


@dataclass(frozen=True)
class HouseModel:
    """The team's own model for a covered name (METHODS §2 formulas are applied to it). ``as_of``: the date the
    model was made (None: unknown, taken as the first house view's date); before it the model is not used."""

    source: str
    currency: str
    years: dict[int, ModelYear]
    as_of: date | None = None


@dataclass(frozen=True)
class ConsensusYear:
    """Consensus multiples for one fiscal year, quoted at the consensus reference price."""

    pe: Value
    pb: Value
    ev_ebitda: Value
    roe: Value
    dy: Value


@dataclass(frozen=True)
class Consensus:
    """Market consensus multiples quoted at ``reference_price`` (trading currency) on ``reference_date``."""

    source: str
    reference_price: float
    reference_date: date
    years: dict[int, ConsensusYear]


@dataclass(frozen=True)
class BookValue:
    """A book value per share as published (``[[company.book_values]]``): report date, value, balance-sheet
    date, and its currency (None: the stock's trading currency)."""

    published: date
    bvps: float
    period_end: date | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Company:
    """One line of a universe file."""

    ticker: str
    name: str
    group: str
    currency: str
    reporting_currency: str
    fiscal_year_end_month: int
    high_risk: bool = False
    aliases: tuple[str, ...] = ()
    issuer: str | None = None
    counts_in_aggregates: bool = True
    oxide_exposure: str | None = None
    views: tuple[HouseView, ...] = ()
    """The house views, oldest first (``[[company.house]]``); before the first one the company is not rated."""
    model: HouseModel | None = None
    consensus: Consensus | None = None
    book_values: tuple[BookValue, ...] = ()
    """Published BVPS history for the P/B band (METHODS §5), point in time by ``published``."""
    target_from_band: float | None = None
    """``k`` when the comp table's target price comes from the P/B band (``m + k·s`` × forward BVPS)."""
    weight: float | None = None
    """Percent of an ETF's net assets (``universe import-holdings``); informational."""
    source_file: str = ""
    line: int | None = None

    def view_at(self, day: date) -> HouseView | None:
        """The house view in force on ``day``: the latest one set on or before it (None: not rated then)."""
        current = None
        for view in self.views:
            if view.set_on <= day:
                current = view
        return current

    @property
    def latest_view(self) -> HouseView | None:
        """The most recent house view, whatever the date."""
        return self.views[-1] if self.views else None

    def model_known_on(self, day: date) -> bool:
        """Whether the house model existed on ``day`` (its ``as_of``, else the first view's date)."""
        if self.model is None:
            return False
        made = self.model.as_of or (self.views[0].set_on if self.views else None)
        return made is None or made <= day


@dataclass(frozen=True)
class Universe:
    """A named list of companies read from one file."""

    name: str
    description: str
    path: str
    companies: tuple[Company, ...]


@dataclass(frozen=True)
class Quote:
    """A price observation for one ticker, with where it came from and how old it is."""

    ticker: str
    price: float
    currency: str
    price_date: date
    source: str
    market_cap: float | None = None
    """Market capitalisation in the trading currency, if the source has it."""
    fetched_at: datetime | None = None
    market_cap_estimated: bool = False
    """True when the market cap is this price × the share count implied by the bundled snapshot."""
    ytd_change: float | None = None
    """A year-to-date change published with the price (the bundled snapshot's comp sheet)."""


@dataclass(frozen=True)
class FxRate:
    """Units of ``currency`` per 1 USD on ``rate_date``, with its source."""

    currency: str
    per_usd: float
    rate_date: date
    source: str


@dataclass(frozen=True)
class EstimateYear:
    """One fiscal year of a dated consensus set (per-share figures in the set's currency; EBITDA and net debt in
    millions of it); None where the source gives nothing."""

    eps: float | None = None
    dps: float | None = None
    bvps: float | None = None
    ebitda: float | None = None
    net_debt: float | None = None
    eps_min: float | None = None
    eps_max: float | None = None
    n_analysts: int | None = None


@dataclass(frozen=True)
class ConsensusEstimate:
    """Market consensus from a data source: FY1/FY2 EPS (in ``eps_currency``) and the mean target price (trading
    currency), with the number of analysts and when it was fetched.

    Sources that label fiscal years (AKShare's THS forecasts, ``estimates import``) fill ``years`` by fiscal year
    instead of ``eps_fy1``/``eps_fy2`` (which are relative to the fetch date, as Yahoo gives them); ``as_of`` is
    the date the estimate is known from (else the fetch date counts)."""

    eps_fy1: float | None
    eps_fy2: float | None
    eps_currency: str | None
    target_mean: float | None
    analysts: int | None
    source: str
    fetched_at: datetime | None = None
    years: dict[int, EstimateYear] = field(default_factory=dict)
    as_of: date | None = None

    @property
    def known_on(self) -> date | None:
        """The date this estimate counts from: its own date, else the fetch date (None: unknown)."""
        if self.as_of is not None:
            return self.as_of
        return self.fetched_at.date() if self.fetched_at is not None else None


@dataclass(frozen=True)
class Scope:
    """Where market data comes from and the date it must be known by (``--source``, ``--as-of``)."""

    source: str = "auto"
    as_of: date | None = None


@dataclass(frozen=True)
class HttpLimits:
    """Per-request limits of plain-HTTP sources (``[http]``): total seconds from sending the request to the last
    body byte, and body bytes after decompression."""

    deadline_seconds: float = 60.0
    max_bytes: int = 50_000_000
