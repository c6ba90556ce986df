"""The local store and `prices import` / `cache info|clear` on real files and real histories."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.data import housekeeping
from screener.data.price_files import read_price_file
from screener.data.store import Store
from screener.data.store_source import StoreSource
from screener.errors import InputFileError, StoreCorrupt

from .conftest import SHARED_DATA, need

PRICES = SHARED_DATA / "prices"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
TODAY = NOW.date()


def fixed_clock() -> datetime:
    return NOW


def frame(dates: list[str], closes: list[float]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date")
    return pd.DataFrame({"adj_close": closes, "close": closes}, index=index)


def test_prices_round_trip_merge_and_metadata(tmp_path: Path) -> None:
    clock = [datetime(2026, 1, 5, 9, tzinfo=UTC)]
    store = Store(tmp_path, clock=lambda: clock[0])
    store.write_prices("600111.SS", frame(["2026-01-02", "2026-01-05"], [10.0, 11.0]), source="import", adjusted=True)
    clock[0] += timedelta(days=1)
    store.write_prices("600111.SS", frame(["2026-01-05", "2026-01-06"], [11.5, 12.0]), source="live", adjusted=True)
    stored = store.read_prices("600111.SS")
    assert stored is not None
    assert list(stored.frame["adj_close"]) == [10.0, 11.5, 12.0]  # new rows win on overlap
    assert stored.source == "live" and stored.fetched_at == clock[0] and stored.last_date == date(2026, 1, 6)
    assert store.is_fresh(stored.fetched_at, 1) and not Store(tmp_path, fixed_clock).is_fresh(stored.fetched_at, 1)


def test_corrupt_parquet_is_reported_not_fatal(tmp_path: Path) -> None:
    store = Store(tmp_path, fixed_clock)
    store.write_prices("MP", frame(["2026-01-02"], [20.0]), source="import", adjusted=True)
    path = store.path("prices", "MP", ".parquet")
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with pytest.raises(StoreCorrupt) as error:
        store.read_prices("MP")
    assert "unreadable price history" in str(error.value) and "MP" in str(error.value)
    assert [e.problem for e in housekeeping.entries(store)] == [str(error.value)]
    source = StoreSource(store)
    assert source.quotes(["MP"]) == {}
    assert "unreadable price history" in source.problems()["MP"]


def test_store_source_quote_from_history(tmp_path: Path) -> None:
    store = Store(tmp_path, fixed_clock)
    store.write_prices("MP", frame(["2026-01-02", "2026-01-05"], [20.0, 21.0]), source="import", adjusted=True)
    quote = StoreSource(store, {"MP": "USD"}).quotes(["MP", "LYC.AX"])
    assert list(quote) == ["MP"]
    assert quote["MP"].price == 21.0 and quote["MP"].price_date == date(2026, 1, 5) and quote["MP"].currency == "USD"


def test_raw_prices_with_prev_close_are_adjusted(tmp_path: Path) -> None:
    # a 10-for-10 bonus issue on day 3: close 20 -> 10.5, reference (prev_close) 10.0: a +5% day, not -47.5%
    path = tmp_path / "raw.csv"
    path.write_text("date,close,prev_close\n2026-01-02,19.0,18.0\n2026-01-05,20.0,19.0\n2026-01-06,10.5,10.0\n")
    parsed = read_price_file(path, today=TODAY)
    adj = parsed.frame["adj_close"]
    returns = adj.pct_change().dropna().round(10).tolist()
    assert returns == [round(20 / 19 - 1, 10), 0.05]
    assert adj.iloc[-1] == 10.5 and parsed.adjusted


@pytest.mark.parametrize(
    ("content", "line", "column"),
    [
        ("date,close\n2026-01-02,10\n2026-13-45,11\n", 3, "date"),
        ("date,close\n2026-01-02,10\n2026-01-02,11\n", 3, "date"),
        ("date,close\n2026-01-02,10\n2026-01-05,-1\n", 3, "close"),
        ("date,close\n2026-01-02,ten\n", 2, "close"),
        ("when,close\n2026-01-02,10\n", 1, "date"),
    ],
)
def test_bad_price_files_name_file_line_and_column(tmp_path: Path, content: str, line: int, column: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputFileError) as error:
        read_price_file(path, today=TODAY)
    assert f"bad.csv:{line}: {column}:" in str(error.value)


def test_import_real_history_then_screen_uses_store(runner: CliRunner, config: Path) -> None:
    path = need(PRICES / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv")
    result = runner.invoke(
        app, ["prices", "import", str(path), "--ticker", "600111 CH Equity", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert "stored 600111.SS: 5838 rows" in result.output
    # today the bundled 2025 prices are fresher than the imported history (ending 2022-01-14): they win
    plain = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv"])
    assert plain.exit_code == 0
    rows = {r["ticker"]: r for r in csv.DictReader(io.StringIO(plain.stdout)) if r["row_type"] == "company"}
    assert rows["600111.SS"]["source"] == "snapshot" and rows["600111.SS"]["price_date"] == "2025-10-10"
    # on 2022-01-14 the store has the only price known then
    screen = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv", "--as-of", "2022-01-14"])
    assert screen.exit_code == 0, screen.output
    rows = {r["ticker"]: r for r in csv.DictReader(io.StringIO(screen.stdout)) if r["row_type"] == "company"}
    nre = rows["600111.SS"]
    assert nre["source"] == "store" and nre["price"] == "43.91" and nre["price_date"] == "2022-01-14"
    assert rows["000831.SZ"]["source"] == "none" and "price_after_as_of" in rows["000831.SZ"]["flags"]
    assert "20 name(s) have prices only after 2022-01-14" in screen.stderr and "look-ahead" in screen.stderr
    # the stored history's daily returns equal close / prev_close - 1 from the file itself
    raw = pd.read_csv(path, parse_dates=["date"], index_col="date")
    stored = Store(config.parent / "cache", fixed_clock).read_prices("600111.SS")
    assert stored is not None
    ours = stored.frame["adj_close"].pct_change().iloc[1:]
    theirs = (raw["close"] / raw["prev_close"] - 1).iloc[1:]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9, atol=1e-12)


def test_import_adjusted_us_history_estimates_market_cap(runner: CliRunner, config: Path) -> None:
    path = need(PRICES / "us" / "MP_adj_close_dsturdy.csv")
    assert (
        runner.invoke(app, ["prices", "import", str(path), "--ticker", "MP US", "--config", str(config)]).exit_code == 0
    )
    screen = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv", "-q"])
    mp = next(r for r in csv.DictReader(io.StringIO(screen.stdout)) if r["ticker"] == "MP")
    assert mp["source"] == "store" and mp["price_date"] == "2026-08-03"
    assert "mcap_from_snapshot_shares" in mp["flags"]
    # market cap = price x (12,802 USD m / 73.77): the snapshot's implied share count
    assert float(mp["market_cap_usd_m"]) == pytest.approx(float(mp["price"]) * 12802 / 73.77, rel=1e-9)


def test_store_only_never_uses_snapshot(runner: CliRunner, config: Path) -> None:
    result = runner.invoke(app, ["screen", "--config", str(config), "--source", "store"])
    assert result.exit_code == 3 and "store: has none of the 21 names" in result.output


def test_import_errors_exit_2(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,close\n2026-01-02,10\n2026-01-02,11\n")
    result = runner.invoke(app, ["prices", "import", str(bad), "--ticker", "MP", "--config", str(config)])
    assert result.exit_code == 2 and "bad.csv:3: date: duplicate date" in result.output
    unknown = runner.invoke(app, ["prices", "import", str(bad), "--ticker", "MP XX", "--config", str(config)])
    assert unknown.exit_code == 2 and "--ticker" in unknown.output


def test_cache_info_and_clear_keep_history(runner: CliRunner, config: Path) -> None:
    path = need(PRICES / "us" / "MP_adj_close_dsturdy.csv")
    runner.invoke(app, ["prices", "import", str(path), "--ticker", "MP", "--config", str(config)])
    assert runner.invoke(app, ["drift", "--config", str(config), "-q", "--as-of", "2026-08-03"]).exit_code == 4
    info = runner.invoke(app, ["cache", "info", "--config", str(config)])
    assert info.exit_code == 0 and "MP" in info.output and "2026-08-03" in info.output
    cleared = runner.invoke(app, ["cache", "clear", "--yes", "--config", str(config)])
    assert cleared.exit_code == 0 and "removed 1 file(s)" in cleared.output  # the derived price-change index
    assert not (config.parent / "cache" / "index" / "price_changes.json").exists()
    again = runner.invoke(app, ["cache", "clear", "--yes", "--config", str(config)])
    assert again.exit_code == 0 and "nothing to remove" in again.output  # an imported history is kept
    store = Store(config.parent / "cache", fixed_clock)
    store.write_record("quotes", "MP", {"price": 1.0, "price_date": "2026-01-02"}, source="live")
    cleared = runner.invoke(app, ["cache", "clear", "--yes", "--config", str(config)])
    assert "removed 1 file(s)" in cleared.output and "imported data kept" in cleared.output
    assert store.read_prices("MP") is not None
    everything = runner.invoke(app, ["cache", "clear", "--all", "--yes", "--config", str(config)])
    assert everything.exit_code == 0 and "removed 1 file(s)" in everything.output
    assert store.read_prices("MP") is None
    assert (config.parent / "history.sqlite").exists()
    listed = runner.invoke(app, ["history", "list", "--config", str(config)])
    assert listed.exit_code == 0 and "2026-08-03" in listed.output
    assert runner.invoke(app, ["cache", "clear", "--kind", "nonsense", "--yes", "--config", str(config)]).exit_code == 2


def test_store_serves_the_last_price_on_or_before_as_of(runner: CliRunner, config: Path) -> None:
    path = need(PRICES / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv")
    runner.invoke(app, ["prices", "import", str(path), "--ticker", "600111.SS", "--config", str(config)])
    result = runner.invoke(app, ["screen", "--config", str(config), "--source", "store", "--as-of", "2020-06-30",
                                 "--format", "csv", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == "600111.SS")
    raw = pd.read_csv(path, index_col="date")
    assert row["price_date"] == "2020-06-30" and float(row["price"]) == raw.loc["2020-06-30", "close"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("date,close\n2026-01-02,10\n2099-01-05,11\n", "bad.csv:3: date: date 2099-01-05 is in the future"),
        ("date,close\n2026-01-02,inf\n", "bad.csv:2: close: price must be finite"),
        ("date,close\n2026-01-02,1e400\n", "bad.csv:2: close: price must be finite"),
    ],
)
def test_future_dates_and_infinite_prices_are_refused(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputFileError) as error:
        read_price_file(path, today=TODAY)
    assert needle in str(error.value)


def test_a_corrupt_history_is_named_not_called_missing(runner: CliRunner, config: Path) -> None:
    path = need(PRICES / "us" / "MP_adj_close_dsturdy.csv")
    runner.invoke(app, ["prices", "import", str(path), "--ticker", "MP", "--config", str(config)])
    parquet = Store(config.parent / "cache", fixed_clock).path("prices", "MP", ".parquet")
    parquet.write_bytes(parquet.read_bytes()[:100])
    result = runner.invoke(app, ["value", "MP", "--pb-mean", "5", "--pb-sd", "1", "--config", str(config)])
    assert "unreadable price history" in result.output and "Traceback" not in result.output
    info = runner.invoke(app, ["cache", "info", "--config", str(config)])
    assert info.exit_code == 0 and "unreadable" in info.output


def test_old_stored_prices_are_called_out_and_overlaps_compared(
    runner: CliRunner, config: Path, tmp_path: Path
) -> None:
    path = need(PRICES / "a_shares" / "samleon_raw_2019_2023" / "000831.SZ.csv")
    cfg = ["--config", str(config)]
    assert runner.invoke(app, ["prices", "import", str(path), "--ticker", "000831.SZ", *cfg]).exit_code == 0
    screen = runner.invoke(app, ["screen", *cfg, "--format", "csv"])
    row = next(r for r in csv.DictReader(io.StringIO(screen.stdout)) if r["ticker"] == "000831.SZ")
    assert row["source"] == "snapshot" and row["price_date"] == "2025-10-10"  # fresher than the 2023 import
    back = runner.invoke(app, ["screen", *cfg, "--format", "csv", "--as-of", "2023-04-04"])
    row = next(r for r in csv.DictReader(io.StringIO(back.stdout)) if r["ticker"] == "000831.SZ")
    assert row["source"] == "store" and row["price_date"] == "2023-04-04"
    doubled = tmp_path / "doubled.csv"
    raw = pd.read_csv(path)
    raw["close"] = raw["close"] * 2  # a different basis for the same days
    raw.to_csv(doubled, index=False)
    again = runner.invoke(app, ["prices", "import", str(doubled), "--ticker", "000831.SZ", *cfg])
    assert again.exit_code == 0 and "overlapping day(s) differ from the stored history by up to 100.0%" in again.stderr
