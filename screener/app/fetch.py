"""``screener fetch``: refresh price histories (only dates not yet stored), quotes, consensus for not-rated names
and FX from Yahoo into the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from screener.app import universes as uv
from screener.app.market import live_source
from screener.data.live import RefreshReport, refresh
from screener.environment import Environment
from screener.errors import DataUnavailable

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class FetchOptions:
    universes: Sequence[str] = ()
    full: bool = False
    as_of: date | None = None


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch will ask for; ``steps`` is the length of its progress bar."""

    tickers: list[str]
    not_rated: list[str]
    currencies: set[str]
    full: bool
    until: date
    steps: int = field(init=False)

    def __post_init__(self) -> None:
        a_shares = sum(1 for t in self.not_rated if t.upper().endswith((".SS", ".SZ")))  # + AKShare consensus
        object.__setattr__(self, "steps", 2 * len(self.tickers) + len(self.not_rated) + a_shares + 1)


def plan(env: Environment, options: FetchOptions) -> FetchPlan:
    companies = uv.companies(uv.selected(env, options.universes))
    return FetchPlan(
        tickers=[c.ticker for c in companies],
        not_rated=[c.ticker for c in companies if c.view_at(env.today()) is None],
        currencies=uv.currencies(companies),
        full=options.full,
        until=options.as_of or env.today(),
    )


def fetch(env: Environment, work: FetchPlan, progress: Progress = lambda label, steps: None) -> RefreshReport:
    """Run the plan; ``progress(label, steps_done)`` as work completes. DataUnavailable when Yahoo is unreachable
    (or the network is off), with what to do instead; whatever finished before is kept in the store."""
    try:
        return refresh(
            work.tickers,
            work.currencies,
            live_source(env),
            today=work.until,
            history_start=env.settings.history_start,
            consensus_for=work.not_rated,
            full=work.full,
            progress=progress,
        )
    except DataUnavailable as exc:
        raise DataUnavailable(f"{exc}. {OFFLINE_HINT}") from None


OFFLINE_HINT = (
    "Without Yahoo: screen what is stored with --source store (or the bundled snapshot with --source snapshot), "
    "or load a price history exported elsewhere with `screener prices import FILE --ticker T`"
)
