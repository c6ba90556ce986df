"""How the workbook prints (#22 item 4), read back with openpyxl: every sheet landscape on A4, fitted to one page
wide, its header row and identity columns repeated on each page, the margins and a footer with the as-of date
and the page number; the Comps *In band* column as the terminal writes it (``in``/``OUT``, OUT highlighted)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.render.workbook import OUT_OF_BAND_FILL, OUT_OF_BAND_FONT

from .conftest import make_config, need
from .test_charts import FX_CNY, NRE_RAW, OXIDES, WITHOUT_PRODUCERS, synthetic_universe
from .test_workbook import SNAPSHOT, comps_rows, export, load, rgb


def check_prints(sheet: Any, rows: str, columns: str | None, as_of: str) -> None:
    """One sheet's print settings: landscape A4, one page wide (any number down), the repeated rows and columns,
    margins, and the footer (as-of date, sheet, page n of m)."""
    setup = sheet.page_setup
    assert setup.orientation == "landscape", sheet.title
    assert int(setup.paperSize) == 9, sheet.title  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
    assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, sheet.title  # absent width = 1
    assert sheet.print_title_rows == rows, sheet.title
    assert sheet.print_title_cols == columns, sheet.title
    margins = sheet.page_margins
    assert 0.3 <= margins.left <= 0.8 and 0.3 <= margins.right <= 0.8, sheet.title
    assert margins.footer < margins.bottom, sheet.title  # the footer sits inside the bottom margin
    footer = sheet.oddFooter
    assert footer.left.text == f"as of {as_of}", sheet.title
    assert footer.right.text == "Page &P of &N", sheet.title
    assert footer.center.text == "&A", sheet.title  # the sheet's name (a literal "&" in it would need "&&")


def header_row(sheet: Any, first: str) -> int:
    """The 1-based row whose column A is ``first``."""
    return next(c.row for c in sheet["A"] if c.value == first)


def test_every_snapshot_sheet_prints_landscape_one_page_wide(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    recorded = runner.invoke(app, ["drift", *SNAPSHOT, "--config", str(config)])
    assert recorded.exit_code in (0, 4), recorded.output
    out = tmp_path / "c.xlsx"
    export(runner, out, "--source", "snapshot", "--as-of", "2025-10-20", "--config", str(config))
    book = load(out)
    try:
        assert book.sheetnames == ["Comps", "Sources & FX", "Flags", "Drift", "Charts"]
        as_of = "2025-10-20 (prices of 2025-10-10)"
        comps = header_row(book["Comps"], "Ticker")
        assert book["Comps"].cell(comps, 2).value == "Name"
        check_prints(book["Comps"], f"${comps}:${comps}", "$A:$B", as_of)
        check_prints(book["Sources & FX"], "$1:$1", "$A:$B", as_of)
        flags = header_row(book["Flags"], "Code")
        check_prints(book["Flags"], f"${flags}:${flags}", "$A:$A", as_of)
        drift = header_row(book["Drift"], "Ticker")
        assert book["Drift"].cell(drift, 2).value == "Name"
        check_prints(book["Drift"], f"${drift}:${drift}", "$A:$B", as_of)
        charts = book["Charts"]
        check_prints(charts, "$1:$1", None, as_of)
        # the charts (columns A:N) print, not the chart data at their right
        assert charts.print_area.split("!")[1].startswith("$A$1:$N$")
    finally:
        book.close()


def test_correlation_sheet_prints_with_its_header_and_names(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "work", WITHOUT_PRODUCERS)
    cfg = ["--config", str(config)]
    for args in (
        ["prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS"],
        ["fx", "import", str(need(FX_CNY)), "--currency", "CNY"],
        ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
         "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included"],
    ):  # fmt: skip
        done = runner.invoke(app, [*args, *cfg])
        assert done.exit_code == 0, done.output
    out = tmp_path / "c.xlsx"
    universe = synthetic_universe(tmp_path)
    light = 'fiscal_year_end_month = 12\noxide_exposure = "light"\n'
    universe.write_text(universe.read_text().replace("fiscal_year_end_month = 12\n", light))
    export(runner, out, "-u", str(universe), *cfg, "--source", "store", "--as-of", "2022-01-14")
    book = load(out)
    try:
        sheet = book["Correlation"]
        assert [c.value for c in sheet["A4:B4"][0]] == ["ticker", "name"]
        check_prints(sheet, "$4:$4", "$A:$B", "2022-01-14")
        for other in book.worksheets:
            assert other.page_setup.orientation == "landscape" and other.oddFooter.left.text == "as of 2022-01-14"
    finally:
        book.close()


def test_in_band_written_as_the_terminal_writes_it(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    """``in``/``OUT`` (blank when unrated), OUT in the out-of-band colours and bold, ``in`` plain; the CSV's
    true/false decides which."""
    out = tmp_path / "c.csv"
    export(runner, out, *SNAPSHOT, "--config", str(config))
    in_band = {r["ticker"]: r["in_band"] for r in csv.DictReader(io.StringIO(out.read_text()))
               if r["row_type"] == "company"}  # fmt: skip
    assert set(in_band.values()) == {"true", "false", ""}
    export(runner, tmp_path / "c.xlsx", *SNAPSHOT, "--config", str(config))
    book = load(tmp_path / "c.xlsx")
    try:
        rows = comps_rows(book)
        for row in (r for r in rows if r["Row type"].value == "company"):
            cell, ticker = row["In band"], row["Ticker"].value
            assert cell.value == {"true": "in", "false": "OUT", "": None}[in_band[ticker]], ticker
            out_of_band = cell.value == "OUT"
            assert (rgb(cell.fill.fgColor) == OUT_OF_BAND_FILL.lstrip("#")) is out_of_band, ticker
            assert (rgb(cell.font.color) == OUT_OF_BAND_FONT.lstrip("#")) is out_of_band, ticker
            assert bool(cell.font.b) is out_of_band, ticker
        assert all(r["In band"].value is None for r in rows if r["Row type"].value != "company")
    finally:
        book.close()


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (apt-get install libreoffice-calc-nogui) or poppler-utils (pdftotext) not installed",
)
def test_libreoffice_prints_comps_one_page_across(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    """The workbook converted to PDF by LibreOffice headless: every page of Comps (its footer names the sheet)
    holds the first column's header and the last one's, and every company; so no column went to a page of its
    own."""
    out = tmp_path / "c.xlsx"
    export(runner, out, *SNAPSHOT, "--config", str(config))
    book = load(out)
    tickers = {r["Ticker"].value for r in comps_rows(book) if r["Row type"].value == "company"}
    book.close()
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(out)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "c.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    texts = [
        subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"], check=True, capture_output=True,
                       text=True).stdout.splitlines()
        for p in range(1, pages + 1)
    ]  # fmt: skip
    comps = [lines for lines in texts if "Comps" in lines]  # the footer's sheet name, a line of its own
    assert comps, texts[0][:20]
    for number, lines in enumerate(comps, start=1):
        assert "Ticker" in lines and "Row type" in lines, number  # the first and the last column on each page
        assert f"Page {texts.index(lines) + 1} of {pages}" in lines
    assert tickers and tickers <= {line for lines in comps for line in lines}
