"""Twelve-month-forward multiples (#23 item 3, METHODS §14): FY1 and FY2 per-share figures blended by the share of
FY1 still to run, worked by hand for a December and a June year end and on the day FY1 ends; the PM CSV's NTM
columns recomputed from its own FY1/FY2 columns on the bundled snapshot; ``chart peers --basis``."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path
from statistics import median

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from screener.cli import app
from screener.core.comprow import RowRules, comp_row
from screener.core.fiscal import fy1_share_to_run
from screener.core.ntm import blend
from screener.core.values import NA, NM
from screener.models import Company, Consensus, ConsensusYear, FxRate, HouseModel, ModelYear, Quote

from .conftest import CONFIG

RATES = {"CNY": FxRate("CNY", 7.0, date(2025, 10, 10), "t"), "AUD": FxRate("AUD", 1.5, date(2025, 10, 10), "t")}
FY0 = ModelYear(net_income=80.0, total_equity=900.0, minority_interests=0.0, shares=100.0, ebit=120.0,
                d_and_a=40.0, cash=0.0, borrowings=0.0, dps=0.2)  # fmt: skip
# FY2025: EPS 1.0, BVPS 10, DPS 0.3, EBITDA 150 + 50 = 200 (2.0 a share), net debt 300 − 100 = 200
FY1 = ModelYear(net_income=100.0, total_equity=1000.0, minority_interests=0.0, shares=100.0, ebit=150.0,
                d_and_a=50.0, cash=100.0, borrowings=300.0, dps=0.3)  # fmt: skip
# FY2026: EPS 1.5, BVPS 11, DPS 0.5, EBITDA 250 (2.5 a share)
FY2 = ModelYear(net_income=150.0, total_equity=1100.0, minority_interests=0.0, shares=100.0, ebit=200.0,
                d_and_a=50.0, cash=100.0, borrowings=100.0, dps=0.5)  # fmt: skip
MODEL = HouseModel("m", "CNY", {2024: FY0, 2025: FY1, 2026: FY2}, as_of=date(2025, 1, 1))
DECEMBER = Company("T", "December Co", "G", "CNY", "CNY", 12, model=MODEL)
PRICE = 20.0


def row_at(company: Company, day: date, price: float = PRICE):  # type: ignore[no-untyped-def]
    return comp_row(company, Quote(company.ticker, price, company.currency, day, "store"), RATES, day, RowRules())


def test_share_of_fy1_to_run_by_hand() -> None:
    # December year end on 10 Oct 2025: 21 days of October left after the 10th, 30 of November, 31 of December
    assert fy1_share_to_run(date(2025, 10, 10), 2025, 12) == pytest.approx(82 / 365)
    # June year end (FY2026 = July 2025 to June 2026): 82 days to 31 Dec, then 31+28+31+30+31+30 = 181
    assert fy1_share_to_run(date(2025, 10, 10), 2026, 6) == pytest.approx(263 / 365)
    assert fy1_share_to_run(date(2024, 3, 1), 2024, 12) == pytest.approx(305 / 366)  # a leap year has 366 days
    assert fy1_share_to_run(date(2025, 12, 31), 2025, 12) == 0.0  # the day FY1 ends
    assert fy1_share_to_run(date(2026, 2, 15), 2025, 12) == 0.0  # ended, not yet reported: FY2's months ahead
    assert fy1_share_to_run(date(2025, 12, 30), 2025, 12) == pytest.approx(1 / 365)


def test_december_year_end_house_model_by_hand() -> None:
    row = row_at(DECEMBER, date(2025, 10, 10))
    s = 82 / 365
    assert row.fy1 == 2025 and row.fy1_share == pytest.approx(s)
    ntm = row.ntm
    assert ntm.pe == pytest.approx(20 / (s * 1.0 + (1 - s) * 1.5))
    assert ntm.pb == pytest.approx(20 / (s * 10 + (1 - s) * 11))
    assert ntm.dy == pytest.approx((s * 0.3 + (1 - s) * 0.5) / 20)
    assert ntm.roe == pytest.approx(s * 100 / 950 + (1 - s) * 150 / 1050)  # each year: NI ÷ average equity
    # EV as the FY1 multiple takes it: 20 × 100 + net debt 200 = 2,200 (22 a share) over the blended EBITDA a share
    assert ntm.ev_ebitda == pytest.approx(22 / (s * 2.0 + (1 - s) * 2.5))
    assert row.years[2025].ev_ebitda == pytest.approx(2200 / 200)  # the FY1 multiple the EV is shared with


def test_june_year_end_consensus_implied_figures_by_hand() -> None:
    # quoted at 15: EPS 15/30 = 0.5 and 15/20 = 0.75; BVPS 5 and 6; EBITDA (per share, price terms) 1.25 and 1.5;
    # DPS 0.02 × 15 = 0.3 and 0.45
    years = {2026: ConsensusYear(30.0, 3.0, 12.0, 0.10, 0.02), 2027: ConsensusYear(20.0, 2.5, 10.0, 0.12, 0.03)}
    lynas = Company("LYC.AX", "June Co", "G", "AUD", "AUD", 6,
                    consensus=Consensus("u", 15.0, date(2025, 10, 1), years))  # fmt: skip
    row = row_at(lynas, date(2025, 10, 10), price=18.0)
    s = 263 / 365
    assert row.fy1 == 2026 and row.fy1_share == pytest.approx(s)
    assert row.ntm.pe == pytest.approx(18 / (s * 0.5 + (1 - s) * 0.75))
    assert row.ntm.pb == pytest.approx(18 / (s * 5 + (1 - s) * 6))
    assert row.ntm.ev_ebitda == pytest.approx(18 / (s * 1.25 + (1 - s) * 1.5))
    assert row.ntm.roe == pytest.approx(s * 0.10 + (1 - s) * 0.12)
    assert row.ntm.dy == pytest.approx((s * 0.3 + (1 - s) * 0.45) / 18)


def test_on_the_day_fy1_ends_ntm_is_fy2() -> None:
    row = row_at(DECEMBER, date(2025, 12, 31))
    assert row.fy1 == 2025 and row.fy1_share == 0.0
    fy2 = row.years[2026]
    for metric in ("pe", "pb", "roe", "dy"):
        assert row.ntm.get(metric) == pytest.approx(fy2.get(metric)), metric
    assert row.ntm.pe == pytest.approx(20 / 1.5)
    assert row.ntm.ev_ebitda == pytest.approx(22 / 2.5)  # today's EV (FY1's) over FY2's EBITDA a share
    day_before = row_at(DECEMBER, date(2025, 12, 30))
    assert day_before.ntm.pe == pytest.approx(20 / (1.0 / 365 + 1.5 * 364 / 365))
    without_fy1 = replace(DECEMBER, model=replace(MODEL, years={2024: FY0, 2026: FY2}))
    assert row_at(without_fy1, date(2025, 12, 31)).ntm.pe == pytest.approx(20 / 1.5)  # FY1 has no weight
    assert row_at(without_fy1, date(2025, 10, 10)).ntm.pe is NA  # ... but it has one before its end


def test_na_without_fy2_and_nm_for_a_blended_loss() -> None:
    no_fy2 = replace(DECEMBER, model=replace(MODEL, years={2024: FY0, 2025: FY1}))
    row = row_at(no_fy2, date(2025, 10, 10))
    assert row.years[2025].pe == pytest.approx(20.0)
    assert all(row.ntm.get(m) is NA for m in ("pe", "pb", "ev_ebitda", "roe", "dy"))
    # FY1 a loss of −10 a share, FY2 +1.5: blended −10·s + 1.5·(1 − s) < 0 at s = 82/365 → NM, its input kept
    loss = replace(DECEMBER, model=replace(MODEL, years={2024: FY0, 2025: replace(FY1, net_income=-1000.0), 2026: FY2}))
    s = 82 / 365
    row = row_at(loss, date(2025, 10, 10))
    assert row.ntm.pe is NM and row.ntm.raw["pe"] == pytest.approx(-10 * s + 1.5 * (1 - s))


@given(
    st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False), st.floats(0.0, 1.0, allow_nan=False)
)
def test_blend_lies_between_the_years(fy1: float, fy2: float, share: float) -> None:
    value = blend(fy1, fy2, share)
    assert isinstance(value, float)
    assert min(fy1, fy2) - 1e-6 <= value <= max(fy1, fy2) + 1e-6
    assert blend(fy1, NA, share) is NA and blend(NM, fy2, 0.0) == fy2


BASE = ["--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]


def _csv(*args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(app, ["screen", *BASE, *args])
    assert result.exit_code in (0, 4), result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _share(day: date, month: int) -> float:
    """FY1's share to run, independently: the fiscal year ending in ``month`` that is not reported 90 days on."""
    year = day.year - 1
    while True:
        end = date(year, month, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
        if (day - end).days < 90:
            start = date(year - 1, month, end.day)
            return max((end - day).days, 0) / (end - start).days
        year += 1


def test_pm_csv_ntm_columns_recomputed_from_fy1_and_fy2() -> None:
    rows = _csv("--format", "csv")
    header = list(rows[0])
    at = header.index("pe_ntm")
    assert header[at - 1 : at + 5] == ["weight", "pe_ntm", "pb_ntm", "ev_ebitda_ntm", "roe_ntm", "dy_ntm"]
    assert header[-1] == "tags"
    month = {"LYC.AX": 6, "4063.T": 3, "6762.T": 3}  # June and March year ends; the others December
    checked = 0
    for r in (r for r in rows if r["row_type"] == "company"):
        s = _share(date(2025, 10, 10), month.get(r["ticker"], 12))
        pairs = {m: (r[f"{m}_fy1"], r[f"{m}_fy2"]) for m in ("pe", "pb", "roe", "dy")}
        for metric, (one, two) in pairs.items():
            if "NA" in (one, two) or "NM" in (one, two):
                continue
            a, b = float(one), float(two)
            # P/E, P/B: price / (s·price/a + (1 − s)·price/b); ROE, DY: the blend itself
            want = 1 / (s / a + (1 - s) / b) if metric in ("pe", "pb") else s * a + (1 - s) * b
            assert float(r[f"{metric}_ntm"]) == pytest.approx(want, rel=1e-6), (r["ticker"], metric)
            checked += 1
        if r["pe_fy2"] == "NA":
            assert r["pe_ntm"] == "NA", r["ticker"]
    assert checked > 40


def test_ntm_aggregates_and_sort() -> None:
    rows = _csv("--format", "csv", "--sort", "pe_ntm")
    producers = [r for r in rows if r["group"] == "Producers"]
    companies = [r for r in producers if r["row_type"] == "company"]
    values = [float(r["pe_ntm"]) for r in companies if r["pe_ntm"] not in ("NA", "NM")]
    assert values == sorted(values)  # ranked by P/E NTM, lowest first, NA last
    assert [r["pe_ntm"] for r in companies[len(values) :]] == ["NA"] * (len(companies) - len(values))
    stat = next(r for r in producers if r["row_type"] == "median")
    counted = [float(r["pe_ntm"]) for r in companies if r["pe_ntm"] not in ("NA", "NM")]
    assert float(stat["pe_ntm"]) == pytest.approx(median(counted))
    bad = CliRunner().invoke(app, ["screen", "--config", str(CONFIG), "--source", "snapshot", "--sort", "pe_ntx"])
    assert bad.exit_code == 2 and "pe_ntm" in bad.output


def test_table_shows_ntm_with_columns() -> None:
    result = CliRunner().invoke(app, ["screen", *BASE, "--columns", "pe_ntm,roe_ntm", "600111.SS"])
    assert result.exit_code in (0, 4), result.output
    assert "P/E NTM" in result.output and "ROE NTM" in result.output
    nre = next(r for r in _csv("--format", "csv") if r["ticker"] == "600111.SS")
    assert f"{float(nre['pe_ntm']):.1f}x" in result.output and f"{float(nre['roe_ntm']) * 100:.1f}%" in result.output


@pytest.mark.parametrize("basis", ["fy1", "fy2", "ntm"])
def test_chart_peers_basis_plots_those_columns(tmp_path: Path, basis: str) -> None:
    out, table = tmp_path / "peers.png", tmp_path / "peers.csv"
    args = ["chart", "peers", *BASE]
    args += ["--out", str(out), "--table", str(table)] + (["--basis", basis] if basis != "ntm" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    plotted = list(csv.DictReader(io.StringIO(table.read_text())))
    assert list(plotted[0])[3:5] == [f"roe_{basis}", f"pb_{basis}"]  # the table states the basis
    comps = {r["ticker"]: r for r in _csv("--format", "csv") if r["row_type"] == "company"}
    for point in plotted:
        assert float(point[f"pb_{basis}"]) == pytest.approx(float(comps[point["ticker"]][f"pb_{basis}"]), abs=1e-4)
        assert float(point[f"roe_{basis}"]) == pytest.approx(float(comps[point["ticker"]][f"roe_{basis}"]), abs=1e-6)
    with_both = {t for t, r in comps.items() if "NA" not in (r[f"pb_{basis}"], r[f"roe_{basis}"])}
    assert {p["ticker"] for p in plotted} == with_both - {"6680.HK"}  # one point per issuer (the A line)
    bad = CliRunner().invoke(app, [*args[:-2], "--basis", "ltm"])
    assert bad.exit_code == 2 and "--basis" in bad.output


def test_nre_worked_example_of_methods() -> None:
    nre = next(r for r in _csv("--format", "csv") if r["ticker"] == "600111.SS")
    s = 82 / 365
    eps = s * 2172 / 3615 + (1 - s) * 3496 / 3615  # the house model's net income ÷ shares, FY2025E and FY2026E
    assert float(nre["price"]) == 53.13
    assert float(nre["pe_ntm"]) == pytest.approx(53.13 / eps) == pytest.approx(60.047, abs=1e-3)


def test_todays_ev_comes_from_fy2_when_fy1_has_none_and_no_weight() -> None:
    from screener.core.estimates import YearMultiples
    from screener.core.ntm import ntm_multiples

    fy1, fy2 = YearMultiples(figures={"eps": 1.0}), YearMultiples(figures={"eps": 2.0, "ebitda": 3.0, "ev": 50.0})
    assert ntm_multiples(fy1, fy2, 0.0, 50.0).ev_ebitda == pytest.approx(50.0 / 3.0)
    assert ntm_multiples(fy1, fy2, 0.5, 50.0).ev_ebitda is NA  # FY1 still weighs: its EV (today's) is needed
