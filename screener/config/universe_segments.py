"""``[company.model.segments.<oxide|salt|metal>]`` of a universe file: a house model's segment drivers, one inline
table per fiscal year (``2026 = { volume_t = 44026, asp = 114363, unit_cost = 99496, unit_gross_profit = 14867 }``)
and an optional ``label``; read for :mod:`screener.universe` (errors name file, line and key)."""

from __future__ import annotations

import re
from typing import Any

from screener.config.fields import TableReader
from screener.config.universe_spec import SEGMENT_NAMES, SEGMENT_TOLERANCE, SEGMENT_YEAR_KEYS
from screener.models import Segment, SegmentYear
from screener.tomlfile import PathPart


def read_segments(reader: TableReader, raw: Any, *path: PathPart) -> dict[str, Segment]:
    """Every segment: volume_t >= 0, asp > 0, unit_cost and unit_gross_profit numbers; asp = unit_cost +
    unit_gross_profit within :data:`SEGMENT_TOLERANCE` of the ASP (or 2 per tonne: printed rounding)."""
    table = reader.table(raw, *path)
    reader.check_keys(table, set(SEGMENT_NAMES), *path)
    out: dict[str, Segment] = {}
    for name, body in table.items():
        where = (*path, name)
        body = reader.table(body, *where)
        label = reader.text(body.get("label", name), *where, "label")
        years: dict[int, SegmentYear] = {}
        for key, fields in body.items():
            if key == "label":
                continue
            if not re.fullmatch(r"(19|20)\d\d", key):
                raise reader.fail(
                    "keys are label and fiscal years like 2026 = { volume_t = ..., asp = ... }", *where, key
                )
            years[int(key)] = _year(reader, fields, *where, key)
        out[name] = Segment(label=label, years=years)
    return out


def _year(reader: TableReader, raw: Any, *where: PathPart) -> SegmentYear:
    fields = reader.table(raw, *where)
    reader.check_keys(fields, set(SEGMENT_YEAR_KEYS), *where)
    for needed in SEGMENT_YEAR_KEYS:
        if needed not in fields:
            raise reader.fail(f"missing (each year needs {', '.join(SEGMENT_YEAR_KEYS)})", *where, needed)
    number = {k: reader.number(fields[k], *where, k) for k in SEGMENT_YEAR_KEYS}
    if number["volume_t"] < 0:
        raise reader.fail(f"must be >= 0 tonnes, got {fields['volume_t']!r}", *where, "volume_t")
    if number["asp"] <= 0:
        raise reader.fail(f"must be a positive price per tonne, got {fields['asp']!r}", *where, "asp")
    total = number["unit_cost"] + number["unit_gross_profit"]
    if abs(number["asp"] - total) > max(2.0, SEGMENT_TOLERANCE * number["asp"]):
        message = (
            f"asp {number['asp']:g} is not unit_cost + unit_gross_profit ({total:g}): give costs as positive amounts"
        )
        raise reader.fail(message, *where, "asp")
    return SegmentYear(**number)
