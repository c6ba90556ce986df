"""`screener view set|history`: the house-view history (rating and target changes) in the universe files."""

from __future__ import annotations

from typing import Annotated

import typer

from screener.commands._app import (
    TickerArgument,
    UniverseOption,
    WideOption,
    app,
    command,
    run_context,
    show,
)
from screener.commands._columns import columns_option, table_view

view_app = typer.Typer(
    help="House views over time: set a new rating/target (appended to the universe file), list the history.",
    epilog="Examples:\n\n  screener view set 600111.SS --rating Neutral --target 80\n\n"
    "  screener view history 600111.SS",
    no_args_is_help=True,
)
app.add_typer(view_app, name="view")

SET_EXAMPLES = (
    "Examples:\n\n  screener view set 600111.SS --rating Neutral --target 80 --note 'raised after the price move'\n\n"
    "  screener view set '000831 CH' --rating Buy --target 70 --on 2026-11-20\n\n"
    "The view is appended as a [[company.house]] entry (comments kept) to the universe file holding the company's "
    "research, else the first configured universe listing it."
)


@view_app.command("set", epilog=SET_EXAMPLES)
@command
def view_set(
    ctx: typer.Context,
    ticker: TickerArgument,
    rating: Annotated[str, typer.Option("--rating", "-r", help="Buy, Neutral or Sell.")],
    target: Annotated[float, typer.Option("--target", "-t", help="12-month target price (trading currency).")],
    on: Annotated[str | None, typer.Option("--on", help="Date the view was set YYYY-MM-DD (default today).")] = None,
    note: Annotated[str, typer.Option("--note", help="Why (kept with the view).")] = "",
    universe: UniverseOption = None,
) -> None:
    """Record a new house view (rating, target price, date, note) for a company."""
    from screener.app.views import NewView, set_view

    run = run_context(ctx)
    done = set_view(run.env, NewView(ticker, rating, target, run.date(on, "--on"), note, universe or ()))
    added = done.added
    assert added is not None
    if done.chosen:
        run.note(done.chosen)
    in_force = done.in_force
    now = f"in force today: {in_force.rating.value} TP {in_force.target_price:g}" if in_force else "not rated today"
    run.env.out.print(
        f"{done.company.ticker}: {added.rating.value} TP {added.target_price:g} from {added.set_on} added to "
        f"{done.path} ({len(done.views)} view(s); {now})",
        markup=False,
        highlight=False,
    )


@view_app.command("history", epilog="Examples:\n\n  screener view history 600111.SS\n\n  screener view history 'MP US'")
@command
def view_history(
    ctx: typer.Context,
    ticker: TickerArgument,
    universe: UniverseOption = None,
    columns: Annotated[str | None, columns_option("screener.render.tables:VIEW_HISTORY_COLUMNS")] = None,
    wide: WideOption = False,
) -> None:
    """A company's house views, oldest first, and the one in force today."""
    from screener.app.views import history
    from screener.render.tables import VIEW_HISTORY_COLUMNS, keys, view_history_table

    run = run_context(ctx)
    view = table_view(run.env, columns, wide, keys(VIEW_HISTORY_COLUMNS))
    show(run, view_history_table(history(run.env, ticker, universe or ()), view))
