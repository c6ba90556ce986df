"""The one reader of the files a user gives the tool (import files, universes, the config, oxide and FX sources):
bounded, and never blocked.

:func:`read_input` refuses, before opening, anything but a regular file (a folder, a FIFO, a device such as
``/dev/zero``, a socket: a FIFO would block forever, a device could be endless) and a file larger than the limit
(``[limits] max_input_mb``, default 200 MB); it opens without blocking, checks again what it opened, and reads at
most the limit. Every refusal is the caller's error type (InputFileError by default) naming the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from screener.errors import InputFileError

DEFAULT_MAX_MB = 200.0
DEFAULT_MAX_BYTES = int(DEFAULT_MAX_MB * 1_000_000)
_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_input(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, error: Callable[..., InputFileError] = InputFileError,
    what: str = "file",
) -> int:  # fmt: skip
    """The size of ``path`` when it is a regular file within ``max_bytes``; else ``error`` naming it (nothing is
    opened)."""
    label = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(label, "file not found") from None
    except NotADirectoryError:
        raise error(label, "file not found (a part of the path is not a folder)") from None
    except OSError as exc:
        raise error(label, f"cannot read file ({exc.strerror})") from None
    _check_mode(label, info, max_bytes, error, what)
    return info.st_size


def _check_mode(
    label: str, info: os.stat_result, max_bytes: int, error: Callable[..., InputFileError], what: str
) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise error(label, f"is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(label, f"not a regular file ({_kind(info.st_mode)}): give a {what} (nothing was read)")
    if info.st_size > max_bytes:
        raise error(label, too_large(info.st_size, max_bytes))


def too_large(size: int, max_bytes: int) -> str:
    """The message for a file above the limit."""
    return f"{size / 1e6:,.1f} MB is above the limit of {max_bytes / 1e6:g} MB ([limits] max_input_mb)"


def read_input(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, error: Callable[..., InputFileError] = InputFileError,
    what: str = "file",
) -> bytes:  # fmt: skip
    """The bytes of a regular file of at most ``max_bytes`` (module rules); ``what`` names the kind of file in
    messages (``CSV file``, ``TOML file``)."""
    label = str(path)
    check_input(path, max_bytes=max_bytes, error=error, what=what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise error(label, f"cannot read file ({exc.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        _check_mode(label, info, max_bytes, error, what)  # replaced after the first look?
        chunks: list[bytes] = []
        total = 0
        try:  # in chunks of the file's size (a buffer of the whole limit is never allocated), stopping at the limit
            while chunk := handle.read(min(max(info.st_size + 1, 1 << 16), max_bytes + 1 - total)):
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    raise error(label, too_large(total, max_bytes))
        except OSError as exc:
            raise error(label, f"cannot read file ({exc.strerror})") from None
    return b"".join(chunks)
