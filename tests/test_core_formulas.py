"""Hand-worked numbers for every formula in screener/core (METHODS §1-§4, §7)."""

from __future__ import annotations

from datetime import date

import pytest

from screener.core import aggregates as agg
from screener.core import flags as fl
from screener.core import fx
from screener.core import multiples as mx
from screener.core.fiscal import calendarise, fy1_label
from screener.core.values import NA, NM, add, as_value, ratio, subtract


def test_ratio_and_missing_codes() -> None:
    assert ratio(10.0, 4.0) == 2.5
    assert ratio(10.0, 0.0) is NM
    assert ratio(10.0, -2.0) is NM
    assert ratio(NA, 2.0) is NA
    assert ratio(NM, NA) is NA  # NA wins: the input is not there at all
    assert add(1.0, 2.0, 3.5) == 6.5 and add(1.0, NM) is NM
    assert subtract(5.0, 7.0) == -2.0 and subtract(NA, 1.0) is NA


@pytest.mark.parametrize(("raw", "expected"), [("na", NA), ("NM", NM), (None, NA), (3, 3.0), (0.09, 0.09), ("", NA)])
def test_as_value(raw: object, expected: object) -> None:
    assert as_value(raw) == expected


def test_as_value_rejects_text() -> None:
    with pytest.raises(ValueError):
        as_value("cheap")


def test_pe_pb_dy_hand_worked() -> None:
    # NRE FY2025E: EPS = 2172 / 3615 = 0.600830; P/E at 53.13 = 88.43x (published 88.4x)
    eps = mx.per_share(2172.0, 3615.0)
    assert eps == pytest.approx(0.600830, abs=1e-6)
    assert mx.price_to_earnings(53.13, eps) == pytest.approx(88.428, abs=1e-3)
    # BVPS = (30596 − 6267) / 3615 = 6.730; P/B = 7.89x (published 7.9x)
    bvps = mx.per_share(30596.0 - 6267.0, 3615.0)
    assert mx.price_to_book(53.13, bvps) == pytest.approx(7.8945, abs=1e-4)
    assert mx.dividend_yield(0.08, 52.48) == pytest.approx(0.0015244, abs=1e-7)
    assert mx.price_to_earnings(10.0, -0.5) is NM  # loss-making
    assert mx.price_to_book(10.0, NA) is NA
    assert mx.dividend_yield(-0.1, 10.0) is NM


def test_ev_ebitda_and_roe_hand_worked() -> None:
    # EV = 1000 + 200 + 50 = 1250; EBITDA 100 -> 12.5x
    ev = mx.enterprise_value(1000.0, 200.0, 50.0)
    assert ev == 1250.0
    assert mx.ev_to_ebitda(ev, 100.0) == 12.5
    assert mx.ev_to_ebitda(ev, -5.0) is NM
    assert mx.ev_to_ebitda(-10.0, 100.0) is NM
    # ROE = 30 / ((100 + 140) / 2) = 0.25; a loss is a negative ROE, not NM
    assert mx.return_on_equity(30.0, 100.0, 140.0) == 0.25
    assert mx.return_on_equity(-12.0, 100.0, 140.0) == -0.1
    assert mx.return_on_equity(30.0, -100.0, 40.0) is NM
    assert mx.return_on_equity(30.0, NA, 120.0) == 0.25  # no opening equity: closing only


def test_currency_conversion() -> None:
    # 1 CNY in HKD when USD/CNY = 7.13 and USD/HKD = 7.78: 7.78 / 7.13
    assert fx.scale(1.0, fx.factor("CNY", "HKD", {"CNY": 7.13, "HKD": 7.78})) == pytest.approx(1.09116, abs=1e-5)
    assert fx.scale(NM, 7.78 / 7.13) is NM


def test_consensus_repricing() -> None:
    # P/E 80x at 60 implies EPS 0.75; at 66 the P/E is 88x
    eps = mx.implied_from_multiple(60.0, 80.0)
    assert eps == 0.75
    assert mx.price_to_earnings(66.0, eps) == pytest.approx(88.0)
    assert mx.implied_from_multiple(60.0, NM) is NM
    # 2% yield at 50 implies DPS 1.0; at 40 the yield is 2.5%
    assert mx.dividend_yield(mx.implied_dps(50.0, 0.02), 40.0) == pytest.approx(0.025)
    assert mx.scale_by_price(20.0, 55.0, 50.0) == pytest.approx(22.0)


def test_aggregates_hand_worked() -> None:
    values = [10.0, 20.0, 40.0, NA, NM]
    assert agg.mean(values) == agg.Aggregate(pytest.approx(70 / 3), 3, 2)  # type: ignore[arg-type]
    assert agg.median(values).value == 20.0
    # harmonic: 3 / (1/10 + 1/20 + 1/40) = 3 / 0.175 = 17.142857
    assert agg.harmonic_mean(values).value == pytest.approx(17.142857, abs=1e-6)
    assert agg.harmonic_mean([5.0, -1.0]).value is NM
    assert agg.mean([NA, NM]) == agg.Aggregate(NA, 0, 2)
    assert agg.median([1.0, 2.0, 3.0, 4.0]).value == 2.5


def test_flags_hand_worked() -> None:
    # 0.44 "yield" x 79.7x P/E = 35x earnings paid out: implausible
    assert fl.implausible_dividend(0.44, 79.7, 1.0)
    assert not fl.implausible_dividend(0.01, 75.3, 1.0)
    # P/B 7.9 / ROE 0.09 = 87.8 vs P/E 88.4: consistent; vs 20: off by 4.4x
    assert not fl.pe_pb_roe_mismatch(88.4, 7.9, 0.09, 2.0)
    assert fl.pe_pb_roe_mismatch(20.0, 7.9, 0.09, 2.0)
    assert fl.extreme_multiple(2421.4, 1000.0) and not fl.extreme_multiple(NM, 1000.0)
    # Friday 2025-10-10 -> Monday 2025-10-20 is 6 weekdays
    assert fl.trading_days_between(date(2025, 10, 10), date(2025, 10, 20)) == 6
    assert fl.stale_price(date(2025, 10, 10), date(2025, 10, 20), 5)
    assert not fl.stale_price(date(2025, 10, 10), date(2025, 10, 17), 5)
    assert fl.stale_target(date(2024, 10, 1), date(2025, 10, 10), 365)


def test_fy1_from_year_end_and_as_of() -> None:
    as_of = date(2025, 10, 10)
    assert fy1_label(as_of, 12) == 2025  # December year ends: 2025 not yet reported
    assert fy1_label(as_of, 6) == 2026  # Lynas: year to June 2025 reported (Aug); FY1 = year to June 2026
    assert fy1_label(as_of, 3) == 2026  # Shin-Etsu / TDK: year to March 2026
    assert fy1_label(date(2026, 2, 15), 12) == 2025  # Dec 2025 results not out yet in February
    assert fy1_label(date(2026, 4, 15), 12) == 2026


def test_calendarise() -> None:
    # March year end: CY2025 = 3/12 FY2025 + 9/12 FY2026
    assert calendarise(3, 100.0, 200.0) == pytest.approx(175.0)
    assert calendarise(12, 100.0, 200.0) == pytest.approx(100.0)


# --- the two rules that used to survive their mutation (#20 item 7) --------------------------------------------------
def test_harmonic_mean_with_a_multiple_of_exactly_zero_is_nm() -> None:
    """``x <= 0`` makes the statistic NM; ``x < 0`` would let 0 through (and divide by it)."""
    result = agg.harmonic_mean([12.0, 0.0, 20.0])
    assert result.value is NM and result.n == 3


def test_fy1_rolls_on_the_exact_day_the_year_counts_as_reported() -> None:
    """Year to Dec 2024 + 90 days = 2025-03-31: reported on that day (``<=``), not the day after."""
    assert fy1_label(date(2025, 3, 30), 12, 90) == 2024
    assert fy1_label(date(2025, 3, 31), 12, 90) == 2025
    # a June year end: year to June 2025 + 60 days = 2025-08-29 (30 June + 31 July days + 29)
    assert fy1_label(date(2025, 8, 28), 6, 60) == 2025
    assert fy1_label(date(2025, 8, 29), 6, 60) == 2026
