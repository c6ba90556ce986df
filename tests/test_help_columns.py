"""Help (#22 item 5): every `--columns` help names only that table's own columns, the usage line names the command
the user typed (`screener financials`, not `financials show`), and every usage error starts with `error:`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from screener.cli import app
from screener.render import correlation, financials, listings, screens, tables, universe_tables, valuation
from tests.conftest import ROOT, EnvRunner
from tests.test_help import PATHS

# The keys each command checks `--columns` against (the third argument of its View.parse call), read here from the
# renderers directly: a command whose help lists another table's names fails below.
OWN_KEYS: dict[str, tuple[str, ...]] = {
    "screen": tables.SCREEN_KEYS,
    "value": valuation.TABLE_KEYS,
    "correlate": correlation.TABLE_KEYS,
    "financials": financials.TABLE_KEYS,
    "financials show": financials.TABLE_KEYS,
    "drift": tables.keys(tables.DRIFT_COLUMNS),
    "history list": tables.keys(tables.HISTORY_RUNS_COLUMNS),
    "history show": tables.keys(tables.HISTORY_RUN_COLUMNS),
    "view history": tables.keys(tables.VIEW_HISTORY_COLUMNS),
    "universe list": tables.keys(universe_tables.UNIVERSE_LIST_COLUMNS),
    "universe show": tables.keys(universe_tables.UNIVERSE_SHOW_COLUMNS),
    "oxides list": listings.OXIDE_KEYS,
    "cache info": listings.STORE_KEYS,
    "screens": tables.keys(screens.SCREENS_COLUMNS),
}
LISTED = re.compile(r"Only these columns, comma-separated, of: (.*?)(?: …|\. )")


def _help(words: list[str]) -> str:
    result = EnvRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "100"}, prog_name="screener")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def _columns_help(text: str) -> str:
    """The `--columns` entry of a help page, its wrapped lines joined into one."""
    entry = text.split("--columns", 1)[1]
    entry = re.split(r"\n\s+--?[a-z]", entry, maxsplit=1)[0]
    return " ".join(entry.split())


def test_every_columns_option_is_one_of_the_known_tables() -> None:
    with_columns = {" ".join(p) for p in PATHS if p and "--columns" in _help(p)}
    assert with_columns == set(OWN_KEYS)


@pytest.mark.parametrize("words", sorted(OWN_KEYS))
def test_columns_help_lists_only_the_tables_own_keys(words: str) -> None:
    entry = _columns_help(_help(words.split()))
    listed = LISTED.search(entry)
    assert listed, entry
    names = listed.group(1).split(", ")
    own = OWN_KEYS[words]
    assert names and set(names) <= set(own), (words, sorted(set(names) - set(own)))
    assert names == list(own[: len(names)])  # in the table's own order, from its first key
    if len(names) < len(own):
        assert f"({len(own)} in all" in entry
    assert "\x00" not in entry and "etr,pe_fy1,flags" not in entry


def test_a_short_table_lists_all_its_columns_and_a_long_one_says_how_many() -> None:
    value = _columns_help(_help(["value"]))
    assert f"of: {', '.join(valuation.TABLE_KEYS)}. @NAME: a column set" in value and "in all" not in value
    screen = _columns_help(_help(["screen"]))
    assert f"… ({len(tables.SCREEN_KEYS)} in all; an unknown name lists them)" in screen


def test_the_keys_are_read_only_when_help_is_printed() -> None:
    code = (
        "import sys\nfrom screener.cli import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "render = [m for m in sys.modules if m.startswith('screener.render.')]\n"
        "print(sorted(m for m in render if m != 'screener.render.formatting'))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code, "--version"], capture_output=True, text=True, cwd=ROOT)
    assert loaded.stdout.strip().splitlines()[-1] == "[]", loaded.stdout + loaded.stderr


def test_financials_usage_names_the_command_the_user_types() -> None:
    assert _help(["financials"]).startswith("Usage: screener financials [OPTIONS] [TICKER...]\n")
    assert _help(["financials", "show"]).startswith("Usage: screener financials show [OPTIONS]")
    assert _help(["financials", "import"]).startswith("Usage: screener financials import [OPTIONS] FILE")
    typed = EnvRunner().invoke(app, ["financials", "--bogus"], prog_name="screener")
    assert typed.exit_code == 2 and "(see 'screener financials --help')" in typed.stderr


USAGE_ERRORS = [
    ["screen", "--bogus"],  # unknown option
    ["value"],  # missing argument
    ["nosuch"],  # unknown command
    ["chart", "nosuch"],  # unknown subcommand of a group
    ["financials", "--years", "0"],  # bad value, through the default subcommand
    ["history", "show", "not-a-date"],  # bad argument value
    ["screen", "--as-of"],  # option without its value
    ["oxides", "list", "--columns", "etr"],  # a column of another table
    ["cache", "info", "extra"],  # an extra argument
]


@pytest.mark.parametrize("words", USAGE_ERRORS, ids=" ".join)
def test_every_usage_error_starts_with_lower_case_error(words: list[str]) -> None:
    result = EnvRunner().invoke(app, words, prog_name="screener")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Error" not in result.stderr and not result.stdout
