"""The comp table's footer (#22): short by default — the as-of date and sources on one line, the FX used on one
line and a pointer to ``--notes`` (each table names its own hidden columns under it); ``screen --notes`` prints
it in full, with the FX sources and the legend."""

from __future__ import annotations

from rich.text import Text

from screener.app.screen_results import ScreenReport

NOTES_HINT = "Legend, FX sources and how aggregates are computed: --notes"


def footer(report: ScreenReport) -> Text:
    """As of, sources (and names without data); FX per USD with dates; what --where kept; the --notes pointer."""
    when = report.as_of_text()
    first = f"{when[0].upper()}{when[1:]}. Sources: {', '.join(report.sources_used) or 'none'}."
    if report.missing:
        first += f" No data for: {', '.join(report.missing)}."
    lines = [first]
    if report.fx:
        rates = []
        for currency, rate in sorted(report.fx.items()):
            stale = ", stale" if currency in report.stale_fx else ""
            rates.append(f"{currency} {rate.per_usd:.4f} ({rate.rate_date.isoformat()}{stale})")
        lines.append(f"FX per USD: {', '.join(rates)}.")
    if report.where is not None:
        lines.append(f"{report.where.summary}.")
    lines.append(NOTES_HINT)
    return Text("\n".join(lines), style="dim")


def notes_footer(report: ScreenReport) -> Text:
    """``screen --notes``: as-of date, sources, FX used (rate, date, source) and the legend."""
    when = report.as_of_text()
    lines = [f"{when[0].upper()}{when[1:]}. Sources: {', '.join(report.sources_used) or 'none'}."]
    for currency, rate in sorted(report.fx.items()):
        age = (report.as_of - rate.rate_date).days
        when = f"{-age} days AFTER the as-of date" if age < 0 else f"{age} days before the as-of date"
        stale = f" — {when}: stale (rows converted with it are flagged fx_stale)" if currency in report.stale_fx else ""
        lines.append(f"FX {currency} {rate.per_usd:.4f} per USD on {rate.rate_date.isoformat()} ({rate.source}){stale}")
    if report.missing:
        lines.append(f"No data for: {', '.join(report.missing)}")
    if report.where is not None:
        lines.append(f"{report.where.summary}.")
    r = report.rules
    tolerance = f" (±{r.tolerance * 100:g}pp tolerance)" if r.tolerance else ""
    lines.append(
        f"Upside = TP/price − 1; ETR = upside + FY1 dividend yield; Rule = Buy ≥{r.buy * 100:g}% "
        f"(≥{r.buy_high_risk * 100:g}% high risk), Sell <{r.sell * 100:g}%. Band: house rating vs rule{tolerance}. "
        "Est: house = house model; consensus (n = FY1 forecasters, the estimate's date), its multiples at this price. "
        "Aggregates: one line per issuer (a second listing shows as '+1 dual', not counted), always over the whole "
        "group (with names or --top: 'n 7 (2 shown)'), n used (NA/NM and flagged yields excluded); harmonic mean for "
        "price multiples only. Marked: 44.0%? implausible yield; orange a stale price or target; cyan a band or "
        "consensus target; italic a market cap from the snapshot's share count; underlined a house rating out of "
        "band. NA = not available, NM = not meaningful (negative or zero denominator), NR = not rated. "
        "Market caps in USD (snapshot: as published)."
    )
    return Text("\n".join(lines), style="dim")
