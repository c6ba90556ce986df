"""``--where`` on screen, export, report and drift (#24 item 1): the rows kept are those an independent reading of
the unfiltered PM CSV keeps; the aggregates stay the whole group's; NA/NM compare false and the footer counts the
rows left out for NA; a syntax error names --where and the position, an unknown column lists the valid ones."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from screener.app.pm_row import CSV_COLUMNS
from screener.cli import app

from .conftest import CONFIG, EnvRunner

SNAPSHOT = ["--source", "snapshot", "--config", str(CONFIG)]


def _run(*args: str, config: Path = CONFIG) -> Any:
    return EnvRunner().invoke(app, [*args, "--source", "snapshot", "--config", str(config)])


def _csv(*args: str) -> list[dict[str, str]]:
    result = _run("screen", "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _number(text: str) -> float | None:
    return None if text in ("NA", "NM") else float(text)


def _companies(rows: list[dict[str, str]]) -> list[str]:
    return [r["ticker"] for r in rows if r["row_type"] == "company"]


@cache
def _all() -> list[dict[str, str]]:
    """The unfiltered PM CSV of the bundled snapshot (read once)."""
    return _csv()


def test_numbers_and_percentages_against_the_unfiltered_csv() -> None:
    expected, na = [], 0
    for r in (r for r in _all() if r["row_type"] == "company"):
        pe, roe = _number(r["pe_fy1"]), _number(r["roe_fy1"])
        if (pe is not None and pe >= 30) or (roe is not None and roe <= 0.10):
            continue  # false whatever the other side
        if pe is None or roe is None:
            na += 1
            continue
        expected.append(r["ticker"])
    result = _run("screen", "--format", "csv", "--where", "pe_fy1 < 30 and roe_fy1 > 10%")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert _companies(rows) == expected and len(expected) >= 2
    assert f"{na} left out for NA in --where" in result.stderr
    assert na >= 1


def test_aggregates_stay_the_whole_groups() -> None:
    rows = _csv("--where", "house_rating == 'Buy'")
    whole = {(r["group"], r["row_type"]): r for r in _all() if r["row_type"] != "company"}
    statistics = [r for r in rows if r["row_type"] != "company"]
    assert statistics
    for r in statistics:
        assert {k: v for k, v in r.items() if k != "name"} == {
            k: v for k, v in whole[(r["group"], r["row_type"])].items() if k != "name"
        }


def test_strings_lists_and_columns() -> None:
    companies = [r for r in _all() if r["row_type"] == "company"]
    buy_or_producer = [r["ticker"] for r in companies if r["house_rating"] == "Buy" or r["group"] == "Producers"]
    assert _companies(_csv("--where", "house_rating == 'Buy' or group == 'Producers'")) == buy_or_producer
    flagged = [r["ticker"] for r in companies if "dy_implausible" in r["flags"].split(";")]
    assert _companies(_csv("--where", "flags has 'dy_implausible'")) == flagged and flagged
    tagged = [r["ticker"] for r in companies if "quota-holder" not in r["tags"].split(";")]
    assert _companies(_csv("--where", "not tags has 'quota-holder'")) == tagged
    below = [
        r["ticker"]
        for r in companies
        if _number(r["price"]) is not None
        and _number(r["target_price"]) is not None
        and _number(r["price"]) < _number(r["target_price"])  # type: ignore[operator]
    ]
    assert _companies(_csv("--where", "price < target_price")) == below and below
    out = [r["ticker"] for r in companies if r["in_band"] == "false"]
    assert _companies(_csv("--where", "in_band == 'false'")) == out


def test_top_applies_after_where_and_the_band_says_so() -> None:
    kept = _companies(_csv("--where", "etr > 0"))
    top = _companies(_csv("--where", "etr > 0", "--top", "1"))
    groups = {r["group"] for r in _all() if r["row_type"] == "company" and r["ticker"] in kept}
    assert len(top) == len(groups) and set(top) <= set(kept)


def test_the_terminal_footer_and_json_state_what_was_left_out() -> None:
    result = _run("screen", "--where", "pe_fy1 < 30", "--wide")
    na = sum(1 for r in _all() if r["row_type"] == "company" and r["pe_fy1"] in ("NA", "NM"))
    kept = sum(1 for r in _all() if r["row_type"] == "company" and (_number(r["pe_fy1"]) or 99) < 30)
    total = sum(1 for r in _all() if r["row_type"] == "company")
    footer = f"--where pe_fy1 < 30: {kept} of {total} companies kept; {na} left out for NA in --where."
    assert footer in " ".join(result.stdout.split())
    payload = json.loads(_run("screen", "--format", "json", "--where", "pe_fy1 < 30").stdout)
    assert payload["where"] == {"expression": "pe_fy1 < 30", "kept": kept, "left_out": total - kept, "left_out_na": na}
    assert json.loads(_run("screen", "--format", "json").stdout)["where"] is None


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("pe_fy1 <", ["--where:", "at position 9"]),
        ("pe_fy1 < 30 and", ["--where:", "at position 16"]),
        ("__import__('os').system('x')", ["--where:", "unexpected character '.' at position 17"]),
        ("house_rating == Buy", ["--where:", "unknown column 'Buy' at position 17", "pe_fy1", "tags"]),
        ("pe < 30", ["--where: unknown column 'pe'", ", ".join(c for c in CSV_COLUMNS if c != "row_type")]),
        ("pe_fy1 < 'x'", ["--where:", "compares a number with a text"]),
    ],
)
@pytest.mark.parametrize("command", ["screen", "export", "report", "drift"])
def test_bad_criteria_are_exit_2(command: str, expression: str, words: list[str], tmp_path: Path) -> None:
    out = {"export": ["--out", str(tmp_path / "x.csv")], "report": ["--out", str(tmp_path / "x.html")]}
    result = _run(command, *out.get(command, []), "--where", expression)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) == 1
    assert all(w in message for w in words), message
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.html").exists()


def test_export_and_report_follow_the_filter(tmp_path: Path) -> None:
    expected = _companies(_csv("--where", "dividend_yield > 1%"))
    target = tmp_path / "comps.csv"
    result = _run("export", "--out", str(target), "--where", "dividend_yield > 1%")
    assert result.exit_code == 0, result.output
    assert _companies(list(csv.DictReader(io.StringIO(target.read_text())))) == expected
    assert "left out for NA in --where" in result.stderr
    page = tmp_path / "report.html"
    result = _run("report", "--out", str(page), "--where", "dividend_yield > 1%")
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "--where dividend_yield &gt; 1%: " in html and "left out for NA in --where" in html
    others = [r["ticker"] for r in _all() if r["row_type"] == "company" and r["ticker"] not in expected]
    assert all(f">{t}<" in html for t in expected) and not any(f">{t}<" in html for t in others)


def test_drift_reports_the_findings_of_the_companies_kept(config: Path) -> None:
    every = EnvRunner().invoke(
        app, ["drift", "--format", "json", "--no-record", *SNAPSHOT[:2], "--config", str(config)]
    )
    assert every.exit_code in (0, 4), every.output
    findings = json.loads(every.stdout)["findings"]
    buy = {r["ticker"] for r in _all() if r["row_type"] == "company" and r["house_rating"] == "Buy"}
    args = ["drift", "--format", "json", "--no-record", "--where", "house_rating == 'Buy'", *SNAPSHOT[:2]]
    result = EnvRunner().invoke(app, [*args, "--config", str(config)])
    payload = json.loads(result.stdout)
    assert payload["findings"] == [f for f in findings if f["ticker"] in buy]
    assert payload["where"]["kept"] == len(buy) and payload["findings"]
    assert result.exit_code == (4 if any(f["needs_review"] for f in payload["findings"]) else 0)
    table = EnvRunner().invoke(app, [*args[:1], "--no-record", "--where", "house_rating == 'Buy'", *SNAPSHOT[:2],
                                     "--config", str(config)])  # fmt: skip
    assert f"--where house_rating == 'Buy': {len(buy)} of" in " ".join(table.stdout.split())


def test_every_numeric_csv_column_compares_as_a_number() -> None:
    from screener.app.where import where_columns

    kinds = where_columns()
    assert list(kinds) == [c for c in CSV_COLUMNS if c != "row_type"]
    for column in kinds:
        values = [r[column] for r in _all() if r["row_type"] == "company" and r[column] not in ("", "NA", "NM")]
        if not values or kinds[column] == "list":
            continue  # all NA in the snapshot (the price changes): nothing to tell
        numeric = all(v.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).isdigit() for v in values)
        assert (kinds[column] == "number") == numeric, column


def test_the_workbook_lists_the_companies_kept_and_says_so(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    expected = _companies(_csv("--where", "house_rating == 'Buy'"))
    book = tmp_path / "comps.xlsx"
    result = _run("export", "--out", str(book), "--where", "house_rating == 'Buy'")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(book)["Comps"]
    assert "--where house_rating == 'Buy': 4 of 21 companies kept" in str(sheet["A2"].value)
    tickers = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    others = [r["ticker"] for r in _all() if r["row_type"] == "company" and r["ticker"] not in expected]
    assert set(expected) <= tickers and not set(others) & tickers and len(expected) == 4


def test_the_reports_drift_section_follows_where(config: Path, tmp_path: Path) -> None:
    recorded = EnvRunner().invoke(app, ["drift", "--format", "json", *SNAPSHOT[:2], "--config", str(config)])
    assert recorded.exit_code in (0, 4), recorded.output
    everything = {f["ticker"] for f in json.loads(recorded.stdout)["findings"]}
    buy = {r["ticker"] for r in _all() if r["row_type"] == "company" and r["house_rating"] == "Buy"}
    assert everything - buy and everything & buy  # findings on both sides of the criteria
    page = tmp_path / "r.html"
    args = ["report", "--out", str(page), "--where", "house_rating == 'Buy'", *SNAPSHOT[:2], "--config", str(config)]
    assert EnvRunner().invoke(app, args).exit_code == 0
    drift = page.read_text().split('<section id="drift">')[1].split("</section>")[0]
    assert all(f'<td class="id">{t}</td>' in drift for t in everything & buy)
    assert not any(f">{t}</td>" in drift for t in everything - buy)
    assert "--where house_rating == &#39;Buy&#39;: 4 of 21 companies kept" in drift


def test_the_workbooks_drift_sheet_follows_where(config: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert EnvRunner().invoke(app, ["drift", *SNAPSHOT[:2], "--config", str(config)]).exit_code in (0, 4)
    book = tmp_path / "c.xlsx"
    args = ["export", "--out", str(book), "--where", "house_rating == 'Buy'", *SNAPSHOT[:2], "--config", str(config)]
    assert EnvRunner().invoke(app, args).exit_code == 0
    sheet = load_workbook(book)["Drift"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    kept = "Findings of the companies kept: --where house_rating == 'Buy': 4 of 21 companies kept"
    assert any(c.startswith(kept) for c in cells)
    buy = {r["ticker"] for r in _all() if r["row_type"] == "company" and r["house_rating"] == "Buy"}
    others = {r["ticker"] for r in _all() if r["row_type"] == "company"} - buy
    assert buy & set(cells) and not others & set(cells)
