"""Renderings of ``screener sensitivity`` (METHODS §13): the grid as a rich table (base cell marked), the CSV (one
line per cell, exactly :data:`CSV_COLUMNS`) and JSON (cells plus the solve). The labels of the drivers and metrics
are decided here once and shared with the heatmap (:mod:`screener.render.charts_sensitivity`)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from screener.app.results import SensitivityResult
from screener.core.sensitivity import Cell
from screener.core.values import Missing, Value
from screener.render import formatting as f
from screener.render.export import raw_number, safe_text

CSV_COLUMNS = ["ticker", "fiscal_year", "segment", "gp_margin", "volume", "asp", "net_income", "eps", "pe", "is_base"]
DRIVER_LABELS = {"margin": "Gross margin", "volume": "Sales volume (t)", "asp": "ASP (per t)"}
METRIC_LABELS = {"pe": "P/E", "eps": "EPS", "upside": "Upside", "etr": "ETR"}
BASE_MARK = "*"


def driver_text(driver: str, value: float) -> str:
    """An axis value: a margin as ``13.0%``, a volume as ``44,026``, an ASP as ``114,363``."""
    return f.percent(value) if driver == "margin" else f"{value:,.0f}"


def metric_text(metric: str, value: Value) -> str:
    """A cell: P/E ``57.3x``, EPS ``0.916``, upside and ETR ``12.3%``; NA/NM as such."""
    if metric == "pe":
        return f.multiple(value)
    if metric == "eps":
        return f.money(value, 3)
    return f.percent(value)


def title(r: SensitivityResult) -> str:
    what = METRIC_LABELS[r.metric]
    return (f"{r.name} ({r.ticker}) — FY{r.fiscal_year}E {what} sensitivity: {r.segment_label} "
            f"{DRIVER_LABELS[r.grid.rows].lower()} × {DRIVER_LABELS[r.grid.cols].lower()}")  # fmt: skip


def method_text(r: SensitivityResult) -> str:
    """How net income moves (the after-tax rates when applied)."""
    if r.after_tax:
        return (f"after tax: a change in segment gross profit × (1 − {f.percent(r.tax_rate)} tax) × (1 − "
                f"{f.percent(r.minority_share)} minorities) reaches net income")  # fmt: skip
    return (
        "house method: a change in segment gross profit reaches net income untaxed "
        "(--after-tax applies tax and minorities)"
    )


def source_text(r: SensitivityResult) -> str:
    when = f" on {r.price_date}" if r.price_date else ""
    b = r.grid.base
    return (f"Price {f.money(b.price)} {r.currency}{when} (source: {r.price_source}); as of {r.as_of}; "
            f"{r.model_source}")  # fmt: skip


def solve_text(r: SensitivityResult) -> str | None:
    if r.target_pe is None or r.solved_asp is None:
        return None
    b = r.grid.base
    asp = r.solved_asp
    shown = (
        str(asp)
        if isinstance(asp, Missing)
        else f"{asp:,.0f} {r.model_currency}/t ({asp / b.asp - 1:+.1%} on the base)"
    )
    return (f"{r.segment_label} ASP for a FY{r.fiscal_year}E P/E of {r.target_pe:g}x at {f.money(b.price)} (margin "
            f"{f.percent(b.margin)} and volume {b.volume:,.0f} t held): {shown}")  # fmt: skip


def sensitivity_view(r: SensitivityResult) -> Group:
    """The grid: one row per row-driver value, one column per column-driver value; the base cell marked ``*``."""
    g = r.grid
    table = Table(title=title(r), title_justify="left", show_lines=False)
    table.add_column(f"{DRIVER_LABELS[g.rows]} \\ {DRIVER_LABELS[g.cols]}", justify="right", style="bold")
    for value in g.col_values:
        table.add_column(driver_text(g.cols, value), justify="right")
    for row, row_value in enumerate(g.row_values):
        texts: list[Text | str] = [driver_text(g.rows, row_value)]
        for col in range(len(g.col_values)):
            cell = g.at(row, col)
            text = metric_text(r.metric, cell.metric(r.metric))
            texts.append(Text(text + BASE_MARK, style="bold reverse") if cell.is_base else text + " ")
        table.add_row(*texts)
    base = next(c for c in g.cells if c.is_base)
    lines = [
        f"{BASE_MARK} base: the model's FY{r.fiscal_year}E — {r.segment_label} margin {f.percent(g.base.margin)}, "
        f"volume {g.base.volume:,.0f} t, ASP {g.base.asp:,.0f} {r.model_currency}/t; net income "
        f"{base.net_income:,.0f}m, EPS {f.money(base.eps, 3)}, P/E {f.multiple(base.pe)}",
        method_text(r),
        source_text(r),
    ]
    if r.metric in ("upside", "etr"):
        lines.append("upside: the target price moves with EPS at the house's implied P/E (TP ÷ base EPS)")
    solved = solve_text(r)
    if solved:
        lines.append(solved)
    lines += [f"note: {n}" for n in r.notes]
    return Group(table, Text("\n".join(lines), style="dim"))


def _csv_row(r: SensitivityResult, c: Cell) -> list[str]:
    return [
        safe_text(r.ticker), str(r.fiscal_year), r.segment, raw_number(c.gp_margin), raw_number(c.volume),
        raw_number(c.asp), raw_number(c.net_income), raw_number(c.eps), raw_number(c.pe),
        "true" if c.is_base else "false",
    ]  # fmt: skip


def sensitivity_csv(r: SensitivityResult) -> str:
    """One line per cell, row by row: exactly :data:`CSV_COLUMNS` (margins as fractions, net income in millions of
    the model currency, EPS in the trading currency, NA/NM literal)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(r, c) for c in r.grid.cells)
    return buffer.getvalue()


def _j(value: Value | None) -> Any:
    return value.value if isinstance(value, Missing) else value


def sensitivity_json(r: SensitivityResult) -> str:
    """The inputs, every cell (with every metric) and the solve."""
    g, b = r.grid, r.grid.base
    body = {
        "ticker": r.ticker,
        "name": r.name,
        "currency": r.currency,
        "model_currency": r.model_currency,
        "fiscal_year": r.fiscal_year,
        "segment": r.segment,
        "segment_label": r.segment_label,
        "metric": r.metric,
        "as_of": r.as_of.isoformat(),
        "price": b.price,
        "price_source": r.price_source,
        "price_date": r.price_date.isoformat() if r.price_date else None,
        "after_tax": r.after_tax,
        "tax_rate": _j(r.tax_rate),
        "minority_share": _j(r.minority_share),
        "keep": b.keep,
        "base": {
            "net_income": b.net_income,
            "shares": b.shares,
            "volume": b.volume,
            "asp": b.asp,
            "gp_margin": b.margin,
            "eps": b.eps,
            "target_price": _j(b.target_price),
            "dividend_yield": _j(b.dividend_yield),
        },
        "rows": {"driver": g.rows, "values": list(g.row_values)},
        "cols": {"driver": g.cols, "values": list(g.col_values)},
        "cells": [
            {
                "row": c.row,
                "col": c.col,
                "gp_margin": c.gp_margin,
                "volume": c.volume,
                "asp": c.asp,
                "net_income": c.net_income,
                "eps": c.eps,
                "pe": _j(c.pe),
                "upside": _j(c.upside),
                "etr": _j(c.etr),
                "is_base": c.is_base,
            }
            for c in g.cells
        ],
        "solve": None
        if r.target_pe is None
        else {"target_pe": r.target_pe, "asp": _j(r.solved_asp), "gp_margin": b.margin, "volume": b.volume},
        "notes": r.notes,
    }
    return json.dumps(body, indent=2, ensure_ascii=False)
