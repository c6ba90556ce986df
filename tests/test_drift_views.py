"""House-view changes in drift (#19 item 5): each change of house rating or target between the baseline run and the
as-of date, read from the universe's view history (so found whatever runs were recorded in between), is a
`rating_change` / `target_change` finding; a rating change that leaves the name out of band needs review, one
that brings it back in band does not; with no earlier run, the changes of the last `[drift] min_days_between`
days. Real universe files, `view set`, a real SQLite history; the snapshot's NRE price is 53.13 CNY."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from screener.cli import app
from screener.core.drift import DriftThresholds, RatingRecord, compare, view_changes
from screener.core.ratings import Rating
from screener.models import HouseView

from .conftest import EnvRunner, make_config, make_env
from .test_views import SMALL

NRE = SMALL.split("\n[company.house]")[0]  # the universe "mine" with NRE alone, no view yet
PRICE = 53.13


def house(rating: str, target: float, day: str) -> str:
    return f'\n[[company.house]]\nrating = "{rating}"\ntarget_price = {target}\nset_on = {day}\n'


def setup(tmp_path: Path, *views: str) -> tuple[Path, Path]:
    universe = tmp_path / "mine.toml"
    universe.write_text(NRE + "".join(views))
    return universe, make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}})


def on(day: date) -> EnvRunner:
    """A runner whose clock reads ``day`` (the universe's views may not be later)."""
    return EnvRunner(lambda: make_env(clock=lambda: datetime(day.year, day.month, day.day, 17, tzinfo=UTC)))


def drift(config: Path, day: date, *args: str) -> tuple[int, dict[str, Any]]:
    argv = ["drift", "--config", str(config), "--source", "snapshot", "--as-of", day.isoformat(), "--format", "json"]
    result = on(day).invoke(app, [*argv, *args])
    assert result.exit_code in (0, 4), result.output
    return result.exit_code, json.loads(result.stdout)


def findings(payload: dict[str, Any], kind: str) -> list[tuple[str, bool]]:
    return [(f["detail"], f["needs_review"]) for f in payload["findings"] if f["finding"] == kind]


def view_set(config: Path, today: date, rating: str, target: str, day: str) -> None:
    argv = ["view", "set", "600111.SS", "--rating", rating, "--target", target, "--on", day, "--config", str(config)]
    result = on(today).invoke(app, argv)
    assert result.exit_code == 0, result.output


# -------------------------------------------------------------------------------------- between two recorded runs
def test_a_view_set_between_two_runs_is_a_rating_and_a_target_change(tmp_path: Path) -> None:
    _, config = setup(tmp_path, house("Neutral", 60.0, "2025-10-01"))  # ETR 60 / 53.13 - 1 = +12.9%: Neutral
    code, first = drift(config, date(2025, 10, 10))
    assert code == 0 and findings(first, "rating_change") == []  # no earlier run, no view in the last 7 days
    view_set(config, date(2025, 10, 24), "Sell", "40", "2025-10-14")  # nothing recorded on that day
    _, payload = drift(config, date(2025, 10, 24))
    assert payload["baseline"] == "2025-10-10"
    # ETR = 40 / 53.13 - 1 = -24.713% (no dividend: no estimates) -> rule Sell, the new house rating: in band
    assert findings(payload, "rating_change") == [
        ("house Neutral → Sell on 2025-10-14 (ETR -24.7%, rule Sell: in band)", False)
    ]
    # 40 / 60 - 1 = -33.3%; the runs' targets (60 -> 40) are the same change: reported once
    assert findings(payload, "target_change") == [("house target 60 → 40 on 2025-10-14 (-33.3%)", False)]


def test_a_rating_change_out_of_band_needs_review_one_back_in_band_does_not(tmp_path: Path) -> None:
    # Buy at TP 50: ETR 50 / 53.13 - 1 = -5.9% -> rule Sell: out of band in the baseline run
    _, config = setup(tmp_path, house("Buy", 50.0, "2025-10-01"))
    code, first = drift(config, date(2025, 10, 10))
    assert code == 4 and [f["finding"] for f in first["findings"]] == ["out_of_band"]
    view_set(config, date(2025, 10, 20), "Sell", "50", "2025-10-14")  # back in band: Sell at -5.9%
    code, back = drift(config, date(2025, 10, 20), "--no-record")
    assert findings(back, "rating_change") == [
        ("house Buy → Sell on 2025-10-14 (ETR -5.9%, rule Sell: in band)", False)
    ]
    assert findings(back, "target_change") == []  # the target stayed 50
    assert {f["finding"] for f in back["findings"]} == {"rating_change", "back_in_band"} and code == 0

    view_set(config, date(2025, 10, 20), "Neutral", "50", "2025-10-17")  # out of band again: Neutral at -5.9%
    code, out = drift(config, date(2025, 10, 20), "--no-record")
    assert findings(out, "rating_change") == [  # those needing review first, on every surface (#20)
        ("house Sell → Neutral on 2025-10-17 (ETR -5.9%, rule Sell: out of band)", True),
        ("house Buy → Sell on 2025-10-14 (replaced on 2025-10-17)", False),  # each change, the later one judged
    ]
    assert code == 4


def test_a_changed_rating_without_a_view_change_is_found_from_the_runs(tmp_path: Path) -> None:
    universe, config = setup(tmp_path, house("Neutral", 60.0, "2025-10-01"))
    drift(config, date(2025, 10, 10))
    universe.write_text(NRE + house("Buy", 60.0, "2025-10-01"))  # the view edited in place: no new date
    code, payload = drift(config, date(2025, 10, 20))
    # Buy at ETR +12.9% (rule Neutral): out of band
    assert findings(payload, "rating_change") == [
        ("house Neutral → Buy since the baseline run (ETR +12.9%, rule Neutral: out of band)", True)
    ]
    assert code == 4


# ------------------------------------------------------------------------------------------------ no earlier run
def test_with_no_earlier_run_the_changes_of_the_last_min_days(tmp_path: Path) -> None:
    _, config = setup(tmp_path, house("Neutral", 60.0, "2025-10-01"), house("Sell", 40.0, "2025-10-14"))
    _, payload = drift(config, date(2025, 10, 20), "--no-record")  # within 7 days: 10-14 > 10-13
    assert payload["baseline"] is None
    assert findings(payload, "rating_change") == [
        ("house Neutral → Sell on 2025-10-14 (ETR -24.7%, rule Sell: in band)", False)
    ]
    assert findings(payload, "target_change") == [("house target 60 → 40 on 2025-10-14 (-33.3%)", False)]
    _, later = drift(config, date(2025, 10, 21), "--no-record")  # 10-14 is 7 days back: outside (10-14, 10-21]
    assert findings(later, "rating_change") == findings(later, "target_change") == []
    wider = make_config(
        tmp_path / "w2", {"drift": {"min_days_between": 8}, "universes": {"files": [str(tmp_path / "mine.toml")]}}
    )
    _, eight = drift(wider, date(2025, 10, 21), "--no-record")
    assert [d for d, _ in findings(eight, "rating_change")] == [d for d, _ in findings(payload, "rating_change")]


def test_with_no_earlier_run_a_first_view_is_where_the_record_starts(tmp_path: Path) -> None:
    _, config = setup(tmp_path, house("Buy", 50.0, "2025-10-14"))
    _, payload = drift(config, date(2025, 10, 17), "--no-record")
    assert findings(payload, "rating_change") == []  # not "NR → Buy": the history may start at the sheet's date
    assert [f["finding"] for f in payload["findings"]] == ["out_of_band"]


def test_a_first_view_after_the_baseline_run_is_an_initiation(tmp_path: Path) -> None:
    universe, config = setup(tmp_path)
    drift(config, date(2025, 10, 10))  # NR in the baseline
    universe.write_text(NRE + house("Sell", 40.0, "2025-10-14"))
    _, payload = drift(config, date(2025, 10, 20))
    assert findings(payload, "rating_change") == [
        ("house NR → Sell on 2025-10-14 (ETR -24.7%, rule Sell: in band)", False)
    ]
    assert findings(payload, "target_change") == []  # no earlier target


# ------------------------------------------------------------------------------------------------- pure functions
def record(rating: str | None, target: float | None, etr: float | None, rule: str | None, fits: bool | None) -> Any:
    return RatingRecord("X", "x", PRICE, target, etr, rating, rule, fits)


def test_view_changes_window_and_order() -> None:
    views = [HouseView(Rating.BUY, 50.0, date(2025, 1, 1)), HouseView(Rating.SELL, 40.0, date(2025, 3, 1)),
             HouseView(Rating.SELL, 45.0, date(2025, 2, 1))]  # fmt: skip
    found = view_changes("X", "x", views, date(2025, 1, 1), date(2025, 3, 1))
    assert [(c.set_on, c.rating_before, c.rating, c.target_before, c.target, c.replaced_on) for c in found] == [
        (date(2025, 2, 1), "Buy", "Sell", 50.0, 45.0, date(2025, 3, 1)),
        (date(2025, 3, 1), "Sell", "Sell", 45.0, 40.0, None),
    ]
    assert view_changes("X", "x", views, date(2025, 3, 1), date(2025, 4, 1)) == []  # after `since` only
    assert [c.set_on for c in view_changes("X", "x", views, date(2024, 12, 1), date(2025, 2, 28))] == [
        date(2025, 1, 1), date(2025, 2, 1)
    ]  # fmt: skip
    assert [
        c.set_on for c in view_changes("X", "x", views, date(2024, 12, 1), date(2025, 1, 1), initiations=False)
    ] == []


@pytest.mark.parametrize("house_target", [True, False])
def test_compare_reports_a_target_once_and_band_targets_from_the_runs(house_target: bool) -> None:
    before = {"X": record("Neutral", 60.0, 0.129, "Neutral", True)}
    now = record("Neutral", 55.0, 0.035, "Neutral", True)
    views = [HouseView(Rating.NEUTRAL, 60.0, date(2025, 10, 1)), HouseView(Rating.NEUTRAL, 40.0, date(2025, 10, 14))]
    changes = view_changes("X", "x", views, date(2025, 10, 10), date(2025, 10, 20), house_target=house_target)
    found = compare(date(2025, 10, 20), [now], before, [], DriftThresholds(etr_move=1.0), changes)
    targets = [f.detail for f in found if f.kind == "target_change"]
    if house_target:
        assert targets == ["house target 60 → 40 on 2025-10-14 (-33.3%)"]
    else:  # a P/B-band target (55 now) is not the view's: the runs' targets are compared
        assert targets == ["target 60 -> 55"]
    assert [f.kind for f in found] == ["target_change"]  # the rating stayed Neutral: no rating change


def test_a_band_target_company_reports_rating_changes_only(tmp_path: Path) -> None:
    band = (
        "\ntarget_from_band = { k = 1.0 }\n\n"
        "[[company.book_values]]\npublished = 2025-08-30\nperiod_end = 2025-06-30\nbvps = 5.1\n"
    )
    universe = tmp_path / "mine.toml"
    universe.write_text(NRE + band + house("Neutral", 60.0, "2025-10-01") + house("Sell", 40.0, "2025-10-14"))
    config = make_config(tmp_path / "w", {"universes": {"files": [str(universe)]}})
    _, payload = drift(config, date(2025, 10, 20), "--no-record")
    assert [f["finding"] for f in payload["findings"] if f["finding"].endswith("_change")] == ["rating_change"]
