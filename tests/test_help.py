"""Help text (#13): nothing swallowed, plain option syntax, an example on every command and group, --version,
`screener` alone prints help and exits 0, and one cron recipe shared by `drift --help` and the README."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from screener.cli import app
from tests.conftest import ROOT, EnvRunner

PLACEHOLDERS = re.compile(r"<(str|bool|int|float|path|list\[[^>]*\]|[a-z]+ range)>|\{[a-z_]+\}")


def _command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(command: Any, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


PATHS = _command_paths()


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "screener" for p in PATHS])
def test_every_help_has_an_example_and_plain_syntax(path: list[str]) -> None:
    result = EnvRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Example" in text, f"no example in `screener {' '.join(path)} --help`"
    assert not PLACEHOLDERS.findall(text), PLACEHOLDERS.findall(text)
    assert "<bool>" not in text and "[default: False]" not in text


def test_square_brackets_in_help_are_printed_not_swallowed() -> None:
    runner = EnvRunner()
    value = runner.invoke(app, ["value", "--help"], env={"COLUMNS": "200"}).stdout
    assert "[valuation] since" in value and "[[company.book_values]]" in value
    correlate = runner.invoke(app, ["correlate", "--help"], env={"COLUMNS": "200"}).stdout
    assert "[[oxides.series]]" in correlate


def test_flags_take_no_value_and_valued_options_show_what_they_take() -> None:
    runner = EnvRunner()
    text = runner.invoke(app, ["screen", "--help"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"--reverse / --no-reverse\s+Reverse", text)  # a flag: no placeholder
    assert "--as-of DATE" in text and "--format table|csv|json" in text and "-u, --universe NAME|FILE" in text
    assert runner.invoke(app, ["screen", "--source", "snapshot", "--reverse", "--format", "csv"]).exit_code == 0
    usage = runner.invoke(app, ["value", "--help"], prog_name="screener").stdout
    assert usage.startswith("Usage: screener value [OPTIONS] TICKER")
    assert "[DIR]" in runner.invoke(app, ["init", "--help"]).stdout.splitlines()[0]


def test_example_command_lines_are_never_rewrapped() -> None:
    text = EnvRunner().invoke(app, ["value", "--help"], env={"COLUMNS": "80"}).stdout
    assert (
        "    screener value 600111.SS --pb-mean 9.5 --pb-sd 0 --source snapshot   (band from another terminal)" in text
    )


def test_version_and_bare_screener() -> None:
    runner = EnvRunner()
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and re.fullmatch(r"screener \d+\.\d+\.\d+\S*\n", version.stdout)
    bare = runner.invoke(app, [], prog_name="screener")
    assert bare.exit_code == 0 and bare.stdout.startswith("Usage: screener [OPTIONS] COMMAND")
    group = runner.invoke(app, ["chart"])
    assert group.exit_code == 0 and "pb-band" in group.stdout


def test_the_cron_recipe_is_the_same_in_help_and_readme() -> None:
    from screener.commands.drift import CRON_RECIPE

    help_text = EnvRunner().invoke(app, ["drift", "--help"], env={"COLUMNS": "400"}).stdout
    assert CRON_RECIPE in help_text
    assert CRON_RECIPE in (ROOT / "README.md").read_text()
    assert "|| mail" not in help_text


def test_the_docs_the_readme_and_help_cite_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for cited in set(re.findall(r"\(((?:docs/)?[A-Z]+\.md)[)#]", readme)):
        assert (ROOT / cited).is_file(), f"README cites {cited}, which is not in the repository"
    cli = (ROOT / "docs" / "CLI.md").read_text()
    from screener.commands.drift import CRON_RECIPE
    from screener.render.export import CSV_COLUMNS

    assert CRON_RECIPE in cli
    assert ",".join(CSV_COLUMNS) in cli.replace("`\n`", "")  # the PM CSV columns as the program writes them
    for path in PATHS:  # every command is documented
        if len(path) == 1:
            assert f"screener {path[0]}" in cli, f"docs/CLI.md does not mention `screener {path[0]}`"


def test_financials_help_shows_the_table_options_and_the_import_subcommand() -> None:
    text = EnvRunner().invoke(app, ["financials", "--help"], env={"COLUMNS": "200"}).stdout
    assert "--years N" in text and "-u, --universe NAME|FILE" in text and "screener financials import" in text
