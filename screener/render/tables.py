"""Rich renderings of reports. Functions return rich objects; printing is the CLI's job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Group
from rich.table import Table
from rich.text import Text

from screener.app.comptable import ALL_GROUP, CompanyRow
from screener.app.report import ScreenReport
from screener.app.views import ViewHistory
from screener.core.drift import Finding, RatingRecord, RunSummary
from screener.core.ratings import Rating
from screener.core.values import NA, NM, Value
from screener.models import Universe
from screener.render import formatting as f

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
    """A table column: header, how to render a company row, and the aggregate key it shows (if any)."""

    header: str
    cell: Callable[[CompanyRow], Text]
    aggregate: str | None = None
    fmt: Callable[[Value], str] = f.multiple
    justify: Literal["left", "right"] = "right"
    max_width: int | None = None


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


_EST = {"house": "house", "consensus": "cons", "none": "—"}
IDENTITY = (
    Column("Ticker", lambda r: Text(r.ticker), justify="left"),
    Column("Name", lambda r: Text(r.company.name), justify="left", max_width=30),
)
RATING_COLUMNS = (
    *IDENTITY,
    Column("Ccy", lambda r: Text(r.company.currency), justify="left"),
    Column("Price", lambda r: _cell(f.money(r.price, _price_decimals(r)))),
    Column("YTD", lambda r: _cell(f.percent(r.changes.ytd))),
    Column("Mcap US$m", lambda r: _cell(f.money(r.market_cap_usd_m, 0))),
    Column("TP", lambda r: _cell(f.money(r.target_price, _price_decimals(r)))),
    Column("Upside", lambda r: _cell(f.percent(r.upside)), "upside", f.percent),
    Column("DY FY1", lambda r: _yield(r, "dividend_yield"), "dividend_yield", f.percent),
    Column("ETR", lambda r: _cell(f.percent(r.etr)), "etr", f.percent),
    Column("House", lambda r: _rating(r.view.rating if r.view else None, "NR"), justify="left"),
    Column("Rule", lambda r: _rating(r.rule_rating, "NA"), justify="left"),
    Column("Band", lambda r: _band(r.in_band), justify="left"),
    Column("Flags", lambda r: Text(" ".join(r.flags), style="magenta"), justify="left", max_width=30),
    Column("Src", lambda r: Text(r.source), justify="left"),
)
VALUATION_COLUMNS = (
    *IDENTITY,
    Column("FY1", lambda r: Text(str(r.fy1))),
    *(Column(h, _metric(k, fmt), k, fmt) for h, k, fmt in METRIC_COLUMNS),
    Column(
        "Est",
        lambda r: Text(_EST[r.estimate_source], style="cyan" if r.estimate_source == "consensus" else ""),
        justify="left",
    ),
)


def _table(report: ScreenReport, title: str, columns: tuple[Column, ...]) -> Table:
    """Build the rows first, then size the columns: only Name and Flags give way on a narrow terminal."""
    rows: list[tuple[list[Text], str | None, bool]] = []  # cells, row style, ends a section
    blank = [Text("")] * (len(columns) - 2)
    for block in report.groups:
        if block.name != ALL_GROUP:
            shown = f" (top {len(block.rows)} of {block.total})" if len(block.rows) < block.total else ""
            rows.append(([Text(""), Text(f"{block.name}{shown}", style="bold underline"), *blank], None, False))
            rows += [([column.cell(row) for column in columns], None, False) for row in block.rows]
        else:
            rows.append(([Text(""), Text("All groups", style="bold underline"), *blank], None, False))
        for aggregate in block.aggregates:
            cells = [Text(""), Text(f"{block.name} {STAT_LABEL[aggregate.statistic]}")]
            for column in columns[2:]:
                value = aggregate.values[column.aggregate].value if column.aggregate else None
                cells.append(_cell(column.fmt(value)) if column.aggregate and value is not None else Text(""))
            rows.append((cells, "italic", False))
        first = block.aggregates[0].values
        label = f"{block.name} n (excl.)"
        if block.not_counted:
            label += f" +{block.not_counted} dual"
        counts = [Text(""), Text(label, style="dim")]
        for column in columns[2:]:
            stat = first[column.aggregate] if column.aggregate else None
            counts.append(Text(f"{stat.n} ({stat.excluded})", style="dim") if stat else Text(""))
        rows.append((counts, None, True))
    table = Table(title=title, header_style="bold", pad_edge=False)
    for index, column in enumerate(columns):
        flexible = column.max_width is not None
        natural = max([len(column.header)] + [cells[index].cell_len for cells, _, _ in rows])
        if column.header == "Flags":  # wrap between codes, never inside one
            natural = max([5] + [len(word) for cells, _, _ in rows for word in cells[index].plain.split()])
            flexible = False
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=column.header != "Flags",
            max_width=column.max_width,
            min_width=None if flexible else natural,
            overflow="ellipsis" if column.header == "Name" else "fold",
        )
    for cells, style, end_section in rows:
        table.add_row(*cells, style=style, end_section=end_section)
    return table


def screen_tables(report: ScreenReport) -> tuple[Table, Table]:
    """Two tables that fit a terminal: targets and ratings; then FY1/FY2 valuation multiples.

    The Src column is shown only when rows come from different sources (the footer names them anyway).
    """
    when = f"{report.as_of_text()}, ranked by {report.sort}"
    sources = {row.source for block in report.groups for row in block.rows}
    rating_columns = RATING_COLUMNS if len(sources) > 1 else RATING_COLUMNS[:-1]
    return (
        _table(report, f"Targets and ratings — {when}", rating_columns),
        _table(report, f"Valuation (FY1 = first unreported fiscal year) — {when}", VALUATION_COLUMNS),
    )


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
        "Est: house = house model, cons = consensus multiples re-priced to this price. "
        "Aggregates: one line per issuer (a second listing shows as '+1 dual', not counted), "
        "n used (NA/NM and flagged yields excluded); harmonic mean for price multiples only. "
        "NA = not available, NM = not meaningful (negative or zero denominator), NR = not rated. "
        "Market caps in USD (snapshot: as published)."
    )
    return Text("\n".join(lines), style="dim")


def screen_view(report: ScreenReport) -> Group:
    """Banners, table and footer."""
    parts: list[Text | Table] = [Text(b, style="bold yellow") for b in report.banners]
    parts += [*screen_tables(report), footer(report)]
    return Group(*parts)


def universe_list_table(universes: list[Universe]) -> Table:
    """Configured universes: name, file, how many companies, groups."""
    table = Table(title="Universes", header_style="bold")
    for header in ("Name", "File", "Companies", "Groups", "Rated", "Description"):
        table.add_column(header)
    for u in universes:
        groups = ", ".join(dict.fromkeys(c.group for c in u.companies))
        rated = sum(1 for c in u.companies if c.views)
        table.add_row(u.name, u.path, str(len(u.companies)), groups, str(rated), u.description)
    return table


def universe_show_table(universe: Universe) -> Table:
    """One universe's companies with their settings and where their estimates come from."""
    table = Table(title=f"Universe {universe.name} ({universe.path})", header_style="bold")
    for header in (
        "Ticker",
        "Aliases",
        "Name",
        "Group",
        "Ccy",
        "Rep",
        "FYE",
        "Risk",
        "House view",
        "Estimates",
        "Oxide",
    ):
        table.add_column(header)
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
        table.add_row(
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
        )
    return table


def drift_table(as_of: str, baseline: str | None, findings: list[Finding], warnings: Sequence[str] = ()) -> Table:
    """The weekly drift findings, those needing review first; warnings about the baseline as the caption."""
    against = f"against {baseline}" if baseline else "no earlier run: current state only"
    caption = "\n".join(f"warning: {w}" for w in warnings) or None
    table = Table(title=f"Rating drift — {as_of} ({against})", header_style="bold", caption=caption)
    for header in ("Review", "Ticker", "Name", "Finding", "Detail"):
        table.add_column(header, no_wrap=header != "Detail")
    for item in sorted(findings, key=lambda x: (not x.needs_review, x.kind, x.ticker)):
        mark = Text("yes", style="bold red") if item.needs_review else Text("no", style="green")
        table.add_row(mark, item.ticker, item.name, item.kind, item.detail)
    if not findings:
        table.add_row("", "", "", "nothing to report", "")
    return table


def history_runs_table(runs: list[RunSummary]) -> Table:
    """Recorded runs, newest first."""
    table = Table(title="Rating history", header_style="bold")
    for header in ("As of", "Recorded at (UTC)", "Names", "Out of band"):
        table.add_column(header)
    for run in runs:
        table.add_row(run.as_of.isoformat(), run.recorded_at, str(run.names), str(run.out_of_band))
    return table


def history_run_table(as_of: str, records: list[RatingRecord]) -> Table:
    """One recorded run."""
    table = Table(title=f"Recorded run of {as_of}", header_style="bold")
    for header in ("Ticker", "Name", "Price", "TP", "ETR", "House", "Rule", "Band", "Flags", "Src"):
        table.add_column(header, justify="right" if header in ("Price", "TP", "ETR") else "left")
    for r in sorted(records, key=lambda x: x.ticker):
        band = "" if r.in_band is None else ("in" if r.in_band else "OUT")
        price = f.money(NA if r.price is None else r.price)
        target = f.money(NA if r.target_price is None else r.target_price)
        etr = f.percent(NA if r.etr is None else r.etr)
        table.add_row(
            r.ticker, r.name, price, target, etr, r.house_rating or "NR", r.rule_rating or "NA", band, r.flags, r.source
        )
    return table


def view_history_table(history: ViewHistory) -> Table | Text:
    """House views of one company, oldest first; the one in force today marked."""
    c = history.company
    if not history.views:
        return Text(f"{c.ticker} {c.name}: no house view (not rated) in {history.path}")
    table = Table(title=f"House views — {c.name} ({c.ticker}), {c.currency}; {history.path}", header_style="bold")
    for header in ("Set on", "Rating", "Target", "Change", "Note", "In force"):
        table.add_column(header, justify="right" if header in ("Target", "Change") else "left")
    previous = None
    for view in history.views:
        change = "" if previous is None else f.percent(view.target_price / previous.target_price - 1)
        table.add_row(
            view.set_on.isoformat(),
            _rating(view.rating, ""),
            f"{view.target_price:,.2f}",
            change,
            view.note,
            "today" if view is history.in_force else "",
        )
        previous = view
    return table
