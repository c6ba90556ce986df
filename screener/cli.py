"""The ``screener`` command line: parse options, build the context, call the pipeline, render, and map
typed errors to exit codes (CLI.md). Command bodies stay short; the work is in the library."""

from __future__ import annotations

import functools
import inspect
import typing
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


def yahoo_symbol(code: str, option: str = "TICKER") -> str:
    """A ticker argument in any pasted form -> its Yahoo symbol; an unmappable code is a usage error (exit 2)."""
    from screener.core.tickers import to_yahoo
    from screener.errors import TickerCodeError

    try:
        return to_yahoo(code)
    except TickerCodeError as exc:
        raise UsageError(f"{option}: {exc}") from None


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


_GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "config": (ConfigOption, None),
    "as_of": (AsOfOption, None),
    "source": (SourceOption, None),
    "quiet": (QuietOption, False),
    "verbose": (VerboseOption, False),
}


def global_options(func: F) -> F:
    """Give a command the global options (so they work after the command name too) and merge them into the
    root context before the command runs; the command reads them from ``_context(ctx)``."""
    signature = inspect.signature(func)
    hints = typing.get_type_hints(func, include_extras=True)
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    parameters += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, (annotation, default) in _GLOBAL_OPTIONS.items()
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name, default) for name, (_, default) in _GLOBAL_OPTIONS.items()}
        ctx = kwargs.get("ctx") or next(a for a in args if isinstance(a, typer.Context))
        _merge(ctx, **values)
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": hints.get("return")}
    return wrapper  # type: ignore[return-value]


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
    sources = build_sources(app_ctx.source, settings, {c.ticker: c.currency for c in companies}, as_of=app_ctx.as_of)
    market = gather(sources, [c.ticker for c in companies], currencies, date.today())
    bands = None
    if any(c.target_from_band is not None for c in companies):  # pandas only for universes that need it
        from screener.data.store import Store
        from screener.valuation_pipeline import band_targets

        band_as_of = app_ctx.as_of or max(q.price_date for q in market.quotes.values())
        bands = band_targets(companies, Store(settings.cache_dir), market.fx, settings, band_as_of)
    report = build_report(
        loaded,
        market,
        settings,
        as_of=app_ctx.as_of,
        groups=groups or [],
        sort=sort,
        reverse=reverse,
        top=top,
        band_targets=bands,
    )
    if not app_ctx.quiet and market.problems:
        details = "; ".join(f"{t}: {why}" for t, why in sorted(market.problems.items()))
        app_ctx.err.print(f"{len(market.problems)} of {len(companies)} names had problems: {details}", markup=False)
    if not app_ctx.quiet and market.missing:
        app_ctx.err.print(
            f"{len(market.missing)} of {len(companies)} names have no data: {', '.join(market.missing)}",
            markup=False,
        )
    return report


def run() -> None:
    """Console-script entry point."""
    app()


# Register the commands (each module adds its own to ``app``).
from screener.commands import charts, comps, correlate, drift, oxides, store, universe  # noqa: E402, F401
from screener.commands import value as value_commands  # noqa: E402, F401
