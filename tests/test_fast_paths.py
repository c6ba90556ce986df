"""The fast paths keep their answers: price changes on numpy arrays against an independent pandas reading of the
rule, arrow columns read from their buffers against pyarrow's own conversion, the stored price-change index
(reused while a history is unchanged, recomputed once it changes), line numbers in a large universe file, and the
warm `screen` path (no request, no yfinance, no pandas; checked in a subprocess)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.app.changes import price_changes
from screener.core.changes import changes_on, months_before
from screener.data.parquet import _numbers
from screener.data.store import Store
from screener.models import Quote
from screener.tomlfile import TomlDocument, parse_toml

from .conftest import ROOT, make_config

UTC = dt.UTC


# --- the change rule ---------------------------------------------------------------------------------------------
def pandas_changes(days: list[dt.date], closes: list[float], day: dt.date) -> dict[str, float] | None:
    """METHODS §6 read literally with pandas: drop missing, last row of a day wins, positive closes only; base =
    the last close on or before Dec 31 of the previous year, and on or before day - DateOffset(months)."""
    series = pd.Series(closes, index=pd.DatetimeIndex(days)).dropna().sort_index(kind="stable")
    series = series[~series.index.duplicated(keep="last")]
    series = series[np.isfinite(series) & (series > 0)]
    target = pd.Timestamp(day)
    if target not in series.index:
        return None
    price = float(series[target])

    def change(base: pd.Timestamp) -> float:
        before = series[series.index <= base]
        return price / float(before.iloc[-1]) - 1 if len(before) else float("nan")

    out = {"ytd": change(pd.Timestamp(day.year - 1, 12, 31))}
    for name, months in (("m1", 1), ("m3", 3), ("m12", 12)):
        out[name] = change(target - pd.DateOffset(months=months))
    return out


closes_strategy = st.one_of(
    st.floats(min_value=0.01, max_value=1e4), st.just(float("nan")), st.just(0.0), st.just(-1.0), st.just(np.inf)
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31)),
    rows=st.lists(st.tuples(st.integers(0, 800), closes_strategy), min_size=1, max_size=120),
    pick=st.integers(0, 10_000),
)
def test_changes_on_arrays_match_pandas(start: dt.date, rows: list[tuple[int, float]], pick: int) -> None:
    days = [start + dt.timedelta(days=offset) for offset, _ in rows]
    closes = [close for _, close in rows]
    day = days[pick % len(days)]
    expected = pandas_changes(days, closes, day)
    got = changes_on(np.array(days, dtype="datetime64[D]"), np.array(closes), day)
    if expected is None:
        assert got is None
        return
    assert got is not None
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-12, nan_ok=True), name


@given(st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)), st.integers(0, 240))
def test_months_before_is_pandas_date_offset(day: dt.date, months: int) -> None:
    assert months_before(day, months) == (pd.Timestamp(day) - pd.DateOffset(months=months)).date()


def test_changes_hand_worked() -> None:
    days = np.array(["2024-12-30", "2024-12-31", "2025-02-28", "2025-03-31"], dtype="datetime64[D]")
    closes = np.array([8.0, 10.0, 12.0, 15.0])
    got = changes_on(days, closes, dt.date(2025, 3, 31))
    assert got is not None
    assert got["ytd"] == pytest.approx(0.5)  # 15 / 10 - 1
    assert got["m1"] == pytest.approx(0.25)  # base 28 Feb (31 Mar - 1 month, clipped): 15 / 12 - 1
    assert got["m3"] == pytest.approx(0.5)  # base 31 Dec 2024: 15 / 10 - 1
    assert np.isnan(got["m12"])  # 31 Mar 2024 precedes the history
    assert changes_on(days, closes, dt.date(2025, 3, 30)) is None  # no close on the day


# --- arrow buffers -------------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)), max_size=70),
    cut=st.integers(0, 70),
    length=st.integers(0, 70),
)
def test_numbers_from_buffers_match_pyarrow(values: list[float | None], cut: int, length: int) -> None:
    whole = pa.chunked_array([pa.array(values[: len(values) // 2], pa.float64()),
                              pa.array(values[len(values) // 2 :], pa.float64())])  # fmt: skip
    sliced = whole.slice(min(cut, len(values)), length)  # chunks with offsets
    got = _numbers(sliced, "float64", float("nan"))
    expected = np.array([np.nan if v is None else v for v in sliced.to_pylist()], dtype="float64")
    np.testing.assert_array_equal(got, expected)


def test_numbers_reads_dates_as_days() -> None:
    column = pa.chunked_array([pa.array([dt.date(2025, 1, 2), dt.date(2025, 1, 3)], pa.date32())])
    got = _numbers(column.cast(pa.int32()), "int32", 0).astype("datetime64[D]")
    assert list(got) == [np.datetime64("2025-01-02"), np.datetime64("2025-01-03")]


# --- the stored index of price changes --------------------------------------------------------------------------------
def history(store: Store, ticker: str, closes: list[float]) -> None:
    days = pd.bdate_range("2024-11-01", periods=len(closes))
    store.write_prices(ticker, pd.DataFrame({"adj_close": closes, "close": closes}, index=days), source="live",
                       adjusted=True)  # fmt: skip


def quote(ticker: str, day: dt.date) -> Quote:
    return Quote(ticker=ticker, price=1.0, currency="USD", price_date=day, source="store")


def test_index_is_reused_while_the_history_is_unchanged(tmp_path: Path) -> None:
    store = Store(tmp_path, lambda: dt.datetime(2025, 6, 1, tzinfo=UTC))
    closes = [10.0 + i for i in range(150)]
    history(store, "MP", closes)
    day = pd.bdate_range("2024-11-01", periods=150)[-1].date()
    first = price_changes(store, {"MP": quote("MP", day)})["MP"]
    expected = pandas_changes(list(pd.bdate_range("2024-11-01", periods=150).date), closes, day)
    assert expected is not None and first.ytd == pytest.approx(expected["ytd"]) and first.source == "store"
    # Scribble over the file in place (same inode, size and time): an index hit never reads it again.
    path = store.path("prices", "MP", ".parquet")
    before = path.stat()
    path.write_bytes(b"\0" * before.st_size)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert price_changes(store, {"MP": quote("MP", day)})["MP"] == first
    # A new history is a new file: recomputed from it.
    path.unlink()
    history(store, "MP", [c * (2 if i == 149 else 1) for i, c in enumerate(closes)])
    again = price_changes(store, {"MP": quote("MP", day)})["MP"]
    assert again.ytd == pytest.approx(2 * (1 + expected["ytd"]) - 1)
    # Another price date is another key.
    earlier = pd.bdate_range("2024-11-01", periods=150)[-2].date()
    assert price_changes(store, {"MP": quote("MP", earlier)})["MP"].m1 != again.m1
    entries = json.loads((tmp_path / "index" / "price_changes.json").read_text())["payload"]
    assert entries["MP"][3] == earlier.isoformat()


def test_an_unreadable_index_is_rebuilt(tmp_path: Path) -> None:
    store = Store(tmp_path, lambda: dt.datetime(2025, 6, 1, tzinfo=UTC))
    history(store, "MP", [10.0 + i for i in range(150)])
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "price_changes.json").write_text("{broken")
    day = pd.bdate_range("2024-11-01", periods=150)[-1].date()
    assert price_changes(store, {"MP": quote("MP", day)})["MP"].source == "store"
    assert "MP" in json.loads((tmp_path / "index" / "price_changes.json").read_text())["payload"]


# --- line numbers in a large universe file ----------------------------------------------------------------------------
def test_line_numbers_in_a_large_file_with_nested_arrays() -> None:
    parts = ['[universe]\nname = "big"\n']
    for i in range(400):
        parts.append(f'[[company]]\nticker = "T{i}"\n[company.house]\nrating = "Buy"\n')
        for j in range(i % 3):
            parts.append(f"[[company.book_values]]\nbvps = {i}.{j}\n")
    text = "\n".join(parts)
    doc = TomlDocument("big.toml", text, parse_toml(text))
    lines = text.splitlines()
    for i in (0, 1, 2, 199, 398, 399):
        assert lines[doc.line_of("company", i) - 1] == "[[company]]"  # type: ignore[operator]
        assert lines[doc.line_of("company", i, "ticker") - 1] == f'ticker = "T{i}"'  # type: ignore[operator]
        assert lines[doc.line_of("company", i, "house", "rating") - 1] == 'rating = "Buy"'  # type: ignore[operator]
        for j in range(i % 3):
            where = doc.line_of("company", i, "book_values", j, "bvps")
            assert where is not None and lines[where - 1] == f"bvps = {i}.{j}"
        assert doc.line_of("company", i, "book_values", i % 3) == doc.line_of("company", i)  # no such element


# --- the warm path ---------------------------------------------------------------------------------------------------
def test_warm_screen_makes_no_request_and_imports_no_yfinance(tmp_path: Path) -> None:
    """A store filled minutes ago: `screener screen` (auto) serves it without a request, without yfinance,
    curl_cffi or pandas (checked in a fresh interpreter, the network made unreachable)."""
    config = make_config(tmp_path / "w")
    from screener.config import load_settings
    from screener.data.snapshot import SnapshotSource
    from screener.universe import load_universes

    settings = load_settings(config)
    companies = [c for u in load_universes(list(settings.universe_files)) for c in u.companies]
    store = Store(settings.cache_dir, lambda: dt.datetime.now(UTC))
    snapshot = SnapshotSource.bundled()
    today = dt.datetime.now(UTC).date()
    for ticker, held in snapshot.quotes([c.ticker for c in companies]).items():
        payload = {"price": held.price, "currency": held.currency, "price_date": today.isoformat(),
                   "market_cap": held.market_cap}  # fmt: skip
        store.write_record("quotes", ticker, payload, source="live")
    rates = snapshot.fx_rates({c.currency for c in companies} | {"USD"})
    table = {c: {"per_usd": r.per_usd, "date": today.isoformat(), "source": "Yahoo"} for c, r in rates.items()}
    store.write_record("fx", "spot", table, source="live")
    probe = (
        "import sys\nfrom screener.cli import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit as done:\n    code = done.code\n"
        "names = ('yfinance', 'curl_cffi', 'pandas', 'statsmodels', 'matplotlib')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print('HEAVY', heavy, 'EXIT', code, file=sys.stderr)\n"
    )  # fmt: skip
    closed = "http://127.0.0.1:9"
    env = {**os.environ, "HTTPS_PROXY": closed, "HTTP_PROXY": closed, "https_proxy": closed, "http_proxy": closed}
    env.pop("SCREENER_OFFLINE", None)
    result = subprocess.run(
        [sys.executable, "-c", probe, "screen", "--config", str(config), "--format", "csv"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert "HEAVY [] EXIT 0" in result.stderr, result.stderr
    assert "served from the store's copy" in result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("company,")]
    assert len(rows) == len(companies) and all(",live," in row for row in rows)
    assert not (settings.cache_dir / "network").exists()  # no request was attempted (it would have failed)
