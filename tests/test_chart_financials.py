"""`screener chart financials` (#15): the charted metrics by hand from the house-model figures
(reference/house_models_nre_cre.csv), the house model's years from its FY1 on hatched as estimates, stored Yahoo
statements filling in the other peers (converted to USD when currencies differ), NA/NM years without a bar, a real
non-blank PNG from the bundled universe, and the same chart in the workbook and the HTML report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from screener.app.financials_chart import FinancialsChart, financials_of
from screener.cli import app
from screener.core.financials import growth, margin
from screener.core.values import NA, NM
from screener.data.statements import FiscalYear, write_statements
from screener.data.store import Store
from screener.errors import DataUnavailable
from screener.models import Company, FxRate, ModelYear
from screener.render.charts_financials import financials_figure
from screener.universe import load_universe

from .conftest import UNIVERSES, EnvRunner, make_config, make_env
from .test_charts import check_png

AS_OF = dt.date(2025, 10, 10)  # the initiation: the house models' as_of, FY1 = 2025
# reference/house_models_nre_cre.csv: net revenue, FCF and net income, CNY m, 2022-2027 (2025-2027 estimates)
FIGURES = {
    "600111.SS": {
        "revenue": (37004, 33352, 32827, 42135, 51586, 63782),
        "fcf": (3726, 1314, -663, 299, 875, 962),
        "net_income": (5984, 2371, 1004, 2172, 3496, 4906),
    },
    "000831.SZ": {
        "revenue": (4207, 3872, 2816, 4796, 6854, 9468),
        "fcf": (1487, 266, -680, -176, 310, 250),
        "net_income": (769, 418, -287, 336, 667, 933),
    },
}
YEARS = range(2022, 2028)


def with_revenue(company: Company) -> Company:
    """The bundled company, checked to carry the house-model CSV's revenue, FCF and net income for 2022-2027."""
    assert company.model is not None
    for name, values in FIGURES[company.ticker].items():
        assert [getattr(company.model.years[y], name) for y in YEARS] == [float(v) for v in values], name
    return company


@pytest.fixture(scope="module")
def producers() -> dict[str, Company]:
    universe = load_universe(UNIVERSES / "producers.toml")
    return {c.ticker: c for c in universe.companies}


def chart(companies: list[Company], metric: str, store: Store | None = None, **kwargs: Any) -> FinancialsChart:
    fx = kwargs.pop("fx", {"CNY": FxRate("CNY", 7.2, AS_OF, "test")})
    return financials_of(companies, metric, store=store, fx=fx, day=AS_OF, report_lag_days=90, **kwargs)


def test_metrics_by_hand() -> None:
    """The charted metrics are core.financials' (one set of formulas for the chart and `screener financials`)."""
    assert growth(42_135.0, 32_827.0) == pytest.approx(42_135 / 32_827 - 1)  # NRE 2025 (house model): +28.35%
    assert margin(2_172.0, 42_135.0) == pytest.approx(2_172 / 42_135)
    assert growth(33_352.0, 37_004.0) == pytest.approx(-0.098692, abs=1e-6)  # NRE 2023: -9.87%
    assert growth(10.0, 0.0) is NM and growth(10.0, -5.0) is NM  # prior revenue <= 0
    assert margin(4.0, 0.0) is NM and margin(1.0, -1.0) is NM  # revenue <= 0
    assert growth(10.0, NA) is NA and margin(NA, 10.0) is NA
    assert margin(50.0, 200.0) == 0.25


def test_chart_data_from_the_house_models(producers: dict[str, Company]) -> None:
    nre, cre = with_revenue(producers["600111.SS"]), with_revenue(producers["000831.SZ"])
    mp = producers["MP"]  # no house model, nothing stored: left out
    data = chart([nre, cre, mp], "revenue_growth")
    assert data.years == [2023, 2024, 2025, 2026, 2027]  # 2022 has no prior year: no growth
    assert data.title == "Revenue growth by year, %" and data.unit == "%"
    bars = {b.ticker: b for b in data.companies}
    assert bars["600111.SS"].values[2025] == pytest.approx(42_135 / 32_827 - 1)
    assert bars["600111.SS"].values[2023] == pytest.approx(33_352 / 37_004 - 1)  # -9.87%
    assert bars["000831.SZ"].values[2024] == pytest.approx(2_816 / 3_872 - 1)
    assert bars["600111.SS"].estimates == {2025, 2026, 2027}  # from the model's FY1 (as of 2025-10-10) on
    assert data.left_out == ["MP Materials"]
    revenue = chart([nre, cre], "revenue", years=4, names="producers")
    assert revenue.title == "Revenue by year, CNY m — producers" and revenue.years == [2024, 2025, 2026, 2027]
    assert revenue.companies[0].values == {2024: 32_827, 2025: 42_135, 2026: 51_586, 2027: 63_782}
    assert "house model" in revenue.source and not revenue.notes
    margin = chart([cre], "net_margin")
    assert margin.companies[0].values[2024] == pytest.approx(-287 / 2_816)


def test_before_the_model_existed_it_is_not_used(producers: dict[str, Company]) -> None:
    nre = with_revenue(producers["600111.SS"])
    with pytest.raises(DataUnavailable, match="no company has revenue"):
        financials_of([nre], "revenue", store=None, fx={}, day=dt.date(2025, 6, 30), report_lag_days=90)


def _store(folder: Path) -> Store:
    return Store(folder, lambda: dt.datetime(2025, 10, 10, 12, tzinfo=dt.UTC))


def _yahoo_years(store: Store, ticker: str, currency: str, revenue: dict[int, float]) -> None:
    years = [FiscalYear(y, dt.date(y, 12, 31), False, {"revenue": r, "fcf": r / 10}) for y, r in revenue.items()]
    write_statements(store, ticker, "yahoo", years, "Yahoo annual statements", currency)


def test_stored_statements_fill_in_and_mixed_currencies_go_to_usd(
    producers: dict[str, Company], tmp_path: Path
) -> None:
    store = _store(tmp_path / "cache")
    _yahoo_years(store, "MP", "USD", {2023: 253.4, 2024: 203.9, 2025: 999.0})  # 2025 not yet reported on AS_OF
    nre = with_revenue(producers["600111.SS"])
    data = chart([nre, producers["MP"]], "revenue", store=store)
    assert data.unit == "US$ m" and data.title == "Revenue by year, US$ m"
    bars = {b.ticker: b for b in data.companies}
    assert bars["600111.SS"].values[2024] == pytest.approx(32_827 / 7.2)
    assert bars["MP"].values == {2023: 253.4, 2024: 203.9}  # no look-ahead: FY2025 is published in 2026
    assert bars["MP"].estimates == set() and bars["MP"].sources == ["yahoo (Yahoo annual statements)"]
    assert data.notes == ["amounts in several currencies converted to USD at CNY 7.2 per USD (2025-10-10, test)"]
    cre = producers["000831.SZ"]
    assert cre.model is not None
    no_revenue = dataclasses.replace(cre, model=dataclasses.replace(cre.model, years={2024: ModelYear(*([NA] * 9))}))
    only_usd = chart([no_revenue, producers["MP"]], "revenue", store=store)  # a CNY year, but no revenue in it
    assert only_usd.unit == "USD m" and not only_usd.notes and only_usd.left_out == [cre.name]
    no_fx = chart([nre, producers["MP"]], "revenue", store=store, fx={})
    assert [b.ticker for b in no_fx.companies] == ["MP"] and "no FX rate for CNY" in no_fx.left_out[0]
    growth = chart([nre, producers["MP"]], "revenue_growth", store=store)  # fractions: never converted
    assert not growth.notes and growth.unit == "%"


def test_estimates_hatched_and_missing_years_marked(producers: dict[str, Company], tmp_path: Path) -> None:
    store = _store(tmp_path / "cache")
    _yahoo_years(store, "MP", "USD", {2022: 0.0, 2023: 253.4, 2024: 203.9})  # growth 2023: NM (prior revenue 0)
    nre = with_revenue(producers["600111.SS"])
    fig = financials_figure(chart([nre, producers["MP"]], "revenue_growth", store=store))
    patches = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}
    assert patches["600111.SS:2025"].get_hatch() == "//" and patches["600111.SS:2027"].get_hatch() == "//"
    assert not patches["600111.SS:2024"].get_hatch() and not patches["MP:2024"].get_hatch()
    assert "MP:2023" not in patches  # NM: no bar ...
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "NM" in texts  # ... but its marker
    assert patches["600111.SS:2025"].get_height() == pytest.approx((42_135 / 32_827 - 1) * 100)  # in %
    assert fig.axes[0].get_title(loc="left") == "Revenue growth by year, %"
    footer = fig.texts[-1].get_text()
    assert "NM: not meaningful" in footer and "Hatched: estimates" in footer


def test_chart_financials_command_on_the_bundled_universe(tmp_path: Path) -> None:
    config = make_config(tmp_path / "work")
    store = _store(tmp_path / "work" / "cache")
    _yahoo_years(store, "MP", "USD", {2021: 331.9, 2022: 527.5, 2023: 253.4, 2024: 203.9})
    _yahoo_years(store, "LYC.AX", "AUD", {2022: 920.0, 2023: 736.0, 2024: 463.0})
    out = tmp_path / "x.png"
    args = ["chart", "financials", "--metric", "revenue", "-u", "producers", "--as-of", "2025-10-10"]
    result = EnvRunner().invoke(app, [*args, "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "left out (no data)" in result.output
    assert "converted to USD" in result.output  # AUD and USD (and CNY once the models carry revenue)
    check_png(out)
    bad = EnvRunner().invoke(app, [*args, "--config", str(config), "--out", str(out), "--metric", "ebitda"])
    assert bad.exit_code == 2 and "--metric must be one of" in bad.output


def test_help_has_examples() -> None:
    result = EnvRunner().invoke(app, ["chart", "financials", "--help"])
    assert result.exit_code == 0 and "Example" in result.output and "--metric" in result.output


# --- the workbook's Charts sheet and the HTML report ----------------------------------------------------------
def _report_store(tmp_path: Path) -> Path:
    """The bundled config with Yahoo statements stored for MP and Lynas, and a terminal estimate for MP FY2025."""
    config = make_config(tmp_path / "work")
    store = _store(tmp_path / "work" / "cache")
    _yahoo_years(store, "MP", "USD", {2022: 527.5, 2023: 253.4, 2024: 203.9})
    _yahoo_years(store, "LYC.AX", "AUD", {2022: 920.0, 2023: 736.0, 2024: 463.0})
    estimate = FiscalYear(2025, dt.date(2025, 12, 31), True, {"revenue": 300.0})
    write_statements(store, "MP", "terminal", [estimate], "mp_estimates.xlsx", "USD")
    return config


SNAPSHOT = ["--source", "snapshot", "--as-of", "2025-10-10"]


def test_workbook_charts_sheet_has_the_financials_columns(tmp_path: Path) -> None:
    import zipfile

    from openpyxl import load_workbook

    config, out = _report_store(tmp_path), tmp_path / "comps.xlsx"
    result = EnvRunner().invoke(
        app, ["export", "--out", str(out), "-u", "producers", *SNAPSHOT, "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book["Charts"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(v.startswith("Revenue by year, US$ m") and v.endswith("(chart data)") for v in cells)
    assert any(v.startswith("Revenue growth by year, %") for v in cells)
    book.close()
    with zipfile.ZipFile(out) as archive:
        charts = [archive.read(n) for n in archive.namelist() if n.startswith("xl/charts/chart")]
    columns = [c for c in charts if b'<c:barDir val="col"/>' in c]
    assert len(columns) == 2  # revenue and revenue growth, native clustered columns
    assert all(b"<a:pattFill" in c for c in columns)  # MP FY2025 (a terminal estimate) hatched
    assert all(b"<c:v>FY2025</c:v>" in c for c in columns)  # one series per fiscal year


def test_without_statements_the_workbook_notes_the_skipped_chart(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    config, out = make_config(tmp_path / "work"), tmp_path / "comps.xlsx"
    result = EnvRunner().invoke(app, ["export", "--out", str(out), "-u", "magnets", *SNAPSHOT, "--config", str(config)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    notes = [str(c.value) for c in book["Charts"]["A"] if c.value]
    assert "Revenue by year: skipped, no company has revenue (house model or stored statements)" in notes
    book.close()


def test_html_report_includes_the_revenue_figures(tmp_path: Path) -> None:
    config, out = _report_store(tmp_path), tmp_path / "r.html"
    result = EnvRunner().invoke(
        app, ["report", "--out", str(out), "-u", "producers", *SNAPSHOT, "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert 'alt="Revenue by year, US$ m — producers"' in page
    assert 'alt="Revenue growth by year, % — producers"' in page
    assert "converted to USD at" in page  # the caption says the amounts were converted


def test_fx_for_a_chart_is_only_what_was_known_on_the_day(tmp_path: Path) -> None:
    from screener.app.financials_chart import stored_fx

    env = make_env(config=make_config(tmp_path / "work"))  # an empty store: the bundled snapshot's CNY rate
    known = stored_fx(env, {"CNY"}, dt.date(2025, 10, 10))["CNY"]
    assert known.rate_date <= dt.date(2025, 10, 10)
    before = known.rate_date - dt.timedelta(days=1)
    assert stored_fx(env, {"CNY"}, before) == {}  # the only rate is dated after that day: not used


@pytest.mark.parametrize("metric", ["fcf", "net_margin", "revenue"])
def test_legend_is_clear_of_every_bar(producers: dict[str, Company], metric: str) -> None:
    nre, cre = with_revenue(producers["600111.SS"]), with_revenue(producers["000831.SZ"])
    fig = financials_figure(chart([nre, cre], metric))
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p for p in ax.patches if p.get_gid()]
    assert len(bars) == 12  # two companies × six years
    for bar in bars:
        assert not legend.overlaps(bar.get_window_extent(renderer)), bar.get_gid()
    page = fig.bbox
    assert page.x0 <= legend.x0 and legend.x1 <= page.x1 and page.y0 <= legend.y0 and legend.y1 <= page.y1
    for label in ax.get_xticklabels():  # nor over the company names
        assert not legend.overlaps(label.get_window_extent(renderer))
