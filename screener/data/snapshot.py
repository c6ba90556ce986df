"""The bundled demo snapshot: prices, price dates, market caps and as-of FX (with dates and sources).

Built from the published comp sheet of 10 Oct 2025 (prices, USD market caps) and FRED H.10 FX rates,
so ``screener screen`` works on a fresh install with no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from screener.models import FxRate, Quote

SNAPSHOT_FILE = "snapshot_2025-10-10.json"


@dataclass
class SnapshotSource:
    """A :class:`~screener.data.base.MarketSource` over the bundled JSON file."""

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

    def implied_shares(self, ticker: str) -> float | None:
        """Shares outstanding (millions) implied by the snapshot: market cap in trading currency / price."""
        row = self.raw["quotes"].get(ticker)
        fx = self.raw["fx"].get(row["currency"]) if row else None
        if not row or not fx or not row.get("market_cap_usd_m"):
            return None
        return float(row["market_cap_usd_m"]) * float(fx["per_usd"]) / float(row["price"])

    def quotes(self, tickers: Sequence[str]) -> dict[str, Quote]:
        out: dict[str, Quote] = {}
        fx = self.raw["fx"]
        for ticker in tickers:
            row = self.raw["quotes"].get(ticker)
            if row is None:
                continue
            currency = row["currency"]
            market_cap = None
            if row.get("market_cap_usd_m") is not None and currency in fx:
                market_cap = float(row["market_cap_usd_m"]) * float(fx[currency]["per_usd"])
            out[ticker] = Quote(
                ticker=ticker,
                price=float(row["price"]),
                currency=currency,
                price_date=date.fromisoformat(row["price_date"]),
                source=self.name,
                market_cap=market_cap,
            )
        return out
