"""A corpus of broken universe and config files: each gives exit 2 and a one-line message naming the
file and the field (and the line where it can be found), never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app

from .conftest import CONFIG

CORPUS = Path(__file__).parent / "corpus"
UNIVERSE_FILES = sorted((CORPUS / "universes").glob("*.toml"))
CONFIG_FILES = sorted((CORPUS / "config").glob("*.toml"))


def expectations(path: Path) -> tuple[str | None, int | None]:
    head = path.read_bytes()[:400].decode("utf-8", errors="replace")
    field = re.search(r"# expect-field: ?(.*)", head)
    line = re.search(r"# expect-line: (\d+)", head)
    return (field.group(1).strip() if field else None), (int(line.group(1)) if line else None)


def check(result, path: Path, field: str | None, line: int | None) -> None:  # type: ignore[no-untyped-def]
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    assert path.name in output, output
    if field:
        assert f"{field}:" in output, output
    if line is not None:
        assert f"{path.name}:{line}:" in output, output


def test_corpus_is_large_enough() -> None:
    assert len(UNIVERSE_FILES) + len(CONFIG_FILES) >= 15


@pytest.mark.parametrize("path", UNIVERSE_FILES, ids=lambda p: p.name)
def test_broken_universe_validate(runner: CliRunner, path: Path) -> None:
    field, line = expectations(path)
    check(runner.invoke(app, ["universe", "validate", str(path)]), path, field, line)


@pytest.mark.parametrize("path", UNIVERSE_FILES, ids=lambda p: p.name)
def test_broken_universe_screen(runner: CliRunner, path: Path) -> None:
    field, line = expectations(path)
    result = runner.invoke(app, ["screen", "--config", str(CONFIG), "--source", "snapshot", "-u", str(path)])
    check(result, path, field, line)


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_broken_config(runner: CliRunner, path: Path) -> None:
    field, _ = expectations(path)
    result = runner.invoke(app, ["screen", "--config", str(path), "--source", "snapshot"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    if field:
        assert path.name in result.output and f"{field}:" in result.output, result.output
    else:
        assert "does_not_exist.toml" in result.output


def test_line_numbers_point_at_the_field(runner: CliRunner) -> None:
    path = CORPUS / "universes" / "06_negative_target.toml"
    result = runner.invoke(app, ["universe", "validate", str(path)])
    number = int(re.search(r"06_negative_target\.toml:(\d+):", result.output).group(1))  # type: ignore[union-attr]
    assert "target_price" in path.read_text().splitlines()[number - 1]


def test_missing_config_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "nope.toml: file not found" in result.output
