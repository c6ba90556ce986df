"""The shape of the code: core/ is pure; the fast path imports neither yfinance nor statsmodels."""

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
    "pyarrow",
    "logging",
    "json",
    "csv",
    "builtins",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("screener.") and not node.module.startswith(
                ("screener.core", "screener.models", "screener.errors")
            ):
                roots.add(node.module)
    return roots


def test_core_imports_no_io_or_ui() -> None:
    files = sorted((ROOT / "screener" / "core").glob("*.py"))
    assert files
    for path in files:
        bad = imported_roots(path) & FORBIDDEN | {m for m in imported_roots(path) if m.startswith("screener.")}
        assert not bad, f"{path.name} imports {bad}"
        assert "open(" not in path.read_text(), path.name


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
