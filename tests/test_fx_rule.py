"""The one FX rule (``screener.core.fx``): the rate for a day, its staleness, the screen's pick among sources, the
vectorised ``align`` agreeing with ``rate_on`` date by date, and no other module of the package picking, judging or
inverting a rate on its own."""

from __future__ import annotations

import ast
import math
from datetime import date, timedelta

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from screener.core import fx
from screener.models import FxRate

from .conftest import PACKAGE

D = date(2025, 1, 6)  # a Monday
NAN = float("nan")
# 7.0 on 2 Jan, 7.2 on 6 Jan, then three unusable rates, then 7.5 on 20 Jan
SERIES = {
    date(2025, 1, 2): 7.0,
    D: 7.2,
    date(2025, 1, 7): NAN,
    date(2025, 1, 8): 0.0,
    date(2025, 1, 9): -1.0,
    date(2025, 1, 20): 7.5,
}


@pytest.mark.parametrize(
    ("day", "limit", "expected"),
    [
        (D, 10, (D, 7.2)),  # on the day
        (date(2025, 1, 5), 10, (date(2025, 1, 2), 7.0)),  # before: the latest earlier rate (3 days old)
        (date(2025, 1, 10), 10, (D, 7.2)),  # NaN, 0 and -1 of 7-9 Jan are skipped
        (date(2025, 1, 16), 10, (D, 7.2)),  # exactly 10 days old: at the limit, used
        (date(2025, 1, 17), 10, None),  # 11 days old: one day past the limit
        (date(2025, 1, 7), 0, None),  # limit 0: only a rate of that very day
        (date(2025, 1, 1), 10, None),  # before the history: the 2 Jan rate is dated after the day, never used
        (date(2025, 3, 1), None, (date(2025, 1, 20), 7.5)),  # no limit: 40 days old is still the rate
        (date(2025, 1, 19), None, (D, 7.2)),  # the 20 Jan rate is one day late: never used
    ],
)
def test_rate_on_by_hand(day: date, limit: int | None, expected: tuple[date, float] | None) -> None:
    assert fx.rate_on(SERIES, day, limit) == expected
    assert fx.rate_on(list(SERIES.items()), day, limit) == expected  # pairs too
    series = pd.Series(list(SERIES.values()), index=pd.DatetimeIndex(list(SERIES)))
    assert fx.rate_on(series, day, limit) == expected  # and a pandas Series on timestamps


def test_rate_on_two_rates_of_a_day_the_first_given() -> None:
    for first, second, expected in ((7.1, 7.3, 7.1), (NAN, 7.3, 7.3)):  # an unusable first rate does not count
        assert fx.rate_on([(D, first), (D, second)], D, 0) == (D, expected)
        assert fx.rate_on(pd.Series([first, second], index=pd.DatetimeIndex([D, D])), D, 0) == (D, expected)
    assert fx.rate_on([(D, float("inf"))], D, 0) is None


@pytest.mark.parametrize(
    ("rate_date", "limit", "stale"),
    [
        (D, 10, False),
        (D - timedelta(days=10), 10, False),  # at the limit
        (D - timedelta(days=11), 10, True),  # one day past it
        (D + timedelta(days=1), 10, True),  # after the day: a look-ahead
        (D + timedelta(days=1), None, True),  # even without a limit
        (D - timedelta(days=4000), None, False),
    ],
)
def test_is_stale_by_hand(rate_date: date, limit: int | None, stale: bool) -> None:
    assert fx.is_stale(rate_date, D, limit) is stale


def rate(per_usd: float, day: date, source: str) -> FxRate:
    return FxRate("CNY", per_usd, day, source)


def test_pick_the_latest_on_or_before_the_day_ties_to_the_first_source() -> None:
    live, store, snap = rate(7.1, D, "live"), rate(7.2, D, "store"), rate(7.0, D - timedelta(days=300), "snapshot")
    assert fx.pick([snap, live, store], D) is live  # the latest date; of the two of that date, the first given
    later = rate(7.4, D + timedelta(days=1), "store")
    assert fx.pick([later, snap], D) is snap  # 300 days old, no limit: still before a look-ahead
    assert fx.latest([later, snap], D, 10) is None  # with a limit it is refused


def test_pick_falls_back_to_the_earliest_later_rate() -> None:
    first, second = rate(7.3, D + timedelta(days=2), "live"), rate(7.4, D + timedelta(days=1), "snapshot")
    assert fx.pick([first, second], D) is second  # only later rates: the earliest (then flagged fx_stale)
    assert fx.latest([first, second], D) is None  # the rule itself never uses a later rate
    assert fx.pick([rate(0.0, D, "bad"), rate(NAN, D, "worse")], D) is None


def test_convert_divides_by_the_source_rate_and_multiplies_by_the_target_rate() -> None:
    rates = {"CNY": 7.0, "HKD": 7.8}
    assert fx.convert(71.0, "CNY", "USD", rates) == 71.0 / 7.0  # exactly the division, not × (1 / 7)
    assert fx.convert(10.0, "USD", "HKD", rates) == 78.0
    assert fx.convert(70.0, "CNY", "HKD", rates) == pytest.approx(78.0)
    assert fx.convert(100.0, "GBp", "USD", {"GBP": 0.8}) == pytest.approx(1.25)  # pence: 100 per GBP
    assert fx.convert(1.0, "CNY", "USD", {"CNY": -7.0}) is None and fx.convert(5.0, "EUR", "EUR", {}) == 5.0
    assert fx.from_usd_per(0.625) == 1.6  # AUD quoted 0.625 USD per AUD = 1.6 AUD per USD


DAY0 = date(2024, 1, 1)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.integers(0, 20),  # a few days: rates of the same day are common
            st.one_of(st.floats(0.5, 10), st.floats(-2, 0), st.just(NAN), st.just(float("inf"))),
        ),
        max_size=12,
    ),
    queries=st.lists(st.integers(-5, 40), min_size=1, max_size=15),
    limit=st.one_of(st.none(), st.integers(0, 12)),
)
def test_align_agrees_with_rate_on_date_by_date(
    points: list[tuple[int, float]], queries: list[int], limit: int | None
) -> None:
    pairs = [(DAY0 + timedelta(days=d), r) for d, r in points]  # rate_on's own loop reads pairs
    series = pd.Series([r for _, r in pairs], index=pd.DatetimeIndex([d for d, _ in pairs]), dtype=float)
    dates = pd.DatetimeIndex([DAY0 + timedelta(days=q) for q in queries])  # unsorted, repeated
    aligned = fx.align(dates, series, limit)
    assert list(aligned.index) == list(dates)
    for day, got in zip(dates, aligned.to_numpy(), strict=True):
        expected = fx.rate_on(pairs, day.date(), limit)
        assert fx.rate_on(series, day.date(), limit) == expected  # a Series is read at once: the same answer
        if expected is None:
            assert math.isnan(got)
        else:
            assert got == expected[1]


def test_align_by_hand() -> None:
    series = pd.Series(list(SERIES.values()), index=pd.DatetimeIndex(list(SERIES)))
    days = pd.DatetimeIndex(["2025-01-17", "2025-01-01", "2025-01-16", "2025-01-10"])
    assert np.array_equal(fx.align(days, series, 10).to_numpy(), [NAN, NAN, 7.2, 7.2], equal_nan=True)


# ------------------------------------------------------------------------------- nobody else picks a rate


RATE_WORDS = {"rate", "rates", "fx", "usd"}


def rate_names(scope: ast.AST) -> set[str]:
    """Names in ``scope`` that hold rates: named so (``rates``, ``fx``, ``per_usd``: a word of the name), or assigned
    from an expression that reads such a name (``known = per_usd.dropna()``)."""
    names = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}
    names |= {a.arg for n in ast.walk(scope) if isinstance(n, ast.arguments) for a in n.args + n.kwonlyargs}
    tainted = {name for name in names if RATE_WORDS & set(name.lower().split("_"))}
    assigns = [n for n in ast.walk(scope) if isinstance(n, ast.Assign)]
    while True:
        more = {
            t.id
            for a in assigns
            if {n.id for n in ast.walk(a.value) if isinstance(n, ast.Name)} & tainted
            for t in a.targets
            if isinstance(t, ast.Name)
        }
        if more <= tainted:
            return tainted
        tainted |= more


def own_fx_rules(tree: ast.AST) -> list[str]:
    """Places that pick, judge or invert a rate without core/fx: a comparison of a ``rate_date`` or of the
    ``.index`` of a rate series (:func:`rate_names`), a division by a ``per_usd``, ``1 / x`` of a rate, an as-of
    merge."""
    found = []
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        rates = rate_names(scope)
        if isinstance(scope, ast.FunctionDef) and RATE_WORDS & set(scope.name.lower().split("_")):
            rates |= {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}  # normalise_fx: all of it
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if not isinstance(side, ast.Attribute):
                        continue
                    owner = {n.id for n in ast.walk(side.value) if isinstance(n, ast.Name)}
                    if side.attr == "rate_date" or (side.attr == "index" and owner & rates):
                        found.append(ast.unparse(node))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                right = {n.id for n in ast.walk(node.right) if isinstance(n, ast.Name)}
                text = ast.unparse(node.right)
                one = isinstance(node.left, ast.Constant) and node.left.value in (1, 1.0)
                if "per_usd" in text or "trading_fx" in text or (one and right & rates):
                    found.append(ast.unparse(node))
            elif isinstance(node, ast.Attribute) and node.attr == "merge_asof":
                found.append(ast.unparse(node))
    return sorted(set(found))


def test_no_module_but_core_fx_picks_judges_or_inverts_a_rate() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "core" / "fx.py":
            continue
        found = own_fx_rules(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}


def test_the_fx_rule_check_sees_the_old_copies() -> None:
    copies = [
        "known = [r for r in found if r.rate_date <= day]",  # financials_chart.stored_fx
        "stale = rate.rate_date > as_of or (as_of - rate.rate_date).days > max_days",  # comptable._stale_rate
        "def rate_on(per_usd, day):\n    known = per_usd.dropna()\n    return known[known.index <= day]",  # market
        "frame = rates.loc[rates.index <= pd.Timestamp(as_of)]",  # yahoo spot_fx
        "usd = value / fx[currency].per_usd",  # financials_chart._in_usd
        "cap = quote.market_cap / trading_fx",  # comptable
        "out = 1.0 / rate_series",
        "def normalise_fx(closes):\n    series = closes['CNYUSD=X']\n    return 1.0 / series",
        "merged = pd.merge_asof(left, right, on='date')",
    ]
    for line in copies:
        assert own_fx_rules(ast.parse(line)), line
    assert own_fx_rules(ast.parse("share = weight / total; h = 1.0 / x; ok = price.index <= day")) == []
    assert own_fx_rules(ast.parse("def window(prices, day):\n    return prices[prices.index <= day]")) == []
