"""What the use cases return and the renderers read (so :mod:`screener.render` imports no use-case module): the
correlation table, a drift check, the report bundle and the inputs of its charts, a financials table, the oxide
listing and a company's house views. Plain dataclasses; the use cases that build them re-export them under their
old names (``screener.app.correlate.CorrelationReport`` ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from screener.core.financials import YearMetrics
from screener.core.values import Value
from screener.models import Company, HouseView

if TYPE_CHECKING:
    import pandas as pd

    from screener.app.portfolio_results import PortfolioReport
    from screener.app.screen_results import ScreenReport, WhereOutcome
    from screener.core.drift import Finding
    from screener.core.sensitivity import Grid
    from screener.core.valuation import BandStats, Scenario

CORRELATION_CSV_COLUMNS = (
    "ticker", "name", "series", "freq", "n", "start", "end", "corr", "beta", "beta_t_hac", "r2",
    "rolling_corr_last", "rolling_corr_min", "rolling_corr_max", "best_lag", "best_lag_corr", "level_corr",
)  # fmt: skip
"""The columns of ``correlate --format csv``, in order."""


@dataclass
class CorrelationReport:
    """Ranked rows (columns CORRELATION_CSV_COLUMNS + status), the parameters used, and notes for stderr."""

    rows: pd.DataFrame
    freq: str
    window: int
    max_lag: int
    start: date | None
    end: date | None
    units: dict[str, str] = field(default_factory=dict)  # series id -> unit correlated (e.g. USD/kg ex VAT)
    notes: list[str] = field(default_factory=list)

    @property
    def with_data(self) -> int:
        return int((self.rows["status"] == "").sum())


@dataclass
class DriftResult:
    """The findings of one drift check and what they were computed from."""

    as_of: date
    baseline: date | None
    findings: list[Finding]
    report: ScreenReport
    recorded: bool
    history_path: Path
    warnings: list[str] = field(default_factory=list)
    """About the comparison itself: a baseline much older than a week, or one covering other names."""
    where: WhereOutcome | None = None
    """``--where``: the findings are those of the companies the criteria keep (the run is recorded whole)."""

    @property
    def needs_review(self) -> int:
        return sum(1 for item in self.findings if item.needs_review)


@dataclass
class PbBandChart:
    """Daily P/B (or P/E) and its band statistics, with titles and provenance."""

    pb: pd.Series
    band: BandStats
    title: str
    since: date
    source: str
    as_of: date
    multiple: str = "pb"
    from_book_values: bool = True
    """True: price ÷ the BVPS published by each day; False: a stored daily multiple series (terminal, baostock)."""


PEERS_BASES = ("fy1", "fy2", "ntm")
"""The multiples ``chart peers --basis`` plots (the comp table's ``pb_<basis>`` and ``roe_<basis>`` columns)."""


@dataclass
class PeersChart:
    """P/B against ROE per company (names shortened) on one basis (FY1, FY2 or NTM: ``basis``), and who was left
    out (NA/NM)."""

    points: list[tuple[str, float, float]]
    left_out: list[str]
    title: str
    source: str
    as_of: date
    banners: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    """Each point's peer group (parallel to ``points``)."""
    tickers: list[str] = field(default_factory=list)
    """Each point's ticker (parallel to ``points``)."""
    second_lines: list[str] = field(default_factory=list)
    """Listings not plotted: another line of an issuer already plotted (``counts_in_aggregates = false``)."""
    basis: str = "fy1"
    """``fy1``, ``fy2`` or ``ntm``: the comp-table columns plotted (``pb_<basis>``, ``roe_<basis>``)."""

    @property
    def basis_label(self) -> str:
        """``FY1``, ``FY2`` or ``NTM``, as axis titles and table headers name the basis."""
        return self.basis.upper()


PERCENT_METRICS = frozenset({"revenue_growth", "gross_margin", "net_margin"})
"""Fractions (shown as %); the other chart metrics are amounts in millions of a currency."""


@dataclass
class CompanyBars:
    """One company's bars: the metric per fiscal year (NA/NM: no bar, a marker), the estimated years."""

    ticker: str
    label: str
    values: dict[int, Value]
    estimates: set[int]
    sources: list[str]


@dataclass
class FinancialsChart:
    """Grouped bars per company by fiscal year; ``unit`` is ``%`` or ``CNY m`` / ``US$ m``."""

    metric: str
    title: str
    unit: str
    years: list[int]
    companies: list[CompanyBars]
    left_out: list[str]
    source: str
    as_of: date
    notes: list[str] = field(default_factory=list)

    @property
    def percent(self) -> bool:
        return self.metric in PERCENT_METRICS


@dataclass(frozen=True)
class SkippedChart:
    """A chart the report could not draw: which one (``chart``: "P/B band of Lynas Rare Earths") and what data is
    missing, in a portfolio manager's words (``missing``: "no book-value or P/B history stored"), decided once
    where the chart's data is gathered; ``detail``: the full reason with the command that would supply the data
    (the workbook's Charts sheet, the command line)."""

    chart: str
    missing: str
    detail: str = ""

    @property
    def line(self) -> str:
        """The HTML report's *Not shown* line: ``P/B band of Lynas Rare Earths: no book-value or P/B history``."""
        return f"{self.chart}: {self.missing}"

    @property
    def note(self) -> str:
        """The workbook's note: ``P/B band of Lynas Rare Earths: skipped, LYC.AX: no P/B history: ...``."""
        return f"{self.chart}: skipped, {self.detail or self.missing}"


@dataclass
class ChartInputs:
    """The data of each chart: a P/B band per rated name that has one, the P/B-vs-ROE peers, revenue and revenue
    growth by year across the peers; ``skipped``: each chart that could not be drawn, with what is missing."""

    pb_bands: list[PbBandChart] = field(default_factory=list)
    peers: PeersChart | None = None
    financials: list[FinancialsChart] = field(default_factory=list)
    skipped: list[SkippedChart] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """Each skipped chart with its full reason (:attr:`SkippedChart.note`)."""
        return [chart.note for chart in self.skipped]


@dataclass
class ReportBundle:
    """The comp table and the optional parts; ``notes`` say why a part is missing."""

    report: ScreenReport
    drift: DriftResult | None = None
    correlation: CorrelationReport | None = None
    charts: ChartInputs = field(default_factory=ChartInputs)
    notes: list[str] = field(default_factory=list)
    portfolio: PortfolioReport | None = None
    """``--portfolio FILE``: the book against its benchmark (the workbook's Portfolio sheet, the report's section)."""


@dataclass(frozen=True)
class FinancialRow:
    """One company's fiscal year: its metrics, currency (the reporting currency) and where its figures came from."""

    company: Company
    metrics: YearMetrics
    currency: str
    source: str
    fy1: int

    @property
    def label(self) -> str:
        """``2024`` or ``2025e`` (an estimate)."""
        return f"{self.metrics.fiscal_year}{'e' if self.metrics.is_estimate else ''}"


@dataclass
class FinancialsReport:
    as_of: date
    rows: list[FinancialRow]
    without_figures: list[Company]
    years: int
    notes: list[str] = field(default_factory=list)
    banners: list[str] = field(default_factory=list)


def no_figures_note(report: FinancialsReport) -> str | None:
    """The note naming the companies without figures (None: every company has some)."""
    if not report.without_figures:
        return None
    names = ", ".join(c.ticker for c in report.without_figures)
    return (
        f"no figures for {names} (no house model, nothing imported or fetched): `screener financials import FILE "
        "--ticker T`"
    )


@dataclass(frozen=True)
class OxideListing:
    """One line of ``oxides list``: the registry entry and/or what the store holds (``problem``: unreadable)."""

    id: str
    name: str
    exposure: str
    unit: str
    vat_included: bool
    rows: int | None
    first: str
    last: str
    stored_as: str
    fx: str
    fetched: str
    problem: str = ""


@dataclass
class ViewHistory:
    """A company's house views (oldest first), the file they live in, and the one in force today."""

    company: Company
    path: Path
    today: date
    added: HouseView | None = None
    """The view ``view set`` just added."""
    chosen: str = ""
    """Why ``path`` was chosen when no universe file held the company's research (else empty)."""

    @property
    def views(self) -> tuple[HouseView, ...]:
        return self.company.views

    @property
    def in_force(self) -> HouseView | None:
        return self.company.view_at(self.today)


@dataclass
class ValuationResult:
    """Everything ``screener value`` shows, with provenance."""

    ticker: str
    name: str
    currency: str
    as_of: date
    price: float
    price_date: date
    price_source: str
    since: date
    band: BandStats
    multiple_mean: Value
    multiple_sd: Value
    forward_per_share: Value
    """The forward (FY2) BVPS of a P/B band, EPS of a P/E band, in the trading currency."""
    forward_source: str
    forward_year: int | None
    current_multiple: Value
    forward_multiple: Value
    z_score: Value
    percentile: Value
    scenarios: list[Scenario]
    overridden: list[str]
    history_source: str
    book_values: int
    notes: list[str] = field(default_factory=list)
    multiple: str = "pb"
    """The band's multiple, "pb" or "pe": the ``multiple_*``, ``current_multiple`` and ``forward_multiple`` fields
    are P/B or P/E, ``forward_per_share`` the BVPS or EPS (the renderers name them so)."""
    basis: str = "universe book values"
    """Where the history came from: "universe book values", "stored history" or "none"."""
    current_basis: str = ""
    """The denominator of the current multiple (e.g. "BVPS implied by the stored P/B: close ... on ...")."""


@dataclass
class PerformanceLine:
    """One line: its label, kind (``stock`` or ``oxide``), the rebased values (100 on the first common date), the
    source as stored and the last date of the series in the window."""

    label: str
    kind: str
    rebased: pd.Series
    source: str
    last: date


@dataclass
class PerformanceChart:
    """``chart performance``: its lines in order, their first common date (each line is 100 there), the title and
    the end of the window (None: to the last stored value)."""

    lines: list[PerformanceLine]
    first_common: date
    title: str
    end: date | None


@dataclass
class SensitivityResult:
    """``screener sensitivity``: the grid (:class:`screener.core.sensitivity.Grid`) of one fiscal year of a house
    model over two drivers of one segment, what it was computed from, and the ASP solved for ``target_pe`` (None:
    not asked; NM: no positive ASP). ``tax_rate`` and ``minority_share`` are the year's (NA when the model lacks
    them); ``after_tax`` says whether they were applied."""

    ticker: str
    name: str
    currency: str
    model_currency: str
    fiscal_year: int
    segment: str
    segment_label: str
    metric: str
    grid: Grid
    as_of: date
    price_source: str
    price_date: date | None
    after_tax: bool
    tax_rate: Value
    minority_share: Value
    target_pe: float | None = None
    solved_asp: Value | None = None
    model_source: str = ""
    notes: list[str] = field(default_factory=list)
