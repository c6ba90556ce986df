"""The comp table: company rows grouped by peer group, ranked, with group aggregates (mean, median, harmonic mean
with n and exclusions) and the rating-history records of a report. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date

from screener.app.comptable import company_row
from screener.app.screen_results import (
    AGGREGATE_COLUMNS,
    ALL_GROUP,
    DESCENDING,
    HARMONIC_COLUMNS,
    YIELD_COLUMNS,
    AggregateRow,
    CompanyRow,
    GroupBlock,
    PriceChanges,
    ScreenReport,
)
from screener.app.universes import in_groups
from screener.config import SORT_COLUMNS, Settings
from screener.core import aggregates as agg
from screener.core import fx
from screener.core.criteria import Criteria
from screener.core.drift import RatingRecord
from screener.core.revisions import eps_revisions
from screener.core.values import NM, Missing, Value, is_num
from screener.data.base import MarketData
from screener.errors import DataUnavailable, UsageError
from screener.models import Universe

__all__ = ["AggregateRow", "GroupBlock", "ScreenReport", "aggregate_rows", "build_report", "rating_records", "sort_key"]
"""The result types live in :mod:`screener.app.screen_results`; re-exported here until render/ imports them there."""


def _not_counted(rows: Sequence[CompanyRow], exclude_subject: bool) -> int:
    return sum(1 for r in rows if not r.company.counts_in_aggregates or (exclude_subject and r.view is not None))


def aggregate_rows(group: str, rows: Sequence[CompanyRow], exclude_subject: bool) -> list[AggregateRow]:
    """Mean / median / harmonic mean per column over members that count (one line per issuer).

    Yields flagged ``dy_implausible`` are left out (counted as excluded); the harmonic mean is computed for
    price multiples only (other columns get ``None``: not computed).
    """
    members = [r for r in rows if r.company.counts_in_aggregates and not (exclude_subject and r.view is not None)]

    def cell(row: CompanyRow, column: str) -> Value:
        if column in YIELD_COLUMNS and row.yield_suspect(column):
            return NM
        return row.metric(column)

    cells = {col: [cell(r, col) for r in members] for col in AGGREGATE_COLUMNS}  # once, for every statistic
    out = []
    for statistic in agg.STATISTICS:
        values = {
            col: agg.aggregate(cells[col], statistic)
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
    as_of: date,
    groups: Sequence[str] = (),
    sort: str | None = None,
    reverse: bool = False,
    top: int | None = None,
    band_targets: Mapping[str, Value] | None = None,
    changes: Mapping[str, PriceChanges] | None = None,
    positions: Mapping[str, dict[str, Value]] | None = None,
    statements: Mapping[str, dict[str, Value]] | None = None,
    show: Collection[str] | None = None,
    where: Criteria | None = None,
) -> ScreenReport:
    """The comp table at the as-of date D (``as_of``, resolved by :mod:`screener.app.scope`): rows per peer group,
    sorted, with aggregates per group and overall. Only prices dated on or before D are used (a later one is a
    look-ahead: flag ``price_after_as_of``); views, estimates and FX are taken as known at D (:func:`company_row`).
    ``band_targets``: P/B-band target prices of the companies with ``target_from_band`` (by ticker);
    ``changes``: YTD/1M/3M/12M price changes by ticker; ``positions``: the percentile columns by ticker
    (:func:`screener.app.valuation_bands.history_positions`); ``statements``: the FY1 growth and leverage columns
    by ticker (:func:`screener.app.financials.comp_columns`).

    ``show``: the tickers listed (None: all). Selecting rows (``show``, ``top``) never changes the statistics:
    every group's aggregates, and the overall ones, are computed over all its members; a group none of whose
    members is listed is left out (the overall block stays, as in the full table). ``where``: the criteria
    (``--where``) a listed row must meet, decided once by :func:`screener.app.where.select` (before ``top``)."""
    sort = sort or settings.default_sort
    if sort not in SORT_COLUMNS:
        raise UsageError(f"--sort: unknown column {sort!r} (one of {', '.join(SORT_COLUMNS)})")
    if top is not None and top < 1:
        raise UsageError("--top must be at least 1")
    companies = in_groups([c for u in universes for c in u.companies], groups)
    usable = {t: q for t, q in market.quotes.items() if q.price_date <= as_of}
    if (market.quotes or market.later) and not usable:
        first = min(q.price_date for q in [*market.quotes.values(), *market.later.values()])
        raise DataUnavailable(
            f"no prices on or before --as-of {as_of.isoformat()} (the data starts {first.isoformat()}); "
            "a later price would be a look-ahead"
        )
    bands = band_targets or {}
    rows = [
        company_row(
            c,
            usable.get(c.ticker),
            market.fx,
            as_of,
            settings,
            bands.get(c.ticker),
            market.consensus.get(c.ticker),
            price_after_as_of=c.ticker not in usable and (c.ticker in market.quotes or c.ticker in market.later),
            changes=(changes or {}).get(c.ticker),
        )
        for c in companies
    ]
    for row in rows:
        row.positions = dict((positions or {}).get(row.ticker, {}))
        row.statements = dict((statements or {}).get(row.ticker, {}))
        sets = market.consensus_sets.get(row.ticker, [])
        end_month = row.company.fiscal_year_end_month
        row.revisions = eps_revisions(sets, as_of, row.fy1, end_month, settings.report_lag_days)
    kept: set[int] | None = None
    outcome = None
    if where is not None:
        from screener.app.where import select

        kept, outcome = select((r for r in rows if show is None or r.ticker in show), where, as_of.isoformat())
    blocks: list[GroupBlock] = []
    by_group: dict[str, list[CompanyRow]] = {}
    for row in rows:
        by_group.setdefault(row.company.group, []).append(row)
    for group, members in by_group.items():
        ranked = sorted(members, key=sort_key(sort, reverse))
        listed = [r for r in ranked if (show is None or r.ticker in show) and (kept is None or id(r) in kept)]
        if not listed:
            continue
        blocks.append(
            GroupBlock(
                group,
                listed[:top] if top else listed,
                aggregate_rows(group, members, settings.exclude_subject),
                len(members),
                _not_counted(members, settings.exclude_subject),
                top=top is not None and len(listed) > top,
            )
        )
    if len(by_group) > 1:
        all_aggregates = aggregate_rows(ALL_GROUP, rows, settings.exclude_subject)
        blocks.append(
            GroupBlock(ALL_GROUP, [], all_aggregates, len(rows), _not_counted(rows, settings.exclude_subject))
        )
    currencies = {c.currency for c in companies} | {c.model.currency for c in companies if c.model}
    used = {k: v for k, v in market.fx.items() if k in currencies and k != "USD"}
    limit = settings.fx_max_staleness_days
    return ScreenReport(
        as_of=as_of,
        groups=blocks,
        fx=used,
        stale_fx=frozenset(k for k, r in used.items() if fx.is_stale(r.rate_date, as_of, limit)),
        banners=list(market.banners),
        sources_used=list(market.sources_used),
        sort=sort,
        missing=list(market.missing),
        rules=settings.rules,
        where=outcome,
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
                    house_rating=row.view.rating.value if row.view else None,
                    rule_rating=row.rule_rating.value if row.rule_rating else None,
                    in_band=row.in_band,
                    flags=";".join(row.flags),
                    source=row.source,
                    target_set_on=row.view.set_on if row.view else None,
                )
            )
    return out
