"""One case of the hostile-input corpus (tests/test_hostile_input.py runs them all)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """``argv`` may hold ``{config}``, ``{file}`` (the case's input, written from ``content``), ``{dir}`` (a
    folder), ``{missing}`` (a path in a folder that does not exist), ``{fifo}`` (a named pipe nobody writes to)
    and ``{small}`` (a config of the same store whose ``[limits] max_input_mb`` is 0.05). ``subprocess``: run in a
    child process with a timeout and a memory limit (a device such as ``/dev/zero`` must not take the test
    runner with it)."""

    id: str
    argv: tuple[str, ...]
    needles: tuple[str, ...]
    content: bytes | None = None
    name: str = "input.csv"
    exit: int = 2
    config: bool = True
    extra: tuple[str, ...] = field(default=())
    subprocess: bool = False
