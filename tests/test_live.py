"""The live path end to end, offline: `screener fetch` and `screener screen` drive yfinance's real parsing
through a fake Yahoo transport (tests/yahoo_fake.py), with the store in a temporary folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from yahoo_fake import (
    FakeSymbol,
    FakeYahoo,
    business_days,
    make_bars,
    make_session,
    serving,
    trend_row,
)

from screener.cli import app

from .conftest import EnvRunner, TickingClock, make_config, make_env

DAYS = business_days(dt.date(2025, 1, 2), dt.date(2025, 3, 31))
UNIVERSE = """
[universe]
name = "live"

[[company]]
ticker = "600111.SS"
name = "China Northern Rare Earth"
group = "Producers"
currency = "CNY"
fiscal_year_end_month = 12
[company.house]
rating = "Buy"
target_price = 72.0
set_on = 2025-03-01

[[company]]
ticker = "MP"
name = "MP Materials"
group = "Producers"
currency = "USD"
fiscal_year_end_month = 12

[[company]]
ticker = "LYC.AX"
name = "Lynas Rare Earths"
group = "Producers"
currency = "AUD"
fiscal_year_end_month = 6
[company.house]
rating = "Sell"
target_price = 9.5
set_on = 2025-03-01
"""


def info(symbol: str, currency: str, price: float, market_cap: float) -> dict[str, object]:
    return {"symbol": symbol, "currency": currency, "financialCurrency": currency, "quoteType": "EQUITY",
            "currentPrice": price, "regularMarketPrice": price, "regularMarketTime": 1743148800,
            "marketCap": market_cap, "dividendYield": 0.45}  # fmt: skip


def symbols() -> list[FakeSymbol]:
    return [
        FakeSymbol(
            "600111.SS", make_bars(DAYS, 40.0), "CNY", "Asia/Shanghai", info=info("600111.SS", "CNY", 45.0, 1.6e11)
        ),
        FakeSymbol("MP", make_bars(DAYS, 20.0), "USD", "America/New_York", info=info("MP", "USD", 21.0, 3.5e9)),
        FakeSymbol("LYC.AX", make_bars(DAYS, 7.0), "AUD", "Australia/Sydney", info=info("LYC.AX", "AUD", 7.5, 7.0e9)),
        FakeSymbol("CNY=X", make_bars(DAYS, 7.2, 0.0), "CNY", "Europe/London", instrument_type="CURRENCY"),
        FakeSymbol("AUD=X", make_bars(DAYS, 1.5, 0.0), "AUD", "Europe/London", instrument_type="CURRENCY"),
    ]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    with serving(FakeYahoo(symbols(), now=dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC)), tmp_path, monkeypatch) as fake:
        yield fake


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(dt.datetime(2025, 3, 28, 22, tzinfo=dt.UTC))  # Friday evening, after the fake's last bars


@pytest.fixture
def runner(fake: FakeYahoo, clock: TickingClock) -> CliRunner:
    """Commands run in an environment whose Yahoo session goes to the fake (yfinance's caches were isolated by
    the fixture), whose clock is the fake's Friday and whose backoff does not wait."""
    return EnvRunner(
        lambda: make_env(yahoo_session_factory=lambda cache: make_session(fake), sleep=lambda s: None, clock=clock)
    )


def live_config(tmp_path: Path, ttl: float = 12) -> Path:
    universe = tmp_path / "live.toml"
    universe.write_text(UNIVERSE)
    edits = {"universes": {"files": [str(universe)]}, "store": {"ttl_hours": ttl, "history_start": "2025-01-02"}}
    return make_config(tmp_path / "work", edits)


def fetch(runner: CliRunner, config: Path, as_of: str) -> object:
    result = runner.invoke(app, ["fetch", "--config", str(config), "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return result


def screen_rows(runner: CliRunner, config: Path, *extra: str) -> tuple[dict[str, dict[str, str]], str, int]:
    result = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv", *extra])
    rows = {r["ticker"]: r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"}
    return rows, result.stderr, result.exit_code


def test_cold_fetch_then_screen_live(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    config = live_config(tmp_path)
    result = fetch(runner, config, "2025-03-28")
    assert "3 histories updated" in result.output and "3 quotes" in result.output  # type: ignore[attr-defined]
    # one batched download: one chart request per ticker for the history (plus timezone probes)
    assert fake.chart_ranges("MP")[-1][0] == dt.datetime(2025, 1, 2, 5, tzinfo=dt.UTC)  # 2025-01-02 New York midnight
    rows, stderr, code = screen_rows(runner, config)
    assert code == 0
    assert {r["source"] for r in rows.values()} == {"live"}
    assert rows["MP"]["price"] == "21" and rows["MP"]["market_cap_usd_m"] == "3500"
    assert float(rows["LYC.AX"]["market_cap_usd_m"]) == pytest.approx(7000 / 1.5 * (1 + 0.0), rel=0.05)
    assert "served from the store's copy" in stderr  # within the TTL: no new request, and said so


def test_second_fetch_within_ttl_makes_no_request(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    config = live_config(tmp_path)
    fetch(runner, config, "2025-03-28")
    fake.reset_log()
    result = fetch(runner, config, "2025-03-28")
    assert sum(fake.counts.values()) == 0, fake.counts
    assert "3 already up to date" in result.output  # type: ignore[attr-defined]


def test_refresh_after_one_new_day_requests_only_that_range(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    config = live_config(tmp_path)
    fetch(runner, config, "2025-03-27")
    fake.reset_log()
    fetch(runner, config, "2025-03-28")
    for symbol, zone_offset in (("MP", 4), ("600111.SS", -8)):
        p1, p2 = fake.chart_ranges(symbol)[-1]
        assert p1 is not None and p2 is not None
        start = dt.datetime(2025, 3, 28, tzinfo=dt.UTC) + dt.timedelta(hours=zone_offset)
        assert p1 == start and (p2 - p1) == dt.timedelta(days=1), (symbol, p1, p2)
    from screener.config import load_settings
    from screener.data.store import Store

    stored = Store(load_settings(config).cache_dir, lambda: dt.datetime.now(dt.UTC)).read_prices("MP")
    assert stored is not None and stored.last_date == dt.date(2025, 3, 28)
    assert stored.frame.index.is_unique and stored.frame.index.is_monotonic_increasing


def test_rate_limited_then_success(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    config = live_config(tmp_path)
    fake.rate_limit("MP", times=4)  # more than yfinance's own single retry absorbs
    result = fetch(runner, config, "2025-03-28")
    assert "3 histories updated" in result.output  # type: ignore[attr-defined]


def test_one_bad_ticker_marks_that_row_only(
    runner: CliRunner, tmp_path: Path, fake: FakeYahoo, clock: TickingClock
) -> None:
    config = live_config(tmp_path)
    fake.not_found("LYC.AX")
    result = runner.invoke(app, ["fetch", "--config", str(config), "--as-of", "2025-03-28"])
    assert result.exit_code == 0
    assert "1 of 3 names had problems: LYC.AX" in result.stderr
    rows, stderr, _ = screen_rows(runner, config)
    assert rows["MP"]["source"] == "live" and rows["600111.SS"]["source"] == "live"
    # on 2025-03-28 the bundled snapshot (10 Oct 2025) is in the future: LYC.AX has no price, and says why
    assert rows["LYC.AX"]["source"] == "none" and "price_after_as_of" in rows["LYC.AX"]["flags"]
    assert "1 of 3 names had problems: LYC.AX: not found on Yahoo" in stderr
    clock.advance(days=200)  # October: the snapshot's prices are the freshest on or before today
    rows, stderr, _ = screen_rows(runner, config)
    assert rows["LYC.AX"]["source"] == "snapshot" and rows["LYC.AX"]["price_date"] == "2025-10-10"
    assert "bundled snapshot" in stderr and "the latest price on or before" in stderr


def test_network_down_falls_back_to_store_then_snapshot(
    runner: CliRunner, tmp_path: Path, fake: FakeYahoo, clock: TickingClock
) -> None:
    config = live_config(tmp_path, ttl=0)
    fake.not_found("LYC.AX")
    fetch(runner, config, "2025-03-28")
    fake.network_down = True
    rows, stderr, code = screen_rows(runner, config)
    assert code == 0
    assert rows["MP"]["source"] == "store" and rows["LYC.AX"]["source"] == "none"  # the snapshot is after D
    assert "Using the local store" in stderr and "Yahoo unreachable" in stderr
    clock.advance(days=200)
    rows, stderr, code = screen_rows(runner, config)
    assert code == 0 and rows["LYC.AX"]["source"] == "snapshot"
    assert rows["MP"]["source"] == "snapshot"  # 2025-10-10 in the snapshot is fresher than the stored 2025-03-28
    live = runner.invoke(app, ["screen", "--config", str(config), "--source", "live"])
    assert live.exit_code == 3 and "offline since 2025-03-28 22:00" in live.output  # the outage just re-checked
    assert "Traceback" not in live.output
    live = runner.invoke(app, ["screen", "--config", str(config), "--source", "live", "--refresh"])
    assert live.exit_code == 3 and "Yahoo unreachable" in live.output and "Traceback" not in live.output
    store_only = screen_rows(runner, config, "--source", "store")
    assert store_only[2] == 0 and "LYC.AX" in store_only[1]  # no data for it: said on stderr


def test_fetch_with_network_down_exits_3(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    fake.network_down = True
    result = runner.invoke(app, ["fetch", "--config", str(live_config(tmp_path)), "--as-of", "2025-03-28"])
    assert result.exit_code == 3 and "Yahoo unreachable" in result.output


def test_consensus_target_and_eps_for_a_not_rated_name(runner: CliRunner, tmp_path: Path, fake: FakeYahoo) -> None:
    mp = fake.symbols["MP"]
    mp.info.update({"targetMeanPrice": 25.2, "targetMedianPrice": 25.0, "targetHighPrice": 30.0,
                    "targetLowPrice": 18.0, "numberOfAnalystOpinions": 9})  # fmt: skip
    mp.earnings_trend = [
        trend_row("0q", "2025-03-31", 0.05, 0.01, 0.08, 5, "USD"),
        trend_row("+1q", "2025-06-30", 0.06, 0.02, 0.09, 5, "USD"),
        trend_row("0y", "2025-12-31", 0.42, 0.30, 0.55, 9, "USD"),
        trend_row("+1y", "2026-12-31", 0.70, 0.50, 0.90, 8, "USD"),
    ]
    config = live_config(tmp_path)
    result = fetch(runner, config, "2025-03-28")
    assert "1 consensus sets" in result.output  # type: ignore[attr-defined]
    rows, _, code = screen_rows(runner, config)
    assert code == 0
    row = rows["MP"]
    assert row["house_rating"] == "NR" and float(row["target_price"]) == 25.2
    assert float(row["upside"]) == pytest.approx(25.2 / 21.0 - 1)  # 20.0%: Buy by the rule, no house view
    assert row["rule_rating"] == "Buy" and row["in_band"] == ""
    assert float(row["pe_fy1"]) == pytest.approx(21.0 / 0.42) and float(row["pe_fy2"]) == pytest.approx(21.0 / 0.70)
    assert "consensus_target" in row["flags"] and "consensus_eps" in row["flags"]
    assert "consensus_target" not in rows["600111.SS"]["flags"]  # covered names keep the house target
