"""HTML pages in a real browser (headless Chromium over the DevTools protocol): the harness itself can fail, and
the drift page renders every finding with no console error and no request beyond the file itself."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

from screener.cli import app
from tests.browser import load
from tests.conftest import EnvRunner

CHECK = """({
  rows: document.querySelectorAll('tbody tr').length,
  images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
  overflowing: document.documentElement.scrollWidth > window.innerWidth + 1,
})"""
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_the_harness_sees_console_errors_broken_images_and_requests(tmp_path: Path) -> None:
    good = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    page = tmp_path / "probe.html"
    page.write_text(
        "<!doctype html><html><body><table><tbody><tr><td>1</td></tr></tbody></table>"
        f'<img src="{good}"><img src="data:image/png;base64,AAAA"><img src="missing.png">'
        "<script>console.error('boom')</script></body></html>"
    )
    seen = load(page, CHECK)
    assert seen.result["rows"] == 1
    assert seen.result["images"] == [True, False, False]
    assert any("boom" in e for e in seen.console_errors)
    assert any(u.endswith("missing.png") for u in seen.requests)


def test_drift_page_renders_every_finding_without_errors(config: Path, tmp_path: Path) -> None:
    runner = EnvRunner()
    base = ["drift", "--no-record", "--config", str(config), "--source", "snapshot", "--as-of", "2025-10-10"]
    findings = list(csv.DictReader(io.StringIO(runner.invoke(app, [*base, "--format", "csv"]).stdout)))
    out = tmp_path / "drift.html"
    assert runner.invoke(app, [*base, "--out", str(out)]).exit_code == 4
    for width in (1280, 375):  # a desktop and a phone
        seen = load(out, CHECK, width=width)
        assert seen.result["rows"] == len(findings) > 0
        assert seen.console_errors == []
        assert seen.requests == [out.resolve().as_uri()]  # self-contained
        assert not seen.result["overflowing"], f"the page scrolls sideways at {width} px"
