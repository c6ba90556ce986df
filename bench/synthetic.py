"""Synthetic universes and stores for the benchmarks (not shipped data: built in a temporary folder per run).

``build(folder, n)`` writes a universe of ``n`` names in groups of 50 (a third each Shanghai A-shares in CNY, US
names in USD, Tokyo names in JPY), 60% with a house view and all with consensus multiples, plus a config and a
store holding what ``screener fetch`` would have left there: a fresh live quote per name, the FX spot table and a
price history per name (``history_days`` business days of adjusted closes). Deterministic (seeded).
"""

from __future__ import annotations

import io
import json
import math
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

GROUP_SIZE = 50
PER_USD = {"USD": 1.0, "CNY": 7.12, "JPY": 151.3}


@dataclass(frozen=True)
class Synthetic:
    config: Path
    universe: Path
    store: Path
    tickers: list[str]


def ticker_for(i: int) -> tuple[str, str]:
    """The i-th synthetic symbol and its trading currency (every form the ticker rules accept)."""
    kind = i % 3
    if kind == 0:
        return f"{600000 + i // 3:06d}.SS", "CNY"
    if kind == 1:
        letters, k = "", i // 3
        for _ in range(4):
            letters, k = string.ascii_uppercase[k % 26] + letters, k // 26
        return letters, "USD"
    return f"{1300 + i // 3:04d}.T", "JPY"


def _universe_text(n: int, as_of: date) -> str:
    lines = ['[universe]\nname = "synthetic"\ndescription = "benchmark universe"\n']
    for i in range(n):
        ticker, currency = ticker_for(i)
        price = 10.0 + (i % 97)
        lines.append(
            f'[[company]]\nticker = "{ticker}"\nname = "Company {i}"\ngroup = "G{i // GROUP_SIZE:03d}"\n'
            f'currency = "{currency}"\nfiscal_year_end_month = 12\n'
        )
        if i % 5 < 3:
            rating = ("Buy", "Neutral", "Sell")[i % 3]
            target = round(price * (1.3, 1.05, 0.8)[i % 3], 2)
            lines.append(
                f'[company.house]\nrating = "{rating}"\ntarget_price = {target}\nset_on = {as_of.isoformat()}\n'
            )
        pe, pb = 8 + i % 30, 0.8 + (i % 17) / 5
        lines.append(
            '[company.consensus]\nsource = "synthetic"\n'
            f"reference_price = {price}\nreference_date = {as_of.isoformat()}\n"
            f"[company.consensus.years.{as_of.year}]\npe = {pe}\npb = {pb:.2f}\nev_ebitda = {pe * 0.6:.1f}\n"
            f"roe = {pb / pe:.3f}\ndy = 0.02\n"
            f"[company.consensus.years.{as_of.year + 1}]\npe = {pe * 0.9:.1f}\npb = {pb * 0.95:.2f}\n"
            f"ev_ebitda = {pe * 0.5:.1f}\nroe = {pb / pe * 1.1:.3f}\ndy = 0.025\n"
        )
    return "\n".join(lines)


def build(folder: Path, n: int, *, history_days: int = 300, now: datetime | None = None) -> Synthetic:
    """Universe, config and a fresh store of ``n`` names under ``folder``."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    now = now or datetime.now(UTC)
    today = now.date()
    folder.mkdir(parents=True, exist_ok=True)
    universe = folder / "synthetic.toml"
    universe.write_text(_universe_text(n, today))
    store = folder / "cache"
    for kind in ("quotes", "fx", "prices"):
        (store / kind).mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(
        f'[universes]\nfiles = ["{universe.name}"]\n\n[store]\ndir = "cache"\nttl_hours = 12\n\n'
        '[history]\npath = "history.sqlite"\n'
    )
    stamp = now.isoformat()

    def record(key: str, payload: dict[str, object]) -> str:
        return json.dumps({"key": key, "source": "live", "fetched_at": stamp, "payload": payload})

    fx = {c: {"per_usd": r, "date": today.isoformat(), "source": "Yahoo"} for c, r in PER_USD.items()}
    (store / "fx" / "spot.json").write_text(record("spot", fx))
    days = pd.bdate_range(end=pd.Timestamp(today), periods=history_days)
    rng = np.random.default_rng(12)
    tickers = []
    for i in range(n):
        ticker, currency = ticker_for(i)
        tickers.append(ticker)
        closes = (10.0 + (i % 97)) * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        closes *= (10.0 + (i % 97)) / closes[-1]  # the quote's price is the last close
        price = float(closes[-1])
        quote = {"price": price, "currency": currency, "price_date": days[-1].date().isoformat(),
                 "market_cap": 500.0 + 10 * (i % 400), "financial_currency": currency,
                 "book_value_per_share": price / 2, "trailing_eps": price / 15, "dividend_yield": 0.02}  # fmt: skip
        (store / "quotes" / f"{ticker}.json").write_text(record(ticker, quote))
        frame = pd.DataFrame({"adj_close": closes, "close": closes}, index=pd.DatetimeIndex(days, name="date"))
        meta = {"ticker": ticker, "source": "live", "fetched_at": stamp, "adjusted": "true", "currency": currency,
                "origin": "yahoo"}  # fmt: skip
        table = pa.Table.from_pandas(frame, preserve_index=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        (store / "prices" / f"{ticker}.parquet").write_bytes(buffer.getvalue())
    assert math.isfinite(price)
    return Synthetic(config, universe, store, tickers)


def age(store: Path, hours: float) -> None:
    """Make every stored quote and the FX table ``hours`` older (past the TTL: the next auto run must fetch)."""
    for path in [*store.glob("quotes/*.json"), store / "fx" / "spot.json"]:
        body = json.loads(path.read_text())
        body["fetched_at"] = (datetime.fromisoformat(body["fetched_at"]) - timedelta(hours=hours)).isoformat()
        path.write_text(json.dumps(body))
