"""The input rules of #21 items 5, 6 and 8 that accept: a number or date cell read by one rule (Hypothesis round
trips), midnight normalised to the day (never an extra row), European files with --decimal ,, UTF-16 files, a
stale XLSX dimension; and the refusals that need their own setup: a tampered rating history, a file above
[limits] max_input_mb, bidirectional controls in every output."""

from __future__ import annotations

import hashlib
import math
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.cli import app
from screener.config import load_settings
from screener.core.cells import CellError, parse_day, parse_number
from screener.core.measures import MEASURES, range_problem
from screener.core.text import clean_text, decode_text
from screener.data.store import Store

from . import workbooks as wb
from .conftest import REPO_CONFIG, EnvRunner, make_config

TODAY = date(2026, 1, 2)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return make_config(tmp_path / "work")


def run(cfg: Path, *argv: str):  # type: ignore[no-untyped-def]
    return EnvRunner().invoke(app, [*argv, "--config", str(cfg)])


def stored_closes(cfg: Path, ticker: str = "600111.SS") -> dict[str, float]:
    stored = Store(load_settings(cfg).cache_dir, clock=lambda: datetime(2026, 1, 2, tzinfo=UTC)).read_prices(ticker)
    assert stored is not None
    return {day.date().isoformat(): float(v) for day, v in stored.frame["close"].items()}


# --- the cell rules ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1234.5", ".", 1234.5),
        ("1,234.5", ".", 1234.5),
        ("-1,234,567", ".", -1234567.0),
        ("1e-3", ".", 0.001),
        (" 7 ", ".", 7.0),
        ("#N/A", ".", None),
        ("1234,5", ",", 1234.5),
        ("1.234,5", ",", 1234.5),
        ("1 234,5", ",", 1234.5),
        ("1.234", ",", 1234.0),
        ("1,234", ".", 1234.0),
    ],
)
def test_numbers_read(text: str, decimal: str, value: float | None) -> None:
    assert parse_number(text, decimal) == value


@pytest.mark.parametrize(
    ("text", "decimal"), [("0,5", "."), ("1.234,5", "."), ("12,34", "."), ("0,500", "."), ("1.5", ","), ("1.5e3", ",")]
)
def test_ambiguous_numbers_are_refused(text: str, decimal: str) -> None:
    with pytest.raises(CellError, match="ambiguous"):
        parse_number(text, decimal)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_a_number_written_any_way_reads_back(value: float) -> None:
    assert parse_number(repr(value)) == value
    grouped = f"{value:,.2f}"
    assert parse_number(grouped) == pytest.approx(round(value, 2))
    european = grouped.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_number(european, ",") == pytest.approx(round(value, 2))


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_a_day_written_any_accepted_way_reads_back(day: date) -> None:
    for text in (day.isoformat(), day.strftime("%Y/%m/%d"), f"{day} 00:00:00", f"{day}T00:00", f"{day} 00:00:00.000"):
        assert parse_day(text, TODAY) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2021-01-04 09:30", "time of day"),
        ("2021-01-04T00:00:01", "time of day"),
        ("2021-01-04T00:00:00+00:00", "time zone"),
        ("2021-01-04 GMT", "time zone"),
        ("2021", "partial"),
        ("2021-1", "partial"),
        ("2025-11-01garbage", "trailing"),
        ("1899-12-31", "before 1900"),
        ("2026-01-03", "future"),
        ("2021-02-29", "no such day"),
    ],
)
def test_days_refused(text: str, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        parse_day(text, TODAY)


@pytest.mark.parametrize(
    ("measure", "value", "ok"),
    [
        ("price", 1e9, True),
        ("price", 1.0000001e9, False),
        ("price", 0.0, False),
        ("eps", -3.0, True),
        ("eps", 1e-320, False),
        ("bvps", -0.5, True),
        ("bvps", 0.0, False),
        ("dps", 0.0, True),
        ("dps", -0.01, False),
        ("n_analysts", 12.0, True),
        ("n_analysts", 12.5, False),
        ("n_analysts", 1e308, False),
        ("weight", 100.0, True),
        ("fx_rate", math.inf, False),
    ],
)
def test_measures(measure: str, value: float, ok: bool) -> None:
    assert (range_problem(value, MEASURES[measure]) is None) is ok


def test_utf16_and_bidirectional_controls() -> None:
    assert decode_text("\ufeffticker,x\n".encode("utf-16-le")) == "ticker,x\n"
    assert decode_text("ticker\n".encode("utf-16-be").join([b"\xfe\xff", b""])) == "ticker\n"
    assert clean_text("MP\u202e slairetaM \u2066x\u2069\u200f") == "MP slairetaM x\u200f"


# --- imports that accept -----------------------------------------------------------------------------------------
def test_midnight_is_the_day_never_an_extra_row(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "p.csv"
    file.write_text("date,close\n2021-01-04 00:00:00,10\n2021-01-05T00:00,11\n2021/01/06,12\n")
    assert run(cfg, "prices", "import", str(file), "--ticker", "600111.SS").exit_code == 0
    book = tmp_path / "p.xlsx"
    book.write_bytes(wb.midnight_rows())
    assert run(cfg, "prices", "import", str(book), "--ticker", "600111.SS").exit_code == 0
    assert stored_closes(cfg) == {"2021-01-04": 10.0, "2021-01-05": 11.0, "2021-01-06": 12.0}


def test_thousands_and_european_files(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "p.csv"
    file.write_text('date,close\n2021-01-04,"1,234.5"\n')
    assert run(cfg, "prices", "import", str(file), "--ticker", "600111.SS").exit_code == 0
    european = tmp_path / "eu.csv"
    european.write_text("date;close\n2021-01-05;1.235,5\n2021-01-06;0,5\n")
    result = run(cfg, "prices", "import", str(european), "--ticker", "600111.SS", "--decimal", ",")
    assert result.exit_code == 0, result.output
    assert stored_closes(cfg) == {"2021-01-04": 1234.5, "2021-01-05": 1235.5, "2021-01-06": 0.5}


def test_european_estimates_and_workbooks(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "e.csv"
    file.write_text("ticker;fiscal_year;as_of;eps;n_analysts\n600259 CH;2025;2025-09-30;0,5;7\n")
    result = run(cfg, "estimates", "import", str(file), "--decimal", ",")
    assert result.exit_code == 0 and "EPS 2025 0.5, n=7" in result.output, result.output
    book = tmp_path / "v.xlsx"
    book.write_bytes(wb.workbook([["date", "pb"], ["2021-01-04", 1.25], ["2021-01-05", "1,5"]]))
    result = run(cfg, "valuation", "import", str(book), "--ticker", "600111.SS", "--decimal", ",")
    assert result.exit_code == 0 and "P/B from 'pb' (2 days)" in result.output, result.output
    assert run(cfg, "valuation", "import", str(book), "--ticker", "600111.SS").exit_code == 2  # '1,5' ambiguous


def test_utf16_csv_and_a_stale_dimension_are_read_whole(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "p.csv"
    file.write_bytes("\ufeffdate,close\n2021-01-04,10\n2021-01-05,11\n".encode("utf-16-le"))
    assert run(cfg, "prices", "import", str(file), "--ticker", "600111.SS").exit_code == 0
    book = tmp_path / "stale.xlsx"
    book.write_bytes(wb.in_sheet(b'<dimension ref="A1:B5"/>', b'<dimension ref="A1:B2"/>'))
    result = run(cfg, "prices", "import", str(book), "--ticker", "600259.SS")
    assert result.exit_code == 0 and "4 rows" in result.output, result.output
    assert len(stored_closes(cfg, "600259.SS")) == 4 and len(stored_closes(cfg)) == 2


def test_the_input_limit_is_configured(cfg: Path, tmp_path: Path) -> None:
    assert "max_input_mb = 200" in REPO_CONFIG.read_text()
    assert load_settings(REPO_CONFIG).max_input_bytes == 200_000_000
    small = make_config(tmp_path / "small", {"limits": {"max_input_mb": 0.001}})
    file = tmp_path / "p.csv"
    file.write_text("date,close\n" + "2021-01-04,10\n" * 100)
    result = run(small, "prices", "import", str(file), "--ticker", "600111.SS")
    assert result.exit_code == 2 and "above the limit of 0.001 MB" in result.output, result.output


def test_bidirectional_controls_never_reach_an_output(cfg: Path, tmp_path: Path) -> None:
    universe = tmp_path / "bidi.toml"
    universe.write_text(
        '[[company]]\nticker = "MP"\nname = "MP \u202eslairetaM\u202c \u2066x\u2069"\ngroup = "g"\n'
        'currency = "USD"\nfiscal_year_end_month = 12\n'
    )
    for fmt in ("csv", "json", "table"):
        result = run(cfg, "screen", "--source", "snapshot", "-u", str(universe), "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "slairetaM" in result.output
        assert not any(chr(c) in result.output for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


# --- a tampered rating history ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("UPDATE ratings SET price = 'abc' WHERE rowid = 1", "price: unreadable value 'abc'"),
        ("UPDATE ratings SET target_set_on = 'garbage' WHERE rowid = 1", "target_set_on: unreadable value"),
        ("UPDATE ratings SET house_rating = 'Maybe' WHERE rowid = 1", "house_rating: unreadable value 'Maybe'"),
        ("UPDATE ratings SET in_band = 7 WHERE rowid = 1", "in_band: unreadable value 7"),
        ("UPDATE ratings SET name = x'ff' WHERE rowid = 1", "name: unreadable value b'\\xff'"),
        ("UPDATE runs SET as_of = '2025-13-01'", "as_of is not a date: '2025-13-01'"),
    ],
)
def test_a_tampered_history_row_is_exit_2_naming_it(cfg: Path, sql: str, needle: str) -> None:
    assert run(cfg, "drift", "--source", "snapshot", "-q").exit_code in (0, 4)
    history = load_settings(cfg).history_db
    with sqlite3.connect(history) as db:
        db.execute(sql)
    db.close()
    digest = hashlib.sha256(history.read_bytes()).hexdigest()
    for argv in (("drift", "--source", "snapshot", "--no-record"), ("history", "export", "--out", "-")):
        result = run(cfg, *argv)
        lines = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert result.exit_code == 2 and len(lines) == 1 and needle in lines[0], result.output
        assert "Traceback" not in result.output
    assert hashlib.sha256(history.read_bytes()).hexdigest() == digest


def test_view_set_reads_a_utf16_universe(tmp_path: Path) -> None:
    universe = tmp_path / "u.toml"
    company = (
        '[[company]]\nticker = "AMG.AS"\nname = "AMG"\ngroup = "g"\ncurrency = "EUR"\nfiscal_year_end_month = 12\n'
    )
    universe.write_bytes(company.encode("utf-16"))
    config = make_config(tmp_path / "work")
    config.write_text(config.read_text().replace("files = [", f'files = ["{universe}", ', 1))
    result = run(config, "view", "set", "AMG.AS", "--rating", "Buy", "--target", "30", "-u", str(universe))
    assert result.exit_code == 0, result.output
    assert universe.read_text(encoding="utf-8").startswith(company) and "target_price = 30.0" in universe.read_text()


@pytest.mark.parametrize(
    "text",
    [
        "date;600111 CH Equity;600259 CH Equity\n2021-01-04;1.234,5;0,5\n",
        "date;ticker;close\n2021-01-04;600111 CH;1.234,5\n2021-01-04;600259 CH;0,5\n",
    ],
    ids=["wide", "long"],
)
def test_a_european_file_of_many_tickers(cfg: Path, tmp_path: Path, text: str) -> None:
    file = tmp_path / "many.csv"
    file.write_text(text)
    result = run(cfg, "prices", "import", str(file), "--decimal", ",")
    assert result.exit_code == 0, result.output
    assert stored_closes(cfg) == {"2021-01-04": 1234.5} and stored_closes(cfg, "600259.SS") == {"2021-01-04": 0.5}
