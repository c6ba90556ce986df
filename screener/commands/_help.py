"""Help text in plain command-line syntax: every valued option shows what it takes (``--since DATE``, ``--format
table|csv|json``), arguments read ``TICKER`` / ``[DIR]`` / ``FILE...`` as in any Unix tool, flags show no
placeholder. Typer's own rendering would print ``<str>``, ``<list[str]>`` and ``{ticker}``; the labels are set
on the click parameters once, before a command line is parsed (no change to typer itself)."""

from __future__ import annotations

import types
from typing import Any

OPTION_LABELS = {
    "--as-of": "DATE",
    "--since": "DATE",
    "--start": "DATE",
    "--end": "DATE",
    "--on": "DATE",
    "--against": "last|DATE",
    "--out": "PATH",
    "--dir": "DIR",
    "--universe": "NAME|FILE",
    "--group": "GROUP",
    "--oxide": "ID",
    "--series": "ID",
    "--kind": "KIND",
    "--ticker": "TICKER",
    "--currency": "CCY",
    "--oxide-currency": "usd|local",
    "--freq": "W|M",
    "--sort": "COLUMN",
    "--columns": "COL,COL...",
    "--close-col": "COLUMN",
    "--prev-close-col": "COLUMN",
    "--date-col": "COLUMN",
    "--value-col": "COLUMN",
    "--mid-of": "MIN,MAX",
    "--unit": "UNIT",
    "--rating": "RATING",
    "--target": "PRICE",
    "--bvps": "BVPS",
    "--pb-mean": "PB",
    "--pb-sd": "PB",
    "--k": "K",
    "--top": "N",
    "--window": "N",
    "--max-lag": "N",
    "--name": "NAME",
    "--note": "TEXT",
    "--min-weight": "PCT",
}
ARGUMENT_LABELS = {"day": "DATE", "files": "FILE", "folder": "DIR"}
TYPE_LABELS = {"int": "N", "float": "NUMBER", "Path": "PATH", "str": "TEXT", "date": "DATE"}


def _option_label(param: Any, ctx: Any) -> str:
    longest = max(param.opts, key=len)
    if longest in OPTION_LABELS:
        return OPTION_LABELS[longest]
    described = str(param.display_type(ctx)).strip("<>")
    if "|" in described:  # a choice: its values
        return described.removeprefix("list[").removesuffix("]")
    bare = described.removeprefix("list[").removesuffix("]").removesuffix(" range")
    return TYPE_LABELS.get(bare, longest.lstrip("-").upper())


def _usage_name(self: Any) -> str:
    """``TICKER`` when required, ``[DIR]`` when optional, ``FILE...`` when repeatable (click's convention)."""
    name = str(self.metavar)
    if self.nargs != 1:
        name += "..."
    return name if self.required else f"[{name}]"


def _no_type(self: Any, ctx: Any) -> None:
    return None


def label_parameters(command: Any, ctx_factory: Any) -> None:
    """Set a metavar on every valued option and argument of ``command`` and its subcommands (idempotent)."""
    ctx = ctx_factory(command)
    for param in command.params:
        if param.param_type_name == "argument":
            if param.metavar is None or param.metavar.startswith("["):
                label = param.metavar or ARGUMENT_LABELS.get(param.name, param.name.upper())
                param.metavar = label.strip("[]")
            param._usage_display_name = types.MethodType(_usage_name, param)
            param._rich_display_name = types.MethodType(lambda self: str(self.metavar), param)
            param.display_type_rich = types.MethodType(_no_type, param)
        elif not getattr(param, "is_flag", False) and param.metavar is None and param.opts:
            param.metavar = _option_label(param, ctx)
    for sub in getattr(command, "commands", {}).values():
        label_parameters(sub, ctx_factory)


def plain_epilog(text: str) -> str:
    """An epilog whose example command lines click prints as written (a ``\\b`` block: never re-wrapped, so a
    long command line stays one line you can copy), prose paragraphs wrapped as usual."""
    out: list[str] = []
    block: list[str] = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("  ") or (paragraph.rstrip().endswith(":") and paragraph.startswith("Example")):
            block.append(paragraph.rstrip())
            continue
        if block:
            out.append("\b\n" + "\n".join(block))
            block = []
        out.append(paragraph)
    if block:
        out.append("\b\n" + "\n".join(block))
    return "\n\n".join(out)


def plain_epilogs(command: Any) -> None:
    """:func:`plain_epilog` on ``command`` and its subcommands (idempotent)."""
    if command.epilog and not command.epilog.startswith("\b"):
        command.epilog = plain_epilog(command.epilog)
    for sub in getattr(command, "commands", {}).values():
        plain_epilogs(sub)
