"""House-view history: `view set` appends to the universe file (comments kept, validated, atomic), `view
history` lists it, `chart rating-history` draws it; the comp table uses the view in force; per-year yield checks;
drift says when its baseline is old or covers other names."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app
from screener.universe import load_universe

from .conftest import CONFIG, SHARED_DATA, UNIVERSES, EnvRunner, make_config, make_env, need

TODAY = datetime(2026, 11, 27, 12, tzinfo=UTC)
SMALL = """# my peers (a comment that must survive)
[universe]
name = "mine"

[[company]]
ticker = "600111.SS"
name = "NRE"
group = "Producers"
currency = "CNY"
fiscal_year_end_month = 12

[company.house]  # the initiation
rating = "Buy"   # conviction
target_price = 72.0
set_on = 2025-10-10

[[company]]
ticker = "MP"
name = "MP Materials"
group = "Producers"
currency = "USD"
fiscal_year_end_month = 12
"""


@pytest.fixture
def mine(tmp_path: Path) -> tuple[CliRunner, Path, Path]:
    universe = tmp_path / "mine.toml"
    universe.write_text(SMALL)
    universe.chmod(0o640)
    config = make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}})
    return EnvRunner(lambda: make_env(clock=lambda: TODAY)), config, universe


def test_view_set_appends_and_keeps_the_file(mine: tuple[CliRunner, Path, Path]) -> None:
    runner, config, universe = mine
    cfg = ["--config", str(config)]
    result = runner.invoke(app, ["view", "set", "600111 CH", "--rating", "Neutral", "--target", "80", "--note",
                                 "raised after the price move", *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Neutral TP 80 from 2026-11-27" in result.output and "in force today: Neutral TP 80" in result.output
    text = universe.read_text()
    assert "# my peers (a comment that must survive)" in text and "# the initiation" in text and "# conviction" in text
    assert text.count("[[company.house]]") == 2 and "[company.house]" not in text.replace("[[company.house]]", "")
    assert stat.S_IMODE(universe.stat().st_mode) == 0o640  # the file keeps its mode
    views = load_universe(universe).companies[0].views
    assert [(v.set_on, v.rating.value, v.target_price, v.note) for v in views] == [
        (date(2025, 10, 10), "Buy", 72.0, ""),
        (date(2026, 11, 27), "Neutral", 80.0, "raised after the price move"),
    ]
    # a company without any view gets its first one; an earlier date is inserted in order when read
    for rating, target, day in (("Buy", "90", "2026-03-02"), ("Sell", "40", "2026-01-05")):
        result = runner.invoke(app, ["view", "set", "MP", "-r", rating, "-t", target, "--on", day, *cfg])
        assert result.exit_code == 0, result.output
    mp = load_universe(universe).companies[1]
    assert [v.set_on for v in mp.views] == [date(2026, 1, 5), date(2026, 3, 2)]
    history = runner.invoke(app, ["view", "history", "MP", *cfg])
    assert history.exit_code == 0 and "2026-01-05" in history.output and "125.0%" in history.output
    assert "today" in history.output


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["600111.SS", "-r", "Hold", "-t", "80"], "--rating"),
        (["600111.SS", "-r", "Buy", "-t", "0"], "--target"),
        (["600111.SS", "-r", "Buy", "-t", "80", "--on", "2027-01-05"], "--on"),
        (["600111.SS", "-r", "Buy", "-t", "80", "--on", "2025-10-10"], "already has a view on 2025-10-10"),
        (["000831.SZ", "-r", "Buy", "-t", "80"], "in no universe"),
        (["XX YY", "-r", "Buy", "-t", "80"], "TICKER"),
    ],
)
def test_view_set_refuses_bad_views_and_leaves_the_file(
    mine: tuple[CliRunner, Path, Path], argv: list[str], needle: str
) -> None:
    runner, config, universe = mine
    before = universe.read_bytes()
    result = runner.invoke(app, ["view", "set", *argv, "--config", str(config)])
    assert result.exit_code == 2 and needle in result.output and "Traceback" not in result.output
    assert universe.read_bytes() == before


def test_views_in_the_future_are_refused_in_the_file(mine: tuple[CliRunner, Path, Path]) -> None:
    runner, config, universe = mine
    universe.write_text(SMALL.replace("set_on = 2025-10-10", "set_on = 2027-10-10"))
    result = runner.invoke(app, ["universe", "validate", str(universe), "--config", str(config)])
    assert result.exit_code == 2 and "company[0].house.set_on" in result.output and "future" in result.output


def test_the_comp_table_uses_the_view_in_force(mine: tuple[CliRunner, Path, Path]) -> None:
    runner, config, _ = mine
    cfg = ["--config", str(config), "--source", "snapshot", "--format", "csv"]
    runner.invoke(app, ["view", "set", "600111.SS", "-r", "Sell", "-t", "40", "--on", "2025-11-01",
                        "--config", str(config)])  # fmt: skip

    def nre(day: str) -> dict[str, str]:
        result = runner.invoke(app, ["screen", *cfg, "--as-of", day])
        return next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == "600111.SS")

    assert nre("2025-10-10")["house_rating"] == "Buy" and nre("2025-10-10")["target_price"] == "72"
    assert nre("2025-11-03")["house_rating"] == "Sell" and nre("2025-11-03")["target_price"] == "40"


def test_rating_history_chart(mine: tuple[CliRunner, Path, Path], tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    runner, config, _ = mine
    cfg = ["--config", str(config)]
    raw = need(SHARED_DATA / "prices" / "a_shares" / "ganlei_raw_1997_2022" / "600111.SS.csv")
    runner.invoke(app, ["prices", "import", str(raw), "--ticker", "600111.SS", *cfg])
    runner.invoke(app, ["view", "set", "600111.SS", "-r", "Buy", "-t", "25", "--on", "2021-06-01", *cfg])
    runner.invoke(app, ["view", "set", "600111.SS", "-r", "Neutral", "-t", "45", "--on", "2021-11-15", *cfg])
    out = tmp_path / "r.png"
    result = runner.invoke(app, ["chart", "rating-history", "600111.SS", "--since", "2020-06-01", "--out", str(out),
                                 *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 view(s)" in result.output
    pixels = mpimg.imread(out)
    assert pixels.shape[:2] == (720, 1200) and pixels[..., :3].mean(axis=2).var() > 0.003
    # as of 2021-12-01 only the two 2021 views are drawn
    early = runner.invoke(app, ["chart", "rating-history", "600111.SS", "--as-of", "2021-12-01", "--out", str(out),
                                *cfg])  # fmt: skip
    assert early.exit_code == 0 and "2 view(s)" in early.output
    none = runner.invoke(app, ["chart", "rating-history", "MP", "--out", str(out), *cfg])
    assert none.exit_code == 3 and "no house view" in none.output


# ------------------------------------------------------------------------------------------ yields per year
def test_yield_checks_are_per_fiscal_year(runner: CliRunner) -> None:
    base = ["--config", str(CONFIG), "--source", "snapshot", "--as-of", "2025-10-10"]
    rows = {
        r["ticker"]: r
        for r in csv.DictReader(io.StringIO(runner.invoke(app, ["screen", *base, "--format", "csv"]).stdout))
    }
    jl_mag = rows["300748.SZ"]  # FY1 yield 1.0% at P/E 52x is plausible; the FY2 figure is not
    assert float(jl_mag["dy_fy1"]) == pytest.approx(float(jl_mag["dividend_yield"]))
    assert float(jl_mag["etr"]) == pytest.approx(float(jl_mag["upside"]) + float(jl_mag["dividend_yield"]))
    shenghe = rows["600392.SS"]  # 43% FY1 yield: suspect, out of the ETR, shown marked
    assert "dy_implausible" in shenghe["flags"]
    table = runner.invoke(app, ["screen", *base, "-g", "Producers"])
    assert "43.0%?" in table.output or "31.0%?" in table.output


# ------------------------------------------------------------------------------------------ drift baseline
def test_drift_says_when_the_baseline_is_old_or_covers_other_names(tmp_path: Path) -> None:
    config = make_config(tmp_path / "w")
    producers = str(UNIVERSES / "producers.toml")

    def at(day: datetime) -> EnvRunner:
        return EnvRunner(lambda: make_env(clock=lambda: day))

    base = ["drift", "--config", str(config), "--source", "snapshot", "--format", "json"]
    at(datetime(2025, 10, 10, 17, tzinfo=UTC)).invoke(app, [*base, "-u", producers])
    # 6 weeks later, all universes; the snapshot's prices are stale by then: only --as-of makes it a later run
    result = at(datetime(2025, 11, 21, 17, tzinfo=UTC)).invoke(app, [*base, "--as-of", "2025-11-21"])
    payload = json.loads(result.stdout)
    assert payload["baseline"] == "2025-10-10"
    assert any("42 days older" in w and "max_baseline_age_days = 21" in w for w in payload["warnings"])
    assert any("different set of names: 14 added, 0 removed" in w for w in payload["warnings"])
    added = {f["ticker"] for f in payload["findings"] if f["finding"] == "added"}
    assert "300748.SZ" in added and len(added) == 14
    assert "warning: the baseline run of 2025-10-10 is 42 days older" in result.stderr
