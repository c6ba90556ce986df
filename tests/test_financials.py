"""Peer financial metrics (#15): the house model as statements, the metric formulas worked by hand from the house
model's figures (reference/house_models_nre_cre.csv), `screener financials`, its import, and the comp-table
columns rev_growth_fy1, eps_growth_fy1, peg_fy1, net_debt_to_ebitda_fy1."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from screener.cli import app
from screener.core import financials as fin
from screener.core.values import NA, NM
from screener.errors import UniverseError
from screener.universe import load_universe, parse_universe

from .conftest import UNIVERSES, EnvRunner, make_config, make_env

PRODUCERS = UNIVERSES / "producers.toml"


@dataclass
class Year:
    fiscal_year: int
    values: dict[str, float] = field(default_factory=dict)
    is_estimate: bool = False


# --- A. the house model as statements --------------------------------------------------------------------------
def test_house_models_carry_revenue_and_fcf_2022_to_2027() -> None:
    models = {c.ticker: c.model for c in load_universe(PRODUCERS).companies if c.model}
    nre, cre = models["600111.SS"], models["000831.SZ"]
    assert nre is not None and cre is not None
    assert sorted(nre.years) == sorted(cre.years) == [2022, 2023, 2024, 2025, 2026, 2027]
    assert [nre.years[y].revenue for y in (2022, 2023, 2024)] == [37004, 33352, 32827]
    assert nre.years[2024].fcf == -663 and nre.years[2023].borrowings == 2012 + 3255
    assert cre.years[2025].fcf == -176 and cre.years[2027].revenue == 9468
    assert nre.years[2024].gross_profit == 3239  # from the full model tables (#23)
    assert nre.years[2024].operating_cash_flow is NA  # optional: not in the model


def test_model_year_keys_are_validated_like_the_others() -> None:
    text = PRODUCERS.read_text()
    with pytest.raises(UniverseError, match="capex") as bad:
        parse_universe(Path("p.toml"), text.replace("revenue = 32827", 'revenue = 32827\ncapex = "lots"', 1))
    assert "not a number" in str(bad.value)
    with pytest.raises(UniverseError, match="unknown key") as unknown:
        parse_universe(Path("p.toml"), text.replace("revenue = 32827", "revenue = 32827\nsales = 1", 1))
    assert "sales" in str(unknown.value)
    ok = parse_universe(Path("p.toml"), text.replace("revenue = 32827", "revenue = 32827\ncapex = -2500", 1))
    nre = next(c for c in ok.companies if c.ticker == "600111.SS")
    assert nre.model is not None and nre.model.years[2024].capex == -2500


# --- C. the formulas, by hand -----------------------------------------------------------------------------------
NRE = {
    2022: {"revenue": 37004, "ebit": 7708, "d_and_a": 448, "net_income": 5984, "shares": 3615},
    2023: {"revenue": 33352, "ebit": 3283, "d_and_a": 520, "net_income": 2371, "shares": 3615,
           "total_equity": 26901, "minority_interests": 5282},
    2024: {"revenue": 32827, "ebit": 1984, "d_and_a": 713, "net_income": 1004, "shares": 3615, "fcf": -663,
           "cash": 5644, "borrowings": 2179 + 5157, "total_equity": 28155, "minority_interests": 5724},
    2025: {"revenue": 42135, "net_income": 2172, "shares": 3615},
    2026: {"revenue": 51586, "net_income": 3496, "shares": 3615},
}  # fmt: skip
CRE = {
    2023: {"revenue": 3872, "ebit": 531, "d_and_a": 60, "net_income": 418, "shares": 1061},
    2024: {"revenue": 2816, "ebit": -269, "d_and_a": 73, "net_income": -287, "shares": 1061, "cash": 910,
           "borrowings": 223},
    2025: {"revenue": 4796, "ebit": 414, "d_and_a": 74, "net_income": 336, "shares": 1061},
}  # fmt: skip


def _years(table: dict[int, dict[str, int]]) -> dict[int, Year]:
    return {y: Year(y, {k: float(v) for k, v in figures.items()}, y >= 2025) for y, figures in table.items()}


def test_nre_metrics_by_hand() -> None:
    m = fin.company_metrics(_years(NRE))
    assert m[2022].revenue_growth is NA  # no 2021
    assert m[2023].revenue_growth == pytest.approx(-0.098692, abs=1e-6)  # 33,352 / 37,004 − 1 = −9.87%
    assert m[2024].ebit_margin == pytest.approx(0.060438, abs=1e-6)  # 1,984 / 32,827
    assert m[2024].ebitda_margin == pytest.approx(0.082158, abs=1e-6)  # (1,984 + 713) / 32,827
    assert m[2024].net_debt_to_ebitda == pytest.approx(0.627364, abs=1e-6)  # (2,179 + 5,157 − 5,644) / 2,697
    assert m[2024].fcf_margin == pytest.approx(-0.020197, abs=1e-6)  # −663 / 32,827: negative, meaningful
    assert m[2024].net_margin == pytest.approx(0.030585, abs=1e-6)  # 1,004 / 32,827
    # ROE = 1,004 / average(26,901 − 5,282, 28,155 − 5,724) = 1,004 / 22,025 (the comp table's formula)
    assert m[2024].roe == pytest.approx(0.045585, abs=1e-6)
    assert m[2024].gross_margin is NA  # no gross profit in the model
    assert m[2025].eps_growth == pytest.approx(1.163347, abs=1e-6)  # 2,172 / 1,004 − 1 (shares unchanged)
    assert m[2025].is_estimate and not m[2024].is_estimate


def test_cre_loss_year_nm_and_negative_handling() -> None:
    m = fin.company_metrics(_years(CRE))
    # 2024: EBITDA = −269 + 73 = −196 <= 0 -> net debt / EBITDA NM; EBIT and net margins stay negative numbers
    assert m[2024].ebitda == -196.0
    assert m[2024].net_debt_to_ebitda is NM
    assert m[2024].ebit_margin == pytest.approx(-0.095526, abs=1e-6)  # −269 / 2,816
    # into a loss: EPS −287/1061 against 418/1061 -> −287/418 − 1 = −1.686603 (meaningful)
    assert m[2024].eps_growth == pytest.approx(-1.686603, abs=1e-6)
    # out of a loss: the prior EPS is <= 0 -> NM
    assert m[2025].eps_growth is NM
    assert m[2024].revenue_growth == pytest.approx(-0.272727, abs=1e-6)  # 2,816 / 3,872 − 1


def test_peg_by_hand_and_its_nm_rules() -> None:
    # NRE at 52.48 CNY: P/E 2025 = 52.48 / (2,172 / 3,615) = 87.346; growth 2025→2026 = 3,496 / 2,172 − 1 = 60.958%
    m = fin.company_metrics(_years(NRE), price=52.48, to_price_currency=1.0)
    assert m[2025].pe == pytest.approx(87.3459, abs=1e-3)
    assert m[2025].peg == pytest.approx(87.3459 / 60.9576, abs=1e-4)  # 1.4329
    assert m[2026].peg is NA  # no 2027 growth
    cre = fin.company_metrics(_years(CRE), price=54.67)
    assert cre[2024].pe is NM and cre[2024].peg is NM  # a loss year's P/E is NM
    assert cre[2023].peg is NM  # the next year's growth is negative
    assert fin.peg(20.0, NM) is NM and fin.peg(20.0, 0.0) is NM and fin.peg(NA, 0.2) is NA
    assert fin.peg(20.0, 0.25) == pytest.approx(0.8)  # 20x over 25%
    assert fin.company_metrics(_years(NRE))[2025].peg is NA  # no price: no P/E


def test_formula_edges() -> None:
    assert fin.growth(10.0, 0.0) is NM and fin.growth(10.0, -5.0) is NM and fin.growth(NA, 5.0) is NA
    assert fin.margin(5.0, 0.0) is NM and fin.margin(5.0, -1.0) is NM
    assert fin.free_cash_flow(NA, 900.0, -250.0) == 650.0  # OCF + capex (negative = spent)
    assert fin.free_cash_flow(100.0, 900.0, -250.0) == 100.0  # reported first
    assert fin.net_debt(NA, 300.0, 1000.0) == -700.0 and fin.net_debt(50.0, 300.0, 1000.0) == 50.0
    assert fin.net_debt_to_ebitda(-700.0, 350.0) == -2.0  # net cash: negative, meaningful
    assert fin.shareholders_equity(100.0, NA) == 100.0 and fin.shareholders_equity(100.0, 30.0) == 70.0
    # P/E converts the reporting currency into the trading currency (EPS 1 USD × 7.1 = 7.1 CNY; 71 / 7.1 = 10x)
    assert fin.price_to_earnings(71.0, 1.0, 7.1) == pytest.approx(10.0)
    assert fin.price_to_earnings(71.0, 1.0, None) is NA


# --- D. `screener financials` -----------------------------------------------------------------------------------
AS_OF = ["--source", "snapshot", "--as-of", "2025-10-10"]
HEADER = (
    "ticker,name,group,fiscal_year,is_estimate,currency,revenue,revenue_growth,gross_margin,ebitda_margin,"
    "ebit_margin,net_margin,fcf,fcf_margin,net_debt_to_ebitda,roe,eps_growth,peg,source"
)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return make_config(tmp_path / "work")


def _run(cfg: Path, *args: str, width: int = 200):  # type: ignore[no-untyped-def]
    return EnvRunner(lambda: make_env(width=width)).invoke(app, ["--config", str(cfg), *args])


def _csv(cfg: Path, *args: str) -> list[dict[str, str]]:
    result = _run(cfg, "financials", *AS_OF, "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_financials_csv_gives_the_house_models_2022_to_2027(cfg: Path) -> None:
    result = _run(cfg, "financials", "-u", "producers", *AS_OF, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    got = [(r["ticker"], r["fiscal_year"], r["is_estimate"]) for r in rows]
    expected = [(t, str(y), "true" if y >= 2025 else "false") for t in ("600111.SS", "000831.SZ")
                for y in range(2022, 2028)]  # fmt: skip
    assert got == expected
    nre = {r["fiscal_year"]: r for r in rows if r["ticker"] == "600111.SS"}
    assert float(nre["2023"]["revenue_growth"]) == pytest.approx(-0.098692, abs=1e-6)  # 33,352 / 37,004 − 1
    assert float(nre["2024"]["ebit_margin"]) == pytest.approx(0.060438, abs=1e-6)  # 1,984 / 32,827
    assert float(nre["2024"]["net_debt_to_ebitda"]) == pytest.approx(0.627364, abs=1e-6)  # 1,692 / 2,697
    assert nre["2024"]["revenue"] == "32827" and nre["2024"]["fcf"] == "-663" and nre["2024"]["currency"] == "CNY"
    assert nre["2022"]["revenue_growth"] == "NA"
    assert float(nre["2024"]["gross_margin"]) == pytest.approx(3239 / 32827)  # gross profit from the model tables
    assert {r["source"] for r in rows} == {"house model"}
    cre = {r["fiscal_year"]: r for r in rows if r["ticker"] == "000831.SZ"}
    assert cre["2024"]["net_debt_to_ebitda"] == "NM" and cre["2025"]["eps_growth"] == "NM"
    # PEG 2025 at the snapshot's 53.13: P/E = 53.13 / (2,172 / 3,615) = 88.429; ÷ 60.958 (2026 EPS growth in %)
    assert float(nre["2025"]["peg"]) == pytest.approx(1.45064, abs=1e-4)
    assert "no figures for 600259.SS" in result.stderr  # the others: a note, no rows


def test_a_year_later_the_window_still_ends_at_the_last_year_with_figures(cfg: Path) -> None:
    later = _run(cfg, "financials", "-u", "producers", "--source", "snapshot", "--as-of", "2026-11-27", "-f", "csv")
    assert later.exit_code == 0, later.output
    nre = [r["fiscal_year"] for r in csv.DictReader(io.StringIO(later.stdout)) if r["ticker"] == "600111.SS"]
    assert nre == ["2022", "2023", "2024", "2025", "2026", "2027"]  # FY1 is 2026 now; the models end in 2027


def test_financials_years_groups_and_tickers(cfg: Path) -> None:
    rows = _csv(cfg, "600111 CH", "--years", "2")
    assert [(r["ticker"], r["fiscal_year"]) for r in rows] == [("600111.SS", "2026"), ("600111.SS", "2027")]
    assert _run(cfg, "financials", *AS_OF, "-g", "nosuchgroup").exit_code == 2


def test_financials_table_marks_estimates_and_names_hidden_columns(cfg: Path) -> None:
    result = _run(cfg, "financials", "-u", "producers", *AS_OF, width=80)
    assert result.exit_code == 0, result.output
    assert "2025e" in result.stdout and "2024e" not in result.stdout
    assert "hidden at 80 columns:" in result.stdout and "PEG" in result.stdout.split("hidden at 80 columns:")[1]
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    picked = _run(cfg, "financials", "600111.SS", *AS_OF, "--columns", "peg", width=80)
    assert "PEG" in picked.stdout and "Revenue m" not in picked.stdout
    assert _run(cfg, "financials", *AS_OF, "--columns", "nope").exit_code == 2


# --- B. `screener financials import` ----------------------------------------------------------------------------
def test_import_fills_a_peer_and_names_its_source(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "lynas.csv"
    file.write_text(
        "item,unit,2024,2025,2026e\n"
        'revenue,AUD m,463.3,556.5,"1,100"\n'
        "gross_profit,AUD m,120,150,NA\n"
        "ebit,AUD m,40,20,300\n"
        "d_and_a,AUD m,60,90,100\n"
        "net_income,AUD m,85,8,250\n"
        "shares,m,934,1000,1000\n"
        "short_term_borrowings,AUD m,10,10,10\n"
        "long_term_borrowings,AUD m,,90,190\n"
        "cash,AUD m,500,300,200\n"
    )
    result = _run(cfg, "financials", "import", str(file), "--ticker", "LYC AU", "--known-on", "2025-09-30")
    assert result.exit_code == 0, result.output
    assert "stored 3 fiscal year(s) (2024–2026, 1 estimate(s)) of LYC.AX from lynas.csv" in result.stdout
    assert "(AUD)" in result.stdout
    rows = {r["fiscal_year"]: r for r in _csv(cfg, "LYC.AX")}
    assert list(rows) == ["2024", "2025", "2026"]  # Lynas FY1 = 2026 (June year end): up to 2028
    assert rows["2026"]["is_estimate"] == "true" and rows["2025"]["is_estimate"] == "false"
    assert rows["2025"]["source"] == "terminal (lynas.csv)" and rows["2025"]["currency"] == "AUD"
    assert float(rows["2025"]["revenue_growth"]) == pytest.approx(556.5 / 463.3 - 1)
    assert float(rows["2025"]["gross_margin"]) == pytest.approx(150 / 556.5)
    assert float(rows["2026"]["revenue"]) == 1100  # thousands separator read
    # 2026 net debt = 10 + 190 − 200 = 0; 2025 = 10 + 90 − 300 = −200 over EBITDA 20 + 90 = 110
    assert float(rows["2025"]["net_debt_to_ebitda"]) == pytest.approx(-200 / 110)
    assert float(rows["2024"]["net_debt_to_ebitda"]) == pytest.approx((10 - 500) / 100)  # missing long-term: none


def test_import_bad_cell_exits_2_naming_file_line_and_field(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "bad.csv"
    file.write_text("item,2023,2024\nrevenue,100,110\nebit,12,twelve\n")
    result = _run(cfg, "financials", "import", str(file), "--ticker", "MP")
    assert result.exit_code == 2
    assert f"{file}:3: ebit 2024: not a number: 'twelve'" in result.stderr
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("item,2023\nsales,100\n")
    result = _run(cfg, "financials", "import", str(unknown), "--ticker", "MP")
    assert result.exit_code == 2 and f"{unknown}:2: sales: unknown item" in result.stderr
    year = tmp_path / "year.csv"
    year.write_text("item,2023,next\nrevenue,100,110\n")
    result = _run(cfg, "financials", "import", str(year), "--ticker", "MP")
    assert result.exit_code == 2 and f"{year}:1: next: not a fiscal year" in result.stderr
    assert _csv(cfg, "MP") == []  # nothing stored


# --- E. the comp table's FY1 columns ------------------------------------------------------------------------------
NEW_COLUMNS = ["rev_growth_fy1", "eps_growth_fy1", "peg_fy1", "net_debt_to_ebitda_fy1"]


def test_comp_csv_ends_with_the_four_columns_worked_by_hand(cfg: Path) -> None:
    result = _run(cfg, "screen", *AS_OF, "--format", "csv")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header[header.index("pb_z") :][:5] == ["pb_z", *NEW_COLUMNS]  # appended after pb_z (then later ones)
    rows = {r["ticker"]: r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"}
    nre, cre = rows["600111.SS"], rows["000831.SZ"]
    assert float(nre["rev_growth_fy1"]) == pytest.approx(0.283547, abs=1e-6)  # 42,135 / 32,827 − 1
    assert float(nre["eps_growth_fy1"]) == pytest.approx(1.163347, abs=1e-6)  # 2,172 / 1,004 − 1
    # P/E FY1 at 53.13 = 53.13 / (2,172 / 3,615) = 88.4277; FY1→FY2 growth 3,496 / 2,172 − 1 = 60.9576%
    assert float(nre["peg_fy1"]) == pytest.approx(88.4277 / 60.9576, abs=1e-4)
    assert float(nre["pe_fy1"]) == pytest.approx(88.4277, abs=1e-3)  # the same P/E as the comp table's
    assert float(nre["net_debt_to_ebitda_fy1"]) == pytest.approx(0.382989, abs=1e-6)  # (2,179 + 8,157 − 8,670) / 4,350
    assert cre["eps_growth_fy1"] == "NM"  # from a 2024 loss
    assert float(cre["net_debt_to_ebitda_fy1"]) == pytest.approx(-0.907787, abs=1e-6)  # (223 + 449 − 1,115) / 488
    assert {rows[t][c] for t in ("600259.SS", "MP") for c in NEW_COLUMNS} == {"NA"}  # no figures
    payload = json.loads(_run(cfg, "screen", *AS_OF, "--format", "json").stdout)
    record = next(r for r in payload["rows"] if r.get("ticker") == "600111.SS")
    assert record["eps_growth_fy1"] == pytest.approx(1.163347, abs=1e-6)


def test_comp_columns_from_stored_statements_and_only_on_request_in_the_table(cfg: Path, tmp_path: Path) -> None:
    file = tmp_path / "mp.csv"
    file.write_text("item,2024,2025e,2026e\nrevenue,204,250,400\nnet_income,-65,10,50\nshares,163,163,163\n")
    assert _run(cfg, "financials", "import", str(file), "--ticker", "MP US", "--known-on", "2025-09-30").exit_code == 0
    result = _run(cfg, "screen", *AS_OF, "--format", "csv")
    mp = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == "MP")
    assert float(mp["rev_growth_fy1"]) == pytest.approx(250 / 204 - 1)
    assert mp["eps_growth_fy1"] == "NM" and mp["net_debt_to_ebitda_fy1"] == "NA"  # from a loss; no EBITDA
    table = _run(cfg, "screen", *AS_OF, width=200).stdout
    assert "PEG FY1" not in table and "Rev gr. FY1" not in table
    picked = _run(cfg, "screen", *AS_OF, "--columns", "rev_growth_fy1,peg_fy1", width=120).stdout
    assert "Rev gr. FY1" in picked and "PEG FY1" in picked and "22.5%" in picked  # MP: 250 / 204 − 1


def test_sources_merge_field_by_field_house_model_first(cfg: Path) -> None:
    from datetime import UTC, date, datetime

    from screener.config import load_settings
    from screener.data.statements import FiscalYear, write_statements
    from screener.data.store import Store

    store = Store(load_settings(cfg).cache_dir, lambda: datetime(2025, 10, 10, tzinfo=UTC))
    yahoo = [FiscalYear(2024, date(2024, 12, 31), values={"revenue": 30000.0, "gross_profit": 2900.0}),
             FiscalYear(2021, date(2021, 12, 31), values={"gross_profit": 2900.0})]  # fmt: skip
    write_statements(store, "600111.SS", "yahoo", yahoo, "Yahoo annual statements", "CNY")
    terminal = [FiscalYear(2024, date(2024, 12, 31), values={"gross_profit": 3100.0, "capex": -900.0}),
                FiscalYear(2021, date(2021, 12, 31), values={"revenue": 31000.0, "gross_profit": 3100.0})]  # fmt: skip
    write_statements(store, "600111.SS", "terminal", terminal, "wind.csv", "CNY")
    rows = {r["fiscal_year"]: r for r in _csv(cfg, "600111.SS", "--years", "7")}
    assert rows["2024"]["revenue"] == "32827"  # the house model wins over Yahoo's 30,000
    assert float(rows["2024"]["gross_margin"]) == pytest.approx(3239 / 32827)  # the house model over both
    assert float(rows["2021"]["gross_margin"]) == pytest.approx(3100 / 31000)  # terminal over Yahoo
    assert rows["2024"]["source"] == "mixed: house model, terminal (wind.csv)"
    assert rows["2021"]["source"] == "terminal (wind.csv)" and rows["2021"]["is_estimate"] == "false"
    assert float(rows["2022"]["revenue_growth"]) == pytest.approx(37004 / 31000 - 1)  # the prior year from the file
    assert rows["2023"]["source"] == "house model"


def test_statement_metrics_for_charts_without_prices() -> None:
    from screener.app.financials import statement_metrics

    companies = load_universe(PRODUCERS).companies
    found = statement_metrics(None, companies, date(2025, 10, 10), 90)
    assert sorted(found) == ["000831.SZ", "600111.SS"]  # the others have no figures
    nre = found["600111.SS"]
    assert nre[2023].revenue_growth == pytest.approx(-0.098692, abs=1e-6) and nre[2027].is_estimate
    assert nre[2025].peg is NA  # no price given
    assert statement_metrics(None, companies, date(2025, 10, 9), 90) == {}  # the models are dated 2025-10-10


def test_imported_estimates_count_only_from_the_day_they_were_known(cfg: Path, tmp_path: Path) -> None:
    export = tmp_path / "mp.csv"
    export.write_text(
        "item,unit,2023,2024,2025e,2026e\n"
        "revenue,USD m,253,204,300,420\nebit,USD m,-10,-90,20,60\nd_and_a,USD m,60,70,80,90\n"
        "net_income,USD m,24,-65,10,50\nshares,m,178,163,165,166\n"
    )
    imported = _run(cfg, "financials", "import", str(export), "--ticker", "MP US", "--known-on", "2025-11-01")
    assert imported.exit_code == 0, imported.output

    def years(day: str) -> list[str]:
        result = _run(cfg, "financials", "MP", "--source", "snapshot", "--as-of", day, "--format", "csv")
        assert result.exit_code == 0, result.output
        return [r["fiscal_year"] for r in csv.DictReader(io.StringIO(result.stdout))]

    assert years("2025-10-20") == ["2023", "2024"]  # the estimates were made on 2025-11-01: not yet known
    assert years("2025-11-05") == ["2023", "2024", "2025", "2026"]
    assert years("2025-02-15") == ["2023"]  # no price on that day (P/E, PEG NA) and FY2024 not yet published
    before = _run(cfg, "screen", "MP", "--source", "snapshot", "--as-of", "2025-10-20", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(before.stdout)))
    assert row["rev_growth_fy1"] == "NA" and row["peg_fy1"] == "NA"  # no look-ahead in the comp columns either
    after = _run(cfg, "screen", "MP", "--source", "snapshot", "--as-of", "2025-11-05", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(after.stdout)))
    assert float(row["rev_growth_fy1"]) == pytest.approx(300 / 204 - 1)
