"""`screener universe import-holdings`: ETF holdings exports (the real VanEck REMX file, CSV and XLSX) to a
universe file; parsing and mapping (core/holdings.py), the written file, `-u NAME` resolution, errors."""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from pathlib import Path

import pytest

from screener.app.holdings import read_rows
from screener.cli import app
from screener.core.holdings import by_weight, map_holdings, parse_holdings, parse_weight
from screener.errors import InputFileError, UniverseError
from screener.universe import load_universe, parse_universe, resolve_universe_args

from .conftest import SHARED_DATA, UNIVERSES, EnvRunner, make_config, make_env, need

REMX_FILE = "holdings/REMX_vaneck_holdings_committed_2026-01-31.csv"
HEADER = (
    "Number,Ticker,Holding Name,Identifier (FIGI),Shares,Asset Class,Market Value (US$),Notional Value,% of Net Assets"
)

# Hand-checked from the file: line, code, name, weight, ticker, currency.
REMX_EXPECTED = [
    (2, "ALB US", "Albemarle Corp", 8.30, "ALB", "USD"),
    (3, "600111 C1", "China Northern Rare Earth Group High-Te", 7.48, "600111.SS", "CNY"),
    (5, "LYC AU", "Lynas Rare Earths Ltd", 6.15, "LYC.AX", "AUD"),
    (12, "1772 HK", "Ganfeng Lithium Group Co Ltd", 4.49, "1772.HK", "HKD"),
    (13, "AII CN", "Almonty Industries Inc", 4.46, "AII.TO", "CAD"),
    (14, "AMG NA", "Amg Critical Materials Nv", 3.49, "AMG.AS", "EUR"),
    (21, "ERA FP", "Eramet Sa", 2.33, "ERA.PA", "EUR"),
    (26, "AVZ AU", "Avz Minerals Ltd", 0.64, "AVZ.AX", "AUD"),
]


def remx() -> Path:
    return need(SHARED_DATA / REMX_FILE)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def runner_for(tmp_path: Path) -> tuple[EnvRunner, list[str]]:
    config = make_config(tmp_path / "work")
    return EnvRunner(), ["--config", str(config)]


# --- parsing the real file -------------------------------------------------------------------------------------
def test_real_remx_file_parses_to_25_holdings_with_their_weights_and_tickers() -> None:
    parsed = parse_holdings(read_rows(remx()), REMX_FILE)
    assert len(parsed.holdings) == 25 and parsed.skipped == ()
    assert parsed.header_line == 1 and parsed.weight_column == "% of Net Assets"
    assert parsed.as_of is None and parsed.fund is None  # the export states neither (PROVENANCE C)
    by_line = {h.line: h for h in parsed.holdings}
    mapped, unmapped = map_holdings(parsed.holdings)
    assert unmapped == []
    by_ticker = {m.ticker: m for m in mapped}
    assert len(by_ticker) == 25
    for line, code, name, weight, ticker, currency in REMX_EXPECTED:
        holding = by_line[line]
        assert (holding.code, holding.name, holding.weight, holding.asset_class) == (code, name, weight, "Stock")
        company = by_ticker[ticker]
        assert (company.codes, company.weight, company.currency) == ((code,), weight, currency)
    assert round(sum(m.weight for m in mapped), 2) == 99.91
    assert [m.ticker for m in mapped][:3] == ["ALB", "600111.SS", "600549.SS"]  # file order


def test_min_weight_keeps_holdings_at_or_above_it() -> None:
    parsed = parse_holdings(read_rows(remx()), REMX_FILE)
    kept, below = by_weight(parsed.holdings, 5.24)  # PLS AU weighs exactly 5.24%
    assert [h.code for h in kept] == [
        "ALB US",
        "600111 C1",
        "600549 C1",
        "LYC AU",
        "MP US",
        "601958 C1",
        "SQM US",
        "PLS AU",
    ]
    assert len(below) == 17 and all(h.weight is not None and h.weight < 5.24 for h in below)
    assert by_weight(parsed.holdings, None) == (list(parsed.holdings), [])


def test_the_wide_2021_file_reads_its_latest_date() -> None:
    path = need(SHARED_DATA / "holdings" / "REMX_top_weights_pct_2021_jmaslek.csv")
    parsed = parse_holdings(read_rows(path), path.name)
    assert parsed.as_of == date(2021, 9, 2)  # the last of four rows (US dates)
    weights = {h.code: h.weight for h in parsed.holdings}
    assert len(weights) == 20 and weights["603799.SS"] == 9.09 and weights["ILU.AX"] == 4.93
    assert weights["SLI.V"] == 2.71 and "SUM" not in weights
    skipped = {h.code: h.asset_class for h in parsed.skipped}
    assert skipped["GVMXX"] == "cash or money market"  # a money-market fund, 3.22%
    assert skipped["Standard Lithium Corp"] == "not held on 2021-09-02" and len(skipped) == 7
    mapped, unmapped = map_holdings(parsed.holdings)
    assert unmapped == [] and round(sum(m.weight for m in mapped), 2) == 98.22


def test_a_bad_weight_in_the_wide_layout_names_the_line_and_the_column() -> None:
    rows = [(1, ["date", "MP", "LYC.AX"]), (2, ["2021-07-09", "4.9", "6.4"]), (3, ["2021-08-31", "4.8", "x"])]
    with pytest.raises(InputFileError) as error:
        parse_holdings(rows, "w.csv")
    assert (error.value.line, error.value.field) == (3, "LYC.AX")


@pytest.mark.parametrize(
    ("text", "weight"), [("8.30%", 8.3), ("8.30", 8.3), (" 8.3 % ", 8.3), ("0%", 0.0), ("--", None), ("", None)]
)
def test_weights_are_percent_strings(text: str, weight: float | None) -> None:
    assert parse_weight(text) == weight


def test_preamble_date_fund_cash_lines_footnotes_and_unmappable_codes() -> None:
    rows = [
        (1, ["VanEck Rare Earth and Strategic Metals ETF"]),
        (2, ["Fund Ticker:", "REMX"]),
        (3, ["Holdings as of 01/30/2026"]),
        (4, []),
        (5, HEADER.split(",")),
        (6, ["1", "MP US", "Mp Materials Corp", "X", "1", "Stock", "$1", "--", "5.73%"]),
        (7, ["2", "XYZ ZZ", "Nowhere Mining", "X", "1", "Stock", "$1", "--", "1.00%"]),
        (8, ["3", "--", "Cash & Other", "", "", "Cash", "$1", "--", "0.09%"]),
        (9, ["4", "USD", "US Dollar", "", "", "Currency", "$1", "--", "-0.02%"]),
        (10, ["Holdings are subject to change."]),
    ]
    parsed = parse_holdings(rows, "x.csv")
    assert parsed.as_of == date(2026, 1, 30) and parsed.fund == "REMX" and parsed.header_line == 5
    assert [h.code for h in parsed.holdings] == ["MP US", "XYZ ZZ"]
    assert [(h.name, h.asset_class, h.weight) for h in parsed.skipped] == [
        ("Cash & Other", "Cash", 0.09),
        ("US Dollar", "Currency", -0.02),
    ]
    mapped, unmapped = map_holdings(parsed.holdings)
    assert [m.ticker for m in mapped] == ["MP"]
    assert [(u.holding.name, u.holding.code) for u in unmapped] == [("Nowhere Mining", "XYZ ZZ")]
    assert "'ZZ'" in unmapped[0].reason


def test_without_an_asset_class_column_cash_is_recognised_by_name_or_missing_code() -> None:
    rows = [
        (1, ["Ticker", "Name", "Weight"]),
        (2, ["LYC AU", "Lynas", "6%"]),
        (3, ["", "Cash", "1%"]),
        (4, ["USD CASH", "US Dollar cash", "0.5%"]),
    ]
    parsed = parse_holdings(rows, "x.csv")
    assert [h.code for h in parsed.holdings] == ["LYC AU"] and len(parsed.skipped) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As of 2026-01-30", date(2026, 1, 30)),
        ("Holdings as of 31/01/2026", date(2026, 1, 31)),
        ("Date: 30 Jan 2026", date(2026, 1, 30)),
        ("as at January 30, 2026", date(2026, 1, 30)),
    ],
)
def test_holdings_date_forms(text: str, expected: date) -> None:
    rows = [(1, [text]), (2, ["Ticker", "% of Net Assets"]), (3, ["MP US", "1%"])]
    assert parse_holdings(rows, "x.csv").as_of == expected


def test_two_lines_of_one_symbol_become_one_company_weights_added() -> None:
    rows = [(1, ["Ticker", "Weight"]), (2, ["600111 C1", "7.48%"]), (3, ["600111 CH", "0.52%"])]
    mapped, _ = map_holdings(parse_holdings(rows, "x.csv").holdings)
    assert [(m.ticker, m.codes, m.weight) for m in mapped] == [("600111.SS", ("600111 C1", "600111 CH"), 8.0)]


@pytest.mark.parametrize(
    ("rows", "line", "field"),
    [
        ([(1, ["Symbol list"]), (2, ["MP US", "5%"])], 1, "header"),
        ([(1, ["Ticker", "% of Net Assets"]), (2, ["MP US", "5%"]), (3, ["LYC AU", "abc"])], 3, "% of Net Assets"),
        ([(1, ["Ticker", "Weight"]), (2, ["MP US", "101%"])], 2, "Weight"),
        ([(1, ["Ticker", "Weight"]), (2, ["MP US", ""])], 2, "Weight"),
    ],
)
def test_bad_input_names_file_line_and_field(rows: list, line: int, field: str) -> None:
    with pytest.raises(InputFileError) as error:
        parse_holdings(rows, "bad.csv")
    assert (error.value.path, error.value.line, error.value.field) == ("bad.csv", line, field)


# --- XLSX -------------------------------------------------------------------------------------------------------
def test_xlsx_in_the_same_layout_gives_the_same_universe(tmp_path: Path) -> None:
    from openpyxl import Workbook

    with remx().open(newline="") as handle:
        table = list(csv.reader(handle))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    xlsx = tmp_path / "REMX_holdings.xlsx"
    book.save(xlsx)
    runner, config = runner_for(tmp_path)
    for source, name in ((remx(), "from_csv"), (xlsx, "from_xlsx")):
        result = runner.invoke(app, ["universe", "import-holdings", str(source), "--name", name, *config])
        assert result.exit_code == 0, result.output
    folder = tmp_path / "work" / "universes"
    from_csv, from_xlsx = (tomllib.loads((folder / f"{n}.toml").read_text()) for n in ("from_csv", "from_xlsx"))
    assert from_xlsx["company"] == from_csv["company"] and len(from_csv["company"]) == 25


def test_xlsx_percent_cells_and_a_date_cell_in_the_preamble(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["As of", datetime(2026, 1, 30)])
    sheet.append(["Ticker", "Name", "% of Net Assets"])
    sheet.append(["LYC AU", "Lynas", 0.0615])
    sheet["C3"].number_format = "0.00%"
    sheet.append(["MP US", "MP", 5.73])  # a plain number: already percent
    path = tmp_path / "h.xlsx"
    book.save(path)
    parsed = parse_holdings(read_rows(path), str(path))
    assert parsed.as_of == date(2026, 1, 30)
    assert [(h.code, h.weight, h.line) for h in parsed.holdings] == [("LYC AU", 6.15, 3), ("MP US", 5.73, 4)]


# --- the command end to end ---------------------------------------------------------------------------------------
def test_import_validate_and_screen_with_the_imported_universe(tmp_path: Path) -> None:
    runner, config = runner_for(tmp_path)
    result = runner.invoke(app, ["universe", "import-holdings", str(remx()), "--name", "remx", *config])
    assert result.exit_code == 0, result.output
    written = tmp_path / "work" / "universes" / "remx.toml"  # beside the config in use
    assert str(written) in result.stdout and "25 companies" in result.stdout
    text = written.read_text()
    header = text.split("[universe]")[0]
    for needle in (str(remx().resolve()), "fund: REMX", "holdings date: not stated", "imported: ", "threshold: none"):
        assert needle in header, needle
    assert "unmapped (name, code): none" in header
    data = tomllib.loads(text)
    lynas = next(c for c in data["company"] if c["ticker"] == "LYC.AX")
    assert lynas == {
        "ticker": "LYC.AX",
        "aliases": ["LYC AU"],
        "name": "Lynas Rare Earths Ltd",
        "group": "REMX",
        "currency": "AUD",
        "fiscal_year_end_month": 12,
        "weight": 6.15,
    }
    assert load_universe(written).companies[3].weight == 6.15

    validated = runner.invoke(app, ["universe", "validate", str(written), *config])
    assert validated.exit_code == 0, validated.output
    by_name = runner.invoke(app, ["universe", "validate", "remx", *config])  # by name, as -u finds it
    assert by_name.exit_code == 0 and "remx" in by_name.stdout, by_name.output
    listed = runner.invoke(app, ["universe", "list", "--wide", *config])
    assert listed.exit_code == 0 and "remx" in listed.stdout and "producers" in listed.stdout, listed.output
    screened = runner.invoke(app, ["screen", "-u", "remx", "--source", "snapshot", "--format", "csv", *config])
    assert screened.exit_code == 0, screened.output
    rows = [r for r in csv.DictReader(screened.stdout.splitlines()) if r["row_type"] == "company"]
    # every holding, once (sorted by ETR: the names with house research in producers/magnets come first)
    assert sorted(r["ticker"] for r in rows) == sorted(c["ticker"] for c in data["company"])
    assert {r["group"] for r in rows} == {"REMX"}
    prices = {r["ticker"]: r["price"] for r in rows}
    assert prices["LYC.AX"] != "NA" and prices["ALB"] == "NA"  # in the snapshot / not in it
    upper = runner.invoke(app, ["screen", "-u", "REMX", "--source", "snapshot", "--format", "csv", *config])
    assert upper.exit_code == 0 and upper.stdout == screened.stdout  # names match case-insensitively


def test_min_weight_group_and_dir_options(tmp_path: Path) -> None:
    runner, config = runner_for(tmp_path)
    args = ["--min-weight", "5.24", "--group", "ETF", "--dir", str(tmp_path / "elsewhere")]
    result = runner.invoke(app, ["universe", "import-holdings", str(remx()), "--name", "top", *args, *config])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "work" / "universes").exists()
    path = tmp_path / "elsewhere" / "top.toml"
    data = tomllib.loads(path.read_text())
    assert [c["ticker"] for c in data["company"]][-1] == "PLS.AX" and len(data["company"]) == 8
    assert {c["group"] for c in data["company"]} == {"ETF"}
    assert "weight threshold: >= 5.24%" in path.read_text() and "17 below the threshold" in path.read_text()
    assert "17 holdings below --min-weight" in result.stderr


def test_unmapped_and_skipped_lines_are_reported_on_stderr_and_in_the_header(tmp_path: Path) -> None:
    source = write(
        tmp_path / "holdings.csv",
        [
            "Holdings as of 01/30/2026",
            HEADER,
            '1,MP US,"Mp Materials Corp ""MP""",X,1,Stock,$1, -- ,5.73%',
            "2,XYZ ZZ,Nowhere Mining,X,1,Stock,$1, -- ,1.00%",
            "3,--,Cash & Other,,,Cash,$1, -- ,0.09%",
        ],
    )
    runner, config = runner_for(tmp_path)
    result = runner.invoke(app, ["universe", "import-holdings", str(source), "--name", "mixed", *config])
    assert result.exit_code == 0, result.output
    assert "unmapped: Nowhere Mining (XYZ ZZ)" in result.stderr
    assert "skipped: Cash & Other (Cash, line 5)" in result.stderr
    text = (tmp_path / "work" / "universes" / "mixed.toml").read_text()
    assert "#   - 'Nowhere Mining', 'XYZ ZZ' (line 4)" in text and "'Cash & Other' (Cash, 0.09%, line 5)" in text
    assert "holdings date: 2026-01-30" in text
    universe = load_universe(tmp_path / "work" / "universes" / "mixed.toml")
    assert [(c.ticker, c.name) for c in universe.companies] == [("MP", 'Mp Materials Corp "MP"')]  # escaped


def test_an_existing_file_is_kept_unless_replace(tmp_path: Path) -> None:
    runner, config = runner_for(tmp_path)
    command = ["universe", "import-holdings", str(remx()), "--name", "remx", *config]
    assert runner.invoke(app, command).exit_code == 0
    path = tmp_path / "work" / "universes" / "remx.toml"
    path.write_text(path.read_text() + "# my edit\n")
    again = runner.invoke(app, command)
    assert again.exit_code == 2 and "--replace" in again.stderr and "exists" in again.stderr
    assert path.read_text().endswith("# my edit\n")
    edited = path.read_bytes()
    replaced = runner.invoke(app, [*command, "--replace"])
    assert replaced.exit_code == 0 and "# my edit" not in path.read_text()
    backup = path.with_name("remx.toml.bak")  # #21: the curated file is kept, not lost
    assert backup.read_bytes() == edited and str(backup) in replaced.stderr


def test_a_name_of_a_configured_universe_or_a_path_is_refused(tmp_path: Path) -> None:
    runner, config = runner_for(tmp_path)
    for name, needle in (("Producers", "already has a universe"), ("../x", "--name")):
        result = runner.invoke(app, ["universe", "import-holdings", str(remx()), "--name", name, *config])
        assert result.exit_code == 2 and needle in result.stderr, result.output
    assert not (tmp_path / "work" / "universes").exists() and not (tmp_path / "work" / "x.toml").exists()


@pytest.mark.parametrize(
    ("lines", "needles"),
    [
        (["just,some,text", "MP US,5%"], ["bad.csv:1:", "header"]),
        (
            [HEADER, "1,MP US,Mp,X,1,Stock,$1, -- ,5.73%", "2,LYC AU,Lynas,X,1,Stock,$1, -- ,abc"],
            ["bad.csv:3:", "% of Net Assets", "abc"],
        ),
    ],
)
def test_malformed_files_exit_2_naming_line_and_field(tmp_path: Path, lines: list[str], needles: list[str]) -> None:
    source = write(tmp_path / "bad.csv", lines)
    runner, config = runner_for(tmp_path)
    result = runner.invoke(app, ["universe", "import-holdings", str(source), "--name", "bad", *config])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert not (tmp_path / "work" / "universes" / "bad.toml").exists()


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    runner, config = runner_for(tmp_path)
    result = runner.invoke(app, ["universe", "import-holdings", str(tmp_path / "gone.csv"), "--name", "g", *config])
    assert result.exit_code == 2 and "gone.csv" in result.stderr and "not found" in result.stderr


def test_with_the_bundled_defaults_it_writes_into_the_user_config_folder(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}
    runner = EnvRunner(lambda: make_env(environ=environ, cwd=tmp_path))
    result = runner.invoke(app, ["universe", "import-holdings", str(remx()), "--name", "remx"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xdg-config" / "screener" / "universes" / "remx.toml").is_file()
    assert not (UNIVERSES / "remx.toml").exists()
    screened = runner.invoke(app, ["screen", "-u", "remx", "--source", "snapshot", "--format", "csv"])
    assert screened.exit_code == 0 and "LYC.AX" in screened.stdout and "ALB" in screened.stdout


# --- `-u NAME` resolution and the weight field ---------------------------------------------------------------------
def test_names_resolve_configured_first_then_the_universes_folder_case_insensitively(tmp_path: Path) -> None:
    configured = (UNIVERSES / "producers.toml",)
    folder = tmp_path / "universes"
    folder.mkdir()
    for name in ("producers", "REMX"):
        (folder / f"{name}.toml").write_text("")
    assert resolve_universe_args(["PRODUCERS"], configured, folder) == [configured[0]]
    assert resolve_universe_args(["remx"], configured, folder) == [folder / "REMX.toml"]
    with pytest.raises(Exception, match="unknown universe"):
        resolve_universe_args(["remx"], configured, None)


@pytest.mark.parametrize("weight", ["120", "-1", '"8%"'])
def test_the_weight_field_is_a_number_from_0_to_100(weight: str) -> None:
    text = (
        '[[company]]\nticker = "MP"\nname = "MP"\ngroup = "G"\ncurrency = "USD"\nfiscal_year_end_month = 12\n'
        f"weight = {weight}\n"
    )
    with pytest.raises(UniverseError) as error:
        parse_universe(Path("u.toml"), text)
    assert error.value.field == "company[0].weight" and error.value.line == 7
    ok = parse_universe(Path("u.toml"), text.replace(f"weight = {weight}", "weight = 100"))
    assert ok.companies[0].weight == 100.0
