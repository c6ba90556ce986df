"""The universe file's declarative field spec: the keys of a ``[[company]]`` entry (type, required, range,
allowed values) and of its nested tables, read by :mod:`screener.universe` (errors name file, line and key)."""

from __future__ import annotations

import re
from typing import Any

from screener.config.fields import REQUIRED, Field

COMPANY_SPEC = {
    "ticker": Field("any", REQUIRED),
    "aliases": Field("list", []),
    "name": Field("text", REQUIRED),
    "group": Field("text", REQUIRED),
    "currency": Field("currency", REQUIRED),
    "reporting_currency": Field("currency"),
    "fiscal_year_end_month": Field("integer", REQUIRED, low=1, high=12),
    "high_risk": Field("bool", False),
    "issuer": Field("text"),
    "counts_in_aggregates": Field("bool", True),
    "oxide_exposure": Field("string", choices=("light", "heavy")),
    "house": Field("any"),
    "model": Field("any"),
    "consensus": Field("any"),
    "book_values": Field("any"),
    "target_from_band": Field("any"),
    "weight": Field("number", low=0, high=100),
    "tags": Field("list", []),
}
"""A ``[[company]]`` entry; nested tables (house, model, consensus, book_values, target_from_band) are read by
the reader's own methods."""
REQUIRED_KEYS = tuple(key for key, field in COMPANY_SPEC.items() if field.required)
HOUSE_KEYS = {"rating", "target_price", "set_on", "note"}
MODEL_KEYS = {"source", "currency", "years", "as_of", "segments"}
MODEL_YEAR_KEYS = {
    "net_income",
    "total_equity",
    "minority_interests",
    "shares",
    "ebit",
    "d_and_a",
    "cash",
    "short_term_borrowings",
    "long_term_borrowings",
    "dps",
    "revenue",
    "fcf",
    "gross_profit",
    "operating_cash_flow",
    "capex",
    "profit_before_tax",
    "income_tax",
    "minority_profit",
}
SEGMENT_NAMES = ("oxide", "salt", "metal")
"""The house-model segments ``[company.model.segments.<name>]`` may describe."""
SEGMENT_YEAR_KEYS = ("volume_t", "asp", "unit_cost", "unit_gross_profit")
"""One year of a segment, e.g. ``2026 = { volume_t = 44026, asp = 114363, unit_cost = 99496,
unit_gross_profit = 14867 }``."""
SEGMENT_TOLERANCE = 0.001
"""asp must equal unit_cost + unit_gross_profit within this share of the ASP (or 2 per tonne): printed rounding."""
CONSENSUS_KEYS = {"source", "reference_price", "reference_date", "years"}
CONSENSUS_YEAR_KEYS = {"pe", "pb", "ev_ebitda", "roe", "dy"}
BOOK_VALUE_KEYS = {"published", "period_end", "bvps", "currency"}
BAND_TARGET_KEYS = {"k"}
TAG_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?"
"""A tag: 1 to 32 lowercase letters, digits and hyphens, starting and ending with a letter or digit."""
DERIVED_TAGS = ("light", "heavy")
"""Tags derived from ``oxide_exposure`` (:attr:`screener.models.Company.tags`), refused in ``tags``."""


def tags_problem(tags: list[Any]) -> str | None:
    """What is wrong with a ``tags`` list (None: nothing): every tag a string matching :data:`TAG_PATTERN`, none
    given twice, none of :data:`DERIVED_TAGS` (they come from ``oxide_exposure``)."""
    seen: set[str] = set()
    for tag in tags:
        if not isinstance(tag, str) or not re.fullmatch(TAG_PATTERN, tag):
            return f"a tag is 1-32 lowercase letters, digits and hyphens like 'quota-holder', got {tag!r}"
        if tag in DERIVED_TAGS:
            return f"{tag!r} is derived from oxide_exposure: set oxide_exposure = {tag!r} instead"
        if tag in seen:
            return f"{tag!r} given twice"
        seen.add(tag)
    return None
