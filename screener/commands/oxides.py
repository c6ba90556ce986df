"""`screener oxides import|list` and `screener fx import`: oxide price series and FX histories in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from screener.cli import _context, app, global_options, handle_errors
from screener.errors import UsageError

oxides_app = typer.Typer(help="Oxide price series: import (unit, VAT, FX to USD) and list.", no_args_is_help=True)
fx_app = typer.Typer(help="FX histories used to convert oxide prices to USD.", no_args_is_help=True)
app.add_typer(oxides_app, name="oxides")
app.add_typer(fx_app, name="fx")

DATA = "../shared/data"
IMPORT_EXAMPLES = (
    "Examples:\n\n"
    f"  screener fx import {DATA}/fx/DEXCHUS_usdcny_1981_2025.csv --currency CNY\n\n"
    f"  screener oxides import {DATA}/oxides/cn_oxides_nd_pr_ce_la_daily_2013_2024_yiyawu.csv --series nd_cn"
    " --mid-of nd_oxide_min,nd_oxide_max --unit '10000 CNY/t' --currency CNY --vat-included\n\n"
    f"  screener oxides import {DATA}/oxides/smm_refinitiv_re_spot_daily_2016_2026_hannaboud.csv --series dy_smm"
    " --value-col SMM-REO-DXO --unit CNY/kg --currency CNY --vat-included\n\n"
    "  screener oxides import --series nd_cn   (file, columns, unit and VAT from [[oxides.series]] in config.toml)"
)


@oxides_app.command("import", epilog=IMPORT_EXAMPLES)
@handle_errors
@global_options
def oxides_import(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(help="CSV file or http(s) URL (default: the series' source in config.toml)."),
    ] = None,
    series: Annotated[str, typer.Option("--series", "-s", help="Series id (e.g. nd_cn, dy_smm).")] = "",
    value_col: Annotated[str | None, typer.Option("--value-col", help="Column holding the price.")] = None,
    mid_of: Annotated[
        str | None,
        typer.Option("--mid-of", help="MIN_COL,MAX_COL: use the midpoint of two columns (a defective avg column)."),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="CNY/t, CNY/kg, 1000 CNY/t, 10000 CNY/t (万元/吨), USD/kg, USD/t.")
    ] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Currency of the quote: CNY or USD.")] = None,
    vat_included: Annotated[
        bool | None,
        typer.Option("--vat-included/--no-vat-included", help="The quote includes China's 13% VAT (removed)."),
    ] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Date column (default date).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
) -> None:
    """Load an oxide price series: per kg, ex VAT when included, converted to USD with the stored FX history."""
    from datetime import timedelta

    from screener.config import load_settings
    from screener.data.oxides import SeriesSpec, check_spec, import_oxide
    from screener.data.store import Store

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    if not series:
        raise UsageError("--series ID is required (e.g. --series nd_cn)")
    reg = settings.oxides.get(series)
    mid = tuple(c.strip() for c in mid_of.split(",")) if mid_of else (reg.mid_of if reg and not value_col else None)
    if mid is not None and len(mid) != 2:
        raise UsageError(f"--mid-of: give two columns MIN_COL,MAX_COL, got {mid_of!r}")
    spec = SeriesSpec(
        id=series,
        unit=unit or (reg.unit if reg else ""),
        currency=(currency or (reg.currency if reg else "")).upper(),
        name=name or (reg.name if reg else series),
        vat_included=vat_included if vat_included is not None else (reg.vat_included if reg else False),
        exposure=reg.exposure if reg else None,
        value_col=value_col or (reg.value_col if reg and mid is None else None),
        mid_of=(mid[0], mid[1]) if mid else None,
        date_col=date_col or (reg.date_col if reg else "date"),
    )
    if not spec.unit or not spec.currency:
        raise UsageError(f"series {series!r} is not in config.toml [[oxides.series]]: give --unit and --currency")
    if spec.value_col is None and spec.mid_of is None:
        raise UsageError("give --value-col COLUMN or --mid-of MIN_COL,MAX_COL")
    check_spec(spec)
    source = file or (reg.source if reg else "")
    if not source:
        raise UsageError(f"no FILE given and series {series!r} has no source in config.toml")
    store = Store(settings.cache_dir)
    stale = ""
    if source.startswith(("http://", "https://")):
        from screener.data.http import fetch, new_session

        fetched = fetch(new_session(settings.cache_dir, timedelta(hours=settings.oxides.http_expire_hours)), source)
        data: Path | bytes = fetched.content
        stale = " (STALE cached copy: the server could not be reached)" if fetched.stale else ""
    else:
        data = Path(source)
    stored, notes = import_oxide(
        store,
        spec,
        source,
        data,
        fx_max_staleness_days=settings.oxides.fx_max_staleness_days,
        gap_business_days=settings.oxides.gap_business_days,
    )
    f = stored.frame
    in_usd = f["usd_per_kg"].notna().any()
    app_ctx.out.print(
        f"stored oxide series {series}: {len(f)} rows {f.index[0].date()} to {f.index[-1].date()} from "
        f"{Path(source).name}{stale}; {stored.meta['unit']}{' incl. VAT' if spec.vat_included else ''} -> "
        f"{stored.meta['local_unit']}" + (" -> USD/kg" if in_usd and spec.currency != "USD" else ""),
        markup=False,
        highlight=False,
    )
    if not app_ctx.quiet:
        for note in notes:
            app_ctx.err.print(f"note: {note}", markup=False, highlight=False)


@oxides_app.command("list", epilog="Example:\n\n  screener oxides list")
@handle_errors
@global_options
def oxides_list(ctx: typer.Context) -> None:
    """The series registered in config.toml and what the store holds (rows, range, unit, currency, fetched)."""
    from screener.config import load_settings
    from screener.data.store import Store

    app_ctx = _context(ctx)
    settings = load_settings(app_ctx.config)
    store = Store(settings.cache_dir)
    ids = [s.id for s in settings.oxides.series]
    ids += [k for k in store.series_keys("oxides") if k not in ids]
    table = Table(title="Oxide series (registry and store)", header_style="bold")
    for header in ("Id", "Name", "Exposure", "Unit", "VAT", "Rows", "From", "To", "Stored as", "FX", "Fetched (UTC)"):
        table.add_column(header)
    for sid in ids:
        reg = settings.oxides.get(sid)
        stored = store.read_series("oxides", sid)
        meta = stored.meta if stored else {}
        unit = reg.unit if reg else meta.get("unit", "")
        vat = (reg.vat_included if reg else meta.get("vat_included") == "true") if (reg or meta) else False
        if stored is None:
            table.add_row(sid, reg.name if reg else "", (reg.exposure or "") if reg else "", unit,
                          "incl." if vat else "ex", "", "", "", "not stored", "", "")  # fmt: skip
            continue
        f = stored.frame
        usd = f["usd_per_kg"].notna().any() and meta.get("currency") != "USD"
        table.add_row(
            sid, meta.get("name", ""), (reg.exposure or "") if reg else "(not in config)", unit,
            "incl. (removed)" if vat else "ex", str(len(f)), str(f.index[0].date()), str(f.index[-1].date()),
            ("USD/kg + " if usd else "") + meta.get("local_unit", ""), meta.get("fx_source", "") or "none",
            stored.fetched_at.isoformat(timespec="minutes"),
        )  # fmt: skip
    app_ctx.out.print(table if ids else "no oxide series registered or stored")
    for problem in store.problems:
        app_ctx.err.print(f"warning: {problem}", markup=False, highlight=False)


@fx_app.command(
    "import",
    epilog=f"Example:\n\n  screener fx import {DATA}/fx/DEXCHUS_usdcny_1981_2025.csv --currency CNY",
)
@handle_errors
@global_options
def fx_import(
    ctx: typer.Context,
    currency: Annotated[str, typer.Option("--currency", help="The non-USD currency, e.g. CNY.")],
    file: Annotated[
        str | None,
        typer.Argument(help="CSV file or http(s) URL (default: the currency's [[fx.series]] source in config.toml)."),
    ] = None,
    value_col: Annotated[str | None, typer.Option("--value-col", help="Rate column (default value).")] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Date column (default date).")] = None,
    usd_per: Annotated[
        bool | None,
        typer.Option("--usd-per/--per-usd", help="The file holds USD per unit of the currency (e.g. DEXUSAL)."),
    ] = None,
) -> None:
    """Store an FX history as units of the currency per USD (FRED DEXCHUS is CNY per USD as it is). An http(s)
    source goes through the requests-cache session under cache/http (a stale copy is used, and said, when the
    server is down)."""
    from datetime import timedelta

    from screener.config import load_settings
    from screener.data.oxides import import_fx
    from screener.data.store import Store

    app_ctx = _context(ctx)
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or code == "USD":
        raise UsageError(f"--currency: a 3-letter code other than USD, got {currency!r}")
    settings = load_settings(app_ctx.config)
    reg = next((f for f in settings.fx_series if f.currency == code), None)
    source = file or (reg.source if reg else "")
    if not source:
        raise UsageError(f"no FILE given and no [[fx.series]] with currency {code!r} in config.toml")
    stale = ""
    data: Path | bytes
    if source.startswith(("http://", "https://")):
        from screener.data.http import fetch, new_session

        fetched = fetch(new_session(settings.cache_dir, timedelta(hours=settings.oxides.http_expire_hours)), source)
        data = fetched.content
        stale = " (STALE cached copy: the server could not be reached)" if fetched.stale else ""
    else:
        data = Path(source)
    store = Store(settings.cache_dir)
    stored, notes = import_fx(
        store,
        data,
        label=source,
        currency=code,
        date_col=date_col or (reg.date_col if reg else "date"),
        value_col=value_col or (reg.value_col if reg else "value"),
        usd_per=usd_per if usd_per is not None else (reg.usd_per if reg else False),
    )
    f = stored.frame
    name = source.rsplit("/", 1)[-1]
    app_ctx.out.print(
        f"stored FX {code} per USD: {len(f)} rows {f.index[0].date()} to {f.index[-1].date()} from {name}{stale}",
        markup=False,
        highlight=False,
    )
    if not app_ctx.quiet:
        for note in notes:
            app_ctx.err.print(f"note: {note}", markup=False, highlight=False)
