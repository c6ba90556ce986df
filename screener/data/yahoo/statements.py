"""Yahoo balance sheets through yfinance (I/O): the items a book value per share needs, per report period.

``Ticker.get_balance_sheet(freq="yearly"|"quarterly")`` (what ``Ticker.balance_sheet`` and
``quarterly_balance_sheet`` call, with ``pretty=True``) are one request each to Yahoo's
fundamentals-timeseries endpoint (``/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}?type=annual...``,
``quarterly...``); Yahoo serves the last 4 years or 5 quarters. yfinance keeps each value's ``asOfDate`` (the
balance-sheet date) but drops its ``currencyCode``, and Yahoo gives no publication date:
:func:`screener.data.yahoo.normalise.book_values` turns the raw sheets into point-in-time book values.
"""

from __future__ import annotations

import math
from typing import Any

from screener.data.yahoo.fetch import RetryPolicy

ITEMS = ("CommonStockEquity", "StockholdersEquity", "OrdinarySharesNumber", "ShareIssued")
"""The balance-sheet rows kept (yfinance's names, without the annual/quarterly prefix)."""


def _sheet(frame: Any) -> dict[str, dict[str, float | None]]:
    """yfinance's statement frame (items x period dates) -> ``{"2024-12-31": {item: value}}`` for :data:`ITEMS`."""
    if frame is None or getattr(frame, "empty", True):
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for period in frame.columns:
        values: dict[str, float | None] = {}
        for item in ITEMS:
            if item in frame.index:
                value = float(frame.at[item, period])
                values[item] = None if math.isnan(value) else value
        out[str(period.date()) if hasattr(period, "date") else str(period)[:10]] = values
    return out


def fetch_balance_sheets(ticker: str, session: Any, *, policy: RetryPolicy | None = None) -> dict[str, Any]:
    """``{"ticker", "annual": {period_end: {item: value}}, "quarterly": {...}}`` as Yahoo reported them (two
    fundamentals-timeseries requests). Raises the adapter's typed errors (``YahooUnavailable``, ``YahooRateLimited``,
    ``YahooBadTicker``, ``YahooError``) under the shared retry policy."""
    import yfinance as yf

    sym = ticker.strip().upper()

    def call() -> dict[str, Any]:
        t = yf.Ticker(sym, session=session)
        annual = t.get_balance_sheet(pretty=False, freq="yearly")  # pretty=False: Yahoo's item names
        quarterly = t.get_balance_sheet(pretty=False, freq="quarterly")
        return {"ticker": sym, "annual": _sheet(annual), "quarterly": _sheet(quarterly)}

    return dict((policy or RetryPolicy()).call(sym, call))
