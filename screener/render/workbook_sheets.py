"""The workbook's optional sheets: *Drift* (the latest findings against the baseline run), *Correlation* (stock
returns against oxide returns) and *Charts* (native Excel charts over data written on the sheet: each rated
name's P/B band, P/B against ROE, revenue and revenue growth by year across the peers). Pure rendering, called
by :func:`screener.render.workbook.to_xlsx_bytes`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from screener.core.peers_fit import fit
from screener.core.values import Missing
from screener.render.cells import correlation_cells, drift_cells
from screener.render.workbook_print import titles
from screener.render.workbook_style import CHARTS, CORRELATION, DRIFT, Styles, text, write_cell

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from screener.app.results import (
        ChartInputs,
        CorrelationReport,
        DriftResult,
        FinancialsChart,
        PbBandChart,
        PeersChart,
    )

CHART_SIZE = {"width": 760, "height": 400}
CHART_ROWS = 21
"""Rows a chart takes on the sheet (with a gap), at the default row height."""
DATA_COLUMN = 14
"""The first column of the charts' data (column O), to the right of the charts."""
BAND_LEVELS = (2, 1, 0, -1, -2)


def _header(sheet: Worksheet, row: int, heads: tuple[str, ...], styles: Styles) -> None:
    for c, head in enumerate(heads):
        sheet.write_string(row, c, head, styles.header)


def drift_sheet(book: Workbook, result: DriftResult, styles: Styles) -> None:
    """The findings of the drift check (computed without recording a run), with its warnings."""
    sheet = book.add_worksheet(DRIFT)
    for c, width in enumerate((12, 30, 14, 12, 80)):
        sheet.set_column(c, c, width)
    baseline = result.baseline.isoformat() if result.baseline else "none (no earlier run to compare with)"
    sheet.write_string(0, 0, text(f"Rating drift as of {result.as_of} against the run of {baseline}"), styles.title)
    sheet.write_string(1, 0, "Computed for this export, not recorded in the rating history.", styles.note)
    r = 2
    for line in [f"warning: {w}" for w in result.warnings] + (
        [f"Findings of the companies kept: {result.where.summary}"] if result.where else []
    ):
        sheet.write_string(r, 0, text(line), styles.note)
        r += 1
    r += 1
    _header(sheet, r, ("Ticker", "Name", "Finding", "Needs review", "Detail"), styles)
    header = r
    r += 1
    baseline_day = result.baseline.isoformat() if result.baseline else None
    for row in drift_cells(result.as_of.isoformat(), baseline_day, result.findings):
        review = styles.out_of_band if row["needs_review"].value else styles.plain
        for c, key in enumerate(DRIFT_KEYS):
            if key == "finding":
                sheet.write_string(r, c, text(str(row[key].value)), review)
            else:
                write_cell(sheet, r, c, row[key], styles)
        r += 1
    if not result.findings:
        sheet.write_string(r, 0, "no findings", styles.note)
    sheet.freeze_panes(header + 1, 1)
    sheet.autofilter(header, 0, max(r - 1, header), 4)
    titles(sheet, header, 2)  # the header row; Ticker and Name


DRIFT_KEYS = ("ticker", "name", "finding", "needs_review", "detail")


def correlation_sheet(book: Workbook, report: CorrelationReport, styles: Styles) -> None:
    """The correlation table as ``screener correlate`` ranks it, with its parameters and the series' units."""
    sheet = book.add_worksheet(CORRELATION)
    rows = correlation_cells(report)
    columns = list(report.rows.columns)
    every = "weekly" if report.freq == "W" else "monthly"
    sheet.write_string(0, 0, "Stock returns against oxide returns", styles.title)
    span = f"{report.start or 'start'} to {report.end or 'end'}"
    units = "; ".join(f"{sid}: {unit}" for sid, unit in sorted(report.units.items())) or "none"
    sheet.write_string(
        1,
        0,
        text(f"{every} log returns, {span}; rolling window {report.window}, lags within ±{report.max_lag}; "
             f"level_corr is the correlation of price levels (shown beside, not instead). Units: {units}"),
        styles.note,
    )  # fmt: skip
    header = 3
    for c, column in enumerate(columns):
        sheet.write_string(header, c, column, styles.header)
        sheet.set_column(c, c, 30 if column in ("name", "status") else 11)
    for r, row in enumerate(rows, start=header + 1):
        for c, column in enumerate(columns):
            write_cell(sheet, r, c, row[column], styles)
    sheet.freeze_panes(header + 1, 1)
    sheet.autofilter(header, 0, header + len(rows), len(columns) - 1)
    titles(sheet, header, 2)  # the header row; ticker and name


def _ref(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> list[Any]:
    return [sheet, first_row, first_col, last_row, last_col]


def _peers(book: Workbook, sheet: Worksheet, peers: PeersChart, col: int, at: int, styles: Styles) -> int:
    """The P/B-vs-ROE data at column ``col`` and its scatter chart at row ``at``; returns the next free column."""
    basis = peers.basis_label
    sheet.write_string(0, col, f"P/B against ROE, {basis} (chart data)", styles.section)
    for c, head in enumerate(("Name", f"ROE {basis}", f"P/B {basis}", "Fair P/B", "Residual")):
        sheet.write_string(1, col + c, head, styles.header)
    line = fit(peers.points)  # each name's fair P/B at its ROE on the OLS line, and P/B − fair P/B
    for r, (name, roe, pb) in enumerate(peers.points, start=2):
        sheet.write_string(r, col, text(name))
        sheet.write_number(r, col + 1, roe, styles.number("0.0%"))
        sheet.write_number(r, col + 2, pb, styles.number('0.0"x"'))
        if line is not None:
            sheet.write_number(r, col + 3, line.fair(roe), styles.number('0.0"x"'))
            sheet.write_number(r, col + 4, pb - line.fair(roe), styles.number('+0.0"x";-0.0"x"'))
    last = 1 + len(peers.points)
    chart = book.add_chart({"type": "scatter"})
    assert chart is not None
    labels = [{"value": f"='{CHARTS}'!${_column_name(col)}${r + 1}"} for r in range(2, last + 1)]
    chart.add_series(
        {
            "name": "companies",
            "categories": _ref(CHARTS, 2, col + 1, last, col + 1),
            "values": _ref(CHARTS, 2, col + 2, last, col + 2),
            "marker": {"type": "circle", "size": 7},
            "data_labels": {"custom": labels, "position": "right"},
        }
    )
    chart.set_title({"name": text(peers.title)})
    chart.set_x_axis({"name": f"ROE {basis}", "num_format": "0%"})
    chart.set_y_axis({"name": f"P/B {basis}", "num_format": '0.0"x"'})
    chart.set_legend({"none": True})
    sheet.insert_chart(at, 0, chart, CHART_SIZE)
    sheet.write_string(at + CHART_ROWS - 2, 0, text(f"{peers.source}; as of {peers.as_of}"), styles.note)
    if peers.left_out:
        sheet.write_string(at + CHART_ROWS - 1, 0, text("left out: " + "; ".join(peers.left_out)), styles.note)
    return col + 6


YEAR_COLOURS = ("#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B", "#FD8D3C", "#E6550D")


def _financials(book: Workbook, sheet: Worksheet, chart: FinancialsChart, col: int, at: int, styles: Styles) -> int:
    """Revenue (growth, margins, FCF) by year: a company x fiscal-year table at column ``col`` (NA/NM as text)
    and a clustered column chart over it at row ``at``, one series per year, estimated points with a hatch
    pattern; returns the next free column."""
    sheet.write_string(0, col, text(f"{chart.title} (chart data)"), styles.section)
    heads = ("Name", *(f"FY{y}" for y in chart.years), "Estimates")
    for c, head in enumerate(heads):
        sheet.write_string(1, col + c, head, styles.header)
    fmt = styles.number("0.0%" if chart.percent else "#,##0")
    for r, company in enumerate(chart.companies, start=2):
        sheet.write_string(r, col, text(company.label))
        for c, year in enumerate(chart.years, start=1):
            value = company.values.get(year)
            if isinstance(value, float):
                sheet.write_number(r, col + c, value, fmt)
            elif isinstance(value, Missing):
                sheet.write_string(r, col + c, value.value, styles.missing)
        sheet.write_string(r, col + len(chart.years) + 1, ", ".join(f"FY{y}" for y in sorted(company.estimates)))
    last = 1 + len(chart.companies)
    excel = book.add_chart({"type": "column"})
    assert excel is not None
    for c, year in enumerate(chart.years, start=1):
        colour = YEAR_COLOURS[(c - 1) % len(YEAR_COLOURS)]
        hatched = {"pattern": {"pattern": "wide_upward_diagonal", "fg_color": "#333333", "bg_color": colour}}
        points = [hatched if year in company.estimates else None for company in chart.companies]
        excel.add_series(
            {
                "name": f"FY{year}",
                "categories": _ref(CHARTS, 2, col, last, col),
                "values": _ref(CHARTS, 2, col + c, last, col + c),
                "fill": {"color": colour},
                "points": points,
            }
        )
    excel.set_title({"name": text(chart.title)})
    excel.set_y_axis({"name": chart.unit, "num_format": "0%" if chart.percent else "#,##0"})
    excel.set_legend({"position": "bottom"})
    sheet.insert_chart(at, 0, excel, CHART_SIZE)
    footer = f"{chart.source}; hatched: estimates; as of {chart.as_of}"
    sheet.write_string(at + CHART_ROWS - 2, 0, text("; ".join([footer, *chart.notes])), styles.note)
    if chart.left_out:
        sheet.write_string(
            at + CHART_ROWS - 1, 0, text("left out (no data): " + "; ".join(chart.left_out)), styles.note
        )
    return col + len(heads) + 1


def _column_name(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def band_label(k: int) -> str:
    """A band line's name as text that no spreadsheet reads as a formula: ``mean``, ``mean + 2 sd``,
    ``mean - 1 sd`` (never a leading ``+``/``-``)."""
    return "mean" if k == 0 else f"mean {'+' if k > 0 else '-'} {abs(k)} sd"


def _pb_band(book: Workbook, sheet: Worksheet, band: PbBandChart, col: int, at: int, styles: Styles) -> int:
    """One P/B band: the daily P/B (two columns), the band levels (mean ± 1, 2 sd as two-point lines), the current
    point, and a line chart over them at row ``at``; returns the next free column."""
    sheet.write_string(0, col, text(f"{band.title} (chart data)"), styles.section)
    for c, head in enumerate(("Date", "P/B")):
        sheet.write_string(1, col + c, head, styles.header)
    dates = [stamp.date() for stamp in band.pb.index]
    values = [float(v) for v in band.pb.to_numpy()]
    r = 2
    for day, value in zip(dates, values, strict=True):
        if math.isfinite(value):
            sheet.write_datetime(r, col, day, styles.date)
            sheet.write_number(r, col + 1, value, styles.number("0.00"))
            r += 1
    last = r - 1
    chart = book.add_chart({"type": "scatter", "subtype": "straight"})
    assert chart is not None
    chart.add_series(
        {
            "name": "P/B (close ÷ BVPS published by that day)",
            "categories": _ref(CHARTS, 2, col, last, col),
            "values": _ref(CHARTS, 2, col + 1, last, col + 1),
            "line": {"width": 1.25, "color": "#1F3864"},
        }
    )
    levels = col + 3
    for c, head in enumerate(("Line", "From", "To", "P/B", "P/B")):
        sheet.write_string(1, levels + c, head, styles.header)
    stats = band.band
    row = 2
    if not isinstance(stats.mean, Missing):
        start = stats.start or dates[0]
        for k in BAND_LEVELS:
            if k and isinstance(stats.sd, Missing):
                continue
            level = float(stats.mean) + k * (0.0 if isinstance(stats.sd, Missing) else float(stats.sd))
            label = band_label(k)
            sheet.write_string(row, levels, label)
            sheet.write_datetime(row, levels + 1, start, styles.date)
            sheet.write_datetime(row, levels + 2, dates[-1], styles.date)
            sheet.write_number(row, levels + 3, level, styles.number("0.00"))
            sheet.write_number(row, levels + 4, level, styles.number("0.00"))
            chart.add_series(
                {
                    "name": f"{label} {level:.2f}x",
                    "categories": _ref(CHARTS, row, levels + 1, row, levels + 2),
                    "values": _ref(CHARTS, row, levels + 3, row, levels + 4),
                    "line": {"width": 1, "dash_type": "solid" if k == 0 else "dash",
                             "color": "#000000" if k == 0 else ("#C00000" if abs(k) == 2 else "#ED7D31")},
                }
            )  # fmt: skip
            row += 1
    if not isinstance(stats.current, Missing) and stats.end is not None:
        sheet.write_string(row, levels, "current")
        sheet.write_datetime(row, levels + 1, stats.end, styles.date)
        sheet.write_number(row, levels + 3, float(stats.current), styles.number("0.00"))
        z = "NA" if isinstance(stats.z_score, Missing) else f"{float(stats.z_score):+.2f}"
        chart.add_series(
            {
                "name": f"current {float(stats.current):.2f}x, z-score {z}",
                "categories": _ref(CHARTS, row, levels + 1, row, levels + 1),
                "values": _ref(CHARTS, row, levels + 3, row, levels + 3),
                "marker": {"type": "circle", "size": 8, "fill": {"color": "#C62828"}},
            }
        )
    chart.set_title({"name": text(band.title)})
    chart.set_x_axis({"num_format": "yyyy"})  # Excel dates on a value axis, shown as years
    chart.set_y_axis({"name": "P/B", "num_format": '0.0"x"', "min": 0})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(at, 0, chart, CHART_SIZE)
    sheet.write_string(at + CHART_ROWS - 2, 0, text(f"{band.source}; band from {band.since}"), styles.note)
    return levels + 6


def charts_sheet(book: Workbook, charts: ChartInputs, styles: Styles) -> None:
    """The charts at the left, one under the other, each over its data at the right; a skipped chart is noted."""
    sheet = book.add_worksheet(CHARTS)
    sheet.set_column(DATA_COLUMN, DATA_COLUMN + 200, 11)
    sheet.write_string(0, 0, "Charts", styles.title)
    r = 1
    for note in charts.notes:
        sheet.write_string(r, 0, text(note), styles.note)
        r += 1
    at, col = r + 1, DATA_COLUMN
    if charts.peers is not None:
        col = _peers(book, sheet, charts.peers, col, at, styles)
        at += CHART_ROWS
    for financials in charts.financials:
        col = _financials(book, sheet, financials, col, at, styles)
        at += CHART_ROWS
    for band in charts.pb_bands:
        col = _pb_band(book, sheet, band, col, at, styles)
        at += CHART_ROWS
    titles(sheet, 0, 0)  # the title; no identity column (the charts fill the left)
    sheet.print_area(0, 0, at, DATA_COLUMN - 1)  # the charts and their notes, not the data at their right
