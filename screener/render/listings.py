"""Rich tables of what is stored: ``cache info`` and ``oxides list``."""

from __future__ import annotations

from pathlib import Path

from screener.app.results import OxideListing
from screener.data.housekeeping import StoreEntry
from screener.render.fit import FittedTable, Row, Spec, View

STORE_COLUMNS = (
    Spec("kind", "Kind"),
    Spec("key", "Key"),
    Spec("rows", "Rows", 3, "right"),
    Spec("first", "From", 4),
    Spec("last", "To", 2),
    Spec("fetched_at", "Fetched (UTC)", 5),
    Spec("source", "Source", 6, wrap=True),
    Spec("size", "Size", 7, "right"),
    Spec("problem", "Problem", 1),
)
OXIDE_COLUMNS = (
    Spec("id", "Id"),
    Spec("name", "Name", shrink=16),
    Spec("exposure", "Exposure", 6),
    Spec("unit", "Unit", 1),
    Spec("vat", "VAT", 7),
    Spec("rows", "Rows", 4, "right"),
    Spec("first", "From", 3),
    Spec("last", "To", 2),
    Spec("stored_as", "Stored as", 8),
    Spec("fx", "FX", 9),
    Spec("fetched", "Fetched (UTC)", 5),
)
STORE_KEYS = tuple(s.key for s in STORE_COLUMNS)
OXIDE_KEYS = tuple(s.key for s in OXIDE_COLUMNS)


def store_table(root: Path, entries: list[StoreEntry], view: View | None = None) -> FittedTable | str:
    """Every stored file: kind, key, rows, range, fetch time, source, size and the problem of an unreadable one."""
    if not entries:
        return f"the store in {root} is empty"
    rows = [
        Row([
            e.kind, e.key, "" if e.rows is None else str(e.rows), e.first, e.last, e.fetched_at, e.source,
            f"{e.size / 1024:,.0f} KiB", "unreadable" if e.problem else "",
        ])
        for e in entries
    ]  # fmt: skip
    return FittedTable(STORE_COLUMNS, rows, view or View(), title=f"Local store {root}")


def oxides_table(rows: list[OxideListing], view: View | None = None) -> FittedTable | str:
    """Registered and stored oxide series: unit, VAT, rows, range, stored units, FX used, fetch time."""
    if not rows:
        return "no oxide series registered or stored"
    lines = []
    for r in rows:
        removed = " (removed)" if r.rows is not None else ""
        vat = f"incl.{removed}" if r.vat_included else "ex"
        lines.append(Row([
            r.id, r.name, r.exposure, r.unit, vat, "" if r.rows is None else str(r.rows), r.first, r.last,
            r.stored_as, r.fx, r.fetched,
        ]))  # fmt: skip
    return FittedTable(OXIDE_COLUMNS, lines, view or View(), title="Oxide series (registry and store)")
