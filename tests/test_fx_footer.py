"""The comp table's footer lists each FX rate with the one staleness decision (#20: a surface renders the decision
of core/fx, it does not re-judge a rate with a threshold of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.cli import app

from .conftest import EnvRunner, make_config


def _fx_lines(tmp_path: Path, limit: int) -> dict[str, str]:
    """The full footer's FX lines (``--notes``), by currency; the short footer's one FX line under ``short``."""
    config = make_config(tmp_path / f"w{limit}", {"fx": {"max_staleness_days": limit}})
    args = ["screen", "--source", "snapshot", "--as-of", "2025-10-10", "--wide", "--config", str(config)]
    result = EnvRunner().invoke(app, [*args, "--notes"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("FX ")}
    short = EnvRunner().invoke(app, args).stdout.splitlines()
    lines["short"] = " ".join(short[i] for i, line in enumerate(short) if line.startswith("FX per USD:"))
    return lines


@pytest.mark.parametrize(("limit", "stale_cny"), [(10, True), (13, True), (14, False), (20, False)])
def test_the_footer_marks_a_rate_stale_by_the_configured_limit(tmp_path: Path, limit: int, stale_cny: bool) -> None:
    """The snapshot's CNY rate is of 2025-09-26: 14 days before 2025-10-10 — stale under a limit below 14 days."""
    lines = _fx_lines(tmp_path, limit)
    assert "14 days before the as-of date" in lines["CNY"] if stale_cny else "days before" not in lines["CNY"]
    assert ("stale" in lines["CNY"]) is stale_cny
    assert "stale" not in lines["AUD"]  # dated on the as-of day
    assert ("CNY 7.1328 (2025-09-26, stale)" in lines["short"]) is stale_cny
    assert "AUD 1.5396 (2025-10-10)" in lines["short"]


@pytest.mark.parametrize(("limit", "stale_cny"), [(10, True), (20, False)])
def test_json_workbook_and_report_carry_the_same_fx_decision(tmp_path: Path, limit: int, stale_cny: bool) -> None:
    """The stale FX mark is the report's one decision on every surface, not the terminal's alone."""
    import html
    import json

    from openpyxl import load_workbook

    config = make_config(tmp_path / f"s{limit}", {"fx": {"max_staleness_days": limit}})
    base = ["--source", "snapshot", "--as-of", "2025-10-10", "--config", str(config)]
    runner = EnvRunner()
    payload = json.loads(runner.invoke(app, ["screen", "--format", "json", *base]).stdout)
    assert payload["fx"]["CNY"]["stale"] is stale_cny and payload["fx"]["AUD"]["stale"] is False
    book_path, page_path = tmp_path / f"b{limit}.xlsx", tmp_path / f"r{limit}.html"
    assert runner.invoke(app, ["export", "--out", str(book_path), *base]).exit_code == 0
    assert runner.invoke(app, ["report", "--out", str(page_path), *base]).exit_code == 0
    book = load_workbook(book_path, read_only=True)
    try:
        rows = {r[0]: r for r in book["Sources & FX"].iter_rows(values_only=True) if r and r[0] in ("CNY", "AUD")}
    finally:
        book.close()
    assert (bool(rows["CNY"][5]) and "stale" in str(rows["CNY"][5])) is stale_cny and not rows["AUD"][5]
    page = html.unescape(page_path.read_text())
    assert ("2025-09-26 (stale)" in page) is stale_cny and "2025-10-10 (stale)" not in page
