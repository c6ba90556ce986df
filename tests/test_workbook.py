"""`screener export --out FILE.xlsx`: the formatted workbook, read back with openpyxl. Sheets, frozen panes,
autofilter, number formats, real numbers and dates, group bands and statistic rows with n, NA/NM in grey, house
ratings out of band highlighted, formula-safe text, every FX rate, and the optional sheets (Drift only with a
rating history and never recording a run; Correlation only with stored oxides; Charts as native charts)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.render.workbook import (
    AGGREGATE_FILL,
    BAND_FILL,
    COLUMN_INDEX,
    GREY,
    OUT_OF_BAND_FILL,
    TITLE_ROWS,
)

from .conftest import make_config, need
from .test_charts import FX_CNY, NRE_RAW, OXIDES, WITHOUT_PRODUCERS, synthetic_universe

SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]
HEADER_ROW = TITLE_ROWS + 1  # 1-based row of the Comps header


def load(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)


def export(runner: CliRunner, out: Path, *args: str) -> None:
    result = runner.invoke(app, ["export", "--out", str(out), *args])
    assert result.exit_code == 0, result.output


def comps_rows(book: Any) -> list[dict[str, Any]]:
    """The Comps rows below the header as {header: cell}."""
    sheet = book["Comps"]
    header = [c.value for c in sheet[HEADER_ROW]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


def rgb(color: Any) -> str:
    return str(color.rgb)[-6:].upper() if color is not None and color.rgb else ""


@pytest.fixture
def snapshot_book(runner: CliRunner, config: Path, tmp_path: Path) -> Any:
    out = tmp_path / "comps.xlsx"
    export(runner, out, *SNAPSHOT, "--config", str(config))
    book = load(out)
    yield book
    book.close()


@pytest.fixture
def snapshot_csv(runner: CliRunner, config: Path, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "comps.csv"
    export(runner, out, *SNAPSHOT, "--config", str(config))
    return list(csv.DictReader(io.StringIO(out.read_text())))


def test_sheets_panes_and_filter(snapshot_book: Any) -> None:
    # no rating history and no oxide series in a fresh store: no Drift and no Correlation sheet
    assert snapshot_book.sheetnames == ["Comps", "Sources & FX", "Flags", "Charts"]
    sheet = snapshot_book["Comps"]
    assert sheet.freeze_panes == f"B{HEADER_ROW + 1}"  # header row and ticker column
    from openpyxl.utils import get_column_letter

    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:{get_column_letter(len(COLUMN_INDEX))}{sheet.max_row}"


def test_numbers_formats_and_dates(snapshot_book: Any, snapshot_csv: list[dict[str, str]]) -> None:
    rows = comps_rows(snapshot_book)
    nre = next(r for r in rows if r["Ticker"].value == "600111.SS")
    price, date_cell = nre["Price"], nre["Price date"]
    assert isinstance(price.value, float) and price.value == pytest.approx(53.13)
    assert isinstance(date_cell.value, datetime) and date_cell.value.date().isoformat() == "2025-10-10"
    assert isinstance(nre["As of"].value, datetime) and nre["As of"].value.date().isoformat() == "2025-10-10"
    csv_nre = next(r for r in snapshot_csv if r["ticker"] == "600111.SS")
    assert nre["FY1"].value == int(csv_nre["fy1"]) == 2025 and isinstance(nre["FY1"].value, int | float)
    pe = nre["P/E FY1"]
    assert isinstance(pe.value, float) and pe.number_format.startswith("#,##0.0") and '"x"' in pe.number_format
    assert nre["Upside"].number_format == "0.0%" and nre["ROE FY1"].number_format == "0.0%"
    assert isinstance(nre["Upside"].value, float)
    assert nre["Upside"].value == pytest.approx(float(csv_nre["upside"]), rel=1e-9)
    assert nre["Mkt cap US$m"].value == pytest.approx(float(csv_nre["market_cap_usd_m"]))
    assert nre["Ccy"].value == "CNY" and nre["Source"].value == "snapshot"
    assert nre["Flags"].value == csv_nre["flags"]
    tdk = next(r for r in rows if r["Ticker"].value == "6762.T")
    assert tdk["Price"].number_format == "#,##0"  # yen without decimals
    assert tdk["Ccy"].value == "JPY"


def test_na_and_nm_are_grey_text(snapshot_book: Any) -> None:
    rows = [r for r in comps_rows(snapshot_book) if r["Row type"].value == "company"]
    missing = [cell for row in rows for cell in row.values() if cell.value in ("NA", "NM")]
    assert len(missing) > 20
    assert all(rgb(cell.font.color) == GREY.lstrip("#") for cell in missing)
    numbers = [row["P/E FY1"] for row in rows if isinstance(row["P/E FY1"].value, float)]
    assert numbers and all(rgb(cell.font.color) != GREY.lstrip("#") for cell in numbers)


def test_out_of_band_ratings_highlighted(snapshot_book: Any, snapshot_csv: list[dict[str, str]]) -> None:
    in_band = {r["ticker"]: r["in_band"] for r in snapshot_csv if r["row_type"] == "company"}
    assert set(in_band.values()) == {"true", "false", ""}  # the snapshot has both kinds and unrated names
    for row in (r for r in comps_rows(snapshot_book) if r["Row type"].value == "company"):
        ticker = row["Ticker"].value
        fill = rgb(row["House rating"].fill.fgColor)
        assert (fill == OUT_OF_BAND_FILL.lstrip("#")) == (in_band[ticker] == "false"), ticker
        assert row["In band"].value == {"true": "in", "false": "OUT", "": None}[in_band[ticker]]  # as the terminal


def test_group_bands_and_statistic_rows(
    runner: CliRunner, config: Path, snapshot_book: Any, snapshot_csv: list[dict[str, str]]
) -> None:
    rows = comps_rows(snapshot_book)
    kinds = [r["Row type"].value for r in rows]
    payload = json.loads(runner.invoke(app, ["screen", *SNAPSHOT, "--config", str(config), "-f", "json"]).stdout)
    for group in ("Producers", "Magnets", "All"):
        band = next(r for r in rows if r["Row type"].value == "group" and r["Group"].value == group)
        assert band["Ticker"].value.startswith(group) and rgb(band["Ticker"].fill.fgColor) == BAND_FILL.lstrip("#")
        mine = [r for r in rows if r["Group"].value == group]
        stats = {r["Row type"].value: r for r in mine if r["Row type"].value != "company"}
        assert set(stats) == {"group", "mean", "median", "harmonic_mean", "n"}
        assert stats["mean"]["Name"].value == f"{group} mean"
        assert rgb(stats["mean"]["Name"].fill.fgColor) == AGGREGATE_FILL.lstrip("#")
        want = next(r for r in snapshot_csv if r["row_type"] == "mean" and r["group"] == group)
        assert stats["mean"]["P/E FY1"].value == pytest.approx(float(want["pe_fy1"]))
        assert '"x"' in stats["mean"]["P/E FY1"].number_format
        counts = payload["aggregate_counts"][f"{group}:mean"]
        assert stats["n"]["P/E FY1"].value == counts["pe_fy1"]["n"]
        assert stats["n"]["ROE FY2"].value == counts["roe_fy2"]["n"]
        # the n row's label is the cell model's, as the terminal shows it (#20: was "n (of 13 counted)" here)
        dual = f" +{payload['groups'][group]['not_counted']} dual" if payload["groups"][group]["not_counted"] else ""
        assert stats["n"]["Name"].value == f"{group} n (excl.){dual}"
    # bands come before their companies; the companies of a group sit between its band and its mean row
    producers = kinds.index("group")
    assert kinds[producers + 1] == "company"
    companies = sum(1 for r in snapshot_csv if r["row_type"] == "company")
    assert kinds.count("company") == companies


def test_formula_text_is_neutralised(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    universe = tmp_path / "hostile.toml"
    universe.write_text(
        '[universe]\nname = "hostile"\n\n[[company]]\nticker = "MP"\nname = "=HYPERLINK(\\"http://x\\")"\n'
        'group = "+cmd"\ncurrency = "USD"\nfiscal_year_end_month = 12\n'
    )
    out = tmp_path / "h.xlsx"
    export(runner, out, "--source", "snapshot", "-u", str(universe), "--config", str(config))
    with zipfile.ZipFile(out) as archive:
        sheet_xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
        assert "<f>" not in sheet_xml  # no formula anywhere
    book = load(out)
    try:
        values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
        texts = [v for v in values if isinstance(v, str)]
        assert '\'=HYPERLINK("http://x")' in texts and "'+cmd" in texts
        assert not any(t.startswith(("=", "+", "@")) for t in texts)
    finally:
        book.close()


def test_sources_and_flags_sheets(snapshot_book: Any, runner: CliRunner, config: Path) -> None:
    payload = json.loads(runner.invoke(app, ["screen", *SNAPSHOT, "--config", str(config), "-f", "json"]).stdout)
    sheet = snapshot_book["Sources & FX"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert payload["fx"]  # the snapshot converts several currencies
    for currency, rate in payload["fx"].items():
        found = next(r for r in rows if r[0] == currency)
        assert found[3] == pytest.approx(rate["per_usd"]) and isinstance(found[4], datetime)
        assert found[4].date().isoformat() == rate["date"] and found[1] == rate["source"]
    tickers = {r[0] for r in rows}
    assert {r["ticker"] for r in payload["rows"] if r["row_type"] == "company"} <= tickers
    texts = {str(v) for r in rows for v in r if v}
    assert any(b in texts for b in payload["banners"])
    from screener.core.flags import FLAGS

    flags = {r[0].value: r for r in snapshot_book["Flags"].iter_rows(min_row=4)}
    assert set(flags) == set(FLAGS)
    carried = sum("etr_excludes_dividend" in r["flags"] for r in payload["rows"])
    assert carried and flags["etr_excludes_dividend"][2].value == carried
    assert flags["etr_excludes_dividend"][1].value == FLAGS["etr_excludes_dividend"]
    assert flags["no_data"][2].value == 0


def history_runs(config: Path) -> int:
    from screener.config import load_settings

    path = load_settings(config).history_db
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])


def test_drift_sheet_only_with_a_history_and_never_recorded(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    from screener.config import load_settings

    out = tmp_path / "c.xlsx"
    export(runner, out, *SNAPSHOT, "--config", str(config))
    book = load(out)
    assert "Drift" not in book.sheetnames
    book.close()
    assert not load_settings(config).history_db.exists()  # the export created no history
    recorded = runner.invoke(app, ["drift", *SNAPSHOT, "--config", str(config)])
    assert recorded.exit_code in (0, 4), recorded.output
    assert history_runs(config) == 1
    export(runner, out, "--source", "snapshot", "--as-of", "2025-10-20", "--config", str(config))
    assert history_runs(config) == 1  # computed, never recorded
    book = load(out)
    try:
        assert "Drift" in book.sheetnames
        sheet = book["Drift"]
        assert "as of 2025-10-20 against the run of 2025-10-10" in sheet["A1"].value
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
        header = next(i for i, r in enumerate(rows) if r[0] == "Ticker")
        findings = [r for r in rows[header + 1 :] if r[0]]
        out_of_band = {r[0] for r in findings if r[2] == "out_of_band"}
        assert {"4063.T", "6762.T"} <= out_of_band and all(isinstance(r[3], bool) for r in findings)
    finally:
        book.close()


@pytest.fixture
def nre_store(runner: CliRunner, tmp_path: Path) -> Path:
    """600111.SS's real raw price history and the real CNY FX history in the store of a test config (without
    producers.toml: the synthetic universe restates 600111.SS)."""
    config = make_config(tmp_path / "work", WITHOUT_PRODUCERS)
    cfg = ["--config", str(config)]
    assert runner.invoke(app, ["prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS", *cfg]).exit_code == 0
    assert runner.invoke(app, ["fx", "import", str(need(FX_CNY)), "--currency", "CNY", *cfg]).exit_code == 0
    return config


def rated_universe(folder: Path) -> Path:
    """The synthetic-book-value 600111.SS of test_charts, rated, with a light-oxide exposure."""
    path = synthetic_universe(folder)
    text = path.read_text().replace(
        "fiscal_year_end_month = 12\n", 'fiscal_year_end_month = 12\noxide_exposure = "light"\n'
    )
    path.write_text(text + '\n[company.house]\nrating = "Buy"\ntarget_price = 20.0\nset_on = 2021-06-30\n')
    return path


def test_correlation_sheet_only_with_stored_oxides_and_pb_band_chart(
    runner: CliRunner, nre_store: Path, tmp_path: Path
) -> None:
    universe = rated_universe(tmp_path)
    args = ["-u", str(universe), "--config", str(nre_store), "--source", "store", "--as-of", "2022-01-14"]
    before = tmp_path / "before.xlsx"
    export(runner, before, *args)
    book = load(before)
    assert "Correlation" not in book.sheetnames
    book.close()
    imported = runner.invoke(
        app, ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
              "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", "--config", str(nre_store)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "after.xlsx"
    export(runner, out, *args)
    correlate = runner.invoke(app, ["correlate", "-u", str(universe), "--config", str(nre_store), "--as-of",
                                    "2022-01-14", "-f", "csv"])  # fmt: skip
    assert correlate.exit_code == 0, correlate.output
    want = next(csv.DictReader(io.StringIO(correlate.stdout)))
    book = load(out)
    try:
        assert book.sheetnames == ["Comps", "Sources & FX", "Flags", "Correlation", "Charts"]
        sheet = book["Correlation"]
        header = [c.value for c in sheet[4]]
        row = dict(zip(header, [c.value for c in sheet[5]], strict=True))
        assert row["ticker"] == "600111.SS" and row["series"] == want["series"]
        assert isinstance(row["corr"], float) and row["corr"] == pytest.approx(float(want["corr"]), abs=1e-9)
        assert row["n"] == int(want["n"]) and isinstance(row["start"], datetime)
        charts = book["Charts"]
        assert len(charts._charts) == 1  # the P/B band; P/B against ROE skipped (no ROE), with a note
        notes = [c.value for c in charts["A"] if isinstance(c.value, str)]
        assert any(n.startswith("P/B against ROE: skipped") for n in notes)
        dates = [c.value for c in charts[get_column(charts, "Date")] if isinstance(c.value, datetime)]
        assert len(dates) > 2000  # the daily P/B history is on the sheet, as dates
        texts = [c.value for row in charts.iter_rows() for c in row if isinstance(c.value, str)]
        assert {"mean", "mean + 1 sd", "mean - 2 sd"} <= set(texts)  # the band lines' labels (#21)
        assert not [t for t in texts if t[:1] in ("=", "+", "-", "@")]  # none read as a formula
    finally:
        book.close()
    with zipfile.ZipFile(out) as archive:
        assert "xl/charts/chart1.xml" in archive.namelist()
        assert b"<c:scatterChart>" in archive.read("xl/charts/chart1.xml")


def get_column(sheet: Any, header: str) -> str:
    cell = next(c for c in sheet[2] if c.value == header)
    return str(cell.column_letter)


def test_snapshot_charts_sheet_has_the_peers_scatter(snapshot_book: Any) -> None:
    charts = snapshot_book["Charts"]
    kinds = sorted(type(c).__name__ for c in charts._charts)
    # P/B against ROE, and revenue and revenue growth by year from the NRE/CRE house models (#15)
    assert kinds == ["BarChart", "BarChart", "ScatterChart"]
    notes = [c.value for c in charts["A"] if isinstance(c.value, str)]
    assert sum("P/B band of" in n and "skipped" in n for n in notes) == 7  # every rated name: no book values


def test_xlsxwriter_only_for_a_workbook(config: Path, tmp_path: Path) -> None:
    """The CSV export imports neither xlsxwriter nor pandas (the snapshot path); the workbook imports xlsxwriter."""
    code = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "from screener.cli import app\n"
        "args = ['export', '--config', sys.argv[2], '--source', 'snapshot', '--out', sys.argv[1]]\n"
        "r = CliRunner().invoke(app, args)\n"
        "print(json.dumps({'exit': r.exit_code, 'xlsxwriter': 'xlsxwriter' in sys.modules,"
        " 'pandas': 'pandas' in sys.modules}))\n"
    )
    for name, loaded in (("c.csv", False), ("c.xlsx", True)):
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name), str(config)], capture_output=True, text=True, check=True
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["exit"] == 0 and result["xlsxwriter"] is loaded, (name, result)
        if not loaded:
            assert result["pandas"] is False
