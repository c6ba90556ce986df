"""Research belongs to the company (#19 item 3): house views, model, consensus, book values are found by ticker in
every configured universe file, whichever universe selects the company (an imported ETF universe, `screen TICKER`,
its own universe); two files giving different research are exit 2 naming both; `view set` writes to the file that
holds the research."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from screener.cli import app
from screener.universe import load_universe

from .conftest import SHARED_DATA, UNIVERSES, EnvRunner, make_config, make_env, need

TODAY = datetime(2025, 10, 16, 12, tzinfo=UTC)
"""Four trading days after the snapshot (2025-10-10): its prices are fresh, so a plain screen is as of today and the
views set up to today count; FY1 is 2025 for December year ends, 2026 for Lynas (June)."""
REMX = "holdings/REMX_vaneck_holdings_committed_2026-01-31.csv"
IDENTITY = {"group", "name", "weight"}
"""What the selecting universe decides (weight: the ETF's); every other column of the PM CSV comes from the company's
research."""
NRE_LINE = (UNIVERSES / "producers.toml").read_text().splitlines().index("[[company]]") + 1
"""The ``[[company]]`` line of 600111.SS (the file's first company) in universes/producers.toml."""
MINE_HEAD = '[universe]\nname = "mine"\n\n'
"""A universe header: the first ``[[company]]`` is on line 4."""
ENTRY = '[[company]]\nticker = "{}"\nname = "{}"\ngroup = "Mine"\ncurrency = "{}"\nfiscal_year_end_month = 12\n'
NRE = ENTRY.format("600111.SS", "China Northern (my copy)", "CNY")
ALB = ENTRY.format("ALB", "Albemarle", "USD")
VIEW = '[company.house]\nrating = "{}"\ntarget_price = {}\nset_on = {}\n'


def setup(tmp_path: Path, mine: str | None = None, *, mine_first: bool = False) -> tuple[EnvRunner, list[str], Path]:
    """Copies of producers/magnets in ``work/universes`` beside the config (configured), REMX imported there as
    ``remx`` (not configured), and ``mine.toml`` there when given (configured too; first with ``mine_first``)."""
    universes = tmp_path / "work" / "universes"
    universes.mkdir(parents=True)
    files = []
    for name in ("producers.toml", "magnets.toml"):
        files.append(str(shutil.copy(UNIVERSES / name, universes / name)))
    if mine is not None:
        (universes / "mine.toml").write_text(MINE_HEAD + mine)
        files.insert(0 if mine_first else len(files), str(universes / "mine.toml"))
    config = make_config(tmp_path / "work", {"universes": {"files": files}})
    runner = EnvRunner(lambda: make_env(clock=lambda: TODAY))
    cfg = ["--config", str(config)]
    done = runner.invoke(app, ["universe", "import-holdings", str(need(SHARED_DATA / REMX)), "--name", "remx", *cfg])
    assert done.exit_code == 0, done.output
    return runner, cfg, universes


def rows(runner: EnvRunner, cfg: list[str], *selection: str) -> dict[str, dict[str, str]]:
    """The PM CSV's company rows of ``screen SELECTION`` (the bundled snapshot), by ticker."""
    result = runner.invoke(app, ["screen", *selection, "--source", "snapshot", "--format", "csv", *cfg])
    assert result.exit_code == 0, result.output
    return {r["ticker"]: r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row_type"] == "company"}


def research(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if key not in IDENTITY}


def test_the_same_research_through_its_own_universe_an_etf_universe_and_the_ticker(tmp_path: Path) -> None:
    runner, cfg, _ = setup(tmp_path)
    own = {**rows(runner, cfg, "-u", "producers"), **rows(runner, cfg, "-u", "magnets")}
    remx = rows(runner, cfg, "-u", "remx")
    alone = rows(runner, cfg, "600111.SS")
    through_remx = rows(runner, cfg, "600111 C1", "-u", "remx")  # the ETF export's code, in the ETF universe
    common = remx.keys() & own.keys()
    assert common == {"600111.SS", "600392.SS", "LYC.AX", "MP"}
    for ticker in common:
        assert research(remx[ticker]) == research(own[ticker]), ticker
    assert alone["600111.SS"] == own["600111.SS"]
    assert through_remx["600111.SS"] == remx["600111.SS"]

    nre = remx["600111.SS"]  # identity from the selecting universe, research from producers.toml
    assert (nre["group"], nre["name"]) == ("REMX", "China Northern Rare Earth Group High-Te")
    assert (nre["weight"], own["600111.SS"]["weight"]) == ("0.0748", "NA")  # 7.48% of REMX; none in producers
    assert (nre["house_rating"], float(nre["target_price"]), nre["fy1"]) == ("Buy", 72.0, "2025")
    assert float(nre["pe_fy1"]) == pytest.approx(53.13 / (2172 / 3615))  # 88.4x: price / (net income / shares)
    assert float(nre["pb_fy1"]) == pytest.approx(53.13 / ((30596 - 6267) / 3615))  # BVPS: equity less minorities
    assert float(nre["etr"]) == pytest.approx(72 / 53.13 - 1 + 0.08 / 53.13)  # upside + FY1 DPS yield
    # Lynas reports to June (producers.toml); the import's placeholder says December: the research's year labels
    # are read with the research's fiscal year end, so FY1 is 2026 and P/E the consensus 79.9x at its price
    lynas = remx["LYC.AX"]
    assert (lynas["fy1"], float(lynas["pe_fy1"]), lynas["house_rating"]) == ("2026", pytest.approx(79.9), "Sell")

    shown = runner.invoke(app, ["universe", "show", "remx", "--columns", "ticker,house_view,estimates", *cfg])
    assert shown.exit_code == 0 and "Buy TP 72 (2025-10-10)" in shown.stdout, shown.output
    assert "house model FY2022–2027" in shown.stdout


def test_views_from_two_files_make_one_history_and_identical_duplicates_are_fine(tmp_path: Path) -> None:
    # mine.toml (configured) repeats producers' view of 2025-10-10 and adds a later one
    mine = NRE + VIEW.format("Buy", 72.0, "2025-10-10") + "\n" + VIEW.format("Neutral", 60.0, "2025-10-15")
    runner, cfg, _ = setup(tmp_path, mine.replace("[company.house]", "[[company.house]]"))
    for selection in (["-u", "producers"], ["-u", "remx"], ["-u", "mine"]):
        nre = rows(runner, cfg, *selection)["600111.SS"]
        assert (nre["house_rating"], float(nre["target_price"])) == ("Neutral", 60.0), selection
    history = runner.invoke(app, ["view", "history", "600111.SS", "-u", "remx", *cfg])
    assert history.exit_code == 0 and "2025-10-10" in history.stdout and "2025-10-15" in history.stdout


CONFLICTS = [
    ("house", NRE + VIEW.format("Sell", 30.0, "2025-10-10"), "view on 2025-10-10: Sell TP 30 here, Buy TP 72 there"),
    (
        "model",
        NRE + '[company.model]\ncurrency = "CNY"\n[company.model.years.2025]\nnet_income = 2000\nshares = 3615\n',
        "two different house models",
    ),
    (
        "fiscal_year_end_month",  # the same view, read with another fiscal year end
        NRE.replace("= 12", "= 6") + VIEW.format("Buy", 72.0, "2025-10-10"),
        "6 here, 12 there",
    ),
]


@pytest.mark.parametrize(("field", "mine", "detail"), CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_different_research_in_two_files_is_exit_2_naming_both(
    tmp_path: Path, field: str, mine: str, detail: str
) -> None:
    runner, cfg, universes = setup(tmp_path)
    (universes / "mine.toml").write_text(MINE_HEAD + mine)  # beside the config, not configured
    expected = f"error: {universes / 'mine.toml'}:4: {field}: 600111.SS: {field} differs from "
    expected += f"{universes / 'producers.toml'}:{NRE_LINE} ({detail})"
    for command in (["screen", "-u", "mine", "--source", "snapshot"], ["universe", "validate", "mine"]):
        result = runner.invoke(app, [*command, *cfg])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1, result.stderr
    assert rows(runner, cfg, "-u", "producers")["600111.SS"]["house_rating"] == "Buy"  # mine is not looked at

    # configured, it is found whichever universe is selected (magnets does not list 600111.SS)
    runner, cfg, universes = setup(tmp_path / "configured", mine)
    result = runner.invoke(app, ["screen", "-u", "magnets", "--source", "snapshot", *cfg])
    assert result.exit_code == 2 and f"{universes / 'producers.toml'}:{NRE_LINE} ({detail})" in result.stderr


def test_view_set_writes_to_the_file_holding_the_research(tmp_path: Path) -> None:
    runner, cfg, universes = setup(tmp_path)
    producers, remx = universes / "producers.toml", universes / "remx.toml"
    imported = remx.read_bytes()
    result = runner.invoke(app, ["view", "set", "600111.SS", "-u", "remx", "-r", "Neutral", "-t", "80", "--on",
                                 "2025-10-15", *cfg])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"added to {producers}" in result.stdout and result.stderr == ""
    assert remx.read_bytes() == imported
    views = load_universe(producers).companies[0].views
    assert [(v.set_on, v.rating.value, v.target_price) for v in views] == [
        (date(2025, 10, 10), "Buy", 72.0),
        (date(2025, 10, 15), "Neutral", 80.0),
    ]
    nre = rows(runner, cfg, "-u", "remx")["600111.SS"]
    assert (nre["house_rating"], float(nre["target_price"])) == ("Neutral", 80.0)

    # ALB: only in the (unconfigured) ETF universe, without research: its file, and a line on stderr saying so
    before = producers.read_bytes()
    result = runner.invoke(app, ["view", "set", "ALB", "-u", "remx", "-r", "Buy", "-t", "90", *cfg])
    assert result.exit_code == 0, result.output
    assert f"added to {remx}" in result.stdout and producers.read_bytes() == before
    assert result.stderr.count("\n") == 1 and "no configured universe lists it" in result.stderr
    assert str(remx) in result.stderr
    alb = next(c for c in load_universe(remx).companies if c.ticker == "ALB")
    assert [(v.rating.value, v.target_price) for v in alb.views] == [("Buy", 90.0)]


def test_view_set_prefers_the_research_file_then_the_first_configured_listing(tmp_path: Path) -> None:
    # mine.toml is configured FIRST and lists 600111.SS and ALB without research
    runner, cfg, universes = setup(tmp_path, NRE + "\n" + ALB, mine_first=True)
    mine, producers, remx = (universes / f"{name}.toml" for name in ("mine", "producers", "remx"))
    listed, imported = mine.read_bytes(), remx.read_bytes()
    result = runner.invoke(app, ["view", "set", "600111.SS", "-u", "remx", "-r", "Sell", "-t", "40", *cfg])
    assert result.exit_code == 0 and f"added to {producers}" in result.stdout, result.output  # research wins
    assert mine.read_bytes() == listed
    result = runner.invoke(app, ["view", "set", "ALB", "-u", "remx", "-r", "Sell", "-t", "40", *cfg])
    assert result.exit_code == 0 and f"added to {mine}" in result.stdout, result.output  # first configured listing
    assert result.stderr == "" and remx.read_bytes() == imported
    alb = next(c for c in load_universe(mine).companies if c.ticker == "ALB")
    assert [(v.set_on, v.rating.value) for v in alb.views] == [(TODAY.date(), "Sell")]
