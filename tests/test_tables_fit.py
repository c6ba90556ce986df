"""Tables that fit (#13): at 80, 120 and 200 columns every table the CLI prints keeps each shown cell whole, no
line is wider than the terminal, the footer names exactly the columns left out; --columns picks, --wide shows all.

Each table is parsed back from the text output (header row, logical rows with wrapped continuation lines joined)
and compared with the same command's --wide rendering (every column at its natural width) and with the CSV of
the same data.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from screener.cli import app
from screener.render import correlation as rc
from screener.render import formatting as f
from screener.render import listings, tables
from screener.render.fit import HINT, FittedTable, Row, Spec, View
from screener.render.tables import EXTRA_COLUMNS

from .conftest import CONFIG, SHARED_DATA, EnvRunner, make_config, make_env, need
from .test_charts import synthetic_universe, without_producers

WIDTHS = (80, 120, 200)
SNAPSHOT = ["--source", "snapshot", "--config", str(CONFIG)]
A_SHARES = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022"
OXIDES = SHARED_DATA / "oxides" / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"
FX_CNY = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"
FOOTER = re.compile(r"hidden at (\d+) columns: (.*?) — use --wide or --columns")


# --------------------------------------------------------------------------------------------- parsing
@dataclass
class Parsed:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)  # logical rows: wrapped lines joined with a space
    lines: list[list[str]] = field(default_factory=list)  # physical body lines
    hidden: list[str] | None = None  # the footer's names; None without a footer
    hidden_at: int | None = None


def _cells(line: str, bar: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split(bar)]


def parse(text: str) -> list[Parsed]:
    """Every table in the output, in order, each with the footer line printed after it (if any)."""
    found: list[Parsed] = []
    between: list[str] = []

    def close() -> None:
        if found:
            match = FOOTER.search(" ".join(line.strip() for line in between))
            if match:
                found[-1].hidden_at = int(match.group(1))
                found[-1].hidden = match.group(2).split(", ")
        between.clear()

    in_table = False
    for line in text.splitlines():
        start = line.lstrip()[:1]
        if start == "┏":
            close()
            in_table = True
        elif in_table and start == "┃":
            found.append(Parsed(_cells(line, "┃")))
        elif in_table and start == "│":
            cells = _cells(line, "│")
            table = found[-1]
            table.lines.append(cells)
            if table.rows and cells[0] == "" and (len(cells) < 2 or cells[1] == "") and any(cells):
                table.rows[-1] = [f"{a} {b}".strip() for a, b in zip(table.rows[-1], cells, strict=True)]
            else:
                table.rows.append(cells)
        elif in_table and start in "┡├":
            continue
        elif start == "└":
            in_table = False
        elif not in_table:
            between.append(line)
    close()
    return found


def rejoin_labels(got: Parsed, full: Parsed) -> list[list[str]]:
    """A group or statistic label (blank ticker) wrapped over lines, joined back, guided by the --wide rows (only
    lines whose other cells are all empty are continuations)."""
    if "Name" not in got.headers or "Ticker" not in got.headers or got.headers.index("Name") != 1:
        return got.rows
    rows: list[list[str]] = []
    pending = list(got.rows)
    for whole in full.rows:
        if not pending:
            break
        row = pending.pop(0)
        while row[0] == "" and row[1] != whole[1] and pending and pending[0][0] == "" and not any(pending[0][2:]):
            row = [row[0], f"{row[1]} {pending.pop(0)[1]}", *row[2:]]
        rows.append(row)
    return rows + pending


def width_of(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


# --------------------------------------------------------------------------------------------- checks
NAMES = {"Name"}  # the only cells that may be shortened (with …)
OPT_IN = {c.header for c in EXTRA_COLUMNS}  # shown with --wide or --columns only, never dropped-and-named


def assert_fits(text: str, wide_text: str, width: int) -> list[Parsed]:
    """No line wider than ``width``; each table's shown columns + the footer's = all columns of the --wide
    table; every shown cell equal to the --wide cell (a name may end in … instead); no … elsewhere."""
    assert width_of(text) <= width, f"a line is wider than {width}:\n{text}"
    narrow, wide = parse(text), parse(wide_text)
    assert len(narrow) == len(wide) and narrow, text
    for got, full in zip(narrow, wide, strict=True):
        assert full.hidden is None
        hidden = got.hidden or []
        assert got.hidden is None or got.hidden_at == width
        assert set(got.headers).isdisjoint(hidden)
        every = [h for h in full.headers if h not in OPT_IN or h in got.headers]  # opt-in: only --wide/--columns
        assert sorted(got.headers + hidden) == sorted(every), (got.headers, hidden, full.headers)
        assert [h for h in every if h in hidden] == hidden  # in display order
        got.rows = rejoin_labels(got, full)
        assert len(got.rows) == len(full.rows)
        for row, whole in zip(got.rows, full.rows, strict=True):
            for header, cell in zip(got.headers, row, strict=True):
                want = whole[full.headers.index(header)]
                if header in NAMES and cell != want:
                    assert cell.endswith("…") and want.startswith(cell[:-1]) and len(cell) >= tables.COMP_NAME_MIN, (
                        cell,
                        want,
                    )
                else:
                    assert cell == want, f"{header}: {cell!r} != {want!r} at {width} columns"
    return narrow


def run(args: list[str], width: int = 200) -> str:
    result = EnvRunner(lambda: make_env(width=width)).invoke(app, args)
    assert result.exit_code in (0, 4), result.output  # drift exits 4 when something needs review
    return result.stdout


def check_command(args: list[str]) -> dict[int, list[Parsed]]:
    wide = run([*args, "--wide"], width=80)
    assert "hidden at" not in wide
    return {w: assert_fits(run(args, w), wide, w) for w in WIDTHS}


# --------------------------------------------------------------------------------------------- screen
def by_ticker(table: Parsed) -> dict[str, dict[str, str]]:
    return {row[0]: dict(zip(table.headers, row, strict=True)) for row in table.rows if row[0]}


def test_screen_cells_whole_at_every_width() -> None:
    shown = check_command(["screen", *SNAPSHOT])
    records = list(csv.DictReader(io.StringIO(run(["screen", *SNAPSHOT, "--format", "csv"]))))
    companies = {r["ticker"]: r for r in records if r["row_type"] == "company"}
    for ratings, valuation in shown.values():
        rows = by_ticker(ratings)
        assert set(rows) == set(companies)
        for ticker, row in rows.items():
            record = companies[ticker]
            for header, key, fmt in (("Upside", "upside", f.percent), ("ETR", "etr", f.percent)):
                if header in row:
                    value = record[key]
                    assert row[header] == (value if value in ("NA", "NM") else fmt(float(value)))
            if "Rule" in row:
                assert row["Rule"] == (record["rule_rating"] or "NA")
            if "House" in row:
                assert row["House"] == (record["house_rating"] or "NR")
            assert row["Ticker"] == ticker
            assert "\n" not in row["Name"] and row["Name"].rstrip("…") in record["name"]
        nre = rows["600111.SS"]
        # as of the snapshot's date: ETR = 72 / 53.13 − 1 + FY1 DPS 0.08 / 53.13 (the FY1 2025 yield counts)
        assert nre.get("Upside", "35.5%") == "35.5%" and nre["ETR"] == "35.7%"
        assert rows["000831.SZ"]["Rule"] == "Neutral"
        assert "P/E FY1" in valuation.headers
        assert "…" not in "".join(c for line in ratings.lines + valuation.lines for c in line[2:])
    assert shown[200][0].hidden is None and shown[80][0].hidden  # room for all at 200; not at 80
    assert "Flags" in shown[120][0].hidden  # type: ignore[operator]


def test_screen_wide_shows_every_column_and_columns_picks() -> None:
    wide = parse(run(["screen", *SNAPSHOT, "--wide"], width=80))
    rating_headers = [c.header for c in tables.RATING_COLUMNS[:-1]]  # Src: only when sources differ
    history = [c.header for c in tables.EXTRA_COLUMNS]  # percentile and growth columns: with --wide, not by default
    assert [t.headers for t in wide] == [rating_headers, [c.header for c in tables.VALUATION_COLUMNS] + history]
    default = parse(run(["screen", *SNAPSHOT], width=400))
    assert not set(history) & {h for t in default for h in t.headers + (t.hidden or [])}
    assert width_of(run(["screen", *SNAPSHOT, "--wide"], width=80)) > 80

    (picked,) = parse(run(["screen", *SNAPSHOT, "--columns", "etr,flags"], width=120))
    assert picked.headers == ["Ticker", "Name", "ETR", "Flags"] and picked.hidden is None
    both = parse(run(["screen", *SNAPSHOT, "--columns", "pe_fy1,rule_rating"], width=80))
    assert [t.headers for t in both] == [["Ticker", "Name", "Rule"], ["Ticker", "Name", "P/E FY1"]]
    (pct,) = parse(run(["screen", *SNAPSHOT, "--columns", "pb_pctile,pb_z"], width=120))
    assert pct.headers == ["Ticker", "Name", "P/B pctile", "P/B z"]


@pytest.mark.parametrize("args", [["screen", *SNAPSHOT], ["universe", "list", "--config", str(CONFIG)]])
def test_unknown_column_is_one_line_exit_2(args: list[str]) -> None:
    result = EnvRunner(lambda: make_env(width=120)).invoke(app, [*args, "--columns", "etr,bogus"])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message and "'bogus'" in message and "--columns" in message
    assert "one of" in message and ("pe_fy1" in message or "companies" in message)


# --------------------------------------------------------------------------------------------- other tables
def test_snapshot_tables_fit(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    drift = check_command(["drift", "--source", "snapshot", *cfg])
    assert drift[80][0].headers[:3] == ["Review", "Ticker", "Name"]
    runs = check_command(["history", "list", *cfg])
    day = runs[80][0].rows[0][0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day)
    recorded = check_command(["history", "show", day, *cfg])
    assert {"Ticker", "Name", "ETR"} <= set(recorded[80][0].headers)
    check_command(["universe", "list", *cfg])
    universe = check_command(["universe", "show", "producers", *cfg])
    assert universe[80][0].hidden  # eleven columns do not fit 80
    check_command(["view", "history", "600111.SS", *cfg])
    financials = check_command(["financials", "-u", "producers", *SNAPSHOT, *cfg])
    assert financials[80][0].hidden and financials[80][0].headers[:3] == ["Ticker", "Name", "Year"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose store holds real CNY FX, the Nd oxide series and two A-share histories from ../shared."""
    config = make_config(tmp_path_factory.mktemp("fit") / "w")
    cfg = ["--config", str(config)]
    runner = EnvRunner()
    steps = [
        ["fx", "import", str(need(FX_CNY)), "--currency", "CNY"],
        ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
         "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included"],
        ["prices", "import", str(need(A_SHARES / "600111.SS.csv")), "--ticker", "600111.SS"],
        ["prices", "import", str(need(A_SHARES / "000831.SZ.csv")), "--ticker", "000831.SZ"],
    ]  # fmt: skip
    for step in steps:
        result = runner.invoke(app, [*step, *cfg])
        assert result.exit_code == 0, result.output
    return config


def test_correlate_fits(stored: Path) -> None:
    args = ["correlate", "-u", "producers", "--oxide", "nd_cn", "--start", "2013-01-01", "--config", str(stored)]
    shown = check_command(args)
    records = {r["ticker"]: r for r in csv.DictReader(io.StringIO(run([*args, "--format", "csv"])))}
    for (table,) in shown.values():
        assert len(table.lines) == len(table.rows) == len(records)  # a name on one line, never wrapped
        for row in table.rows:
            cells = dict(zip(table.headers, row, strict=True))
            record = records[cells["Ticker"]]
            assert cells["Ticker"] == record["ticker"]  # never "6001…"
            for header, key in (("From", "start"), ("To", "end"), ("Series", "series")):
                if header in cells and record["n"] != "0":
                    assert cells[header] == record[key]
            if "Corr" in cells and record["corr"] != "NA":
                assert cells["Corr"] == f"{float(record['corr']):.2f}"
    nre = dict(zip(shown[120][0].headers, shown[120][0].rows[0], strict=True))
    assert nre["Ticker"] == "600111.SS" and re.fullmatch(r"2013-01-\d\d", nre["From"])
    assert shown[80][0].hidden and shown[200][0].hidden is None
    (picked,) = parse(run([*args, "--columns", "corr,start,level_corr"], width=80))
    assert picked.headers == ["Ticker", "Name", "Corr", "From", "Level corr (levels!)"]  # the order given (#24 item 4)


def test_oxides_list_fits(stored: Path) -> None:
    shown = check_command(["oxides", "list", "--config", str(stored)])
    for table in (t for tables_ in shown.values() for t in tables_):
        nd = dict(zip(table.headers, next(r for r in table.rows if r[0] == "nd_cn"), strict=True))
        if "From" in nd:
            assert nd["From"] == "2013-01-04"
        assert len(table.lines) == len(table.rows)


def test_cache_info_fits(stored: Path) -> None:
    shown = check_command(["cache", "info", "--config", str(stored)])
    kinds = {row[0] for row in shown[80][0].rows}
    assert {"prices", "oxides", "fx"} <= kinds, kinds


def test_value_fits(stored: Path, tmp_path: Path) -> None:
    universe = synthetic_universe(tmp_path, band_k=1.0)
    args = ["value", "600111.SS", "-u", str(universe), "--source", "store", "--as-of", "2022-01-14"]
    check_command([*args, "--config", str(without_producers(stored))])  # the universe restates 600111.SS


# --------------------------------------------------------------------------------------------- the helper
def render(renderable: object, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable, crop=False)
    return console.export_text()


SPECS = (
    Spec("ticker", "Ticker"),
    Spec("name", "Name", shrink=6),
    Spec("a", "Alpha", 2, "right"),
    Spec("b", "Beta", 1, "right"),
    Spec("c", "Gamma", 3),
)
ROWS = [Row(["600111.SS", "A very long company name", "1,234.5%", "-12.34", "2013-01-04"])]


def test_drops_least_important_first_and_names_it() -> None:
    table = FittedTable(SPECS, ROWS)
    full = render(table, 200)
    assert width_of(full) == table.total(table.natural) and "hidden" not in full
    # one column short: the name gives way (one line, …), nothing is dropped
    (parsed,) = parse(render(table, table.total(table.natural) - 1))
    assert parsed.hidden is None and parsed.rows[0][1] == "A very long company na…"
    assert parsed.rows[0][2:] == ["1,234.5%", "-12.34", "2013-01-04"]
    # the name at its least and still too wide: Gamma (priority 3) goes first
    least = table.total(table.least)
    text = render(table, least - 1)
    (parsed,) = parse(text)
    assert parsed.headers == ["Ticker", "Name", "Alpha", "Beta"] and parsed.hidden == ["Gamma"]
    assert "2013-01-04" not in text and text.splitlines()[-1] == f"hidden at {least - 1} columns: Gamma — {HINT}"
    assert parsed.rows[0][2:] == ["1,234.5%", "-12.34"] and parsed.rows[0][1] == "A very long compa…"  # freed room
    # then Alpha (2) before Beta (1), by priority though Beta stands to its right
    (parsed,) = parse(render(table, table.total([9, 6, 8, 6]) - 1))
    assert parsed.headers == ["Ticker", "Name", "Beta"] and parsed.hidden == ["Alpha", "Gamma"]
    # identity alone: shown even so, whole
    assert "600111.SS" in render(table, 12)


def test_view_columns_and_wide() -> None:
    picked = FittedTable(SPECS, ROWS, View(("c",)))
    (parsed,) = parse(render(picked, 200))
    assert parsed.headers == ["Ticker", "Name", "Gamma"]
    wide = FittedTable(SPECS, ROWS, View(None, wide=True))
    text = render(wide, 30)
    assert width_of(text) > 30 and "hidden" not in text and "1,234.5%" in text and "2013-01-04" in text
    with pytest.raises(Exception, match=r"unknown column 'zz' \(one of ticker, name, a, b, c\)"):
        View.parse("a,zz", False, [s.key for s in SPECS])
    assert View.parse(" A, b ", True, [s.key for s in SPECS]) == View(("a", "b"), True)


def test_every_table_command_has_the_options() -> None:
    runner = EnvRunner()
    for command in (
        ["screen"], ["correlate"], ["drift"], ["value"], ["oxides", "list"], ["cache", "info"], ["universe", "list"],
        ["universe", "show"], ["history", "list"], ["history", "show"], ["view", "history"],
    ):  # fmt: skip
        text = runner.invoke(app, [*command, "--help"], terminal_width=200).output
        assert "--columns" in text and "--wide" in text, command


def test_correlation_keys_are_csv_names() -> None:
    assert set(rc.TABLE_KEYS) <= set(rc.CSV_COLUMNS) | {"status"}
    assert set(listings.OXIDE_KEYS) >= {"id", "first", "last"}
