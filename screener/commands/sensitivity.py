"""`screener sensitivity TICKER` and `screener chart sensitivity TICKER`: a forward year's P/E (EPS, upside, ETR)
over two drivers of one house-model segment (METHODS §13)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from screener.commands._app import (
    RunContext,
    TickerArgument,
    UniverseOption,
    app,
    command,
    emit,
    fetch_progress,
    render_text,
    run_context,
)
from screener.commands._formats import Format, output_format
from screener.commands._scope import resolve
from screener.commands.charts import OutOption, _check_out, chart_app
from screener.errors import ParameterError, UsageError

if TYPE_CHECKING:
    from screener.app.results import SensitivityResult

SENSITIVITY_OPTIONS = {
    "segment": "--segment", "rows": "--rows", "cols": "--cols", "metric": "--metric", "steps": "--steps",
    "margin_step": "--margin-step", "volume_step": "--volume-step", "asp_step": "--asp-step", "price": "--price",
    "solve_pe": "--solve-pe",
}  # fmt: skip
"""The option naming each parameter of :func:`screener.app.sensitivity.sensitivity` in its errors."""

SENSITIVITY_EXAMPLES = (
    "Examples:\n\n  screener sensitivity 600111.SS --price 52.48 --as-of 2025-10-10   (the published FY2026E grid)"
    "\n\n  screener sensitivity 000831.SZ --price 54.67 --as-of 2025-10-10 --format csv --out cre_grid.csv"
    "\n\n  screener sensitivity 600111.SS --rows asp --cols volume --asp-step 5000 --metric upside"
    "\n\n  screener sensitivity 600111.SS --after-tax --solve-pe 40"
    "\n\n  screener chart sensitivity 600111.SS --price 52.48 --out nre_grid.png"
    "\n\nThe drivers: [company.model.segments.oxide] (salt, metal) in the universe file, one line per fiscal year."
)

Segment = Annotated[
    str,
    typer.Option(
        "--segment", metavar="oxide|salt|metal", help="The house-model segment: oxide (default), salt or metal."
    ),
]
Year = Annotated[
    int | None, typer.Option("--year", min=1900, max=2100, help="Fiscal year (default FY2 at the as-of date).")
]
Metric = Annotated[
    str, typer.Option("--metric", "-m", metavar="pe|eps|upside|etr", help="pe (default), eps, upside or etr.")
]
Rows = Annotated[
    str, typer.Option("--rows", metavar="margin|volume|asp", help="Row driver: margin (default), volume or asp.")
]
Cols = Annotated[
    str, typer.Option("--cols", metavar="margin|volume|asp", help="Column driver: volume (default), margin or asp.")
]
Steps = Annotated[int, typer.Option("--steps", min=1, max=10, help="Steps each side of the base (3: a 7 × 7 grid).")]
MarginStep = Annotated[
    float, typer.Option("--margin-step", min=0.01, max=50.0, help="Gross-margin step in percentage points (1).")
]
VolumeStep = Annotated[float, typer.Option("--volume-step", min=1.0, max=1e7, help="Sales-volume step in tonnes.")]
AspStep = Annotated[
    float | None,
    typer.Option("--asp-step", min=0.01, max=1e9, help="ASP step per tonne (default 5% of the base ASP)."),
]
Price = Annotated[
    float | None,
    typer.Option("--price", min=0.0001, max=1e7, help="Share price (trading currency) instead of the market's."),
]
AfterTax = Annotated[
    bool, typer.Option("--after-tax", help="Tax and minorities at the year's rates on the change in gross profit.")
]
SolvePe = Annotated[
    float | None,
    typer.Option("--solve-pe", min=0.01, max=1e6, help="Also solve the segment ASP at which the P/E equals this."),
]


GRID_PARAMETERS = ("segment", "year", "metric", "rows", "cols", "steps", "volume_step", "asp_step", "price",
                   "after_tax", "solve_pe")  # fmt: skip
"""The options both commands pass to the use case as they are (``--margin-step`` in pp becomes a fraction)."""


def _compute(
    run: RunContext, ticker: str, universe: list[str] | None, params: dict[str, object]
) -> tuple[SensitivityResult, list[str]]:
    """The grid for the command's options (``ctx.params``); parameter errors named by their options."""
    from screener.app.sensitivity import SensitivityOptions, check_request, sensitivity

    choices = {name: params[name] for name in GRID_PARAMETERS}
    choices["margin_step"] = float(params["margin_step"]) / 100  # type: ignore[arg-type]

    def options(scope: object) -> SensitivityOptions:
        return SensitivityOptions(scope, **choices)  # type: ignore[arg-type]

    try:
        scope = resolve(run, universe, one=ticker, check=lambda selection: check_request(selection, options(None)))
        with fetch_progress(run):
            return sensitivity(run.env, options(scope))
    except ParameterError as exc:
        raise UsageError(exc.naming(SENSITIVITY_OPTIONS)) from None


@app.command(epilog=SENSITIVITY_EXAMPLES)
@command
def sensitivity(
    ctx: typer.Context,
    ticker: TickerArgument,
    segment: Segment = "oxide",
    year: Year = None,
    metric: Metric = "pe",
    rows: Rows = "margin",
    cols: Cols = "volume",
    steps: Steps = 3,
    margin_step: MarginStep = 1.0,
    volume_step: VolumeStep = 1000.0,
    asp_step: AspStep = None,
    price: Price = None,
    after_tax: AfterTax = False,
    solve_pe: SolvePe = None,
    universe: UniverseOption = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format", "-f", help="table, csv (one line per cell) or json (default: from --out, else table)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (atomically).")] = None,
) -> None:
    """Earnings sensitivity (METHODS §13): a forward year's P/E over two drivers of one segment of the house model
    — by default FY2, oxide gross margin ± 3 × 1 pp by sales volume ± 3 × 1,000 t, the base cell marked. The house
    method passes the change in segment gross profit to net income untaxed; --after-tax applies the year's tax
    rate and minority share. --solve-pe X: the segment ASP at which the P/E equals X."""
    from screener.render import sensitivity as rs

    run = run_context(ctx)
    kind = output_format(fmt, out, ["table", "csv", "json"])
    result, banners = _compute(run, ticker, universe, ctx.params)
    run.notes(banners)
    if kind == "table" and out is None:
        run.env.out.print(rs.sensitivity_view(result), crop=False)
        return
    if kind == "table":
        text = render_text(rs.sensitivity_view(result), 160)
    else:
        text = rs.sensitivity_csv(result) if kind == "csv" else rs.sensitivity_json(result) + "\n"
    if kind == "csv" and solve_pe is not None:
        run.note("--solve-pe: the CSV holds the grid only; the solved ASP is in the table and the JSON (solve)")
    emit(run, text, out)


@chart_app.command("sensitivity", epilog=SENSITIVITY_EXAMPLES)
@command
def chart_sensitivity(
    ctx: typer.Context,
    ticker: TickerArgument,
    out: OutOption,
    segment: Segment = "oxide",
    year: Year = None,
    metric: Metric = "pe",
    rows: Rows = "margin",
    cols: Cols = "volume",
    steps: Steps = 3,
    margin_step: MarginStep = 1.0,
    volume_step: VolumeStep = 1000.0,
    asp_step: AspStep = None,
    price: Price = None,
    after_tax: AfterTax = False,
    solve_pe: SolvePe = None,
    universe: UniverseOption = None,
) -> None:
    """The sensitivity grid as a heatmap: one coloured cell per driver pair with its value, the base outlined,
    NA/NM grey (the options of `screener sensitivity`)."""
    from screener.render import charts
    from screener.render.charts_sensitivity import sensitivity_figure

    run = run_context(ctx)
    _check_out(out)
    result, banners = _compute(run, ticker, universe, ctx.params)
    run.notes(banners)
    emit(run, charts.png_bytes(sensitivity_figure(result)), out)
    run.note(f"wrote {out} ({charts.PIXELS[0]} × {charts.PIXELS[1]} px): FY{result.fiscal_year}E {result.metric}")
