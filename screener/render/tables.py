"""Rich renderings of reports. Functions return rich objects; printing is the CLI's job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Group
from rich.text import Text

from screener.app.comptable import ALL_GROUP, CompanyRow
from screener.app.report import ScreenReport
from screener.app.views import ViewHistory
from screener.core.drift import Finding, RatingRecord, RunSummary
from screener.core.ratings import Rating
from screener.core.values import NA, NM, Missing, Value
from screener.models import Universe
from screener.render import formatting as f
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View

RATING_STYLE = {Rating.BUY: "bold green", Rating.NEUTRAL: "yellow", Rating.SELL: "bold red"}
STAT_LABEL = {"mean": "mean", "median": "median", "harmonic_mean": "harmonic mean"}
# (header, column key, formatter) of the aggregated columns, in display order.
METRIC_COLUMNS = (
    ("P/E FY1", "pe_fy1", f.multiple),
    ("P/E FY2", "pe_fy2", f.multiple),
    ("P/B FY1", "pb_fy1", f.multiple),
    ("P/B FY2", "pb_fy2", f.multiple),
    ("EV/EBITDA FY1", "ev_ebitda_fy1", f.multiple),
    ("EV/EBITDA FY2", "ev_ebitda_fy2", f.multiple),
    ("ROE FY1", "roe_fy1", f.percent),
    ("ROE FY2", "roe_fy2", f.percent),
    ("DY FY1", "dy_fy1", f.percent),
    ("DY FY2", "dy_fy2", f.percent),
)


def _rating(rating: Rating | None, missing: str) -> Text:
    if rating is None:
        return Text(missing, style="dim")
    return Text(rating.value, style=RATING_STYLE[rating])


def _band(value: bool | None) -> Text:
    if value is None:
        return Text("")
    return Text("in", style="green") if value else Text("OUT", style="bold red")


def _cell(text: str) -> Text:
    return Text(text, style="dim") if text in ("NA", "NM") else Text(text)


@dataclass(frozen=True)
class Column:
    """A table column: its key (the CSV name ``--columns`` takes), header, priority (0 = identity, always shown;
    1 = most important, the highest dropped first on a narrow terminal), how to render a company row, and the
    aggregate key it shows (if any)."""

    key: str
    header: str
    priority: int
    cell: Callable[[CompanyRow], Text]
    aggregate: str | None = None
    fmt: Callable[[Value], str] = f.multiple
    justify: Literal["left", "right"] = "right"

    def spec(self, shrink: int | None = None) -> Spec:
        return Spec(self.key, self.header, self.priority, self.justify, shrink=shrink, wrap=self.key == "flags")


def _z(value: Value) -> str:
    return value.value if isinstance(value, Missing) else f"{float(value):+.2f}"


def _plain(value: Value) -> str:
    return value.value if isinstance(value, Missing) else f"{float(value):.2f}"


def _price_decimals(row: CompanyRow) -> int:
    return 0 if row.company.currency == "JPY" else 2


RAW_LABEL = {"pe": "EPS", "pb": "BVPS", "ev_ebitda": "EBITDA"}


def _yield(row: CompanyRow, column: str) -> Text:
    """A dividend yield; one failing the payout check is shown marked ``44.0%?`` (kept out of ETR and aggregates)."""
    text = f.percent(row.metric(column))
    if row.yield_suspect(column) and text not in ("NA", "NM"):
        return Text(text + "?", style="magenta")
    return _cell(text)


def _metric(key: str, fmt: Callable[[Value], str]) -> Callable[[CompanyRow], Text]:
    """A multiple cell; an NM shows the input that made it so, e.g. ``NM (EPS -0.52)``; a suspect yield is
    marked ``?``."""

    def cell(row: CompanyRow) -> Text:
        if key in ("dy_fy1", "dy_fy2"):
            return _yield(row, key)
        value = row.metric(key)
        raw = row.raw_input(key)
        if value is NM and raw is not None:
            label = RAW_LABEL[key.rpartition("_fy")[0]]
            return Text(f"NM ({label} {raw:,.2f})", style="dim")
        return _cell(fmt(value))

    return cell


IDENTITY = (
    Column("ticker", "Ticker", 0, lambda r: Text(r.ticker), justify="left"),
    Column("name", "Name", 0, lambda r: Text(r.company.name), justify="left"),
)
RATING_COLUMNS = (
    *IDENTITY,
    Column("currency", "Ccy", 9, lambda r: Text(r.company.currency), justify="left"),
    Column("price", "Price", 5, lambda r: _cell(f.money(r.price, _price_decimals(r)))),
    Column("ytd_change", "YTD", 12, lambda r: _cell(f.percent(r.changes.ytd))),
    Column("market_cap_usd_m", "Mcap US$m", 8, lambda r: _cell(f.money(r.market_cap_usd_m, 0))),
    Column("target_price", "TP", 6, lambda r: _cell(f.money(r.target_price, _price_decimals(r)))),
    Column("upside", "Upside", 4, lambda r: _cell(f.percent(r.upside)), "upside", f.percent),
    Column("dividend_yield", "DY FY1", 10, lambda r: _yield(r, "dividend_yield"), "dividend_yield", f.percent),
    Column("etr", "ETR", 1, lambda r: _cell(f.percent(r.etr)), "etr", f.percent),
    Column("house_rating", "House", 3, lambda r: _rating(r.view.rating if r.view else None, "NR"), justify="left"),
    Column("rule_rating", "Rule", 2, lambda r: _rating(r.rule_rating, "NA"), justify="left"),
    Column("in_band", "Band", 7, lambda r: _band(r.in_band), justify="left"),
    Column("flags", "Flags", 11, lambda r: Text(" ".join(r.flags), style="magenta"), justify="left"),
    Column("source", "Src", 13, lambda r: Text(r.source), justify="left"),
)
METRIC_PRIORITY = {
    "pe_fy1": 1,
    "ev_ebitda_fy1": 3,
    "pb_fy1": 4,
    "pe_fy2": 5,
    "ev_ebitda_fy2": 6,
    "pb_fy2": 7,
    "roe_fy1": 8,
    "dy_fy1": 9,
    "roe_fy2": 10,
    "dy_fy2": 11,
}
VALUATION_COLUMNS = (
    *IDENTITY,
    Column("fy1", "FY1", 2, lambda r: Text(str(r.fy1))),
    *(Column(k, h, METRIC_PRIORITY[k], _metric(k, fmt), k, fmt) for h, k, fmt in METRIC_COLUMNS),
    Column(
        "estimate_source",
        "Est",
        12,
        lambda r: Text(r.estimate_text, style="cyan" if r.estimate_source == "consensus" else ""),
        justify="left",
    ),
)
HISTORY_COLUMNS = (
    Column("pb_pctile", "P/B pctile", 13, lambda r: _cell(f.percent(r.metric("pb_pctile"))), fmt=f.percent),
    Column("pe_pctile", "P/E pctile", 14, lambda r: _cell(f.percent(r.metric("pe_pctile"))), fmt=f.percent),
    Column("pb_z", "P/B z", 15, lambda r: _cell(_z(r.metric("pb_z")))),
)
"""Where today's multiple sits in the own history (METHODS §5.1): shown only with --wide or --columns."""
GROWTH_COLUMNS = (
    Column("rev_growth_fy1", "Rev gr. FY1", 16, lambda r: _cell(f.percent(r.metric("rev_growth_fy1"))), fmt=f.percent),
    Column("eps_growth_fy1", "EPS gr. FY1", 17, lambda r: _cell(f.percent(r.metric("eps_growth_fy1"))), fmt=f.percent),
    Column("peg_fy1", "PEG FY1", 18, lambda r: _cell(_plain(r.metric("peg_fy1")))),
    Column(
        "net_debt_to_ebitda_fy1", "ND/EBITDA FY1", 19, lambda r: _cell(f.multiple(r.metric("net_debt_to_ebitda_fy1")))
    ),
)
"""FY1 growth, PEG and leverage from the statements (METHODS §11): shown only with --wide or --columns."""
WEIGHT_COLUMN = Column("weight", "Weight", 20, lambda r: _cell(f.weight(r.metric("weight"))), fmt=f.weight)
"""The ETF weight from the universe file (``universe import-holdings``): shown only with --wide or --columns; no
aggregate (a weight is not averaged)."""
EXTRA_COLUMNS = (*HISTORY_COLUMNS, *GROWTH_COLUMNS, WEIGHT_COLUMN)
SCREEN_KEYS = tuple(dict.fromkeys(c.key for c in (*RATING_COLUMNS, *VALUATION_COLUMNS, *EXTRA_COLUMNS)))
"""What ``screen --columns`` takes (the CSV column names)."""


def _table(report: ScreenReport, title: str, columns: tuple[Column, ...], view: View) -> FittedTable:
    """Build the rows, then let the table fit the terminal: names cut with … (never below the group and
    aggregate labels), flags wrapped between codes, lower-priority columns dropped and named."""
    rows: list[Row] = []
    blank = [Text("")] * (len(columns) - 2)
    labels: list[Text] = []
    for block in report.groups:
        if block.name != ALL_GROUP:
            shown = f" (top {len(block.rows)} of {block.total})" if len(block.rows) < block.total else ""
            labels.append(Text(f"{block.name}{shown}", style="bold underline"))
            rows.append(Row([Text(""), labels[-1], *blank]))
            rows += [Row([column.cell(row) for column in columns]) for row in block.rows]
        else:
            labels.append(Text("All groups", style="bold underline"))
            rows.append(Row([Text(""), labels[-1], *blank]))
        for aggregate in block.aggregates:
            labels.append(Text(f"{block.name} {STAT_LABEL[aggregate.statistic]}"))
            cells = [Text(""), labels[-1]]
            for column in columns[2:]:
                value = aggregate.values[column.aggregate].value if column.aggregate else None
                cells.append(_cell(column.fmt(value)) if column.aggregate and value is not None else Text(""))
            rows.append(Row(cells, "italic"))
        first = block.aggregates[0].values
        label = f"{block.name} n (excl.)"
        if block.not_counted:
            label += f" +{block.not_counted} dual"
        labels.append(Text(label, style="dim"))
        counts = [Text(""), labels[-1]]
        for column in columns[2:]:
            stat = first[column.aggregate] if column.aggregate else None
            counts.append(Text(f"{stat.n} ({stat.excluded})", style="dim") if stat else Text(""))
        rows.append(Row(counts, end_section=True))
    name_min = max([NAME_MIN] + [label.cell_len for label in labels])
    specs = [column.spec(name_min if column.key == "name" else None) for column in columns]
    return FittedTable(specs, rows, view, title=title)


def screen_tables(report: ScreenReport, view: View | None = None) -> list[FittedTable]:
    """Two tables that fit a terminal: targets and ratings; then FY1/FY2 valuation multiples. With --columns, a
    table none of whose picked columns is among its own is left out.

    The Src column is shown only when rows come from different sources (the footer names them anyway).
    """
    view = view or View()
    when = f"{report.as_of_text()}, ranked by {report.sort}"
    sources = {row.source for block in report.groups for row in block.rows}
    rating_columns = (
        RATING_COLUMNS if len(sources) > 1 or (view.columns and "source" in view.columns) else RATING_COLUMNS[:-1]
    )
    history = view.wide or bool(view.columns and any(c.key in view.columns for c in EXTRA_COLUMNS))
    tables = (
        (f"Targets and ratings — {when}", rating_columns),
        (
            f"Valuation (FY1 = first unreported fiscal year) — {when}",
            (*VALUATION_COLUMNS, *EXTRA_COLUMNS) if history else VALUATION_COLUMNS,
        ),
    )
    return [
        _table(report, title, columns, view)
        for title, columns in tables
        if view.columns is None or any(c.priority and c.key in view.columns for c in columns)
    ]


def footer(report: ScreenReport) -> Text:
    """As-of date, sources, FX used (rate, date, source) and the legend."""
    when = report.as_of_text()
    lines = [f"{when[0].upper()}{when[1:]}. Sources: {', '.join(report.sources_used) or 'none'}."]
    for currency, rate in sorted(report.fx.items()):
        age = (report.as_of - rate.rate_date).days
        stale = f" — {age} days before the as-of date" if age > 5 else ""
        if age < 0:
            stale = f" — {-age} days AFTER the as-of date (no rate of that date; flagged fx_stale)"
        lines.append(f"FX {currency} {rate.per_usd:.4f} per USD on {rate.rate_date.isoformat()} ({rate.source}){stale}")
    if report.missing:
        lines.append(f"No data for: {', '.join(report.missing)}")
    r = report.rules
    tolerance = f" (±{r.tolerance * 100:g}pp tolerance)" if r.tolerance else ""
    lines.append(
        f"Upside = TP/price − 1; ETR = upside + FY1 dividend yield; Rule = Buy ≥{r.buy * 100:g}% "
        f"(≥{r.buy_high_risk * 100:g}% high risk), Sell <{r.sell * 100:g}%. Band: house rating vs rule{tolerance}. "
        "Est: house = house model; consensus (n = FY1 forecasters, the estimate's date), its multiples at this price. "
        "Aggregates: one line per issuer (a second listing shows as '+1 dual', not counted), "
        "n used (NA/NM and flagged yields excluded); harmonic mean for price multiples only. "
        "NA = not available, NM = not meaningful (negative or zero denominator), NR = not rated. "
        "Market caps in USD (snapshot: as published)."
    )
    return Text("\n".join(lines), style="dim")


def screen_view(report: ScreenReport, view: View | None = None, banners: bool = True) -> Group:
    """Banners (unless ``banners`` is False: ``--quiet``), tables and footer."""
    parts: list[Text | FittedTable] = [Text(b, style="bold yellow") for b in report.banners] if banners else []
    parts += [*screen_tables(report, view), footer(report)]
    return Group(*parts)


UNIVERSE_LIST_COLUMNS = (
    Spec("name", "Name"),
    Spec("file", "File", 3),
    Spec("companies", "Companies", 1, "right"),
    Spec("groups", "Groups", 2, wrap=True),
    Spec("rated", "Rated", 4, "right"),
    Spec("description", "Description", 5, wrap=True),
)
UNIVERSE_SHOW_COLUMNS = (
    Spec("ticker", "Ticker"),
    Spec("aliases", "Aliases", 7, wrap=True),
    Spec("name", "Name", shrink=NAME_MIN),
    Spec("group", "Group", 1),
    Spec("currency", "Ccy", 2),
    Spec("reporting_currency", "Rep", 6),
    Spec("fiscal_year_end_month", "FYE", 8),
    Spec("high_risk", "Risk", 5),
    Spec("house_view", "House view", 3),
    Spec("estimates", "Estimates", 4),
    Spec("oxide_exposure", "Oxide", 9),
)
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


def universe_list_table(universes: list[Universe], view: View | None = None) -> FittedTable:
    """Configured universes: name, file, how many companies, groups."""
    rows = []
    for u in universes:
        groups = ", ".join(dict.fromkeys(c.group for c in u.companies))
        rated = sum(1 for c in u.companies if c.views)
        rows.append(Row([u.name, u.path, str(len(u.companies)), groups, str(rated), u.description]))
    return FittedTable(UNIVERSE_LIST_COLUMNS, rows, view or View(), title="Universes")


def universe_show_table(universe: Universe, view: View | None = None) -> FittedTable:
    """One universe's companies with their settings and where their estimates come from."""
    rows = []
    for c in universe.companies:
        latest = c.latest_view
        house = f"{latest.rating.value} TP {latest.target_price:g} ({latest.set_on.isoformat()})" if latest else "NR"
        if len(c.views) > 1:
            house += f" +{len(c.views) - 1} earlier"
        if c.model:
            est = f"house model FY{min(c.model.years)}–{max(c.model.years)}"
        elif c.consensus:
            est = f"consensus @ {c.consensus.reference_price:g} ({c.consensus.reference_date.isoformat()})"
        else:
            est = "none"
        note = "" if c.counts_in_aggregates else " (not in aggregates)"
        rows.append(
            Row(
                [
                    c.ticker,
                    ", ".join(c.aliases),
                    c.name + note,
                    c.group,
                    c.currency,
                    c.reporting_currency,
                    f"{c.fiscal_year_end_month:02d}",
                    "high" if c.high_risk else "",
                    house,
                    est,
                    c.oxide_exposure or "",
                ]
            )
        )
    title = f"Universe {universe.name} ({universe.path})"
    return FittedTable(UNIVERSE_SHOW_COLUMNS, rows, view or View(), title=title)


def drift_table(
    as_of: str,
    baseline: str | None,
    findings: list[Finding],
    warnings: Sequence[str] = (),
    view: View | None = None,
) -> FittedTable:
    """The weekly drift findings, those needing review first; warnings about the baseline as the caption."""
    against = f"against {baseline}" if baseline else "no earlier run: current state only"
    caption = "\n".join(f"warning: {w}" for w in warnings) or None
    rows = []
    for item in sorted(findings, key=lambda x: (not x.needs_review, x.kind, x.ticker)):
        mark = Text("yes", style="bold red") if item.needs_review else Text("no", style="green")
        rows.append(Row([mark, item.ticker, item.name, item.kind, item.detail]))
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
                    _rating(item.rating, ""),
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
