"""The valuation-history store kind (#14): per ticker and provider a daily series of P/B and P/E, and the book
values per share a provider published, each with its source.

Layout: ``valuation/<TICKER>=<provider>.parquet`` (one file per provider, so a refresh of one never touches
another's values). Columns, all optional: ``pb``, ``pe`` (daily multiples as the provider computed them, indexed
by trading day) and, in the separate *book* layout, ``bvps`` with ``period_end`` — indexed by the **publication
date** of the report (the value counts from the day after, :func:`screener.core.valuation.point_in_time_bvps`).

Providers (``PROVIDERS``, highest priority first when several have a value for the same day): ``terminal``
(``screener valuation import`` of a Wind/Bloomberg export), ``baostock`` (A-shares, daily peTTM/pbMRQ since
2006), ``yahoo`` (book values from the last annual and quarterly balance sheets). Nothing here reads the clock or
the network: providers fetch, this module stores and merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from screener.models import BookValue

if TYPE_CHECKING:
    import pandas as pd

    from screener.data.store import Store, StoredSeries

VALUATION_KIND = "valuation"
PROVIDERS = ("terminal", "baostock", "yahoo")
"""Priority order: a terminal export the analyst chose wins over a free source for the same day."""
MULTIPLES = ("pb", "pe")
BOOK = "book"
"""Suffix of a provider's book-value file: ``<TICKER>=<provider>-book``."""


def key(ticker: str, provider: str, book: bool = False) -> str:
    """The store key of ``ticker``'s series from ``provider`` (``-book``: its book values)."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown valuation provider {provider!r} (one of {', '.join(PROVIDERS)})")
    return f"{ticker}={provider}" + (f"-{BOOK}" if book else "")


def write_multiples(store: Store, ticker: str, provider: str, frame: pd.DataFrame, label: str) -> StoredSeries:
    """Store ``provider``'s daily ``pb``/``pe`` of ``ticker`` (DatetimeIndex; other columns refused), replacing what
    that provider had stored; ``label`` says where the values came from (file name, "baostock peTTM/pbMRQ")."""
    extra = set(frame.columns) - set(MULTIPLES)
    if extra:
        raise ValueError(f"multiples frame has unknown columns {sorted(extra)} (only {', '.join(MULTIPLES)})")
    return store.write_series(VALUATION_KIND, key(ticker, provider), frame, {"provider": provider, "label": label})


def write_book_values(
    store: Store, ticker: str, provider: str, book_values: list[BookValue], label: str
) -> StoredSeries:
    """Store ``provider``'s published book values of ``ticker`` (indexed by publication date; ``period_end`` as an
    ordinal day number, NaN when unknown), replacing what that provider had stored."""
    import pandas as pd

    index = pd.DatetimeIndex([pd.Timestamp(bv.published) for bv in book_values], name="date")
    frame = pd.DataFrame(
        {
            "bvps": [bv.bvps for bv in book_values],
            "period_end": [float(bv.period_end.toordinal()) if bv.period_end else float("nan") for bv in book_values],
        },
        index=index,
    )
    currency = {bv.currency for bv in book_values if bv.currency}
    meta = {"provider": provider, "label": label, "currency": ",".join(sorted(currency))}
    return store.write_series(VALUATION_KIND, key(ticker, provider, book=True), frame, meta)


def merge_book_values(store: Store, ticker: str, provider: str, fresh: list[BookValue], label: str) -> tuple[int, int]:
    """Add ``fresh`` book values to what ``provider`` had stored for ``ticker`` and store the union: one value per
    balance-sheet date (per publication date when the period is unknown), the fresh one winning; reports the
    provider no longer serves are kept (Yahoo shows only the last 4 years). Returns (reports stored, reports new).
    An unreadable stored file is kept aside and replaced by the fresh values (they can be fetched again). The read
    and the write hold the file's lock."""
    import pandas as pd

    from screener.errors import StoreCorrupt

    held: dict[object, BookValue] = {}
    with store.locked(VALUATION_KIND, key(ticker, provider, book=True), ".parquet"):
        try:
            stored = store.read_series(VALUATION_KIND, key(ticker, provider, book=True))
        except StoreCorrupt:
            stored = None  # kept aside by the write
        if stored is not None:
            currency = stored.meta.get("currency") or None
            for day, row in stored.frame.iterrows():
                period = None if pd.isna(row["period_end"]) else date.fromordinal(int(row["period_end"]))
                held[period or day.date()] = BookValue(day.date(), float(row["bvps"]), period, currency)
        new = 0
        for value in fresh:
            slot = value.period_end or value.published
            new += slot not in held
            held[slot] = value
        merged = sorted(held.values(), key=lambda bv: (bv.published, bv.period_end or date.min))
        if merged:
            write_book_values(store, ticker, provider, merged, label)
    return len(merged), new


@dataclass
class ValuationHistory:
    """Everything stored for one ticker, merged: daily ``pb``/``pe`` with the provider of each value
    (``pb_source``/``pe_source`` columns), the book values of every provider, and a line per provider used."""

    ticker: str
    multiples: pd.DataFrame
    book_values: list[BookValue] = field(default_factory=list)
    book_sources: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def series(self, multiple: str) -> pd.Series:
        """The daily ``pb`` or ``pe`` (NaN days dropped)."""
        if multiple not in self.multiples.columns:
            import pandas as pd

            return pd.Series(dtype="float64", name=multiple)
        return self.multiples[multiple].dropna()


def read_valuation(store: Store, ticker: str) -> ValuationHistory | None:
    """``ticker``'s stored valuation history from every provider (None: nothing stored). Multiples are merged day by
    day in ``PROVIDERS`` order (the first provider with a value for the day supplies it, and is named in the
    ``<multiple>_source`` column); book values of every provider are kept (the highest-priority provider's report
    wins when two have the same publication date). StoreCorrupt when a file cannot be read."""
    import pandas as pd

    multiples: list[tuple[str, pd.DataFrame]] = []
    books: dict[tuple[date, date | None], BookValue] = {}
    book_sources: list[str] = []
    sources: list[str] = []
    for provider in PROVIDERS:
        stored = store.read_series(VALUATION_KIND, key(ticker, provider))
        if stored is not None and not stored.frame.empty:
            multiples.append((provider, stored.frame))
            frame = stored.frame
            sources.append(
                f"{provider} ({stored.meta.get('label', '')}), {frame.index[0].date()} to {frame.index[-1].date()}"
            )
        book = store.read_series(VALUATION_KIND, key(ticker, provider, book=True))
        if book is not None and not book.frame.empty:
            currency = book.meta.get("currency") or None
            for day, row in book.frame.iterrows():
                period = None if pd.isna(row["period_end"]) else date.fromordinal(int(row["period_end"]))
                value = BookValue(day.date(), float(row["bvps"]), period, currency)
                books.setdefault((value.published, period), value)
            book_sources.append(f"{provider} ({book.meta.get('label', '')}), {len(book.frame)} reports")
    if not multiples and not books:
        return None
    merged = pd.DataFrame()
    for provider, frame in multiples:
        for column in MULTIPLES:
            if column not in frame.columns:
                continue
            values = frame[column].dropna()
            if column not in merged.columns:
                merged = merged.reindex(merged.index.union(values.index))
                merged[column] = values
                merged[f"{column}_source"] = pd.Series(provider, index=values.index, dtype="object")
                continue
            merged = merged.reindex(merged.index.union(values.index))
            fill = merged[column].isna() & values.reindex(merged.index).notna()
            merged.loc[fill, column] = values.reindex(merged.index)[fill]
            merged.loc[fill, f"{column}_source"] = provider
    ordered = sorted(books.values(), key=lambda bv: (bv.published, bv.period_end or date.min))
    return ValuationHistory(ticker, merged.sort_index(), ordered, book_sources, sources)
