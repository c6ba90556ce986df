"""Earnings sensitivity of a house model to one segment's drivers (METHODS §13); pure (no I/O, no clock).

The house method (the initiation's P/E grids): a change in a segment's gross profit flows straight to net income,

    NI(m, v, a) = NI₀ + keep × (a × v × m − a₀ × v₀ × m₀) / 10⁶

with NI₀ the model's net income for the year (millions of the model currency), a₀, v₀ the model's ASP (per
tonne) and volume (tonnes), m₀ = unit gross profit ÷ ASP; ``keep`` = 1 (the house method: untaxed), or with
``--after-tax`` (1 − t)(1 − μ), t = income tax ÷ profit before tax, μ = minority profit ÷ after-tax income.
Varying the ASP holds the margin (unit cost moves with it).

Per cell: EPS = NI ÷ shares (× the model-to-trading FX factor); P/E = price ÷ EPS, NM when EPS <= 0; target price
= TP × EPS ÷ EPS₀ (the house's implied P/E held, NM when EPS₀ <= 0, NA without a TP); upside = target ÷ price − 1;
ETR = upside + dividend yield (NA yield: the upside alone, as in the comp table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from screener.core.values import NA, NM, Value, is_num

PER_MILLION = 1e6
"""Segment amounts are CNY per tonne × tonnes; model totals are in millions."""
DRIVERS = ("margin", "volume", "asp")
"""The drivers a grid axis may vary: gross margin (fraction), sales volume (tonnes), ASP (per tonne)."""
METRICS = ("pe", "eps", "upside", "etr")
"""What a cell shows: P/E (x), EPS (trading currency), upside and ETR (fractions)."""


@dataclass(frozen=True)
class Base:
    """One fiscal year of the model and the market inputs a grid needs.

    ``net_income`` and ``shares`` in millions (model currency); ``volume`` (t), ``asp`` (model currency per t) and
    ``margin`` (unit gross profit ÷ ASP) of the segment; ``keep``: the share of a change in segment gross profit
    that reaches net income; ``to_price``: model currency → trading currency; ``price``, ``target_price`` in the
    trading currency; ``dividend_yield`` a fraction (NA: none)."""

    net_income: float
    shares: float
    volume: float
    asp: float
    margin: float
    price: float
    keep: float = 1.0
    to_price: float = 1.0
    target_price: Value = NA
    dividend_yield: Value = NA

    def driver(self, name: str) -> float:
        return {"margin": self.margin, "volume": self.volume, "asp": self.asp}[name]

    @property
    def eps(self) -> float:
        """The model's EPS in the trading currency."""
        return self.net_income / self.shares * self.to_price


@dataclass(frozen=True)
class Cell:
    """One point of the grid: its drivers, net income (millions, model currency), EPS (trading currency) and the
    metrics; ``row``/``col`` its position, ``is_base`` the model's own point."""

    row: int
    col: int
    gp_margin: float
    volume: float
    asp: float
    net_income: float
    eps: float
    pe: Value
    upside: Value
    etr: Value
    is_base: bool

    def metric(self, name: str) -> Value:
        return {"pe": self.pe, "eps": self.eps, "upside": self.upside, "etr": self.etr}[name]


@dataclass(frozen=True)
class Grid:
    """The grid: ``rows``/``cols`` name the drivers of each axis, ``row_values``/``col_values`` their values
    (base ± steps), ``cells`` row by row."""

    base: Base
    rows: str
    cols: str
    row_values: tuple[float, ...]
    col_values: tuple[float, ...]
    cells: tuple[Cell, ...] = field(repr=False)

    def at(self, row: int, col: int) -> Cell:
        return self.cells[row * len(self.col_values) + col]


def after_tax_rates(profit_before_tax: Value, income_tax: Value, minority_profit: Value) -> tuple[Value, Value]:
    """The year's effective tax rate t = tax ÷ PBT and minority share μ = minority profit ÷ (PBT − tax): NA when a
    figure is missing (μ alone when only the minorities are), both NM when PBT or after-tax income is <= 0, μ NM
    when the minorities take all of it (μ >= 1)."""
    if not (is_num(profit_before_tax) and is_num(income_tax)):
        return NA, NA
    pbt, tax = float(profit_before_tax), float(income_tax)  # type: ignore[arg-type]
    after_tax = pbt - tax
    if pbt <= 0 or after_tax <= 0:
        return NM, NM
    if not is_num(minority_profit):
        return tax / pbt, NA
    share = float(minority_profit) / after_tax  # type: ignore[arg-type]
    return tax / pbt, share if share < 1 else NM


def keep_after_tax(profit_before_tax: Value, income_tax: Value, minority_profit: Value) -> Value:
    """(1 − t)(1 − μ) of :func:`after_tax_rates`: NA when a figure is missing, NM when a rate is not meaningful."""
    rate, share = after_tax_rates(profit_before_tax, income_tax, minority_profit)
    if rate is NM or share is NM:
        return NM
    if not (is_num(rate) and is_num(share)):
        return NA
    return (1 - float(rate)) * (1 - float(share))  # type: ignore[arg-type]


def net_income(base: Base, margin: float, volume: float, asp: float) -> float:
    """NI₀ + keep × (a·v·m − a₀·v₀·m₀) / 10⁶ (millions of the model currency)."""
    change = asp * volume * margin - base.asp * base.volume * base.margin
    return base.net_income + base.keep * change / PER_MILLION


def cell(base: Base, margin: float, volume: float, asp: float, row: int = 0, col: int = 0) -> Cell:
    """One cell at these drivers (module docstring for the formulas and NM rules)."""
    income = net_income(base, margin, volume, asp)
    eps = income / base.shares * base.to_price
    pe: Value = base.price / eps if eps > 0 else NM
    upside: Value = NA
    if is_num(base.target_price):
        moves = base.eps > 0 and eps > 0  # a TP at the implied P/E of a loss is not meaningful
        upside = float(base.target_price) * eps / base.eps / base.price - 1 if moves else NM  # type: ignore[arg-type]
    etr: Value = upside
    if is_num(upside) and is_num(base.dividend_yield):
        etr = float(upside) + float(base.dividend_yield)  # type: ignore[arg-type]
    is_base = (margin, volume, asp) == (base.margin, base.volume, base.asp)
    return Cell(row, col, margin, volume, asp, income, eps, pe, upside, etr, is_base)


def axis(center: float, step: float, steps: int) -> tuple[float, ...]:
    """``center + k × step`` for k = −steps … steps (the base in the middle, exactly)."""
    return tuple(center + k * step if k else center for k in range(-steps, steps + 1))


def grid(base: Base, rows: str, cols: str, steps: int, step: dict[str, float]) -> Grid:
    """The (2·steps + 1)² grid of ``rows`` × ``cols`` drivers (each base ± steps × ``step[driver]``); the third
    driver stays at the base."""
    if rows == cols or rows not in DRIVERS or cols not in DRIVERS:
        raise ValueError(f"rows and cols must be two different drivers of {DRIVERS}, got {rows!r}, {cols!r}")
    row_values = axis(base.driver(rows), step[rows], steps)
    col_values = axis(base.driver(cols), step[cols], steps)
    cells = []
    for r, row_value in enumerate(row_values):
        for c, col_value in enumerate(col_values):
            drivers = {"margin": base.margin, "volume": base.volume, "asp": base.asp, rows: row_value, cols: col_value}
            cells.append(cell(base, drivers["margin"], drivers["volume"], drivers["asp"], r, c))
    return Grid(base, rows, cols, row_values, col_values, tuple(cells))


def solve_asp(base: Base, target_pe: float) -> Value:
    """The segment ASP (margin and volume at the base) at which price ÷ EPS = ``target_pe`` (> 0):
    a = a₀ + (NI* − NI₀) × 10⁶ ÷ (keep × v₀ × m₀), NI* = price ÷ target_pe ÷ to_price × shares. NM when no positive
    ASP does (keep × v₀ × m₀ = 0, or a <= 0)."""
    if not target_pe > 0:
        raise ValueError(f"target P/E must be > 0, got {target_pe}")
    slope = base.keep * base.volume * base.margin
    if slope == 0:
        return NM
    wanted = base.price / target_pe / base.to_price * base.shares
    asp = base.asp + (wanted - base.net_income) * PER_MILLION / slope
    return asp if asp > 0 else NM


def values_of(cells: Sequence[Cell], metric: str) -> list[Value]:
    """The ``metric`` of each cell, in order."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return [c.metric(metric) for c in cells]
