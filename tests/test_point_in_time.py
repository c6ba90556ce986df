"""Point in time: every number in a screen at D was knowable on D — prices, house views, estimates, consensus,
FX — and the freshest price on or before D wins across the sources. Hand-worked cases per input kind, a
Hypothesis property (nothing dated after D changes the output at D), YTD against independent pandas on the real
A-share files, and the snapshot's YTD against the published comp sheet."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from screener.app.scope import resolve_scope
from screener.app.screen import ScreenOptions, screen
from screener.cli import app
from screener.core.tickers import to_yahoo
from screener.data.store import Store
from screener.models import Scope
from screener.render.export import to_csv

from .conftest import REFERENCE, SHARED_DATA, EnvRunner, make_config, make_env, need

NRE_RAW = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv"
CRE_RAW = SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "000831.SZ.csv"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)

UNIVERSE = """
[universe]
name = "pit"

[[company]]
ticker = "600111.SS"
name = "NRE"
group = "Producers"
currency = "CNY"
fiscal_year_end_month = 12

[[company.house]]
rating = "Buy"
target_price = 50.0
set_on = 2021-01-04
note = "initiation"

[[company.house]]
rating = "Sell"
target_price = 30.0
set_on = 2021-06-01

[company.model]
currency = "CNY"
as_of = 2021-01-04
[company.model.years.2021]
net_income = 2000
total_equity = 20000
minority_interests = 2000
shares = 3615
dps = 0.1
[company.model.years.2022]
net_income = 2500
total_equity = 22000
minority_interests = 2200
shares = 3615
dps = 0.12

[[company]]
ticker = "000831.SZ"
name = "CRE"
group = "Producers"
currency = "CNY"
fiscal_year_end_month = 12

[company.consensus]
reference_price = 40.0
reference_date = 2021-03-01
[company.consensus.years.2021]
pe = 80.0
pb = 8.0
roe = 0.1
dy = 0.001
"""


def rows_of(result: object) -> dict[str, dict[str, str]]:
    text = result.stdout  # type: ignore[attr-defined]
    return {r["ticker"]: r for r in csv.DictReader(io.StringIO(text)) if r["row_type"] == "company"}


@pytest.fixture
def pit(tmp_path: Path) -> tuple[EnvRunner, Path]:
    """The two real raw A-share histories in the store and a universe with a view history."""
    universe = tmp_path / "pit.toml"
    universe.write_text(UNIVERSE)
    config = make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}})
    runner = EnvRunner(lambda: make_env(clock=lambda: NOW))
    for path, ticker in ((NRE_RAW, "600111.SS"), (CRE_RAW, "000831.SZ")):
        result = runner.invoke(app, ["prices", "import", str(need(path)), "--ticker", ticker, "--config", str(config)])
        assert result.exit_code == 0, result.output
    return runner, config


def screen_at(runner: CliRunner, config: Path, day: str, *extra: str) -> dict[str, dict[str, str]]:
    result = runner.invoke(app, ["screen", "--config", str(config), "--format", "csv", "--as-of", day, *extra])
    assert result.exit_code == 0, result.output
    return rows_of(result)


def test_the_view_in_force_changes_mid_history(pit: tuple[EnvRunner, Path]) -> None:
    runner, config = pit
    before = screen_at(runner, config, "2020-12-31")["600111.SS"]
    assert before["house_rating"] == "NR" and before["target_price"] == "NA" and before["in_band"] == ""
    first = screen_at(runner, config, "2021-03-01")["600111.SS"]
    assert first["house_rating"] == "Buy" and first["target_price"] == "50"
    price = float(first["price"])
    assert float(first["upside"]) == pytest.approx(50 / price - 1)
    second = screen_at(runner, config, "2021-07-01")["600111.SS"]
    assert second["house_rating"] == "Sell" and second["target_price"] == "30"
    assert float(second["upside"]) == pytest.approx(30 / float(second["price"]) - 1)


def test_estimates_after_the_as_of_date_are_not_used(pit: tuple[EnvRunner, Path]) -> None:
    runner, config = pit
    early = screen_at(runner, config, "2021-02-01")
    cre = early["000831.SZ"]  # consensus quoted on 2021-03-01 (for FY2021 = FY2 until FY2020 is reported)
    assert cre["pe_fy2"] == "NA" and cre["pb_fy2"] == "NA" and "estimate_after_as_of" in cre["flags"]
    nre = early["600111.SS"]  # house model of 2021-01-04: known (FY1 is still 2020, not modelled; FY2 2021 is)
    assert nre["fy1"] == "2020" and nre["pe_fy2"] != "NA" and "estimate_after_as_of" not in nre["flags"]
    later = screen_at(runner, config, "2021-03-02")["000831.SZ"]
    assert later["pe_fy2"] != "NA" and "estimate_after_as_of" not in later["flags"]
    # P/E re-priced from the reference: price / (40 / 80)
    assert float(later["pe_fy2"]) == pytest.approx(float(later["price"]) / 0.5)
    old = screen_at(runner, config, "2020-12-31")["600111.SS"]  # the model is of 2021-01-04
    assert old["pe_fy2"] == "NA" and "estimate_after_as_of" in old["flags"]


def test_fetched_consensus_after_the_as_of_date_is_ignored(pit: tuple[EnvRunner, Path]) -> None:
    runner, config = pit
    store = Store(config.parent / "cache", lambda: NOW)  # fetched "today", 2026-11-27
    payload = {"ticker": "000831.SZ", "earnings_estimate": {"0y": {"avg": 2.0, "numberOfAnalysts": 5,
               "currency": "CNY"}}, "analyst_price_targets": {"mean": 99.0}}  # fmt: skip
    store.write_record("consensus", "000831.SZ", payload, source="live")
    back = screen_at(runner, config, "2021-06-30")["000831.SZ"]
    assert back["target_price"] == "NA" and "consensus_target" not in back["flags"]
    assert "estimate_after_as_of" in back["flags"]


def test_fx_of_the_as_of_date_even_on_a_holiday(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    fx = tmp_path / "fx.csv"
    fx.write_text("date,value\n2020-06-29,7.07\n2020-06-30,7.06\n2020-07-03,7.05\n")  # 1-2 July: no rate
    runner.invoke(app, ["fx", "import", str(fx), "--currency", "CNY", "--config", str(config)])
    runner.invoke(app, ["prices", "import", str(need(NRE_RAW)), "--ticker", "600111.SS", "--config", str(config)])
    result = runner.invoke(app, ["screen", "--config", str(config), "--format", "json", "--as-of", "2020-07-02"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["fx"]["CNY"]["date"] == "2020-06-30" and payload["fx"]["CNY"]["per_usd"] == 7.06
    assert payload["as_of"] == "2020-07-02"
    nre = next(r for r in payload["rows"] if r["ticker"] == "600111.SS")
    assert "fx_stale" not in nre["flags"] and nre["as_of"] == "2020-07-02"
    # three weeks past the last rate: beyond [fx] max_staleness_days, the snapshot's rate (dated 2025) is used
    late = runner.invoke(app, ["screen", "--config", str(config), "--format", "json", "--as-of", "2020-07-31"])
    payload = json.loads(late.stdout)
    assert payload["fx"]["CNY"]["date"] == "2025-09-26"
    nre = next(r for r in payload["rows"] if r["ticker"] == "600111.SS")
    assert "fx_stale" in nre["flags"]


def test_the_freshest_price_wins_ties_go_to_the_store(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    cfg = ["--config", str(config)]
    (tmp_path / "mp.csv").write_text("date,adj_close\n2025-10-09,70\n2025-11-20,80\n")  # newer than the snapshot
    (tmp_path / "lyc.csv").write_text("date,adj_close\n2025-09-30,19\n")  # older than the snapshot
    (tmp_path / "nre.csv").write_text("date,close\n2025-10-10,50\n")  # the same day as the snapshot
    for name, ticker in (("mp", "MP"), ("lyc", "LYC.AX"), ("nre", "600111.SS")):
        runner.invoke(app, ["prices", "import", str(tmp_path / f"{name}.csv"), "--ticker", ticker, *cfg])
    rows = rows_of(runner.invoke(app, ["screen", "--format", "csv", "--as-of", "2025-12-01", *cfg]))
    assert rows["MP"]["source"] == "store" and rows["MP"]["price"] == "80"  # only the store has it then
    assert rows["LYC.AX"]["source"] == "snapshot" and rows["LYC.AX"]["price_date"] == "2025-10-10"
    assert rows["600111.SS"]["source"] == "store" and rows["600111.SS"]["price"] == "50"  # tie: store first
    assert rows["000831.SZ"]["source"] == "snapshot"  # only in the snapshot
    back = rows_of(runner.invoke(app, ["screen", "--format", "csv", "--as-of", "2025-10-09", *cfg]))
    assert back["MP"]["source"] == "store" and back["MP"]["price"] == "70"  # the snapshot is a day later
    assert back["LYC.AX"]["source"] == "store" and back["000831.SZ"]["source"] == "none"


def test_titles_json_and_csv_agree_on_the_as_of_date(runner: CliRunner, tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    base = ["screen", "--config", str(config), "--source", "snapshot", "--as-of", "2025-11-03"]
    table = runner.invoke(app, base)
    assert "as of 2025-11-03 (prices of 2025-10-10)" in table.output
    payload = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    assert payload["as_of"] == "2025-11-03" and {r["as_of"] for r in payload["rows"]} == {"2025-11-03"}
    rows = rows_of(runner.invoke(app, [*base, "--format", "csv"]))
    assert {r["as_of"] for r in rows.values()} == {"2025-11-03"}
    assert {r["price_date"] for r in rows.values()} == {"2025-10-10"}


# --------------------------------------------------------------------------------------------------- YTD
def independent_adjusted(path: Path) -> pd.Series:
    """An adjusted index from the raw file alone: cumulative product of close / prev_close."""
    raw = pd.read_csv(path, parse_dates=["date"], index_col="date").sort_index()
    ratio = (raw["close"] / raw["prev_close"]).fillna(1.0)
    ratio.iloc[0] = 1.0
    return ratio.cumprod() * raw["close"].iloc[0]


@pytest.mark.parametrize("day", ["2021-06-30", "2020-12-31", "2021-01-04"])
def test_ytd_and_changes_against_pandas_on_real_histories(pit: tuple[EnvRunner, Path], day: str) -> None:
    runner, config = pit
    rows = screen_at(runner, config, day)
    for ticker, path in (("600111.SS", NRE_RAW), ("000831.SZ", CRE_RAW)):
        adj = independent_adjusted(path)
        at = adj[adj.index <= pd.Timestamp(day)]
        price_day = at.index[-1]
        base = adj[adj.index <= pd.Timestamp(price_day.year - 1, 12, 31)].iloc[-1]
        assert float(rows[ticker]["ytd_change"]) == pytest.approx(at.iloc[-1] / base - 1, rel=1e-9, abs=1e-12)
        for column, months in (("chg_1m", 1), ("chg_3m", 3), ("chg_12m", 12)):
            then = adj[adj.index <= price_day - pd.DateOffset(months=months)].iloc[-1]
            assert float(rows[ticker][column]) == pytest.approx(at.iloc[-1] / then - 1, rel=1e-9, abs=1e-12)


def test_snapshot_ytd_is_the_published_column(runner: CliRunner) -> None:
    from .conftest import CONFIG

    result = runner.invoke(
        app, ["screen", "--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10", "--format", "csv"]
    )
    rows = rows_of(result)
    with need(REFERENCE / "comp_sheet_2025-10-10.csv").open() as handle:
        published = {to_yahoo(r["code_as_published"]): r["ytd_change"] for r in csv.DictReader(handle)}
    assert len(published) == 21
    for ticker, ytd in published.items():
        if ytd == "na":
            assert rows[ticker]["ytd_change"] == "NA"
        else:
            assert float(rows[ticker]["ytd_change"]) == pytest.approx(float(ytd))
        assert rows[ticker]["chg_1m"] == "NA"  # no history: NA, never a guess
    table = runner.invoke(app, ["screen", "--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"])
    assert "YTD" in table.output and "147.0%" in table.output


# ---------------------------------------------------------------------------------------- the property
@st.composite
def later_data(draw: st.DrawFn) -> dict[str, object]:
    """Random data dated after D: extra price days, house views, FX rates."""
    days = draw(st.integers(1, 400))
    return {
        "prices": draw(st.lists(st.tuples(st.integers(1, days), st.floats(1, 500)), min_size=1, max_size=5)),
        "views": draw(
            st.lists(
                st.tuples(st.integers(1, 300), st.sampled_from(["Buy", "Neutral", "Sell"]), st.floats(1, 500)),
                max_size=3,
                unique_by=lambda v: v[0],
            )
        ),
        "fx": draw(st.lists(st.tuples(st.integers(1, days), st.floats(5, 9)), max_size=4)),
    }


D = date(2021, 6, 30)


def _world(folder: Path, later: dict[str, object] | None) -> tuple[Path, Store]:
    """A universe, a store with prices and FX up to D, and (optionally) random data after D."""
    folder.mkdir(parents=True, exist_ok=True)
    text = UNIVERSE
    store = Store(folder / "cache", lambda: NOW)
    days = pd.bdate_range("2020-01-01", D)
    base = pd.DataFrame({"adj_close": np.linspace(10, 20, len(days)), "close": np.linspace(10, 20, len(days))},
                        index=days)  # fmt: skip
    fx = pd.DataFrame({"per_usd": np.linspace(7.1, 6.5, len(days))}, index=days)
    if later:
        extra = pd.DataFrame(
            {"adj_close": [p for _, p in later["prices"]], "close": [p for _, p in later["prices"]]},  # type: ignore[attr-defined]
            index=pd.DatetimeIndex([pd.Timestamp(D) + timedelta(days=d) for d, _ in later["prices"]]),  # type: ignore[attr-defined]
        )
        base = pd.concat([base, extra[~extra.index.duplicated()]])
        more_fx = pd.DataFrame(
            {"per_usd": [r for _, r in later["fx"]]},  # type: ignore[attr-defined]
            index=pd.DatetimeIndex([pd.Timestamp(D) + timedelta(days=d) for d, _ in later["fx"]]),  # type: ignore[attr-defined]
        )
        fx = pd.concat([fx, more_fx[~more_fx.index.duplicated()]])
        for offset, rating, target in later["views"]:  # type: ignore[attr-defined]
            view = f"rating = {rating!r}\ntarget_price = {target}\nset_on = {D + timedelta(days=offset)}"
            text = text.replace("[company.model]", f"[[company.house]]\n{view}\n\n[company.model]", 1)
    for ticker in ("600111.SS", "000831.SZ"):
        store.write_prices(ticker, base.sort_index(), source="import", adjusted=True)
    store.write_series("fx", "CNY", fx.sort_index(), {"source": "test fx"})
    universe = folder / "u.toml"
    universe.write_text(text)
    return universe, store


def _screen_csv(folder: Path, universe: Path) -> str:
    config = make_config(folder / "cfg", {"universes": {"files": [str(universe)]}})
    text = config.read_text().replace(str(folder / "cfg" / "cache"), str(folder / "cache"))
    config.write_text(text)
    env = make_env(config=config, clock=lambda: NOW)
    report = screen(env, ScreenOptions(resolve_scope(env, Scope("store", D))))
    return to_csv(report)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(later=later_data())
def test_nothing_dated_after_the_as_of_date_changes_the_screen(tmp_path: Path, later: dict[str, object]) -> None:
    import uuid

    run = tmp_path / uuid.uuid4().hex
    plain_universe, _ = _world(run / "plain", None)
    noisy_universe, _ = _world(run / "noisy", later)
    plain = _screen_csv(run / "plain", plain_universe)
    noisy = _screen_csv(run / "noisy", noisy_universe)
    assert noisy == plain
    assert "2021-06-30" in plain and not math.isnan(float(next(csv.DictReader(io.StringIO(plain)))["price"]))


def test_value_uses_a_universe_consensus_bvps_only_from_its_reference_date(pit: tuple[EnvRunner, Path]) -> None:
    runner, config = pit

    def forward(day: str) -> str:
        args = ["value", "000831.SZ", "--config", str(config), "--as-of", day, "--pb-mean", "2", "--pb-sd", "0.5"]
        result = runner.invoke(app, [*args, "--format", "csv"])
        assert result.exit_code == 0, result.output
        return next(csv.DictReader(io.StringIO(result.stdout)))["bvps"]

    assert forward("2021-02-01") == "NA"  # the consensus is quoted on 2021-03-01
    assert float(forward("2021-03-02")) == pytest.approx(40.0 / 8.0)  # reference price / FY2021 P/B
