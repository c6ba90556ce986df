"""Text from users' files, made safe to show: no control characters (terminal escape sequences, bells) and no
bidirectional overrides or isolates (U+202A-U+202E, U+2066-U+2069: they reorder what a reader sees); and the bytes
of a text file decoded by one rule (:func:`decode_text`)."""

from __future__ import annotations

import codecs
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with tabs and line breaks as spaces and every other control character removed (C0, DEL, C1, the
    bidirectional embeddings, overrides and isolates)."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))


def undecodable(text: str) -> bool:
    """True when ``text`` holds bytes that were not valid UTF-8 (an argument Python decoded with
    ``surrogateescape``): it cannot be written to a UTF-8 file."""
    return _SURROGATE.search(text) is not None


class NotText(ValueError):
    """Bytes that are not text in an accepted encoding: ``offset`` of the first bad byte, its ``line``."""

    def __init__(self, message: str, offset: int, line: int) -> None:
        super().__init__(message)
        self.offset = offset
        self.line = line


def decode_text(raw: bytes, fallback: str | None = None) -> str:
    """The text of a file: UTF-8 with or without a byte-order mark; UTF-16 (little or big endian) when it starts
    with the UTF-16 byte-order mark; else ``fallback`` (e.g. ``cp1252``) when given. NotText names the first
    undecodable byte and its line."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom) and not raw.startswith(codecs.BOM_UTF32_LE):
            try:
                return raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
                raise NotText(f"not valid UTF-16 text (at byte offset {exc.start})", exc.start, line) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback is not None:
            try:
                return raw.decode(fallback)
            except UnicodeDecodeError:
                pass
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save the file as UTF-8"
        raise NotText(message, exc.start, line) from None
