"""Renderers return text or bytes and never write a file; every command writes ``--out`` through the one emit
function over :func:`screener.fileio.write_atomic` (#20 item 5); render/ has no import cycle, even behind a
deferred import, and reads result types, not use cases."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT
from .test_architecture import imported_modules, module_name

RENDER = ROOT / "screener" / "render"
COMMANDS = ROOT / "screener" / "commands"
WRITERS = {"write_bytes", "write_text", "write_atomic", "write_with", "save_png", "to_file"}
RESULT_MODULES = {
    "screener.app.results",
    "screener.app.screen_results",
    "screener.app.portfolio_results",
    "screener.app.pm_row",
}
"""Where the result types renderers read live (no use case in them)."""
PENDING_USE_CASES: set[str] = set()
"""Use-case modules render/ may still read result types from: none (they live in app/results.py,
app/screen_results.py, app/portfolio_results.py; the PM CSV's columns and company cells in
app/pm_row.py)."""


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _buffers(tree: ast.AST) -> set[str]:
    """Names bound to an in-memory buffer (``x = io.BytesIO()``)."""
    return {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _name(node.value) == "BytesIO"
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def render_writes(path: Path, name: str | None = None) -> list[str]:
    """What a module does that writes a file: open(), a writer call, savefig to anything but a buffer, an import of
    the file writer."""
    tree = ast.parse(path.read_text(), str(path))
    found = [f"{_name(c)}() line {c.lineno}" for c in _calls(tree) if _name(c) in WRITERS | {"open"}]
    buffers = _buffers(tree)
    for call in _calls(tree):
        target = call.args[0] if call.args else None
        if _name(call) == "savefig" and not (isinstance(target, ast.Name) and target.id in buffers):
            found.append(f"savefig() to a path line {call.lineno}")
    found += [f"imports {m}" for m in imported_modules(path, name) if m.startswith("screener.fileio")]
    return found


def test_no_renderer_opens_or_writes_a_file() -> None:
    files = sorted(RENDER.glob("*.py"))
    assert len(files) > 10
    assert {p.name: render_writes(p) for p in files if render_writes(p)} == {}


def test_the_check_sees_a_writer(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import io\nfrom screener.fileio import write_atomic\n"
        "def a(fig, path):\n    fig.savefig(path)\n"
        "def b(fig):\n    buffer = io.BytesIO()\n    fig.savefig(buffer)\n    return buffer.getvalue()\n"
        "def c(path):\n    path.write_text('x')\n    open(path)\n"
    )
    found = set(render_writes(probe, "screener.render.probe"))
    assert found == {"write_text() line 10", "open() line 11", "savefig() to a path line 4", "imports screener.fileio"}


def test_commands_write_out_only_through_emit() -> None:
    """``write_atomic`` is called in one place of the commands layer: ``_app.emit``."""
    callers = []
    for path in sorted(COMMANDS.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            if any(_name(c) in WRITERS - {"write_with"} for c in _calls(function)):
                callers.append(f"{path.name}:{function.name}")
    assert callers == ["_app.py:emit"]


def render_imports(path: Path, name: str) -> set[str]:
    """The render modules ``path`` imports anywhere (deferred and TYPE_CHECKING imports included), with
    ``from screener.render import workbook_sheets`` read as an import of that module."""
    found = imported_modules(path, name)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "screener.render":
            found |= {f"screener.render.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("screener.render.")}


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """The modules from which an import path leads back to themselves."""

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, set()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return sorted(m for m in graph if reaches(m, m, set()))


def test_render_has_no_import_cycle_even_deferred(tmp_path: Path) -> None:
    """Every import of a render module (deferred and TYPE_CHECKING ones included) followed: none leads back."""
    graph = {module_name(p): render_imports(p, module_name(p)) for p in RENDER.glob("*.py")}
    assert cycles(graph) == []
    # the check sees the cycle that was there: workbook -> (deferred) workbook_sheets -> workbook
    (tmp_path / "a.py").write_text("def f():\n    from screener.render import b as extra\n")
    (tmp_path / "b.py").write_text("from screener.render.a import STYLE\n")
    probe = {f"screener.render.{n}": render_imports(tmp_path / f"{n}.py", f"screener.render.{n}") for n in "ab"}
    assert cycles(probe) == ["screener.render.a", "screener.render.b"]


def test_render_reads_result_types_not_use_cases() -> None:
    used = {
        m
        for p in RENDER.glob("*.py")
        for m in imported_modules(p)
        if m.startswith("screener.app.") and m.count(".") == 2 and m not in RESULT_MODULES
    }
    assert used <= PENDING_USE_CASES, used - PENDING_USE_CASES
