"""`screener portfolio` (#24 item 3): the weighted statistics by hand (NA and NM holdings, renormalisation and
coverage), the weight rules (percent, fractions, relative, shares with FX), active weights against the real REMX
holdings file, bad holdings files (exit 2 naming file, line and field), and every output format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.cli import app
from screener.core import aggregates as agg
from screener.core import portfolio as pf
from screener.core.values import NA, NM

from .conftest import SHARED_DATA, EnvRunner, make_config, need

REMX_FILE = SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv"
SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]
# The bundled snapshot of 2025-10-10, read by hand (screener/data/snapshot_2025-10-10.json): prices and FX.
PRICE = {"600111.SS": 53.13, "4063.T": 5138.0, "MP": 73.77, "LYC.AX": 20.59}
PER_USD = {"CNY": 7.1328, "JPY": 149.52}
PE = {"600111.SS": 88.42769337, "4063.T": 19.1, "LYC.AX": 79.9, "6680.HK": 45.6}


# --- core: weighted statistics ------------------------------------------------------------------------------
def test_weighted_harmonic_mean_skips_na_and_nm_and_renormalises() -> None:
    pairs = [(0.4, 10.0), (0.3, 20.0), (0.2, NA), (0.1, NM)]
    harmonic = agg.weighted_harmonic_mean(pairs)
    assert harmonic.value == pytest.approx(0.7 / (0.4 / 10 + 0.3 / 20))  # 12.727...
    assert harmonic.covered == pytest.approx(0.7)
    mean = agg.weighted_mean(pairs)
    assert mean.value == pytest.approx((0.4 * 10 + 0.3 * 20) / 0.7)  # 14.2857...
    assert mean.covered == pytest.approx(0.7)


def test_weighted_harmonic_mean_is_nm_with_a_covered_value_at_or_below_zero() -> None:
    assert agg.weighted_harmonic_mean([(0.5, 10.0), (0.5, -5.0)]).value is NM
    assert agg.weighted_harmonic_mean([(0.5, 10.0), (0.5, 0.0)]).value is NM
    assert agg.weighted_mean([(0.5, 10.0), (0.5, -5.0)]).value == pytest.approx(2.5)  # the mean takes it


def test_weighted_statistics_without_a_number_are_na_covering_nothing() -> None:
    for function in (agg.weighted_mean, agg.weighted_harmonic_mean):
        result = function([(0.5, NA), (0.5, NM)])
        assert result.value is NA and result.covered == 0.0
    assert agg.weighted_mean([(0.0, 3.0)]).value is NA  # a zero weight covers nothing


positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
cells = st.one_of(positive, st.just(NA), st.just(NM))


@given(st.lists(cells, min_size=1, max_size=30), st.floats(min_value=1e-3, max_value=10))
def test_equal_weights_give_the_unweighted_statistics(values: list[object], weight: float) -> None:
    pairs = [(weight, v) for v in values]
    for weighted, plain in ((agg.weighted_mean, agg.mean), (agg.weighted_harmonic_mean, agg.harmonic_mean)):
        expected = plain(values).value  # type: ignore[arg-type]
        got = weighted(pairs).value  # type: ignore[arg-type]
        if isinstance(expected, float):
            assert got == pytest.approx(expected, rel=1e-9)
        else:
            assert got is expected


def test_weight_basis_rules() -> None:
    assert pf.weight_basis([40, 60], percent_sign=False) == "percent"
    assert pf.weight_basis([0.4, 0.6], percent_sign=False) == "fraction"
    assert pf.weight_basis([0.4, 0.6], percent_sign=True) == "percent"  # 0.4% and 0.6%
    assert pf.weight_basis([2, 3], percent_sign=False) == "relative"
    book = pf.Book(
        "f", (pf.BookLine(2, "A", "A", "", 2, None), pf.BookLine(3, "B", "B", "", 3, None)), (), "relative", "w"
    )
    assert pf.book_weights(book) == {"A": pytest.approx(0.4), "B": pytest.approx(0.6)}


def test_shares_weights_leave_out_a_holding_without_a_value() -> None:
    assert pf.shares_weights({"A": 300.0, "B": 100.0, "C": None}) == {"A": 0.75, "B": 0.25}


# --- the command --------------------------------------------------------------------------------------------
@pytest.fixture
def cli(tmp_path: Path) -> tuple[EnvRunner, list[str], Path]:
    config = make_config(tmp_path / "work")
    return EnvRunner(), ["--config", str(config), *SNAPSHOT], tmp_path


def rows_of(result_stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result_stdout)))


def run_csv(cli: tuple[EnvRunner, list[str], Path], *args: str) -> list[dict[str, str]]:
    runner, options, _ = cli
    result = runner.invoke(app, ["portfolio", *args, "--format", "csv", *options])
    assert result.exit_code == 0, result.output
    return rows_of(result.stdout)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_csv_header_is_the_contract(cli: tuple[EnvRunner, list[str], Path]) -> None:
    runner, options, tmp = cli
    book = write(tmp, "book.csv", "ticker,weight\n600111 CH,60\nLYC AU,40\n")
    result = runner.invoke(app, ["portfolio", str(book), "--format", "csv", *options])
    assert result.stdout.splitlines()[0] == (
        "row_type,ticker,name,group,weight,benchmark_weight,active_weight,house_rating,rule_rating,etr,upside,"
        "pe_fy1,pb_fy1,ev_ebitda_fy1,roe_fy1,dy_fy1,ytd_change,flags"
    )


def test_portfolio_numbers_by_hand_with_na_nm_and_an_unknown_name(cli: tuple[EnvRunner, list[str], Path]) -> None:
    book = write(cli[2], "book.csv", "Ticker,Weight\n600111 CH,40%\nLYC AU,20%\n4063 JT,25%\nXYZ US,10%\n6680 HK,5%\n")
    rows = run_csv(cli, str(book))
    holdings = {r["ticker"]: r for r in rows if r["row_type"] == "holding"}
    assert set(holdings) == {"600111.SS", "LYC.AX", "4063.T", "6680.HK"}
    assert float(holdings["4063.T"]["weight"]) == pytest.approx(0.25)
    assert holdings["4063.T"]["benchmark_weight"] == "NA"  # no benchmark
    summary = next(r for r in rows if r["row_type"] == "portfolio")
    weights = {"600111.SS": 0.4, "LYC.AX": 0.2, "4063.T": 0.25, "6680.HK": 0.05}  # XYZ: in no universe, left out
    harmonic = sum(weights.values()) / sum(w / PE[t] for t, w in weights.items())
    assert float(summary["pe_fy1"]) == pytest.approx(harmonic, rel=1e-8)
    # Lynas' FY1 yield is NM (no dividend estimate): the yield averages the other 0.7 of weight
    dy = {"600111.SS": 0.001505740636, "4063.T": 0.02, "6680.HK": 0.02}
    assert float(summary["dy_fy1"]) == pytest.approx(sum(weights[t] * v for t, v in dy.items()) / 0.7, rel=1e-8)
    coverage = next(r for r in rows if r["row_type"] == "coverage" and r["name"] == "portfolio")
    assert float(coverage["dy_fy1"]) == pytest.approx(0.7) and float(coverage["pe_fy1"]) == pytest.approx(0.9)
    assert float(coverage["weight"]) == pytest.approx(0.9)
    missing = [r for r in rows if r["row_type"] == "not_included"]
    assert [(r["ticker"], r["weight"]) for r in missing] == [("XYZ", "0.1")]
    assert "line 5" in missing[0]["flags"] and "not in any universe" in missing[0]["flags"]
    sells = {r["ticker"] for r in rows if r["row_type"] == "sell"}
    assert sells == {t for t, r in holdings.items() if r["rule_rating"] == "Sell"} and "LYC.AX" in sells
    assert not [r for r in rows if r["row_type"] in ("benchmark", "active")]  # no benchmark: no such rows
    groups = {r["group"]: float(r["weight"]) for r in rows if r["row_type"] == "group"}
    assert groups == {"Producers": pytest.approx(0.6), "Magnets": pytest.approx(0.3)}


def test_shares_weights_convert_at_the_as_of_fx(cli: tuple[EnvRunner, list[str], Path]) -> None:
    book = write(cli[2], "book.csv", "code,shares\n600111 CH,1000\n4063 JT,200\nMP US,100\n")
    runner, options, _ = cli
    result = runner.invoke(app, ["portfolio", str(book), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    usd = {
        "600111.SS": 1000 * PRICE["600111.SS"] / PER_USD["CNY"],
        "4063.T": 200 * PRICE["4063.T"] / PER_USD["JPY"],
        "MP": 100 * PRICE["MP"],
    }
    held = {r["ticker"]: r["weight"] for r in payload["rows"] if r["row_type"] == "holding"}
    for ticker, value in usd.items():
        assert held[ticker] == pytest.approx(value / sum(usd.values()), rel=1e-9), ticker
    assert payload["meta"]["weights"] == "shares"
    # the snapshot's CNY and JPY rates are of 2025-09-26: stale at 2025-10-10 (the screen's decision), said
    assert set(payload["meta"]["stale_fx"]) >= {"CNY", "JPY"}
    assert any("stale FX" in b and "CNY" in b and "JPY" in b for b in payload["meta"]["banners"])


def test_active_weights_against_the_remx_holdings_file(cli: tuple[EnvRunner, list[str], Path]) -> None:
    book = write(cli[2], "book.csv", "ticker,weight\n600111.SH,0.5\nMP,0.3\n4063.T,0.2\n")
    rows = run_csv(cli, str(book), "--benchmark", str(need(REMX_FILE)))
    lines = {r["ticker"]: r for r in rows if r["row_type"] in ("holding", "not_held")}
    # the file's "% of Net Assets", read by hand: 600111 C1 7.48%, MP US 5.73%, LYC AU 6.15%, 600392 C1 4.83%
    expected = {"600111.SS": (0.5, 0.0748), "MP": (0.3, 0.0573), "4063.T": (0.2, 0.0), "LYC.AX": (0.0, 0.0615)}
    expected["600392.SS"] = (0.0, 0.0483)
    for ticker, (mine, theirs) in expected.items():
        assert float(lines[ticker]["benchmark_weight"]) == pytest.approx(theirs, abs=1e-12), ticker
        assert float(lines[ticker]["active_weight"]) == pytest.approx(mine - theirs, abs=1e-12), ticker
    assert lines["LYC.AX"]["row_type"] == "not_held"
    missing = {r["ticker"]: r for r in rows if r["row_type"] == "not_included"}
    assert float(missing["ALB"]["benchmark_weight"]) == pytest.approx(0.083) and "line 2" in missing["ALB"]["flags"]
    covered = next(r for r in rows if r["row_type"] == "coverage" and r["name"] == "benchmark")
    assert float(covered["benchmark_weight"]) == pytest.approx(0.0748 + 0.0573 + 0.0615 + 0.0483)
    bench = next(r for r in rows if r["row_type"] == "benchmark")
    mine_row = next(r for r in rows if r["row_type"] == "portfolio")
    active = next(r for r in rows if r["row_type"] == "active")
    assert float(active["pb_fy1"]) == pytest.approx(float(mine_row["pb_fy1"]) - float(bench["pb_fy1"]), rel=1e-8)


def test_a_benchmark_universe_from_import_holdings_gives_the_same_weights(
    cli: tuple[EnvRunner, list[str], Path],
) -> None:
    runner, options, tmp = cli
    imported = runner.invoke(app, ["universe", "import-holdings", str(need(REMX_FILE)), "--name", "remx", *options[:2]])
    assert imported.exit_code == 0, imported.output
    book = write(tmp, "book.csv", "ticker,weight\n600111.SH,0.5\nMP,0.3\n4063.T,0.2\n")
    rows = run_csv(cli, str(book), "--benchmark", "remx")
    lines = {r["ticker"]: r for r in rows if r["row_type"] in ("holding", "not_held")}
    assert float(lines["600111.SS"]["active_weight"]) == pytest.approx(0.5 - 0.0748, abs=1e-12)
    assert float(lines["LYC.AX"]["active_weight"]) == pytest.approx(-0.0615, abs=1e-12)
    # ALB is in the remx universe now, but the snapshot has no price for it: listed with its weight and why
    alb = next(r for r in rows if r["row_type"] == "not_included" and r["ticker"] == "ALB")
    assert float(alb["benchmark_weight"]) == pytest.approx(0.083, abs=1e-12)
    assert "no price at the as-of date" in alb["flags"]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("", ["book.csv:1", "header", "empty"]),
        ("ticker,price\nMP,3\n", ["book.csv:1", "header"]),
        ("ticker,weight\nMP,abc\n", ["book.csv:2", "weight", "not a number"]),
        ("ticker,weight\nMP,60\nNOT A CODE!,40\n", ["book.csv:3", "ticker", "not a ticker code"]),
        ("ticker,weight\nMP,60\nMP US,40\n", ["book.csv:3", "ticker", "duplicate", "line 2"]),
        ("ticker,weight\nMP,60\nLYC AU,\n", ["book.csv:3", "weight", "missing"]),
        ("ticker,shares\nMP,-5\n", ["book.csv:2", "shares", ">= 0"]),
        ("ticker,weight\n", ["book.csv:1", "no holdings"]),
    ],
)
def test_bad_holdings_files_exit_2_naming_file_line_and_field(
    cli: tuple[EnvRunner, list[str], Path], text: str, needles: list[str]
) -> None:
    runner, options, tmp = cli
    book = write(tmp, "book.csv", text)
    result = runner.invoke(app, ["portfolio", str(book), *options])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def test_table_and_json_show_every_section(cli: tuple[EnvRunner, list[str], Path]) -> None:
    runner, options, tmp = cli
    book = write(tmp, "book.csv", "ticker,weight\n600111 CH,50\nLYC AU,30\nXYZ,20\n")
    table = runner.invoke(app, ["portfolio", str(book), *options])
    assert table.exit_code == 0, table.output
    for title in ("Holdings", "Summary", "Weights by peer group", "Weights by oxide exposure", "Not included"):
        assert title in table.stdout, title
    assert "XYZ" in table.stdout and "not in any universe" in table.stdout
    out = tmp / "book.json"
    result = runner.invoke(app, ["portfolio", str(book), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    kinds = {r["row_type"] for r in payload["rows"]}
    assert {"holding", "portfolio", "coverage", "group", "exposure", "not_included"} <= kinds
    assert payload["meta"]["weights"] == "percent" and payload["meta"]["as_of"] == "2025-10-10"


def test_non_equity_lines_are_listed_and_csv_text_is_formula_safe(cli: tuple[EnvRunner, list[str], Path]) -> None:
    text = "ticker,asset class,weight\nMP,Stock,60\n600111 CH,Equity,38\n=1+1,Cash,2\n"
    rows = run_csv(cli, str(write(cli[2], "book.csv", text)))
    cash = [r for r in rows if r["row_type"] == "not_included"]
    assert [r["name"] for r in cash] == ["'=1+1"]  # listed, never run by a spreadsheet
    assert "line 4" in cash[0]["flags"] and "not equity (Cash)" in cash[0]["flags"]


def test_an_xlsx_book_with_relative_weights_is_read_and_said(cli: tuple[EnvRunner, list[str], Path]) -> None:
    from openpyxl import Workbook

    runner, options, tmp = cli
    workbook = Workbook()
    sheet = workbook.active
    for row in (("Symbol", "Weight"), ("600111 CH", 3), ("LYC AU", 1)):
        sheet.append(row)
    path = tmp / "book.xlsx"
    workbook.save(path)
    result = runner.invoke(app, ["portfolio", str(path), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    held = {r["ticker"]: r["weight"] for r in payload["rows"] if r["row_type"] == "holding"}
    assert held == {"600111.SS": pytest.approx(0.75), "LYC.AX": pytest.approx(0.25)}  # 3 and 1 of 4
    assert payload["meta"]["weights"] == "relative"
    assert any("sums to 4" in b and "relative" in b for b in payload["meta"]["banners"])
    assert "relative weights" in result.stderr  # the banner on stderr too


def test_fractions_are_kept_and_u_limits_where_names_are_found(cli: tuple[EnvRunner, list[str], Path]) -> None:
    from .conftest import UNIVERSES

    book = write(cli[2], "book.csv", "ticker,weight\n600111 CH,0.7\n4063 JT,0.3\n")
    rows = run_csv(cli, str(book))
    assert {r["ticker"]: float(r["weight"]) for r in rows if r["row_type"] == "holding"} == {
        "600111.SS": pytest.approx(0.7),
        "4063.T": pytest.approx(0.3),
    }
    only = run_csv(cli, str(book), "-u", str(UNIVERSES / "producers.toml"))
    assert [r["ticker"] for r in only if r["row_type"] == "holding"] == ["600111.SS"]
    missing = next(r for r in only if r["row_type"] == "not_included")
    assert missing["ticker"] == "4063.T" and "not in any universe" in missing["flags"]


def test_terminal_view_uses_the_comp_tables_words_and_one_line_per_holding(
    cli: tuple[EnvRunner, list[str], Path],
) -> None:
    runner, options, tmp = cli
    book = write(tmp, "book.csv", "ticker,weight\n000831 CH,60\nLYC AU,40\n")
    result = runner.invoke(app, ["portfolio", str(book), *options], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    holdings = result.stdout.split("Holdings", 1)[1].split("Summary", 1)[0]
    header = next(line for line in holdings.splitlines() if "Ticker" in line)
    for words in ("Weight", "House", "Rule", "ETR", "P/E FY1", "P/B FY1", "ROE FY1", "YTD", "Flags"):
        assert words in header
    assert "house_rating" not in header and "pe_fy1" not in header  # the CSV's names stay in the CSV
    body = [line for line in holdings.splitlines() if line.startswith("│")]
    assert len(body) == 2, holdings  # China Rare Earth Resources and Technology cut to one line, not wrapped
    assert any(line.startswith("│ 000831.SZ") and "…" in line for line in body)


def test_a_book_with_no_holding_included_is_exit_3_after_listing_why(cli: tuple[EnvRunner, list[str], Path]) -> None:
    runner, options, tmp = cli
    book = write(tmp, "book.csv", "ticker,weight\nXYZ US,60\nABC US,40\n")
    result = runner.invoke(app, ["portfolio", str(book), "--format", "csv", *options])
    assert result.exit_code == 3, result.output
    rows = rows_of(result.stdout)
    assert sorted(r["ticker"] for r in rows if r["row_type"] == "not_included") == ["ABC", "XYZ"]
    assert "no holding could be included" in result.stderr
