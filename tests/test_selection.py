"""Aggregates are the whole group's whenever rows are selected (#20 item 6): tickers named on the command line and
``--top`` cut the rows listed, never the statistics; the n row (and the statistic rows' names) say how many of the
group's members are shown."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from screener.cli import app

from .conftest import CONFIG

SNAPSHOT = ["--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]
NAMED = ["600111.SS", "000831 CH"]  # any code form


def csv_rows(runner: CliRunner, *args: str) -> list[dict[str, str]]:
    result = runner.invoke(app, ["screen", *args, *SNAPSHOT, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def statistics(rows: list[dict[str, str]], group: str) -> dict[str, dict[str, str]]:
    return {r["row_type"]: r for r in rows if r["row_type"] != "company" and r["group"] == group}


def test_named_tickers_keep_the_whole_group_s_statistics(runner: CliRunner) -> None:
    named = csv_rows(runner, *NAMED)
    full = csv_rows(runner)
    assert [r["ticker"] for r in named if r["row_type"] == "company"] == ["600111.SS", "000831.SZ"]
    # ETR of the producers by hand, at the snapshot's prices, targets and the house models' FY2025 DPS; the other
    # four have no target (NA): NRE 72 / 53.13 - 1 + 0.08 / 53.13, CRE 61.6 / 56.91 - 1 + 0.055 / 56.91,
    # Lynas 9.5 / 20.59 - 1 (no dividend)
    etrs = [72 / 53.13 - 1 + 0.08 / 53.13, 61.6 / 56.91 - 1 + 0.055 / 56.91, 9.5 / 20.59 - 1]
    mine, whole = statistics(named, "Producers"), statistics(full, "Producers")
    assert float(mine["mean"]["etr"]) == pytest.approx(sum(etrs) / 3, rel=1e-9)  # -3.3%, not the two names' 22.0%
    assert float(mine["median"]["etr"]) == pytest.approx(etrs[1], rel=1e-9)
    for statistic in ("mean", "median", "harmonic_mean"):
        numbers = {k: v for k, v in mine[statistic].items() if k not in ("name", "as_of")}
        assert numbers == {k: v for k, v in whole[statistic].items() if k not in ("name", "as_of")}, statistic
    assert mine["mean"]["name"] == "Producers mean of 7 (2 shown)" and whole["mean"]["name"] == "Producers mean"
    assert "Magnets" not in {r["group"] for r in named}  # no named member: the group is not listed
    assert statistics(named, "All") == statistics(full, "All")  # the overall statistics are the universe's


def test_named_tickers_n_row_says_how_many_are_shown(runner: CliRunner) -> None:
    payload = json.loads(runner.invoke(app, ["screen", *NAMED, *SNAPSHOT, "--format", "json"]).stdout)
    full = json.loads(runner.invoke(app, ["screen", *SNAPSHOT, "--format", "json"]).stdout)
    assert payload["groups"]["Producers"] == {"members": 7, "shown": 2, "not_counted": 0}
    assert payload["aggregate_counts"]["Producers:mean"] == full["aggregate_counts"]["Producers:mean"]
    assert payload["aggregate_counts"]["Producers:mean"]["etr"] == {"n": 3, "excluded": 4}
    table = runner.invoke(app, ["screen", *NAMED, *SNAPSHOT, "--wide"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    n_line = next(line for line in table.stdout.splitlines() if "Producers n " in line)
    cells = [c.strip() for c in n_line.split("│")]
    assert "Producers n 7 (2 shown)" in cells and "3 (4)" in cells  # ETR: 3 used, 4 excluded (NA)
    assert "Producers (2 of 7)" in table.stdout


def test_top_cuts_rows_the_n_row_says_so(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["screen", "-g", "producers", "--top", "3", *SNAPSHOT, "--wide"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "Producers (top 3 of 7)" in result.stdout and "Producers n 7 (3 shown)" in result.stdout
    whole = runner.invoke(app, ["screen", "-g", "producers", *SNAPSHOT, "--wide"], env={"COLUMNS": "250"}).stdout
    n_lines = [line for line in whole.splitlines() if "Producers n " in line]
    assert n_lines and all("Producers n (excl.)" in line and "shown" not in line for line in n_lines)
