"""``screener fetch``: refresh price histories (only dates not yet stored), quotes, consensus for not-rated names
and FX from Yahoo into the store; with ``--valuation`` also the valuation history (#14): daily P/E and P/B of the
A-shares from baostock, book values per share of every name from Yahoo balance sheets; with ``--statements`` the
annual statements of every name from Yahoo (#15)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from screener.app import universes as uv
from screener.app.market import live_source
from screener.app.scope import until
from screener.data.offline import OfflineMemo
from screener.data.providers import ProviderReport
from screener.data.refresh import RefreshReport, refresh
from screener.environment import Environment
from screener.errors import DataUnavailable

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class FetchOptions:
    universes: Sequence[str] = ()
    full: bool = False
    as_of: date | None = None
    valuation: bool = False
    statements: bool = False


@dataclass(frozen=True)
class FetchPlan:
    """What a fetch will ask for; ``steps`` is the length of its progress bar."""

    tickers: list[str]
    not_rated: list[str]
    currencies: set[str]
    full: bool
    until: date
    valuation: bool = False
    a_shares: list[str] = field(default_factory=list)
    """The names baostock is asked about (``--valuation``: Shanghai and Shenzhen listings)."""
    statements: bool = False
    """Also Yahoo annual statements of every name (``--statements``, #15)."""
    steps: int = field(init=False)

    def __post_init__(self) -> None:
        a_shares = sum(1 for t in self.not_rated if t.upper().endswith((".SS", ".SZ")))  # + AKShare consensus
        valuation = len(self.a_shares) + len(self.tickers) if self.valuation else 0
        statements = len(self.tickers) if self.statements else 0
        steps = 2 * len(self.tickers) + len(self.not_rated) + a_shares + 1 + valuation + statements
        object.__setattr__(self, "steps", steps)


@dataclass
class FetchResult:
    """What the fetch did: Yahoo's report, and one report per valuation provider (``--valuation``)."""

    report: RefreshReport
    providers: list[ProviderReport] = field(default_factory=list)


def plan(env: Environment, options: FetchOptions) -> FetchPlan:
    from screener.data.providers.baostock import code_for

    companies = uv.companies(uv.selected(env, options.universes))
    tickers = [c.ticker for c in companies]
    last = until(env, options.as_of)
    return FetchPlan(
        tickers=tickers,
        not_rated=[c.ticker for c in companies if c.view_at(last) is None],
        currencies=uv.currencies(companies),
        full=options.full,
        until=last,
        valuation=options.valuation,
        a_shares=[t for t in tickers if code_for(t) is not None] if options.valuation else [],
        statements=options.statements,
    )


def fetch(env: Environment, work: FetchPlan, progress: Progress = lambda label, steps: None) -> FetchResult:
    """Run the plan; ``progress(label, steps_done)`` as work completes. DataUnavailable when Yahoo is unreachable
    (or the network is off), with what to do instead; whatever finished before is kept in the store.

    With ``valuation``, baostock runs first (serially, on its own connection; its failures are its report's banner,
    with their own outage memo), so A-share multiples are stored even when Yahoo is then unreachable; the Yahoo
    balance sheets run in the Yahoo pool last, after FX. ``--offline`` asks neither."""
    source = live_source(env)
    if source.offline:
        try:
            source.check_network()  # NetworkOff: no provider is asked
        except DataUnavailable as exc:
            raise DataUnavailable(f"{exc}. {OFFLINE_HINT}") from None
    providers: list[ProviderReport] = []
    if work.valuation:
        from screener.data.providers import baostock

        settings = env.settings
        providers.append(
            baostock.refresh(
                env.store,
                work.a_shares,
                today=work.until,
                start=baostock.first_start(settings.history_start, settings.valuation.since),
                full=work.full,
                memo=OfflineMemo(env.store, settings.offline_retry_minutes, key="baostock", service="baostock"),
                ignore_memo=env.refresh,
                local=env.local,
                progress=progress,
            )
        )
    try:
        report = refresh(
            work.tickers,
            work.currencies,
            source,
            today=work.until,
            history_start=env.settings.history_start,
            consensus_for=work.not_rated,
            full=work.full,
            valuation=work.valuation,
            statements=work.statements,
            progress=progress,
        )
    except DataUnavailable as exc:
        done = "".join(f" ({p.summary()}, stored)" for p in providers if p.updated)
        raise DataUnavailable(f"{exc}{done}. {OFFLINE_HINT}") from None
    providers.extend(p for p in (report.statements, report.annual) if p is not None)
    return FetchResult(report, providers)


OFFLINE_HINT = (
    "Without Yahoo: screen what is stored with --source store (or the bundled snapshot with --source snapshot), "
    "or load a price history exported elsewhere with `screener prices import FILE --ticker T`"
)
