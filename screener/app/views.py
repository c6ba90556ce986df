"""``screener view set|history``: the house-view history of a company, kept in its universe file.

``view set`` appends a ``[[company.house]]`` entry to the file the company is in, keeping the file's comments and
layout (tomlkit), after checking the edited file validates as a whole; the file is replaced atomically (its mode
kept). A single ``[company.house]`` table is turned into the first entry of the history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from screener.app import universes as uv
from screener.core.ratings import Rating
from screener.environment import Environment
from screener.errors import UsageError
from screener.models import Company, HouseView


@dataclass(frozen=True)
class NewView:
    """``view set`` options."""

    ticker: str
    rating: str
    target: float
    on: date | None = None
    note: str = ""
    universes: Sequence[str] = ()


@dataclass
class ViewHistory:
    """A company's house views (oldest first), the file they live in, and the one in force today."""

    company: Company
    path: Path
    today: date
    added: HouseView | None = None
    """The view ``view set`` just added."""

    @property
    def views(self) -> tuple[HouseView, ...]:
        return self.company.views

    @property
    def in_force(self) -> HouseView | None:
        return self.company.view_at(self.today)


def _locate(env: Environment, ticker: str, universes: Sequence[str]) -> tuple[Company, Path]:
    symbol = uv.symbol(ticker, "TICKER")
    for universe in uv.selected(env, universes):
        for company in universe.companies:
            if company.ticker == symbol:
                return company, Path(universe.path)
    raise UsageError(f"TICKER: {symbol} is in no universe (see `screener universe list`)")


def history(env: Environment, ticker: str, universes: Sequence[str] = ()) -> ViewHistory:
    """The views of one company."""
    company, path = _locate(env, ticker, universes)
    return ViewHistory(company, path, env.today())


def set_view(env: Environment, options: NewView) -> ViewHistory:
    """Append a view (rating, target, date, note) to the company's universe file; returns the new history."""
    import tomlkit

    from screener.app.setup import writable_universe
    from screener.fileio import write_atomic
    from screener.universe import parse_universe

    today = env.today()
    try:
        rating = Rating.parse(options.rating)
    except ValueError as exc:
        raise UsageError(f"--rating: {exc}") from None
    if not (math.isfinite(options.target) and 1e-6 <= options.target <= 1e9):
        raise UsageError(f"--target must be a positive price (1e-6 to 1e9), got {options.target}")
    on = options.on or today
    if on > today:
        raise UsageError(f"--on: {on} is in the future (today is {today})")
    company, path = _locate(env, options.ticker, options.universes)
    path = writable_universe(env, path)
    clash = next((v for v in company.views if v.set_on == on), None)
    if clash is not None:
        existing = f"{clash.rating.value} TP {clash.target_price:g}"
        raise UsageError(f"--on: {company.ticker} already has a view on {on} ({existing})")
    doc = tomlkit.parse(path.read_text(encoding="utf-8-sig"))
    entry = _company_table(doc, company.ticker, path)
    new = tomlkit.table()
    new.trivia.indent = "\n"  # a blank line before the new [[company.house]]
    new["rating"] = rating.value
    new["target_price"] = float(options.target)
    new["set_on"] = tomlkit.date(on.isoformat())
    if options.note.strip():
        new["note"] = options.note.strip()
    new.add(tomlkit.nl())  # and one after it
    if "house" not in entry:
        entry["house"] = tomlkit.aot()
    elif not isinstance(entry["house"], tomlkit.items.AoT):
        first = tomlkit.aot()
        first.append(entry["house"])
        entry["house"] = first
    entry["house"].append(new)
    text = tomlkit.dumps(doc)
    updated = parse_universe(path, text, today)  # the whole file must still validate
    write_atomic(path, text.encode("utf-8"))
    fresh = next(c for c in updated.companies if c.ticker == company.ticker)
    added = next(v for v in fresh.views if v.set_on == on)
    return ViewHistory(fresh, path, today, added)


def _company_table(doc: Any, ticker: str, path: Path) -> Any:
    for entry in doc.get("company", []):
        if entry.get("ticker") == ticker:
            return entry
    raise UsageError(f"{path}: no [[company]] with ticker = {ticker!r}")  # pragma: no cover - located above
