"""The HTML report's *Portfolio* section (``screener report --portfolio FILE``): the sections of ``screener
portfolio`` from the same records (:func:`screener.render.portfolio.sections`), cells formatted as the terminal
shows them (:func:`screener.render.portfolio.shown`); the template ``_portfolio.html.j2`` (autoescaped) lays them
out."""

from __future__ import annotations

from typing import Any

from screener.app.portfolio_results import PortfolioReport
from screener.render.portfolio import HEADERS, NUMBER_COLUMNS, TABLE_TITLES, sections, shown

_NA = ("NA", "NM", "NR")


def portfolio_section(report: PortfolioReport | None) -> dict[str, Any] | None:
    """The template's context for the section (None without a portfolio): title, meta line, the tables as
    (title, column keys, headers in the terminal's words, rows of (text, css)) and the banners."""
    if report is None:
        return None
    tables = []
    for title, columns, records in sections(report):
        rows = []
        for record in records:
            cells = []
            for column in columns:
                text = shown(record, column)
                css = " ".join(c for c in ("num" if column in NUMBER_COLUMNS else "", "na" if text in _NA else "") if c)
                cells.append((text, css))
            rows.append({"kind": str(record["row_type"]), "cells": cells})
        key = next(k for k, t in TABLE_TITLES.items() if t == title)
        headers = [HEADERS[c] for c in columns]
        tables.append({"key": key, "title": title, "columns": columns, "headers": headers, "rows": rows})
    return {
        "title": f"Portfolio {report.file}",
        "meta": f"As of {report.as_of.isoformat()}; weights read as {report.basis}; benchmark: "
        f"{report.benchmark or 'none'}",
        "tables": tables,
        "banners": report.banners,
    }
