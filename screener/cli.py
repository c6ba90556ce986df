"""The ``screener`` command line: parse options, build the context, call the pipeline, render, and map
typed errors to exit codes (CLI.md). Command bodies stay short; the work is in the library."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from screener.errors import ExitCode, ScreenerError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="Peer comparison and screening for rare-earth equities: comp tables, ratings, exports.\n\n"
    "Example: screener screen --source snapshot --sort etr --top 5",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=False,
)
universe_app = typer.Typer(help="List, show and validate universe files.", no_args_is_help=True)
app.add_typer(universe_app, name="universe")


class Source(StrEnum):
    auto = "auto"
    live = "live"
    store = "store"
    snapshot = "snapshot"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@dataclass
class AppContext:
    """Global options, shared by every command."""

    config: Path | None
    as_of: date | None
    source: str
    quiet: bool
    verbose: bool
    out: Console
    err: Console


def _context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    if obj is None:  # commands invoked without the callback (tests of single commands)
        obj = AppContext(None, None, "auto", False, False, Console(), Console(stderr=True, soft_wrap=True))
    assert isinstance(obj, AppContext)
    return obj


def handle_errors(func: F) -> F:
    """Turn typed errors into one-line messages and exit codes; a bug gets exit 1 (traceback with --verbose)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = next((a for a in list(args) + list(kwargs.values()) if isinstance(a, typer.Context)), None)
        app_ctx = _context(ctx) if ctx else None
        err = app_ctx.err if app_ctx else Console(stderr=True, soft_wrap=True)
        try:
            return func(*args, **kwargs)
        except ScreenerError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(int(exc.exit_code)) from None
        except (typer.Exit, typer.Abort, SystemExit, typer.TyperException):
            raise
        except KeyboardInterrupt:
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except Exception as exc:
            if app_ctx and app_ctx.verbose:
                err.print_exception()
            err.print(
                f"unexpected error ({type(exc).__name__}): {exc} — rerun with --verbose for details", markup=False
            )
            raise typer.Exit(int(ExitCode.UNEXPECTED)) from None

    return wrapper  # type: ignore[return-value]


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-10-10", param_hint=option) from None


# Global options: accepted before the command (screener --source snapshot screen) and after it
# (screener screen --source snapshot); a value given after the command wins.
ConfigOption = Annotated[Path | None, typer.Option("--config", help="Settings file (default ./config.toml).")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: date of the latest data).")
]
SourceOption = Annotated[
    Source | None,
    typer.Option(
        "--source", help="Market data: auto (live, then store, then bundled snapshot), live, store or snapshot."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No banners or summaries on stderr.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected errors.")]


@app.callback()
def main(
    ctx: typer.Context,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Rare-earth equity screener."""
    ctx.obj = AppContext(
        config=config,
        as_of=_parse_date(as_of, "--as-of"),
        source=(source or Source.auto).value,
        quiet=quiet,
        verbose=verbose,
        out=_console(),
        err=Console(stderr=True, soft_wrap=True),
    )


def _console() -> Console:
    """Terminal console; when piped, wide enough for the comp tables instead of rich's 80 columns."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in __import__("os").environ:
        console = Console(width=200)
    return console


def _merge(
    ctx: typer.Context,
    config: Path | None,
    as_of: str | None,
    source: Source | None,
    quiet: bool,
    verbose: bool,
) -> AppContext:
    """The root context with the command-level global options applied on top."""
    base = _context(ctx)
    base.config = config or base.config
    base.as_of = _parse_date(as_of, "--as-of") or base.as_of
    base.source = source.value if source else base.source
    base.quiet = base.quiet or quiet
    base.verbose = base.verbose or verbose
    return base


UniverseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--universe", "-u", help="Universe name from config (e.g. producers) or a .toml path; repeatable. Default: all."
    ),
]
GroupOption = Annotated[list[str] | None, typer.Option("--group", "-g", help="Only these peer groups (repeatable).")]
SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort",
        help="Rank by: etr (default), upside, pe_fy1, pb_fy1, ev_ebitda_fy1, roe_fy1, dy_fy1, market_cap, name ...",
    ),
]
ReverseOption = Annotated[bool, typer.Option("--reverse", help="Reverse the column's natural order.")]
TopOption = Annotated[
    int | None,
    typer.Option("--top", help="Show the top N companies of each group (aggregates still use the whole group)."),
]


def _report(
    app_ctx: AppContext,
    universes: list[str] | None,
    groups: list[str] | None,
    sort: str | None,
    reverse: bool,
    top: int | None,
):  # type: ignore[no-untyped-def]
    from screener.config import load_settings
    from screener.data.base import gather
    from screener.pipeline import build_report
    from screener.sources import build_sources
    from screener.universe import load_universes, resolve_universe_args

    settings = load_settings(app_ctx.config)
    loaded = load_universes(resolve_universe_args(universes or [], settings.universe_files))
    companies = [c for u in loaded for c in u.companies]
    currencies = {c.currency for c in companies} | {c.model.currency for c in companies if c.model}
    market = gather(build_sources(app_ctx.source, settings), [c.ticker for c in companies], currencies, date.today())
    report = build_report(
        loaded, market, settings, as_of=app_ctx.as_of, groups=groups or [], sort=sort, reverse=reverse, top=top
    )
    if not app_ctx.quiet and market.missing:
        app_ctx.err.print(
            f"{len(market.missing)} of {len(companies)} names have no data: {', '.join(market.missing)}",
            markup=False,
        )
    return report


SCREEN_EXAMPLES = (
    "Examples:\n\n  screener screen\n\n  screener screen --source snapshot -g Magnets --sort pe_fy1 --top 5"
    "\n\n  screener screen --format csv --out comps.csv"
)


@app.command(epilog=SCREEN_EXAMPLES)
@handle_errors
def screen(
    ctx: typer.Context,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    top: TopOption = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (rich), csv (the PM contract) or json.")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (atomically) instead of the terminal.")
    ] = None,
) -> None:
    """The comp table: price, market cap, TP, upside, ETR, house and rule ratings, FY1/FY2 multiples, aggregates."""
    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    report = _report(app_ctx, universe, group, sort, reverse, top)
    from screener.render import export as ex

    if fmt is Format.table:
        from screener.render.tables import screen_view

        view = screen_view(report)
        if out:
            console = Console(record=True, width=240, file=open("/dev/null", "w"))  # noqa: SIM115
            console.print(view)
            ex.write_atomic(out, console.export_text().encode("utf-8"))
        else:
            app_ctx.out.print(view)
        return
    text = ex.to_csv(report) if fmt is Format.csv else ex.to_json(report) + "\n"
    if out:
        ex.write_atomic(out, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    if not app_ctx.quiet:
        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)


@app.command(epilog="Examples:\n\n  screener export --out comps.csv\n\n  screener export --out comps.xlsx -u magnets")
@handle_errors
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV path (the PM contract); .xlsx writes a workbook.")],
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    universe: UniverseOption = None,
    group: GroupOption = None,
    sort: SortOption = None,
    reverse: ReverseOption = False,
    top: TopOption = None,
) -> None:
    """Write the PM CSV (raw fractions, NA/NM literal, aggregate rows, formula-safe, atomic)."""
    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    report = _report(app_ctx, universe, group, sort, reverse, top)
    from screener.render.export import export as write_export

    if out.parent and not out.parent.exists():
        raise UsageError(f"--out: folder {out.parent} does not exist")
    write_export(report, out)
    if not app_ctx.quiet:
        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
        rows = sum(len(b.rows) for b in report.groups)
        app_ctx.err.print(
            f"wrote {rows} companies and {sum(len(b.aggregates) for b in report.groups)} aggregate rows to {out}",
            markup=False,
        )


@universe_app.command("list", epilog="Example:\n\n  screener universe list")
@handle_errors
def universe_list(
    ctx: typer.Context,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """The universes named in config.toml."""
    from screener.config import load_settings
    from screener.render.tables import universe_list_table
    from screener.universe import load_universes

    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    settings = load_settings(app_ctx.config)
    app_ctx.out.print(universe_list_table(load_universes(list(settings.universe_files))))


@universe_app.command("show", epilog="Example:\n\n  screener universe show producers")
@handle_errors
def universe_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Universe name or .toml path.")],
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """The companies of one universe: codes, currencies, fiscal year, house view, estimate source."""
    from screener.config import load_settings
    from screener.render.tables import universe_show_table
    from screener.universe import load_universe, resolve_universe_args

    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    path = Path(name)
    if not (path.suffix == ".toml" and path.exists()):
        path = resolve_universe_args([name], load_settings(app_ctx.config).universe_files)[0]
    app_ctx.out.print(universe_show_table(load_universe(path)))


@universe_app.command(
    "validate", epilog="Examples:\n\n  screener universe validate\n\n  screener universe validate my_peers.toml"
)
@handle_errors
def universe_validate(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Files to check (default: those in config.toml).")] = None,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Check universe files: TOML syntax, keys, types, tickers, prices and targets. Exit 2 on the first problem."""
    from screener.config import load_settings
    from screener.universe import load_universes

    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    paths = list(files) if files else list(load_settings(app_ctx.config).universe_files)
    universes = load_universes(paths)
    for u in universes:
        app_ctx.out.print(f"ok: {u.path} — {len(u.companies)} companies", markup=False, highlight=False)


def run() -> None:
    """Console-script entry point."""
    app()


history_app = typer.Typer(help="See and back up the rating history recorded by `screener drift`.", no_args_is_help=True)
app.add_typer(history_app, name="history")

DRIFT_EXAMPLES = (
    "Examples:\n\n  screener drift\n\n  screener drift --no-record --against 2025-10-03\n\n"
    "  cron: 0 7 * * MON cd /srv/screener && .venv/bin/screener drift --quiet || mail -s drift pm@example.com"
)


@app.command(epilog=DRIFT_EXAMPLES)
@handle_errors
def drift(
    ctx: typer.Context,
    against: Annotated[
        str, typer.Option("--against", help="last (latest run >= 7 days older) or a recorded date.")
    ] = "last",
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record today's run in the history first.")
    ] = True,
    universe: UniverseOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")] = Format.table,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Weekly rating-drift check: which house ratings left their ETR band, what changed, which targets are stale.

    Exit 4 when anything needs review, 0 otherwise.
    """
    from screener.config import load_settings
    from screener.core.drift import compare
    from screener.history import History
    from screener.pipeline import rating_records
    from screener.render.export import drift_csv, drift_json

    app_ctx = _merge(ctx, config, as_of, source, quiet, verbose)
    settings = load_settings(app_ctx.config)
    report = _report(app_ctx, universe, None, None, False, None)
    records = rating_records(report)
    with History.open(settings.history_db) as history:
        if record:
            history.record(report.as_of, records)
        if against == "last":
            baseline = history.baseline(report.as_of, settings.drift_min_days)
        else:
            baseline = _parse_date(against, "--against")
            if baseline is None or history.load(baseline) is None:
                raise UsageError(f"--against: no recorded run of {against} (see `screener history list`)")
        previous = history.load(baseline) if baseline else None
        recent = [(d, r) for d, r in history.recent(report.as_of) if d != report.as_of]
    findings = compare(
        report.as_of, records, previous, [(report.as_of, {r.ticker: r for r in records}), *recent], settings.drift
    )
    as_of_text, base_text = report.as_of.isoformat(), baseline.isoformat() if baseline else None
    if fmt is Format.table:
        from screener.render.tables import drift_table

        for banner in report.banners:
            app_ctx.err.print(banner, markup=False, highlight=False)
        app_ctx.out.print(drift_table(as_of_text, base_text, findings))
    else:
        sys.stdout.write(
            drift_csv(as_of_text, base_text, findings)
            if fmt is Format.csv
            else drift_json(as_of_text, base_text, findings)
        )
    review = sum(1 for item in findings if item.needs_review)
    if not app_ctx.quiet:
        app_ctx.err.print(
            f"{review} finding(s) need review; run {'recorded' if record else 'not recorded'} in {settings.history_db}",
            markup=False,
        )
    if review:
        raise typer.Exit(int(ExitCode.DRIFT))


@history_app.command("list", epilog="Example:\n\n  screener history list")
@handle_errors
def history_list(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Recorded runs, newest first."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.tables import history_runs_table

    app_ctx = _merge(ctx, config, None, None, False, False)
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        app_ctx.out.print(history_runs_table(history.runs()))


@history_app.command("show", epilog="Example:\n\n  screener history show 2025-10-10")
@handle_errors
def history_show(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="As-of date of a recorded run.")],
    config: ConfigOption = None,
) -> None:
    """One recorded run: price, target, ETR, house and rule rating, band, flags."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.tables import history_run_table

    app_ctx = _merge(ctx, config, None, None, False, False)
    wanted = _parse_date(day, "DATE")
    assert wanted is not None
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        records = history.load(wanted)
    if records is None:
        raise UsageError(f"no recorded run of {day} (see `screener history list`)")
    app_ctx.out.print(history_run_table(day, list(records.values())))


@history_app.command(
    "export",
    epilog="Examples:\n\n  screener history export --out history.csv\n\n  screener history export --out backup.sqlite",
)
@handle_errors
def history_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of every run, or a .sqlite/.db copy of the database.")],
    config: ConfigOption = None,
) -> None:
    """Back up the rating history: every run as CSV, or a consistent copy of the SQLite file."""
    from screener.config import load_settings
    from screener.history import History
    from screener.render.export import write_atomic

    app_ctx = _merge(ctx, config, None, None, False, False)
    with History.open(load_settings(app_ctx.config).history_db, create=False) as history:
        if out.suffix.lower() in (".sqlite", ".db", ".sqlite3"):
            history.backup(out)
        else:
            write_atomic(out, history.export_csv().encode("utf-8"))
    app_ctx.err.print(f"wrote {out}", markup=False)
