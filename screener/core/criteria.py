"""Screening criteria (``--where``): a small grammar of its own, parsed by hand and evaluated over one row's
values. Nothing is ever handed to ``eval``, ``DataFrame.query`` or numexpr: the text is cut into tokens
(columns, numbers, strings, operators, parentheses, ``and``/``or``/``not``/``has``) and anything else is a
:class:`CriteriaError` naming its position. Pure: no I/O.

Grammar (keywords in any case)::

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expr ")" | comparison
    comparison := operand ("<" | "<=" | ">" | ">=" | "==" | "!=") operand | COLUMN "has" STRING
    operand    := COLUMN | NUMBER | NUMBER "%" | "-" NUMBER | STRING

A percentage is a fraction (``10%`` = 0.10). A comparison needs a column on at least one side; a number column
is compared with a number or a number column, a text column with a string or a text column; a list column
(``flags``, ``tags``) only with ``has``. Limits against hostile input: :data:`MAX_LENGTH` characters,
:data:`MAX_DEPTH` nested parentheses or ``not``, :data:`MAX_LITERAL` characters in one literal, numbers within
±:data:`LARGEST`.

Evaluation (:func:`evaluate`) is three-valued: a comparison with a missing value (NA, NM: ``None``) is unknown,
neither true nor false, and so is its negation; ``and``/``or`` follow Kleene's logic (``unknown and false`` is
false, ``unknown or true`` is true). A row is kept only when the whole expression is true; an unknown result is
a row left out for NA.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["number", "text", "list"]
RowValue = float | str | tuple[str, ...] | None
"""A row's value of a column: a number, a text, a list of codes, or None for NA/NM."""

MAX_LENGTH = 2000
MAX_DEPTH = 32
MAX_LITERAL = 64
LARGEST = 1e15
KEYWORDS = ("and", "or", "not", "has")
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      |(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?)
      |(?P<string>'[^']*'|"[^"]*")
      |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<op><=|>=|==|!=|<|>)
      |(?P<paren>[()])
      |(?P<minus>-)""",
    re.VERBOSE | re.ASCII,
)


class CriteriaError(ValueError):
    """A criteria text that is not in the grammar; ``position`` is 1-based (the character where it goes wrong)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class UnknownColumn(CriteriaError):
    """A name that is not a column."""

    def __init__(self, name: str, position: int) -> None:
        super().__init__(f"unknown column {name!r}", position)
        self.name = name


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Constant:
    value: float | str


Operand = Column | Constant


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Has:
    column: str
    item: str


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Node = Compare | Has | Not | AllOf | AnyOf


@dataclass(frozen=True)
class Criteria:
    """A parsed expression: its text, its tree and the columns it reads (in order of appearance)."""

    text: str
    tree: Node
    columns: tuple[str, ...]

    def evaluate(self, values: Mapping[str, RowValue]) -> bool | None:
        """True (keep), False, or None (unknown: a compared value is NA/NM)."""
        return evaluate(self.tree, values)


def tokens(text: str) -> list[Token]:
    """The tokens of ``text``; a character outside the grammar is an error at its position."""
    if len(text) > MAX_LENGTH:
        raise CriteriaError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    found: list[Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            if text[at] in "'\"":
                raise CriteriaError(f"unterminated string (no closing {text[at]})", at + 1)
            raise CriteriaError(f"unexpected character {text[at]!r}", at + 1)
        kind = match.lastgroup or ""
        word = match.group()
        if kind in ("number", "string") and len(word) > MAX_LITERAL:
            raise CriteriaError(f"a literal longer than {MAX_LITERAL} characters", at + 1)
        if kind == "number" and match.end() < len(text) and (text[match.end()].isalnum() or text[match.end()] in "_."):
            raise CriteriaError(f"unexpected character {text[match.end()]!r} after a number", match.end() + 1)
        if kind == "name" and word.lower() in KEYWORDS:
            kind, word = "keyword", word.lower()
        if kind != "space":
            found.append(Token(kind, word, at + 1))
        at = match.end()
    found.append(Token("end", "", len(text) + 1))
    return found


def _describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, text: str, kinds: Mapping[str, Kind]) -> None:
        self.tokens = tokens(text)
        self.at = 0
        self.kinds = kinds
        self.depth = 0
        self.columns: list[str] = []

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def unexpected(self, wanted: str) -> CriteriaError:
        return CriteriaError(f"expected {wanted}, found {_describe(self.token)}", self.token.position)

    def keyword(self, word: str) -> bool:
        return self.token.kind == "keyword" and self.token.text == word

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CriteriaError(f"nested deeper than {MAX_DEPTH} levels", self.token.position)

    def expression(self) -> Node:
        items = [self.term()]
        while self.keyword("or"):
            self.take()
            items.append(self.term())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def term(self) -> Node:
        items = [self.factor()]
        while self.keyword("and"):
            self.take()
            items.append(self.factor())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def factor(self) -> Node:
        if self.keyword("not"):
            self.deeper()
            self.take()
            node: Node = Not(self.factor())
            self.depth -= 1
            return node
        if self.token.kind == "paren" and self.token.text == "(":
            self.deeper()
            self.take()
            node = self.expression()
            if not (self.token.kind == "paren" and self.token.text == ")"):
                raise self.unexpected("')'")
            self.take()
            self.depth -= 1
            return node
        return self.comparison()

    def operand(self) -> tuple[Operand, int]:
        token = self.take()
        if token.kind == "name":
            name = token.text.lower()
            if name not in self.kinds:
                raise UnknownColumn(token.text, token.position)
            self.columns.append(name)
            return Column(name), token.position
        if token.kind == "string":
            return Constant(token.text[1:-1]), token.position
        negative = token.kind == "minus"
        if negative:
            token = self.take()
        if token.kind == "number":
            percent = token.text.endswith("%")
            number = float(token.text.rstrip("%")) / (100 if percent else 1)
            if not math.isfinite(number) or abs(number) > LARGEST:
                raise CriteriaError(f"number {token.text} is outside ±{LARGEST:g}", token.position)
            return Constant(-number if negative else number), token.position
        self.at -= 1
        raise self.unexpected("a column, a number or a string")

    def kind_of(self, operand: Operand) -> Kind:
        if isinstance(operand, Column):
            return self.kinds[operand.name]
        return "number" if isinstance(operand.value, float) else "text"

    def comparison(self) -> Node:
        left, where = self.operand()
        if self.keyword("has"):
            if not (isinstance(left, Column) and self.kinds[left.name] == "list"):
                raise CriteriaError("'has' needs a list column on its left (flags, tags)", self.token.position)
            self.take()
            item = self.take()
            if item.kind != "string":
                self.at -= 1
                raise self.unexpected("a string after 'has'")
            return Has(left.name, item.text[1:-1])
        if self.token.kind != "op":
            raise self.unexpected("a comparison (<, <=, >, >=, ==, !=)")
        op = self.take()
        right, _ = self.operand()
        kinds = (self.kind_of(left), self.kind_of(right))
        if not (isinstance(left, Column) or isinstance(right, Column)):
            raise CriteriaError("a comparison needs a column on one side", where)
        if "list" in kinds:
            listed = left if isinstance(left, Column) and kinds[0] == "list" else right
            assert isinstance(listed, Column)
            raise CriteriaError(f"{listed.name} is a list: use {listed.name} has 'code'", where)
        if kinds[0] != kinds[1]:
            raise CriteriaError(f"{op.text} compares a {kinds[0]} with a {kinds[1]}", op.position)
        return Compare(op.text, left, right)


def parse(text: str, kinds: Mapping[str, Kind]) -> Criteria:
    """Parse ``text`` over the columns of ``kinds`` (name -> number | text | list); :class:`CriteriaError` (or
    :class:`UnknownColumn`) with the 1-based position of the first problem."""
    parser = _Parser(text, kinds)
    if parser.token.kind == "end":
        raise CriteriaError("empty expression", 1)
    tree = parser.expression()
    if parser.token.kind != "end":
        raise parser.unexpected("'and', 'or' or the end of the expression")
    return Criteria(text, tree, tuple(dict.fromkeys(parser.columns)))


def _value(operand: Operand, values: Mapping[str, RowValue]) -> RowValue:
    return values.get(operand.name) if isinstance(operand, Column) else operand.value


def evaluate(node: Node, values: Mapping[str, RowValue]) -> bool | None:
    """The truth of ``node`` over one row's ``values`` (module docstring: None = unknown, from NA/NM)."""
    if isinstance(node, Compare):
        left, right = _value(node.left, values), _value(node.right, values)
        if left is None or right is None or isinstance(left, tuple) or isinstance(right, tuple):
            return None
        if isinstance(left, float) != isinstance(right, float):
            return None
        if isinstance(left, str) and isinstance(right, str):  # text compares without case: 'buy' is 'Buy'
            left, right = left.casefold(), right.casefold()
        return COMPARISONS[node.op](left, right)
    if isinstance(node, Has):
        listed = values.get(node.column)
        if not isinstance(listed, tuple):
            return None
        return node.item.casefold() in (item.casefold() for item in listed)
    if isinstance(node, Not):
        inner = evaluate(node.operand, values)
        return None if inner is None else not inner
    results = [evaluate(item, values) for item in node.items]
    if isinstance(node, AllOf):
        return False if False in results else None if None in results else True
    return True if True in results else None if None in results else False
