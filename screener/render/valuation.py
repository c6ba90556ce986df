"""Renderings of ``screener value``: a rich view, the scenario CSV and JSON (kept apart from tables.py so
that ``screener screen`` never imports pandas)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any

from rich.console import Group
from rich.text import Text

from screener.app.results import ValuationResult
from screener.core.values import Missing, Value
from screener.render import formatting as f
from screener.render.export import raw_number, safe_text
from screener.render.fit import FittedTable, Row, Spec, View

CSV_COLUMNS = ["ticker", "scenario", "k", "pb_mean", "pb_sd", "pb_multiple", "bvps", "target_price", "price", "upside"]
TABLE_COLUMNS = (
    Spec("scenario", "Scenario"),
    Spec("k", "k", 6, "right"),
    Spec("pb_mean", "P/B mean", 7, "right"),
    Spec("pb_sd", "P/B sd", 8, "right"),
    Spec("pb_multiple", "Target P/B", 3, "right"),
    Spec("bvps", "Fwd BVPS", 4, "right"),
    Spec("target_price", "Target price", 1, "right"),
    Spec("price", "Price", 5, "right"),
    Spec("upside", "Upside", 2, "right"),
)
TABLE_KEYS = tuple(s.key for s in TABLE_COLUMNS)
PE_NAMES = {"pb_mean": "pe_mean", "pb_sd": "pe_sd", "pb_multiple": "pe_multiple", "bvps": "eps",
            "pb_current": "pe_current", "pb_forward": "pe_forward", "bvps_source": "eps_source"}  # fmt: skip
"""The CSV and JSON name the band's numbers after its multiple: these names for a P/E band (the table's headers
likewise), the ``pb_*`` / ``bvps`` names of :data:`CSV_COLUMNS` for a P/B band."""


def _name(r: ValuationResult, key: str) -> str:
    return PE_NAMES.get(key, key) if r.multiple == "pe" else key


def _columns(r: ValuationResult) -> tuple[Spec, ...]:
    if r.multiple != "pe":
        return TABLE_COLUMNS
    headers = {"pb_mean": "P/E mean", "pb_sd": "P/E sd", "pb_multiple": "Target P/E", "bvps": "Fwd EPS"}
    return tuple(replace(c, header=headers.get(c.key, c.header)) for c in TABLE_COLUMNS)


def _mark(text: str, overridden: bool) -> Text:
    return Text(text + (" *" if overridden else ""), style="bold magenta" if overridden else "")


def value_view(r: ValuationResult, view: View | None = None) -> Group:
    """Scenario table, then the band and where every input came from (overridden inputs marked *)."""
    over = set(r.overridden)
    rows = [
        Row([
            s.name,
            f"{s.k:+.2f}",
            _mark(f.multiple(r.multiple_mean), "pb_mean" in over),
            _mark(f.multiple(r.multiple_sd), "pb_sd" in over),
            f.multiple(s.pb_multiple),
            _mark(f.money(r.forward_per_share, 3), "bvps" in over),
            Text(f.money(s.target_price), style="bold"),
            f.money(r.price),
            Text(f.percent(s.upside), style="green" if _positive(s.upside) else "red"),
        ])
        for s in r.scenarios
    ]  # fmt: skip
    label, per_share = ("P/E", "EPS") if r.multiple == "pe" else ("P/B", "BVPS")
    title = f"{r.name} ({r.ticker}) — {label}-band valuation, {r.currency}"
    table = FittedTable(_columns(r), rows, view or View(), title=title, title_justify="left")
    b = r.band
    window = f"{b.start} to {b.end}, {b.n} days" if b.n else "no history"
    books = f"; {r.book_values} published book values" if r.multiple == "pb" and r.book_values else ""
    lines = [
        f"Price {f.money(r.price)} {r.currency} on {r.price_date} (source: {r.price_source}); as of {r.as_of}",
        f"{r.history_source}",
        f"{label} history since {r.since}: {window}{books}",
        f"Band (own history): mean {f.multiple(b.mean)}, sd {f.multiple(b.sd)} (sample sd)",
        f"Current {label} (price / {r.current_basis or 'latest published ' + per_share}) "
        f"{f.multiple(r.current_multiple)}: z-score {_z(r.z_score)}, percentile {f.percent(r.percentile)} "
        "of the history",
        f"Forward {per_share} {f.money(r.forward_per_share, 3)} ({r.forward_source}); "
        f"forward {label} {f.multiple(r.forward_multiple)}",
    ]
    if over:
        lines.append(f"* overridden on the command line: {', '.join('--' + o.replace('_', '-') for o in r.overridden)}")
    lines += [f"note: {n}" for n in r.notes]
    return Group(table, Text("\n".join(lines), style="dim"))


def _positive(value: Value) -> bool:
    return not isinstance(value, Missing) and value > 0


def _z(value: Value) -> str:
    return str(value) if isinstance(value, Missing) else f"{value:+.2f}"


def value_csv(r: ValuationResult) -> str:
    """One row per scenario, columns exactly :data:`CSV_COLUMNS`; raw numbers, NA/NM literal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_name(r, c) for c in CSV_COLUMNS])
    for s in r.scenarios:
        writer.writerow(
            [
                safe_text(r.ticker),
                safe_text(s.name),
                raw_number(s.k),
                raw_number(r.multiple_mean),
                raw_number(r.multiple_sd),
                raw_number(s.pb_multiple),
                raw_number(r.forward_per_share),
                raw_number(s.target_price),
                raw_number(r.price),
                raw_number(s.upside),
            ]
        )
    return buffer.getvalue()


def _j(value: Value) -> Any:
    return value.value if isinstance(value, Missing) else value


def value_json(r: ValuationResult) -> str:
    """Everything, with provenance: inputs (and which were overridden), band, scenarios."""
    b = r.band
    body = {
        "multiple": r.multiple,
        "ticker": r.ticker,
        "name": r.name,
        "currency": r.currency,
        "as_of": r.as_of.isoformat(),
        "price": r.price,
        "price_date": r.price_date.isoformat(),
        "price_source": r.price_source,
        "pb_mean": _j(r.multiple_mean),
        "pb_sd": _j(r.multiple_sd),
        "bvps": _j(r.forward_per_share),
        "bvps_source": r.forward_source,
        "forward_year": r.forward_year,
        "overridden": r.overridden,
        "pb_current": _j(r.current_multiple),
        "pb_forward": _j(r.forward_multiple),
        "z_score": _j(r.z_score),
        "percentile": _j(r.percentile),
        "band": {
            "since": r.since.isoformat(),
            "start": b.start.isoformat() if b.start else None,
            "end": b.end.isoformat() if b.end else None,
            "n": b.n,
            "mean": _j(b.mean),
            "sd": _j(b.sd),
            "sd_ddof": 1,
            "book_values": r.book_values,
            "history_source": r.history_source,
            "basis": r.basis,
            "current_basis": r.current_basis,
        },
        "scenarios": [
            {
                "scenario": s.name,
                "k": s.k,
                "pb_multiple": _j(s.pb_multiple),
                "target_price": _j(s.target_price),
                "upside": _j(s.upside),
            }
            for s in r.scenarios
        ],
        "notes": r.notes,
    }
    if r.multiple == "pe":
        body = {_name(r, k): v for k, v in body.items()}
        body["scenarios"] = [{_name(r, k): v for k, v in row.items()} for row in body["scenarios"]]
    return json.dumps(body, indent=2)
