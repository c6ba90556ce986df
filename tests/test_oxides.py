"""Oxide series: unit conversion (hand-worked numbers), import errors, FX, the store, the http(s) cache against a
real loopback server, and the `oxides`, `fx` and `correlate` commands on small inline data."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from screener.app.correlate import CSV_COLUMNS
from screener.cli import app
from screener.core.fx import align as align_fx
from screener.core.fx import series_to_usd as to_usd
from screener.core.units import large_gaps, parse_unit, remove_vat, to_per_kg
from screener.data import housekeeping
from screener.data.oxides import SeriesSpec, convert, import_oxide, parse_series_csv
from screener.data.store import KINDS, Store
from screener.errors import InputFileError, StoreCorrupt, UsageError

from .conftest import EnvRunner, make_config

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
TODAY = NOW.date()

# ---------------------------------------------------------------------------------------------- units


def test_units_hand_worked() -> None:
    wan = parse_unit("10,000 CNY/t")
    assert wan.name == "10000 CNY/t" and wan.currency == "CNY"
    per_kg = to_per_kg(pd.Series([89.5]), wan)
    assert per_kg.iloc[0] == pytest.approx(895.0)  # 89.5 x 10,000 CNY/t = 895,000 CNY/t = 895 CNY/kg
    ex_vat = remove_vat(per_kg)
    assert ex_vat.iloc[0] == pytest.approx(792.0354, abs=1e-4)  # 895 / 1.13
    usd = to_usd(ex_vat, pd.Series([7.13]))
    assert usd.iloc[0] == pytest.approx(111.0849, abs=1e-4)  # 792.035 / 7.13 CNY per USD
    assert to_per_kg(pd.Series([450_000.0]), parse_unit("CNY/t")).iloc[0] == pytest.approx(450.0)
    assert to_per_kg(pd.Series([5.89]), parse_unit("1000 CNY/t")).iloc[0] == pytest.approx(5.89)
    assert to_per_kg(pd.Series([63.51]), parse_unit("usd/kg")).iloc[0] == pytest.approx(63.51)


@pytest.mark.parametrize("text", ["CNY/lb", "EUR/kg", "10 CNY/t", "kg", ""])
def test_unknown_units_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_unit(text)


def test_fx_forward_filled_with_a_staleness_limit() -> None:
    fx = pd.Series([7.0, 7.2], index=pd.to_datetime(["2024-01-02", "2024-01-05"]))
    dates = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-07", "2024-01-20"])
    rates = align_fx(pd.DatetimeIndex(dates), fx, max_staleness_days=10)
    assert np.isnan(rates.iloc[0])  # before the FX history
    assert list(rates.iloc[1:4]) == [7.0, 7.0, 7.2]  # latest rate on or before the date
    assert np.isnan(rates.iloc[4])  # 15 days after the last rate: beyond the limit


def test_large_gaps() -> None:
    dates = pd.DatetimeIndex(pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-01", "2024-02-02"]))
    gaps = large_gaps(dates, 10)
    assert [(a.date().isoformat(), b.date().isoformat(), n) for a, b, n in gaps] == [("2024-01-03", "2024-02-01", 21)]


# ---------------------------------------------------------------------------------------------- parsing


def write(tmp_path: Path, text: str, name: str = "ox.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BROKEN = [
    ("date,value\n2024-01-02,10\n2024-13-45,11\n", "value", 3, "date", "unparseable date"),
    ("date,value\n2024-01-02,10\n2024-01-02,11\n", "value", 3, "date", "duplicate date"),
    ("date,value\n2024-01-02,10\n2024-01-03,0\n", "value", 3, "value", "must be positive"),
    ("date,value\n2024-01-02,10\n2024-01-03,-4\n", "value", 3, "value", "must be positive"),
    ("date,value\n2024-01-02,10\n2024-01-03,abc\n", "value", 3, "value", "not a number"),
    ("date,value\n2024-01-02,10\n", "price", 1, "price", "no column 'price'"),
    ("day,value\n2024-01-02,10\n", "value", 1, "date", "no column 'date'"),
]


@pytest.mark.parametrize(("text", "column", "line", "field", "message"), BROKEN, ids=[b[4] for b in BROKEN])
def test_import_errors_name_file_line_and_column(
    tmp_path: Path, text: str, column: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as caught:
        parse_series_csv(str(path), path, value_col=column, today=TODAY)
    assert caught.value.line == line and caught.value.field == field
    assert message in str(caught.value) and f"ox.csv:{line}: {field}:" in str(caught.value)


def test_mid_of_two_columns_and_inverted_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "date,lo,hi,avg\n2024-01-03,10,12,1\n2024-01-02,9,10,1\n2024-01-04,,,1\n")
    parsed = parse_series_csv(str(path), path, mid_of=("lo", "hi"), today=TODAY)
    assert list(parsed.values) == [9.5, 11.0]  # sorted by date; the empty row skipped and said so
    assert parsed.column == "mid(lo,hi)" and "1 row(s)" in parsed.notes[0]
    bad = write(tmp_path, "date,lo,hi\n2024-01-02,9,10\n2024-01-03,12,10\n", "bad.csv")
    with pytest.raises(InputFileError, match=r"bad\.csv:3: lo: lo 12 is above hi 10"):
        parse_series_csv(str(bad), bad, mid_of=("lo", "hi"), today=TODAY)
    with pytest.raises(UsageError):
        parse_series_csv(str(bad), bad, value_col="lo", mid_of=("lo", "hi"), today=TODAY)


def test_convert_without_fx_keeps_the_local_currency_and_says_so() -> None:
    values = pd.Series([89.5], index=pd.to_datetime(["2022-06-01"]))
    spec = SeriesSpec("nd", "10000 CNY/t", "CNY", vat_included=True)
    frame, meta, notes = convert(values, spec, None, fx_max_staleness_days=10)
    assert frame["local_per_kg"].iloc[0] == pytest.approx(895 / 1.13)
    assert frame["usd_per_kg"].isna().all()
    assert meta["local_unit"] == "CNY/kg ex VAT" and "stays in CNY/kg" in notes[0]
    with pytest.raises(UsageError, match="does not match"):
        convert(values, SeriesSpec("nd", "10000 CNY/t", "USD"), None, fx_max_staleness_days=10)
    with pytest.raises(UsageError, match="unknown unit"):
        convert(values, SeriesSpec("nd", "CNY/lb", "CNY"), None, fx_max_staleness_days=10)


def test_import_with_fx_store_round_trip_and_gap_note(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache", lambda: NOW)
    fx = pd.DataFrame({"per_usd": [7.0, 7.1]}, index=pd.to_datetime(["2024-01-02", "2024-02-01"]))
    store.write_series("fx", "CNY", fx, {"source": "fred.csv"})
    path = write(tmp_path, "date,v\n2024-01-02,70\n2024-01-03,71\n2024-02-02,72\n")
    spec = SeriesSpec("dy", "CNY/kg", "CNY", name="Dy", vat_included=False, value_col="v")
    stored, notes = import_oxide(
        store, spec, str(path), path, fx_max_staleness_days=10, gap_business_days=10, today=TODAY
    )
    assert list(stored.frame["usd_per_kg"]) == pytest.approx([10.0, 71 / 7.0, 72 / 7.1])
    assert any("gap of 22 business days between 2024-01-03 and 2024-02-02" in n for n in notes)
    again = store.read_series("oxides", "dy")
    assert again is not None and again.meta["unit"] == "CNY/kg" and again.meta["vat_included"] == "false"
    assert again.meta["fx_source"].startswith("fred.csv (2024-01-02 to 2024-02-01)")
    pd.testing.assert_frame_equal(again.frame, stored.frame, check_freq=False)
    assert "oxides" in KINDS


def test_corrupt_series_file_is_reported_not_fatal(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache", lambda: NOW)
    (tmp_path / "cache" / "oxides").mkdir(parents=True)
    (tmp_path / "cache" / "oxides" / "nd.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(StoreCorrupt) as error:
        store.read_series("oxides", "nd")
    assert "unreadable oxides series" in str(error.value)
    assert [e.problem for e in housekeeping.entries(store)] == [str(error.value)]


# ---------------------------------------------------------------------------------------------- http(s) cache

CSV_BODY = b"date,value\n2024-01-02,63.51\n2024-01-03,61.34\n"


class _Handler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(CSV_BODY)))
        self.end_headers()
        self.wfile.write(CSV_BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.hits = 0
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_http_fresh_then_stale_when_the_server_is_down(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    from screener.data.http import fetch
    from screener.environment import http_session
    from screener.errors import DataUnavailable

    url = f"http://127.0.0.1:{server.server_address[1]}/nd.csv"
    session = http_session(tmp_path / "cache", timedelta(seconds=1))
    first = fetch(session, url)
    assert first.content == CSV_BODY and not first.from_cache and not first.stale
    second = fetch(session, url)
    assert second.from_cache and not second.stale and _Handler.hits == 1
    assert (tmp_path / "cache" / "http" / "http.sqlite").exists()
    server.shutdown()
    server.server_close()
    time.sleep(1.2)  # the entry expires
    stale = fetch(session, url)
    assert stale.content == CSV_BODY and stale.from_cache and stale.stale
    with pytest.raises(DataUnavailable, match="no cached copy"):
        fetch(session, url.replace("nd.csv", "other.csv"))


def url_import(tmp_path: Path, server: ThreadingHTTPServer) -> tuple[str, list[str]]:
    """The served CSV's URL and an `oxides import` of it (a cached copy expires after about a second)."""
    config = make_config(tmp_path / "w", {"oxides": {"http_expire_hours": 0.0003}})
    url = f"http://127.0.0.1:{server.server_address[1]}/nd.csv"
    args = ["oxides", "import", url, "--config", str(config), "--series", "nd_web", "--value-col", "value"]
    return url, [*args, "--unit", "USD/kg", "--currency", "USD"]


def test_oxides_import_from_url_through_the_cli(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    runner = EnvRunner()
    _, args = url_import(tmp_path, server)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.stdout and "STALE" not in result.stdout
    server.shutdown()
    server.server_close()
    time.sleep(1.2)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "STALE cached copy" in result.stdout


# ---------------------------------------------------------------------------------------------- commands

COMMANDS = [["oxides"], ["oxides", "import"], ["oxides", "list"], ["fx"], ["fx", "import"], ["correlate"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_with_examples(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    if len(command) > 1 or command == ["correlate"]:
        assert "Example" in result.output


def synthetic(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """Daily business-day prices for two tickers and an oxide that drives one of them, plus CNY FX."""
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2020-01-01", "2022-12-30")
    ox = np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    stock = np.exp(np.log(ox) * 0.8 + np.cumsum(rng.normal(0, 0.01, len(days)))) * 10
    other = np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))) * 20
    fx = 7.0 + 0.0 * ox
    out = []
    for name, values, col in (("ox", ox * 50, "price"), ("a", stock, "adj_close"), ("b", other, "adj_close")):
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), col: values}).to_csv(path, index=False)
        out.append(path)
    fx_path = tmp_path / "fx.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "value": fx}).to_csv(fx_path, index=False)
    return out[0], out[1], out[2], fx_path


def test_import_list_correlate_cli(tmp_path: Path) -> None:
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    ox, a, b, fx = synthetic(tmp_path)
    cfg = ["--config", str(config)]
    # an oxide imported before any FX history stays in CNY, and says so
    result = runner.invoke(app, ["oxides", "import", str(ox), "--series", "nd_cn", "--value-col", "price", *cfg])
    assert result.exit_code == 0, result.output
    assert "stays in CNY/kg" in result.stderr and "-> USD/kg" not in result.stdout
    assert runner.invoke(app, ["fx", "import", str(fx), "--currency", "cny", *cfg]).exit_code == 0
    result = runner.invoke(app, ["oxides", "import", str(ox), "--series", "nd_cn", "--value-col", "price", *cfg])
    assert "-> USD/kg" in result.stdout  # registry: 10000 CNY/t, VAT included
    for path, ticker in ((a, "600111.SS"), (b, "600392.SS")):
        assert runner.invoke(app, ["prices", "import", str(path), "--ticker", ticker, *cfg]).exit_code == 0
    listing = runner.invoke(app, ["oxides", "list", *cfg])
    assert listing.exit_code == 0 and "nd_cn" in listing.stdout and "not stored" in listing.stdout
    assert "dy_smm" in listing.stdout and "light" in listing.stdout

    result = runner.invoke(app, ["correlate", "-u", "producers", "--format", "csv", *cfg])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert rows[0]["ticker"] == "600111.SS" and rows[0]["series"] == "nd_cn"  # ranked by |corr|
    assert float(rows[0]["corr"]) > 0.3 and rows[0]["freq"] == "W"
    by_ticker = {r["ticker"]: r for r in rows}
    assert by_ticker["600392.SS"]["n"] != "0"
    # names without prices are listed, not dropped; the heavy name's default series is not stored
    assert by_ticker["LYC.AX"]["n"] == "0" and by_ticker["LYC.AX"]["corr"] == "NA"
    assert by_ticker["000831.SZ"]["series"] == "dy_smm"
    assert "no data" in result.stderr and "dy_smm is not stored" in result.stderr

    table = runner.invoke(app, ["correlate", "-u", "producers", "--oxide", "nd_cn", *cfg])
    assert table.exit_code == 0 and "Level corr" in table.stdout and "no data" in table.stdout
    assert "ranked by |corr|" in table.stdout

    out = tmp_path / "c.json"
    result = runner.invoke(app, ["correlate", "-u", "producers", "--freq", "M", "--window", "12", "--format",
                                 "json", "--out", str(out), *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["freq"] == "M" and payload["units"]["nd_cn"] == "USD/kg ex VAT"
    assert payload["rows"][0]["n"] >= 30 and payload["rows"][0]["status"] == ""

    short = runner.invoke(app, ["correlate", "-u", "producers", "--start", "2022-10-01", "--format", "csv", *cfg])
    assert short.exit_code == 3 and "600111.SS (too short (n 12 < 26))" in short.stderr  # no name has statistics


def test_correlate_exit_codes(tmp_path: Path) -> None:
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    result = runner.invoke(app, ["correlate", *cfg])
    assert result.exit_code == 3 and "no stored prices" in result.output  # nothing stored for any name
    _, a, _, _ = synthetic(tmp_path)
    runner.invoke(app, ["prices", "import", str(a), "--ticker", "600111.SS", *cfg])
    result = runner.invoke(app, ["correlate", "--oxide", "tb_none", *cfg])
    assert result.exit_code == 2 and "--oxide tb_none: unknown series" in result.output
    assert "registered: nd_cn, pr_cn, dy_smm, nd_komis" in result.output  # the valid ids, listed
    result = runner.invoke(app, ["correlate", "--oxide", "pr_cn", *cfg])  # registered, not imported yet
    assert result.exit_code == 3 and "not in the store" in result.output
    assert "`screener oxides import" in result.output and "--series pr_cn`" in result.output
    result = runner.invoke(app, ["correlate", "--start", "2022-01-01", "--end", "2021-01-01", *cfg])
    assert result.exit_code == 2 and "after --end" in result.output
    result = runner.invoke(app, ["correlate", "--start", "01/02/2020", *cfg])
    assert result.exit_code == 2
    assert runner.invoke(app, ["correlate", "--freq", "D", *cfg]).exit_code == 2


def test_oxides_import_exit_codes(tmp_path: Path) -> None:
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    bad = write(tmp_path, "date,value\n2024-01-02,10\n2024-01-02,11\n")
    base = ["oxides", "import", str(bad), "--value-col", "value", *cfg]
    result = runner.invoke(app, [*base, "--series", "x", "--unit", "USD/kg", "--currency", "USD"])
    assert result.exit_code == 2 and "ox.csv:3: date: duplicate date 2024-01-02" in result.output
    result = runner.invoke(app, [*base, "--series", "x", "--unit", "CNY/lb", "--currency", "CNY"])
    assert result.exit_code == 2 and "unknown unit 'CNY/lb'" in result.output
    result = runner.invoke(app, [*base, "--series", "x"])
    assert result.exit_code == 2 and "give --unit and --currency" in result.output
    result = runner.invoke(app, ["oxides", "import", *cfg, "--series", "x", "--unit", "USD/kg", "--currency", "USD"])
    assert result.exit_code == 2 and "--value-col" in result.output
    result = runner.invoke(app, ["oxides", "import", str(tmp_path / "missing.csv"), "--series", "nd_cn", *cfg])
    assert result.exit_code == 2 and "missing.csv: file not found" in result.output
    result = runner.invoke(app, ["fx", "import", str(bad), "--currency", "USD", *cfg])
    assert result.exit_code == 2


def test_cache_info_and_clear_cover_oxides(tmp_path: Path) -> None:
    runner = EnvRunner()
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    ox, _, _, fx = synthetic(tmp_path)
    runner.invoke(app, ["fx", "import", str(fx), "--currency", "CNY", *cfg])
    runner.invoke(app, ["oxides", "import", str(ox), "--series", "nd_cn", "--value-col", "price", *cfg])
    info = runner.invoke(app, ["cache", "info", *cfg])
    assert "oxides" in info.stdout and "nd_cn" in info.stdout and "CNY" in info.stdout
    result = runner.invoke(app, ["cache", "clear", "--kind", "oxides", "--yes", *cfg])
    assert result.exit_code == 0 and "removed 1 file" in result.stdout


def test_fx_series_from_a_url_in_config(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    runner = EnvRunner()
    url = f"http://127.0.0.1:{server.server_address[1]}/cny.csv"
    config = make_config(
        tmp_path / "w",
        {"fx": {"series": [{"currency": "CNY", "source": url}]}, "oxides": {"http_expire_hours": 0.0003}},
    )
    result = runner.invoke(app, ["fx", "import", "--currency", "CNY", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "stored FX CNY per USD: 2 rows" in result.stdout and "STALE" not in result.stdout
    server.shutdown()
    server.server_close()
    time.sleep(1.2)  # expired, and the server is down: the cached copy is used and said to be stale
    again = runner.invoke(app, ["fx", "import", "--currency", "CNY", "--config", str(config)])
    assert again.exit_code == 0 and "STALE cached copy" in again.stdout
    missing = runner.invoke(app, ["fx", "import", "--currency", "JPY", "--config", str(config)])
    assert missing.exit_code == 2 and "[[fx.series]]" in missing.output


def test_offline_url_import_serves_only_the_cached_copy(tmp_path: Path, server: ThreadingHTTPServer) -> None:
    runner = EnvRunner()
    url, args = url_import(tmp_path, server)
    assert runner.invoke(app, args).exit_code == 0 and _Handler.hits == 1
    time.sleep(1.2)  # expired: online, the next import would ask the server again
    offline = runner.invoke(app, [*args, "--offline"])
    assert offline.exit_code == 0, offline.output
    assert _Handler.hits == 1 and "STALE cached copy" in offline.stdout  # no request; the copy is said to be old
    other = runner.invoke(app, [*args[:2], url.replace("nd.csv", "pr.csv"), *args[3:], "--offline"])
    assert (
        other.exit_code == 3 and "not fetched, offline (--offline" in other.output and "no cached copy" in other.output
    )
    assert _Handler.hits == 1
