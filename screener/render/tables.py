"""Rich renderings of reports. Functions return rich objects; printing is the CLI's job. The comp table and the
drift findings render the cell model (:mod:`screener.render.cells`): text from :func:`formatting.cell_text`, a
style from the cell's state, kind and marks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Group
from rich.text import Text

from screener.app.results import ViewHistory
from screener.app.screen_results import ScreenReport, WhereOutcome
from screener.core.drift import Finding, RatingRecord, RunSummary
from screener.core.ratings import Rating
from screener.core.values import NA
from screener.models import Cell, CellBlock, Mark
from screener.render import formatting as f
from screener.render.cells import comp_cells, drift_cells
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View

COMP_NAME_MIN = 12
"""The comp table's names are cut (with …) down to this width before any other column is dropped (#22)."""
RATING_STYLE = {Rating.BUY: "bold green", Rating.NEUTRAL: "yellow", Rating.SELL: "bold red"}
MARK_STYLE = {
    Mark.IMPLAUSIBLE: "magenta",
    Mark.OUT_OF_BAND: "underline",
    Mark.STALE: "orange3",
    Mark.OVERRIDDEN: "cyan",
    Mark.ESTIMATE: "italic",
}
"""How the terminal shows a cell's marks (an implausible value also ends in ``?``)."""


def rich_cell(cell: Cell, yes: str = "yes", no: str = "no", styles_of: tuple[str, str] = ("green", "bold red")) -> Text:
    """A cell as rich text: NA/NM dim, a rating in its colour (NR dim), a boolean as ``yes``/``no`` (or the
    column's words) styled ``styles_of`` (true, false), then the style of each mark."""
    text = f.cell_text(cell, yes, no)
    styles = []
    if cell.missing or (cell.kind == "rating" and text == "NR"):
        styles.append("dim")
    elif cell.kind == "rating" and text in Rating._value2member_map_:
        styles.append(RATING_STYLE[Rating(text)])
    elif isinstance(cell.value, bool):
        styles.append(styles_of[0] if cell.value else styles_of[1])
    styles += [MARK_STYLE[mark] for mark in sorted(cell.marks)]
    return Text(text, style=" ".join(styles))


@dataclass(frozen=True)
class Column:
    """A comp-table column: its key (the CSV name ``--columns`` takes), header, priority (0 = identity, always
    shown; 1 = most important, the highest dropped first on a narrow terminal) and the cell it shows (``cell``:
    when not the key)."""

    key: str
    header: str
    priority: int
    justify: Literal["left", "right"] = "right"
    cell: str | None = None

    def spec(self, shrink: int | None = None) -> Spec:
        return Spec(self.key, self.header, self.priority, self.justify, shrink=shrink, wrap=self.key in LISTS)

    def render(self, cell: Cell) -> Text:
        if self.key == "in_band":
            return rich_cell(cell, "in", "OUT")
        if self.key in LISTS:
            return Text(str(cell.value or "").replace(";", " "), style=LISTS[self.key])
        if self.key == "estimate_source":
            return Text(str(cell.value or ""), style="cyan" if str(cell.value).startswith("consensus") else "")
        return rich_cell(cell)


LISTS = {"flags": "magenta", "tags": "blue"}
"""Columns holding a list (``;``-joined in the CSV): shown space-separated, wrapped between items, in a colour."""
IDENTITY = (Column("ticker", "Ticker", 0, "left"), Column("name", "Name", 0, "left"))
RATING_COLUMNS = (
    *IDENTITY,
    Column("currency", "Ccy", 10, "left"),
    Column("price", "Price", 1),
    Column("ytd_change", "YTD", 12),
    Column("market_cap_usd_m", "Mcap US$m", 9),
    Column("target_price", "TP", 2),
    Column("upside", "Upside", 7),
    Column("dividend_yield", "DY FY1", 8),
    Column("etr", "ETR", 3),
    Column("house_rating", "House", 4, "left"),
    Column("rule_rating", "Rule", 5, "left"),
    Column("in_band", "Band", 6, "left"),
    Column("flags", "Flags", 11, "left"),
    Column("source", "Src", 13, "left"),
)
"""The analyst's reading order (#22): identity, price, TP, ETR, house, rule, band; upside (ETR less the yield)
and the FY1 yield next; then size, currency, flags, YTD and the source."""
METRIC_COLUMNS = (
    ("P/E FY1", "pe_fy1", 2), ("P/E FY2", "pe_fy2", 7), ("P/B FY1", "pb_fy1", 3), ("P/B FY2", "pb_fy2", 9),
    ("EV/EBITDA FY1", "ev_ebitda_fy1", 4), ("EV/EBITDA FY2", "ev_ebitda_fy2", 10), ("ROE FY1", "roe_fy1", 5),
    ("ROE FY2", "roe_fy2", 8), ("DY FY1", "dy_fy1", 6), ("DY FY2", "dy_fy2", 11),
)  # fmt: skip
"""(header, column key, priority) of the FY1/FY2 multiples, in display order: the FY1 multiples and ROE first,
then FY2 (ROE FY2 before the other FY2 multiples, so no EV/EBITDA FY2 shows while an ROE is hidden)."""
VALUATION_COLUMNS = (
    *IDENTITY,
    Column("fy1", "FY1", 1),
    *(Column(key, header, priority) for header, key, priority in METRIC_COLUMNS),
    Column("estimate_source", "Est", 12, "left", cell="estimate"),
)
HISTORY_COLUMNS = (
    Column("pb_pctile", "P/B pctile", 13),
    Column("pe_pctile", "P/E pctile", 14),
    Column("pb_z", "P/B z", 15),
)
"""Where today's multiple sits in the own history (METHODS §5.1): shown only with --wide or --columns."""
GROWTH_COLUMNS = (
    Column("rev_growth_fy1", "Rev gr. FY1", 16),
    Column("eps_growth_fy1", "EPS gr. FY1", 17),
    Column("peg_fy1", "PEG FY1", 18),
    Column("net_debt_to_ebitda_fy1", "ND/EBITDA FY1", 19),
)
"""FY1 growth, PEG and leverage from the statements (METHODS §11): shown only with --wide or --columns."""
WEIGHT_COLUMN = Column("weight", "Weight", 20)
"""The ETF weight from the universe file (``universe import-holdings``): shown only with --wide or --columns; no
aggregate (a weight is not averaged)."""
TAGS_COLUMN = Column("tags", "Tags", 21, "left")
"""The company's tags (declared in the universe file, then its oxide exposure): with --wide or --columns."""
NTM_TABLE_COLUMNS = (
    Column("pe_ntm", "P/E NTM", 22),
    Column("pb_ntm", "P/B NTM", 23),
    Column("ev_ebitda_ntm", "EV/EBITDA NTM", 24),
    Column("roe_ntm", "ROE NTM", 25),
    Column("dy_ntm", "DY NTM", 26),
)
"""Twelve-month-forward multiples, FY1 and FY2 blended (METHODS §14): shown only with --wide or --columns."""
REVISION_TABLE_COLUMNS = (Column("eps_rev_1m", "EPS rev 1M", 27), Column("eps_rev_3m", "EPS rev 3M", 28))
"""Consensus FY1 EPS revisions over 1 and 3 months (METHODS §14): shown only with --wide or --columns."""
EXTRA_COLUMNS = (
    *HISTORY_COLUMNS, *GROWTH_COLUMNS, WEIGHT_COLUMN, *NTM_TABLE_COLUMNS, *REVISION_TABLE_COLUMNS, TAGS_COLUMN
)  # fmt: skip
SCREEN_COLUMNS = {c.cell or c.key: c for c in (*RATING_COLUMNS, *VALUATION_COLUMNS, *EXTRA_COLUMNS)}
"""Every comp column by the key of the cell it shows."""
SCREEN_KEYS = tuple(dict.fromkeys(c.key for c in (*RATING_COLUMNS, *VALUATION_COLUMNS, *EXTRA_COLUMNS)))
"""What ``screen --columns`` takes (the CSV column names)."""
ROW_STYLE = {"company": None, "mean": "italic", "median": "italic", "harmonic_mean": "italic", "n": "dim"}


def _label(text: Text) -> Text:
    """A group or statistic label: wrapped between words when the names are cut, never cut itself."""
    text.no_wrap, text.overflow = False, "fold"
    return text


def _table(blocks: list[CellBlock], title: str, columns: tuple[Column, ...], view: View) -> FittedTable:
    """The rows of the cell model, then a table that fits the terminal: names cut with … (down to
    :data:`COMP_NAME_MIN`; group and statistic labels wrap instead), flags wrapped between codes, lower-priority
    columns dropped and named."""
    rows: list[Row] = []
    blank = [Text("")] * (len(columns) - 2)
    for block in blocks:
        rows.append(Row([Text(""), _label(Text(block.label, style="bold underline")), *blank]))
        for row in block.rows:
            cells = [column.render(row[column.cell or column.key]) for column in columns]
            if row.kind != "company":
                cells[1] = _label(cells[1])
            rows.append(Row(cells, ROW_STYLE[row.kind], end_section=row.kind == "n"))
    specs = [column.spec(COMP_NAME_MIN if column.key == "name" else None) for column in columns]
    return FittedTable(specs, rows, view, title=title)


COMP_TABLE_TITLES = ("Targets and ratings", "Valuation (FY1 = first unreported fiscal year)")


def comp_tables(report: ScreenReport, view: View | None = None) -> list[tuple[str, tuple[Column, ...]]]:
    """The comp table split in two, as (title, columns): targets and ratings; then FY1/FY2 valuation multiples
    (with the history, growth, weight and tags columns under --wide or --columns). With --columns, a table none
    of whose picked columns is among its own is left out. The one decision of which columns each table holds:
    the terminal fits it to its width, the HTML report lays it out (:mod:`screener.render.report_html`).

    The Src column is shown only when rows come from different sources (the footer names them anyway).
    """
    view = view or View()
    sources = {row.source for block in report.groups for row in block.rows}
    rating_columns = (
        RATING_COLUMNS if len(sources) > 1 or (view.columns and "source" in view.columns) else RATING_COLUMNS[:-1]
    )
    history = view.wide or bool(view.columns and any(c.key in view.columns for c in EXTRA_COLUMNS))
    tables = (
        (COMP_TABLE_TITLES[0], rating_columns),
        (COMP_TABLE_TITLES[1], (*VALUATION_COLUMNS, *EXTRA_COLUMNS) if history else VALUATION_COLUMNS),
    )
    return [
        (title, columns)
        for title, columns in tables
        if view.columns is None or any(c.priority and c.key in view.columns for c in columns)
    ]


def screen_tables(report: ScreenReport, view: View | None = None) -> list[FittedTable]:
    """The comp tables of :func:`comp_tables`, each fitted to the terminal."""
    view = view or View()
    when = f"{report.as_of_text()}, ranked by {report.sort}"
    blocks = comp_cells(report)
    return [_table(blocks, f"{title} — {when}", columns, view) for title, columns in comp_tables(report, view)]


def screen_view(report: ScreenReport, view: View | None = None, banners: bool = True, notes: bool = False) -> Group:
    """Banners (unless ``banners`` is False: ``--quiet``), tables and footer (short; in full with ``notes``)."""
    from screener.render.screen_footer import footer, notes_footer

    parts: list[Text | FittedTable] = [Text(b, style="bold yellow") for b in report.banners] if banners else []
    parts += [*screen_tables(report, view), notes_footer(report) if notes else footer(report)]
    return Group(*parts)


DRIFT_COLUMNS = (
    Spec("needs_review", "Review"),
    Spec("ticker", "Ticker"),
    Spec("name", "Name", shrink=NAME_MIN),
    Spec("kind", "Finding", 1),
    Spec("detail", "Detail", 2, wrap=True),
)
HISTORY_RUNS_COLUMNS = (
    Spec("as_of", "As of"),
    Spec("recorded_at", "Recorded at (UTC)", 3),
    Spec("names", "Names", 1, "right"),
    Spec("out_of_band", "Out of band", 2, "right"),
)
HISTORY_RUN_COLUMNS = (
    Spec("ticker", "Ticker"),
    Spec("name", "Name", shrink=NAME_MIN),
    Spec("price", "Price", 4, "right"),
    Spec("target_price", "TP", 5, "right"),
    Spec("etr", "ETR", 1, "right"),
    Spec("house_rating", "House", 3),
    Spec("rule_rating", "Rule", 2),
    Spec("in_band", "Band", 6),
    Spec("flags", "Flags", 7, wrap=True),
    Spec("source", "Src", 8),
)
VIEW_HISTORY_COLUMNS = (
    Spec("set_on", "Set on"),
    Spec("rating", "Rating", 1),
    Spec("target_price", "Target", 2, "right"),
    Spec("change", "Change", 3, "right"),
    Spec("note", "Note", 5, wrap=True),
    Spec("in_force", "In force", 4),
)


def keys(columns: Sequence[Spec]) -> tuple[str, ...]:
    """What ``--columns`` takes for a table of these columns."""
    return tuple(c.key for c in columns)


DRIFT_TEXT = ("ticker", "name", "finding", "detail")


def drift_table(
    as_of: str,
    baseline: str | None,
    findings: list[Finding],
    warnings: Sequence[str] = (),
    view: View | None = None,
    where: WhereOutcome | None = None,
) -> FittedTable:
    """The weekly drift findings, those needing review first; warnings about the baseline (and what ``--where``
    kept) as the caption."""
    against = f"against {baseline}" if baseline else "no earlier run: current state only"
    lines = [f"warning: {w}" for w in warnings] + ([where.summary] if where else [])
    caption = "\n".join(lines) or None
    rows = [
        Row([rich_cell(r["needs_review"], styles_of=("bold red", "green")), *(str(r[k].value) for k in DRIFT_TEXT)])
        for r in drift_cells(as_of, baseline, findings)
    ]
    if not findings:
        rows.append(Row(["", "", "", "nothing to report", ""]))
    title = f"Rating drift — {as_of} ({against})"
    return FittedTable(DRIFT_COLUMNS, rows, view or View(), title=title, caption=caption)


def history_runs_table(runs: list[RunSummary], view: View | None = None) -> FittedTable:
    """Recorded runs, newest first."""
    rows = [Row([run.as_of.isoformat(), run.recorded_at, str(run.names), str(run.out_of_band)]) for run in runs]
    return FittedTable(HISTORY_RUNS_COLUMNS, rows, view or View(), title="Rating history")


def history_run_table(as_of: str, records: list[RatingRecord], view: View | None = None) -> FittedTable:
    """One recorded run."""
    rows = []
    for r in sorted(records, key=lambda x: x.ticker):
        band = "" if r.in_band is None else ("in" if r.in_band else "OUT")
        price = f.money(NA if r.price is None else r.price)
        target = f.money(NA if r.target_price is None else r.target_price)
        etr = f.percent(NA if r.etr is None else r.etr)
        rows.append(
            Row(
                [
                    r.ticker,
                    r.name,
                    price,
                    target,
                    etr,
                    r.house_rating or "NR",
                    r.rule_rating or "NA",
                    band,
                    r.flags,
                    r.source,
                ]
            )
        )
    return FittedTable(HISTORY_RUN_COLUMNS, rows, view or View(), title=f"Recorded run of {as_of}")


def view_history_table(history: ViewHistory, view: View | None = None) -> FittedTable | Text:
    """House views of one company, oldest first; the one in force today marked."""
    c = history.company
    if not history.views:
        return Text(f"{c.ticker} {c.name}: no house view (not rated) in {history.path}")
    rows = []
    previous = None
    for item in history.views:
        change = "" if previous is None else f.percent(item.target_price / previous.target_price - 1)
        rows.append(
            Row(
                [
                    item.set_on.isoformat(),
                    Text(item.rating.value, style=RATING_STYLE[item.rating]),
                    f"{item.target_price:,.2f}",
                    change,
                    item.note,
                    "today" if item is history.in_force else "",
                ]
            )
        )
        previous = item
    title = f"House views — {c.name} ({c.ticker}), {c.currency}; {history.path}"
    return FittedTable(VIEW_HISTORY_COLUMNS, rows, view or View(), title=title)
