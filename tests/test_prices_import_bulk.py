"""`prices import FILE` without --ticker: long and wide exports of many tickers (CSV, XLSX), built here from the
real A-share histories in ../shared/data and checked against importing each history singly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.data.csv_columns import read_csv
from screener.data.price_files import parse_price_table
from screener.data.price_layouts import split_prices
from screener.data.store import Store
from screener.errors import InputFileError

from .conftest import SHARED_DATA, make_config, need

GANLEI = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022"
CODES = {"600111.SS": "600111 CH", "000831.SZ": "000831.SZ"}
"""Each real history and the code form the export writes for it."""
TODAY = date(2026, 11, 27)


def store(config: Path) -> Store:
    return Store(config.parent / "cache", lambda: datetime(2026, 11, 27, tzinfo=UTC))


def histories() -> dict[str, pd.DataFrame]:
    """The real raw histories (date, close, prev_close), from 2015 on to keep the files small."""
    out = {}
    for symbol in CODES:
        raw = pd.read_csv(need(GANLEI / f"{symbol}.csv"), usecols=["date", "close", "prev_close"])
        out[symbol] = raw[raw["date"] >= "2015-01-01"].reset_index(drop=True)
    return out


def stored_frames(config: Path) -> dict[str, pd.DataFrame]:
    found = {}
    for symbol in CODES:
        prices = store(config).read_prices(symbol)
        assert prices is not None, symbol
        found[symbol] = prices.frame
    return found


def import_singly(runner: CliRunner, tmp_path: Path, columns: list[str]) -> dict[str, pd.DataFrame]:
    """The store after importing each history as its own file with --ticker (the old path)."""
    config = make_config(tmp_path / "single")
    for symbol, raw in histories().items():
        path = tmp_path / f"single_{symbol}.csv"
        raw[columns].to_csv(path, index=False)
        result = runner.invoke(app, ["prices", "import", str(path), "--ticker", symbol, "--config", str(config)])
        assert result.exit_code == 0, result.output
    return stored_frames(config)


def wide_frame() -> pd.DataFrame:
    """Date x Bloomberg-style headers, closes; the two calendars differ, so cells are blank on some days."""
    columns = [raw.set_index("date")["close"].rename(f"{CODES[s]} Equity") for s, raw in histories().items()]
    return pd.concat(columns, axis=1).sort_index().rename_axis("Date").reset_index()


def invoke(runner: CliRunner, config: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["prices", "import", *args, "--config", str(config)])


def test_long_file_equals_importing_each_history_singly(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    parts = [raw.assign(ticker=CODES[symbol]) for symbol, raw in histories().items()]
    long = tmp_path / "long.csv"
    pd.concat(parts)[["date", "ticker", "close", "prev_close"]].to_csv(long, index=False)
    result = invoke(runner, config, str(long))
    assert result.exit_code == 0, result.output
    assert "long.csv: long layout, 2 ticker(s) stored" in result.output
    bulk = stored_frames(config)
    single = import_singly(runner, tmp_path, ["date", "close", "prev_close"])
    for symbol in CODES:
        pd.testing.assert_frame_equal(bulk[symbol], single[symbol])
        assert store(config).read_prices(symbol).adjusted  # type: ignore[union-attr]
    # adjusted from close / prev_close, as one history is: daily returns equal the file's own
    raw = histories()["600111.SS"]
    ours = bulk["600111.SS"]["adj_close"].pct_change().iloc[1:].to_numpy()
    assert ours == pytest.approx((raw["close"] / raw["prev_close"] - 1).iloc[1:].to_numpy(), rel=1e-9, abs=1e-12)


def test_wide_bloomberg_file_equals_importing_each_history_singly(
    runner: CliRunner, config: Path, tmp_path: Path
) -> None:
    wide = tmp_path / "wide.csv"
    wide_frame().to_csv(wide, index=False)
    result = invoke(runner, config, str(wide))
    assert result.exit_code == 0, result.output
    assert "wide.csv: wide layout, 2 ticker(s) stored" in result.output
    assert "stored 600111.SS: " in result.output and "from 600111 CH Equity;" in result.output
    bulk = stored_frames(config)
    single = import_singly(runner, tmp_path, ["date", "close"])
    for symbol in CODES:
        pd.testing.assert_frame_equal(bulk[symbol], single[symbol])
        assert len(bulk[symbol]) == len(histories()[symbol])  # blank cells of the other calendar skipped


def test_xlsx_wide_file_equals_the_csv(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    frame = wide_frame()
    book = Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        day = datetime.fromisoformat(row[0])  # a real date cell, as a terminal writes it
        sheet.append([day, *(None if pd.isna(v) else float(v) for v in row[1:])])
    xlsx = tmp_path / "closes.xlsx"
    book.save(xlsx)
    result = invoke(runner, config, str(xlsx))
    assert result.exit_code == 0, result.output
    csv_config = make_config(tmp_path / "csv")
    frame.to_csv(tmp_path / "closes.csv", index=False)
    assert invoke(runner, csv_config, str(tmp_path / "closes.csv")).exit_code == 0
    for symbol, stored in stored_frames(config).items():
        pd.testing.assert_frame_equal(stored, stored_frames(csv_config)[symbol])


def test_unmappable_header_exits_2_naming_it_and_writes_nothing(
    runner: CliRunner, config: Path, tmp_path: Path
) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text("date,600111 CH Equity,FOO XX Equity\n2024-01-02,10,11\n")
    result = invoke(runner, config, str(wide))
    assert result.exit_code == 2
    assert "wide.csv:1:" in result.output and "'FOO XX Equity'" in result.output
    assert "600111 CH" not in result.output  # only the columns it could not map are named
    assert store(config).read_prices("600111.SS") is None
    # a single history without --ticker: its fields are not taken for US tickers (CLOSE, VOLUME)
    one = tmp_path / "one.csv"
    one.write_text("date,close,volume\n2024-01-02,10,11\n")
    single = invoke(runner, config, str(one))
    assert single.exit_code == 2 and "'close' (a price field" in single.output and "--ticker T" in single.output
    assert store(config).read_prices("CLOSE") is None
    # forcing the layout reads them as codes
    forced = invoke(runner, config, str(one), "--layout", "wide")
    assert forced.exit_code == 0, forced.output
    assert store(config).read_prices("CLOSE") is not None


def test_unmappable_ticker_cell_in_a_long_file(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("date,ticker,close\n2024-01-02,600111 CH,10\n2024-01-02,600111 XX,11\n2024-01-03,,12\n")
    result = invoke(runner, config, str(long))
    assert result.exit_code == 2
    assert "long.csv: ticker: 2 ticker code(s) could not be mapped" in result.output
    assert "line 3: '600111 XX'" in result.output and "line 4: blank" in result.output
    assert store(config).read_prices("600111.SS") is None


def test_a_header_without_rows_is_an_error_not_zero_tickers(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("date,ticker,close\n")
    result = invoke(runner, config, str(empty))
    assert result.exit_code == 2 and "empty.csv:2: no prices: the file has a header but no rows" in result.output


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        # the second ticker's bad cell: the first ticker (valid) must not be written either
        ("date,ticker,close\n2024-01-02,MP US,10\n2024-01-02,600111 CH,10\n2024-01-03,600111.SH,-1\n",
         "bad.csv:4: close: price must be positive, got -1"),
        ("date,ticker,close\n2024-01-02,MP US,10\n2024-01-02,600111 CH,10\n2024-01-02,600111.SH,11\n",
         "bad.csv:4: date: duplicate date 2024-01-02"),
        ("date,ticker,close\n2024-01-02,MP US,10\n2024-13-02,600111 CH,10\n",
         "bad.csv:3: date: unparseable date '2024-13-02'"),
        ("date,MP US,600111 CH Equity\n2024-01-02,10,10\n2024-01-03,11,abc\n",
         "bad.csv:3: 600111 CH Equity: not a number: 'abc'"),
        ("date,MP US,600111 CH Equity\n2024-01-02,10,10\n2024-01-03,11,0\n",
         "bad.csv:3: 600111 CH Equity: price must be positive, got 0"),
    ],
)  # fmt: skip
def test_bad_value_names_file_line_and_field_and_writes_nothing(
    runner: CliRunner, config: Path, tmp_path: Path, content: str, needle: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = invoke(runner, config, str(bad))
    assert result.exit_code == 2 and needle in result.output, result.output
    assert store(config).read_prices("MP") is None and store(config).read_prices("600111.SS") is None


def test_unreadable_stored_history_refuses_the_whole_file(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("date,MP US,600111 CH Equity\n2024-01-02,10,20\n")
    assert invoke(runner, config, str(first)).exit_code == 0
    parquet = store(config).path("prices", "600111.SS", ".parquet")
    parquet.write_bytes(parquet.read_bytes()[:50])
    second = tmp_path / "second.csv"
    second.write_text("date,MP US,600111 CH Equity\n2024-01-03,11,21\n")
    result = invoke(runner, config, str(second))
    assert result.exit_code == 2 and "--replace" in result.output
    assert len(store(config).read_prices("MP").frame) == 1  # type: ignore[union-attr]  # MP not written either
    replaced = invoke(runner, config, str(second), "--replace")
    assert replaced.exit_code == 0 and "kept aside" in replaced.stderr


def test_per_ticker_summary(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("date,ticker,close\n2024-01-02,600111 CH,10\n2024-01-03,600111 CH,11\n2024-01-02,AAPL US,100\n")
    result = invoke(runner, config, str(first))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "first.csv: long layout, 2 ticker(s) stored"
    assert lines[1] == (
        "stored 600111.SS: 2 rows from 600111 CH; CNY from universe (raw close, not adjusted); "
        "new: history now 2024-01-02 to 2024-01-03, 2 rows"
    )
    assert lines[2].startswith("stored AAPL: 1 rows from AAPL US; USD from exchange (")
    assert store(config).read_prices("AAPL").currency == "USD"  # type: ignore[union-attr]
    assert store(config).read_prices("600111.SS").currency == "CNY"  # type: ignore[union-attr]
    second = tmp_path / "second.csv"
    second.write_text("date,ticker,close\n2024-01-04,600111.SH,12\n")
    merged = invoke(runner, config, str(second), "--currency", "HKD")
    assert "600111.SH; CNY from universe" in merged.stdout
    assert "merged: history now 2024-01-02 to 2024-01-04, 3 rows" in merged.stdout
    assert "600111.SS: stored in CNY (from the universe), not --currency HKD" in merged.stderr
    replaced = invoke(runner, config, str(second), "--replace")
    assert "replaced: history now 2024-01-04 to 2024-01-04, 1 rows" in replaced.stdout


def test_ticker_option_keeps_the_single_history_path(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("date,close\n2024-01-02,10\n2024-01-03,11\n")
    result = invoke(runner, config, str(one), "--ticker", "600111 CH")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "stored 600111.SS: 2 rows from one.csv (raw close, not adjusted); history now 2024-01-02 to 2024-01-03, 2 rows"
    )
    assert store(config).read_prices("600111.SS").currency is None  # type: ignore[union-attr]  # only --currency
    # with --ticker a wide file is one history: its code columns are not tickers, and it has no close column
    wide = tmp_path / "wide.csv"
    wide.write_text("date,MP US,600111 CH Equity\n2024-01-02,10,20\n")
    single = invoke(runner, config, str(wide), "--ticker", "MP")
    assert single.exit_code == 2 and "no column 'close'" in single.output
    assert store(config).read_prices("MP") is None
    both = invoke(runner, config, str(one), "--ticker", "MP", "--layout", "wide")
    assert both.exit_code == 2 and "--layout is for files of many tickers" in both.output


def test_split_refuses_one_ticker_in_two_columns_and_keeps_lines() -> None:
    table = read_csv("w.csv", b"date,600111 CH Equity,600111.SH\n2024-01-02,10,10\n")
    with pytest.raises(InputFileError) as error:
        split_prices(table)
    assert "'600111 CH Equity' and '600111.SH' are both 600111.SS" in str(error.value)
    long = read_csv("l.csv", b"date,ticker,close\n\n2024-01-02,MP,1\n2024-01-02,LYC AU,2\n2024-01-03,MP US,3\n")
    split = split_prices(long)
    assert [(t.symbol, t.codes, t.table.lines) for t in split.tickers] == [
        ("MP", ("MP", "MP US"), [3, 5]),
        ("LYC.AX", ("LYC AU",), [4]),
    ]
    # a trailing " Equity" is dropped before mapping (to_yahoo alone refuses "600111 Equity"); a wide file's values
    # are raw closes whatever the header looks like (here one that starts with "adj")
    odd = split_prices(read_csv("w.csv", b"date,600111 Equity,adjm us\n2024-01-02,10,1\n"))
    assert [t.symbol for t in odd.tickers] == ["600111.SS", "ADJM"]
    rows = odd.tickers[1]
    parsed = parse_price_table(rows.table, close_col=rows.close_col, adjusted_close=rows.adjusted_close, today=TODAY)
    assert parsed.mode == "raw close, not adjusted" and not parsed.adjusted
    with pytest.raises(Exception, match="wide file holds closes"):
        split_prices(read_csv("w.csv", b"date,MP US\n2024-01-02,1\n"), close_col="adj_close")
