"""The shape of the code: core/ is pure; commands are thin and reach only app/ and render/; one module reads the
clock and the environment; every module imports on its own; the fast path imports neither yfinance nor
statsmodels."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from .conftest import CONFIG, ROOT

FORBIDDEN = {
    "os",
    "io",
    "pathlib",
    "shutil",
    "sqlite3",
    "socket",
    "subprocess",
    "tempfile",
    "urllib",
    "http",
    "requests",
    "requests_cache",
    "yfinance",
    "curl_cffi",
    "rich",
    "typer",
    "click",
    "matplotlib",
    "openpyxl",
    "xlsxwriter",
    "pyarrow",
    "logging",
    "json",
    "csv",
    "builtins",
}


PACKAGE = ROOT / "screener"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, name: str | None = None) -> set[str]:
    """Every module ``path`` (module ``name``, default from its place) imports; relative imports resolved."""
    package = (name or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names if node.level}
    return found


def imported_roots(path: Path) -> set[str]:
    """Top-level packages imported, plus every screener module outside core/models/errors."""
    return imported_roots_of(imported_modules(path))


def imported_roots_of(modules: set[str]) -> set[str]:
    roots = set()
    for module in modules:
        roots.add(module.split(".")[0])
        if module.startswith("screener.") and not module.startswith(
            ("screener.core", "screener.models", "screener.errors")
        ):
            roots.add(module)
    return roots


def test_core_imports_no_io_or_ui() -> None:
    files = sorted((PACKAGE / "core").glob("*.py"))
    assert files
    for path in files:
        bad = imported_roots(path) & FORBIDDEN | {m for m in imported_roots(path) if m.startswith("screener.")}
        assert not bad, f"{path.name} imports {bad}"
        assert "open(" not in path.read_text(), path.name


def test_the_purity_check_sees_relative_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..data import store\nfrom . import fx\nfrom .values import NA\n")
    found = imported_modules(probe, "screener.core.probe")
    assert {"screener.data", "screener.data.store", "screener.core.fx", "screener.core.values"} <= found
    roots = imported_roots_of(found)
    assert "screener.data.store" in roots  # so a core module importing it relatively fails the purity test


def test_commands_reach_only_app_render_and_the_shared_module() -> None:
    for path in sorted((PACKAGE / "commands").glob("*.py")):
        forbidden = {
            m
            for m in imported_modules(path)
            if m.startswith(("screener.data", "screener.core", "screener.history", "screener.cli"))
        }
        assert not forbidden, f"{path.name} imports {forbidden}"


def test_one_module_reads_the_clock_and_the_environment_variables() -> None:
    readers = {"clock": set(), "environ": set(), "session": set()}
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if "date.today()" in text or "datetime.now(" in text or "time.time()" in text:
            readers["clock"].add(path.name)
        if "os.environ" in text or "os.getenv" in text:
            readers["environ"].add(path.name)
        if "CachedSession(" in text or "_http.new_session(" in text or "Session(impersonate" in text:
            readers["session"].add(path.name)
    assert readers == {"clock": {"environment.py"}, "environ": {"environment.py"}, "session": {"environment.py"}}


def test_every_module_imports_on_its_own() -> None:
    """No import cycle that works only because of import order: each module in a fresh set of screener
    modules (third-party packages stay loaded, so one interpreter checks them all quickly)."""
    modules = sorted(module_name(p) for p in PACKAGE.rglob("*.py"))
    code = (
        "import importlib, sys, json\n"
        f"failed = {{}}\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'screener' or m.startswith('screener.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = repr(exc)\n"
        "print(json.dumps(failed))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
    assert len(modules) > 50


MAX_MODULE_LINES = 400
"""ARCHITECTURE.md: split a module when it passes ~400 lines."""


def test_modules_stay_small() -> None:
    sizes = {module_name(p): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_snapshot_screen_imports_neither_yfinance_nor_statsmodels() -> None:
    code = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "from screener.cli import app\n"
        f"r = CliRunner().invoke(app, ['screen', '--config', {str(CONFIG)!r}, '--source', 'snapshot'])\n"
        "heavy = sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('yfinance', 'statsmodels', 'matplotlib', 'pandas'))\n"
        "print(json.dumps({'exit': r.exit_code, 'heavy': heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exit"] == 0
    assert result["heavy"] == []


def _module_graph() -> dict[str, set[str]]:
    """screener module -> the screener modules it imports anywhere (deferred imports inside functions included;
    ``from package import module`` counts as importing that module)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imported_modules(path, name)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        deps = set()
        for module in found:
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if module and module != name and module.startswith("screener.") and not name.startswith(module + "."):
                deps.add(module)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (each an import cycle)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def test_no_import_cycle_even_behind_deferred_imports() -> None:
    assert _cycles(_module_graph()) == []


def test_the_cycle_finder_sees_a_deferred_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_models_import_nothing_from_the_layers_above() -> None:
    """models.py holds the plain shared types (NA/NM, Rating, Company …): core, data, app and render build on it."""
    imported = {m for m in imported_modules(PACKAGE / "models.py") if m.startswith("screener")}
    assert imported == set()
