"""Consensus EPS revisions (#23 item 4, METHODS §14): ``eps_rev_1m`` and ``eps_rev_3m`` from dated consensus sets,
worked by hand — the newest set at the as-of date against the newest one at least 30 / 90 days older, the same
fiscal year across a fiscal-year roll — then through ``estimates import`` into the PM CSV, JSON and table."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from screener.cli import app
from screener.core.revisions import eps_revisions, newest_known
from screener.core.values import NA, NM
from screener.models import ConsensusEstimate, EstimateYear
from tests.conftest import EnvRunner, make_config


def dated(day: str, eps: dict[int, float], currency: str | None = "CNY", source: str = "import:x") -> ConsensusEstimate:
    years = {label: EstimateYear(eps=value) for label, value in eps.items()}
    return ConsensusEstimate(None, None, currency, None, None, source, years=years, as_of=date.fromisoformat(day))


SETS = [
    dated("2025-06-01", {2025: 1.00, 2026: 1.20}),
    dated("2025-08-15", {2025: 0.90, 2026: 1.25}),
    dated("2025-09-20", {2025: 0.95, 2026: 1.30}),
    dated("2025-10-05", {2025: 0.99, 2026: 1.32}),
    dated("2025-10-20", {2025: 2.00, 2026: 2.00}),  # after the as-of date: never used
]


def test_revisions_by_hand() -> None:
    got = eps_revisions(SETS, date(2025, 10, 10), 2025, 12)
    # newest at 10 Oct: 5 Oct (0.99). 1M: newest on or before 5 Sep = 15 Aug (0.90); 3M: on or before 7 Jul = 1 Jun
    assert got["eps_rev_1m"] == pytest.approx(0.99 / 0.90 - 1)  # +10.0%
    assert got["eps_rev_3m"] == pytest.approx(0.99 / 1.00 - 1)  # −1.0%
    # on 1 Oct the newest is 20 Sep (0.95): 1M against 15 Aug (on or before 21 Aug), 3M against 1 Jun (≤ 22 Jun)
    earlier = eps_revisions(SETS, date(2025, 10, 1), 2025, 12)
    assert earlier["eps_rev_1m"] == pytest.approx(0.95 / 0.90 - 1)
    assert earlier["eps_rev_3m"] == pytest.approx(0.95 / 1.00 - 1)


def test_exactly_30_days_older_counts_and_29_does_not() -> None:
    sets = [dated("2025-09-05", {2025: 0.80}), dated("2025-10-05", {2025: 1.00})]
    assert eps_revisions(sets, date(2025, 10, 10), 2025, 12)["eps_rev_1m"] == pytest.approx(0.25)
    sets = [dated("2025-09-06", {2025: 0.80}), dated("2025-10-05", {2025: 1.00})]
    assert eps_revisions(sets, date(2025, 10, 10), 2025, 12) == {"eps_rev_1m": NA, "eps_rev_3m": NA}


def test_the_same_fiscal_year_across_a_roll() -> None:
    # December year end: FY2025 counts as reported 90 days after its end (31 Mar 2026), so on 15 Apr 2026 FY1 is
    # 2026; the set of 1 Mar 2026 was made when FY1 was 2025, and its FY2026 figure is the one compared
    sets = [dated("2026-03-01", {2025: 0.99, 2026: 1.25}), dated("2026-04-10", {2026: 1.30, 2027: 1.50})]
    got = eps_revisions(sets, date(2026, 4, 15), 2026, 12)
    assert got["eps_rev_1m"] == pytest.approx(1.30 / 1.25 - 1)  # +4.0%, not 1.30 / 0.99 − 1
    assert got["eps_rev_3m"] is NA  # no set on or before 10 Jan 2026
    without = [dated("2026-03-01", {2025: 0.99}), sets[1]]
    assert eps_revisions(without, date(2026, 4, 15), 2026, 12)["eps_rev_1m"] is NA  # FY2026 not in the old set


def test_yahoo_relative_sets_are_labelled_at_their_own_date() -> None:
    # Yahoo's FY1/FY2 are relative to the fetch date: fetched 1 Mar 2026, FY1 = 2025 and FY2 = 2026
    yahoo = ConsensusEstimate(0.99, 1.20, "CNY", None, 5, "Yahoo consensus", fetched_at=datetime(2026, 3, 1, 9, 0))
    new = dated("2026-04-10", {2026: 1.26})
    got = eps_revisions([yahoo, new], date(2026, 4, 15), 2026, 12)
    assert got["eps_rev_1m"] == pytest.approx(1.26 / 1.20 - 1)


def test_na_and_nm() -> None:
    assert eps_revisions([], date(2025, 10, 10), 2025, 12) == {"eps_rev_1m": NA, "eps_rev_3m": NA}
    loss = [dated("2025-06-01", {2025: -0.20}), dated("2025-10-05", {2025: 0.10})]
    assert eps_revisions(loss, date(2025, 10, 10), 2025, 12) == {"eps_rev_1m": NM, "eps_rev_3m": NM}
    usd = [dated("2025-06-01", {2025: 0.14}, currency="USD"), dated("2025-10-05", {2025: 1.00})]
    assert eps_revisions(usd, date(2025, 10, 10), 2025, 12)["eps_rev_3m"] is NA  # EPS in another currency
    only_later = [dated("2025-10-20", {2025: 1.0})]
    assert eps_revisions(only_later, date(2025, 10, 10), 2025, 12)["eps_rev_1m"] is NA


def test_newest_known_ties_go_to_the_earlier_candidate() -> None:
    a, b = dated("2025-09-01", {2025: 1.0}, source="a"), dated("2025-09-01", {2025: 2.0}, source="b")
    assert newest_known([a, b], date(2025, 9, 1)) is a
    assert newest_known([b, a], date(2025, 9, 1)) is b
    assert newest_known([a], date(2025, 8, 31)) is None


# --- through the store: estimates import, then the comp table ------------------------------------------------
@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return make_config(tmp_path / "work")


def _run(cfg: Path, *args: str):  # type: ignore[no-untyped-def]
    return EnvRunner().invoke(app, ["--config", str(cfg), *args])


def test_imported_sets_give_the_revision_columns(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "bbg.csv"
    file.write_text(
        "ticker,fiscal_year,as_of,eps\n"
        "600259 CH,2025,2025-06-20,0.40\n"
        "600259 CH,2025,2025-08-25,0.48\n"
        "600259 CH,2025,2025-09-30,0.50\n"
        "600259 CH,2026,2025-09-30,0.80\n"
        "600259 CH,2025,2025-10-20,0.90\n",  # after the as-of date: not used (point in time)
        encoding="utf-8",
    )
    assert _run(cfg, "estimates", "import", str(file)).exit_code == 0
    result = _run(cfg, "screen", "--source", "snapshot", "--as-of", "2025-10-10", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = list(rows[0])
    assert header[-4:] == ["dy_ntm", "eps_rev_1m", "eps_rev_3m", "tags"]
    row = next(r for r in rows if r["ticker"] == "600259.SS")
    # newest 30 Sep (0.50); 1M: on or before 31 Aug = 25 Aug (0.48); 3M: on or before 2 Jul = 20 Jun (0.40)
    assert float(row["eps_rev_1m"]) == pytest.approx(0.50 / 0.48 - 1)
    assert float(row["eps_rev_3m"]) == pytest.approx(0.50 / 0.40 - 1)
    assert next(r for r in rows if r["ticker"] == "600111.SS")["eps_rev_1m"] == "NA"  # no dated sets
    assert {r["eps_rev_1m"] for r in rows if r["row_type"] != "company"} == {""}  # not aggregated
    payload = json.loads(
        _run(cfg, "screen", "--source", "snapshot", "--as-of", "2025-10-10", "--format", "json").stdout
    )
    js = next(r for r in payload["rows"] if r["ticker"] == "600259.SS")
    assert js["eps_rev_1m"] == pytest.approx(0.50 / 0.48 - 1) and js["eps_rev_3m"] == pytest.approx(0.25)
    table = _run(cfg, "screen", "600259.SS", "--source", "snapshot", "--as-of", "2025-10-10",
                 "--columns", "eps_rev_1m,eps_rev_3m")  # fmt: skip
    assert "EPS rev 1M" in table.output and f"{(0.50 / 0.48 - 1) * 100:.1f}%" in table.output
    ranked = _run(cfg, "screen", "--source", "snapshot", "--as-of", "2025-10-10", "--sort", "eps_rev_3m",
                  "--format", "csv")  # fmt: skip
    first = next(r for r in csv.DictReader(io.StringIO(ranked.stdout)) if r["group"] == row["group"])
    assert first["ticker"] == "600259.SS"  # the largest upward revision first; NA last


def test_revision_cells_agree_on_every_surface(cfg: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from screener.render.workbook import CSV_FIELDS, TITLE_ROWS
    from tests.test_surfaces import HtmlTables

    file = tmp_path / "bbg.csv"
    file.write_text(
        "ticker,fiscal_year,as_of,eps\n600259 CH,2025,2025-06-20,0.40\n600259 CH,2025,2025-09-30,0.38\n"
        "600392 CH,2025,2025-06-20,-0.10\n600392 CH,2025,2025-09-30,0.20\n",
        encoding="utf-8",
    )
    assert _run(cfg, "estimates", "import", str(file)).exit_code == 0
    args = ["--source", "snapshot", "--as-of", "2025-10-10"]
    rows = {r["ticker"]: r for r in csv.DictReader(io.StringIO(_run(cfg, "screen", *args, "--format", "csv").stdout))}
    want = {"600259.SS": (0.38 / 0.40 - 1, 0.38 / 0.40 - 1), "600392.SS": ("NM", "NM")}  # −5.0%; out of a loss
    for ticker, (one, three) in want.items():
        for column, value in (("eps_rev_1m", one), ("eps_rev_3m", three)):
            cell = rows[ticker][column]
            assert cell == value if isinstance(value, str) else float(cell) == pytest.approx(value), (ticker, column)
    book, page = tmp_path / "s.xlsx", tmp_path / "s.html"
    assert _run(cfg, "screen", *args, "--out", str(book)).exit_code in (0, 4)
    assert _run(cfg, "screen", *args, "--out", str(page)).exit_code in (0, 4)
    sheet = load_workbook(book)["Comps"]
    heads = [CSV_FIELDS.get(str(c.value)) for c in sheet[TITLE_ROWS + 1]]
    excel = {line[0].value: dict(zip(heads, line, strict=True)) for line in sheet.iter_rows(min_row=TITLE_ROWS + 2)}
    html = HtmlTables(page.read_text(encoding="utf-8"))
    keys = ["ticker", "name", "fy1", "pe_ntm", "pb_ntm", "ev_ebitda_ntm", "roe_ntm", "dy_ntm", "eps_rev_1m",
            "eps_rev_3m"]  # fmt: skip
    forward = {cells[0][2]: dict(zip(keys, cells, strict=True)) for kind, cells in html.tables["forward"]
               if kind != "band"}  # fmt: skip
    table = _run(cfg, "screen", *args, "--columns", "eps_rev_1m,eps_rev_3m").output
    for ticker in want:
        for column in ("eps_rev_1m", "eps_rev_3m"):
            raw = rows[ticker][column]
            text = raw if raw in ("NA", "NM") else f"{float(raw) * 100:.1f}%"
            assert forward[ticker][column][2] == text, (ticker, column)
            cell = excel[ticker][column]
            if raw in ("NA", "NM"):
                assert cell.value == raw
            else:
                assert cell.value == pytest.approx(float(raw)) and cell.number_format == "0.0%"
        line = next(line for line in table.splitlines() if ticker in line)
        cells = [c.strip() for c in line.split("│") if c.strip()]
        shown = [forward[ticker][c][2] for c in ("eps_rev_1m", "eps_rev_3m")]
        assert cells[-2:] == shown, ticker  # the terminal as the page
