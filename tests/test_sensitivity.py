"""#23 item 2: `screener sensitivity` — the initiation's FY2026E P/E grids (oxide gross margin × sales volume at
the 15:00 prices of 10 Oct 2025) from the house models. The expected grids are computed here with numpy straight
from ../shared/spec/reference/house_model_tables_nre_cre.csv (not from the universe file the tool reads); the two
cells the initiation prints are checked at their printed precision."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle

from screener.cli import app
from screener.core import sensitivity as sens
from screener.core.values import NA, NM

from .conftest import CONFIG, REFERENCE, EnvRunner, make_env, need

AS_OF = ("--as-of", "2025-10-10", "--source", "snapshot")
PRICE_1500 = {"600111.SS": 52.48, "000831.SZ": 54.67}
"""The published grids' prices: 10 Oct 2025 15:00."""
HEADER = "ticker,fiscal_year,segment,gp_margin,volume,asp,net_income,eps,pe,is_base"
OFFSETS = np.arange(-3, 4)


def reference(ticker: str, year: int = 2026) -> dict[str, float]:
    """The FY figures the grid needs, read from the reference file (oxide segment; income statement)."""
    facts: dict[tuple[str, str, str], float] = {}
    with need(REFERENCE / "house_model_tables_nre_cre.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["ticker"] == ticker and int(row["year"]) == year:
                facts[(row["table"], row["section"], row["item"])] = float(row["value"])
    return {
        "asp": facts[("assumptions", "ASP (Rmb/t)", "Rare Earth Oxide")],
        "volume": facts[("assumptions", "Sales volume (ton)", "Rare Earth Oxide")],
        "ugp": facts[("assumptions", "Unit gross profit (Rmb/t)", "Rare Earth Oxide")],
        "net_income": facts[("income_statement", "", "Net income")],
        "shares": facts[("balance_sheet", "", "Share capital")],
        "pbt": facts[("income_statement", "", "Profit before tax")],
        "tax": -facts[("income_statement", "", "Income tax expense")],
        "minorities": -facts[("income_statement", "", "Minority interests")],
    }


def expected_grid(ticker: str, keep: float = 1.0) -> dict[str, np.ndarray]:
    """margin (rows) × volume (cols), 1 pp and 1,000 t steps: NI = NI₀ + keep × ASP (v m − v₀ m₀) / 10⁶."""
    r = reference(ticker)
    m0 = r["ugp"] / r["asp"]
    margins, volumes = m0 + OFFSETS * 0.01, r["volume"] + OFFSETS * 1000.0
    m, v = np.meshgrid(margins, volumes, indexing="ij")
    income = r["net_income"] + keep * r["asp"] * (v * m - r["volume"] * m0) / 1e6
    eps = income / r["shares"]
    return {"margin": m, "volume": v, "net_income": income, "eps": eps, "pe": PRICE_1500[ticker] / eps}


def run(*args: str) -> object:
    return EnvRunner(lambda: make_env(width=200)).invoke(app, ["--config", str(CONFIG), *args])


def grid_csv(ticker: str, *extra: str) -> list[dict[str, str]]:
    result = run("sensitivity", ticker, "--price", str(PRICE_1500[ticker]), *AS_OF, "--format", "csv", *extra)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.stdout  # type: ignore[attr-defined]
    assert text.splitlines()[0] == HEADER
    return list(csv.DictReader(io.StringIO(text)))


def grid_json(ticker: str, *extra: str) -> dict:
    result = run("sensitivity", ticker, "--price", str(PRICE_1500[ticker]), *AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined]


# --- the published grids ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ticker", "margin", "volume", "printed", "decimals"),
    [("600111.SS", 0.100, 41026, 57.3, 1), ("000831.SZ", 0.203, 8852, 167, 0)],
)
def test_the_two_published_cells(ticker: str, margin: float, volume: int, printed: float, decimals: int) -> None:
    rows = grid_csv(ticker)
    (corner,) = [r for r in rows if float(r["volume"]) == volume and round(float(r["gp_margin"]), 3) == margin]
    assert round(float(corner["pe"]), decimals) == printed
    assert corner is rows[0]  # the top-left cell: lowest margin, lowest volume


@pytest.mark.parametrize(("ticker", "precision"), [("600111.SS", 0.1), ("000831.SZ", 1.0)])
def test_every_cell_against_numpy_from_the_reference_figures(ticker: str, precision: float) -> None:
    rows = grid_csv(ticker)
    want = expected_grid(ticker)
    asp = reference(ticker)["asp"]
    assert len(rows) == 49
    for index, row in enumerate(rows):
        r, c = divmod(index, 7)
        assert row["ticker"] == ticker and row["fiscal_year"] == "2026" and row["segment"] == "oxide"
        assert float(row["gp_margin"]) == pytest.approx(want["margin"][r, c], abs=1e-9)
        assert float(row["volume"]) == want["volume"][r, c]
        assert float(row["asp"]) == asp  # held: not an axis of the default grid
        for key in ("net_income", "eps", "pe"):
            assert float(row[key]) == pytest.approx(want[key][r, c], rel=1e-9), (ticker, r, c, key)
        # the printed precision of the published grid: the rounded values agree
        assert abs(round(float(row["pe"]) / precision) - round(want["pe"][r, c] / precision)) == 0
        assert row["is_base"] == ("true" if (r, c) == (3, 3) else "false")


def test_the_table_marks_the_base_cell_and_says_the_method() -> None:
    result = run("sensitivity", "600111.SS", "--price", "52.48", *AS_OF)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "FY2026E P/E sensitivity" in out and "54.3x*" in out and "57.3x" in out
    assert out.count("*") >= 2  # the marked cell and its legend line
    assert "untaxed" in out and "52.48" in out


def test_without_price_the_market_price_at_the_as_of_date() -> None:
    data = json.loads(run("sensitivity", "600111.SS", *AS_OF, "--format", "json").stdout)
    assert data["price"] == 53.13 and data["price_source"] == "snapshot" and data["price_date"] == "2025-10-10"
    base = next(c for c in data["cells"] if c["is_base"])
    assert base["pe"] == pytest.approx(53.13 / (3496 / 3615), rel=1e-12)


# --- after tax, solve, the other metrics and drivers --------------------------------------------------------------
@pytest.mark.parametrize("ticker", ["600111.SS", "000831.SZ"])
def test_after_tax_applies_the_years_tax_rate_and_minority_share(ticker: str) -> None:
    r = reference(ticker)
    rate = r["tax"] / r["pbt"]
    share = r["minorities"] / (r["pbt"] - r["tax"])
    want = expected_grid(ticker, keep=(1 - rate) * (1 - share))
    data = grid_json(ticker, "--after-tax")
    assert data["after_tax"] is True
    assert data["tax_rate"] == pytest.approx(rate) and data["minority_share"] == pytest.approx(share)
    for cell in data["cells"]:
        assert cell["net_income"] == pytest.approx(want["net_income"][cell["row"], cell["col"]], rel=1e-12)
        assert cell["pe"] == pytest.approx(want["pe"][cell["row"], cell["col"]], rel=1e-12)
    plain = grid_json(ticker)
    assert plain["cells"][0]["pe"] > data["cells"][0]["pe"]  # taxed, a cut in gross profit hurts less


@pytest.mark.parametrize(("after_tax", "target"), [(False, 40.0), (True, 40.0), (False, 60.0)])
def test_solve_pe_against_a_computation_here(after_tax: bool, target: float) -> None:
    r = reference("600111.SS")
    keep = (1 - r["tax"] / r["pbt"]) * (1 - r["minorities"] / (r["pbt"] - r["tax"])) if after_tax else 1.0
    m0 = r["ugp"] / r["asp"]
    wanted_income = 52.48 / target * r["shares"]
    asp = r["asp"] + (wanted_income - r["net_income"]) * 1e6 / (keep * r["volume"] * m0)
    data = grid_json("600111.SS", "--solve-pe", str(target), *(["--after-tax"] if after_tax else []))
    assert data["solve"]["target_pe"] == target
    assert data["solve"]["asp"] == pytest.approx(asp, rel=1e-12)
    # at that ASP (margin and volume held) the P/E is the target: net income from the house formula
    income = r["net_income"] + keep * (asp - r["asp"]) * r["volume"] * m0 / 1e6
    assert 52.48 / (income / r["shares"]) == pytest.approx(target, rel=1e-9)


def test_solve_pe_is_nm_when_no_positive_asp_gives_it() -> None:
    data = grid_json("600111.SS", "--solve-pe", "1000")  # NI 190m needs a negative ASP
    assert data["solve"]["asp"] == "NM"
    table = run("sensitivity", "600111.SS", "--price", "52.48", *AS_OF, "--solve-pe", "1000").stdout
    assert "P/E of 1000x" in table and ": NM" in table


def test_upside_and_etr_move_the_target_with_eps_at_the_implied_pe() -> None:
    data = grid_json("600111.SS", "--metric", "upside")
    eps0 = 3496 / 3615
    for cell in data["cells"]:
        upside = 72.0 * cell["eps"] / eps0 / 52.48 - 1
        assert cell["upside"] == pytest.approx(upside, rel=1e-12)
        assert cell["etr"] == pytest.approx(upside + 0.08 / 52.48, rel=1e-12)  # FY1 DPS 0.08 / price
    base = next(c for c in data["cells"] if c["is_base"])
    assert base["upside"] == pytest.approx(72 / 52.48 - 1)  # the published 37.2%
    table = run("sensitivity", "600111.SS", "--price", "52.48", *AS_OF, "--metric", "etr").stdout
    assert "37.3%*" in table and "ETR sensitivity" in table  # the published ETR at the base


def test_asp_rows_hold_the_margin() -> None:
    r = reference("600111.SS")
    data = grid_json("600111.SS", "--rows", "asp", "--cols", "volume", "--asp-step", "5000", "--steps", "2")
    assert data["rows"]["values"] == [r["asp"] + k * 5000 for k in range(-2, 3)]
    m0 = r["ugp"] / r["asp"]
    for cell in data["cells"]:
        assert cell["gp_margin"] == pytest.approx(m0)
        income = r["net_income"] + (cell["asp"] * cell["volume"] - r["asp"] * r["volume"]) * m0 / 1e6
        assert cell["net_income"] == pytest.approx(income, rel=1e-12)
    assert len(data["cells"]) == 25
    default_step = grid_json("600111.SS", "--rows", "asp", "--steps", "1")["rows"]["values"]
    assert default_step == pytest.approx([r["asp"] * 0.95, r["asp"], r["asp"] * 1.05])  # 5% of the base ASP


def test_a_loss_cell_has_no_pe() -> None:
    data = grid_json("000831.SZ", "--margin-step", "10")  # 23.3% − 30 pp: a gross loss
    corner = data["cells"][0]
    assert corner["gp_margin"] < 0 and corner["eps"] < 0 and corner["pe"] == "NM"
    rows = grid_csv("000831.SZ", "--margin-step", "10")
    assert rows[0]["pe"] == "NM"


# --- errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["600259.SS"], ["producers.toml:", "600259.SS", "[company.model.segments.oxide]", "volume_t"]),
        (["000831.SZ", "--segment", "salt"], ["[company.model.segments.salt]"]),
        (["600111.SS", "--year", "2030"], ["has no FY2030", "2018, 2019"]),
        (["000831.SZ", "--year", "2024", "--after-tax"], ["--after-tax", "profit before tax"]),
        (["600111.SS", "--rows", "volume"], ["--rows and --cols must differ"]),
        (["600111.SS", "--cols", "price"], ["--cols must be one of margin, volume, asp"]),
        (["600111.SS", "--metric", "pb"], ["--metric must be one of pe, eps, upside, etr"]),
        (["600111.SS", "--volume-step", "20000"], ["--volume-step", "must stay > 0"]),
        (["600111.SS", "--segment", "alloy"], ["--segment must be one of oxide, salt, metal, got 'alloy'"]),
    ],
)
def test_bad_requests_are_exit_2_naming_what_is_needed(args: list[str], needles: list[str]) -> None:
    result = run("sensitivity", *args, *AS_OF)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


# --- the heatmap --------------------------------------------------------------------------------------------------
def test_chart_sensitivity_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    result = run("chart", "sensitivity", "600111.SS", "--price", "52.48", *AS_OF, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("chart", "sensitivity", "600259.SS", *AS_OF, "--out", str(tmp_path / "x.png"))
    assert bad.exit_code == 2 and "[company.model.segments.oxide]" in bad.stderr


def _result(ticker: str, margin_step: float = 0.01):  # type: ignore[no-untyped-def]
    from datetime import date

    from screener.app.results import SensitivityResult

    r = reference(ticker)
    base = sens.Base(r["net_income"], r["shares"], r["volume"], r["asp"], r["ugp"] / r["asp"], PRICE_1500[ticker])
    grid = sens.grid(base, "margin", "volume", 3, {"margin": margin_step, "volume": 1000.0, "asp": 1.0})
    return SensitivityResult(ticker, ticker, "CNY", "CNY", 2026, "oxide", "Rare Earth Oxide", "pe", grid,
                             date(2025, 10, 10), "--price", None, False, NM, NM)  # fmt: skip


def test_heatmap_through_matplotlibs_objects() -> None:
    from screener.render.charts_sensitivity import sensitivity_figure

    fig = sensitivity_figure(_result("600111.SS"))
    ax = fig.axes[0]
    shown = np.ma.getdata(ax.images[0].get_array())
    np.testing.assert_allclose(shown, expected_grid("600111.SS")["pe"], rtol=1e-12)
    texts = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text() for t in ax.texts}
    assert len(texts) == 49 and texts[(0, 0)] == "57.3x" and texts[(3, 3)] == "54.3x*"
    (outline,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert outline.get_xy() == (2.5, 2.5) and outline.get_width() == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{44026 + k * 1000:,}" for k in range(-3, 4)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"{m}.0%" for m in range(10, 17)]
    assert ax.images[0].get_cmap().name.endswith("_r")  # a low P/E is green
    assert "FY2026E P/E" in ax.get_title(loc="left")


def test_heatmap_greys_out_nm_cells() -> None:
    from screener.render.charts_sensitivity import MISSING_COLOUR, sensitivity_figure

    fig = sensitivity_figure(_result("000831.SZ", margin_step=0.1))
    image = fig.axes[0].images[0]
    mask = np.ma.getmaskarray(image.get_array())
    assert mask[0, 0] and not mask[3, 3]  # the gross-loss corner is NM
    assert image.get_cmap().get_bad()[:3] == pytest.approx(tuple(int(MISSING_COLOUR[i : i + 2], 16) / 255
                                                                  for i in (1, 3, 5)))  # fmt: skip
    assert fig.axes[0].texts[0].get_text() == "NM"


# --- invariants ---------------------------------------------------------------------------------------------------
drivers = st.fixed_dictionaries({
    "net_income": st.floats(-5000, 5000), "shares": st.floats(10, 5000), "volume": st.floats(100, 1e5),
    "asp": st.floats(1000, 1e6), "margin": st.floats(0.01, 0.9), "price": st.floats(1, 500),
    "keep": st.floats(0.3, 1.0),
})  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(drivers, st.floats(1, 200))
def test_solving_then_pricing_gives_the_target_pe(d: dict[str, float], target: float) -> None:
    base = sens.Base(**d)
    asp = sens.solve_asp(base, target)
    if asp is NM:  # then no positive ASP reaches it: the income the target needs is below the ASP → 0 income
        assert sens.net_income(base, base.margin, base.volume, 1e-9) > base.price / target * base.shares - 1e-6
        return
    cell = sens.cell(base, base.margin, base.volume, float(asp))  # type: ignore[arg-type]
    assert cell.pe == pytest.approx(target, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(drivers, st.integers(1, 5))
def test_the_base_cell_is_the_model_and_income_is_linear_in_gross_profit(d: dict[str, float], steps: int) -> None:
    base = sens.Base(**d)
    grid = sens.grid(base, "margin", "volume", steps, {"margin": 0.01, "volume": 50.0, "asp": 1.0})
    (centre,) = [c for c in grid.cells if c.is_base]
    assert (centre.row, centre.col) == (steps, steps) and centre.net_income == base.net_income
    for c in grid.cells:
        change = base.keep * base.asp * (c.volume * c.gp_margin - base.volume * base.margin) / 1e6
        assert c.net_income - base.net_income == pytest.approx(change, abs=1e-6 * max(1.0, abs(change)))
    assert len(grid.cells) == (2 * steps + 1) ** 2


def test_after_tax_without_the_tax_lines_names_what_the_model_year_needs(tmp_path: Path) -> None:
    from .conftest import UNIVERSES, make_config

    config = make_config(tmp_path / "w", {"universes": {"files": [str(UNIVERSES / "magnets.toml")]}})
    text = (UNIVERSES / "producers.toml").read_text()
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace("profit_before_tax = 5264\nincome_tax = 895\n", "", 1))
    args = ["sensitivity", "600111.SS", "-u", str(mine), "--price", "52.48", *AS_OF]
    result = EnvRunner().invoke(app, ["--config", str(config), *args, "--after-tax"])
    assert result.exit_code == 2, result.output
    assert "profit_before_tax, income_tax" in result.stderr and "[company.model.years.2026]" in result.stderr
    assert f"{mine}:" in result.stderr
    plain = EnvRunner().invoke(app, ["--config", str(config), *args, "--format", "json"])  # the house method
    assert plain.exit_code == 0 and json.loads(plain.stdout)["tax_rate"] == "NA"


# --- review fixes: look-ahead, meaningless upside, minorities, solving with a negative margin ---------------------
def test_a_model_made_after_the_as_of_date_is_a_look_ahead() -> None:
    for command in (["sensitivity"], ["chart", "sensitivity"]):
        extra = ["--out", "/tmp/never-written.png"] if command[0] == "chart" else []
        result = run(*command, "600111.SS", "--as-of", "2024-06-01", "--source", "snapshot", "--price", "50", *extra)
        assert result.exit_code == 3, result.output
        assert "look-ahead" in result.stderr and "2025-10-10" in result.stderr
    assert not Path("/tmp/never-written.png").exists()


def test_upside_is_nm_where_the_cells_eps_is_not_positive() -> None:
    base = sens.Base(100.0, 10.0, 1000.0, 100_000.0, 0.2, 10.0, target_price=12.0)
    loss = sens.cell(base, -0.9, 1000.0, 100_000.0)  # ΔGP = (−0.9 − 0.2) × 10⁸ / 10⁶ = −110m: NI −10
    assert loss.eps == pytest.approx(-1.0) and loss.upside is NM and loss.etr is NM
    gain = sens.cell(base, 0.3, 1000.0, 100_000.0)  # NI 110, EPS 11: TP 12 × 11 / 10 = 13.2
    assert gain.upside == pytest.approx(13.2 / 10 - 1)


def test_minorities_taking_all_after_tax_income_leave_no_meaningful_share() -> None:
    assert sens.keep_after_tax(1200.0, 200.0, 1100.0) is NM  # μ = 1100 / 1000 > 1
    assert sens.keep_after_tax(1200.0, 200.0, 1000.0) is NM  # μ = 1: nothing reaches the parent
    assert sens.keep_after_tax(1200.0, 200.0, 250.0) == pytest.approx((1 - 200 / 1200) * (1 - 0.25))
    assert sens.after_tax_rates(1200.0, 200.0, 250.0) == pytest.approx((200 / 1200, 0.25))  # what the table says
    assert sens.after_tax_rates(1200.0, 200.0, NA) == (pytest.approx(200 / 1200), NA)
    assert sens.after_tax_rates(-5.0, 1.0, 2.0) == (NM, NM) and sens.after_tax_rates(1200.0, 200.0, 1100.0)[1] is NM
    assert sens.keep_after_tax(1200.0, 200.0, NA) is NA


def test_solving_with_a_negative_margin_finds_the_positive_asp() -> None:
    base = sens.Base(100.0, 10.0, 1000.0, 100_000.0, -0.1, 10.0)
    # P/E 5 needs NI 10 / 5 × 10 = 20; NI(a) = 100 + (a − 100,000) × 1000 × (−0.1) / 10⁶ → a = 900,000
    assert sens.solve_asp(base, 5.0) == pytest.approx(900_000.0)
    assert sens.cell(base, -0.1, 1000.0, 900_000.0).pe == pytest.approx(5.0)
    flat = sens.Base(100.0, 10.0, 1000.0, 100_000.0, 0.0, 10.0)
    assert sens.solve_asp(flat, 5.0) is NM  # the ASP moves nothing at a zero margin
