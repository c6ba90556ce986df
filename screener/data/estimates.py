"""Dated consensus sets in the store (kind ``consensus``), beside Yahoo's fetched consensus.

Yahoo's consensus is stored under the ticker (``consensus/600111.SS.json``, FY1/FY2 relative to the fetch date).
Sources that label fiscal years are stored beside it under ``TICKER=PROVIDER``:

- ``600111.SS=akshare-ths``: A-share consensus from AKShare (THS 盈利预测, Sina ratings), fetched again by
  ``screener fetch``;
- ``600111.SS=import``: ``screener estimates import`` (kept by ``cache clear`` unless ``--all``).

Each record's payload is ``{"ticker", "sets": [set, ...]}``; a set is one estimate as known on one date::

    {"as_of": "2025-10-30", "source": "akshare-ths", "currency": "CNY", "target_price": 28.5,
     "years": {"2025": {"eps": 0.62, "eps_min": 0.51, "eps_max": 0.78, "n_analysts": 18, ...}}}

A new set replaces the one of the same date and source; older ones are kept, so a screen at an earlier date
still finds the estimate known then (METHODS §9).

Precedence (:func:`pick`): of every consensus a ticker has (Yahoo's, AKShare's, each imported set), the one
with the **newest date on or before the screen date** wins (ties: Yahoo, then AKShare, then imports — the
order of :data:`PROVIDERS`); when none is known by then, the earliest later one is returned so the comp table can
flag ``estimate_after_as_of``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from screener.core.revisions import newest_known
from screener.data.store import Store, StoredRecord
from screener.errors import StoreCorrupt, UnreadableStored
from screener.models import ConsensusEstimate, EstimateYear

PROVIDERS = ("akshare-ths", "import")
"""Record keys beside the ticker's own (Yahoo) record, in tie-break order."""
YEAR_FIELDS = ("eps", "dps", "bvps", "ebitda", "net_debt", "eps_min", "eps_max", "n_analysts")


def record_key(ticker: str, provider: str) -> str:
    """``600111.SS=akshare-ths``: the stored record of ``provider``'s sets for ``ticker``."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown consensus provider {provider!r}")
    return f"{ticker}={provider}"


def write_sets(
    store: Store, ticker: str, provider: str, sets: Sequence[Mapping[str, Any]], *, replace: bool | None = False
) -> StoredRecord:
    """Merge ``sets`` into the stored record under its lock (a set replaces the stored one of the same date and
    source; ``replace``: the record holds ``sets`` alone). An unreadable record stops the merge
    (UnreadableStored, exit 2); with ``replace`` it is kept aside. A fetch (AKShare) passes ``replace=None``:
    merged, an unreadable record kept aside and replaced (the sets can be fetched again)."""
    key = record_key(ticker, provider)
    with store.locked("consensus", key, ".json"):
        read = partial(store.read_record, "consensus", key)
        try:
            record = store.merge_base(read, replace=bool(replace))
        except UnreadableStored:
            if replace is not None:
                raise
            record = None
        held = list(record.payload.get("sets", [])) if record is not None else []
        new = {(s["as_of"], s["source"]) for s in sets}
        merged = [s for s in held if (s.get("as_of"), s.get("source")) not in new] + [dict(s) for s in sets]
        merged.sort(key=lambda s: (str(s.get("as_of")), str(s.get("source"))))
        return store.write_record("consensus", key, {"ticker": ticker, "sets": merged}, source=provider)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def to_estimate(one: Mapping[str, Any], fetched_at: Any = None) -> ConsensusEstimate:
    """A stored set as the :class:`ConsensusEstimate` the comp table takes (ValueError/KeyError/TypeError when
    malformed: the caller treats the record as unreadable)."""
    years: dict[int, EstimateYear] = {}
    for label, raw in dict(one.get("years") or {}).items():
        values = {f: _number(raw.get(f)) for f in YEAR_FIELDS}
        n = values.pop("n_analysts")
        years[int(label)] = EstimateYear(**values, n_analysts=int(n) if n is not None else None)  # type: ignore[arg-type]
    return ConsensusEstimate(
        eps_fy1=None,
        eps_fy2=None,
        eps_currency=one.get("currency") or None,
        target_mean=_number(one.get("target_price")),
        analysts=None,
        source=str(one["source"]),
        fetched_at=fetched_at,
        years=years,
        as_of=date.fromisoformat(str(one["as_of"])),
    )


def stored_estimates(store: Store, tickers: Iterable[str]) -> tuple[dict[str, list[ConsensusEstimate]], dict[str, str]]:
    """Every dated consensus set stored for these tickers (AKShare, imports), and per-ticker problems (an
    unreadable record is named and left out)."""
    keys = store.record_keys("consensus")
    out: dict[str, list[ConsensusEstimate]] = {}
    problems: dict[str, str] = {}
    for ticker in tickers:
        for provider in PROVIDERS:
            key = f"{ticker}={provider}"
            if key not in keys:
                continue
            try:
                record = store.read_record("consensus", key)
                if record is None:
                    continue
                sets = [to_estimate(s, record.fetched_at) for s in record.payload.get("sets", [])]
            except StoreCorrupt as exc:
                problems[ticker] = f"{exc}; ignored"
                continue
            except (KeyError, TypeError, ValueError) as exc:
                problems[ticker] = f"stored consensus {key} unreadable ({type(exc).__name__}: {exc}); ignored"
                continue
            out.setdefault(ticker, []).extend(sets)
    return out, problems


def pick(candidates: Sequence[ConsensusEstimate], day: date) -> ConsensusEstimate | None:
    """The consensus with the newest date on or before ``day`` (ties: the earlier candidate); when none is known
    by then, the earliest later one (so its use can be refused and flagged); None without candidates. A candidate
    without any date counts as known."""
    if not candidates:
        return None
    known = newest_known(candidates, day)  # the one rule, shared with the revision columns (core/revisions)
    if known is not None:
        return known
    return min(enumerate(candidates), key=lambda ic: (ic[1].known_on or date.max, ic[0]))[1]


def candidates(
    fetched: Mapping[str, ConsensusEstimate], stored: Mapping[str, list[ConsensusEstimate]]
) -> dict[str, list[ConsensusEstimate]]:
    """Per ticker every consensus set in tie-break order: the source chain's (Yahoo) first, then the stored ones."""
    return {
        ticker: [*([fetched[ticker]] if ticker in fetched else []), *stored.get(ticker, [])]
        for ticker in dict.fromkeys([*fetched, *stored])
    }


def merge(
    fetched: Mapping[str, ConsensusEstimate], stored: Mapping[str, list[ConsensusEstimate]], day: date
) -> dict[str, ConsensusEstimate]:
    """Per ticker, :func:`pick` over the source chain's consensus (Yahoo) and the stored dated sets."""
    out: dict[str, ConsensusEstimate] = {}
    for ticker, sets in candidates(fetched, stored).items():
        chosen = pick(sets, day)
        if chosen is not None:
            out[ticker] = chosen
    return out
