"""``--columns`` per table: each command's option names THAT table's own column keys in its help.

The keys live beside each renderer (``screener.render.valuation.TABLE_KEYS``, ``screener.render.tables.
DRIFT_COLUMNS`` ...), which a command imports only when it runs, so that ``screener --version`` and every other
command stay fast. The option therefore carries where its keys are (``"module:NAME"``) and the names are read
only when help is printed: :func:`describe_columns` (run once per command line, like the parameter labels)
gives every ``--columns`` parameter a help record that resolves its keys then.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from screener.environment import Environment
    from screener.render.fit import View

MARK = "\x00columns-of:"
"""Ends the help text of a ``--columns`` option built by :func:`columns_option`, followed by the keys' place."""

SHOWN = 8
"""How many of a longer table's keys the help lists, then how many there are (a table of up to SHOWN + 2 keys:
all of them; an unknown name in --columns lists them all)."""

COLUMNS_HELP = "Only these columns, comma-separated"
AFTER = (
    "@NAME: a column set from config.toml [columns]. Columns that do not fit the terminal are still dropped and "
    "named below the table."
)


def columns_option(keys_at: str) -> Any:
    """The ``--columns`` option of the table whose keys are at ``keys_at`` (``"module:NAME"``: a tuple of keys,
    or of column specs with a ``key``): ``columns: Annotated[str | None, columns_option(...)] = None``."""
    return typer.Option("--columns", metavar="KEYS", help=f"{COLUMNS_HELP}.{MARK}{keys_at}")


def table_keys(keys_at: str) -> tuple[str, ...]:
    """The column keys named by ``"module:NAME"``."""
    module, _, name = keys_at.partition(":")
    found: Sequence[Any] = getattr(importlib.import_module(module), name)
    return tuple(dict.fromkeys(item if isinstance(item, str) else item.key for item in found))


def columns_help(keys: Sequence[str]) -> str:
    """``Only these columns, comma-separated, of: a, b, c … (N in all; an unknown name lists them).``"""
    shown = keys if len(keys) <= SHOWN + 2 else keys[:SHOWN]
    rest = f" … ({len(keys)} in all; an unknown name lists them)" if len(shown) < len(keys) else ""
    listed = ", ".join(shown)
    return f"{COLUMNS_HELP}, of: {listed}{rest}. {AFTER}"


def _help_record(self: Any, ctx: Any) -> Any:
    help_text = str(self.help or "")
    if MARK in help_text:
        self.help = columns_help(table_keys(help_text.partition(MARK)[2].strip()))
    return type(self).get_help_record(self, ctx)


def describe_columns(command: Any) -> None:
    """Give every ``--columns`` parameter of ``command`` and its subcommands a help record that lists its table's
    keys when help is printed (idempotent; nothing is imported until then)."""
    for param in command.params:
        if MARK in str(getattr(param, "help", None) or ""):
            param.get_help_record = types.MethodType(_help_record, param)
    for sub in getattr(command, "commands", {}).values():
        describe_columns(sub)


def table_view(env: Environment, columns: str | None, wide: bool, keys: Sequence[str]) -> View:
    """The table view of ``--columns``/``--wide`` for a table of ``keys``: ``@NAME`` items replaced by the
    column set of ``[columns]`` in config.toml (the config is read only when one is given)."""
    from screener.app.presets import expand_columns
    from screener.render.fit import View

    if columns is not None and "@" in columns:
        columns = expand_columns(env.settings, columns, keys)
    return View.parse(columns, wide, keys)
