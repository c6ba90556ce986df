"""The portfolio view in the documents (#24 item 3): the workbook's Portfolio sheet (`export --portfolio`), read
back with openpyxl (numbers as numbers, formats, formula-safe text, print settings), and the HTML report's
Portfolio section (`report --portfolio`); the options' usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.cli import app

from .conftest import SHARED_DATA, EnvRunner, make_config, need
from .test_report_html import parse

REMX_FILE = SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv"
SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]
BOOK = "ticker,asset class,weight\n600111 CH,Stock,60%\nLYC AU,Stock,30%\n=HYPERLINK(1),Cash,10%\n"


@pytest.fixture
def cli(tmp_path: Path) -> tuple[EnvRunner, list[str], Path]:
    config = make_config(tmp_path / "work")
    book = tmp_path / "book.csv"
    book.write_text(BOOK)
    return EnvRunner(), ["--config", str(config), *SNAPSHOT], book


def test_export_adds_a_portfolio_sheet(cli: tuple[EnvRunner, list[str], Path]) -> None:
    from openpyxl import load_workbook

    runner, options, book = cli
    out = book.with_name("comps.xlsx")
    benchmark = str(need(REMX_FILE))
    result = runner.invoke(app, ["export", "--out", str(out), "--portfolio", str(book), "--benchmark", benchmark,
                                 *options])  # fmt: skip
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    try:
        assert workbook.sheetnames[:3] == ["Comps", "Sources & FX", "Flags"] and "Portfolio" in workbook.sheetnames
        sheet = workbook["Portfolio"]
        rows = [list(r) for r in sheet.iter_rows()]
        header_at = next(i for i, r in enumerate(rows) if r[0].value == "ticker")
        header = [c.value for c in rows[header_at]]
        nre = next(r for r in rows if r[0].value == "600111.SS")
        weight = nre[header.index("weight")]
        assert weight.value == pytest.approx(0.6) and weight.number_format == "0.00%"
        assert nre[header.index("benchmark_weight")].value == pytest.approx(0.0748)  # REMX 7.48%
        assert nre[header.index("active_weight")].value == pytest.approx(0.6 - 0.0748)
        assert nre[header.index("pe_fy1")].number_format == '#,##0.0"x"'
        at = next(i for i, r in enumerate(rows) if r[0].value == "row_type")  # the summary table's own header
        summary = next(r for r in rows if r[0].value == "portfolio")
        pe = summary[[c.value for c in rows[at]].index("pe_fy1")].value
        assert pe == pytest.approx(0.9 / (0.6 / 88.42769337 + 0.3 / 79.9), rel=1e-8)  # snapshot P/Es, by hand
        texts = [c.value for r in rows for c in r if isinstance(c.value, str)]
        assert "'=HYPERLINK(1)" in texts and "=HYPERLINK(1)" not in texts  # the cash line, listed, never a formula
        assert any("not equity (Cash)" in t for t in texts)
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.print_title_cols == "$A:$B" and sheet.print_title_rows == f"${header_at + 1}:${header_at + 1}"
    finally:
        workbook.close()


def test_report_adds_a_portfolio_section(cli: tuple[EnvRunner, list[str], Path]) -> None:
    runner, options, book = cli
    out = book.with_name("report.html")
    result = runner.invoke(app, ["report", "--out", str(out), "--portfolio", str(book), *options])
    assert result.exit_code == 0, result.output
    page = parse(out)
    assert "portfolio" in page.sections
    holdings = {cells[0][1]: cells for _, cells in page.tables["portfolio holding"]}
    assert holdings["600111.SS"][2] == ("num", "60.00%") and holdings["LYC.AX"][2][1] == "30.00%"
    assert holdings["LYC.AX"][3] == ("num na", "NA")  # no benchmark
    missing = page.tables["portfolio not_included"]
    assert [cells[1][1] for _, cells in missing] == ["=HYPERLINK(1)"]  # shown as text (autoescaped), never run
    html = out.read_text(encoding="utf-8")
    section = html.split('<section id="portfolio">')[1].split("</section>")[0]
    assert "<th>Bench wt</th>" in section and "<th>P/E FY1</th>" in section  # the terminal's words, not CSV keys
    assert 'data-label="House"' in section and "benchmark_weight" not in section and "house_rating" not in section
    plain = book.with_name("plain.html")
    assert runner.invoke(app, ["report", "--out", str(plain), *options]).exit_code == 0
    assert "portfolio" not in parse(plain).sections


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "--out", "comps.csv", "--portfolio", "BOOK"], "--portfolio"),
        (["report", "--out", "r.html", "--benchmark", "remx"], "--benchmark needs --portfolio"),
    ],
)
def test_portfolio_options_usage_errors(cli: tuple[EnvRunner, list[str], Path], args: list[str], needle: str) -> None:
    runner, options, book = cli
    args = [str(book.with_name(a)) if a.endswith((".csv", ".html")) else str(book) if a == "BOOK" else a for a in args]
    result = runner.invoke(app, [*args, *options])
    assert result.exit_code == 2 and needle in result.stderr, result.output


NRE_RAW = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022"
OXIDES = SHARED_DATA / "oxides" / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"
FX_CNY = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"


def test_oxide_betas_are_the_engine_betas_weighted(cli: tuple[EnvRunner, list[str], Path]) -> None:
    import csv
    import io
    import json

    runner, options, book = cli
    config = options[:2]
    for ticker in ("600111.SS", "000831.SZ"):
        path = need(NRE_RAW / f"{ticker}.csv")
        assert runner.invoke(app, ["prices", "import", str(path), "--ticker", ticker, *config]).exit_code == 0
    assert runner.invoke(app, ["fx", "import", str(need(FX_CNY)), "--currency", "CNY", *config]).exit_code == 0
    imported = runner.invoke(
        app, ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
              "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", *config],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    engine = runner.invoke(app, ["correlate", "--oxide", "nd_cn", "--format", "csv", *options])
    assert engine.exit_code == 0, engine.output
    beta = {r["ticker"]: float(r["beta"]) for r in csv.DictReader(io.StringIO(engine.stdout)) if r["beta"] != "NA"}
    assert set(beta) >= {"600111.SS", "000831.SZ"}
    book.write_text("ticker,weight\n600111 CH,50\n000831 CH,30\nLYC AU,20\n")  # LYC: no stored prices, no beta
    result = runner.invoke(app, ["portfolio", str(book), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    betas = json.loads(result.stdout)["meta"]["oxide_betas"]
    assert [b["series"] for b in betas] == ["nd_cn"]
    assert betas[0]["portfolio"] == pytest.approx((0.5 * beta["600111.SS"] + 0.3 * beta["000831.SZ"]) / 0.8)
    assert betas[0]["portfolio_coverage"] == pytest.approx(0.8) and betas[0]["benchmark"] == "NA"
    rows = runner.invoke(app, ["portfolio", str(book), "--format", "csv", *options]).stdout
    line = next(r for r in csv.DictReader(io.StringIO(rows)) if r["row_type"] == "oxide_beta")
    assert line["name"] == "nd_cn" and float(line["weight"]) == pytest.approx(0.8)
    assert line["flags"].startswith("beta=") and "benchmark_beta=NA" in line["flags"]
