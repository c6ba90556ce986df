"""The ``--where`` grammar (#24 item 1): parsed by hand, never executed — hostile input (attribute access, calls,
comprehensions, lambdas, huge literals, deep nesting) is a CriteriaError with a position; a Hypothesis property:
the filter keeps exactly the rows a straightforward Python predicate keeps on random tables (NA compares false,
and so does its negation)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core import criteria as cr
from screener.core.criteria import CriteriaError, UnknownColumn, parse

KINDS: dict[str, cr.Kind] = {"a": "number", "b": "number", "r": "text", "s": "text", "f": "list"}


def keeps(text: str, row: dict[str, Any]) -> bool | None:
    return parse(text, KINDS).evaluate(row)


def test_comparisons_percentages_strings_and_columns_by_hand() -> None:
    row = {"a": 0.12, "b": 30.0, "r": "Buy", "s": "Sell", "f": ("dy_implausible", "stale_price")}
    assert keeps("a > 10%", row) is True and keeps("a > 12.5%", row) is False
    assert keeps("b < 30", row) is False and keeps("b <= 30", row) is True and keeps("30 >= b", row) is True
    assert keeps("b == 30 and a != 0.12", row) is False and keeps("b == 30 or a != 0.12", row) is True
    assert keeps("r == 'Buy'", row) is True and keeps('r == "buy"', row) is True and keeps("r != s", row) is True
    assert keeps("f has 'dy_implausible'", row) is True and keeps("f has 'dy'", row) is False
    assert keeps("r == 'BUY' and s != 'sell'", row) is False and keeps("f has 'STALE_PRICE'", row) is True
    assert keeps("a < b and not (r == s)", row) is True and keeps("NOT a < b", row) is False
    assert keeps("a > -1e-3 AND b > -5", row) is True and keeps("a < -.5", row) is False
    assert keeps("a > 0.1 and b > 20 or r == 'x'", row) is True  # and binds tighter than or
    assert keeps("a > 0.2 and (b > 20 or r == 'Buy')", row) is False


def test_na_compares_false_and_so_does_its_negation() -> None:
    row = {"a": None, "b": 5.0, "r": None, "s": "x", "f": ()}
    assert keeps("a < 10", row) is None and keeps("not a < 10", row) is None and keeps("a == a", row) is None
    assert keeps("a < 10 or b > 1", row) is True and keeps("a < 10 and b > 9", row) is False
    assert keeps("a < 10 and b > 1", row) is None and keeps("r == 'Buy' or b > 9", row) is None
    assert keeps("f has 'x'", row) is False and keeps("not f has 'x'", row) is True


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("a <", 4, "expected a column"),
        ("a < 3 b", 7, "expected 'and', 'or'"),
        ("(a < 3", 7, "expected ')'"),
        ("a = 3", 3, "unexpected character '='"),
        ("a < 'x", 5, "unterminated string"),
        ("a < 3x", 6, "after a number"),
        ("", 1, "empty expression"),
        ("a", 2, "expected a comparison"),
        ("3 < 4", 1, "needs a column"),
        ("a < 'Buy'", 3, "compares a number with a text"),
        ("r > 3", 3, "compares a text with a number"),
        ("f == 'x'", 1, "f is a list"),
        ("a has 'x'", 3, "'has' needs a list column"),
        ("f has x", 7, "a string after 'has'"),
        ("a < 1e999", 5, "outside"),
        ("a < " + "9" * 65, 5, "longer than 64"),
        ("zz < 3", 1, "unknown column 'zz'"),
    ],
)
def test_syntax_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(CriteriaError) as caught:
        parse(text, KINDS)
    assert caught.value.position == position and words in caught.value.message


HOSTILE = [
    "__import__('os').system('touch {mark}')",
    "a.__class__",
    "open('{mark}', 'w')",
    "[x for x in (1, 2)]",
    "lambda: open('{mark}', 'w')",
    "a < (lambda x: x)(1)",
    "a < 9**9**9",
    "a < " + "9" * 5000,
    "a < 1" + "0" * 400 + ".0",
    "(" * 5000 + "a < 1" + ")" * 5000,
    "not " * 5000 + "a < 1",
    "(" * (cr.MAX_DEPTH + 1) + "a < 1" + ")" * (cr.MAX_DEPTH + 1),
    "a < 1; import os",
    "a < 1 if True else 2",
    "{'a': 1}",
    "a < @x",
    "a < `id`",
    "a\x00 < 1",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_input_is_an_error_and_nothing_runs(template: str, tmp_path: Path) -> None:
    mark = tmp_path / "ran"
    with pytest.raises(CriteriaError):
        parse(template.replace("{mark}", str(mark)), KINDS)
    assert not mark.exists()


def test_the_limits_leave_room_for_real_screens() -> None:
    nested = "(" * cr.MAX_DEPTH + "a < 1" + ")" * cr.MAX_DEPTH
    assert keeps(nested, {"a": 0.5}) is True
    assert keeps("not " * cr.MAX_DEPTH + "a < 1", {"a": 0.5}) is True  # an even count of negations


def test_the_module_never_hands_text_to_an_evaluator() -> None:
    tree = ast.parse(Path(cr.__file__).read_text())
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    names = {f.id for f in calls if isinstance(f, ast.Name)}
    methods = {f.attr for f in calls if isinstance(f, ast.Attribute)}
    assert names and not names & {"eval", "exec", "compile", "__import__", "getattr"}
    assert methods and not methods & {"eval", "query", "literal_eval", "parse"}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "math", "operator", "re", "collections.abc", "dataclasses", "typing"}


def test_unknown_column_is_typed() -> None:
    with pytest.raises(UnknownColumn) as caught:
        parse("a < 1 and pe < 3", KINDS)
    assert caught.value.name == "pe" and caught.value.position == 11


# --- the property: random tables, random expressions, an independent Python predicate ---------------------------

Predicate = Callable[[dict[str, Any]], bool | None]
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne
}  # fmt: skip
WORDS = ("Buy", "Sell", "x", "buy", "SELL")


def _compare(op: str, left: Callable[[dict[str, Any]], Any], right: Callable[[dict[str, Any]], Any]) -> Predicate:
    def predicate(row: dict[str, Any]) -> bool | None:
        x, y = left(row), right(row)
        return None if x is None or y is None else OPS[op](x, y)

    return predicate


def _column(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[name]


def _constant(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda row: value


numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3))
ops = st.sampled_from(sorted(OPS))


@st.composite
def atoms(draw: st.DrawFn) -> tuple[str, Predicate]:
    choice = draw(st.integers(0, 4))
    op = draw(ops)
    column = draw(st.sampled_from(("a", "b")))
    if choice == 0:
        number = draw(numbers)
        return f"{column} {op} {number!r}", _compare(op, _column(column), _constant(number))
    if choice == 1:
        percent = draw(st.integers(-500, 500))
        return f"{percent}% {op} {column}", _compare(op, _constant(float(percent) / 100), _column(column))
    if choice == 2:
        return f"a {op} b", _compare(op, _column("a"), _column("b"))
    if choice == 3:
        word = draw(st.sampled_from(WORDS))
        folded = _compare(op, lambda row: None if row["r"] is None else row["r"].casefold(), _constant(word.casefold()))
        return f"r {op} '{word}'", folded  # text compares without case
    code = draw(st.sampled_from(WORDS))
    return f"f has '{code}'", lambda row: code.casefold() in [c.casefold() for c in row["f"]]


def _not(inner: Predicate) -> Predicate:
    def predicate(row: dict[str, Any]) -> bool | None:
        value = inner(row)
        return None if value is None else not value

    return predicate


def _and(left: Predicate, right: Predicate) -> Predicate:
    def predicate(row: dict[str, Any]) -> bool | None:
        x, y = left(row), right(row)
        if x is False or y is False:
            return False
        return None if x is None or y is None else True

    return predicate


def _or(left: Predicate, right: Predicate) -> Predicate:
    def predicate(row: dict[str, Any]) -> bool | None:
        x, y = left(row), right(row)
        if x is True or y is True:
            return True
        return None if x is None or y is None else False

    return predicate


def _combine(children: st.SearchStrategy[tuple[str, Predicate]]) -> st.SearchStrategy[tuple[str, Predicate]]:
    negated = children.map(lambda c: (f"not ({c[0]})", _not(c[1])))
    both = st.tuples(children, children, st.sampled_from(("and", "or"))).map(
        lambda t: (f"({t[0][0]}) {t[2]} ({t[1][0]})", (_and if t[2] == "and" else _or)(t[0][1], t[1][1]))
    )
    return negated | both


expressions = st.recursive(atoms(), _combine, max_leaves=8)
maybe_number = st.none() | numbers
rows = st.fixed_dictionaries(
    {
        "a": maybe_number,
        "b": maybe_number,
        "r": st.none() | st.sampled_from(WORDS),
        "s": st.just("x"),
        "f": st.lists(st.sampled_from(WORDS), max_size=3, unique=True).map(tuple),
    }
)


@settings(max_examples=300, deadline=None)
@given(expressions, st.lists(rows, max_size=12))
def test_the_filter_keeps_exactly_the_rows_a_python_predicate_keeps(
    expression: tuple[str, Predicate], table: list[dict[str, Any]]
) -> None:
    text, predicate = expression
    criteria = parse(text, KINDS)
    kept = [i for i, row in enumerate(table) if criteria.evaluate(row) is True]
    unknown = [i for i, row in enumerate(table) if criteria.evaluate(row) is None]
    assert kept == [i for i, row in enumerate(table) if predicate(row) is True]
    assert unknown == [i for i, row in enumerate(table) if predicate(row) is None]


def test_only_ascii_digits_are_numbers() -> None:
    with pytest.raises(CriteriaError):
        parse("etr > \u0663", ["etr"])  # an Arabic-Indic three is not a number here
