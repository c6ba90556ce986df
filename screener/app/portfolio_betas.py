"""The portfolio's beta to each stored oxide series (``screener portfolio``, METHODS §12): every included name of
the book and the benchmark against every stored series by the correlation engine
(:func:`screener.app.correlate.correlate`, the config's ``[correlation]`` settings, up to the as-of date), then
``β_P = Σ w_i β_i / Σ w_i`` over the names with a beta (:func:`screener.core.aggregates.weighted_mean`: a name
without one is left out and the weights renormalised; the covered weight is kept)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from screener.app.portfolio_results import OxideBeta
from screener.app.scope import over
from screener.app.scope_types import ResolvedScope
from screener.core import aggregates as agg
from screener.core.portfolio import difference
from screener.core.values import NA, Value
from screener.environment import Environment
from screener.errors import DataUnavailable, StoreCorrupt, UsageError
from screener.models import Universe


def oxide_betas(
    env: Environment,
    scope: ResolvedScope,
    universes: Sequence[Universe],
    held: Mapping[str, float],
    bench: Mapping[str, float] | None,
) -> tuple[list[OxideBeta], list[str]]:
    """The betas per stored series, and notes (why there are none when the engine cannot run)."""
    ids = sorted(env.store.series_keys("oxides"))
    if not ids or not universes:
        return [], []
    from screener.app.correlate import CorrelateOptions, correlate

    try:
        result = correlate(env, CorrelateOptions(over(scope, universes), oxides=ids))
    except (DataUnavailable, UsageError, StoreCorrupt) as exc:
        return [], [f"oxide betas: {exc}"]
    found: dict[tuple[str, str], Value] = {}
    for ticker, series, beta, status in result.rows[["ticker", "series", "beta", "status"]].itertuples(index=False):
        if status == "" and isinstance(beta, float) and math.isfinite(beta):
            found[(str(ticker), str(series))] = beta
    out = []
    for sid in ids:
        mine = agg.weighted_mean((w, found.get((t, sid), NA)) for t, w in held.items())
        if bench is None:
            out.append(OxideBeta(sid, mine.value, mine.covered))
            continue
        theirs = agg.weighted_mean((w, found.get((t, sid), NA)) for t, w in bench.items())
        out.append(
            OxideBeta(sid, mine.value, mine.covered, theirs.value, theirs.covered, difference(mine.value, theirs.value))
        )
    return out, [f"oxide betas: {note}" for note in result.notes]
