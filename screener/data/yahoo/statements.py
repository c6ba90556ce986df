"""Yahoo statements through yfinance (I/O): the balance-sheet items a book value per share needs, per report
period; and the annual income statement, cash flow and balance sheet the peer financial metrics need (#15).

``Ticker.get_balance_sheet(freq="yearly"|"quarterly")`` (what ``Ticker.balance_sheet`` and
``quarterly_balance_sheet`` call, with ``pretty=True``) are one request each to Yahoo's
fundamentals-timeseries endpoint (``/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}?type=annual...``,
``quarterly...``); Yahoo serves the last 4 years or 5 quarters. yfinance keeps each value's ``asOfDate`` (the
balance-sheet date) but drops its ``currencyCode``, and Yahoo gives no publication date:
:func:`screener.data.yahoo.normalise.book_values` turns the raw sheets into point-in-time book values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from screener.data.yahoo.policy import RetryPolicy

if TYPE_CHECKING:
    from screener.data.statements import FiscalYear

ITEMS = ("CommonStockEquity", "StockholdersEquity", "OrdinarySharesNumber", "ShareIssued")
"""The balance-sheet rows kept (yfinance's names, without the annual/quarterly prefix)."""


def _sheet(frame: Any, items: tuple[str, ...] = ITEMS) -> dict[str, dict[str, float | None]]:
    """yfinance's statement frame (items x period dates) -> ``{"2024-12-31": {item: value}}`` for ``items``."""
    if frame is None or getattr(frame, "empty", True):
        return {}
    out: dict[str, dict[str, float | None]] = {}
    for period in frame.columns:
        values: dict[str, float | None] = {}
        for item in items:
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


ANNUAL_FIELDS: dict[str, tuple[str, ...]] = {
    "revenue": ("TotalRevenue",),
    "gross_profit": ("GrossProfit",),
    "ebit": ("EBIT",),
    "net_income": ("NetIncomeCommonStockholders", "NetIncome"),
    "d_and_a": ("ReconciledDepreciation", "DepreciationAndAmortization"),
    "operating_cash_flow": ("OperatingCashFlow",),
    "capex": ("CapitalExpenditure",),
    "fcf": ("FreeCashFlow",),
    "cash": ("CashAndCashEquivalents",),
    "borrowings": ("TotalDebt",),
    "total_equity": ("StockholdersEquity",),
    "minority_interests": ("MinorityInterest",),
    "shares": ("OrdinarySharesNumber",),
}
"""Store field (:data:`screener.data.statements.FIELDS`) -> Yahoo items, the first one reported wins. Yahoo's
``StockholdersEquity`` excludes minorities (as the house model's ``total_equity``); ``NetIncome`` is the
parent's share (``NetIncomeCommonStockholders`` also deducts preferred dividends, so it is preferred)."""
INCOME_ITEMS = ("TotalRevenue", "GrossProfit", "EBIT", "NetIncomeCommonStockholders", "NetIncome",
                "ReconciledDepreciation")  # fmt: skip
CASH_FLOW_ITEMS = ("OperatingCashFlow", "CapitalExpenditure", "FreeCashFlow", "DepreciationAndAmortization")
BALANCE_ITEMS = (
    "CashAndCashEquivalents",
    "TotalDebt",
    "StockholdersEquity",
    "MinorityInterest",
    "OrdinarySharesNumber",
)


def fetch_annual_statements(ticker: str, session: Any, *, policy: RetryPolicy | None = None) -> dict[str, Any]:
    """``{"ticker", "annual": {period_end: {item: value}}}``: the annual income statement, cash flow and balance
    sheet as Yahoo reported them (three fundamentals-timeseries requests; Yahoo serves the last 4 fiscal years),
    the items of :data:`ANNUAL_FIELDS` only, in units of the reporting currency. Raises the adapter's typed
    errors under the shared retry policy, like :func:`fetch_balance_sheets`."""
    import yfinance as yf

    sym = ticker.strip().upper()

    def call() -> dict[str, Any]:
        t = yf.Ticker(sym, session=session)
        annual: dict[str, dict[str, float | None]] = {}
        for frame, items in (
            (t.get_income_stmt(pretty=False, freq="yearly"), INCOME_ITEMS),
            (t.get_cash_flow(pretty=False, freq="yearly"), CASH_FLOW_ITEMS),
            (t.get_balance_sheet(pretty=False, freq="yearly"), BALANCE_ITEMS),
        ):
            for period, values in _sheet(frame, items).items():
                annual.setdefault(period, {}).update(values)
        return {"ticker": sym, "annual": annual}

    return dict((policy or RetryPolicy()).call(sym, call))


def annual_years(raw: dict[str, Any], currency: str | None) -> list[FiscalYear]:
    """Pure: :func:`fetch_annual_statements`'s answer -> reported fiscal years for the statements store, oldest
    first: totals in millions (``shares`` in millions), ``borrowings`` = TotalDebt, ``fiscal_year`` = the calendar
    year of the period end, never estimates. A period with none of the fields is dropped."""
    from datetime import date

    from screener.data.statements import FiscalYear

    out: list[FiscalYear] = []
    for period, items in sorted(raw.get("annual", {}).items()):
        values: dict[str, float] = {}
        for name, candidates in ANNUAL_FIELDS.items():
            found = next((items[c] for c in candidates if items.get(c) is not None), None)
            if found is not None and math.isfinite(found):
                values[name] = found / 1e6
        if values:
            end = date.fromisoformat(period[:10])
            out.append(FiscalYear(end.year, end, False, values, {k: "yahoo" for k in values}, currency))
    return out
