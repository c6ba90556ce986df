"""The results of ``screener portfolio`` that renderers read (plain types: no use case, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from screener.app.screen_results import CompanyRow
from screener.core.aggregates import Weighted
from screener.core.values import NA, NM, Value

SUMMARY_ROWS = ("portfolio", "benchmark", "active")


@dataclass
class PortfolioLine:
    """A name of the book or of the benchmark with its comp row (the screen's, never re-derived): weights as
    fractions (``benchmark_weight`` and ``active_weight`` NA without a benchmark), ``held`` False for a benchmark
    name the book does not hold (weight 0)."""

    row: CompanyRow
    weight: Value
    benchmark_weight: Value
    active_weight: Value
    held: bool

    @property
    def ticker(self) -> str:
        return self.row.ticker

    @property
    def group(self) -> str:
        return self.row.company.group

    @property
    def exposure(self) -> str:
        return self.row.company.oxide_exposure or "unclassified"

    @property
    def house_rating(self) -> str:
        return self.row.view.rating.value if self.row.view else "NR"

    @property
    def rule_rating(self) -> str:
        return self.row.rule_rating.value if self.row.rule_rating else "NA"

    def value(self, column: str) -> Value:
        """A statistic column of the row; a dividend yield failing the payout check is NM (as in the aggregates)."""
        if column == "dy_fy1" and self.row.yield_suspect(column):
            return NM
        return self.row.metric(column)


@dataclass(frozen=True)
class NotIncluded:
    """A holding (``side`` portfolio) or benchmark name left out, with the file line (None for a universe), the
    code as written, its weight in the file (a fraction; NA when it has none) and why."""

    side: str
    line: int | None
    code: str
    ticker: str
    weight: Value
    reason: str


@dataclass(frozen=True)
class WeightRow:
    """Weights of one peer group or oxide exposure: portfolio, benchmark (NA without one) and active."""

    key: str
    weight: float
    benchmark_weight: Value = NA
    active_weight: Value = NA


@dataclass(frozen=True)
class OxideBeta:
    """The book's (and the benchmark's) beta to one stored oxide series: ``Σ w_i β_i / Σ w_i`` over the names with
    a beta (the correlation engine's, METHODS §6), the weight covered, and active = portfolio − benchmark."""

    series: str
    portfolio: Value
    covered: float
    benchmark: Value = NA
    benchmark_covered: float = 0.0
    active: Value = NA

    @property
    def text(self) -> str:
        """``beta=1.23;benchmark_beta=0.98;active_beta=0.25`` (raw numbers, NA/NM literal): the CSV's flags."""

        def raw(value: Value) -> str:
            return format(float(value), ".10g") if isinstance(value, float | int) else str(value)

        return f"beta={raw(self.portfolio)};benchmark_beta={raw(self.benchmark)};active_beta={raw(self.active)}"


@dataclass
class PortfolioReport:
    """Everything the portfolio renderers need, with provenance."""

    as_of: date
    file: str
    basis: str
    """How the book's weights were read: fraction, percent, relative or shares (core/portfolio.weight_basis)."""
    benchmark: str | None
    """The benchmark as named (a universe or a file); None without one."""
    lines: list[PortfolioLine]
    summary: dict[str, dict[str, Value]]
    """``portfolio``, ``benchmark``, ``active`` -> statistic column -> value (rows absent without a benchmark)."""
    coverage: dict[str, dict[str, Weighted]]
    """``portfolio`` / ``benchmark`` -> column -> the weighted statistic with its covered weight."""
    groups: list[WeightRow]
    exposures: list[WeightRow]
    not_included: list[NotIncluded]
    included: dict[str, float] = field(default_factory=dict)
    """``portfolio`` / ``benchmark`` -> the weight of the names included (Σ w; the rest is listed as not
    included)."""
    betas: list[OxideBeta] = field(default_factory=list)
    """The betas to each stored oxide series (none stored: empty)."""
    banners: list[str] = field(default_factory=list)
    stale_fx: frozenset[str] = frozenset()

    @property
    def held(self) -> list[PortfolioLine]:
        return [ln for ln in self.lines if ln.held]

    @property
    def sells(self) -> list[PortfolioLine]:
        """Holdings the house rules rate Sell."""
        return [ln for ln in self.held if ln.rule_rating == "Sell"]

    @property
    def buys_not_held(self) -> list[PortfolioLine]:
        """Benchmark names not held that the house rules rate Buy."""
        return [ln for ln in self.lines if not ln.held and ln.rule_rating == "Buy"]
