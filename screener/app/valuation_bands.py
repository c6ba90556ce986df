"""The daily P/B or P/E history behind a band (``screener value``, ``chart pb-band``, band targets) and the comp
table's percentile columns, from wherever it exists (METHODS §5, §5.1):

1. P/B with ``[[company.book_values]]`` in the universe and a stored price history: stored raw closes ÷ the BVPS
   published before each day (the universe wins: the analyst typed those values for this purpose). Said as
   "universe book values". Without stored prices, a stored valuation history (2.) is used when there is one.
2. Else the stored valuation history (:mod:`screener.data.valuation`): the stored daily series of the multiple
   when a provider stored one (terminal > baostock > yahoo, day by day), said as "stored history (terminal:
   wind_pb.csv ...)"; else, for P/B, stored raw closes ÷ the stored book values (point in time).
3. Else no history (a note says what to import).

Today's point is on the history's own basis (:mod:`screener.core.valuation_history`): price ÷ the BVPS published
by the price date for a history built from book values; price ÷ (close ÷ multiple on the series' last day) for a
stored series.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from screener.core import fx
from screener.core.values import NA, Value, is_num
from screener.errors import DataUnavailable, StoreCorrupt
from screener.models import BookValue, Company, FxRate, Quote

if TYPE_CHECKING:
    import pandas as pd

    from screener.data.store import Store
    from screener.data.valuation import ValuationHistory

LABELS = {"pb": "P/B", "pe": "P/E"}
DENOMINATORS = {"pb": "BVPS", "pe": "trailing EPS"}


def price_series(store: Store, ticker: str, as_of: date | None) -> tuple[pd.Series | None, str]:
    """The stored raw close (adj_close where the raw close is unknown) up to ``as_of``, and a description."""
    import pandas as pd

    try:
        stored = store.read_prices(ticker)
    except StoreCorrupt as exc:
        return None, f"{exc}; ignored"  # an unreadable file, said as such (not "no history")
    if stored is None or stored.frame.empty:
        return None, "no stored price history"
    frame = stored.frame
    series = frame["close"].where(frame["close"].notna(), frame["adj_close"]).dropna()
    if as_of is not None:
        series = series[series.index <= pd.Timestamp(as_of)]
    if series.empty:
        return None, "no stored prices on or before the as-of date"
    origin = f" from {stored.origin.rsplit('/', 1)[-1]}" if stored.origin else ""
    return series, f"store ({stored.source}{origin}), {series.index[0].date()} to {series.index[-1].date()}"


def in_currency(
    books: Iterable[BookValue], currency: str, rates: Mapping[str, FxRate], ticker: str
) -> tuple[list[BookValue], list[str]]:
    """Book values in ``currency`` (the trading currency; spot-converted), and notes."""
    out, notes = [], []
    for bv in books:
        if bv.currency is None or bv.currency == currency:
            out.append(bv)
            continue
        factor = fx.factor(bv.currency, currency, dict(rates))
        if factor is None:
            raise DataUnavailable(f"{ticker}: no {bv.currency}/{currency} rate to convert book values")
        out.append(replace(bv, bvps=bv.bvps * factor, currency=currency))
        note = f"book values in {bv.currency} converted to {currency} at the as-of spot rate"
        if note not in notes:
            notes.append(note)
    return out, notes


def book_values_in(company: Company, rates: Mapping[str, FxRate]) -> tuple[list[BookValue], list[str]]:
    """The company's published book values in its trading currency (spot-converted), and notes."""
    return in_currency(company.book_values, company.currency, rates, company.ticker)


@dataclass
class BandHistory:
    """A daily multiple history and today's denominator on its basis, with where both came from."""

    multiple: str
    series: pd.Series
    denominator: Value
    """BVPS (P/B) or trailing EPS (P/E) that today's price is divided by (NA: unknown)."""
    denominator_text: str
    basis: str
    """"universe book values", "stored history" or "none"."""
    source: str
    book_values: int = 0
    notes: list[str] = field(default_factory=list)
    missing: str = ""
    """Why the series is empty, in a portfolio manager's words (the report's *Not shown* list): "no book-value or
    P/B history stored", "no price history stored" ...; empty when there is a series."""

    def current(self, price: float) -> Value:
        """Today's point: ``price ÷ denominator`` (NA/NM carried)."""
        from screener.core.valuation_history import current_multiple

        return current_multiple(price, self.denominator)


def band_history(
    store: Store,
    symbol: str,
    company: Company | None,
    multiple: str,
    prices: pd.Series | None,
    history_source: str,
    rates: Mapping[str, FxRate],
    as_of: date,
    price_date: date,
) -> BandHistory:
    """The ``multiple`` ("pb" or "pe") history of ``symbol`` up to ``as_of`` (module docstring for the order) and
    the denominator of today's point at ``price_date``. ``prices``: the stored raw closes up to ``as_of``."""
    import pandas as pd

    label = LABELS[multiple]
    currency = company.currency if company else ""
    empty = pd.Series(dtype="float64", name=multiple, index=pd.DatetimeIndex([], name="date"))
    universe: BandHistory | None = None
    if multiple == "pb" and company is not None and company.book_values:
        books, notes = book_values_in(company, rates)
        name = Path(company.source_file).name
        source = f"P/B: universe book values ({name}, {len(books)} reports); prices: {history_source}"
        universe = _from_books(books, prices, price_date, source, "universe book values", notes)
        if prices is not None:
            return universe
    try:
        from screener.data.valuation import read_valuation

        stored = read_valuation(store, symbol)
    except StoreCorrupt as exc:
        return BandHistory(multiple, empty, NA, "none", "none", f"{label}: none", 0, [f"{exc}; ignored"],
                           f"its stored {label} history cannot be read")  # fmt: skip
    series = stored.series(multiple) if stored is not None else empty
    if not series.empty:
        series = series[series.index <= pd.Timestamp(as_of)]
    if stored is not None and not series.empty:
        return _from_stored(stored, series, multiple, prices, history_source)
    if multiple == "pb" and stored is not None and stored.book_values:
        books, notes = in_currency(stored.book_values, currency or "", rates, symbol) if currency else (
            list(stored.book_values), [])  # fmt: skip
        source = (
            f"P/B: stored history (built from stored prices and stored book values: "
            f"{'; '.join(stored.book_sources)}); prices: {history_source}"
        )
        return _from_books(books, prices, price_date, source, "stored history", notes)
    if universe is not None:  # book values but no prices to divide: its notes say what to import
        return universe
    how = "screener valuation import FILE --ticker T --pe-col C" if multiple == "pe" else (
        "[[company.book_values]] in the universe, or screener valuation import FILE --ticker T --pb-col C")  # fmt: skip
    note = f"no {label} history: no stored {label} series" + (
        " and no book values in the universe or the store" if multiple == "pb" else "") + f" ({how})"  # fmt: skip
    notes = [note] if prices is not None else [note, f"prices: {history_source}"]  # e.g. an unreadable history
    missing = "no book-value or P/B history stored" if multiple == "pb" else f"no {label} history stored"
    return BandHistory(multiple, empty, NA, "none", "none", f"{label}: none", 0, notes, missing)


def _from_books(
    books: list[BookValue], prices: pd.Series | None, price_date: date, source: str, basis: str, notes: list[str]
) -> BandHistory:
    import pandas as pd

    from screener.core import valuation as val

    history = val.pb_history(prices, books) if prices is not None and books else pd.Series(dtype="float64")
    bvps_now = float(val.point_in_time_bvps([price_date], books).iloc[0]) if books else float("nan")
    denominator: Value = bvps_now if bvps_now == bvps_now else NA
    text = f"BVPS published before {price_date}" if is_num(denominator) else f"no BVPS published by {price_date}"
    missing = ""
    if prices is None:
        notes = [*notes, "no stored price history to build the P/B history (screener prices import FILE --ticker T)"]
        missing = "no price history stored"
    elif history.empty:
        notes = [*notes, "no day with both a stored price and a book value published by then"]
        missing = "no stored price on or after its first published book value"
    return BandHistory("pb", history.rename("pb"), denominator, text, basis, source, len(books), notes, missing)


def _from_stored(
    stored: ValuationHistory, series: pd.Series, multiple: str, prices: pd.Series | None, history_source: str
) -> BandHistory:
    """A stored daily series; today's denominator = stored close ÷ multiple on the series' last day."""
    import pandas as pd

    from screener.core.valuation_history import implied_denominator

    label, what = LABELS[multiple], DENOMINATORS[multiple]
    column = f"{multiple}_source"
    used = stored.multiples.loc[series.index, column].dropna() if column in stored.multiples else []
    providers = list(dict.fromkeys(used))
    described = [s for s in stored.sources if s.split(" ", 1)[0] in providers] or stored.sources
    source = f"{label}: stored history ({'; '.join(described)})"
    last_day, last = series.index[-1], float(series.iloc[-1])
    notes: list[str] = []
    close = prices.get(pd.Timestamp(last_day)) if prices is not None else None
    if close is not None and close == close:
        denominator = implied_denominator(float(close), last)
        text = f"{what} implied by the stored {label}: close {float(close):g} ÷ {last:.2f}x on {last_day.date()}"
    else:
        denominator = NA
        text = f"no stored close on {last_day.date()} to imply the {what} behind the stored {label}"
        notes.append(f"{text} ({history_source}): today's {label} is NA (screener prices import FILE --ticker T)")
    return BandHistory(multiple, series.rename(multiple), denominator, text, "stored history", source, 0, notes)


def history_positions(
    store: Store,
    companies: Iterable[Company],
    quotes: Mapping[str, Quote],
    rates: Mapping[str, FxRate],
    since: date,
    as_of: date,
) -> dict[str, dict[str, Value]]:
    """The comp table's ``pb_pctile``, ``pe_pctile`` and ``pb_z`` by ticker: today's P/B and P/E (the quote's price
    on the history's own basis) in the history from ``since`` to ``as_of``
    (:func:`screener.core.valuation_history.position`). Only companies with universe book values or a file in the
    store's valuation folder (listed once) are read — book values only with a stored price history to divide —; the
    others get nothing (NA), without importing pandas."""
    holders = store.tickers_with("valuation")
    priced = set(store.series_keys("prices")) if any(c.book_values for c in companies) else set()
    wanted = [c for c in companies
              if c.ticker in quotes and (c.ticker in holders or (c.book_values and c.ticker in priced))]  # fmt: skip
    if not wanted:
        return {}
    from screener.core.valuation_history import position

    out: dict[str, dict[str, Value]] = {}
    for company in wanted:
        quote = quotes[company.ticker]
        prices, source = price_series(store, company.ticker, as_of)
        found: dict[str, Value] = {}
        for multiple in ("pb", "pe"):
            try:
                history = band_history(
                    store, company.ticker, company, multiple, prices, source, rates, as_of, quote.price_date
                )
            except DataUnavailable:
                continue
            if history.series.empty:
                continue
            place = position(history.series, history.current(quote.price), since, as_of, quote.price_date)
            found[f"{multiple}_pctile"] = place.percentile
            if multiple == "pb":
                found["pb_z"] = place.z_score
        out[company.ticker] = found
    return out
