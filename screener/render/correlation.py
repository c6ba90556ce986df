"""Renderers of `screener correlate`: a ranked rich table, CSV (exact columns, full precision), JSON."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from screener.app.correlate import CSV_COLUMNS, CorrelationReport
from screener.render.export import safe_text
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View

INT_COLUMNS = ("n", "best_lag")
DATE_COLUMNS = ("start", "end")
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


def _raw(column: str, value: Any) -> Any:
    """A cell as a plain Python value: None for missing, ints for counts/lags, ISO dates, floats unrounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column in DATE_COLUMNS:
        return None if str(value) == "NaT" else str(value)[:10]
    if column in INT_COLUMNS:
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return str(value)


def records(report: CorrelationReport) -> list[dict[str, Any]]:
    return [{c: _raw(c, row[c]) for c in (*CSV_COLUMNS, "status")} for row in report.rows.to_dict(orient="records")]


def to_csv(report: CorrelationReport) -> str:
    """Exactly CSV_COLUMNS; floats with ``repr`` (round-trip precision); missing values as ``NA``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records(report):
        cells = []
        for column in CSV_COLUMNS:
            value = record[column]
            if value is None:
                cells.append("NA")
            elif isinstance(value, float):
                cells.append(repr(value))
            elif isinstance(value, int):
                cells.append(str(value))  # numbers stay numbers: a lag of -2 is -2, not '-2
            else:
                cells.append(safe_text(str(value)))
        writer.writerow(cells)
    return buffer.getvalue()


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


def _f(value: Any, fmt: str) -> str:
    return "NA" if value is None else format(value, fmt)


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
    rows = []
    for r in records(report):
        if r["status"] in ("no data",) or (r["status"] and r["n"] == 0):
            rows.append(Row([r["ticker"], r["name"], r["series"], "0", *[""] * 11, r["status"]]))
            continue
        lag = r["best_lag"]
        rows.append(Row([
            r["ticker"], r["name"], r["series"], str(r["n"]), r["start"] or "", r["end"] or "",
            _f(r["corr"], ".2f"), _f(r["beta"], ".2f"), _f(r["beta_t_hac"], ".1f"), _f(r["r2"], ".2f"),
            _f(r["rolling_corr_last"], ".2f"),
            "NA" if r["rolling_corr_min"] is None else f"{r['rolling_corr_min']:.2f} – {r['rolling_corr_max']:.2f}",
            "NA" if lag is None else f"{lag:+d}", _f(r["best_lag_corr"], ".2f"), _f(r["level_corr"], ".2f"),
            r["status"],
        ]))  # fmt: skip
    return FittedTable(TABLE_COLUMNS, rows, view, title=title, caption=caption)
