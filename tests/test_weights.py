"""ETF weights as a column (#19 item 4): the real VanEck REMX holdings file imported with `universe import-holdings`,
then `weight` (a fraction) at the end of the PM CSV and JSON, `--sort weight` (largest first, NA last), the
terminal table with `--columns weight` / `--wide`, the workbook's Comps sheet and the HTML report (both only when
a company has a weight)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from screener.cli import app

from .conftest import SHARED_DATA, UNIVERSES, EnvRunner, make_config, need
from .test_report_html import parse

REMX_FILE = SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv"
SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]
# Read by hand from the file's "% of Net Assets" column (lines 2, 3, 5, 25, 26).
HAND = {"ALB": 0.083, "600111.SS": 0.0748, "LYC.AX": 0.0615, "TROX": 0.0147, "AVZ.AX": 0.0064}


@pytest.fixture
def remx(tmp_path: Path) -> tuple[EnvRunner, list[str], Path]:
    """A config and the REMX universe imported beside it (``universes/remx.toml``)."""
    config = make_config(tmp_path / "work")
    runner = EnvRunner()
    args = ["--config", str(config)]
    result = runner.invoke(app, ["universe", "import-holdings", str(need(REMX_FILE)), "--name", "remx", *args])
    assert result.exit_code == 0, result.output
    return runner, args, tmp_path / "work" / "universes" / "remx.toml"


def csv_rows(runner: EnvRunner, *args: str) -> list[dict[str, str]]:
    result = runner.invoke(app, ["screen", *SNAPSHOT, "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_weight_ends_the_pm_csv_and_json_as_a_fraction(remx: tuple[EnvRunner, list[str], Path]) -> None:
    runner, args, _ = remx
    result = runner.invoke(app, ["screen", "-u", "remx", *SNAPSHOT, "--format", "csv", *args])
    header = result.stdout.splitlines()[0].split(",")
    at = header.index("weight")  # appended after the last contract column of its version (later ones follow it)
    assert header[at - 1 : at + 1] == ["net_debt_to_ebitda_fy1", "weight"]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    weights = {r["ticker"]: r["weight"] for r in rows if r["row_type"] == "company"}
    assert len(weights) == 25
    for ticker, fraction in HAND.items():
        assert float(weights[ticker]) == pytest.approx(fraction, abs=1e-12), ticker  # 8.30% -> 0.083
    assert {r["weight"] for r in rows if r["row_type"] != "company"} == {""}  # no mean or median of a weight
    payload = json.loads(runner.invoke(app, ["screen", "-u", "remx", *SNAPSHOT, "--format", "json", *args]).stdout)
    alb = next(r for r in payload["rows"] if r["ticker"] == "ALB")
    assert alb["weight"] == pytest.approx(0.083, abs=1e-12)
    producers = csv_rows(runner, "-u", str(UNIVERSES / "producers.toml"), *args)
    assert {r["weight"] for r in producers if r["row_type"] == "company"} == {"NA"}  # no weights in the file


def test_sort_weight_is_largest_first_with_na_last(remx: tuple[EnvRunner, list[str], Path]) -> None:
    runner, args, universe = remx
    text = universe.read_text()
    assert text.count("weight = 8.3\n") == 1
    universe.write_text(text.replace("weight = 8.3\n", ""))  # Albemarle, the largest holding, loses its weight
    ranked = [r["ticker"] for r in csv_rows(runner, "-u", "remx", "--sort", "weight", *args) if r["ticker"]]
    flipped = csv_rows(runner, "-u", "remx", "--sort", "weight", "--reverse", *args)
    assert ranked[:4] == ["600111.SS", "600549.SS", "LYC.AX", "MP"]  # 7.48%, 6.27%, 6.15%, 5.73%
    assert ranked[-3:] == ["TROX", "AVZ.AX", "ALB"]  # 1.47%, 0.64%, then NA
    reverse = [r["ticker"] for r in flipped if r["ticker"]]
    assert reverse[:2] == ["AVZ.AX", "TROX"] and reverse[-1] == "ALB"  # smallest first, NA still last
    assert len(ranked) == len(reverse) == 25


def test_weight_in_the_terminal_table_only_on_request(remx: tuple[EnvRunner, list[str], Path]) -> None:
    runner, args, _ = remx
    wide_terminal = {"COLUMNS": "200"}
    picked = runner.invoke(app, ["screen", "-u", "remx", *SNAPSHOT, "--columns", "weight", *args], env=wide_terminal)
    assert picked.exit_code == 0, picked.output
    albemarle = next(line for line in picked.output.splitlines() if "Albemarle" in line)
    assert "8.30%" in albemarle and "Weight" in picked.output
    assert "0.64%" in next(line for line in picked.output.splitlines() if "Avz Minerals" in line)
    plain = runner.invoke(app, ["screen", "-u", "remx", *SNAPSHOT, *args], env=wide_terminal)
    assert plain.exit_code == 0 and "Weight" not in plain.output and "8.30%" not in plain.output
    wide = runner.invoke(app, ["screen", "-u", "remx", *SNAPSHOT, "--wide", *args], env=wide_terminal)
    assert "Weight" in wide.output and "8.30%" in wide.output


def test_workbook_comps_sheet_has_the_weight_when_the_universe_has_weights(
    remx: tuple[EnvRunner, list[str], Path], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from screener.render.workbook import TITLE_ROWS

    runner, args, _ = remx
    for name, universe in (("remx", "remx"), ("producers", str(UNIVERSES / "producers.toml"))):
        out = tmp_path / f"{name}.xlsx"
        result = runner.invoke(app, ["export", "--out", str(out), "-u", universe, *SNAPSHOT, *args])
        assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "remx.xlsx")
    try:
        sheet = book["Comps"]
        header = [c.value for c in sheet[TITLE_ROWS + 1]]
        at = header.index("Weight")
        assert header[at - 1] == "ND/EBITDA FY1" and header[at + 1] == "P/E NTM"  # the PM CSV order
        rows = [[c for c in r] for r in sheet.iter_rows(min_row=TITLE_ROWS + 2)]
        kind = header.index("Row type")
        alb = next(r for r in rows if r[0].value == "ALB")
        assert alb[at].value == pytest.approx(0.083, abs=1e-12) and alb[at].number_format == "0.00%"
        assert alb[kind].value == "company" and alb[header.index("Flags")].value == "no_data"
        mean = next(r for r in rows if r[kind].value == "mean")  # statistic rows stay aligned, weight blank
        assert mean[at].value is None and mean[header.index("Name")].value == "REMX mean"
    finally:
        book.close()
    plain = load_workbook(tmp_path / "producers.xlsx")
    try:
        assert "Weight" not in [c.value for c in plain["Comps"][TITLE_ROWS + 1]]  # NA throughout: left out
    finally:
        plain.close()


def test_report_shows_the_weight_when_the_universe_has_weights(
    remx: tuple[EnvRunner, list[str], Path], tmp_path: Path
) -> None:
    runner, args, _ = remx
    out = tmp_path / "remx.html"
    assert runner.invoke(app, ["report", "--out", str(out), "-u", "remx", *SNAPSHOT, *args]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    every = html.split('<table class="comps" data-scrollable>')[1]  # the all-columns table (#22: the terminal's
    headers = every.split("<thead>")[1].split("</thead>")[0]  # two tables show the weight only with --wide)
    assert '<th class="num">ND/EBITDA FY1</th><th class="num">Weight</th><th class="num">P/E NTM</th>' in headers
    table = parse(out).tables["comps"]
    at = headers.count("<th", 0, headers.index('<th class="num">Weight</th>'))  # the column's position
    companies = {cells[0][1]: cells for kind, cells in table if kind == "company"}
    assert companies["ALB"][at][1] == "8.30%" and companies["AVZ.AX"][at][1] == "0.64%"
    assert {len(cells) for kind, cells in table if kind != "band"} == {headers.count("<th")}  # n rows too
    means = [cells for kind, cells in table if kind == "agg" and cells[1][1] == "REMX mean"]
    assert means and means[0][at][1] == ""  # no mean of a weight
    plain = tmp_path / "producers.html"
    producers = ["-u", str(UNIVERSES / "producers.toml")]
    assert runner.invoke(app, ["report", "--out", str(plain), *producers, *SNAPSHOT, *args]).exit_code == 0
    assert ">Weight</th>" not in plain.read_text(encoding="utf-8")
