"""Offline, politely: a failed reachability check is remembered in the store for ``[live] offline_retry_minutes``
(the next commands make no request and say so), expires on the environment's clock, ``--refresh`` bypasses it, a
success forgets it; ``--offline`` and ``SCREENER_OFFLINE=1`` never touch the network; reasons are one clean line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from yahoo_fake import FakeSymbol, FakeYahoo, business_days, make_bars, make_session, serving

from screener.cli import app
from screener.data.offline import OfflineMemo
from screener.data.store import Store

from .conftest import EnvRunner, TickingClock, make_config, make_env

START = dt.datetime(2025, 10, 13, 22, 0, tzinfo=dt.UTC)  # after the bundled snapshot of 2025-10-10
DAYS = business_days(dt.date(2025, 9, 1), dt.date(2025, 10, 13))
UNIVERSE = """
[universe]
name = "u"

[[company]]
ticker = "MP"
name = "MP Materials"
group = "Producers"
currency = "USD"
fiscal_year_end_month = 12
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    info = {"symbol": "MP", "currency": "USD", "quoteType": "EQUITY", "currentPrice": 61.0, "marketCap": 1.08e10,
            "regularMarketTime": 1760385600}  # fmt: skip
    with serving(
        FakeYahoo([FakeSymbol("MP", make_bars(DAYS, 60.0), info=info)], now=START), tmp_path, monkeypatch
    ) as f:
        yield f


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(START, step=dt.timedelta(0))


def runner_for(fake: FakeYahoo, clock: TickingClock, **environ: str) -> CliRunner:
    environ = {"TZ": "UTC", **environ}
    return EnvRunner(
        lambda: make_env(
            yahoo_session_factory=lambda cache: make_session(fake), sleep=lambda s: None, clock=clock, environ=environ
        )
    )


def config_for(tmp_path: Path, **live: Any) -> Path:
    universe = tmp_path / "u.toml"
    universe.write_text(UNIVERSE)
    return make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}, "live": live} if live else
                       {"universes": {"files": [str(universe)]}})  # fmt: skip


def screen(runner: CliRunner, config: Path, *extra: str) -> tuple[dict[str, str], str, int]:
    result = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv", *extra])
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"]
    return (rows[0] if rows else {}), result.stderr, result.exit_code


def requests(fake: FakeYahoo) -> int:
    return sum(fake.counts.values())


def test_a_failed_check_is_remembered_and_the_next_command_asks_nothing(
    fake: FakeYahoo, clock: TickingClock, tmp_path: Path
) -> None:
    config, runner = config_for(tmp_path), runner_for(fake, clock)
    fake.network_down = True
    row, stderr, code = screen(runner, config)
    assert code == 0 and row["source"] == "snapshot" and requests(fake) > 0
    assert "Yahoo unreachable: " in stderr
    memo = tmp_path / "w" / "cache" / "network" / "yahoo.json"
    assert memo.exists()

    fake.reset_log()
    clock.advance(minutes=3)
    row, stderr, code = screen(runner, config)
    assert code == 0 and row["source"] == "snapshot"
    assert requests(fake) == 0
    assert "Yahoo Finance offline since 22:00 (retry after 22:10 or with --refresh)" in stderr

    clock.advance(minutes=7)  # 22:10: the retry window is over, the next command checks again
    row, stderr, code = screen(runner, config)
    assert requests(fake) > 0 and "Yahoo unreachable: " in stderr
    fake.reset_log()
    clock.advance(minutes=1)
    _, stderr, _ = screen(runner, config)
    assert requests(fake) == 0 and "offline since 22:00 (retry after 22:20" in stderr  # since: the first failure


def test_refresh_bypasses_the_memo_and_a_success_forgets_it(
    fake: FakeYahoo, clock: TickingClock, tmp_path: Path
) -> None:
    config, runner = config_for(tmp_path), runner_for(fake, clock)
    fake.network_down = True
    screen(runner, config)
    fake.network_down = False
    fake.reset_log()
    clock.advance(minutes=2)
    row, stderr, code = screen(runner, config)
    assert requests(fake) == 0 and "offline since" in stderr and row["source"] == "snapshot"
    row, stderr, code = screen(runner, config, "--refresh")
    assert code == 0 and requests(fake) > 0 and row["source"] == "live" and row["price"] == "61"
    assert not (tmp_path / "w" / "cache" / "network" / "yahoo.json").exists()
    fake.reset_log()
    row, stderr, code = screen(runner, config)
    assert row["source"] == "live" and requests(fake) == 0 and "offline" not in stderr  # fresh in the store


def test_retry_minutes_zero_checks_every_time(fake: FakeYahoo, clock: TickingClock, tmp_path: Path) -> None:
    config, runner = config_for(tmp_path, offline_retry_minutes=0), runner_for(fake, clock)
    fake.network_down = True
    screen(runner, config)
    fake.reset_log()
    _, stderr, _ = screen(runner, config)
    assert requests(fake) > 0 and "offline since" not in stderr


@pytest.mark.parametrize("how", ["option", "environment"])
def test_offline_never_touches_the_network(fake: FakeYahoo, clock: TickingClock, tmp_path: Path, how: str) -> None:
    config = config_for(tmp_path)
    runner = runner_for(fake, clock, SCREENER_OFFLINE="1") if how == "environment" else runner_for(fake, clock)
    extra = ["--offline"] if how == "option" else []
    row, stderr, code = screen(runner, config, *extra)
    assert code == 0 and row["source"] == "snapshot" and requests(fake) == 0
    assert "offline (--offline or SCREENER_OFFLINE=1)" in stderr
    live = runner.invoke(app, ["screen", "--config", str(config), "--source", "live", *extra])
    assert live.exit_code == 3 and "Yahoo Finance not asked: offline" in live.output
    fetched = runner.invoke(app, ["fetch", "--config", str(config), *extra])
    assert fetched.exit_code == 3 and requests(fake) == 0
    assert "screener prices import" in fetched.output and "--source store" in fetched.output
    assert not (tmp_path / "w" / "cache" / "network").exists()  # --offline is not an outage


def test_offline_and_refresh_together_is_a_usage_error(fake: FakeYahoo, clock: TickingClock, tmp_path: Path) -> None:
    result = runner_for(fake, clock).invoke(app, ["screen", "--config", str(config_for(tmp_path)), "--offline",
                                                  "--refresh"])  # fmt: skip
    assert result.exit_code == 2 and "pick one" in result.output and requests(fake) == 0


def test_fetch_when_yahoo_is_unreachable_says_what_to_do(fake: FakeYahoo, clock: TickingClock, tmp_path: Path) -> None:
    config, runner = config_for(tmp_path), runner_for(fake, clock)
    fake.network_down = True
    result = runner.invoke(app, ["fetch", "--config", str(config)])
    assert result.exit_code == 3
    line = result.output.strip()
    assert "\n" not in line and line.startswith("error: Yahoo unreachable: ")
    assert "curl:" not in line and "See https" not in line and line.count("(") == line.count(")")
    assert "--source store" in line and "screener prices import FILE --ticker T" in line


def test_cache_info_lists_the_memo_and_clear_removes_it(fake: FakeYahoo, clock: TickingClock, tmp_path: Path) -> None:
    config, runner = config_for(tmp_path), runner_for(fake, clock)
    fake.network_down = True
    screen(runner, config)
    info = runner.invoke(app, ["cache", "info", "--config", str(config)])
    assert info.exit_code == 0 and "network" in info.stdout and "yahoo" in info.stdout
    cleared = runner.invoke(app, ["cache", "clear", "--yes", "--config", str(config)])
    assert cleared.exit_code == 0
    assert not (tmp_path / "w" / "cache" / "network" / "yahoo.json").exists()


def test_memo_unit(tmp_path: Path) -> None:
    clock = TickingClock(START, step=dt.timedelta(0))
    store = Store(tmp_path, clock)
    memo = OfflineMemo(store, 10)
    assert memo.current() is None
    memo.remember("cannot resolve query2.finance.yahoo.com (no network, or no DNS) [DNSError, curl 6]")
    clock.advance(minutes=9, seconds=59)
    outage = memo.current()
    assert outage is not None and outage.since == START and outage.retry_after == START + dt.timedelta(minutes=10)
    assert outage.message(lambda t: t.astimezone(dt.timezone(dt.timedelta(hours=8))), clock.now) == (
        "Yahoo Finance offline since 06:00 (retry after 06:10 or with --refresh): cannot resolve "
        "query2.finance.yahoo.com (no network, or no DNS) [DNSError, curl 6]"
    )  # shown in the user's zone: 22:00 UTC is 06:00 in Shanghai
    clock.advance(seconds=1)
    assert memo.current() is None  # expired exactly at 10 minutes
    (tmp_path / "network" / "yahoo.json").write_text("{not json")
    assert memo.current() is None  # unreadable: costs one probe, never a crash
    assert OfflineMemo(store, 0).current() is None
