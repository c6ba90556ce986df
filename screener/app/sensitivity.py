"""``screener sensitivity``: a forward year's P/E (or EPS, upside, ETR) over two drivers of one segment of the
house model (METHODS §13; the grid math is :mod:`screener.core.sensitivity`). No printing.

- The year: ``year``, else FY2 (FY1 + 1, FY1 = the first fiscal year not reported at the as-of date).
- The price: ``price`` (the published grids use the 15:00 price), else the stock's price at the as-of date
  (point in time, as ``screener value`` takes it); the model's figures are converted to the trading currency.
- Target price for ``upside``/``etr``: the house view in force at the as-of date; the dividend yield: the model's
  FY1 DPS ÷ price (the comp table's ETR rule, METHODS §1).
- A name without the segment's drivers (or the year's net income and shares; with ``after_tax`` its profit before
  tax, tax and minority profit) is a :class:`~screener.errors.UsageError` naming the universe file and what it
  needs; no price is :class:`~screener.errors.DataUnavailable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.app.results import SensitivityResult
from screener.config.universe_spec import SEGMENT_NAMES
from screener.core import fx
from screener.core import sensitivity as sens
from screener.core.fiscal import fy1_label
from screener.core.values import NA, Value, is_num
from screener.environment import Environment
from screener.errors import DataUnavailable, ParameterError, UsageError
from screener.models import Company, ModelYear, SegmentYear

if TYPE_CHECKING:
    from screener.app.scope import ResolvedScope, Selection

DEFAULT_ASP_STEP = 0.05
"""Without ``asp_step``: 5% of the base ASP per step."""
SEGMENT_LINE = "{year} = {{ volume_t = ..., asp = ..., unit_cost = ..., unit_gross_profit = ... }}"


@dataclass(frozen=True)
class SensitivityOptions:
    """The grid's request: segment, fiscal year (None: FY2), metric, the row and column drivers, steps each side
    of the base and the step of each driver (``margin_step`` a fraction: 0.01 = 1 pp; ``volume_step`` tonnes;
    ``asp_step`` per tonne, None = 5% of the base ASP), a price instead of the market's, the after-tax variant,
    and a P/E to solve the ASP for."""

    scope: ResolvedScope
    segment: str = "oxide"
    year: int | None = None
    metric: str = "pe"
    rows: str = "margin"
    cols: str = "volume"
    steps: int = 3
    margin_step: float = 0.01
    volume_step: float = 1000.0
    asp_step: float | None = None
    price: float | None = None
    after_tax: bool = False
    solve_pe: float | None = None


def check_request(selection: Selection, options: SensitivityOptions) -> None:
    """Parameter errors before anything is gathered, each a :class:`ParameterError` naming its parameter."""
    if options.rows not in sens.DRIVERS:
        raise ParameterError(f"{{rows}} must be one of {', '.join(sens.DRIVERS)}, got {options.rows!r}", "rows")
    if options.cols not in sens.DRIVERS:
        raise ParameterError(f"{{cols}} must be one of {', '.join(sens.DRIVERS)}, got {options.cols!r}", "cols")
    if options.rows == options.cols:
        raise ParameterError(f"{{rows}} and {{cols}} must differ, both are {options.rows}", "rows", "cols")
    if options.metric not in sens.METRICS:
        raise ParameterError(f"{{metric}} must be one of {', '.join(sens.METRICS)}, got {options.metric!r}", "metric")
    for name in ("margin_step", "volume_step", "asp_step", "price", "solve_pe"):
        number = getattr(options, name)
        if number is not None and not 0 < number < float("inf"):
            raise ParameterError(f"{{{name}}} must be a finite number > 0, got {number}", name)
    if options.segment not in SEGMENT_NAMES:
        raise ParameterError(
            f"{{segment}} must be one of {', '.join(SEGMENT_NAMES)}, got {options.segment!r}", "segment"
        )
    if not 1 <= options.steps <= 10:
        raise ParameterError(f"{{steps}} must be 1 to 10, got {options.steps}", "steps")
    if not selection.companies:
        raise ParameterError(f"{selection.symbols[0]} is in no universe: the sensitivity needs its house model")


def _where(company: Company) -> str:
    return f"{company.source_file}:{company.line}" if company.line else str(company.source_file)


def model_inputs(company: Company, segment: str, year: int, after_tax: bool) -> tuple[ModelYear, SegmentYear, str]:
    """The model year, the segment's year and its label; a :class:`UsageError` naming the file and what it needs."""
    model = company.model
    ticker = company.ticker
    if model is None or segment not in model.segments:
        raise UsageError(
            f"{_where(company)}: {ticker} has no house-model segment drivers for {segment}: the universe file needs "
            f"[company.model.segments.{segment}] with a line per fiscal year, "
            + SEGMENT_LINE.format(year=year)
            + " (README 'Universe files')"
        )
    drivers = model.segments[segment]
    if year not in drivers.years:
        given = ", ".join(str(y) for y in sorted(drivers.years))
        raise UsageError(
            f"{_where(company)}: {ticker}: [company.model.segments.{segment}] has no FY{year} (it gives {given}): "
            f"add {SEGMENT_LINE.format(year=year)}"
        )
    model_year = model.years.get(year)
    needed = ["net_income", "shares"] + (["profit_before_tax", "income_tax", "minority_profit"] if after_tax else [])
    missing = [k for k in needed if model_year is None or not is_num(getattr(model_year, k))]
    if missing or model_year is None:
        raise UsageError(
            f"{_where(company)}: {ticker}: the sensitivity needs {', '.join(missing)} in [company.model.years.{year}]"
        )
    if float(model_year.shares) <= 0:  # type: ignore[arg-type]
        raise UsageError(f"{_where(company)}: {ticker}: FY{year} shares must be > 0")
    return model_year, drivers.years[year], drivers.label


def sensitivity(env: Environment, options: SensitivityOptions) -> tuple[SensitivityResult, list[str]]:
    """The grid for the scope's one company (and the market-data banners)."""
    from screener.app.market import market_data

    scope = options.scope
    check_request(scope.selection, options)
    company = scope.selection.companies[0]
    settings = env.settings
    as_of = scope.as_of
    fy1 = fy1_label(as_of, company.fiscal_year_end_month, settings.report_lag_days)
    year = options.year if options.year is not None else fy1 + 1
    model_year, drivers, label = model_inputs(company, options.segment, year, options.after_tax)
    assert company.model is not None
    if not company.model_known_on(as_of):
        raise DataUnavailable(
            f"{company.ticker}: the house model is dated {company.model_date} — after the as-of date {as_of}, so "
            "its figures were not knowable then (a look-ahead); use --as-of on or after that date"
        )
    figures = (model_year.profit_before_tax, model_year.income_tax, model_year.minority_profit)
    tax_rate, minority_share = sens.after_tax_rates(*figures)
    keep: Value = 1.0
    if options.after_tax:
        keep = sens.keep_after_tax(*figures)
        if not is_num(keep):
            raise UsageError(
                f"{_where(company)}: {company.ticker}: --after-tax: FY{year} profit before tax or after-tax income "
                "is <= 0, or minorities exceed it: no meaningful tax rate or minority share"
            )
    banners: list[str] = []
    need_market = options.price is None or company.model.currency != company.currency
    rates: dict = {}
    price_source, price_date = "--price", None
    price = options.price
    if need_market:
        market = market_data(env, scope, scope.selection.priced, scope.selection.currencies)
        banners = list(market.banners)
        rates = market.fx
        if price is None:
            quote = market.quotes.get(company.ticker)
            if quote is None:
                raise DataUnavailable(
                    f"{company.ticker}: no price on or before {as_of} (give one with --price, or import prices)"
                )
            price, price_source, price_date = quote.price, quote.source, quote.price_date
    factor = fx.factor(company.model.currency, company.currency, rates)
    if factor is None:
        raise DataUnavailable(f"{company.ticker}: no {company.model.currency}/{company.currency} rate at {as_of}")
    assert price is not None
    view = company.view_at(as_of)
    fy1_year = company.model.years.get(fy1)
    dividend_yield: Value = NA
    if fy1_year is not None and is_num(fy1_year.dps):
        dividend_yield = float(fy1_year.dps) * factor / price  # type: ignore[arg-type]
    base = sens.Base(
        net_income=float(model_year.net_income),  # type: ignore[arg-type]
        shares=float(model_year.shares),  # type: ignore[arg-type]
        volume=drivers.volume_t,
        asp=drivers.asp,
        margin=drivers.unit_gross_profit / drivers.asp,
        price=price,
        keep=float(keep),  # type: ignore[arg-type]
        to_price=factor,
        target_price=view.target_price if view else NA,
        dividend_yield=dividend_yield,
    )
    asp_step = options.asp_step if options.asp_step is not None else DEFAULT_ASP_STEP * drivers.asp
    steps = {"margin": options.margin_step, "volume": options.volume_step, "asp": asp_step}
    for driver, option in (("volume", "volume_step"), ("asp", "asp_step")):
        if driver in (options.rows, options.cols) and base.driver(driver) - options.steps * steps[driver] <= 0:
            low = base.driver(driver) - options.steps * steps[driver]
            raise ParameterError(
                f"{{{option}}}: {options.steps} steps of {steps[driver]:g} below the base {base.driver(driver):g} "
                f"reach {low:g}: the {driver} must stay > 0",
                option,
            )
    grid = sens.grid(base, options.rows, options.cols, options.steps, steps)
    solved = sens.solve_asp(base, options.solve_pe) if options.solve_pe is not None else None
    notes = []
    if options.metric in ("upside", "etr") and view is None:
        notes.append(f"no house view in force at {as_of}: no target price, upside NA")
    result = SensitivityResult(
        ticker=company.ticker,
        name=company.name,
        currency=company.currency,
        model_currency=company.model.currency,
        fiscal_year=year,
        segment=options.segment,
        segment_label=label,
        metric=options.metric,
        grid=grid,
        as_of=as_of,
        price_source=price_source,
        price_date=price_date,
        after_tax=options.after_tax,
        tax_rate=tax_rate,
        minority_share=minority_share,
        target_pe=options.solve_pe,
        solved_asp=solved,
        model_source=company.model.source,
        notes=notes,
    )
    return result, banners
