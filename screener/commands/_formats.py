"""The output formats a command can write, and which one ``--format`` / the ``--out`` extension asks for."""

from __future__ import annotations

import typing
from enum import StrEnum
from pathlib import Path


class Source(StrEnum):
    auto = "auto"
    live = "live"
    store = "store"
    snapshot = "snapshot"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class DriftFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"


class ScreenFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    html = "html"


FORMAT_OF_EXTENSION = {
    ".csv": "csv",
    ".json": "json",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}


def output_format(
    fmt: StrEnum | None, out: Path | None, allowed: typing.Iterable[str], has_format_option: bool = True
) -> str:
    """The format to write: ``--format`` when given, else the ``--out`` extension (.csv .json .xlsx .html; .txt is
    the table as text), else the terminal table. An extension that contradicts ``--format``, one this command
    cannot write, or an unknown one without ``--format`` is a UsageError naming the option."""
    from screener.errors import UsageError

    allowed = tuple(allowed)
    if out is not None:
        from screener.fileio import resolve_target

        resolve_target(out)  # a folder, a device or a missing folder: said before anything else
    suffix = out.suffix.lower() if out is not None else ""
    implied = FORMAT_OF_EXTENSION.get(suffix)
    extensions = ", ".join(e for e, f in FORMAT_OF_EXTENSION.items() if f in allowed and e != ".htm")
    if fmt is not None:
        if implied is not None and implied != fmt.value:
            raise UsageError(f"--out {out}: the extension {suffix} says {implied}, but --format is {fmt.value}")
        return fmt.value
    if out is None:
        return "table"
    if implied is None:
        raise UsageError(
            f"--out {out}: cannot tell the format from {suffix or 'a name without an extension'}; "
            f"use {extensions}" + (" or --format" if has_format_option else "")
        )
    if implied not in allowed:
        raise UsageError(f"--out {out}: this command cannot write {implied}; use {extensions}")
    return implied
