"""Rich tables of the configured universes (``screener universe list`` and ``universe show``)."""

from __future__ import annotations

from screener.models import Universe
from screener.render.fit import NAME_MIN, FittedTable, Row, Spec, View

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
