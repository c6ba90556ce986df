"""The results of the comp table that renderers read: a company's row, its price changes, a peer group's block
with its aggregate rows, and the screen report (plain types: no use case, no I/O). The column names a row answers
to (:meth:`CompanyRow.metric`) are here too."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from screener.config import SORT_COLUMNS
from screener.core import aggregates as agg
from screener.core.comprow import CompRow
from screener.core.ntm import NTM_COLUMNS
from screener.core.ratings import RatingRules
from screener.core.revisions import REVISION_COLUMNS
from screener.core.values import NA, Value
from screener.models import FxRate

MULTIPLE_COLUMNS = tuple(c for c in SORT_COLUMNS if c[-4:] in ("_fy1", "_fy2"))
AGGREGATE_COLUMNS = ("upside", "dividend_yield", "etr", *MULTIPLE_COLUMNS, *NTM_COLUMNS)
# The harmonic mean is the central estimate for price multiples only (METHODS §3).
HARMONIC_COLUMNS = tuple(c for c in (*MULTIPLE_COLUMNS, *NTM_COLUMNS) if c.startswith(("pe_", "pb_", "ev_ebitda_")))
YIELD_COLUMNS = ("dividend_yield", "dy_fy1", "dy_fy2", "dy_ntm")
ALL_GROUP = "All"
CHANGE_COLUMNS = {"ytd_change": "ytd", "chg_1m": "m1", "chg_3m": "m3", "chg_12m": "m12"}
PERCENTILE_COLUMNS = ("pb_pctile", "pe_pctile", "pb_z")
"""Where today's P/B and P/E sit in the stock's own daily history (METHODS §5.1; screener.app.valuation_bands)."""
STATEMENT_COLUMNS = ("rev_growth_fy1", "eps_growth_fy1", "peg_fy1", "net_debt_to_ebitda_fy1")
"""FY1 growth and leverage from the merged statements (METHODS §11; screener.app.financials.comp_columns)."""
# Natural sort direction: True = highest first.
DESCENDING = {
    "etr", "upside", "dividend_yield", "market_cap", "weight", "roe_fy1", "roe_fy2", "dy_fy1", "dy_fy2", "roe_ntm",
    "dy_ntm", "eps_rev_1m", "eps_rev_3m",
}  # fmt: skip


@dataclass(frozen=True)
class PriceChanges:
    """Price changes to the row's price date: year to date (against the last close of the previous calendar
    year) and over 1, 3 and 12 months, on adjusted closes; NA without a history (``source`` says where from)."""

    ytd: Value = NA
    m1: Value = NA
    m3: Value = NA
    m12: Value = NA
    source: str = "none"


@dataclass
class CompanyRow(CompRow):
    """One company's line of the comp table: the numbers :func:`screener.core.comprow.comp_row` computed, with what
    the use case gathered besides (price changes, history positions, statement columns); every number is a float,
    NA or NM."""

    changes: PriceChanges = field(default_factory=PriceChanges)
    positions: dict[str, Value] = field(default_factory=dict)
    """``pb_pctile``, ``pe_pctile``, ``pb_z`` (absent: NA, no history)."""
    statements: dict[str, Value] = field(default_factory=dict)
    """``rev_growth_fy1``, ``eps_growth_fy1``, ``peg_fy1``, ``net_debt_to_ebitda_fy1`` (absent: NA, no figures)."""
    revisions: dict[str, Value] = field(default_factory=dict)
    """``eps_rev_1m``, ``eps_rev_3m`` (:func:`screener.core.revisions.eps_revisions`; absent: NA)."""

    @classmethod
    def of(cls, row: CompRow, changes: PriceChanges | None = None) -> CompanyRow:
        """The comp table's row for a computed row (no changes: NA)."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(CompRow)}, changes=changes or PriceChanges())

    @property
    def tags(self) -> tuple[str, ...]:
        """The company's tags (declared, then its oxide exposure: :attr:`screener.models.Company.tags`)."""
        return self.company.tags

    def raw_input(self, column: str) -> float | None:
        """The denominator behind a multiple column (e.g. the negative EPS behind an NM P/E), if known."""
        if column in NTM_COLUMNS:
            return self.ntm.raw.get(column.removesuffix("_ntm"))
        if column not in MULTIPLE_COLUMNS:
            return None
        metric, _, k = column.rpartition("_fy")
        return self.years[self.fy1 + int(k) - 1].raw.get(metric)

    def metric(self, column: str) -> Value:
        """A column by name: ``etr``, ``pe_fy1``, ``weight`` (``weight`` % / 100) ..."""
        if column in MULTIPLE_COLUMNS:
            metric, _, k = column.rpartition("_fy")
            return self.years[self.fy1 + int(k) - 1].get(metric)
        if column in NTM_COLUMNS:
            return self.ntm.get(column.removesuffix("_ntm"))
        if column == "market_cap":
            return self.market_cap_usd_m
        if column in CHANGE_COLUMNS:
            change: Value = getattr(self.changes, CHANGE_COLUMNS[column])
            return change
        if column in PERCENTILE_COLUMNS:
            return self.positions.get(column, NA)
        if column in STATEMENT_COLUMNS:
            return self.statements.get(column, NA)
        if column in REVISION_COLUMNS:
            return self.revisions.get(column, NA)
        if column == "weight":  # the universe's percent of the ETF's net assets, as a fraction; NA without one
            return NA if self.company.weight is None else self.company.weight / 100
        value: Value = getattr(self, column)
        return value


@dataclass
class AggregateRow:
    """Mean, median or harmonic mean of every aggregate column over a group's counting members."""

    group: str
    statistic: str
    values: dict[str, agg.Aggregate]


@dataclass
class GroupBlock:
    """A peer group: its company rows (sorted; only the named tickers, cut to the top N, when asked) and the
    aggregate rows of the whole group (``total`` members, whichever rows are shown)."""

    name: str
    rows: list[CompanyRow]
    aggregates: list[AggregateRow]
    total: int
    not_counted: int = 0
    """Members left out of the aggregates (second listing of an issuer, or excluded subject)."""
    top: bool = False
    """The rows were cut by ``--top`` (the band says ``top 3 of 7``)."""


@dataclass(frozen=True)
class WhereOutcome:
    """What ``--where`` did (:mod:`screener.app.where`): the expression, the companies kept, those left out, and of
    them those left out because a compared value is NA or NM."""

    expression: str
    kept: int
    left_out: int
    left_out_na: int

    @property
    def summary(self) -> str:
        """The one line every surface shows: ``--where pe_fy1 < 30: 5 of 9 companies kept; 2 left out for NA in
        --where``."""
        total = self.kept + self.left_out
        kept = f"{self.kept} of {total} companies kept"
        return f"--where {self.expression}: {kept}; {self.left_out_na} left out for NA in --where"


@dataclass
class ScreenReport:
    """Everything the renderers need, with provenance."""

    as_of: date
    groups: list[GroupBlock]
    fx: dict[str, FxRate]
    banners: list[str]
    sources_used: list[str]
    sort: str
    missing: list[str]
    rules: RatingRules = field(default_factory=RatingRules)
    problems: list[str] = field(default_factory=list)
    stale_fx: frozenset[str] = frozenset()
    """Currencies whose rate is stale at the as-of date (:func:`screener.core.fx.is_stale`, the ``fx_stale`` rule):
    decided once, shown by every surface that lists the rates."""
    where: WhereOutcome | None = None
    """What ``--where`` kept and left out (None: no criteria)."""

    @property
    def price_dates(self) -> tuple[date, date] | None:
        """The oldest and the newest price date of the rows (None without any price)."""
        dates = [r.quote.price_date for b in self.groups for r in b.rows if r.quote is not None]
        return (min(dates), max(dates)) if dates else None

    @property
    def has_weights(self) -> bool:
        """Whether any company row carries an ETF weight (the workbook and the HTML report show the column then)."""
        return any(r.company.weight is not None for b in self.groups for r in b.rows)

    def as_of_text(self) -> str:
        """``as of D`` and, when they differ from it, the price dates: ``as of 2026-11-27 (prices of 2025-10-10)``."""
        span = self.price_dates
        text = f"as of {self.as_of.isoformat()}"
        if span is None or span == (self.as_of, self.as_of):
            return text
        first, last = span
        prices = f"prices of {first.isoformat()}" if first == last else f"prices {first.isoformat()} to {last}"
        return f"{text} ({prices})"

    """One-line summaries for stderr: names with problems, names without data."""
