"""The default as-of date of a command (one rule, decided once per run by :mod:`screener.app.scope`).

Rule: ``--as-of D`` given -> D, no banner. Otherwise, over the latest price date ``p`` of each selected name
(from the same source chain the command reads: live, store, snapshot):

- **today** when some ``p`` is fresh: at most ``fresh_trading_days`` weekdays before today
  (:func:`screener.core.flags.trading_days_between`, the ``stale_price`` flag's count; ``[sanity]
  stale_price_trading_days``);
- otherwise **the latest p** ``L`` (every price is stale: the screen is the picture of L, fiscal years as at L),
  with the banner ``no price newer than L: as of L; today is T — --as-of T to roll fiscal years forward``;
- no price at all (NA for every name) -> today, no banner: there is no price date to anchor to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from screener.core.flags import trading_days_between


@dataclass(frozen=True)
class AsOf:
    """The as-of date of a run, whether ``--as-of`` gave it, and the banner saying why when it is not today."""

    day: date
    given: bool
    banner: str | None = None


def stale_banner(latest: date, today: date) -> str:
    """The banner of a default as-of date held back at the latest price date."""
    return (
        f"no price newer than {latest.isoformat()}: as of {latest.isoformat()}; today is {today.isoformat()} — "
        f"--as-of {today.isoformat()} to roll fiscal years forward"
    )


def resolve_as_of(given: date | None, price_dates: Iterable[date], today: date, fresh_trading_days: int) -> AsOf:
    """``given`` when set; else today when a price is fresh, else the latest price date with a banner (module
    docstring). ``price_dates``: the latest price date of each selected name that has one."""
    if given is not None:
        return AsOf(given, True)
    latest = max(price_dates, default=None)
    if latest is None or trading_days_between(latest, today) <= fresh_trading_days:
        return AsOf(today, False)
    return AsOf(latest, False, stale_banner(latest, today))
