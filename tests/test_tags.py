"""Company tags (#24 item 5): ``tags = [...]`` in a universe entry, validated (exit 2 naming file, line and key);
the oxide exposure added as a tag once; the bundled quota-holders and producers outside China; the PM CSV's last
column on CSV, JSON and the terminal table; tags follow the company like the rest of its research."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from screener.cli import app
from screener.errors import UniverseError
from screener.models import Company
from screener.render.export import CSV_COLUMNS
from screener.universe import load_universe

from .conftest import CONFIG, UNIVERSES, EnvRunner, make_config

HEAD = '[universe]\nname = "mine"\n\n[[company]]\nticker = "600111.SS"\nname = "N"\ngroup = "G"\ncurrency = "CNY"\n'
HEAD += "fiscal_year_end_month = 12\n"
"""One company; the key written after it is on line 10."""


def _write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(HEAD + extra)
    return path


def test_declared_tags_then_the_oxide_exposure(tmp_path: Path) -> None:
    company = load_universe(_write(tmp_path, 'tags = ["quota-holder", "x1"]\noxide_exposure = "heavy"\n')).companies[0]
    assert company.declared_tags == ("quota-holder", "x1")
    assert company.tags == ("quota-holder", "x1", "heavy")
    assert load_universe(_write(tmp_path, 'oxide_exposure = "light"\n')).companies[0].tags == ("light",)
    assert load_universe(_write(tmp_path, "")).companies[0].tags == ()
    bare = Company("X", "X", "G", "USD", "USD", 12, declared_tags=("ex-china",))
    assert bare.tags == ("ex-china",)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('["Quota"]', ["'Quota'", "lowercase"]),
        ('["quota holder"]', ["'quota holder'"]),
        ("[5]", ["5"]),
        ('["-x"]', ["'-x'"]),
        ('["' + "a" * 33 + '"]', ["1-32"]),
        ('["light"]', ["derived from oxide_exposure"]),
        ('["heavy"]', ["derived from oxide_exposure"]),
        ('["ex-china", "ex-china"]', ["given twice"]),
        ('"quota-holder"', ["must be a list"]),
    ],
)
def test_a_bad_tag_is_exit_2_naming_file_line_and_key(tmp_path: Path, value: str, words: list[str]) -> None:
    path = _write(tmp_path, f"tags = {value}\n")
    with pytest.raises(UniverseError):
        load_universe(path)
    result = EnvRunner().invoke(app, ["universe", "validate", str(path), "--config", str(CONFIG)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}:10: company[0].tags: "), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    for word in words:
        assert word in result.stderr


def test_a_good_tag_at_the_limits_is_accepted(tmp_path: Path) -> None:
    tags = ["a", "9", "a" * 32, "ex-china-2"]
    company = load_universe(_write(tmp_path, f"tags = {json.dumps(tags)}\n")).companies[0]
    assert company.tags == tuple(tags)


def test_the_bundled_universes_tag_supply() -> None:
    producers = {c.ticker: c for c in load_universe(UNIVERSES / "producers.toml").companies}
    magnets = load_universe(UNIVERSES / "magnets.toml").companies
    quota = {t for t, c in producers.items() if "quota-holder" in c.tags}
    outside = {t for t, c in producers.items() if "ex-china" in c.tags}
    assert quota == {"600111.SS", "000831.SZ"}
    assert outside == {"LYC.AX", "MP"}
    assert producers["600111.SS"].tags == ("quota-holder", "light")
    assert producers["000831.SZ"].tags == ("quota-holder", "heavy")
    for company in (*producers.values(), *magnets):  # every recorded exposure is a tag, exactly once
        assert company.oxide_exposure is not None
        assert company.tags.count(company.oxide_exposure) == 1
        assert company.tags[-1] == company.oxide_exposure


def _screen(*args: str) -> str:
    result = EnvRunner().invoke(app, ["screen", "--source", "snapshot", *args, "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    return result.stdout  # type: ignore[no-any-return]


def test_tags_is_the_last_column_of_the_csv_and_json() -> None:
    assert CSV_COLUMNS[-1] == "tags"
    text = _screen("-u", "producers", "--format", "csv")
    header = next(csv.reader(io.StringIO(text)))
    assert header[-1] == "tags" and header == CSV_COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    by_ticker = {r["ticker"]: r["tags"] for r in rows if r["row_type"] == "company"}
    assert by_ticker["600111.SS"] == "quota-holder;light"
    assert by_ticker["000831.SZ"] == "quota-holder;heavy"
    assert by_ticker["MP"] == "ex-china;light"
    assert by_ticker["600259.SS"] == "heavy"
    assert all(r["tags"] == "" for r in rows if r["row_type"] != "company")  # no tags on a statistic row
    payload = json.loads(_screen("-u", "producers", "--format", "json"))
    assert [(r["ticker"], r["tags"]) for r in payload["rows"]] == [(r["ticker"], r["tags"]) for r in rows]
    assert list(payload["rows"][0])[-1] == "tags"


def test_the_terminal_shows_tags_with_columns_and_wide() -> None:
    picked = _screen("-u", "producers", "--columns", "tags")
    line = next(line for line in picked.splitlines() if "600111.SS" in line)
    assert "quota-holder light" in line
    assert "Tags" in _screen("-u", "producers", "--wide") and "Tags" not in _screen("-u", "producers")


def test_tags_follow_the_company_and_two_files_must_agree(tmp_path: Path) -> None:
    mine = _write(tmp_path, 'tags = ["my-tag"]\n')  # 600111.SS tagged differently from producers.toml
    config = make_config(tmp_path / "w", {"universes": {"files": [str(UNIVERSES / "producers.toml"), str(mine)]}})
    result = EnvRunner().invoke(app, ["screen", "-u", "producers", "--source", "snapshot", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert f"{mine}:4: tags: 600111.SS: tags differs from" in result.stderr
    assert "['my-tag'] here, ['quota-holder'] there" in result.stderr
    untagged = _write(tmp_path, "")  # no tags of its own: the company's tags come with its research
    config = make_config(tmp_path / "v", {"universes": {"files": [str(UNIVERSES / "producers.toml"), str(untagged)]}})
    result = EnvRunner().invoke(app, ["screen", "-u", "mine", "--source", "snapshot", "--format", "csv",
                                      "--config", str(config)])  # fmt: skip
    assert result.exit_code == 0, result.output
    row = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == "600111.SS")
    assert row["tags"] == "quota-holder;light"
