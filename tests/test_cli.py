"""CliRunner tests of every command, its help, its formats and its exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.render.export import CSV_COLUMNS

from .conftest import CONFIG, UNIVERSES, EnvRunner, make_config, make_env

BASE = ["--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]


def _all_commands() -> list[list[str]]:
    """Every command and sub-command registered on the app (so a new command cannot skip these tests)."""
    import typer.main

    out: list[list[str]] = []

    def walk(group: object, prefix: list[str]) -> None:
        for name, command in sorted(getattr(group, "commands", {}).items()):
            out.append([*prefix, name])
            walk(command, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return out


COMMANDS = _all_commands()
GROUPS = {
    "universe", "history", "prices", "cache", "chart", "oxides", "fx", "view", "estimates", "valuation", "financials"
}  # fmt: skip


def test_the_command_list_is_complete() -> None:
    names = {" ".join(c) for c in COMMANDS}
    for expected in ("screen", "export", "drift", "fetch", "value", "chart pb-band", "prices import", "cache clear"):
        assert expected in names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    if command[-1] not in GROUPS:
        assert "Example" in result.output
        assert "--offline" in result.output and "--refresh" in result.output  # global options on every command


def test_screen_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("Targets and ratings", "Valuation", "Producers mean", "Magnets harmonic mean", "All median", "OUT"):
        assert text in out
    assert "CNY 7.1328 (2025-09-26, stale)" in out  # the short footer; in full with --notes
    assert "FX CNY 7.1328 per USD on 2025-09-26" in runner.invoke(app, ["screen", *BASE, "--notes"]).output
    assert "bundled snapshot of 2025-10-10" in out


def test_screen_default_source_falls_back_with_banner(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", "--config", str(CONFIG), "--format", "csv"])
    assert result.exit_code == 0
    assert "Using the bundled snapshot" in result.stderr
    assert "live:" in result.stderr  # says why live data was not used
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["source"] for r in rows if r["row_type"] == "company"} == {"snapshot"}


def test_screen_live_unavailable_exits_3(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", "--config", str(CONFIG), "--source", "live"])
    assert result.exit_code == 3
    assert "error:" in result.output and "Traceback" not in result.output


def test_global_options_before_the_command(runner: CliRunner) -> None:
    result = runner.invoke(app, [*BASE, "screen", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == "2025-10-10"
    offline = runner.invoke(app, ["--offline", "screen", "--config", str(CONFIG), "--source", "live"])
    assert offline.exit_code == 3 and "Yahoo Finance not asked: offline (--offline" in offline.output


def test_sort_top_and_group(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "-g", "magnets", "--sort", "pe_fy1", "--top", "3", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    companies = [r for r in rows if r["row_type"] == "company"]
    assert [r["group"] for r in companies] == ["Magnets"] * 3
    pes = [float(r["pe_fy1"]) for r in companies]
    assert pes == sorted(pes)  # cheapest first
    # aggregates still cover the whole group (10 names with a P/E), not only the top 3
    mean = next(r for r in rows if r["row_type"] == "mean")
    assert float(mean["pe_fy1"]) != pytest.approx(sum(pes) / 3)


def test_sort_by_etr_puts_na_last(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "--format", "csv", "-g", "Producers"])
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"]
    etrs = [r["etr"] for r in rows]
    numeric = [float(e) for e in etrs if e not in ("NA", "NM")]
    assert numeric == sorted(numeric, reverse=True)
    assert etrs[len(numeric) :] == ["NA"] * (len(etrs) - len(numeric))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--sort", "cheapness"], "--sort"),
        (["--top", "0"], "--top"),
        (["-g", "Miners"], "--group"),
        (["-u", "nonexistent"], "unknown universe"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["screen", *BASE, *args])
    assert result.exit_code == 2
    assert needle in result.output and "Traceback" not in result.output


def test_bad_as_of_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "--as-of", "2025-13-40"])
    assert result.exit_code == 2


def test_as_of_later_flags_stale_prices(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "--as-of", "2026-11-20", "--format", "csv"])
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"]
    assert all("stale_price" in r["flags"] for r in rows)
    assert "stale_target" in next(r for r in rows if r["ticker"] == "600111.SS")["flags"]
    assert next(r for r in rows if r["ticker"] == "600111.SS")["fy1"] == "2026"


def test_export_csv_contract(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "comps.csv"
    result = runner.invoke(app, ["export", *BASE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_COLUMNS
    kinds = [r[0] for r in rows[1:]]
    assert kinds.count("company") == 21
    assert kinds.count("mean") == kinds.count("median") == kinds.count("harmonic_mean") == 3  # 2 groups + All
    record = dict(zip(rows[0], next(r for r in rows if r[2] == "600111.SS"), strict=True))
    assert record["upside"].startswith("0.355")  # raw fraction, not 35.5%
    assert record["in_band"] == "true" and record["source"] == "snapshot" and record["as_of"] == "2025-10-10"
    aggregate = dict(zip(rows[0], next(r for r in rows if r[0] == "mean"), strict=True))
    assert aggregate["ticker"] == "" and aggregate["name"] == "Producers mean" and aggregate["group"] == "Producers"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_export_xlsx(runner: CliRunner, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from screener.render.workbook import COLUMNS, CSV_FIELDS, TITLE_ROWS

    out = tmp_path / "comps.xlsx"
    assert runner.invoke(app, ["export", *BASE, "--out", str(out)]).exit_code == 0
    book = load_workbook(out)
    try:
        sheet = book["Comps"]
        header = [c.value for c in sheet[TITLE_ROWS + 1]]
        assert header == [c.header for c in COLUMNS]
        # every CSV column has its column; weight only when a company has an ETF weight (none in the bundled files)
        assert sorted(CSV_FIELDS[h] for h in header) == sorted(c for c in CSV_COLUMNS if c != "weight")
        assert CSV_FIELDS["Weight"] == "weight"
        first = next(
            r for r in sheet.iter_rows(min_row=TITLE_ROWS + 2) if r[header.index("Row type")].value == "company"
        )
        assert isinstance(first[header.index("Price")].value, float)
    finally:
        book.close()


def test_export_into_missing_folder_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", *BASE, "--out", str(tmp_path / "no" / "such.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_screen_out_writes_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "comps.json"
    result = runner.invoke(app, ["screen", *BASE, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0
    payload = json.loads(out.read_text())
    assert payload["estimate_source"]["600111.SS"] == "house"
    assert payload["estimate_source"]["600259.SS"] == "consensus"
    assert payload["fx"]["HKD"]["date"] == "2020-10-16"
    table = tmp_path / "comps.txt"
    assert runner.invoke(app, ["screen", *BASE, "--out", str(table)]).exit_code == 0
    assert "Targets and ratings" in table.read_text()


def test_universe_list_show_validate(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["universe", "list", "--config", str(CONFIG)])
    assert listed.exit_code == 0 and "producers" in listed.output and "magnets" in listed.output
    shown = runner.invoke(app, ["universe", "show", "magnets", "--config", str(CONFIG)])
    assert shown.exit_code == 0 and "6680.HK" in shown.output and "not in aggregates" in shown.output
    valid = runner.invoke(app, ["universe", "validate", "--config", str(CONFIG)])
    assert valid.exit_code == 0 and valid.output.count("ok:") == 2
    unknown = runner.invoke(app, ["universe", "show", "nonexistent", "--config", str(CONFIG)])
    assert unknown.exit_code == 2


def test_unexpected_error_is_one_line_exit_1() -> None:
    def broken() -> datetime:  # a bug anywhere below the command: here, the environment's clock
        raise ZeroDivisionError("boom")

    result = EnvRunner(lambda: make_env(clock=broken)).invoke(app, ["screen", *BASE])
    assert result.exit_code == 1
    assert "unexpected error (ZeroDivisionError): boom" in result.output
    assert "Traceback" not in result.output


def test_as_of_before_the_data_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "--as-of", "2020-01-01"])
    assert result.exit_code == 3
    assert "look-ahead" in result.output and "Traceback" not in result.output


def test_reverse_sort_by_name(runner: CliRunner) -> None:
    def names(*extra: str) -> list[str]:
        result = runner.invoke(app, ["screen", *BASE, "--format", "csv", "-g", "Magnets", "--sort", "name", *extra])
        return [r["name"] for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"]

    forward = names()
    assert forward == sorted(forward, key=str.lower)
    assert names("--reverse") == forward[::-1]


def test_legend_follows_config(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path, {"ratings": {"buy": 0.20}})
    result = runner.invoke(app, ["screen", "--config", str(config), "--source", "snapshot", "--notes"])
    assert result.exit_code == 0, result.output
    assert "Buy ≥20%" in result.output


def test_aggregates_harmonic_for_multiples_only_and_flagged_yields_excluded(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", *BASE, "--format", "csv", "-g", "Producers"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    harmonic = next(r for r in rows if r["row_type"] == "harmonic_mean")
    assert harmonic["upside"] == "" and harmonic["dy_fy1"] == "" and float(harmonic["pe_fy1"]) > 0
    mean = next(r for r in rows if r["row_type"] == "mean")
    companies = [r for r in rows if r["row_type"] == "company"]
    clean = [
        float(r["dy_fy1"]) for r in companies if "dy_implausible" not in r["flags"] and r["dy_fy1"] not in ("NA", "NM")
    ]
    assert float(mean["dy_fy1"]) == pytest.approx(sum(clean) / len(clean))


LOSS_MAKER = """
[[company]]
ticker = "MP"
name = "MP Materials"
group = "Producers"
currency = "USD"
fiscal_year_end_month = 12
[company.consensus]
reference_price = 73.77
reference_date = 2025-10-10
[company.consensus.years.2025]
pe = -36.885
pb = 7.2
"""


def test_nm_keeps_the_raw_input_visible(runner: CliRunner, tmp_path: Path) -> None:
    universe = tmp_path / "loss.toml"
    universe.write_text(LOSS_MAKER)
    # MP's consensus differs from producers.toml's: a config without it (research belongs to the company)
    config = make_config(tmp_path / "w", {"universes": {"files": [str(UNIVERSES / "magnets.toml")]}})
    base = ["screen", "--config", str(config), *BASE[2:], "-u", str(universe)]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    assert "NM (EPS -2.00)" in table.output  # 73.77 / -36.885: a loss of 2.00 per share
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "--format", "csv"]).stdout)))
    assert rows[0]["pe_fy1"] == "NM"  # the CSV contract keeps the literal code
    payload = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    assert payload["nm_inputs"]["MP"]["pe_fy1"] == pytest.approx(-2.0)
