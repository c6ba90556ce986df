"""The default as-of date, by hand (:func:`screener.core.asof.resolve_as_of`): today when a selected price is fresh,
else the latest price date with the banner; a given date as it is."""

from __future__ import annotations

from datetime import date

from screener.core.asof import AsOf, resolve_as_of


def test_a_price_within_the_limit_makes_the_date_today() -> None:
    # Fri 2025-10-10 to Fri 2025-10-17: the weekdays 13, 14, 15, 16, 17 = 5, the limit: still fresh
    assert resolve_as_of(None, [date(2025, 10, 10)], date(2025, 10, 17), 5) == AsOf(date(2025, 10, 17), False)


def test_one_fresh_name_among_stale_ones_is_enough() -> None:
    # 2025-10-16 to Mon 2025-10-20: Fri 17, Mon 20 = 2 weekdays; 2025-09-30 alone would be stale
    dates = [date(2025, 9, 30), date(2025, 10, 16)]
    assert resolve_as_of(None, dates, date(2025, 10, 20), 5) == AsOf(date(2025, 10, 20), False)


def test_only_stale_prices_hold_the_date_at_the_latest_with_the_banner() -> None:
    # 2025-10-10 to Mon 2025-10-20: 13..17 and 20 = 6 weekdays > 5
    got = resolve_as_of(None, [date(2025, 9, 30), date(2025, 10, 10)], date(2025, 10, 20), 5)
    assert got == AsOf(
        date(2025, 10, 10),
        False,
        "no price newer than 2025-10-10: as of 2025-10-10; today is 2025-10-20 — --as-of 2025-10-20 to roll fiscal "
        "years forward",
    )


def test_the_limit_is_the_setting() -> None:
    # Tue 2025-10-14 with the limit 0: only a price of that very day is fresh
    assert resolve_as_of(None, [date(2025, 10, 14)], date(2025, 10, 14), 0).day == date(2025, 10, 14)
    assert resolve_as_of(None, [date(2025, 10, 13)], date(2025, 10, 14), 0).day == date(2025, 10, 13)
    assert resolve_as_of(None, [date(2025, 10, 13)], date(2025, 10, 14), 1).day == date(2025, 10, 14)


def test_a_given_date_is_used_without_banner_and_no_price_means_today() -> None:
    stale = [date(2025, 10, 10)]
    assert resolve_as_of(date(2024, 1, 2), stale, date(2026, 12, 6), 5) == AsOf(date(2024, 1, 2), True)
    assert resolve_as_of(None, [], date(2026, 12, 6), 5) == AsOf(date(2026, 12, 6), False)
