"""The formatted workbook (``screener export --out FILE.xlsx``), written with XlsxWriter from a
:class:`~screener.app.bundle.ReportBundle`. Pure rendering: bytes out, no environment, no clock.

Sheets: *Comps* (laid out like the published comp sheet: a band row per peer group, its companies, then the
group's mean / median / harmonic mean rows and their n; multiples ``0.0x``, percentages ``0.0%``; the header
row and the ticker column frozen; an autofilter; NA/NM in grey; a house rating out of its ETR band highlighted),
*Sources & FX*, *Flags*, and where their data exists *Drift*, *Correlation* and *Charts* (native Excel charts
over data on the sheet: see :mod:`screener.render.workbook_sheets`).

Cells hold numbers as numbers, dates as Excel dates and booleans as booleans; every text cell is cleaned of
control characters and prefixed with ``'`` where a spreadsheet would read a formula, and the workbook never
turns strings into formulas or links (``strings_to_formulas`` / ``strings_to_urls`` off).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screener.app.bundle import ReportBundle
from screener.app.comptable import CompanyRow
from screener.app.report import AggregateRow, GroupBlock, ScreenReport
from screener.core.values import NM, Missing, Value
from screener.fileio import write_atomic
from screener.render.export import safe_text
from screener.render.formatting import printable

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

COMPS = "Comps"
SOURCES = "Sources & FX"
FLAGS = "Flags"
DRIFT = "Drift"
CORRELATION = "Correlation"
CHARTS = "Charts"

MULTIPLE_FORMAT = '#,##0.0"x"'
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
GREY = "#808080"
BAND_FILL = "#1F3864"
AGGREGATE_FILL = "#F2F2F2"
OUT_OF_BAND_FILL = "#FFC7CE"
OUT_OF_BAND_FONT = "#9C0006"
SUSPECT_FONT = "#C00000"
STAT_LABEL = {"mean": "mean", "median": "median", "harmonic_mean": "harmonic mean"}
RAW_LABEL = {"pe": "EPS", "pb": "BVPS", "ev_ebitda": "EBITDA"}
TITLE_ROWS = 2
"""Rows above the Comps header: the title and the as-of line."""


def text(value: str) -> str:
    """A text cell: no control characters, never read as a formula."""
    return safe_text(printable(value))


class Styles:
    """The workbook's cell formats, created once (XlsxWriter formats belong to one workbook)."""

    def __init__(self, book: Workbook) -> None:
        add = book.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.note = add({"italic": True, "font_color": GREY})
        self.header = add({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "center"})
        self.section = add({"bold": True, "font_size": 12})
        self.band = add({"bold": True, "font_color": "#FFFFFF", "bg_color": BAND_FILL})
        self.plain = add({})
        self.missing = add({"font_color": GREY, "align": "right"})
        self.missing_text = add({"font_color": GREY})
        self.missing_aggregate = add({"font_color": GREY, "align": "right", "italic": True, "bg_color": AGGREGATE_FILL})
        self.out_of_band = add({"bold": True, "font_color": OUT_OF_BAND_FONT, "bg_color": OUT_OF_BAND_FILL})
        self.date = add({"num_format": DATE_FORMAT, "align": "left"})
        self.number_formats: dict[tuple[str, bool, bool], Format] = {}
        self._add = add

    def number(self, num_format: str, *, aggregate: bool = False, suspect: bool = False) -> Format:
        """A number format, in an aggregate row (italic, shaded) or marked suspect (red)."""
        key = (num_format, aggregate, suspect)
        if key not in self.number_formats:
            spec: dict[str, Any] = {"num_format": num_format}
            if aggregate:
                spec.update(italic=True, bg_color=AGGREGATE_FILL)
            if suspect:
                spec.update(font_color=SUSPECT_FONT)
            self.number_formats[key] = self._add(spec)
        return self.number_formats[key]


@dataclass(frozen=True)
class Col:
    """A Comps column: header, width, the number format of its numbers, how to read a company row, and the
    aggregate column it shows in the group statistic rows (if any)."""

    header: str
    width: float
    num_format: str | None = None
    value: Callable[[CompanyRow], Any] | None = None
    aggregate: str | None = None


def _price_format(row: CompanyRow) -> str:
    return "#,##0" if row.company.currency == "JPY" else "#,##0.00"


def _metric(key: str) -> Callable[[CompanyRow], Value]:
    return lambda row: row.metric(key)


def _multiples() -> list[Col]:
    out = []
    for label, key, fmt in (
        ("P/B", "pb", MULTIPLE_FORMAT), ("P/E", "pe", MULTIPLE_FORMAT), ("EV/EBITDA", "ev_ebitda", MULTIPLE_FORMAT),
        ("ROE", "roe", PERCENT_FORMAT), ("DY", "dy", PERCENT_FORMAT),
    ):  # fmt: skip
        for k in (1, 2):
            column = f"{key}_fy{k}"
            out.append(Col(f"{label} FY{k}", 9, fmt, _metric(column), column))
    return out


COLUMNS: tuple[Col, ...] = (
    Col("Ticker", 12, value=lambda r: r.ticker),
    Col("Name", 30, value=lambda r: r.company.name),
    Col("Group", 12, value=lambda r: r.company.group),
    Col("House rating", 9, value=lambda r: r.view.rating.value if r.view else "NR"),
    Col("Rule rating", 9, value=lambda r: r.rule_rating.value if r.rule_rating else "NA"),
    Col("In band", 8, value=lambda r: r.in_band),
    Col("Mkt cap US$m", 11, "#,##0", lambda r: r.market_cap_usd_m),
    Col("Ccy", 6, value=lambda r: r.company.currency),
    Col("Price", 10, "price", lambda r: r.price),
    Col("Price date", 11, DATE_FORMAT, lambda r: r.quote.price_date if r.quote else None),
    Col("YTD", 8, PERCENT_FORMAT, _metric("ytd_change")),
    Col("Target price", 10, "price", lambda r: r.target_price),
    Col("Upside", 8, PERCENT_FORMAT, lambda r: r.upside, "upside"),
    Col("Div. yield", 8, PERCENT_FORMAT, lambda r: r.dividend_yield, "dividend_yield"),
    Col("ETR", 8, PERCENT_FORMAT, lambda r: r.etr, "etr"),
    Col("FY1", 6, "0", lambda r: r.fy1),
    *_multiples(),
    Col("1M", 8, PERCENT_FORMAT, _metric("chg_1m")),
    Col("3M", 8, PERCENT_FORMAT, _metric("chg_3m")),
    Col("12M", 8, PERCENT_FORMAT, _metric("chg_12m")),
    Col("P/B pctile", 9, PERCENT_FORMAT, _metric("pb_pctile")),
    Col("P/E pctile", 9, PERCENT_FORMAT, _metric("pe_pctile")),
    Col("P/B z", 7, "0.00", _metric("pb_z")),
    Col("Rev gr. FY1", 9, PERCENT_FORMAT, _metric("rev_growth_fy1")),
    Col("EPS gr. FY1", 9, PERCENT_FORMAT, _metric("eps_growth_fy1")),
    Col("PEG FY1", 8, "0.00", _metric("peg_fy1")),
    Col("ND/EBITDA FY1", 10, MULTIPLE_FORMAT, _metric("net_debt_to_ebitda_fy1")),
    Col("Flags", 28, value=lambda r: ";".join(r.flags)),
    Col("Source", 9, value=lambda r: r.source),
    Col("As of", 11, DATE_FORMAT),
    Col("Row type", 13),
)
"""The Comps columns, in order (the published sheet's order, then the CSV's context columns)."""
COLUMN_INDEX = {c.header: i for i, c in enumerate(COLUMNS)}
WEIGHT = Col("Weight", 8, "0.00%", _metric("weight"))
"""The ETF weight (a fraction), after ND/EBITDA FY1 when any company has one; blank in the statistic rows."""


def comps_columns(report: ScreenReport) -> tuple[Col, ...]:
    """:data:`COLUMNS`, with :data:`WEIGHT` when a company of the report carries an ETF weight (a column that
    would be NA throughout is left out)."""
    if not report.has_weights:
        return COLUMNS
    at = COLUMN_INDEX["ND/EBITDA FY1"] + 1
    return (*COLUMNS[:at], WEIGHT, *COLUMNS[at:])


CSV_FIELDS = {
    "Ticker": "ticker", "Name": "name", "Group": "group", "House rating": "house_rating",
    "Rule rating": "rule_rating", "In band": "in_band", "Mkt cap US$m": "market_cap_usd_m", "Ccy": "currency",
    "Price": "price", "Price date": "price_date", "YTD": "ytd_change", "Target price": "target_price",
    "Upside": "upside", "Div. yield": "dividend_yield", "ETR": "etr", "FY1": "fy1", "1M": "chg_1m", "3M": "chg_3m",
    "12M": "chg_12m",
    "P/B pctile": "pb_pctile", "P/E pctile": "pe_pctile", "P/B z": "pb_z", "Rev gr. FY1": "rev_growth_fy1",
    "EPS gr. FY1": "eps_growth_fy1", "PEG FY1": "peg_fy1", "ND/EBITDA FY1": "net_debt_to_ebitda_fy1",
    "Weight": "weight", "Flags": "flags", "Source": "source",
    "As of": "as_of", "Row type": "row_type",
    **{c.header: c.aggregate for c in COLUMNS if c.aggregate and c.aggregate.endswith(("_fy1", "_fy2"))},
}  # fmt: skip
"""The PM CSV column each Comps column shows (every CSV column has one; Weight only with weights)."""
YIELD_COLUMNS = {"Div. yield": "dividend_yield", "DY FY1": "dy_fy1", "DY FY2": "dy_fy2"}


def write_number(sheet: Worksheet, row: int, col: int, value: Any, fmt: Format, missing: Format) -> None:
    """A number (finite float or int) with its format; NA/NM (and a non-finite number, as NA) as grey text."""
    if isinstance(value, Missing):
        sheet.write_string(row, col, value.value, missing)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        if math.isfinite(value):
            sheet.write_number(row, col, value, fmt)
        else:
            sheet.write_string(row, col, "NA", missing)
    elif value is None:
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_string(row, col, text(str(value)), missing)


def _company(sheet: Worksheet, r: int, row: CompanyRow, as_of: date, styles: Styles, columns: tuple[Col, ...]) -> None:
    for c, col in enumerate(columns):
        value = col.value(row) if col.value else None
        if col.header == "As of":
            sheet.write_datetime(r, c, as_of, styles.date)
        elif col.header == "Row type":
            sheet.write_string(r, c, "company")
        elif col.header == "Price date":
            if value is None:
                sheet.write_string(r, c, "NA", styles.missing)
            else:
                sheet.write_datetime(r, c, value, styles.date)
        elif col.header == "In band":
            if value is not None:
                sheet.write_boolean(r, c, value, styles.out_of_band if value is False else styles.plain)
        elif col.num_format is None:
            out = col.header == "House rating" and row.in_band is False
            style = styles.missing_text if value in ("NA", "NM") else styles.plain
            sheet.write_string(r, c, text(str(value)), styles.out_of_band if out else style)
        else:
            num_format = _price_format(row) if col.num_format == "price" else col.num_format
            suspect = col.header in YIELD_COLUMNS and row.yield_suspect(YIELD_COLUMNS[col.header])
            write_number(sheet, r, c, value, styles.number(num_format, suspect=suspect), styles.missing)
            if suspect and not isinstance(value, Missing):
                sheet.write_comment(r, c, "implied payout above the limit: left out of the ETR and the aggregates")
            if value is NM and col.aggregate and row.raw_input(col.aggregate) is not None:
                label = RAW_LABEL[col.aggregate.rpartition("_fy")[0]]
                sheet.write_comment(r, c, f"NM: {label} {row.raw_input(col.aggregate):,.2f}")


def _statistic_row(
    sheet: Worksheet, r: int, block: GroupBlock, kind: str, label: str, as_of: date, st: Styles,
    value: Callable[[int, Col], None], columns: tuple[Col, ...],
) -> None:  # fmt: skip
    """A shaded row of group statistics: its label and kind, and ``value(c, col)`` in each aggregated column."""
    shade = st.number("General", aggregate=True)
    for c, col in enumerate(columns):
        if col.header == "Name":
            sheet.write_string(r, c, text(f"{block.name} {label}"), shade)
        elif col.header == "Group":
            sheet.write_string(r, c, text(block.name), shade)
        elif col.header == "As of":
            sheet.write_datetime(r, c, as_of, st.number(DATE_FORMAT, aggregate=True))
        elif col.header == "Row type":
            sheet.write_string(r, c, kind, shade)
        elif col.aggregate and col.num_format:
            value(c, col)
        else:
            sheet.write_blank(r, c, None, shade)


def _aggregate(
    sheet: Worksheet, r: int, block: GroupBlock, aggregate: AggregateRow, as_of: date, st: Styles,
    columns: tuple[Col, ...],
) -> None:  # fmt: skip
    """A mean, median or harmonic-mean row (blank where the statistic is not computed for a column)."""

    def value(c: int, col: Col) -> None:
        assert col.aggregate and col.num_format
        number = aggregate.values[col.aggregate].value
        write_number(sheet, r, c, number, st.number(col.num_format, aggregate=True), st.missing_aggregate)

    label = STAT_LABEL[aggregate.statistic]
    _statistic_row(sheet, r, block, aggregate.statistic, label, as_of, st, value, columns)


def _counts(
    sheet: Worksheet, r: int, block: GroupBlock, aggregate: AggregateRow, as_of: date, st: Styles,
    columns: tuple[Col, ...],
) -> None:  # fmt: skip
    """The n of each aggregated column (members used; the others were NA or NM; the same for every statistic)."""

    def value(c: int, col: Col) -> None:
        assert col.aggregate
        sheet.write_number(r, c, aggregate.values[col.aggregate].n, st.number("0", aggregate=True))

    label = f"n (of {block.total - block.not_counted} counted)"
    _statistic_row(sheet, r, block, "n", label, as_of, st, value, columns)


def comps_sheet(book: Workbook, bundle: ReportBundle, styles: Styles) -> None:
    """The comp table: title, header, then per group a band row, its companies and its statistic rows."""
    report = bundle.report
    sheet = book.add_worksheet(COMPS)
    sheet.write_string(0, 0, text(f"Rare-earth comparable valuation — {report.as_of_text()}"), styles.title)
    rules = report.rules
    sheet.write_string(
        1,
        0,
        text(
            f"Sources: {', '.join(report.sources_used) or 'none'}; sorted by {report.sort}. Rule rating from ETR: "
            f"Buy >= {rules.buy:.0%} (high risk {rules.buy_high_risk:.0%}), Sell < {rules.sell:.0%}"
            + (f", tolerance {rules.tolerance:.1%}" if rules.tolerance else "")
            + ". NA = not available, NM = not meaningful, NR = not rated. A house rating "
            "outside its band is highlighted."
        ),
        styles.note,
    )
    header = TITLE_ROWS
    columns = comps_columns(report)
    index = {col.header: c for c, col in enumerate(columns)}
    for c, col in enumerate(columns):
        sheet.write_string(header, c, col.header, styles.header)
        sheet.set_column(c, c, col.width)
    r = header + 1
    last = len(columns) - 1
    for block in report.groups:
        members = f"{block.total} companies"
        if block.not_counted:
            members += f", {block.not_counted} not in the statistics"
        sheet.write_string(r, 0, text(f"{block.name} ({members})"), styles.band)
        for c in range(1, last + 1):
            sheet.write_blank(r, c, None, styles.band)
        sheet.write_string(r, index["Group"], text(block.name), styles.band)
        sheet.write_string(r, index["Row type"], "group", styles.band)
        r += 1
        for row in block.rows:
            _company(sheet, r, row, report.as_of, styles, columns)
            r += 1
        for aggregate in block.aggregates:
            _aggregate(sheet, r, block, aggregate, report.as_of, styles, columns)
            r += 1
        if block.aggregates:
            _counts(sheet, r, block, block.aggregates[0], report.as_of, styles, columns)
            r += 1
    sheet.freeze_panes(header + 1, 1)
    sheet.autofilter(header, 0, max(r - 1, header), last)
    sheet.set_row(header, 30)


def sources_sheet(book: Workbook, bundle: ReportBundle, styles: Styles) -> None:
    """Every company's price source and date, every FX rate with its date and source, banners and problems."""
    report = bundle.report
    sheet = book.add_worksheet(SOURCES)
    for c, width in enumerate((14, 34, 8, 12, 12, 12, 40)):
        sheet.set_column(c, c, width)
    sheet.write_string(0, 0, text(f"Sources and FX — {report.as_of_text()}"), styles.title)
    r = 2
    sheet.write_string(r, 0, "Prices", styles.section)
    r += 1
    for c, head in enumerate(("Ticker", "Name", "Ccy", "Price", "Price date", "Source", "Estimates")):
        sheet.write_string(r, c, head, styles.header)
    r += 1
    for row in (x for block in report.groups for x in block.rows):
        sheet.write_string(r, 0, text(row.ticker))
        sheet.write_string(r, 1, text(row.company.name))
        sheet.write_string(r, 2, text(row.company.currency))
        write_number(sheet, r, 3, row.price, styles.number(_price_format(row)), styles.missing)
        if row.quote is not None:
            sheet.write_datetime(r, 4, row.quote.price_date, styles.date)
        else:
            sheet.write_string(r, 4, "NA", styles.missing)
        sheet.write_string(r, 5, text(row.source))
        provider = f" — {row.estimate_provider}" if row.estimate_provider else ""
        sheet.write_string(r, 6, text(row.estimate_text + provider))
        r += 1
    r += 1
    sheet.write_string(r, 0, "FX rates (units per USD)", styles.section)
    r += 1
    for c, head in enumerate(("Currency", "Source", "", "Per USD", "Rate date")):
        if head:
            sheet.write_string(r, c, head, styles.header)
    r += 1
    if not report.fx:
        sheet.write_string(r, 0, "no FX rate used (every name trades in USD)", styles.note)
        r += 1
    for currency, rate in sorted(report.fx.items()):
        sheet.write_string(r, 0, text(currency))
        sheet.write_string(r, 1, text(rate.source))
        write_number(sheet, r, 3, rate.per_usd, styles.number("0.0000"), styles.missing)
        sheet.write_datetime(r, 4, rate.rate_date, styles.date)
        r += 1
    for title, lines in (
        ("Banners", report.banners),
        ("Problems", report.problems),
        ("Names without data", report.missing),
        ("Notes", [*bundle.notes, *bundle.charts.notes]),
    ):
        r += 1
        sheet.write_string(r, 0, title, styles.section)
        r += 1
        for line in lines or ["none"]:
            sheet.write_string(r, 0, text(line), styles.plain if lines else styles.note)
            r += 1


def flags_sheet(book: Workbook, bundle: ReportBundle, styles: Styles) -> None:
    """Every flag code with its meaning and the names carrying it (codes in use first)."""
    from screener.core.flags import FLAGS as EXPLAINED

    sheet = book.add_worksheet(FLAGS)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 90)
    sheet.set_column(2, 2, 8)
    sheet.set_column(3, 3, 40)
    carriers: dict[str, list[str]] = {}
    for row in (x for block in bundle.report.groups for x in block.rows):
        for code in row.flags:
            carriers.setdefault(code, []).append(row.ticker)
    sheet.write_string(0, 0, "Flags: what each code on a Comps row means", styles.title)
    for c, head in enumerate(("Code", "Meaning", "Names", "Tickers")):
        sheet.write_string(2, c, head, styles.header)
    codes = sorted({*EXPLAINED, *carriers}, key=lambda code: (code not in carriers, list(EXPLAINED).index(code)
                                                               if code in EXPLAINED else len(EXPLAINED)))  # fmt: skip
    for r, code in enumerate(codes, start=3):
        sheet.write_string(r, 0, text(code))
        sheet.write_string(r, 1, text(EXPLAINED.get(code, "(no explanation recorded for this code)")))
        sheet.write_number(r, 2, len(carriers.get(code, [])))
        sheet.write_string(r, 3, text(", ".join(carriers.get(code, []))))
    sheet.freeze_panes(3, 1)
    sheet.autofilter(2, 0, 2 + len(codes), 3)


def to_xlsx_bytes(bundle: ReportBundle) -> bytes:
    """The workbook as bytes: Comps, Sources & FX, Flags, then Drift, Correlation and Charts where present."""
    import xlsxwriter  # imported only for .xlsx exports

    from screener.render import workbook_sheets as extra

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    styles = Styles(book)
    comps_sheet(book, bundle, styles)
    sources_sheet(book, bundle, styles)
    flags_sheet(book, bundle, styles)
    if bundle.drift is not None:
        extra.drift_sheet(book, bundle.drift, styles)
    if bundle.correlation is not None:
        extra.correlation_sheet(book, bundle.correlation, styles)
    charts = bundle.charts
    if charts.pb_bands or charts.peers is not None or charts.financials or charts.notes:
        extra.charts_sheet(book, bundle.charts, styles)
    book.close()
    return buffer.getvalue()


def write_workbook(bundle: ReportBundle, path: Path) -> None:
    """Write the workbook atomically (temporary file, then rename)."""
    write_atomic(path, to_xlsx_bytes(bundle))
