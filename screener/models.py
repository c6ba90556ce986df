"""Plain types shared by all layers: numbers that may be missing (NA/NM), ratings, companies, universes, quotes,
FX rates, and the cell model every output surface renders (:class:`Cell`). Imports nothing from the rest of the
package: core/, app/, data/ and render/ all build on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Literal


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
    financial metrics (METHODS §11); ``profit_before_tax``, ``income_tax`` and ``minority_profit`` (positive
    amounts) ``sensitivity --after-tax`` (METHODS §13); NA where the model does not give them."""

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
    profit_before_tax: Value = NA
    income_tax: Value = NA
    minority_profit: Value = NA


@dataclass(frozen=True)
class SegmentYear:
    """A year of a model segment: tonnes sold; ASP, unit cost, unit gross profit per tonne (margin = GP ÷ ASP)."""

    volume_t: float
    asp: float
    unit_cost: float
    unit_gross_profit: float


@dataclass(frozen=True)
class Segment:
    """A segment (``oxide``, ``salt``, ``metal``) by fiscal year; ``label`` as the model names it."""

    label: str
    years: dict[int, SegmentYear]


@dataclass(frozen=True)
class HouseModel:
    """The team's own model for a covered name (METHODS §2 formulas are applied to it). ``as_of``: the date the
    model was made (None: unknown, taken as the first house view's date); before it the model is not used."""

    source: str
    currency: str
    years: dict[int, ModelYear]
    as_of: date | None = None
    segments: Mapping[str, Segment] = field(default_factory=dict)


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
    declared_tags: tuple[str, ...] = ()
    """The entry's ``tags = [...]`` (lowercase letters, digits, hyphens); :attr:`tags` adds the oxide exposure."""
    source_file: str = ""
    line: int | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """The company's tags: the declared ones in file order, then its ``oxide_exposure`` (``light``/``heavy``),
        derived here once so that it is never typed twice (the universe reader refuses ``light``/``heavy`` in
        ``tags``)."""
        exposure = (self.oxide_exposure,) if self.oxide_exposure else ()
        return (*self.declared_tags, *(t for t in exposure if t not in self.declared_tags))

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

    @property
    def model_date(self) -> date | None:
        """The day the house model counts from: its ``as_of``, else the first view's date (None: undated)."""
        if self.model is None:
            return None
        return self.model.as_of or (self.views[0].set_on if self.views else None)

    def model_known_on(self, day: date) -> bool:
        """Whether the house model existed on ``day`` (:attr:`model_date` on or before it; undated: yes)."""
        made = self.model_date
        return self.model is not None and (made is None or made <= day)


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


class Mark(StrEnum):
    """What a displayed cell is marked with, decided once when the cells are built (never by a surface)."""

    IMPLAUSIBLE = "implausible"
    """A dividend yield failing the payout check (flag ``dy_implausible``): shown, kept out of ETR and aggregates."""
    OUT_OF_BAND = "out_of_band"
    """A house rating outside the ETR band of its rule rating."""
    STALE = "stale"
    """A price older than the staleness limit (``stale_price``), a house target set too long ago (``stale_target``)."""
    OVERRIDDEN = "overridden"
    """A number that replaces the house's own: a P/B-band or consensus target price."""
    ESTIMATE = "estimate"
    """An estimated number: a market cap from the snapshot's implied share count."""


CellState = Literal["number", "NA", "NM"]
"""``number``: the cell has its value (a number, or text for a text kind); ``NA`` not available; ``NM`` not
meaningful."""
CellKind = Literal["fraction", "multiple", "amount", "price", "number", "count", "date", "text", "rating", "boolean"]
"""How a value is read: ``fraction`` (0.355 = 35.5%), ``multiple`` (12.3x), ``amount`` (a plain quantity, thousands
separated), ``price``, ``number`` (a plain statistic: a z-score, a correlation), ``count``, ``date`` (ISO text),
``text``, ``rating`` (Buy / Neutral / Sell / NR), ``boolean``."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One displayed cell: its raw value, state, kind and marks, and how it is shown.

    ``value``: a float for the numeric kinds, text for ``text``/``rating``/``date``, a bool for ``boolean``; None is
    an empty cell (nothing to show: a statistic not computed for a column) or a missing one (state NA/NM).
    ``decimals``: digits after the point as displayed (of the percentage for a fraction); ``signed``: shown with
    its sign (``+0.52``). ``note``: what the marks mean (an HTML ``title``, a workbook comment). ``basis``: the
    figure behind the value, e.g. ``("EPS", -0.52)`` behind an NM P/E, ``("excluded", 4)`` behind an n.
    """

    value: float | str | bool | None = None
    kind: CellKind = "text"
    state: CellState = "number"
    marks: frozenset[Mark] = frozenset()
    decimals: int = 0
    signed: bool = False
    note: str = ""
    basis: tuple[str, float] | None = None

    @property
    def missing(self) -> bool:
        """NA or NM."""
        return self.state != "number"

    @property
    def empty(self) -> bool:
        """Nothing to show (not NA: the cell does not apply)."""
        return self.state == "number" and self.value is None

    @property
    def number(self) -> float | None:
        """The value as a float (numeric kinds with a value), else None."""
        if self.state != "number" or isinstance(self.value, str | bool) or self.value is None:
            return None
        return float(self.value)


EMPTY = Cell()
"""The cell of a column a row has nothing in."""


@dataclass(frozen=True)
class CellRow:
    """A row of cells by column key. ``kind``: ``company``, ``mean``, ``median``, ``harmonic_mean``, ``n`` (the
    comp table), ``finding`` (drift), ``pair`` (correlation)."""

    kind: str
    cells: Mapping[str, Cell]
    group: str = ""

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, EMPTY)


@dataclass(frozen=True)
class CellBlock:
    """A peer group of the comp table as shown: its band label, then its company rows, statistic rows and n row.
    The statistics are always the whole group's; ``shown`` of ``members`` companies are listed."""

    group: str
    label: str
    rows: tuple[CellRow, ...]
    members: int
    shown: int
    not_counted: int = 0
