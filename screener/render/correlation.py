"""Renderers of `screener correlate`: a ranked rich table, CSV (exact columns, full precision), JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from screener.app.results import CORRELATION_CSV_COLUMNS as CSV_COLUMNS
from screener.app.results import CorrelationReport
from screener.models import Cell, CellRow
from screener.render.cells import correlation_cells
from screener.render.export import csv_text
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View
from screener.render.formatting import cell_text

TABLE_COLUMNS = (
    Spec("ticker", "Ticker"),
    Spec("name", "Name", shrink=NAME_MIN),
    Spec("series", "Series", 1),
    Spec("n", "n", 6, "right"),
    Spec("start", "From", 8),
    Spec("end", "To", 9),
    Spec("corr", "Corr", 2, "right"),
    Spec("beta", "Beta", 4, "right"),
    Spec("beta_t_hac", "t (HAC)", 5, "right"),
    Spec("r2", "R²", 7, "right"),
    Spec("rolling_corr_last", "Rolling last", 10, "right"),
    Spec("rolling_corr_min", "Rolling min–max", 11, "right"),
    Spec("best_lag", "Best lag", 12, "right"),
    Spec("best_lag_corr", "Lag corr", 13, "right"),
    Spec("level_corr", "Level corr (levels!)", 14, "right"),
    Spec("status", "Status", 3),
)
"""The table's columns by key (CSV names; ``rolling_corr_min`` is the min–max range), priority: 1 most important."""
TABLE_KEYS = (*(s.key for s in TABLE_COLUMNS), "rolling_corr_max")


def _raw(cell: Cell) -> Any:
    """A cell as a plain JSON value: None for missing, ints for counts and lags, ISO dates, floats unrounded."""
    if cell.missing:
        return None
    if cell.kind == "count" and cell.value is not None:
        return int(float(cell.value))
    return cell.value


def records(report: CorrelationReport) -> list[dict[str, Any]]:
    """Each pair's cells as plain values (None for missing)."""
    return [{c: _raw(cell) for c, cell in row.cells.items()} for row in correlation_cells(report)]


def to_csv(report: CorrelationReport) -> str:
    """Exactly CSV_COLUMNS; floats with ``repr`` (round-trip precision); missing values as ``NA``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in correlation_cells(report):
        writer.writerow([_csv(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _csv(cell: Cell) -> str:
    """Floats in full (``repr``), counts and lags as integers (a lag of -2 is -2, not '-2), text formula-safe."""
    if cell.kind == "count" and cell.value is not None and not cell.missing:
        return str(int(float(cell.value)))
    if isinstance(cell.value, float) and not cell.missing:
        return repr(cell.value)
    return csv_text(cell)


def to_json(report: CorrelationReport) -> str:
    payload = {
        "freq": report.freq,
        "window": report.window,
        "max_lag": report.max_lag,
        "start": report.start.isoformat() if report.start else None,
        "end": report.end.isoformat() if report.end else None,
        "units": report.units,
        "rows": records(report),
    }
    return json.dumps(payload, indent=1, ensure_ascii=False)


def _range(row: CellRow) -> str:
    low, high = row["rolling_corr_min"], row["rolling_corr_max"]
    return "NA" if low.missing or high.missing else f"{cell_text(low)} – {cell_text(high)}"


def correlation_table(report: CorrelationReport, view: View | None = None) -> FittedTable:
    view = view or View()
    if view.columns and "rolling_corr_max" in view.columns:  # the range is one column
        view = View((*view.columns, "rolling_corr_min"), view.wide)
    period = "weeks" if report.freq == "W" else "months"
    span = f"{report.start or 'first'} to {report.end or 'last'}"
    title = f"Stock vs oxide {'weekly' if report.freq == 'W' else 'monthly'} log returns, {span} (ranked by |corr|)"
    caption = (
        f"beta: OLS of stock on oxide returns, t with Newey-West (HAC) errors; rolling over {report.window} "
        f"{period}; best lag within ±{report.max_lag} {period}, positive = oxide leads the stock. "
        "Level corr is the correlation of price LEVELS (trending series inflate it): shown only beside the "
        "return correlation. Oxide units: " + (", ".join(f"{k} {v}" for k, v in report.units.items()) or "none")
    )
    rows = [
        Row([_range(r) if s.key == "rolling_corr_min" else cell_text(r[s.key]) for s in TABLE_COLUMNS])
        for r in correlation_cells(report)
    ]
    return FittedTable(TABLE_COLUMNS, rows, view, title=title, caption=caption)
