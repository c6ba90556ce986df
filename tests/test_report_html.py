"""`screener report --out r.html` (#13): one self-contained page with the comp table, drift, correlation and
charts; read back with an HTML parser (every company row, formats, out-of-band marks, escaping) and rendered in
headless Chromium (rows, every image decoded, no console error, nothing fetched, no sideways scroll on a phone,
the targets and valuation tables within an A4 landscape page when printed)."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from tests.browser import load
from tests.conftest import need
from tests.test_workbook import OXIDES, nre_store, rated_universe  # noqa: F401 (fixture)

SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]


class Page(HTMLParser):
    """Rows of every table by its class: [(row class, [(cell class, text)])]; section ids; images; scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
        self.sections: list[str] = []
        self.images: list[str] = []
        self.scripts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._cell_class = ""
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("class") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table is not None:
            self.tables[self._table].append((a.get("class") or "", []))
        elif tag == "td" and self._in_body:
            self._cell, self._cell_class = [], a.get("class") or ""
        elif tag == "section":
            self.sections.append(a.get("id") or "")
        elif tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table is not None:
            self.tables[self._table][-1][1].append((self._cell_class, "".join(self._cell)))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def write_report(runner: CliRunner, out: Path, *args: str) -> Page:
    result = runner.invoke(app, ["report", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return parse(out)


def snapshot_csv(runner: CliRunner, config: Path) -> list[dict[str, str]]:
    result = runner.invoke(app, ["screen", "--format", "csv", "--config", str(config), *SNAPSHOT])
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_comp_table_rows_formats_and_out_of_band_marks(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    page = write_report(runner, tmp_path / "r.html", "--config", str(config), *SNAPSHOT)
    rows = snapshot_csv(runner, config)
    companies = [r for r in rows if r["row_type"] == "company"]
    table = page.tables["comps"]
    shown = [cells for kind, cells in table if kind == "company"]
    assert [c[0][1] for c in shown] == [r["ticker"] for r in companies]  # every company, in the CSV's order
    bands = [cells[0][1] for kind, cells in table if kind == "band"]
    # the band labels are the cell model's, as the terminal shows them (#20: the overall block is "All groups")
    assert bands == [{"All": "All groups"}.get(g, g) for g in dict.fromkeys(r["group"] for r in rows)]
    aggregates = [cells[1][1] for kind, cells in table if kind == "agg" and " n (excl.)" not in cells[1][1]]
    assert aggregates == [r["name"] for r in rows if r["row_type"] != "company"]
    counts = {cells[1][1]: cells for kind, cells in table if kind == "agg" and " n (excl.)" in cells[1][1]}
    # as the terminal: a group with a second listing of an issuer says so (#20, one cell model)
    groups = list(dict.fromkeys(r["group"] for r in rows))
    assert list(counts) == [f"{g} n (excl.)" + (" +1 dual" if g != "Producers" else "") for g in groups]
    producers_upside = counts["Producers n (excl.)"][7][1]  # 3 names with an upside, 4 without (NA)
    assert producers_upside == "3 (4)"
    nre = next(c for c in shown if c[0][1] == "600111.SS")
    nre_csv = next(r for r in companies if r["ticker"] == "600111.SS")
    assert nre[7][1] == f"{float(nre_csv['upside']) * 100:.1f}%" == "35.5%"  # Upside, as a percentage
    assert nre[14][1] == f"{float(nre_csv['pe_fy1']):,.1f}x"  # P/E FY1, a multiple
    for cells, record in zip(shown, companies, strict=True):
        house = cells[10]
        assert ("out" in house[0].split()) == (record["in_band"] == "false"), record["ticker"]
        assert all("na" in cls.split() for cls, text in cells if text in ("NA", "NM"))
    assert page.sections[:1] == ["comps"] and "drift" not in page.sections  # no history yet: no drift part
    assert page.scripts == 0 and page.images and all(src.startswith("data:image/png;base64,") for src in page.images)


def test_names_are_text_never_markup(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    universe = tmp_path / "hostile.toml"
    universe.write_text(
        '[universe]\nname = "hostile"\n\n[[company]]\nticker = "MP"\nname = "<img src=x onerror=alert(1)>"\n'
        'group = "<b>G</b>"\ncurrency = "USD"\nfiscal_year_end_month = 12\n'
    )
    out = tmp_path / "r.html"
    page = write_report(runner, out, "-u", str(universe), "--config", str(config), *SNAPSHOT)
    text = out.read_text()
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text and "<b>G</b>" not in text
    assert all(src.startswith("data:") for src in page.images)


def test_drift_and_correlation_parts_appear_with_their_data(
    runner: CliRunner,
    nre_store: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    universe = rated_universe(tmp_path)
    args = ["-u", str(universe), "--config", str(nre_store), "--source", "store", "--as-of", "2022-01-14"]
    before = write_report(runner, tmp_path / "before.html", *args)
    assert "correlation" not in before.sections and "drift" not in before.sections
    imported = runner.invoke(
        app, ["oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
              "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", "--config", str(nre_store)],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    recorded = runner.invoke(app, ["drift", *args])
    assert recorded.exit_code in (0, 4), recorded.output
    after = write_report(runner, tmp_path / "after.html", *args)
    assert {"drift", "correlation", "charts"} <= set(after.sections)
    correlate = runner.invoke(app, ["correlate", *args, "-f", "csv"])
    want = next(csv.DictReader(io.StringIO(correlate.stdout)))
    row = after.tables["correlation"][0][1]
    assert row[0][1] == "600111.SS" and row[2][1] == want["series"]
    assert row[4][1] == f"{float(want['corr']):.2f}" and row[3][1] == want["n"]
    assert len(after.images) == 1  # the P/B band of the rated name (P/B against ROE: no ROE, skipped)


CHECK = """({
  rows: document.querySelectorAll('table.comps tbody tr:not(.band)').length,
  forward: document.querySelectorAll('table.forward tbody tr:not(.band)').length,
  images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
  sideways: document.documentElement.scrollWidth > window.innerWidth + 1,
})"""
PRINT_CHECK = """(() => {
  const width = css => document.querySelector('table.' + css).scrollWidth;
  const every = document.querySelector('details.all-columns');
  return {targets: width('targets'), valuation: width('valuation'), forward: width('forward'),
          page: document.documentElement.clientWidth,
          every: every.getClientRects().length, pt: getComputedStyle(document.querySelector('table.targets')).fontSize};
})()"""


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_report_renders_in_chromium(runner: CliRunner, config: Path, tmp_path: Path, width: int) -> None:
    out = tmp_path / "r.html"
    page = write_report(runner, out, "--config", str(config), *SNAPSHOT)
    seen = load(out, CHECK, width=width)
    assert seen.result["rows"] == len(page.tables["comps"]) - sum(1 for k, _ in page.tables["comps"] if k == "band")
    assert seen.result["forward"] == seen.result["rows"]  # the twelve-months-forward table: the same rows
    assert seen.result["images"] and all(seen.result["images"]), "an image did not decode"
    assert seen.console_errors == []
    assert [u for u in seen.requests if not u.startswith("data:")] == [out.resolve().as_uri()]  # self-contained
    assert not seen.result["sideways"], f"the page scrolls sideways at {width} px"


def test_report_comp_tables_fit_an_a4_landscape_page_in_print(runner: CliRunner, config: Path, tmp_path: Path) -> None:
    """The terminal's two tables and the forward table print (7 pt, readable); the all-columns table, a screen's
    scrolling view, not."""
    out = tmp_path / "r.html"
    write_report(runner, out, "--config", str(config), *SNAPSHOT)
    a4_landscape = round((297 - 2 * 10) / 25.4 * 96)  # 277 mm of printable width at 96 px per inch
    seen = load(out, PRINT_CHECK, width=a4_landscape, media="print").result
    assert seen["targets"] <= seen["page"] and seen["valuation"] <= seen["page"], seen
    assert seen["forward"] <= seen["page"], seen  # the twelve-months-forward table prints too
    assert seen["every"] == 0 and float(seen["pt"].removesuffix("px")) >= 9  # 7 pt = 9.33 px
