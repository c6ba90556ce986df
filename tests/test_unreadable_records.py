"""One rule for unreadable stored records (#21 item 3): for every kind, a merging import over a stored file that
cannot be read stops (exit 2, naming the file and ``--replace``) and leaves it byte-identical; ``--replace`` keeps
it aside as ``<name>.corrupt-<time>`` and stores the new data. And the merges that rule protects (fx, oxides,
financials now merge like prices, estimates and valuation)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.config import load_settings
from screener.data.store import Store

from .conftest import make_config

OXIDE = ["--series", "lock_test", "--value-col", "value", "--unit", "CNY/kg", "--currency", "CNY"]
KINDS = {
    # kind: (command and options, stored file, first file's text, second file's text)
    "prices": (
        ["prices", "import", "{file}", "--ticker", "MP"],
        "prices/MP.parquet",
        "date,close\n2024-01-02,10\n",
        "date,close\n2024-01-03,11\n",
    ),
    "estimates": (
        ["estimates", "import", "{file}"],
        "consensus/MP=import.json",
        "ticker,fiscal_year,as_of,eps\nMP,2025,2024-03-01,0.5\n",
        "ticker,fiscal_year,as_of,eps\nMP,2025,2024-04-01,0.6\n",
    ),
    "valuation": (
        ["valuation", "import", "{file}", "--ticker", "600111.SS"],
        "valuation/600111.SS=terminal.parquet",
        "date,pb\n2024-01-02,3.0\n",
        "date,pb\n2024-01-03,3.1\n",
    ),
    "financials": (
        ["financials", "import", "{file}", "--ticker", "MP", "--currency", "USD"],
        "statements/MP=terminal.parquet",
        "item,2023\nrevenue,100\n",
        "item,2024\nrevenue,200\n",
    ),
    "fx": (
        ["fx", "import", "{file}", "--currency", "CNY"],
        "fx/CNY.parquet",
        "date,value\n2024-01-02,7.1\n",
        "date,value\n2024-01-03,7.2\n",
    ),
    "oxides": (
        ["oxides", "import", "{file}", *OXIDE],
        "oxides/lock_test.parquet",
        "date,value\n2024-01-02,700\n",
        "date,value\n2024-01-03,710\n",
    ),
}


def _store(config: Path) -> Store:
    return Store(load_settings(config).cache_dir, lambda: datetime(2026, 1, 1, tzinfo=UTC))


def _import(runner: CliRunner, config: Path, kind: str, file: Path, *extra: str):  # type: ignore[no-untyped-def]
    args = [a.format(file=file) for a in KINDS[kind][0]]
    return runner.invoke(app, [*args, *extra, "--config", str(config)])


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_unreadable_stored_file_stops_a_merge_and_replace_keeps_it_aside(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    config = make_config(tmp_path / "work")
    _, stored, first_text, second_text = KINDS[kind]
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(first_text)
    second.write_text(second_text)
    assert _import(runner, config, kind, first).exit_code == 0
    path = config.parent / "cache" / stored
    path.write_bytes(path.read_bytes()[:40])  # truncated: unreadable
    damaged = path.read_bytes()
    refused = _import(runner, config, kind, second)
    assert refused.exit_code == 2, refused.output
    errors = [line for line in refused.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and path.name in errors[0] and "--replace" in errors[0], refused.output
    assert "Traceback" not in refused.output
    assert path.read_bytes() == damaged  # never silently replaced
    assert not list(path.parent.glob("*.corrupt-*"))
    replaced = _import(runner, config, kind, second, "--replace")
    assert replaced.exit_code == 0, replaced.output
    kept = list(path.parent.glob(f"{path.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert path.read_bytes() != damaged
    store = _store(config)
    key = path.name.rsplit(".", 1)[0]
    if path.suffix == ".json":
        record = store.read_record(path.parent.name, key)
        assert record is not None and [s["as_of"] for s in record.payload["sets"]] == ["2024-04-01"]
    elif kind == "prices":
        history = store.read_prices(key)
        assert history is not None and [str(d.date()) for d in history.frame.index] == ["2024-01-03"]
    else:
        series = store.read_series(path.parent.name, key)
        assert series is not None and len(series.frame) == 1  # the second file's data alone


# --- the merges ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "column"), [("fx", "per_usd"), ("oxides", "value")])
def test_fx_and_oxide_imports_merge_unless_replace(runner: CliRunner, tmp_path: Path, kind: str, column: str) -> None:
    config = make_config(tmp_path / "work")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("date,value\n2024-01-02,7.0\n2024-01-03,7.1\n")
    second.write_text("date,value\n2024-01-03,7.5\n2024-01-04,7.2\n")
    for file in (first, second):
        assert _import(runner, config, kind, file).exit_code == 0
    key = "CNY" if kind == "fx" else "lock_test"
    series = _store(config).read_series(kind, key)
    assert series is not None and list(series.frame[column]) == [7.0, 7.5, 7.2]  # the new file wins on 01-03
    assert series.meta["source"].endswith("a.csv, " + str(second))
    assert _import(runner, config, kind, second, "--replace").exit_code == 0
    series = _store(config).read_series(kind, key)
    assert series is not None and list(series.frame[column]) == [7.5, 7.2]


def test_an_oxide_merge_refuses_another_unit(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "work")
    first = tmp_path / "a.csv"
    first.write_text("date,value\n2024-01-02,700\n")
    assert _import(runner, config, "oxides", first).exit_code == 0
    path = config.parent / "cache" / "oxides" / "lock_test.parquet"
    kept = path.read_bytes()
    args = ["oxides", "import", str(first), "--series", "lock_test", "--value-col", "value", "--unit", "CNY/t"]
    result = runner.invoke(app, [*args, "--currency", "CNY", "--config", str(config)])
    assert result.exit_code == 2 and "CNY/kg" in result.output and "--replace" in result.output
    assert path.read_bytes() == kept


def test_financials_import_merges_by_fiscal_year_each_with_its_known_on(runner: CliRunner, tmp_path: Path) -> None:
    from screener.data.statements import read_statements

    config = make_config(tmp_path / "work")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("item,2023,2024e\nrevenue,100,150\nebit,10,15\n")
    second.write_text("item,2024,2025e\nrevenue,160,200\n")
    base = ["financials", "import", "--ticker", "MP", "--currency", "USD", "--config", str(config)]
    assert runner.invoke(app, [*base, str(first), "--known-on", "2024-01-10"]).exit_code == 0
    assert runner.invoke(app, [*base, str(second), "--known-on", "2025-02-10"]).exit_code == 0
    years = read_statements(_store(config), "MP")
    assert sorted(years) == [2023, 2024, 2025]
    assert years[2023].values == {"revenue": 100.0, "ebit": 10.0} and years[2023].known_on == date(2024, 1, 10)
    assert years[2024].values == {"revenue": 160.0} and not years[2024].is_estimate  # the file's year, whole
    assert years[2024].known_on == date(2025, 2, 10) and years[2025].is_estimate
    other = runner.invoke(app, [*base[:-4], "--currency", "CNY", "--config", str(config), str(second)])
    assert other.exit_code == 2 and "stored in USD" in other.output and "--replace" in other.output
    assert runner.invoke(app, [*base, str(second), "--replace"]).exit_code == 0
    assert sorted(read_statements(_store(config), "MP")) == [2024, 2025]
