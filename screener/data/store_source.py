"""The local store as a link of the source chain: stored quotes and price histories, consensus and FX."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from screener.data.base import SourceBase
from screener.data.store import Store
from screener.errors import StoreCorrupt
from screener.models import ConsensusEstimate, FxRate, Quote


@dataclass
class StoreSource(SourceBase):
    """A :class:`~screener.data.base.MarketSource` over the store: a stored quote (from a live fetch) or else
    the last row of a stored price history. ``currencies`` gives each ticker's expected trading currency."""

    store: Store
    currencies: dict[str, str] = field(default_factory=dict)
    name: str = "store"
    as_of: date | None = None
    """Serve the last price on or before this date (default: the latest stored)."""
    _problems: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"the local store ({self.store.root})"

    def problems(self) -> dict[str, str]:
        return dict(self._problems)

    def _read(self, ticker: str, read: Callable[[], Any]) -> Any:
        """``read()``, or None (the problem noted for ``ticker``) when the stored file is unreadable."""
        try:
            return read()
        except StoreCorrupt as exc:
            self._problems[ticker] = f"{exc}; ignored"
            return None

    def quotes(self, tickers: Iterable[str]) -> dict[str, Quote]:
        out: dict[str, Quote] = {}
        for ticker in tickers:
            record = self._read(ticker, partial(self.store.read_record, "quotes", ticker))
            fresh_enough = record is not None and (
                self.as_of is None or date.fromisoformat(str(record.payload.get("price_date"))) <= self.as_of
            )
            if record is not None and fresh_enough and record.payload.get("price"):
                p = record.payload
                out[ticker] = Quote(
                    ticker=ticker,
                    price=float(p["price"]),
                    currency=str(p.get("currency") or self.currencies.get(ticker, "")),
                    price_date=date.fromisoformat(str(p["price_date"])),
                    source=self.name,
                    market_cap=float(p["market_cap"]) if p.get("market_cap") else None,
                    fetched_at=record.fetched_at,
                )
                continue
            stored = self._read(ticker, partial(self.store.read_prices, ticker))
            if stored is None or stored.frame.empty:
                continue
            rows = stored.frame.dropna(subset=["adj_close"])
            if self.as_of is not None:
                rows = rows[rows.index.date <= self.as_of]
            if rows.empty:
                continue
            last = rows.iloc[-1]
            price = last["close"] if last["close"] == last["close"] else last["adj_close"]
            out[ticker] = Quote(
                ticker=ticker,
                price=float(price),
                currency=stored.currency or self.currencies.get(ticker, ""),
                price_date=rows.index[-1].date(),
                source=self.name,
                fetched_at=stored.fetched_at,
            )
        return out

    def consensus(self, tickers: Iterable[str]) -> dict[str, ConsensusEstimate]:
        """Consensus EPS and targets stored by ``screener fetch`` (Yahoo), by ticker."""
        out: dict[str, ConsensusEstimate] = {}
        for ticker in tickers:
            record = self._read(ticker, partial(self.store.read_record, "consensus", ticker))
            if record is None:
                continue
            from screener.data.yahoo import normalise_consensus

            c = normalise_consensus(record.payload)
            if c.eps_fy1 is None and c.eps_fy2 is None and c.target_mean is None:
                continue
            out[ticker] = ConsensusEstimate(
                c.eps_fy1,
                c.eps_fy2,
                c.eps_currency,
                c.target_mean,
                c.eps_fy1_analysts,
                "Yahoo consensus",
                record.fetched_at,
            )
        return out

    def fx_rates(self, currencies: Iterable[str]) -> dict[str, FxRate]:
        record = self._read("FX", partial(self.store.read_record, "fx", "spot"))
        if record is None:
            return {}
        table = record.payload
        return {
            c: FxRate(
                c,
                float(table[c]["per_usd"]),
                date.fromisoformat(table[c]["date"]),
                str(table[c].get("source", "store")),
            )
            for c in currencies
            if c in table
        }
