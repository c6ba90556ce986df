"""#22 item 1: the comp table keeps what an analyst reads first — identity (the name shrinks to 12 characters
before anything is dropped), price, TP, ETR, house, rule, band; then upside and the FY1 yield; in the valuation
table the FY1 multiples and ROE, then FY2 (ROE FY2 before the other FY2 multiples); and the footer is short unless
``--notes`` is asked for. Rendered through a real Console at 80, 120 and 200 columns from the bundled snapshot."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from screener.app.scope import resolve_scope
from screener.app.screen import ScreenOptions, screen
from screener.app.screen_results import ScreenReport
from screener.cli import app
from screener.models import Scope
from screener.render.tables import COMP_NAME_MIN, screen_tables, screen_view

from .conftest import CONFIG, EnvRunner, make_env
from .test_tables_fit import parse

TARGETS_80 = ["Ticker", "Name", "Price", "TP", "ETR", "House", "Rule", "Band"]
TARGETS_120 = ["Ticker", "Name", "Ccy", "Price", "Mcap US$m", "TP", "Upside", "DY FY1", "ETR", "House", "Rule", "Band"]
TARGETS_200 = [*TARGETS_120[:3], "Price", "YTD", *TARGETS_120[4:], "Flags"]
VALUATION_80 = ["Ticker", "Name", "FY1", "P/E FY1", "P/B FY1", "EV/EBITDA FY1"]
FY = ["P/E FY1", "P/E FY2", "P/B FY1", "P/B FY2", "EV/EBITDA FY1", "EV/EBITDA FY2", "ROE FY1", "ROE FY2"]
VALUATION_120 = ["Ticker", "Name", "FY1", *[h for h in FY if h != "EV/EBITDA FY2"], "DY FY1"]
VALUATION_200 = ["Ticker", "Name", "FY1", *FY, "DY FY1", "DY FY2", "Est"]


@pytest.fixture(scope="module")
def report() -> ScreenReport:
    env = make_env(config=CONFIG)
    return screen(env, ScreenOptions(resolve_scope(env, Scope("snapshot"))))


def render(renderable: object, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize(
    ("width", "targets", "valuation"),
    [(80, TARGETS_80, VALUATION_80), (120, TARGETS_120, VALUATION_120), (200, TARGETS_200, VALUATION_200)],
)
def test_visible_columns_follow_the_reading_order(
    report: ScreenReport, width: int, targets: list[str], valuation: list[str]
) -> None:
    shown = [parse(render(table, width))[0] for table in screen_tables(report)]
    assert [t.headers for t in shown] == [targets, valuation]
    if width == 80:  # what is left out, named under each table: the rest, then FY2
        assert shown[0].hidden == ["Ccy", "YTD", "Mcap US$m", "Upside", "DY FY1", "Flags"]
        assert shown[1].hidden == [
            "P/E FY2",
            "P/B FY2",
            "EV/EBITDA FY2",
            "ROE FY1",
            "ROE FY2",
            "DY FY1",
            "DY FY2",
            "Est",
        ]
    roe = {"ROE FY1", "ROE FY2"}
    if "EV/EBITDA FY2" in shown[1].headers:  # never an FY2 EV/EBITDA while an ROE is hidden
        assert roe <= set(shown[1].headers)


def test_the_name_gives_way_first_down_to_12(report: ScreenReport) -> None:
    (targets,) = parse(render(screen_tables(report)[0], 80))
    names = [row[1] for row in targets.rows if row[0]]  # company rows
    assert max(len(n) for n in names) == COMP_NAME_MIN == 12
    assert "China North…" in names  # China Northern Rare Earth, cut with …
    assert "MP Materials" in names  # 12 characters: whole
    # a label (group, statistic) wraps instead of being cut: every line of it is a word or two, none ends in …
    labels = [row[1] for row in targets.rows if not row[0]]
    assert labels and not any(label.endswith("…") for label in labels)
    # one column more and the name is the first to grow; nothing else comes back until it is whole
    (wider,) = parse(render(screen_tables(report)[0], 81))
    assert wider.headers == TARGETS_80 and max(len(r[1]) for r in wider.rows if r[0]) == 13


@pytest.mark.parametrize("width", [120, 200])
def test_default_footer_is_at_most_five_lines(report: ScreenReport, width: int) -> None:
    text = render(screen_view(report, banners=False), width)
    tail = text.rstrip("\n").split("└")[-1].splitlines()[1:]  # everything after the last table
    assert 2 <= len(tail) <= 5, tail
    assert tail[-1].endswith("--notes") and not any("Upside = TP/price" in line for line in tail)
    assert sum(line.startswith("FX per USD:") for line in tail) == 1


def test_notes_prints_the_full_footer() -> None:
    args = ["screen", "--source", "snapshot", "--config", str(CONFIG)]
    short = EnvRunner(lambda: make_env(width=200)).invoke(app, args)
    full = EnvRunner(lambda: make_env(width=200)).invoke(app, [*args, "--notes"])
    assert short.exit_code == full.exit_code == 0, full.output
    legend = "Upside = TP/price − 1; ETR = upside + FY1 dividend yield"
    assert legend not in short.stdout and legend in full.stdout
    assert "(FRED DEXCHUS" in full.stdout and "(FRED DEXCHUS" not in short.stdout  # FX sources only with --notes
    assert "NR = not rated" in full.stdout and "--notes" in short.stdout
