"""What every command shares: the typer app, the global and shared options, the run context (global options +
:class:`~screener.environment.Environment`), output helpers, and the one place typed errors become exit codes.

A command is thin: parse options -> call a use case in :mod:`screener.app` -> render -> exit code.
"""

from __future__ import annotations

import functools
import inspect
import io
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, RenderableType

from screener.environment import Environment
from screener.errors import ExitCode, ScreenerError
from screener.fileio import write_atomic

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
            self.env.err.print(text, markup=False, highlight=False)

    def notes(self, lines: typing.Iterable[str], prefix: str = "") -> None:
        for line in lines:
            self.note(prefix + line)


def run_context(ctx: typer.Context) -> RunContext:
    """The run context set up by the root callback (or a default one for a command invoked on its own)."""
    root = ctx.find_root()
    if isinstance(root.obj, Environment):  # an environment passed in (tests: runner.invoke(app, ..., obj=env))
        root.obj = RunContext(root.obj)
    if root.obj is None:
        root.obj = RunContext(Environment())
    assert isinstance(root.obj, RunContext)
    return root.obj


def handle_errors(func: F) -> F:
    """Turn typed errors into one-line messages and exit codes; a bug gets exit 1 (traceback with --verbose)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = next((a for a in list(args) + list(kwargs.values()) if isinstance(a, typer.Context)), None)
        run = run_context(ctx) if ctx else None
        err = run.env.err if run else Console(stderr=True, soft_wrap=True)
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
            if run and run.verbose:
                err.print_exception()
            err.print(
                f"unexpected error ({type(exc).__name__}): {exc} — rerun with --verbose for details", markup=False
            )
            raise typer.Exit(int(ExitCode.UNEXPECTED)) from None

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, option: str) -> date | None:
    """An ISO date option; a bad one is a usage error naming the option (exit 2)."""
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


def apply_global_options(
    ctx: typer.Context,
    config: Path | None,
    as_of: str | None,
    source: Source | None,
    quiet: bool,
    verbose: bool,
) -> RunContext:
    """The run context with these global options applied on top (a value given after the command wins)."""
    run = run_context(ctx)
    if config is not None:
        run.env.config_path = config
    run.as_of = parse_date(as_of, "--as-of") or run.as_of
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
        ctx = kwargs.get("ctx") or next(a for a in args if isinstance(a, typer.Context))
        apply_global_options(ctx, **values)
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": hints.get("return")}
    return wrapper  # type: ignore[return-value]


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
        help="Rank by: etr (default), upside, pe_fy1, pb_fy1, ev_ebitda_fy1, roe_fy1, dy_fy1, market_cap, name ...",
    ),
]
ReverseOption = Annotated[bool, typer.Option("--reverse", help="Reverse the column's natural order.")]
TopOption = Annotated[
    int | None,
    typer.Option("--top", help="Show the top N companies of each group (aggregates still use the whole group)."),
]
TickerArgument = Annotated[str, typer.Argument(help="Any code form: 600111.SS, 600111 CH, 000831.SZ ...")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")]


# --- output --------------------------------------------------------------------------------------------------
def render_text(renderable: RenderableType, width: int) -> str:
    """A rich renderable as plain text at a fixed width (for --out files)."""
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def emit(run: RunContext, text: str, out: Path | None) -> None:
    """Text to ``out`` (atomically) or to stdout."""
    if out is not None:
        write_atomic(out, text.encode("utf-8"))
    else:
        run.env.out.file.write(text)
        run.env.out.file.flush()


def show(run: RunContext, renderable: RenderableType, out: Path | None = None, width: int = 240) -> None:
    """A rich renderable to the terminal, or as plain text to ``out``."""
    if out is not None:
        write_atomic(out, render_text(renderable, width).encode("utf-8"))
    else:
        run.env.out.print(renderable)
