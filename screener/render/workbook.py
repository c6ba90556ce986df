"""The formatted workbook (``screener export --out FILE.xlsx``), written with XlsxWriter from a
:class:`~screener.app.bundle.ReportBundle`. Pure rendering: bytes out, no environment, no clock.

Sheets: *Comps* (laid out like the published comp sheet: a band row per peer group, its companies, then the
group's mean / median / harmonic mean rows and their n; multiples ``0.0x``, percentages ``0.0%``; the header
row and the ticker column frozen; an autofilter; NA/NM in grey; a house rating out of its ETR band highlighted),
*Sources & FX*, *Flags*, and where their data exists *Drift*, *Correlation* and *Charts* (native Excel charts
over data on the sheet: see :mod:`screener.render.workbook_sheets`); with ``--portfolio FILE`` *Portfolio*
(:mod:`screener.render.workbook_portfolio`).

Cells hold numbers as numbers, dates as Excel dates and booleans as booleans (the *In band* column as the
terminal writes it, ``in``/``OUT``); every text cell is cleaned of control characters and prefixed with ``'``
where a spreadsheet would read a formula, and the workbook never turns strings into formulas or links
(``strings_to_formulas`` / ``strings_to_urls`` off). Every sheet prints landscape on A4, one page wide, its
header rows and identity columns repeated (:mod:`screener.render.workbook_print`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.app.results import ReportBundle
from screener.models import CellBlock, CellRow
from screener.render import workbook_sheets as extra
from screener.render.cells import comp_cells
from screener.render.workbook_print import page_setup, titles
from screener.render.workbook_style import (
    AGGREGATE_FILL,
    BAND_FILL,
    COMPS,
    FLAGS,
    GREY,
    MULTIPLE_FORMAT,
    OUT_OF_BAND_FILL,
    OUT_OF_BAND_FONT,
    PERCENT_FORMAT,
    SOURCES,
    SUSPECT_FONT,
    Styles,
    text,
    write_cell,
    write_number,
)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "AGGREGATE_FILL", "BAND_FILL", "COLUMNS", "COLUMN_INDEX", "CSV_FIELDS", "GREY", "MULTIPLE_FORMAT",
    "OUT_OF_BAND_FILL", "OUT_OF_BAND_FONT", "PERCENT_FORMAT", "SUSPECT_FONT", "TITLE_ROWS", "to_xlsx_bytes",
]  # fmt: skip
TITLE_ROWS = 2
BAND_WORDS = ("in", "OUT")
"""The In band column as the terminal writes it (OUT highlighted by the cell's out-of-band mark)."""
"""Rows above the Comps header: the title and the as-of line."""


@dataclass(frozen=True)
class Col:
    """A Comps column: header, width, and the cell it shows (the PM CSV column of that name)."""

    header: str
    width: float
    key: str


def _multiples() -> list[Col]:
    out = []
    for label, key in (("P/B", "pb"), ("P/E", "pe"), ("EV/EBITDA", "ev_ebitda"), ("ROE", "roe"), ("DY", "dy")):
        out += [Col(f"{label} FY{k}", 9, f"{key}_fy{k}") for k in (1, 2)]
    return out


COLUMNS: tuple[Col, ...] = (
    Col("Ticker", 12, "ticker"),
    Col("Name", 30, "name"),
    Col("Group", 12, "group"),
    Col("House rating", 9, "house_rating"),
    Col("Rule rating", 9, "rule_rating"),
    Col("In band", 8, "in_band"),
    Col("Mkt cap US$m", 11, "market_cap_usd_m"),
    Col("Ccy", 6, "currency"),
    Col("Price", 10, "price"),
    Col("Price date", 11, "price_date"),
    Col("YTD", 8, "ytd_change"),
    Col("Target price", 10, "target_price"),
    Col("Upside", 8, "upside"),
    Col("Div. yield", 8, "dividend_yield"),
    Col("ETR", 8, "etr"),
    Col("FY1", 6, "fy1"),
    *_multiples(),
    Col("1M", 8, "chg_1m"),
    Col("3M", 8, "chg_3m"),
    Col("12M", 8, "chg_12m"),
    Col("P/B pctile", 9, "pb_pctile"),
    Col("P/E pctile", 9, "pe_pctile"),
    Col("P/B z", 7, "pb_z"),
    Col("Rev gr. FY1", 9, "rev_growth_fy1"),
    Col("EPS gr. FY1", 9, "eps_growth_fy1"),
    Col("PEG FY1", 8, "peg_fy1"),
    Col("ND/EBITDA FY1", 10, "net_debt_to_ebitda_fy1"),
    Col("P/E NTM", 9, "pe_ntm"),
    Col("P/B NTM", 9, "pb_ntm"),
    Col("EV/EBITDA NTM", 10, "ev_ebitda_ntm"),
    Col("ROE NTM", 9, "roe_ntm"),
    Col("DY NTM", 9, "dy_ntm"),
    Col("EPS rev 1M", 9, "eps_rev_1m"),
    Col("EPS rev 3M", 9, "eps_rev_3m"),
    Col("Flags", 28, "flags"),
    Col("Tags", 24, "tags"),
    Col("Source", 9, "source"),
    Col("As of", 11, "as_of"),
    Col("Row type", 13, "row_type"),
)
"""The Comps columns, in order (the published sheet's order, then the CSV's context columns)."""
COLUMN_INDEX = {c.header: i for i, c in enumerate(COLUMNS)}
WEIGHT = Col("Weight", 8, "weight")
"""The ETF weight (a fraction), after ND/EBITDA FY1 when any company has one; blank in the statistic rows."""
CSV_FIELDS = {c.header: c.key for c in (*COLUMNS, WEIGHT)}
"""The PM CSV column each Comps column shows (every CSV column has one; Weight only with weights)."""


def comps_columns(has_weights: bool) -> tuple[Col, ...]:
    """:data:`COLUMNS`, with :data:`WEIGHT` when a company of the report carries an ETF weight (a column that
    would be NA throughout is left out)."""
    if not has_weights:
        return COLUMNS
    at = COLUMN_INDEX["ND/EBITDA FY1"] + 1
    return (*COLUMNS[:at], WEIGHT, *COLUMNS[at:])


def _row(sheet: Worksheet, r: int, row: CellRow, styles: Styles, columns: tuple[Col, ...]) -> None:
    """A company, statistic or n row: each column's cell (statistic rows shaded; the row type in its column)."""
    shaded = row.kind != "company"
    for c, col in enumerate(columns):
        if col.key == "row_type":
            sheet.write_string(r, c, row.kind, styles.marked(None, shaded, frozenset()))
        elif col.key == "in_band":
            write_cell(sheet, r, c, row[col.key], styles, shaded, BAND_WORDS)
        else:
            write_cell(sheet, r, c, row[col.key], styles, shaded)


def _band(sheet: Worksheet, r: int, block: CellBlock, styles: Styles, columns: tuple[Col, ...]) -> None:
    """The band row of a group: its name, members, how many are listed and how many are left out of the
    statistics."""
    members = f"{block.members} companies" + (f", {block.shown} shown" if block.shown < block.members else "")
    if block.not_counted:
        members += f", {block.not_counted} not in the statistics"
    for c in range(len(columns)):
        sheet.write_blank(r, c, None, styles.band)
    sheet.write_string(r, 0, text(f"{block.group} ({members})"), styles.band)
    sheet.write_string(r, [col.key for col in columns].index("group"), text(block.group), styles.band)
    sheet.write_string(r, len(columns) - 1, "group", styles.band)


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
            + ". NA = not available, NM = not meaningful, NR = not rated. A house rating outside its band is "
            "highlighted; red: an implausible yield, amber: stale, blue: a band or consensus target, italic: an "
            "estimated market cap (comments say why). Statistics are always the whole group's."
            + (f" {report.where.summary}." if report.where else "")
        ),
        styles.note,
    )
    header = TITLE_ROWS
    columns = comps_columns(report.has_weights)
    for c, col in enumerate(columns):
        sheet.write_string(header, c, col.header, styles.header)
        sheet.set_column(c, c, col.width)
    r = header + 1
    for block in comp_cells(report):
        _band(sheet, r, block, styles, columns)
        r += 1
        for row in block.rows:
            _row(sheet, r, row, styles, columns)
            r += 1
    sheet.freeze_panes(header + 1, 1)
    sheet.autofilter(header, 0, max(r - 1, header), len(columns) - 1)
    sheet.set_row(header, 30)
    titles(sheet, header, 2)  # the header row; Ticker and Name


_PRICE = {False: "#,##0.00", True: "#,##0"}


def sources_sheet(book: Workbook, bundle: ReportBundle, styles: Styles) -> None:
    """Every company's price source and date, every FX rate with its date and source, banners and problems."""
    report = bundle.report
    sheet = book.add_worksheet(SOURCES)
    for c, width in enumerate((14, 34, 8, 12, 12, 12, 40)):
        sheet.set_column(c, c, width)
    sheet.write_string(0, 0, text(f"Sources and FX — {report.as_of_text()}"), styles.title)
    titles(sheet, 0, 2)  # the title (the sheet holds several tables); Ticker and Name, or Currency and Source
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
        write_number(sheet, r, 3, row.price, styles.number(_PRICE[row.company.currency == "JPY"]), styles.missing)
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
    for c, head in enumerate(("Currency", "Source", "", "Per USD", "Rate date", "Stale")):
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
        if currency in report.stale_fx:  # the fx_stale decision of the report, as the terminal footer shows it
            sheet.write_string(r, 5, "stale: rows converted with it are flagged fx_stale")
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
    titles(sheet, 2, 1)  # the header row; Code


def to_xlsx_bytes(bundle: ReportBundle) -> bytes:
    """The workbook as bytes: Comps, Sources & FX, Flags, then Drift, Correlation and Charts where present."""
    import xlsxwriter  # imported only for .xlsx exports

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
    if bundle.portfolio is not None:
        from screener.render.workbook_portfolio import portfolio_sheet

        portfolio_sheet(book, bundle.portfolio, styles)
    page_setup(book, bundle.report.as_of_text())
    book.close()
    return buffer.getvalue()
