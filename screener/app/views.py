"""``screener view set|history``: the house-view history of a company, kept in its universe file.

``view set`` appends a ``[[company.house]]`` entry to the file that keeps the company's views (:func:`view_file`),
keeping the file's comments and layout (tomlkit), after checking the edited file validates as a whole; the file is
replaced atomically (its mode kept). A single ``[company.house]`` table is turned into the first entry of the
history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from screener.app import universes as uv
from screener.app.results import ViewHistory
from screener.core.ratings import Rating
from screener.core.text import undecodable
from screener.environment import Environment
from screener.errors import UsageError
from screener.models import Company
from screener.research import Research, with_research


@dataclass(frozen=True)
class NewView:
    """``view set`` options."""

    ticker: str
    rating: str
    target: float
    on: date | None = None
    note: str = ""
    universes: Sequence[str] = ()


@dataclass(frozen=True)
class ViewFile:
    """The universe file that keeps a company's house views, and why, when no file held its research."""

    path: Path
    chosen: str = ""


def view_file(env: Environment, selecting: Company, research: Research) -> ViewFile:
    """Where a company's views are kept and ``view set`` writes: the file holding its latest house view, else the
    first holding its other research (model, consensus, book values); else the first configured universe listing
    it; else the file of the universe that selected it (``chosen`` says so)."""
    home = research.views_home
    if home is not None:
        return ViewFile(Path(home.source_file))
    configured = {path.resolve() for path in env.settings.universe_files}
    listed = next((c for c in research.entries if Path(c.source_file).resolve() in configured), None)
    if listed is not None:
        return ViewFile(Path(listed.source_file))
    return ViewFile(
        Path(selecting.source_file),
        f"{selecting.ticker}: no universe file holds research on it and no configured universe lists it; "
        f"its views are kept in {selecting.source_file}, the universe that selected it",
    )


def _locate(env: Environment, ticker: str, universes: Sequence[str]) -> tuple[Company, ViewFile]:
    """The company (with its research from every universe file) and the file keeping its views."""
    symbol = uv.symbol(ticker, "TICKER")
    chosen, index = uv.selected_research(env, universes)
    for company in uv.companies(with_research(chosen, index)):
        if company.ticker == symbol:
            return company, view_file(env, company, index[symbol])
    raise UsageError(f"TICKER: {symbol} is in no universe (see `screener universe list`)")


def history(env: Environment, ticker: str, universes: Sequence[str] = ()) -> ViewHistory:
    """The views of one company."""
    company, where = _locate(env, ticker, universes)
    return ViewHistory(company, where.path, env.today(), chosen=where.chosen)


def set_view(env: Environment, options: NewView) -> ViewHistory:
    """Append a view (rating, target, date, note) to the company's universe file, under the file's lock; returns
    the new history."""
    from screener.app.setup import writable_universe
    from screener.fileio import locked

    today = env.today()
    try:
        rating = Rating.parse(options.rating)
    except ValueError as exc:
        raise UsageError(f"--rating: {exc}") from None
    if undecodable(options.note):
        raise UsageError("--note: not valid UTF-8 text (check the terminal's encoding)")
    if not (math.isfinite(options.target) and 1e-6 <= options.target <= 1e9):
        raise UsageError(f"--target must be a positive price (1e-6 to 1e9), got {options.target}")
    on = options.on or today
    if on > today:
        raise UsageError(f"--on: {on} is in the future (today is {today})")
    _, where = _locate(env, options.ticker, options.universes)
    path = writable_universe(env, where.path)
    with locked(path, env.settings.lock_timeout_seconds):  # read, check and write: parallel runs keep every view
        return _append(env, options, rating, on, path)


def _append(env: Environment, options: NewView, rating: Rating, on: date, path: Path) -> ViewHistory:
    """Add the view to ``path`` (its lock held): the company and its views are read again under the lock."""
    import tomlkit

    from screener.errors import UniverseError
    from screener.fileio import write_atomic
    from screener.tomlfile import load_toml
    from screener.universe import parse_universe

    today = env.today()
    company, where = _locate(env, options.ticker, options.universes)
    clash = next((v for v in company.views if v.set_on == on), None)
    if clash is not None:
        existing = f"{clash.rating.value} TP {clash.target_price:g}"
        raise UsageError(f"--on: {company.ticker} already has a view on {on} ({existing})")
    doc = tomlkit.parse(load_toml(path, UniverseError, env.settings.max_input_bytes).text)  # UTF-16 read as well
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
    written = parse_universe(path, text, today)  # the whole file must still validate
    write_atomic(path, text.encode("utf-8"))
    if path == where.path:
        fresh, _ = _locate(env, company.ticker, options.universes)  # its views from every file, the new one included
    else:  # the bundled defaults were copied: this run's config is still the bundled one, so read the copy
        fresh = next(c for c in written.companies if c.ticker == company.ticker)
    added = next(v for v in fresh.views if v.set_on == on)
    return ViewHistory(fresh, path, today, added, where.chosen)


def _company_table(doc: Any, ticker: str, path: Path) -> Any:
    """The ``[[company]]`` table of ``ticker``; one written inline (``company = [{...}]``), or whose house view is
    inline (``house = {...}``, ``house = [{...}]``), is a usage error saying how to write it (exit 2)."""
    import tomlkit.items

    for entry in doc.get("company", []):
        if entry.get("ticker") != ticker:
            continue
        if not isinstance(entry, tomlkit.items.Table):
            raise UsageError(f"{path}: {ticker} is written inline (company = [{{...}}]): write it as a [[company]] "
                             "table to use view set")  # fmt: skip
        if "house" in entry and not isinstance(entry["house"], tomlkit.items.Table | tomlkit.items.AoT):
            raise UsageError(f"{path}: the house view of {ticker} is written inline (house = ...): write it as "
                             "[company.house] or [[company.house]] to use view set")  # fmt: skip
        return entry
    raise UsageError(f"{path}: no [[company]] with ticker = {ticker!r}")  # pragma: no cover - located above
