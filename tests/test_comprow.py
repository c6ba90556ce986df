"""The comp row's steps in ``screener.core.comprow``, one test per step, on hand-worked inputs (no settings file, no
store): target, stored and fetched estimates, market cap, returns (ETR with and without the FY1 dividend), and the
point-in-time flags decided in ``core.flags`` (``fx_stale`` at the staleness limit, ``estimate_after_as_of``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from screener.core.comprow import (
    Estimates,
    RowRules,
    comp_row,
    consensus_target,
    fetched_estimates,
    market_cap_usd,
    returns,
    row_target,
    stored_estimates,
)
from screener.core.estimates import YearMultiples
from screener.core.flags import estimate_after_as_of, fx_stale
from screener.core.ratings import Rating
from screener.core.values import NA, NM
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
)

AS_OF = date(2025, 10, 10)  # FY1 = 2025 for a December year end (FY2024 reported by the end of March)
RULES = RowRules()  # buy 15%, sell 0%, max payout 100%, FX 10 days
RATES = {"CNY": FxRate("CNY", 7.0, AS_OF, "t"), "HKD": FxRate("HKD", 7.8, AS_OF, "t")}
# EPS 100 / 100 = 1.0 CNY, BVPS 1000 / 100 = 10 CNY, DPS 0.3 CNY
YEAR = ModelYear(
    net_income=100.0, total_equity=1000.0, minority_interests=0.0, shares=100.0, ebit=150.0, d_and_a=50.0,
    cash=0.0, borrowings=0.0, dps=0.3,
)  # fmt: skip
MODEL = HouseModel("m", "CNY", {2024: YEAR, 2025: YEAR, 2026: YEAR})
VIEW = HouseView(Rating.BUY, 24.0, date(2025, 9, 1))


def company(**changes: object) -> Company:
    base = Company("T", "Test Co", "G", "CNY", "CNY", 12, views=(VIEW,), model=MODEL)
    return replace(base, **changes)  # type: ignore[arg-type]


def quote(**changes: object) -> Quote:
    return replace(Quote("T", 20.0, "CNY", AS_OF, "store", market_cap=7000.0), **changes)  # type: ignore[arg-type]


def test_target_is_the_view_or_the_band() -> None:
    assert row_target(company(), VIEW, None) == (24.0, None)
    assert row_target(company(), None, None) == (NA, None)  # not rated at the as-of date
    banded = company(target_from_band=1.0)
    assert row_target(banded, VIEW, 30.0) == (30.0, 30.0)  # the band replaces the house target
    assert row_target(banded, VIEW, None) == (NA, NA)  # band not computed: NA, flagged band_target_na


def test_consensus_target_only_for_a_not_rated_name() -> None:
    fetched = ConsensusEstimate(1.0, 1.2, "CNY", 26.5, 5, "Yahoo consensus")
    assert consensus_target(company(), None, fetched) == 26.5
    assert consensus_target(company(), VIEW, fetched) is None  # a house view in force wins
    assert consensus_target(company(target_from_band=1.0), None, fetched) is None  # so does a band target
    assert consensus_target(company(), None, replace(fetched, target_mean=None)) is None


def test_stored_estimates_house_model_then_universe_consensus() -> None:
    house = stored_estimates(company(), 20.0, RATES, AS_OF, (2025, 2026), True)
    assert house.source == "house" and house.years[2025].pe == pytest.approx(20.0)  # 20 / 1.0
    assert house.years[2025].pb == pytest.approx(2.0) and house.years[2025].dy == pytest.approx(0.015)  # 20/10, .3/20
    in_hkd = stored_estimates(company(currency="HKD"), 20.0, RATES, AS_OF, (2025, 2026), True)
    assert in_hkd.years[2025].pe == pytest.approx(20.0 / (1.0 * 7.8 / 7.0))  # EPS 1 CNY = 1.1143 HKD
    no_rate = stored_estimates(company(currency="HKD"), 20.0, {"HKD": RATES["HKD"]}, AS_OF, (2025, 2026), True)
    assert no_rate.fx_missing and no_rate.source == "house" and no_rate.years[2025].pe is NA
    cons = Consensus("file", 25.0, AS_OF, {2025: ConsensusYear(12.5, 2.5, 8.0, 0.2, 0.02)})
    universe = stored_estimates(company(model=None, consensus=cons), 20.0, RATES, AS_OF, (2025, 2026), True)
    assert universe.source == "consensus" and universe.label == "consensus (2025-10-10)"
    assert universe.years[2025].pe == pytest.approx(10.0)  # EPS 25 / 12.5 = 2; 20 / 2
    later = replace(cons, reference_date=AS_OF + timedelta(days=1))
    assert (
        stored_estimates(company(model=None, consensus=later), 20.0, RATES, AS_OF, (2025, 2026), True).source == "none"
    )


def test_fetched_estimates_replace_the_pe_for_a_name_without_a_model() -> None:
    none = Estimates({2025: YearMultiples(), 2026: YearMultiples()})
    fetched = ConsensusEstimate(2.0, 2.5, "CNY", None, 7, "Yahoo consensus", datetime(2025, 10, 1))
    got = fetched_estimates(none, company(model=None), quote(), fetched, RATES, (2025, 2026))
    assert (got.years[2025].pe, got.years[2026].pe) == (pytest.approx(10.0), pytest.approx(8.0))  # 20/2, 20/2.5
    assert got.consensus_eps and got.source == "consensus" and got.label == "consensus (n=7, 2025-10-01)"
    in_usd = replace(fetched, eps_currency="USD")  # USD needs no rate: EPS 2 USD = 14 CNY
    assert fetched_estimates(none, company(model=None), quote(), in_usd, RATES, (2025, 2026)).years[2025].pe == 20 / 14
    assert fetched_estimates(none, company(), quote(), fetched, RATES, (2025, 2026)) is none  # the model wins
    in_aud = replace(fetched, eps_currency="AUD")
    assert fetched_estimates(none, company(model=None), quote(), in_aud, RATES, (2025, 2026)) is none  # no AUD rate


def test_market_cap_in_usd() -> None:
    assert market_cap_usd(company(), quote(), RATES, 2025) == (pytest.approx(1000.0), False)  # 7,000 CNY m / 7.0
    estimated = quote(market_cap=9000.0, market_cap_estimated=True)
    assert market_cap_usd(company(), estimated, RATES, 2025) == (pytest.approx(20.0 * 100 / 7.0), False)
    assert market_cap_usd(company(model=None), estimated, RATES, 2025) == (pytest.approx(9000 / 7.0), True)
    assert market_cap_usd(company(), quote(), {"HKD": RATES["HKD"]}, 2025) == (NA, False)  # no CNY rate


def test_etr_with_the_fy1_dividend() -> None:
    years = {2025: YearMultiples(pe=20.0, dy=0.03), 2026: YearMultiples(pe=18.0, dy=0.04)}
    r = returns(24.0, 20.0, years, 2025, company(), VIEW, RULES)
    assert r.upside == pytest.approx(0.2) and r.etr == pytest.approx(0.23)  # 24/20 − 1 + 3%
    assert r.rule_rating is Rating.BUY and r.in_band is True and r.suspect == frozenset()


def test_etr_without_the_fy1_dividend_when_its_payout_is_implausible() -> None:
    years = {2025: YearMultiples(pe=20.0, dy=0.06), 2026: YearMultiples(pe=18.0, dy=0.04)}  # payout 6% × 20 = 120%
    r = returns(24.0, 20.0, years, 2025, company(), VIEW, RULES)
    assert r.etr == pytest.approx(0.2) and r.etr_yield is NA and r.dividend_yield == 0.06  # shown, not counted
    assert r.suspect == frozenset({2025})
    lenient = returns(
        24.0, 20.0, years, 2025, company(), VIEW, replace(RULES, sanity=replace(RULES.sanity, max_payout=1.5))
    )
    assert lenient.etr == pytest.approx(0.26)
    assert returns(NM, 20.0, years, 2025, company(), None, RULES).etr is NM  # a non-positive target: NM


def test_fx_stale_decided_at_the_staleness_limit() -> None:
    at_limit = FxRate("CNY", 7.0, AS_OF - timedelta(days=10), "t")
    past = FxRate("CNY", 7.0, AS_OF - timedelta(days=11), "t")
    assert not fx_stale([at_limit], AS_OF, 10) and fx_stale([past], AS_OF, 10)
    assert fx_stale([FxRate("CNY", 7.0, AS_OF + timedelta(days=1), "t")], AS_OF, 10)  # after the as-of date
    assert not fx_stale([FxRate("USD", 1.0, AS_OF - timedelta(days=400), "identity"), None], AS_OF, 10)
    assert "fx_stale" not in comp_row(company(), quote(), {"CNY": at_limit}, AS_OF, RULES).flags
    assert "fx_stale" in comp_row(company(), quote(), {"CNY": past}, AS_OF, RULES).flags
    hkd_model = company(currency="HKD", model=replace(MODEL, currency="CNY"))  # the model currency's rate counts too
    rates = {"HKD": RATES["HKD"], "CNY": past}
    assert "fx_stale" in comp_row(hkd_model, quote(currency="HKD"), rates, AS_OF, RULES).flags


def test_estimate_after_as_of() -> None:
    assert not estimate_after_as_of([AS_OF, None], AS_OF) and estimate_after_as_of([AS_OF + timedelta(days=1)], AS_OF)
    known = comp_row(company(model=replace(MODEL, as_of=AS_OF)), quote(), RATES, AS_OF, RULES)
    assert known.years[2025].pe == pytest.approx(20.0) and "estimate_after_as_of" not in known.flags
    late_model = comp_row(company(model=replace(MODEL, as_of=AS_OF + timedelta(days=1))), quote(), RATES, AS_OF, RULES)
    assert late_model.years[2025].pe is NA and late_model.estimate_source == "none"
    assert "estimate_after_as_of" in late_model.flags
    fetched = ConsensusEstimate(2.0, 2.5, "CNY", 30.0, 7, "Yahoo consensus", as_of=AS_OF + timedelta(days=1))
    late = comp_row(company(model=None, views=()), quote(), RATES, AS_OF, RULES, consensus=fetched)
    assert late.target_price is NA and late.years[2025].pe is NA and "estimate_after_as_of" in late.flags
    on_time = comp_row(
        company(model=None, views=()), quote(), RATES, AS_OF, RULES, consensus=replace(fetched, as_of=AS_OF)
    )
    assert on_time.target_price == 30.0 and on_time.years[2025].pe == pytest.approx(10.0)
    assert on_time.flags == ["consensus_eps", "consensus_target", "etr_excludes_dividend"]


def test_comp_row_end_to_end_by_hand() -> None:
    row = comp_row(company(), quote(), RATES, AS_OF, RULES)
    assert (row.fy1, row.price, row.target_price) == (2025, 20.0, 24.0)
    assert row.market_cap_usd_m == pytest.approx(1000.0)
    assert row.etr == pytest.approx(0.2 + 0.015) and row.rule_rating is Rating.BUY and row.in_band is True
    assert row.flags == [] and row.estimate_text == "house"
    assert comp_row(company(), quote(price=0.0), RATES, AS_OF, RULES).flags == ["invalid_price"]
    assert comp_row(company(), None, RATES, AS_OF, RULES, price_after_as_of=True).flags == ["price_after_as_of"]
