"""Hypothesis properties of the group statistics."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from screener.core import aggregates as agg
from screener.core.values import NA, NM

positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
cells = st.one_of(positive, st.just(NA), st.just(NM))


@given(st.lists(positive, min_size=1, max_size=40))
def test_harmonic_mean_at_most_arithmetic_mean(values: list[float]) -> None:
    assert agg.harmonic_mean(values).value <= agg.mean(values).value * (1 + 1e-12)  # type: ignore[operator]


@given(st.lists(cells, max_size=40))
def test_counts_add_up_and_match_statistics(values: list[object]) -> None:
    numbers = [v for v in values if isinstance(v, float)]
    for statistic in agg.STATISTICS:
        result = agg.aggregate(values, statistic)  # type: ignore[arg-type]
        assert result.n == len(numbers)
        assert result.n + result.excluded == len(values)
    if numbers:
        assert agg.median(values).value == statistics.median(numbers)  # type: ignore[arg-type]
    else:
        assert agg.mean(values).value is NA  # type: ignore[arg-type]
