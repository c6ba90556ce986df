"""The HTML report laid out like the terminal (#22 item 2), measured in headless Chromium at a phone's 390 px and a
desktop's 1400 px: no table wider than the viewport except the one declared scrollable (``data-scrollable``), whose
ticker column stays in view when it scrolls; on a phone every row of the other tables stacked, each cell labelled
with its column; drift findings wrapped; every chart full width, loaded, and a link to its full-size view; the
charts that could not be drawn listed in a *Not shown* list in a portfolio manager's words. Pages: the comp report
with the portfolio section and drift (snapshot), a report with the correlation table and a P/B band chart (real
600111.SS prices from ../shared), and the drift page."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from screener.cli import app

from .browser import load
from .conftest import SHARED_DATA, EnvRunner, make_config, need
from .test_charts import NRE_RAW, WITHOUT_PRODUCERS, synthetic_universe
from .test_report_html import parse
from .test_workbook import FX_CNY, OXIDES, rated_universe

SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]
REMX_FILE = SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv"
BOOK = "ticker,asset class,weight\n600111 CH,Stock,60%\nLYC AU,Stock,30%\nMP US,Stock,10%\n"
PHONE, DESKTOP = 390, 1400

MEASURE = """(() => {
  const viewport = document.documentElement.clientWidth;
  document.querySelectorAll('details').forEach(d => { d.open = true; });  // the all-columns table measured too
  const box = e => e.getBoundingClientRect();
  const tables = Array.from(document.querySelectorAll('table')).map(t => {
    const frame = t.parentElement;
    const heads = t.tHead ? Array.from(t.tHead.rows[0].cells).map(c => c.textContent) : [];
    const rows = Array.from(t.tBodies[0].rows).filter(r => !r.classList.contains('band')).map(r => {
      const cells = Array.from(r.cells);
      const shown = cells.filter(c => c.getClientRects().length > 0);
      return {
        kind: r.className,
        count: shown.length,
        lines: new Set(shown.map(c => Math.round(box(c).top))).size,
        right: Math.max(...shown.map(c => box(c).right)),
        clipped: shown.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent),
        hidden: cells.filter(c => c.textContent.trim() && c.getClientRects().length === 0).map(c => c.dataset.label),
        labels: cells.map(c => c.dataset.label === undefined ? null : c.dataset.label),
      };
    });
    return {
      css: t.className, scrollable: t.hasAttribute('data-scrollable'), heads,
      headShown: t.tHead ? t.tHead.getClientRects().length > 0 && box(t.tHead).height > 0 : false,
      right: box(t).right, frameWidth: frame.clientWidth, frameScroll: frame.scrollWidth, rows,
    };
  });
  const section = document.querySelector('#charts');
  const charts = Array.from(document.querySelectorAll('#charts figure')).map(f => {
    const img = f.querySelector('img');
    const link = img.closest('a');
    return {id: f.id, href: link ? link.getAttribute('href') : null, width: box(img).width,
            column: section.clientWidth};
  });
  return {
    viewport, page: document.documentElement.scrollWidth, tables, charts,
    images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
  };
})()"""
STICKY = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const table = document.querySelector('table[data-scrollable]');
  const frame = table.parentElement;
  const ticker = table.querySelector('tr.company td');
  const price = table.querySelector('tr.company td:nth-child(4)');
  const before = [ticker.getBoundingClientRect().left, price.getBoundingClientRect().left];
  frame.scrollLeft = 800;
  return {scrolled: frame.scrollLeft, frame: frame.getBoundingClientRect().left, before,
          after: [ticker.getBoundingClientRect().left, price.getBoundingClientRect().left]};
})()"""
FULL_SIZE = """(async () => {
  const out = [];
  for (const figure of document.querySelectorAll('#charts figure')) {
    figure.querySelector('img').closest('a').click();  // the chart's own link
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const img = figure.querySelector('img');
    const box = figure.getBoundingClientRect();
    out.push({hash: location.hash, id: figure.id, shown: img.clientWidth, natural: img.naturalWidth,
              top: box.top, left: box.left, fills: box.width >= document.documentElement.clientWidth - 1,
              position: getComputedStyle(figure).position});
  }
  return out;
})()"""


def _run(runner: EnvRunner, *args: str, codes: tuple[int, ...] = (0,)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output
    return result.stdout


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The comp report with drift and the portfolio section, the drift page, and a report with the correlation
    table and a P/B band chart."""
    folder = tmp_path_factory.mktemp("layout")
    runner = EnvRunner()
    cfg = ["--config", str(make_config(folder / "work"))]
    book = folder / "book.csv"
    book.write_text(BOOK)
    _run(runner, "drift", *cfg, *SNAPSHOT, codes=(4,))  # a rating history: the report shows the drift part
    out = {"comps": folder / "report.html", "drift": folder / "drift.html", "rich": folder / "rich.html"}
    _run(runner, "report", "--out", str(out["comps"]), "--portfolio", str(book), "--benchmark", str(need(REMX_FILE)),
         *cfg, *SNAPSHOT)  # fmt: skip
    _run(runner, "drift", "--no-record", "--out", str(out["drift"]), *cfg, *SNAPSHOT, codes=(4,))
    rich = ["--config", str(make_config(folder / "rich", WITHOUT_PRODUCERS))]
    _run(runner, "prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS", *rich)
    _run(runner, "fx", "import", str(need(FX_CNY)), "--currency", "CNY", *rich)
    _run(runner, "oxides", "import", str(need(OXIDES)), "--series", "nd_cn", "--mid-of", "nd_oxide_min,nd_oxide_max",
         "--unit", "10000 CNY/t", "--currency", "CNY", "--vat-included", *rich)  # fmt: skip
    universe = ["-u", str(rated_universe(folder)), "--source", "store", "--as-of", "2022-01-14"]
    _run(runner, "drift", *universe, *rich, codes=(0, 4))
    _run(runner, "report", "--out", str(out["rich"]), *universe, *rich)
    return out


def _measure(page: Path, width: int) -> dict[str, Any]:
    seen = load(page, MEASURE, width=width)
    assert seen.console_errors == []
    return seen.result  # type: ignore[no-any-return]


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", ["comps", "drift", "rich"])
def test_no_table_wider_than_the_viewport_but_the_declared_one(pages: dict[str, Path], name: str, width: int) -> None:
    seen = _measure(pages[name], width)
    viewport = seen["viewport"]
    assert seen["page"] <= viewport, f"the page scrolls sideways at {width} px"
    tables = {t["css"]: t for t in seen["tables"]}
    expected = {"comps": {"targets", "valuation", "comps", "drift", "portfolio holding", "fx"}, "drift": {"drift"},
                "rich": {"targets", "valuation", "comps", "correlation", "drift"}}  # fmt: skip
    assert expected[name] <= set(tables)
    assert [t["css"] for t in seen["tables"] if t["scrollable"]] == (["comps"] if name != "drift" else [])
    for table in seen["tables"]:
        if table["scrollable"]:
            continue
        assert table["right"] <= viewport + 0.5, (table["css"], width)
        assert table["frameScroll"] <= table["frameWidth"], f"{table['css']} scrolls sideways at {width} px"
        for row in table["rows"]:
            assert row["right"] <= viewport + 0.5, (table["css"], row)
            assert row["clipped"] == [] and row["hidden"] == [], (table["css"], row)
            # every cell labelled with its column (shown above the value on a phone)
            named = [(label, head) for label, head in zip(row["labels"], table["heads"], strict=True) if label]
            assert all(label == head for label, head in named) and len(named) >= len(table["heads"]) - 2, row
        if table["rows"]:
            if width == PHONE:  # stacked: no header row, each row's cells over several lines
                assert not table["headShown"], table["css"]
                assert all(row["lines"] > 1 for row in table["rows"] if row["count"] > 2), table["css"]
            elif table["css"] in ("targets", "valuation"):  # the terminal's layout: one line a company
                assert table["headShown"], table["css"]
                assert all(row["lines"] == 1 for row in table["rows"] if row["kind"] == "company"), table["css"]
    if name != "drift":
        every = tables["comps"]
        assert every["frameWidth"] <= viewport and every["frameScroll"] > every["frameWidth"]  # it scrolls
        assert every["headShown"]  # a table, never stacked


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_ticker_column_stays_in_view_when_the_table_scrolls(pages: dict[str, Path], width: int) -> None:
    seen = load(pages["comps"], STICKY, width=width).result
    assert seen["scrolled"] > 100
    assert seen["after"][0] == pytest.approx(seen["frame"], abs=1)  # the ticker at the frame's left edge
    assert seen["after"][1] < seen["before"][1] - 100  # the other columns moved


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_chart_loads_full_width_and_links_to_its_full_size(pages: dict[str, Path], width: int) -> None:
    for name, count in (("comps", 3), ("rich", 1)):  # peers and revenue charts; the rated name's P/B band
        seen = _measure(pages[name], width)
        assert len(seen["images"]) == len(parse(pages[name]).images) == count and all(seen["images"]), name
        for chart in seen["charts"]:
            assert chart["href"] == f"#{chart['id']}"
            assert chart["width"] >= chart["column"] - 4, chart  # full width (less the border)
        full = load(pages[name], FULL_SIZE, width=width).result
        assert [f["hash"] for f in full] == [f"#{f['id']}" for f in full]
        for figure in full:  # the image at its own size, over the whole window
            assert figure["shown"] == figure["natural"] == 1800, figure
            assert (figure["top"], figure["left"], figure["fills"], figure["position"]) == (0, 0, True, "fixed")


def test_targets_row_on_a_phone_shows_every_column_of_the_terminal(pages: dict[str, Path]) -> None:
    from screener.render.tables import RATING_COLUMNS, VALUATION_COLUMNS

    seen = _measure(pages["comps"], PHONE)
    tables = {t["css"]: t for t in seen["tables"]}
    # the terminal's columns, in its order (one source, so no Src column); valuation without --wide
    assert tables["targets"]["heads"] == [c.header for c in RATING_COLUMNS if c.key != "source"]
    assert tables["valuation"]["heads"] == [c.header for c in VALUATION_COLUMNS]
    for row in tables["targets"]["rows"]:
        if row["kind"] == "company":
            assert row["lines"] >= 6 and row["right"] <= PHONE  # 13 cells two a line, nothing hidden or cut


def test_charts_not_drawn_are_listed_in_the_pm_words(pages: dict[str, Path], tmp_path: Path) -> None:
    runner = EnvRunner()
    text = pages["comps"].read_text(encoding="utf-8")
    listed = text.split('<ul class="not-shown">')[1].split("</ul>")[0].removeprefix("<li>").removesuffix("</li>")
    config = make_config(tmp_path / "work")
    rows = csv.DictReader(io.StringIO(_run(runner, "screen", "-f", "csv", "--config", str(config), *SNAPSHOT)))
    companies = [r for r in rows if r["row_type"] == "company"]
    rated = [(r["ticker"], r["name"]) for r in companies if r["house_rating"] not in ("", "NR")]
    assert len(rated) == 7
    books = {"600111.SS", "000831.SZ"}  # the bundled house models carry year-end book values (#23 item 1)
    assert listed.split("</li><li>") == [
        f"P/B band of {name}: no " + ("price" if ticker in books else "book-value or P/B") + " history stored"
        for ticker, name in rated
    ]
    assert "[[company.book_values]]" not in text and "valuation import" not in text  # the how-to is in the README
    # book values but no stored prices: the price history is what is missing; with the prices the chart is drawn
    universe = synthetic_universe(tmp_path)
    report = tmp_path / "books.html"
    empty = make_config(tmp_path / "empty", WITHOUT_PRODUCERS)
    args = ["-u", str(universe), "--config", str(empty), *SNAPSHOT]  # a snapshot quote, no stored prices
    with_view = universe.read_text() + '\n[company.house]\nrating = "Buy"\ntarget_price = 20.0\nset_on = 2021-06-30\n'
    universe.write_text(with_view)
    _run(runner, "report", "--out", str(report), *args)
    assert "<li>P/B band of NRE (synthetic book values): no price history stored</li>" in report.read_text()
