"""Saved screens and column sets (#24 items 2 and 4): ``[screens.NAME]`` validated like the rest of the config
(file, line, key), ``--preset NAME`` merged with the command line (an option given there wins), ``screener
screens``, the shipped screens working on the bundled snapshot; ``[columns]`` sets for ``--columns @NAME`` and
``--columns`` shown in the order given."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from screener.app.presets import choose, expand_columns
from screener.cli import app
from screener.config import load_settings
from screener.errors import ConfigError, UsageError
from screener.render.fit import Spec, View

from .conftest import CONFIG, EnvRunner, make_config, make_env
from .test_tables_fit import parse


def _invoke(*args: str, config: Path = CONFIG, width: int = 200) -> Any:
    return EnvRunner(lambda: make_env(width=width)).invoke(app, [*args, "--config", str(config)])


def _ok(*args: str, config: Path = CONFIG) -> str:
    result = _invoke(*args, config=config)
    assert result.exit_code in (0, 4), result.output
    return result.stdout


def _rows(*args: str, config: Path = CONFIG) -> list[dict[str, str]]:
    text = _ok("screen", "--source", "snapshot", "--format", "csv", *args, config=config)
    return list(csv.DictReader(io.StringIO(text)))


def _companies(rows: list[dict[str, str]]) -> list[str]:
    return [r["ticker"] for r in rows if r["row_type"] == "company"]


def _with(tmp_path: Path, text: str) -> Path:
    """The tests' config with ``text`` appended (its first line's number returned by :func:`_line`)."""
    path = make_config(tmp_path / "c")
    path.write_text(path.read_text() + "\n" + text)
    return path


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@cache
def _all() -> list[dict[str, str]]:
    """The unfiltered PM CSV of the bundled snapshot (read once)."""
    return _rows()


def test_the_shipped_screens_work_on_the_bundled_snapshot() -> None:
    settings = load_settings(CONFIG)
    assert list(settings.screens) == ["cheap-producers", "buy-rated", "out-of-band"]
    assert set(settings.column_sets) == {"valuation", "ratings"}
    for name in settings.screens:
        rows = _rows("--preset", name)
        assert _companies(rows), name
    out = [r["ticker"] for r in _all() if r["row_type"] == "company" and r["in_band"] == "false"]
    assert sorted(_companies(_rows("--preset", "out-of-band"))) == sorted(out) and out


def test_a_preset_applies_where_sort_universes_and_the_command_line_wins() -> None:
    producers = [r for r in _all() if r["row_type"] == "company" and r["group"] == "Producers"]

    def number(text: str) -> float | None:
        return None if text in ("NA", "NM") else float(text)

    cheap = [r for r in producers if (number(r["pb_fy1"]) or 99) < 6 or (number(r["pe_fy1"]) or 999) < 60]
    by_pb = [r["ticker"] for r in sorted(cheap, key=lambda r: number(r["pb_fy1"]) or float("inf"))]
    rows = _rows("--preset", "cheap-producers")
    assert _companies(rows) == by_pb and {r["group"] for r in rows} == {"Producers"}
    # each option given wins: --sort, --reverse, --top, --where, -u
    by_pe = sorted(cheap, key=lambda r: number(r["pe_fy1"]) or float("inf"))
    assert _companies(_rows("--preset", "cheap-producers", "--sort", "pe_fy1")) == [r["ticker"] for r in by_pe]
    assert _companies(_rows("--preset", "cheap-producers", "--reverse")) == by_pb[::-1]
    assert _companies(_rows("--preset", "cheap-producers", "--top", "1")) == by_pb[:1]
    assert _companies(_rows("--preset", "cheap-producers", "--where", "ticker == 'MP'")) == ["MP"]
    magnets = _rows("--preset", "cheap-producers", "-u", "magnets")
    assert {r["group"] for r in magnets if r["row_type"] == "company"} == {"Magnets"}


def test_no_reverse_overrides_a_reversed_preset(tmp_path: Path) -> None:
    config = _with(tmp_path, '[screens.rev]\nsort = "etr"\nreverse = true\ntop = 2\n')
    natural = _companies(_rows("--sort", "etr", "--top", "2", config=config))
    assert _companies(_rows("--preset", "rev", config=config)) == _companies(
        _rows("--sort", "etr", "--reverse", "--top", "2", config=config)
    )
    assert _companies(_rows("--preset", "rev", "--no-reverse", config=config)) == natural
    assert _companies(_rows("--preset", "rev", "--top", "1", "--no-reverse", config=config)) == [
        t for t in natural if t in _companies(_rows("--sort", "etr", "--top", "1", config=config))
    ]


def test_choose_merges_a_preset_with_options() -> None:
    settings = load_settings(CONFIG)
    bare = choose(settings, None, sort="etr", top=3)
    assert (bare.criteria, bare.sort, bare.reverse, bare.top, bare.universes, bare.preset) == (
        None,
        "etr",
        False,
        3,
        (),
        None,
    )
    merged = choose(settings, "cheap-producers", top=2, groups=["Producers"])
    assert merged.criteria is not None and merged.criteria.text == "pb_fy1 < 6 or pe_fy1 < 60"
    assert (merged.sort, merged.reverse, merged.top, merged.universes, merged.groups, merged.columns) == (
        "pb_fy1", False, 2, ("producers",), ("Producers",), "@valuation"
    )  # fmt: skip
    replaced = choose(settings, "cheap-producers", where="etr > 0", sort="etr", reverse=True, columns="etr",
                      universes=["magnets"])  # fmt: skip
    assert replaced.criteria is not None and replaced.criteria.text == "etr > 0"
    assert (replaced.sort, replaced.reverse, replaced.columns, replaced.universes) == ("etr", True, "etr", ("magnets",))
    with pytest.raises(UsageError, match="--preset: unknown screen 'nope' \\(screens: cheap-producers, buy-rated"):
        choose(settings, "nope")


def test_screens_lists_them_as_a_table_and_json() -> None:
    table = " ".join(_ok("screens").split())
    for name, where in (("cheap-producers", "pb_fy1 < 6 or pe_fy1 < 60"), ("out-of-band", "in_band == 'false'")):
        assert name in table and where in table
    payload = json.loads(_ok("screens", "--format", "json"))
    assert [s["name"] for s in payload["screens"]] == ["cheap-producers", "buy-rated", "out-of-band"]
    first = payload["screens"][0]
    assert first["universes"] == ["producers"] and first["columns"] == ["@valuation"] and first["top"] is None


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[screens.bad]\nsort = "nope"\n', "screens.bad.sort", "must be one of etr"),
        ("[screens.bad]\ntop = 0\n", "screens.bad.top", "0"),
        ('[screens.bad]\ntop = "3"\n', "screens.bad.top", "must be an integer"),
        ("[screens.bad]\nwhere = 3\n", "screens.bad.where", "non-empty string"),
        ('[screens.bad]\nwhere = "etr > 0"\ncolour = "red"\n', "screens.bad.colour", "unknown key"),
        ('[screens.bad]\ncolumns = ["@nope"]\n', "screens.bad.columns", "unknown column set '@nope'"),
        ('[screens.bad]\nuniverses = "producers"\n', "screens.bad.universes", "must be a list"),
        ("[screens.bad]\ngroups = []\nreverse = 1\n", "screens.bad.reverse", "true or false"),
        ('[screens.Bad]\nsort = "etr"\n', "screens.Bad", "lowercase"),
    ],
)
def test_a_bad_screen_is_exit_2_naming_file_line_and_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    config = _with(tmp_path, text)
    lines = config.read_text().splitlines()
    first = len(lines) - len(text.splitlines()) + 1  # the appended header's line
    offending = first if key.count(".") == 1 else first + len(text.splitlines()) - 1  # the last key written
    assert lines[first - 1].startswith("[screens.")
    result = _invoke("screens", config=config)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith(f"error: {config}:{offending}: {key}: "), message
    assert words in message and len(message.splitlines()) == 1


def test_a_bad_where_in_a_screen_names_file_line_and_key(tmp_path: Path) -> None:
    config = _with(tmp_path, '[screens.typo]\ndescription = "x"\nwhere = "pe_fy1 < 30 and"\n')
    line = _line(config, 'where = "pe_fy1 < 30 and"')
    for args in (["screens"], ["screen", "--source", "snapshot", "--preset", "typo"]):
        result = _invoke(*args, config=config)
        assert result.exit_code == 2, result.output
        assert f"{config}:{line}: screens.typo.where: expected a column" in result.stderr
    config = _with(tmp_path / "u", '[screens.col]\nwhere = "pe < 30"\n')
    result = _invoke("screen", "--source", "snapshot", "--preset", "col", config=config)
    assert result.exit_code == 2 and "screens.col.where: unknown column 'pe'" in result.stderr
    assert "pe_fy1" in result.stderr
    # the command line's --where replaces the broken one
    broken = _with(tmp_path / "v", '[screens.typo]\nwhere = "pe_fy1 < 30 and"\n')
    assert (
        _invoke("screen", "--source", "snapshot", "--preset", "typo", "--where", "etr > 0", config=broken).exit_code
        == 0
    )


@pytest.mark.parametrize("command", ["screen", "export", "report", "drift"])
def test_an_unknown_preset_is_exit_2_listing_the_screens(command: str, tmp_path: Path) -> None:
    out = {"export": ["--out", str(tmp_path / "x.csv")], "report": ["--out", str(tmp_path / "x.html")]}
    result = _invoke(command, "--source", "snapshot", *out.get(command, []), "--preset", "nope")
    assert result.exit_code == 2, result.output
    assert "--preset: unknown screen 'nope' (screens: cheap-producers, buy-rated, out-of-band)" in result.stderr


def test_export_report_and_drift_take_a_preset(tmp_path: Path, config: Path) -> None:
    expected = _companies(_rows("--preset", "buy-rated"))
    target = tmp_path / "buy.csv"
    assert _invoke("export", "--source", "snapshot", "--preset", "buy-rated", "--out", str(target)).exit_code == 0
    assert _companies(list(csv.DictReader(io.StringIO(target.read_text())))) == expected
    page = tmp_path / "buy.html"
    assert _invoke("report", "--source", "snapshot", "--preset", "buy-rated", "--out", str(page)).exit_code == 0
    assert "--where house_rating == &#39;Buy&#39; or rule_rating == &#39;Buy&#39;" in page.read_text()
    args = ["drift", "--source", "snapshot", "--no-record", "--format", "json", "--preset", "out-of-band"]
    drift = json.loads(_ok(*args, config=config))
    assert drift["where"]["expression"] == "in_band == 'false'"
    out = {r["ticker"] for r in _all() if r["row_type"] == "company" and r["in_band"] == "false"}
    assert {f["ticker"] for f in drift["findings"]} <= out and drift["findings"]


# --- column sets and the order of --columns -----------------------------------------------------------------------


def _headers(*args: str, config: Path = CONFIG) -> list[list[str]]:
    return [table.headers for table in parse(_ok("screen", "--source", "snapshot", *args, config=config))]


def test_columns_keep_the_order_given() -> None:
    assert _headers("--columns", "etr,price") == [["Ticker", "Name", "ETR", "Price"]]
    assert _headers("--columns", "price,etr") == [["Ticker", "Name", "Price", "ETR"]]
    assert _headers("--columns", "roe_fy1,pe_fy1,name") == [["Ticker", "ROE FY1", "P/E FY1", "Name"]]
    specs = [Spec("t", "T"), Spec("a", "A", 1), Spec("b", "B", 2), Spec("c", "C", 3)]
    assert View(("c", "a")).order(specs) == [0, 3, 1] and View().order(specs) == [0, 1, 2, 3]


def test_a_column_set_is_shown_in_its_order() -> None:
    settings = load_settings(CONFIG)
    ratings = list(settings.column_sets["ratings"].keys)
    (table,) = _headers("--columns", "@ratings")
    headers = {"price": "Price", "target_price": "TP", "etr": "ETR", "house_rating": "House", "rule_rating": "Rule",
               "in_band": "Band", "flags": "Flags"}  # fmt: skip
    assert table == ["Ticker", "Name", *(headers[k] for k in ratings)]
    assert _headers("--columns", "@ratings,pe_fy1") == [table, ["Ticker", "Name", "P/E FY1"]]
    assert expand_columns(settings, "upside,@ratings", ("upside", *ratings)) == ",".join(["upside", *ratings])


def test_an_unknown_set_or_a_key_the_table_lacks_is_exit_2(tmp_path: Path, config: Path) -> None:
    result = _invoke("screen", "--source", "snapshot", "--columns", "@nope")
    assert result.exit_code == 2
    assert "--columns: unknown column set '@nope' (sets: @valuation, @ratings)" in result.stderr
    bad = make_config(tmp_path / "b", {"columns": {"odd": ["etr", "colour"]}})
    result = _invoke("screen", "--source", "snapshot", "--columns", "@odd", config=bad)
    assert result.exit_code == 2
    assert "--columns @odd: 'colour' is not a column of this table" in result.stderr
    assert f"the set is at {bad}:{_line(bad, 'odd = ')}" in result.stderr
    with pytest.raises(ConfigError, match="given twice"):
        load_settings(make_config(tmp_path / "t", {"columns": {"twice": ["etr", "etr"]}}))
    with pytest.raises(ConfigError, match="non-empty list"):
        load_settings(make_config(tmp_path / "e", {"columns": {"empty": []}}))


def test_drift_takes_a_column_set_of_its_own_keys(config: Path, tmp_path: Path) -> None:
    mine = make_config(tmp_path / "d", {"columns": {"brief": ["detail", "kind"]}})
    result = _invoke("drift", "--source", "snapshot", "--no-record", "--columns", "@brief", config=mine)
    assert result.exit_code in (0, 4), result.output
    (table,) = parse(result.stdout)
    assert table.headers[-2:] == ["Detail", "Finding"]
    wrong = _invoke("drift", "--source", "snapshot", "--no-record", "--columns", "@ratings", config=mine)
    assert wrong.exit_code == 2 and "--columns @ratings: 'price' is not a column of this table" in wrong.stderr


def test_a_screens_column_the_table_lacks_names_the_config(tmp_path: Path) -> None:
    config = _with(tmp_path, '[screens.cols]\nwhere = "etr > 0"\ncolumns = ["etr", "colour"]\n')
    line = _line(config, 'columns = ["etr", "colour"]')
    for args in (["screens"], ["screen", "--source", "snapshot", "--preset", "cols"]):
        result = _invoke(*args, config=config)
        assert result.exit_code == 2, result.output
        assert f"{config}:{line}: screens.cols.columns: unknown column 'colour'" in result.stderr
    # --columns on the command line replaces the screen's
    assert _headers("--preset", "cols", "--columns", "etr", config=config) == [["Ticker", "Name", "ETR"]]


@pytest.mark.parametrize(
    ("args", "keys", "headers"),
    [
        (["universe", "show", "producers"], ["fiscal_year_end_month", "group"], ["FYE", "Group"]),
        (["screens"], ["top", "where"], ["Top", "Where"]),
    ],
)
def test_every_table_takes_a_column_set_of_its_own_keys(
    tmp_path: Path, args: list[str], keys: list[str], headers: list[str]
) -> None:
    mine = make_config(tmp_path / "s", {"columns": {"mine": keys}})
    result = _invoke(*args, "--columns", "@mine", config=mine)
    assert result.exit_code == 0, result.output
    (table,) = parse(result.stdout)
    assert table.headers[-2:] == headers  # the set's keys, in the set's order, after the identity column
    wrong = _invoke(*args, "--columns", "@nope", config=mine)
    assert wrong.exit_code == 2 and "--columns: unknown column set '@nope' (sets: " in wrong.stderr


def test_a_screens_unknown_universe_or_group_names_the_config(tmp_path: Path) -> None:
    config = _with(tmp_path, '[screens.u]\nwhere = "etr > 0"\nuniverses = ["nope"]\n\n[screens.g]\ngroups = ["Nope"]\n')
    for name, key, words in (("u", "universes", "unknown universe 'nope'"), ("g", "groups", "unknown group nope")):
        line = _line(config, f'{key} = ["{"nope" if key == "universes" else "Nope"}"]')
        for command in (["screen", "--source", "snapshot"], ["drift", "--source", "snapshot", "--no-record"]):
            result = _invoke(*command, "--preset", name, config=config)
            assert result.exit_code == 2, result.output
            assert f"{config}:{line}: screens.{name}.{key}: {words}" in result.stderr, result.stderr
    # given on the command line, the same name is the option's error
    result = _invoke("screen", "--source", "snapshot", "-g", "Nope", config=config)
    assert result.exit_code == 2 and "--group: unknown group nope" in result.stderr


def test_preset_names_and_set_keys_ignore_case(tmp_path: Path) -> None:
    assert _companies(_rows("--preset", "Buy-Rated")) == _companies(_rows("--preset", "buy-rated"))
    with pytest.raises(ConfigError, match="given twice"):
        load_settings(make_config(tmp_path / "t", {"columns": {"twice": ["etr", "ETR"]}}))
