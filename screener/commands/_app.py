"""What every command shares: the typer app, the global and shared options, the run context (global options +
:class:`~screener.environment.Environment`), output helpers, and the one place typed errors become exit codes.

A command is thin: parse options -> call a use case in :mod:`screener.app` -> render -> exit code.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, RenderableType
from typer._click import exceptions as click_exceptions
from typer.core import TyperGroup

from screener.commands._formats import (
    Source,
)
from screener.environment import Environment
from screener.errors import ExitCode, ScreenerError, UsageError
from screener.fileio import refuse_own_file, write_atomic
from screener.render.formatting import printable
from screener.render.formatting import printable as clean_text

F = TypeVar("F", bound=Callable[..., Any])


class ScreenerGroup(TyperGroup):
    """The root command: a usage error (bad option value, unknown option or command) is ONE line on stderr naming
    the option, exit 2 — not a multi-line panel; everything else as typer does it."""

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, standalone_mode: bool = True, **kwargs: Any
    ) -> Any:
        from typer._click.core import Context

        from screener.commands._columns import describe_columns
        from screener.commands._help import label_parameters, plain_epilogs

        label_parameters(self, Context)
        describe_columns(self)
        plain_epilogs(self)
        if not standalone_mode:
            return super().main(args=args, prog_name=prog_name, standalone_mode=False, **kwargs)
        try:
            result = super().main(args=args, prog_name=prog_name, standalone_mode=False, **kwargs)
        except click_exceptions.NoArgsIsHelpError as exc:  # `screener` (or a group) alone: its help, exit 0
            message = exc.format_message()  # the help text itself
            if message.strip():
                sys.stdout.write(message + "\n")
            sys.exit(0)
        except click_exceptions.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            sys.stderr.write(f"error: {printable(exc.format_message())}{where}\n")
            sys.exit(exc.exit_code)
        except click_exceptions.ClickException as exc:
            sys.stderr.write(f"error: {printable(exc.format_message())}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("aborted\n")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=ScreenerGroup,
    help="Peer comparison and screening for rare-earth equities: comp tables, ratings, exports.",
    epilog="Examples:\n\n  screener screen\n\n  screener screen --source snapshot -g magnets --sort pe_fy1 --top 5\n\n"
    "  screener export --out comps.xlsx\n\n  screener drift --format csv\n\n"
    "Every command has --help with examples. Docs: docs/CLI.md and docs/METHODS.md.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@dataclass
class RunContext:
    """The global options of one run and the environment it runs in."""

    env: Environment
    as_of: date | None = None
    source: str = "auto"
    quiet: bool = False
    verbose: bool = False

    def note(self, text: str) -> None:
        """A line on stderr (banners, notes, summaries) unless --quiet."""
        if not self.quiet:
            self.env.err.print(clean_text(text), markup=False, highlight=False)

    def notes(self, lines: typing.Iterable[str], prefix: str = "") -> None:
        for line in lines:
            self.note(prefix + line)

    def date(self, value: str | None, option: str, *, past: bool = False) -> date | None:
        """A date option checked against the environment's clock (1900-01-01 to a year from today; to today with
        ``past``: a start date or a date something was known cannot lie in the future)."""
        return None if value is None else parse_date(value, option, self.env.today(), past=past)


def run_context(ctx: typer.Context) -> RunContext:
    """The run context set up by the root callback (or a default one for a command invoked on its own)."""
    root = ctx.find_root()
    if isinstance(root.obj, Environment):  # an environment passed in (tests: runner.invoke(app, ..., obj=env))
        root.obj = RunContext(root.obj)
    if root.obj is None:
        root.obj = RunContext(Environment())
    assert isinstance(root.obj, RunContext)
    run = root.obj
    run.env.note = run.note  # the environment's notices (e.g. "using the bundled defaults") obey --quiet
    return run


def _context_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The click context among a command's arguments (typer passes it as ``ctx``; its class is typer's vendored
    click Context, not always ``typer.Context``)."""
    if "ctx" in kwargs:
        return kwargs["ctx"]
    return next((a for a in args if hasattr(a, "find_root")), None)


def handle_errors(func: F) -> F:
    """Turn typed errors into one-line messages and exit codes; a bug gets exit 1 (traceback with --verbose)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = _context_of(args, kwargs)
        run = run_context(ctx) if ctx is not None else None
        err = run.env.err if run else Console(stderr=True, soft_wrap=True)
        try:
            return func(*args, **kwargs)
        except ScreenerError as exc:
            err.print(f"error: {clean_text(str(exc))}", markup=False, highlight=False)
            raise typer.Exit(int(exc.exit_code)) from None
        except (typer.Exit, typer.Abort, SystemExit, typer.TyperException):
            raise
        except KeyboardInterrupt:
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except Exception as exc:
            verbose = bool(run and run.verbose)
            if verbose:
                err.print_exception()
            hint = "" if verbose else " — rerun with --verbose for details"
            err.print(f"unexpected error ({type(exc).__name__}): {clean_text(str(exc))}{hint}", markup=False)
            raise typer.Exit(int(ExitCode.UNEXPECTED)) from None

    return wrapper  # type: ignore[return-value]


EARLIEST = date(1900, 1, 1)


def parse_date(value: str | None, option: str, today: date | None = None, *, past: bool = False) -> date | None:
    """An ISO date option between 1900-01-01 and a year after ``today`` (``today`` itself with ``past``); anything
    else is a usage error naming the option (exit 2)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-10-10", param_hint=option) from None
    latest = (today if past else today + timedelta(days=366)) if today is not None else None
    if day < EARLIEST or (latest is not None and day > latest):
        bound = f"{EARLIEST} to {latest}" if latest else f"on or after {EARLIEST}"
        raise typer.BadParameter(f"{value} is outside the accepted range ({bound})", param_hint=option) from None
    return day


# Global options: accepted before the command (screener --source snapshot screen) and after it
# (screener screen --source snapshot); a value given after the command wins.
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="Settings file. Default: $SCREENER_CONFIG, else ./config.toml, else the user config folder's, else the "
        "bundled defaults.",
    ),
]
AS_OF_HELP = (
    "As-of date YYYY-MM-DD. Default: today when a selected name has a price within [sanity] "
    "stale_price_trading_days trading days of today (live, store or snapshot, as --source reads), else the latest "
    "price date of the selected names, said in a banner."
)
AsOfOption = Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)]
SourceOption = Annotated[
    Source | None,
    typer.Option(
        "--source", help="Market data: auto (live, then store, then bundled snapshot), live, store or snapshot."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No banners or summaries on stderr.")]
OfflineOption = Annotated[
    bool,
    typer.Option("--offline", help="Never touch the network (also SCREENER_OFFLINE=1): store and snapshot only."),
]
RefreshOption = Annotated[
    bool,
    typer.Option("--refresh", help="Ask Yahoo now: ignore the quote TTL and a remembered outage."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected errors.")]


def apply_global_options(
    ctx: typer.Context,
    config: Path | None,
    as_of: str | None,
    source: Source | None,
    quiet: bool,
    verbose: bool,
    offline: bool = False,
    refresh: bool = False,
) -> RunContext:
    """The run context with these global options applied on top (a value given after the command wins)."""
    run = run_context(ctx)
    if config is not None:
        run.env.config_path = config
    if offline and refresh:
        raise typer.BadParameter("--offline never asks the network; --refresh always does: pick one")
    run.env.offline = run.env.offline or offline
    run.env.refresh = run.env.refresh or refresh
    run.as_of = run.date(as_of, "--as-of") or run.as_of
    run.source = source.value if source else run.source
    run.quiet = run.quiet or quiet
    run.verbose = run.verbose or verbose
    return run


_GLOBAL_OPTIONS: dict[str, tuple[Any, Any]] = {
    "config": (ConfigOption, None),
    "as_of": (AsOfOption, None),
    "source": (SourceOption, None),
    "quiet": (QuietOption, False),
    "verbose": (VerboseOption, False),
    "offline": (OfflineOption, False),
    "refresh": (RefreshOption, False),
}


def global_options(func: F) -> F:
    """Give a command the global options (so they work after the command name too) and apply them to the run
    context before the command runs; the command reads them from ``run_context(ctx)``."""
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
        apply_global_options(_context_of(args, kwargs), **values)
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": hints.get("return")}
    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def fetch_progress(run: RunContext, description: str = "fetching from Yahoo") -> Iterator[None]:
    """While the block runs, items fetched by the live source advance a spinner on stderr (only once something is
    fetched: a warm run imports no progress machinery; never with --quiet or when stderr is not a terminal)."""
    env = run.env
    bar: Any = None
    task: Any = None

    def advance(label: str, steps: int) -> None:
        nonlocal bar, task
        if bar is None:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} done"))
            bar = Progress(*columns, TimeElapsedColumn(), console=env.err, transient=True, disable=run.quiet)
            bar.start()
            task = bar.add_task(description, total=None)
        bar.update(task, advance=steps, description=f"{description}: {label}"[:60])

    previous, env.progress = env.progress, advance
    try:
        yield
    finally:
        env.progress = previous
        if bar is not None:
            bar.stop()


def command(func: F) -> F:
    """A command: typed errors mapped to exit codes, global options accepted after the command name."""
    return handle_errors(global_options(func))


# Options shared by several commands.
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
        help="Rank by: etr (default), upside, pe_fy1, pb_fy1, ev_ebitda_fy1, roe_fy1, dy_fy1, pe_ntm ... dy_ntm, "
        "eps_rev_1m, eps_rev_3m, market_cap, weight, name ...",
    ),
]
ReverseOption = Annotated[
    bool | None,
    typer.Option("--reverse/--no-reverse", help="Reverse the column's natural order (--no-reverse: a preset's too)."),
]
PresetOption = Annotated[
    str | None,
    typer.Option(
        "--preset",
        metavar="NAME",
        help="A saved screen of config.toml ([screens.NAME]: where, sort, reverse, top, columns, universes, groups); "
        "options given here win. List them: screener screens.",
    ),
]
TopOption = Annotated[
    int | None,
    typer.Option(
        "--top", min=1, max=100_000, help="Show the top N companies of each group (aggregates use the whole group)."
    ),
]
TickerArgument = Annotated[str, typer.Argument(help="Any code form: 600111.SS, 600111 CH, 000831.SZ ...")]
WhereOption = Annotated[
    str | None,
    typer.Option(
        "--where",
        metavar="EXPR",
        help='Only the companies meeting these criteria, e.g. "pe_fy1 < 30 and roe_fy1 > 10%", "house_rating == '
        "'Buy' or tags has 'quota-holder'\", \"price < target_price\": any PM CSV column, <, <=, >, >=, ==, !=, "
        "and, or, not, parentheses; flags/tags has 'code'. NA and NM compare false; aggregates stay the whole "
        "group's.",
    ),
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")]
WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Show every column whole even when the table is wider than the terminal (e.g. pipe to less -S)."
    ),
]


# --- output --------------------------------------------------------------------------------------------------
def render_text(renderable: RenderableType, width: int) -> str:
    """A rich renderable as plain text at a fixed width (for --out files)."""
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable, crop=False)
    return console.export_text()


def emit(run: RunContext, data: str | bytes, out: Path | None) -> None:
    """The one way a command writes its output: a renderer's text (UTF-8) or bytes (XLSX, PNG) to ``out``
    through :func:`screener.fileio.write_atomic`, or text to stdout (bytes need ``out``). The tool's own files
    (history, config, universes, the store, the package) are refused as ``out`` before anything is written."""
    if out is not None:
        refuse_own_file(out, *run.env.own_files())
        write_atomic(out, data.encode("utf-8") if isinstance(data, str) else data)
    elif isinstance(data, bytes):
        raise UsageError("this output is binary: give --out FILE")
    else:
        run.env.out.file.write(data)
        run.env.out.file.flush()


def show(run: RunContext, renderable: RenderableType, out: Path | None = None, width: int = 240) -> None:
    """A rich renderable to the terminal, or as plain text to ``out`` (through :func:`emit`). Never cropped: tables
    fit the width themselves (:mod:`screener.render.fit`), except with --wide, which must not be cut at the
    terminal's edge."""
    if out is not None:
        emit(run, render_text(renderable, width), out)
    else:
        run.env.out.print(renderable, crop=False)
