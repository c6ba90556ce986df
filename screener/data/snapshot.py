"""The bundled demo snapshot: prices, price dates, market caps and as-of FX (with dates and sources).

Built from the published comp sheet of 10 Oct 2025 (prices, USD market caps) and FRED H.10 FX rates,
so ``screener screen`` works on a fresh install with no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from typing import Any

from screener.core import fx
from screener.data.base import MarketData, SourceBase
from screener.models import FxRate, Quote

SNAPSHOT_FILE = "snapshot_2025-10-10.json"


@dataclass
class SnapshotSource(SourceBase):
    """A :class:`~screener.data.base.MarketSource` over the bundled JSON file (with the published year-to-date
    change). It also completes the others' quotes: a missing market cap is the price × the share count the
    snapshot implies, marked estimated."""

    raw: dict[str, Any]
    name: str = "snapshot"

    @classmethod
    def bundled(cls) -> SnapshotSource:
        text = resources.files("screener.data").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8")
        return cls(json.loads(text))

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.raw["as_of"])

    def describe(self) -> str:
        return f"the bundled snapshot of {self.raw['as_of']} (published comp sheet)"

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        table = self.raw["fx"]
        return {
            c: FxRate(c, float(table[c]["per_usd"]), date.fromisoformat(table[c]["date"]), table[c]["source"])
            for c in currencies
            if c in table
        }

    def _market_cap(self, row: dict[str, Any]) -> float | None:
        """The published USD market cap (millions) in the trading currency, at the snapshot's rate."""
        if row.get("market_cap_usd_m") is None:
            return None
        rates = {c: float(r["per_usd"]) for c, r in self.raw["fx"].items()}
        return fx.convert(float(row["market_cap_usd_m"]), "USD", row["currency"], rates)

    def implied_shares(self, ticker: str) -> float | None:
        """Shares outstanding (millions) implied by the snapshot: market cap in trading currency / price."""
        row = self.raw["quotes"].get(ticker)
        market_cap = self._market_cap(row) if row else None
        if not row or not market_cap:
            return None
        return market_cap / float(row["price"])

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        out: dict[str, Quote] = {}
        for ticker in tickers:
            row = self.raw["quotes"].get(ticker)
            if row is None:
                continue
            out[ticker] = Quote(
                ticker=ticker,
                price=float(row["price"]),
                currency=row["currency"],
                price_date=date.fromisoformat(row["price_date"]),
                source=self.name,
                market_cap=self._market_cap(row),
                ytd_change=float(row["ytd_change"]) if row.get("ytd_change") is not None else None,
            )
        return out

    def complete(self, data: MarketData) -> None:
        for ticker, quote in data.quotes.items():
            if quote.market_cap is None:
                shares = self.implied_shares(ticker)
                if shares is not None:
                    data.quotes[ticker] = replace(quote, market_cap=quote.price * shares, market_cap_estimated=True)
