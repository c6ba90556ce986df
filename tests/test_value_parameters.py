"""``screener value``: the use case names its parameters (``ParameterError``), the command names the options; the
result's fields are neutral for the band's multiple (P/B or P/E)."""

from __future__ import annotations

import ast
import dataclasses

import pytest

from screener.app.value import ValuationResult
from screener.cli import app
from screener.commands.value import VALUE_OPTIONS
from screener.errors import ParameterError, UsageError

from .conftest import CONFIG, PACKAGE, EnvRunner

SNAPSHOT = ["--source", "snapshot", "--config", str(CONFIG)]


def test_a_parameter_error_is_named_by_whoever_reports_it() -> None:
    error = ParameterError("{pb_mean} must be > 0 (not {x}), {pb_mean} again", "pb_mean")
    assert isinstance(error, UsageError) and error.parameters == ("pb_mean",)
    assert str(error) == "pb_mean must be > 0 (not {x}), pb_mean again"  # only its parameters are replaced
    assert error.naming({"pb_mean": "--pb-mean"}) == "--pb-mean must be > 0 (not {x}), --pb-mean again"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--multiple", "pe", "--pb-mean", "5"],
            "--pb-mean, --pb-sd and --bvps apply to the P/B band, not to --multiple pe",
        ),
        (["--multiple", "ev"], "--multiple must be pb or pe, got 'ev'"),
        (["--pb-mean", "0", "--pb-sd", "1", "--bvps", "5"], "--pb-mean must be > 0"),
    ],
)
def test_the_command_names_the_options(args: list[str], message: str) -> None:
    result = EnvRunner().invoke(app, ["value", "600111.SS", *args, *SNAPSHOT])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {message}"


def test_a_name_in_no_universe_is_told_which_options_value_it() -> None:
    result = EnvRunner().invoke(app, ["value", "600999.SS", *SNAPSHOT])
    assert result.exit_code == 2 and "or pass --bvps and --pb-mean" in result.stderr


def test_the_use_case_names_no_option_of_the_command() -> None:
    tree = ast.parse((PACKAGE / "app" / "value.py").read_text(encoding="utf-8"))
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    named = {option for option in VALUE_OPTIONS.values() for text in texts if option in text}
    assert named == set()


def test_the_result_fields_are_neutral() -> None:
    names = {f.name for f in dataclasses.fields(ValuationResult)}
    assert {"multiple_mean", "multiple_sd", "current_multiple", "forward_multiple", "forward_per_share"} <= names
    assert not {n for n in names if n.startswith(("pb_", "pe_", "bvps", "eps"))}
