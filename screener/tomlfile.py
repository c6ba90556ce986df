"""Read TOML files for config and universes, with line numbers for error messages.

``tomllib`` gives no positions for values, so :class:`TomlDocument` finds the line of a key path by
scanning the text: good enough to point a user at ``file:line`` for a bad field.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from screener.core.text import NotText, decode_text
from screener.errors import InputFileError
from screener.inputs import DEFAULT_MAX_BYTES, read_input

try:  # the standard library's parser, compiled with mypyc (same rules and messages, ~2.5x faster)
    import tomli as tomllib
except ImportError:  # pragma: no cover - tomli is a dependency; the standard library is the fallback
    import tomllib  # type: ignore[no-redef]

TOMLDecodeError = tomllib.TOMLDecodeError
parse_toml = tomllib.loads

_LINE = re.compile(r"line (\d+)")
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")

PathPart = str | int


@dataclass
class TomlDocument:
    """A parsed TOML file plus its text, for locating keys."""

    path: str
    text: str
    data: dict[str, Any]
    _ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _headers(self) -> list[tuple[int, str, bool]]:
        """Every table header: (0-based line, dotted name without quotes, is an array element ``[[...]]``)."""
        out = []
        for index, line in enumerate(self.lines):
            if "[" not in line:
                continue
            match = _HEADER.match(line)
            if match:
                out.append((index, match.group(1).replace('"', "").strip(), line.strip().startswith("[[")))
        return out

    def _array_ranges(self, name: str) -> list[tuple[int, int]]:
        """0-based [start, end) line ranges of each ``[[name]]`` element, subtables included (computed once per
        name: locating every company of a 5,000-name file stays linear)."""
        if name in self._ranges:
            return self._ranges[name]
        starts: list[int] = []
        boundaries: list[int] = []
        for index, header, is_array in self._headers:
            if is_array and header == name:
                starts.append(index)
            elif not (header == name or header.startswith(name + ".")):
                boundaries.append(index)
        ranges = []
        for position, start in enumerate(starts):
            end = starts[position + 1] if position + 1 < len(starts) else len(self.lines)
            after = bisect.bisect_right(boundaries, start)
            if after < len(boundaries) and boundaries[after] < end:
                end = boundaries[after]
            ranges.append((start, end))
        self._ranges[name] = ranges
        return ranges

    def line_of(self, *path: PathPart) -> int | None:
        """1-based line of the deepest locatable element of ``path`` (e.g. ``company, 2, "house", "rating"``)."""
        lines = self.lines
        start, end = 0, len(lines)
        found: int | None = None
        section: list[str] = []
        parts = list(path)
        index = 0
        while index < len(parts):
            part = parts[index]
            if isinstance(part, str) and index + 1 < len(parts) and isinstance(parts[index + 1], int):
                name = ".".join([*section, part])
                # elements of a nested array ([[company.book_values]]) counted inside the enclosing element
                every = self._array_ranges(name)  # sorted by start line
                low = bisect.bisect_left(every, (start, -1))
                high = bisect.bisect_left(every, (end, -1), lo=low)
                ranges = every[low:high]
                element = parts[index + 1]
                assert isinstance(element, int)
                if element >= len(ranges):
                    return found
                start, end = ranges[element]
                found = start + 1
                section.append(part)
                index += 2
                continue
            assert isinstance(part, str)
            key = re.compile(rf"^\s*\"?{re.escape(part)}\"?\s*=")
            header_name = ".".join([*section, part])
            located = None
            for number in range(start, end):
                line = lines[number]
                match = _HEADER.match(line)
                header = match.group(1).replace('"', "").strip() if match else None
                # a table given only through its subtables ([company.model.segments.oxide] for "segments")
                if header is not None and (header == header_name or header.startswith(header_name + ".")):
                    located = number
                    break
                if key.match(line):
                    located = number
                    break
            if located is None:
                return found
            found = located + 1
            start = located
            section.append(part)
            index += 1
        return found

    def error(
        self,
        factory: Callable[..., InputFileError],
        message: str,
        *path: PathPart,
        field: str | None = None,
    ) -> InputFileError:
        """Build an error naming this file, the line of ``path`` and the field."""
        if field is None:
            field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
        return factory(self.path, message, line=self.line_of(*path), field=field or None)


def load_toml(path: Path, factory: Callable[..., InputFileError], max_bytes: int = DEFAULT_MAX_BYTES) -> TomlDocument:
    """Read (a regular file within ``max_bytes``: :func:`screener.inputs.read_input`) and parse a TOML file; a
    missing or broken file raises ``factory`` naming file and line. UTF-8 with or without a byte-order mark (Windows
    editors), or UTF-16 with one."""
    raw = read_input(path, max_bytes=max_bytes, error=factory, what="TOML file")
    try:
        text = decode_text(raw)
    except NotText as exc:
        raise factory(str(path), str(exc), line=exc.line) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise factory(str(path), "invalid TOML: nested too deeply", field="toml") from None
    except tomllib.TOMLDecodeError as exc:
        match = _LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        reason = _LINE.sub("", str(exc)).replace("(at , column", "(column").strip()
        raise factory(str(path), f"invalid TOML: {reason}", line=line, field="toml") from None
    return TomlDocument(str(path), text, data)
