"""The local store as a link of the source chain: stored quotes and price histories, consensus and FX."""

from __future__ import annotations

import math
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
            quote = self._read(
                ticker, partial(self.store.read_quote, ticker, self.name, self.currencies.get(ticker, ""))
            )
            if quote is not None and (self.as_of is None or quote.price_date <= self.as_of):
                out[ticker] = quote
                continue
            stored = self._read(ticker, partial(self.store.read_prices, ticker))
            if stored is None or stored.frame.empty:
                continue
            import numpy as np

            frame = stored.frame
            rows = frame[np.isfinite(frame["adj_close"]) & (frame["adj_close"] > 0)]
            if self.as_of is not None:
                rows = rows[rows.index.date <= self.as_of]
            if rows.empty:
                continue
            last = rows.iloc[-1]
            close = float(last["close"])
            price = close if math.isfinite(close) and close > 0 else float(last["adj_close"])
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
        stored = self.store.record_keys("consensus")  # one listing instead of a failed open per name
        for ticker in tickers:
            if ticker not in stored:
                continue
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
        stored = self._read("FX", self.store.read_fx_table)
        if stored is None:
            return {}
        rates, _ = stored
        return {c: rates[c] for c in currencies if c in rates}
