"""One truth on every surface (#20 item 4): the snapshot comp table, the correlation table (600111.SS against the
Nd oxide series, real data from ../shared) and the drift findings rendered on all five surfaces — the terminal
table (text), CSV, JSON, the workbook (read back with openpyxl) and the HTML report (html.parser) — checked cell by
cell: the same value at each surface's precision and the same marks.

The CSV is the reference for values (raw numbers, the PM contract; JSON carries them in full, which the displayed
roundings are taken from); JSON's ``marks`` for marks, themselves checked against the CSV's flags (the rules of
:mod:`screener.core.flags`). The test's own formats below say each surface's
precision (terminal and HTML: one decimal of a percentage or a multiple, prices to the cent, yen and market caps
whole; the workbook: the raw number with a number format of that precision)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest

from screener.cli import app
from screener.core.flags import FLAGS
from screener.render.report_html import COMP_COLUMNS, FORWARD_COLUMNS, with_forward
from screener.render.tables import EXTRA_COLUMNS, RATING_COLUMNS, VALUATION_COLUMNS
from screener.render.workbook import CSV_FIELDS, OUT_OF_BAND_FILL, SUSPECT_FONT, TITLE_ROWS

from .conftest import SHARED_DATA, EnvRunner, make_config, need

FX = SHARED_DATA / "fx" / "DEXCHUS_usdcny_1981_2025.csv"
ND = SHARED_DATA / "oxides" / "cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv"
NRE = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv"
AS_OF = ["--source", "snapshot", "--as-of", "2025-10-10"]
PERCENT = {"upside", "dividend_yield", "etr", "roe_fy1", "roe_fy2", "dy_fy1", "dy_fy2", "ytd_change", "pb_pctile",
           "pe_pctile", "rev_growth_fy1", "eps_growth_fy1", "roe_ntm", "dy_ntm", "eps_rev_1m",
           "eps_rev_3m"}  # fmt: skip
MULTIPLE = {"pe_fy1", "pe_fy2", "pb_fy1", "pb_fy2", "ev_ebitda_fy1", "ev_ebitda_fy2", "net_debt_to_ebitda_fy1",
            "pe_ntm", "pb_ntm", "ev_ebitda_ntm"}  # fmt: skip
RAW = {"pe": "EPS", "pb": "BVPS", "ev_ebitda": "EBITDA"}
CORRELATION_HEADERS = {
    "Ticker": "ticker", "Name": "name", "Series": "series", "n": "n", "From": "start", "To": "end", "Corr": "corr",
    "Beta": "beta", "t (HAC)": "beta_t_hac", "R²": "r2", "Rolling last": "rolling_corr_last", "Best lag": "best_lag",
    "Lag corr": "best_lag_corr", "Level corr (levels!)": "level_corr", "Status": "status",
}  # fmt: skip
"""The correlation table's headers on the terminal and in the report, by CSV column."""


@dataclass
class Surfaces:
    csv: list[dict[str, str]]
    json: dict[str, Any]
    terminal: dict[str, dict[str, str]]
    book: Any
    html: HtmlTables
    correlation_csv: list[dict[str, str]]
    correlation_json: dict[str, Any]
    correlation_terminal: list[dict[str, str]]
    drift_csv: list[dict[str, str]]
    drift_json: dict[str, Any]
    drift_terminal: list[dict[str, str]]


class HtmlTables(HTMLParser):
    """Each table's body rows by its class: [(row class, [(cell class, title, text)])]; its headers."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[tuple[str, str, str]]]]] = {}
        self.heads: dict[str, list[str]] = {}
        self._table = ""
        self._body = False
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables[self._table], self.heads[self._table] = [], []
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._table and self._body:
            self.tables[self._table].append((dict(attrs).get("class") or "", []))
        elif tag == "td" and self._body:
            self._cell, self._attrs = [], dict(attrs)
        elif tag == "th" and self._table:
            self._cell, self._attrs = [], {}

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._body = False
        elif tag == "td" and self._cell is not None:
            cell = (self._attrs.get("class") or "", self._attrs.get("title") or "", "".join(self._cell))
            self.tables[self._table][-1][1].append(cell)
            self._cell = None
        elif tag == "th" and self._cell is not None:
            self.heads[self._table].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def text_tables(text: str) -> list[list[dict[str, str]]]:
    """Every box-drawn table of a terminal text: its rows as {header: cell text}."""
    tables: list[list[dict[str, str]]] = []
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            header = [h.strip() for h in line.strip("┃").split("┃")]
            tables.append([])
        elif line.startswith("│"):
            tables[-1].append(dict(zip(header, (c.strip() for c in line.strip("│").split("│")), strict=True)))
    return tables


RATING_KEYS = {c.header: c.key for c in RATING_COLUMNS}
VALUATION_KEYS = {c.header: c.cell or c.key for c in (*VALUATION_COLUMNS, *EXTRA_COLUMNS)}
"""The terminal tables' headers by CSV column (the table's own declarations; the Est column shows ``estimate``)."""


def _cli(runner: EnvRunner, *args: str, codes: tuple[int, ...] = (0,)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output
    return result.stdout


@pytest.fixture(scope="module")
def surfaces(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from openpyxl import load_workbook

    folder = tmp_path_factory.mktemp("surfaces")
    cfg = ("--config", str(make_config(folder / "work")))
    runner = EnvRunner()
    _cli(runner, "fx", "import", str(need(FX)), "--currency", "CNY", *cfg)
    _cli(runner, "oxides", "import", str(need(ND)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
         "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", *cfg)  # fmt: skip
    _cli(runner, "prices", "import", str(need(NRE)), "--ticker", "600111 CH", *cfg)
    _cli(runner, "drift", *AS_OF, *cfg, codes=(4,))  # a rating history: the report and the workbook show drift
    for name, command in (("comps", "screen"), ("drift", "drift")):
        _cli(runner, command, *AS_OF, *cfg, "--wide", "--out", str(folder / f"{name}.txt"), codes=(0, 4))
    _cli(runner, "correlate", "--as-of", "2025-10-10", *cfg, "--wide", "--out", str(folder / "correlation.txt"))
    _cli(runner, "export", *AS_OF, *cfg, "--out", str(folder / "book.xlsx"))
    _cli(runner, "report", *AS_OF, *cfg, "--out", str(folder / "report.html"))

    def rows(*args: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(_cli(runner, *args, *cfg, "--format", "csv", codes=(0, 4)))))

    def payload(*args: str) -> dict[str, Any]:
        return json.loads(_cli(runner, *args, *cfg, "--format", "json", codes=(0, 4)))  # type: ignore[no-any-return]

    comps = text_tables((folder / "comps.txt").read_text())
    terminal: dict[str, dict[str, str]] = {}
    for table, keys in zip(comps, (RATING_KEYS, VALUATION_KEYS), strict=True):  # the two tables of a row merged
        for row in table:  # by CSV column, keyed by ticker (companies) or the name (statistics)
            if row["Ticker"] or row["Name"] not in {"Producers", "Magnets", "All groups"}:
                cells = {keys[h]: text for h, text in row.items()}
                terminal.setdefault(row["Ticker"] or row["Name"], {}).update(cells)
    book = load_workbook(folder / "book.xlsx")
    yield Surfaces(
        rows("screen", *AS_OF), payload("screen", *AS_OF), terminal, book,
        HtmlTables((folder / "report.html").read_text(encoding="utf-8")),
        rows("correlate", "--as-of", "2025-10-10"), payload("correlate", "--as-of", "2025-10-10"),
        text_tables((folder / "correlation.txt").read_text())[0],
        rows("drift", "--no-record", *AS_OF), payload("drift", "--no-record", *AS_OF),
        text_tables((folder / "drift.txt").read_text())[0],
    )  # fmt: skip
    book.close()


def shown(column: str, raw: Any, currency: str, nm_input: float | None = None) -> str:
    """A value (JSON's: the CSV's to 10 digits, in full) as the terminal and the HTML report show it (the test's
    own formats)."""
    if column in TEXT or isinstance(raw, str):
        label = RAW.get(column.rpartition("_")[0])
        return f"NM ({label} {nm_input:,.2f})" if raw == "NM" and nm_input is not None else str(raw)
    number = float(raw)
    if column in PERCENT:
        return f"{number * 100:,.1f}%"
    if column in MULTIPLE:
        return f"{number:,.1f}x"
    if column == "weight":
        return f"{number * 100:.2f}%"
    if column in ("pb_z",):
        return f"{number:+.2f}"
    if column == "peg_fy1":
        return f"{number:.2f}"
    if column in ("market_cap_usd_m", "fy1") or (column in ("price", "target_price") and currency == "JPY"):
        return f"{number:,.0f}" if column != "fy1" else f"{number:.0f}"
    return f"{number:,.2f}"


def excel_format(column: str, currency: str) -> str:
    """The workbook's number format of a column (the same precision as the terminal's)."""
    if column in PERCENT:
        return "0.0%"
    if column in MULTIPLE:
        return '#,##0.0"x"'
    if column in ("pb_z", "peg_fy1"):
        return "0.00"
    if column == "fy1":
        return "0"
    whole = column == "market_cap_usd_m" or currency == "JPY"
    return "#,##0" if whole else "#,##0.00"


TEXT = {"ticker", "name", "currency", "house_rating", "rule_rating", "flags", "tags", "source", "in_band", "price_date"}


def html_rows(surfaces: Surfaces) -> dict[str, dict[str, tuple[str, str, str]]]:
    """The report's comp rows by ticker (statistic rows: by name), each cell (class, title, text) by CSV column: the
    comp table and the twelve-months-forward table merged (one row, two tables)."""
    html: dict[str, dict[str, tuple[str, str, str]]] = {}
    for table, columns in (("comps", with_forward(COMP_COLUMNS)), ("forward", FORWARD_COLUMNS)):
        for kind, cells in surfaces.html.tables[table]:
            if kind != "band":
                html.setdefault(cells[0][2] or cells[1][2], {}).update(zip([k for k, _ in columns], cells, strict=True))
    return html


def test_comp_table_cell_by_cell_on_five_surfaces(surfaces: Surfaces) -> None:
    marks: dict[str, dict[str, list[str]]] = surfaces.json["marks"]
    nm_inputs = surfaces.json["nm_inputs"]
    sheet = surfaces.book["Comps"]
    heads = [c.value for c in sheet[TITLE_ROWS + 1]]
    book = {line[1].value if line[0].value is None else line[0].value: dict(zip(heads, line, strict=True))
            for line in sheet.iter_rows(min_row=TITLE_ROWS + 2)}  # fmt: skip
    html = html_rows(surfaces)
    assert len(surfaces.csv) == len(surfaces.json["rows"]) > 25
    checked = 0
    seen: dict[str, set[str]] = {"terminal": set(), "html": set()}
    for record, as_json in zip(surfaces.csv, surfaces.json["rows"], strict=True):
        key = record["ticker"] or record["name"]
        currency, ticker = record["currency"], record["ticker"]
        terminal = surfaces.terminal[key]
        excel = {CSV_FIELDS[h]: cell for h, cell in book[key].items()}
        for column, raw in record.items():
            if column in ("row_type", "group", "as_of", "chg_1m", "chg_3m", "chg_12m"):
                continue  # identity and context columns the table does not show
            assert str(as_json[column]) == raw or float(as_json[column]) == pytest.approx(float(raw), rel=1e-9)
            cell_marks = set(marks.get(ticker, {}).get(column, []))
            text = shown(column, as_json[column], currency, nm_inputs.get(ticker, {}).get(column))
            if column == "in_band":
                text = {"true": "in", "false": "OUT", "": ""}[raw]
            elif column in ("flags", "tags"):  # lists: space-separated on the terminal and the page
                text = raw.replace(";", " ")
            text += "?" if "implausible" in cell_marks else ""
            if column in terminal:
                assert terminal[column] == text, (key, column)
                seen["terminal"].add(column)
            if column in html[key]:
                seen["html"].add(column)
                css, title, html_text = html[key][column]
                assert html_text == text, (key, column)
                assert ("implausible" in css.split()) == ("implausible" in cell_marks), (key, column)
                assert ("out" in css.split()) == ("out_of_band" in cell_marks), (key, column)
                assert title == (FLAGS["dy_implausible"] if "implausible" in cell_marks else title)
            if column not in excel:  # the Weight column only when a company has an ETF weight
                assert column == "weight" and raw in ("NA", "")  # empty in the statistic rows
                continue
            cell = excel[column]
            if column in TEXT or raw in ("NA", "NM", ""):
                want: Any = {"true": "in", "false": "OUT", "": None}[raw] if column == "in_band" else raw or None
                got = cell.value.date().isoformat() if hasattr(cell.value, "date") else cell.value
                assert got == want, (key, column)
            else:
                assert cell.value == pytest.approx(float(raw), rel=1e-9), (key, column)
                assert cell.number_format == excel_format(column, currency), (key, column)
            colour = str(cell.font.color.rgb)[-6:] if cell.font.color is not None and cell.font.color.rgb else ""
            assert (colour == SUSPECT_FONT.lstrip("#")) == ("implausible" in cell_marks), (key, column)
            fill = str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fgColor.rgb else ""
            assert (fill == OUT_OF_BAND_FILL.lstrip("#")) == ("out_of_band" in cell_marks), (key, column)
            checked += 1
        flags = record["flags"].split(";")  # the marks are the flags' (core/flags), cell by cell
        row_marks = marks.get(ticker, {})
        assert any("implausible" in m for m in row_marks.values()) == ("dy_implausible" in flags), key
        assert ("out_of_band" in row_marks.get("house_rating", [])) == (record["in_band"] == "false"), key
    assert checked > 700
    shown_columns = set(surfaces.csv[0]) - {"row_type", "group", "as_of", "chg_1m", "chg_3m", "chg_12m"}
    assert seen == {"terminal": shown_columns - {"price_date", "source"}, "html": shown_columns - {"weight"}}
    assert {"MP", "600259.SS", "300748.SZ"} <= {
        t for t, m in marks.items() if any("implausible" in v for v in m.values())
    }


def test_report_targets_and_valuation_tables_are_the_terminals(surfaces: Surfaces) -> None:
    """#22 item 2: the report's two comp tables hold the terminal's tables' columns, cell for cell (the terminal
    printed with --wide: its valuation table also has the extra columns, the report's all-columns table has them)."""
    compared = 0
    for css, keys in (("targets", RATING_KEYS), ("valuation", VALUATION_KEYS)):
        heads = surfaces.html.heads[css]
        assert heads and all(h in keys for h in heads), heads
        for kind, cells in surfaces.html.tables[css]:
            if kind == "band":
                continue
            key = cells[0][2] or cells[1][2]
            terminal = surfaces.terminal[key]
            for head, (css_class, _, text) in zip(heads, cells, strict=True):
                assert text == terminal[keys[head]], (css, key, head)
                if text.endswith("?"):  # an implausible yield: marked on both
                    assert "implausible" in css_class.split(), (key, head)
                compared += 1
    assert compared > 600


def test_n_rows_on_the_surfaces_that_show_them(surfaces: Surfaces) -> None:
    counts = surfaces.json["aggregate_counts"]
    sheet = surfaces.book["Comps"]
    heads = [c.value for c in sheet[TITLE_ROWS + 1]]
    n_rows = [dict(zip(heads, line, strict=True)) for line in sheet.iter_rows(min_row=TITLE_ROWS + 2)
              if line[-1].value == "n"]  # fmt: skip
    rows = html_rows(surfaces)
    for group, members in surfaces.json["groups"].items():
        label = f"{group} n (excl.)" + (f" +{members['not_counted']} dual" if members["not_counted"] else "")
        terminal = surfaces.terminal[label]
        html = rows[label]
        excel = next({CSV_FIELDS[h]: c.value for h, c in row.items()} for row in n_rows if row["Name"].value == label)
        for column, stat in counts[f"{group}:mean"].items():
            text = f"{stat['n']} ({stat['excluded']})"
            assert terminal.get(column, text) == html[column][2] == text, (group, column)
            assert excel[column] == stat["n"], (group, column)


def test_correlation_table_on_five_surfaces(surfaces: Surfaces) -> None:
    sheet = surfaces.book["Correlation"]
    heads = [c.value for c in sheet[4]]
    book = [dict(zip(heads, line, strict=True)) for line in sheet.iter_rows(min_row=5)]
    html_keys = [CORRELATION_HEADERS[h] for h in surfaces.html.heads["correlation"]]
    assert {"beta_t_hac", "corr", "n", "best_lag"} <= set(html_keys)
    html = [dict(zip(html_keys, cells, strict=True)) for _, cells in surfaces.html.tables["correlation"]]
    terminal = surfaces.correlation_terminal
    rows = surfaces.correlation_csv
    assert len(rows) == len(book) == len(html) == len(terminal) == len(surfaces.correlation_json["rows"]) > 10
    nre = rows[0]
    assert (nre["ticker"], nre["series"]) == ("600111.SS", "nd_cn") and nre["beta_t_hac"] != "NA"
    seen: set[str] = set()
    for record, as_json, excel, page, text in zip(rows, surfaces.correlation_json["rows"], book, html, terminal,
                                                  strict=True):  # fmt: skip
        for column, raw in record.items():
            value = as_json[column]
            assert (value is None and raw == "NA") or str(value) == raw or float(value) == float(raw), column
            cell = excel[column]
            if column in ("n", "best_lag") and raw != "NA":
                assert cell.value == int(raw) and cell.number_format == "0"
                want = f"{int(raw):+d}" if column == "best_lag" else raw
            elif column in ("ticker", "name", "series", "freq", "start", "end") or raw == "NA":
                got = cell.value.date().isoformat() if hasattr(cell.value, "date") else cell.value
                assert got == (raw or None), column
                want = raw
            else:
                assert cell.value == pytest.approx(float(raw), rel=1e-12) and cell.number_format == "0.00", column
                want = f"{float(raw):.2f}"
            if column in page:
                assert page[column][2] == want, (record["ticker"], column)  # the report's t (HAC) is no longer NA
            terminal_text = {CORRELATION_HEADERS.get(h): v for h, v in text.items()}
            if column in terminal_text:
                assert terminal_text[column] == want, (record["ticker"], column)
                seen.add(column)
        assert text["Rolling min–max"] == (
            "NA" if record["rolling_corr_min"] == "NA"
            else f"{float(record['rolling_corr_min']):.2f} – {float(record['rolling_corr_max']):.2f}"
        )  # fmt: skip
        assert text["Status"] == page["status"][2] == excel["status"].value or ""
    assert seen == set(CORRELATION_HEADERS.values()) - {"status"}  # every column but the range, checked


def test_drift_findings_on_five_surfaces(surfaces: Surfaces) -> None:
    sheet = surfaces.book["Drift"]
    header = next(i for i, line in enumerate(sheet.iter_rows(values_only=True), 1) if line[0] == "Ticker")
    book = [line for line in sheet.iter_rows(min_row=header + 1) if line[0].value]
    html = surfaces.html.tables["drift"]
    findings = surfaces.drift_json["findings"]
    rows = surfaces.drift_csv
    assert len(rows) == len(findings) == len(book) == len(html) == len(surfaces.drift_terminal) >= 4
    for record, item, excel, (kind, page), text in zip(rows, findings, book, html, surfaces.drift_terminal,
                                                       strict=True):  # fmt: skip
        review = record["needs_review"] == "true"
        fields = (record["ticker"], record["name"], record["finding"], record["detail"])
        assert (item["ticker"], item["name"], item["finding"], item["detail"], item["needs_review"]) == (
            *fields,
            review,
        )
        assert tuple(c.value for c in excel) == (fields[0], fields[1], fields[2], review, fields[3])
        fill = str(excel[2].fill.fgColor.rgb)[-6:] if excel[2].fill.fgColor.rgb else ""
        assert (fill == OUT_OF_BAND_FILL.lstrip("#")) == review
        assert tuple(c[2] for c in page) == (fields[0], fields[1], fields[2], "yes" if review else "no", fields[3])
        assert (kind == "review") == review
        assert (text["Review"], text["Ticker"], text["Name"], text["Finding"], text["Detail"]) == (
            "yes" if review else "no", *fields[:3], fields[3])  # fmt: skip
    assert [r["needs_review"] for r in rows] == sorted((r["needs_review"] for r in rows), reverse=True)
