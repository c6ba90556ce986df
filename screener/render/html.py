"""HTML documents from Jinja2 templates in the package (``screener/render/templates``): one self-contained file
(inline CSS, charts as data: URIs, no external request), autoescaped so no text from a universe file or a data
source can become markup. Pure: the caller passes every value (no I/O, no clock)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from screener.render.cells import drift_cells

if TYPE_CHECKING:
    from jinja2 import Environment

    from screener.app.screen_results import WhereOutcome
    from screener.core.drift import Finding
    from screener.models import CellRow


@cache
def templates() -> Environment:
    """The package's template environment (autoescape on, undefined names are errors)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("screener.render", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("screener")
    except PackageNotFoundError:
        return "unknown"


def png_data_uri(png: bytes) -> str:
    """A PNG embedded in the page (``data:image/png;base64,...``): the file stays self-contained."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class DriftSection:
    """What the drift part of a page shows."""

    as_of: str
    baseline: str | None
    findings: list[Finding]
    warnings: list[str]
    where: WhereOutcome | None = None
    """What ``--where`` kept (the findings are those companies')."""

    @property
    def needs_review(self) -> int:
        return sum(1 for f in self.findings if f.needs_review)

    @property
    def rows(self) -> list[CellRow]:
        """The findings as the cell model's rows (those needing review first), as every surface shows them."""
        return drift_cells(self.as_of, self.baseline, self.findings)


def render(template: str, **values: Any) -> str:
    """A template of the package rendered with ``values`` (plus the version)."""
    return templates().get_template(template).render(version=version(), **values)


def drift_html(section: DriftSection, banners: list[str]) -> str:
    """The drift findings alone, as a page for a mail body (findings that need review shaded)."""
    title = f"Rating drift — {section.needs_review} to review"
    subtitle = f"as of {section.as_of}" + (f", baseline {section.baseline}" if section.baseline else "")
    return render("drift.html.j2", title=title, subtitle=subtitle, banners=banners, drift=section)
