"""Every documented flag: its rule in ``core.flags.row_flags`` and the inputs ``company_row`` computes for it.

Each case is a mutation check: delete the rule (or the input it reads) and exactly that case fails.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from screener.app.comptable import company_row
from screener.app.report import build_report
from screener.core.flags import FLAGS, RowInputs, Thresholds, YearInputs, row_flags
from screener.core.ratings import Rating
from screener.core.values import NA, NM
from screener.data.base import MarketData
from screener.models import (
    Company,
    Consensus,
    ConsensusEstimate,
    ConsensusYear,
    FxRate,
    HouseModel,
    HouseView,
    ModelYear,
    Quote,
    Universe,
)

AS_OF = date(2025, 10, 10)
LIMITS = Thresholds()
PLAIN = YearInputs(pe=20.0, pb=2.0, roe=0.10, dy=0.02)  # consistent: P/B / ROE = 20 = P/E; payout 40%
CLEAN = RowInputs(
    as_of=AS_OF,
    price_date=AS_OF,
    quote_currency="CNY",
    trading_currency="CNY",
    upside=0.1,
    dividend_yield=0.02,
    years=[PLAIN, PLAIN],
    target_set_on=date(2025, 10, 1),
)

# flag -> inputs that raise exactly that flag (changed from CLEAN)
RULE_CASES: dict[str, RowInputs] = {
    "tp_from_band": replace(CLEAN, band_target=80.0),
    "band_target_na": replace(CLEAN, band_target=NA),
    "no_data": replace(CLEAN, price_date=None),
    "currency_mismatch": replace(CLEAN, quote_currency="HKD"),
    "fx_missing": replace(CLEAN, fx_missing=True),
    "consensus_eps": replace(CLEAN, consensus_eps=True),
    "consensus_target": replace(CLEAN, consensus_target=True),
    "mcap_from_snapshot_shares": replace(CLEAN, market_cap_from_snapshot_shares=True),
    "etr_excludes_dividend": replace(CLEAN, dividend_yield=NA, years=[replace(PLAIN, dy=NA)] * 2),
    "dy_implausible": replace(CLEAN, years=[replace(PLAIN, dy=0.44, pe=79.7, pb=7.97, roe=0.1), PLAIN]),
    "pe_pb_roe_mismatch": replace(CLEAN, years=[PLAIN, replace(PLAIN, pe=20.0, pb=7.9, roe=0.09)]),
    "extreme_pe": replace(CLEAN, years=[replace(PLAIN, pe=2421.4, pb=242.14, roe=0.1, dy=NA), PLAIN]),
    "stale_price": replace(CLEAN, price_date=date(2025, 10, 1)),
    "stale_target": replace(CLEAN, target_set_on=date(2024, 10, 9)),
    "price_after_as_of": replace(CLEAN, price_date=None, price_after_as_of=True),
    "invalid_price": replace(CLEAN, price_date=None, invalid_price=True),
    "fx_stale": replace(CLEAN, fx_stale=True),
    "estimate_after_as_of": replace(CLEAN, estimate_after_as_of=True),
    "non_finite": replace(CLEAN, non_finite=True),
}


def test_every_documented_flag_has_a_case() -> None:
    assert set(RULE_CASES) == set(FLAGS)


def test_clean_inputs_raise_no_flag() -> None:
    assert row_flags(CLEAN, LIMITS) == []


@pytest.mark.parametrize("flag", list(RULE_CASES))
def test_each_rule_raises_exactly_its_flag(flag: str) -> None:
    flags = row_flags(RULE_CASES[flag], LIMITS)
    extra = {"etr_excludes_dividend"} if flag == "extreme_pe" else set()
    assert set(flags) - extra == {flag}, flags


def test_thresholds_are_read_from_the_limits() -> None:
    assert "stale_price" not in row_flags(RULE_CASES["stale_price"], replace(LIMITS, stale_price_trading_days=10))
    assert "stale_target" not in row_flags(RULE_CASES["stale_target"], replace(LIMITS, stale_target_days=400))
    assert "extreme_pe" not in row_flags(RULE_CASES["extreme_pe"], replace(LIMITS, extreme_pe=5000.0))
    assert "dy_implausible" not in row_flags(RULE_CASES["dy_implausible"], replace(LIMITS, max_payout=40.0))
    mismatch = RULE_CASES["pe_pb_roe_mismatch"]
    assert "pe_pb_roe_mismatch" not in row_flags(mismatch, replace(LIMITS, pe_pb_roe_factor=5.0))


def test_flags_keep_the_documented_order() -> None:
    both = replace(CLEAN, band_target=NA, quote_currency="HKD", price_date=date(2025, 10, 1))
    assert row_flags(both, LIMITS) == ["band_target_na", "currency_mismatch", "stale_price"]


# --------------------------------------------------------------------------------------------------------------
# company_row computes the inputs: each flag through a real row
# --------------------------------------------------------------------------------------------------------------
def settings():  # type: ignore[no-untyped-def]
    from screener.config import load_settings

    from .conftest import CONFIG

    return load_settings(CONFIG)


FX = {
    "CNY": FxRate("CNY", 7.13, AS_OF, "test"),
    "HKD": FxRate("HKD", 7.78, AS_OF, "test"),
    "USD": FxRate("USD", 1.0, AS_OF, "identity"),
}
MODEL_YEAR = ModelYear(
    net_income=2172.0, total_equity=30596.0, minority_interests=6267.0, shares=3615.0, ebit=3521.0, d_and_a=829.0,
    cash=8670.0, borrowings=10336.0, dps=0.08,
)  # fmt: skip
MODEL = HouseModel("test model", "CNY", {2025: MODEL_YEAR, 2026: MODEL_YEAR})


def company(**changes: object) -> Company:
    base = Company(
        ticker="600111.SS",
        name="China Northern Rare Earth",
        group="Producers",
        currency="CNY",
        reporting_currency="CNY",
        fiscal_year_end_month=12,
        views=(HouseView(Rating.BUY, 72.0, date(2025, 10, 10)),),
        model=MODEL,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def quote(**changes: object) -> Quote:
    base = Quote("600111.SS", 53.13, "CNY", AS_OF, "snapshot", market_cap=192000.0)
    return replace(base, **changes)  # type: ignore[arg-type]


def row_flags_of(c: Company, q: Quote | None, rates: dict[str, FxRate] = FX, **kwargs: object) -> list[str]:
    return company_row(c, q, rates, AS_OF, settings(), **kwargs).flags  # type: ignore[arg-type]


def test_a_clean_house_row_has_no_flag() -> None:
    assert row_flags_of(company(), quote()) == []


def test_row_currency_mismatch() -> None:
    assert row_flags_of(company(), quote(currency="HKD")) == ["currency_mismatch"]


def test_row_fx_missing_when_the_model_currency_has_no_rate() -> None:
    hkd_model = replace(MODEL, currency="HKD")
    rates = {"CNY": FX["CNY"]}  # no HKD rate: the HKD model cannot be converted into CNY
    row = company_row(company(model=hkd_model), quote(), rates, AS_OF, settings())
    assert "fx_missing" in row.flags and row.years[2025].pe is NA


def test_row_etr_excludes_dividend_without_a_yield() -> None:
    no_dps = HouseModel("m", "CNY", {y: replace(MODEL_YEAR, dps=NA) for y in (2025, 2026)})
    row = company_row(company(model=no_dps), quote(), FX, AS_OF, settings())
    assert row.flags == ["etr_excludes_dividend"] and row.etr == row.upside


def test_row_extreme_pe_and_dy_implausible_from_consensus() -> None:
    cons = Consensus("c", 20.59, AS_OF, {2025: ConsensusYear(2421.4, 5.0, 100.0, 0.002, 0.44)})
    lynas = company(ticker="LYC.AX", currency="AUD", model=None, views=(), consensus=cons)
    rates = {**FX, "AUD": FxRate("AUD", 1.52, AS_OF, "test")}
    flags = row_flags_of(lynas, quote(ticker="LYC.AX", currency="AUD", price=20.59), rates)
    assert "extreme_pe" in flags and "dy_implausible" in flags


def test_row_consensus_eps_and_target() -> None:
    fetched = ConsensusEstimate(0.42, 0.70, "USD", 25.2, 9, "Yahoo consensus")
    mp = company(ticker="MP", currency="USD", model=None, views=())
    flags = row_flags_of(mp, quote(ticker="MP", currency="USD", price=21.0), consensus=fetched)
    assert flags == ["consensus_eps", "consensus_target", "etr_excludes_dividend"]  # no yield from Yahoo EPS


def test_row_market_cap_from_snapshot_shares() -> None:
    mp = company(ticker="MP", currency="USD", model=None, views=())
    estimated = quote(ticker="MP", currency="USD", price=21.0, market_cap=3500.0, market_cap_estimated=True)
    assert row_flags_of(mp, estimated) == ["mcap_from_snapshot_shares"]


def test_row_band_target_flags() -> None:
    banded = company(target_from_band=1.0)
    assert row_flags_of(banded, quote(), band_target=80.0) == ["tp_from_band"]
    assert row_flags_of(banded, quote(), band_target=NM) == ["band_target_na"]


def test_row_stale_price_and_target() -> None:
    old = company(views=(HouseView(Rating.BUY, 72.0, date(2024, 1, 2)),))
    assert row_flags_of(old, quote(price_date=date(2025, 9, 30))) == ["stale_price", "stale_target"]


def test_row_no_data_and_price_after_as_of() -> None:
    later = Quote("600111.SS", 60.0, "CNY", date(2025, 11, 3), "store")
    earlier = Quote("000831.SZ", 56.0, "CNY", date(2025, 10, 31), "store")
    market = MarketData(quotes={"600111.SS": later, "000831.SZ": earlier}, fx=FX)
    names = (company(), company(ticker="000831.SZ", name="CRE"), company(ticker="600259.SS", name="Rising"))
    universe = Universe("u", "", "u.toml", names)
    report = build_report([universe], market, settings(), as_of=date(2025, 11, 4))
    rows = {r.ticker: r for r in report.groups[0].rows}
    assert "price_after_as_of" not in rows["600111.SS"].flags and rows["600259.SS"].flags == ["no_data"]
    report = build_report([universe], market, settings(), as_of=date(2025, 11, 2))
    rows = {r.ticker: r for r in report.groups[0].rows}
    assert rows["600111.SS"].flags == ["price_after_as_of"] and rows["600259.SS"].flags == ["no_data"]


@pytest.mark.parametrize("price", [float("nan"), float("inf"), -5.0, 0.0])
def test_row_invalid_price_is_no_price(price: float) -> None:
    row = company_row(company(), quote(price=price), FX, AS_OF, settings())
    assert row.flags == ["invalid_price"] and row.price is NA and row.etr is NA


def test_row_non_finite_multiples_become_na() -> None:
    # equity of 1e-300 (an absurd input the universe reader would refuse) makes ROE = 1e10 / 1e-300 = inf
    absurd = replace(MODEL_YEAR, net_income=1e10, total_equity=1e-300, minority_interests=0.0)
    model = HouseModel("m", "CNY", {2024: absurd, 2025: absurd, 2026: absurd})
    row = company_row(company(model=model), quote(), FX, AS_OF, settings())
    assert row.years[2025].roe is NA and "non_finite" in row.flags
    assert all(v is NA or v is NM or math.isfinite(v) for y in row.years.values() for v in (y.pe, y.pb, y.roe))
