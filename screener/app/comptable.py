"""The comp table from universes, market data and settings (pure: no I/O, no clock; "today" comes in as
``as_of``). One company's row: price, market cap, TP, ETR, ratings, FY1/FY2 multiples and flags
(:func:`company_row`); group aggregates; ranking; rating-history records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from screener.config import SORT_COLUMNS, Settings
from screener.core import aggregates as agg
from screener.core import fx
from screener.core import multiples as mx
from screener.core.drift import RatingRecord
from screener.core.estimates import YearMultiples, from_consensus, from_model
from screener.core.fiscal import fy1_label
from screener.core.flags import RowInputs, YearInputs, row_flags
from screener.core.ratings import (
    Rating,
    RatingRules,
    expected_share_price_return,
    expected_total_return,
    in_band,
    rule_rating,
)
from screener.core.values import NA, NM, Missing, Value, is_num
from screener.data.base import MarketData
from screener.errors import DataUnavailable, UsageError
from screener.models import Company, ConsensusEstimate, FxRate, Quote, Universe

MULTIPLE_COLUMNS = tuple(c for c in SORT_COLUMNS if c[-4:] in ("_fy1", "_fy2"))
AGGREGATE_COLUMNS = ("upside", "dividend_yield", "etr", *MULTIPLE_COLUMNS)
# The harmonic mean is the central estimate for price multiples only (METHODS §3).
HARMONIC_COLUMNS = tuple(c for c in MULTIPLE_COLUMNS if c.startswith(("pe_", "pb_", "ev_ebitda_")))
YIELD_COLUMNS = ("dividend_yield", "dy_fy1", "dy_fy2")
ALL_GROUP = "All"
# Natural sort direction: True = highest first.
DESCENDING = {"etr", "upside", "dividend_yield", "market_cap", "roe_fy1", "roe_fy2", "dy_fy1", "dy_fy2"}


@dataclass
class CompanyRow:
    """One company's line of the comp table; every number is a float, NA or NM."""

    company: Company
    quote: Quote | None
    price: Value
    market_cap_usd_m: Value
    target_price: Value
    upside: Value
    dividend_yield: Value
    etr: Value
    rule_rating: Rating | None
    in_band: bool | None
    fy1: int
    years: dict[int, YearMultiples]
    estimate_source: str
    flags: list[str] = field(default_factory=list)

    @property
    def ticker(self) -> str:
        return self.company.ticker

    @property
    def source(self) -> str:
        return self.quote.source if self.quote else "none"

    def raw_input(self, column: str) -> float | None:
        """The denominator behind a multiple column (e.g. the negative EPS behind an NM P/E), if known."""
        if column not in MULTIPLE_COLUMNS:
            return None
        metric, _, k = column.rpartition("_fy")
        return self.years[self.fy1 + int(k) - 1].raw.get(metric)

    def metric(self, column: str) -> Value:
        """A column by name: ``etr``, ``pe_fy1`` ..."""
        if column in MULTIPLE_COLUMNS:
            metric, _, k = column.rpartition("_fy")
            return self.years[self.fy1 + int(k) - 1].get(metric)
        if column == "market_cap":
            return self.market_cap_usd_m
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
    """A peer group: its company rows (sorted, possibly cut to top N) and aggregate rows."""

    name: str
    rows: list[CompanyRow]
    aggregates: list[AggregateRow]
    total: int
    not_counted: int = 0
    """Members left out of the aggregates (second listing of an issuer, or excluded subject)."""


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
    """One-line summaries for stderr: names with problems, names without data."""


def company_row(
    company: Company,
    quote: Quote | None,
    rates: dict[str, FxRate],
    as_of: date,
    settings: Settings,
    band_target: Value | None = None,
    consensus: ConsensusEstimate | None = None,
    price_after_as_of: bool = False,
) -> CompanyRow:
    """Compute one company's line: price, market cap, TP, ETR, ratings, FY1/FY2 multiples, flags.

    ``band_target``: the P/B-band target of a company with ``target_from_band`` (it replaces the house
    target price; flag ``tp_from_band``, or ``band_target_na`` when the band could not be computed).
    ``consensus`` (fetched market consensus) gives a not-rated name its target (flag ``consensus_target``)
    and replaces the stored consensus P/E with price / fetched EPS (flag ``consensus_eps``).
    ``price_after_as_of``: the quote is None because the only price is later than ``as_of``.
    Per-share figures are converted into the trading currency with :mod:`screener.core.fx` (NA + ``fx_missing``
    without a rate); market cap in USD millions at the rate of the trading currency.
    """
    fy1 = fy1_label(as_of, company.fiscal_year_end_month, settings.report_lag_days)
    labels = (fy1, fy1 + 1)
    house = company.house
    target: Value = house.target_price if house else NA
    band: Value | None = None
    if company.target_from_band is not None:
        band = band_target if band_target is not None else NA
        target = band
    if quote is None:
        inputs = RowInputs(as_of, None, price_after_as_of=price_after_as_of, band_target=band)
        empty = {y: YearMultiples() for y in labels}
        flags = row_flags(inputs, settings.sanity)
        return CompanyRow(company, None, NA, NA, target, NA, NA, NA, None, None, fy1, empty, "none", flags)
    price = quote.price
    trading_fx = fx.per_usd(company.currency, rates)
    years: dict[int, YearMultiples] = {label: YearMultiples() for label in labels}
    estimate_source = "none"
    fx_missing = False
    if company.model is not None:
        estimate_source = "house"
        model_to_trading = fx.factor(company.model.currency, company.currency, rates)
        if model_to_trading is None:
            fx_missing = True
        else:
            years = {
                label: from_model(company.model, label, price, model_to_trading, settings.ev_include_minorities)
                for label in labels
            }
    elif company.consensus is not None:
        estimate_source = "consensus"
        years = {label: from_consensus(company.consensus, label, price) for label in labels}
    consensus_eps = False
    if consensus is not None and company.model is None:
        eps_to_trading = fx.factor(consensus.eps_currency or company.currency, company.currency, rates)
        for label, eps in zip(labels, (consensus.eps_fy1, consensus.eps_fy2), strict=True):
            if eps is not None and eps_to_trading is not None and trading_fx is not None:
                converted = fx.scale(float(eps), eps_to_trading)
                years[label] = replace(years[label], pe=mx.price_to_earnings(price, converted))
                estimate_source = "consensus"
                consensus_eps = True
    consensus_target = bool(
        house is None and company.target_from_band is None and consensus is not None and consensus.target_mean
    )
    if consensus_target:
        assert consensus is not None and consensus.target_mean is not None
        target = float(consensus.target_mean)

    market_cap_usd: Value = NA
    model_year = company.model.years.get(fy1) if company.model else None
    model_shares = model_year.shares if model_year is not None and is_num(model_year.shares) else None
    from_snapshot_shares = False
    if trading_fx and quote.market_cap is not None and not (quote.market_cap_estimated and model_shares):
        market_cap_usd = quote.market_cap / trading_fx
        from_snapshot_shares = quote.market_cap_estimated
    elif trading_fx and model_shares is not None:
        market_cap_usd = price * float(model_shares) / trading_fx  # type: ignore[arg-type]

    dividend_yield = years[fy1].dy
    upside = expected_share_price_return(target, price)
    etr = expected_total_return(upside, dividend_yield)
    rule = rule_rating(etr, company.high_risk, settings.rules)
    fits = in_band(house.rating if house else None, etr, company.high_risk, settings.rules)
    inputs = RowInputs(
        as_of=as_of,
        price_date=quote.price_date,
        quote_currency=quote.currency,
        trading_currency=company.currency,
        band_target=band,
        fx_missing=fx_missing,
        consensus_eps=consensus_eps,
        consensus_target=consensus_target,
        market_cap_from_snapshot_shares=from_snapshot_shares,
        upside=upside,
        dividend_yield=dividend_yield,
        years=[YearInputs(y.pe, y.pb, y.roe, y.dy) for y in years.values()],
        target_set_on=house.set_on if house else None,
    )
    return CompanyRow(
        company,
        quote,
        price,
        market_cap_usd,
        target,
        upside,
        dividend_yield,
        etr,
        rule,
        fits,
        fy1,
        years,
        estimate_source,
        row_flags(inputs, settings.sanity),
    )


def _not_counted(rows: Sequence[CompanyRow], exclude_subject: bool) -> int:
    return sum(1 for r in rows if not r.company.counts_in_aggregates or (exclude_subject and r.company.house))


def aggregate_rows(group: str, rows: Sequence[CompanyRow], exclude_subject: bool) -> list[AggregateRow]:
    """Mean / median / harmonic mean per column over members that count (one line per issuer).

    Yields flagged ``dy_implausible`` are left out (counted as excluded); the harmonic mean is computed for
    price multiples only (other columns get ``None``: not computed).
    """
    members = [r for r in rows if r.company.counts_in_aggregates and not (exclude_subject and r.company.house)]

    def cell(row: CompanyRow, column: str) -> Value:
        if column in YIELD_COLUMNS and "dy_implausible" in row.flags:
            return NM
        return row.metric(column)

    out = []
    for statistic in agg.STATISTICS:
        values = {
            col: agg.aggregate((cell(r, col) for r in members), statistic)
            if statistic != "harmonic_mean" or col in HARMONIC_COLUMNS
            else agg.Aggregate(None, 0, 0)
            for col in AGGREGATE_COLUMNS
        }
        out.append(AggregateRow(group, statistic, values))
    return out


def sort_key(column: str, reverse: bool):  # type: ignore[no-untyped-def]
    """Sort key: numbers in the column's natural direction (flipped by ``reverse``), NA/NM always last."""
    descending = (column in DESCENDING) != reverse

    def key(row: CompanyRow) -> tuple[int, float | str]:
        if column in ("name", "ticker"):
            text = (row.company.name if column == "name" else row.ticker).lower()
            if reverse:  # invert each character so the plain ascending sort runs Z..A
                return (0, "".join(chr(0x10FFFF - ord(ch)) for ch in text))
            return (0, text)
        value = row.metric(column)
        if isinstance(value, Missing) or not is_num(value):
            return (1, 0.0)
        number = float(value)
        return (0, -number if descending else number)

    return key


def build_report(
    universes: Sequence[Universe],
    market: MarketData,
    settings: Settings,
    *,
    today: date,
    as_of: date | None = None,
    groups: Sequence[str] = (),
    sort: str | None = None,
    reverse: bool = False,
    top: int | None = None,
    band_targets: Mapping[str, Value] | None = None,
) -> ScreenReport:
    """The comp table: rows per peer group, sorted, with aggregates per group and overall.

    The as-of date is ``as_of``, else the date of the latest price (``today`` when there is none).
    ``band_targets``: P/B-band target prices of the companies with ``target_from_band`` (by ticker)."""
    sort = sort or settings.default_sort
    if sort not in SORT_COLUMNS:
        raise UsageError(f"--sort: unknown column {sort!r} (one of {', '.join(SORT_COLUMNS)})")
    if top is not None and top < 1:
        raise UsageError("--top must be at least 1")
    companies = [c for u in universes for c in u.companies]
    wanted_groups = {g.lower() for g in groups}
    known = {c.group.lower() for c in companies}
    unknown = wanted_groups - known
    if unknown:
        raise UsageError(f"--group: unknown group {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    if wanted_groups:
        companies = [c for c in companies if c.group.lower() in wanted_groups]
    data_date = max((q.price_date for q in market.quotes.values()), default=today)
    effective = as_of or data_date
    usable = {t: q for t, q in market.quotes.items() if q.price_date <= effective}
    if market.quotes and not usable:
        first = min(q.price_date for q in market.quotes.values())
        raise DataUnavailable(
            f"no prices on or before --as-of {effective.isoformat()} (the data starts {first.isoformat()}); "
            "a later price would be a look-ahead"
        )
    bands = band_targets or {}
    rows = [
        company_row(
            c,
            usable.get(c.ticker),
            market.fx,
            effective,
            settings,
            bands.get(c.ticker),
            market.consensus.get(c.ticker),
            price_after_as_of=c.ticker in market.quotes and c.ticker not in usable,
        )
        for c in companies
    ]
    blocks: list[GroupBlock] = []
    order = list(dict.fromkeys(c.group for c in companies))
    for group in order:
        members = [r for r in rows if r.company.group == group]
        ranked = sorted(members, key=sort_key(sort, reverse))
        blocks.append(
            GroupBlock(
                group,
                ranked[:top] if top else ranked,
                aggregate_rows(group, members, settings.exclude_subject),
                len(members),
                _not_counted(members, settings.exclude_subject),
            )
        )
    if len(order) > 1:
        all_aggregates = aggregate_rows(ALL_GROUP, rows, settings.exclude_subject)
        blocks.append(
            GroupBlock(ALL_GROUP, [], all_aggregates, len(rows), _not_counted(rows, settings.exclude_subject))
        )
    currencies = {c.currency for c in companies} | {c.model.currency for c in companies if c.model}
    return ScreenReport(
        as_of=effective,
        groups=blocks,
        fx={k: v for k, v in market.fx.items() if k in currencies and k != "USD"},
        banners=list(market.banners),
        sources_used=list(market.sources_used),
        sort=sort,
        missing=list(market.missing),
        rules=settings.rules,
    )


def rating_records(report: ScreenReport) -> list[RatingRecord]:
    """The report's companies as rating-history records (NA/NM stored as None)."""

    def number(value: Value) -> float | None:
        return float(value) if isinstance(value, float | int) and is_num(value) else None

    out = []
    for block in report.groups:
        for row in block.rows:
            c = row.company
            out.append(
                RatingRecord(
                    ticker=c.ticker,
                    name=c.name,
                    price=number(row.price),
                    target_price=number(row.target_price),
                    etr=number(row.etr),
                    house_rating=c.house.rating.value if c.house else None,
                    rule_rating=row.rule_rating.value if row.rule_rating else None,
                    in_band=row.in_band,
                    flags=";".join(row.flags),
                    source=row.source,
                    target_set_on=c.house.set_on if c.house else None,
                )
            )
    return out
