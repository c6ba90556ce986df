"""Year-to-date and 1/3/12-month price changes for the comp table, from the stored histories (adjusted closes),
else the change published with the price (the bundled snapshot's YTD), else NA."""

from __future__ import annotations

import math
from collections.abc import Mapping

from screener.app.comptable import PriceChanges
from screener.core.values import NA, Value
from screener.data.store import Store
from screener.errors import StoreCorrupt
from screener.models import Quote


def price_changes(store: Store | None, quotes: Mapping[str, Quote]) -> dict[str, PriceChanges]:
    """Per ticker: from the stored history when it has a close on the quote's date (``store`` None: not looked
    at, e.g. ``--source snapshot``); else the quote's published YTD; else nothing (NA)."""
    out: dict[str, PriceChanges] = {}
    for ticker, quote in quotes.items():
        computed = _from_history(store, ticker, quote) if store is not None else None
        if computed is not None:
            out[ticker] = computed
        elif quote.ytd_change is not None:
            out[ticker] = PriceChanges(ytd=quote.ytd_change, source=f"{quote.source} (published)")
    return out


def _from_history(store: Store, ticker: str, quote: Quote) -> PriceChanges | None:
    if not store.path("prices", ticker, ".parquet").exists():
        return None
    try:
        stored = store.read_prices(ticker)
    except StoreCorrupt:
        return None
    if stored is None:
        return None
    import pandas as pd

    from screener.core.returns import changes_at

    found = changes_at(stored.frame["adj_close"], pd.Timestamp(quote.price_date))
    if found is None:
        return None

    def value(x: float) -> Value:
        return x if math.isfinite(x) else NA

    return PriceChanges(value(found["ytd"]), value(found["m1"]), value(found["m3"]), value(found["m12"]), "store")
