"""Rich tables of what is stored: ``cache info`` and ``oxides list``."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from screener.app.cache import OxideListing
from screener.data.housekeeping import StoreEntry


def store_table(root: Path, entries: list[StoreEntry]) -> Table | str:
    """Every stored file: kind, key, rows, range, fetch time, source, size and the problem of an unreadable one."""
    if not entries:
        return f"the store in {root} is empty"
    table = Table(title=f"Local store {root}", header_style="bold")
    for header in ("Kind", "Key", "Rows", "From", "To", "Fetched (UTC)", "Source", "Size", "Problem"):
        table.add_column(header)
    for e in entries:
        table.add_row(
            e.kind, e.key, "" if e.rows is None else str(e.rows), e.first, e.last, e.fetched_at, e.source,
            f"{e.size / 1024:,.0f} KiB", "unreadable" if e.problem else "",
        )  # fmt: skip
    return table


def oxides_table(rows: list[OxideListing]) -> Table | str:
    """Registered and stored oxide series: unit, VAT, rows, range, stored units, FX used, fetch time."""
    if not rows:
        return "no oxide series registered or stored"
    table = Table(title="Oxide series (registry and store)", header_style="bold")
    for header in ("Id", "Name", "Exposure", "Unit", "VAT", "Rows", "From", "To", "Stored as", "FX", "Fetched (UTC)"):
        table.add_column(header)
    for r in rows:
        removed = " (removed)" if r.rows is not None else ""
        vat = f"incl.{removed}" if r.vat_included else "ex"
        table.add_row(
            r.id, r.name, r.exposure, r.unit, vat, "" if r.rows is None else str(r.rows), r.first, r.last,
            r.stored_as, r.fx, r.fetched,
        )  # fmt: skip
    return table
