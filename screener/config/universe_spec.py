"""The universe file's declarative field spec: the keys of a ``[[company]]`` entry (type, required, range,
allowed values) and of its nested tables, read by :mod:`screener.universe` (errors name file, line and key)."""

from __future__ import annotations

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
}
"""A ``[[company]]`` entry; nested tables (house, model, consensus, book_values, target_from_band) are read by
the reader's own methods."""
REQUIRED_KEYS = tuple(key for key, field in COMPANY_SPEC.items() if field.required)
HOUSE_KEYS = {"rating", "target_price", "set_on", "note"}
MODEL_KEYS = {"source", "currency", "years", "as_of"}
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
}
CONSENSUS_KEYS = {"source", "reference_price", "reference_date", "years"}
CONSENSUS_YEAR_KEYS = {"pe", "pb", "ev_ebitda", "roe", "dy"}
BOOK_VALUE_KEYS = {"published", "period_end", "bvps", "currency"}
BAND_TARGET_KEYS = {"k"}
