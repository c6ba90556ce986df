"""A company's research belongs to the company, not to the universe file that selects it.

Research is what the team states about a company: house views (``[[company.house]]``), house model, consensus
overrides, book values and ``target_from_band``, with the facts they are read with: ``fiscal_year_end_month``
(the model's and consensus' year labels), ``reporting_currency``, ``high_risk`` (the Buy threshold) and
``oxide_exposure``, and the company's ``tags`` (what the research says matters for supply). An entry *holds
research* when it gives views, a model, consensus, book values, a band target or tags. The index gathers every
entry of a Yahoo ticker (universe tickers are Yahoo symbols and their aliases are checked to map to them, so the
ticker is the key) across the universe files it is given, in that order:

- views: the union of the holders' views by ``set_on``; two different views on one day are a conflict;
- model, consensus, book values (order aside), band target, oxide exposure, tags (order aside): from the holders
  that give them; two holders giving different values are a conflict;
- fiscal year end, reporting currency, high risk: every holder states them; they must agree.

A conflict is a :class:`UniverseError` naming both files and lines; identical duplicates are fine. Identity
(ticker, aliases, name, group, currency, issuer, counts_in_aggregates, weight, file and line) stays that of the
selecting entry: :func:`with_research` only replaces the research fields, and only when some entry holds research.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from screener.errors import UniverseError
from screener.models import BookValue, Company, HouseView, Universe

OPTIONAL = ("model", "consensus", "book_values", "target_from_band", "oxide_exposure", "declared_tags")
"""Research a holder may leave out (None or empty when not given)."""
STATED = ("fiscal_year_end_month", "reporting_currency", "high_risk")
"""What every holder states (read with a default when the file leaves it out): holders must agree."""


def holds_research(company: Company) -> bool:
    """Whether this entry gives house views, a house model, consensus, book values, a band target or tags."""
    return bool(
        company.views
        or company.model is not None
        or company.consensus is not None
        or company.book_values
        or company.target_from_band is not None
        or bool(company.declared_tags)
    )


@dataclass(frozen=True)
class Research:
    """One ticker's research merged across universe files: ``values`` replace the selecting entry's fields;
    ``entries`` are all its universe entries (index order), ``holders`` those holding research."""

    entries: tuple[Company, ...]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def holders(self) -> tuple[Company, ...]:
        return tuple(c for c in self.entries if holds_research(c))

    @property
    def views_home(self) -> Company | None:
        """The entry holding the latest house view, else the first holding any research (None: no research)."""
        with_views = [c for c in self.holders if c.views]
        if with_views:
            return max(with_views, key=lambda c: c.views[-1].set_on)  # first of equals: index order
        return next(iter(self.holders), None)


ResearchIndex = dict[str, Research]


def build_index(universes: Iterable[Universe]) -> ResearchIndex:
    """Every ticker's research across ``universes`` (a file given twice counts once); conflicts raise."""
    seen: set[Path] = set()
    entries: dict[str, list[Company]] = {}
    for universe in universes:
        where = Path(universe.path).resolve()
        if where in seen:
            continue
        seen.add(where)
        for company in universe.companies:
            entries.setdefault(company.ticker, []).append(company)
    return {ticker: _merge(tuple(found)) for ticker, found in entries.items()}


def with_research(universes: Sequence[Universe], index: ResearchIndex) -> list[Universe]:
    """The universes with each company's research replaced by its merged research (see the module docstring)."""
    out = []
    for universe in universes:
        companies = []
        for company in universe.companies:
            research = index.get(company.ticker)
            companies.append(replace(company, **research.values) if research is not None else company)
        out.append(replace(universe, companies=tuple(companies)))
    return out


def _merge(entries: tuple[Company, ...]) -> Research:
    holders = [c for c in entries if holds_research(c)]
    if not holders:
        return Research(entries)
    views: dict[date, tuple[HouseView, Company]] = {}
    given: dict[str, tuple[Any, Company]] = {}
    for holder in holders:
        for view in holder.views:
            first = views.setdefault(view.set_on, (view, holder))
            if first[0] != view:
                what = f"view on {view.set_on}: {_view(view)} here, {_view(first[0])} there"
                raise _conflict(holder, first[1], "house", what)
        for name in (*OPTIONAL, *STATED):
            value = _comparable(name, getattr(holder, name))
            if value is None:
                continue
            first = given.setdefault(name, (value, holder))
            if first[0] != value:
                raise _conflict(holder, first[1], FIELD_NAMES.get(name, name), _differs(name, value, first[0]))
    values: dict[str, Any] = {name: getattr(holder, name) for name, (_, holder) in given.items()}
    values["views"] = tuple(view for _, (view, _) in sorted(views.items()))
    return Research(entries, values)


def _comparable(name: str, value: Any) -> Any:
    """A research value as compared across files (None: not given); book values compared in date order."""
    if name == "book_values":
        return tuple(sorted(value, key=_book_key)) if value else None
    if name == "declared_tags":  # none given: not stated; the same tags in another order are the same
        return tuple(sorted(value)) if value else None
    return value


def _book_key(book: BookValue) -> tuple[date, date]:
    return (book.published, book.period_end or book.published)


def _view(view: HouseView) -> str:
    note = f", note {view.note!r}" if view.note else ""
    return f"{view.rating.value} TP {view.target_price:g}{note}"


FIELD_NAMES = {"declared_tags": "tags"}
"""The universe file's key of a research field, where the model names it otherwise."""
DIFFERENT = {
    "model": "two different house models",
    "consensus": "two different consensus overrides",
    "book_values": "two different sets of book values",
}


def _differs(name: str, here: Any, there: Any) -> str:
    if name in DIFFERENT:
        return DIFFERENT[name]
    if name == "target_from_band":
        return f"k = {here:g} here, k = {there:g} there"
    if name == "declared_tags":
        return f"{list(here)} here, {list(there)} there"
    return f"{_toml(here)} here, {_toml(there)} there"


def _toml(value: Any) -> str:
    """A scalar as written in a universe file (true, 6, "CNY")."""
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else str(value)


def _conflict(here: Company, there: Company, field_name: str, what: str) -> UniverseError:
    return UniverseError(
        here.source_file,
        f"{here.ticker}: {field_name} differs from {there.source_file}:{there.line} ({what}); a company's research "
        "must be the same in every universe file that gives it: keep it in one file, or make them equal",
        line=here.line,
        field=field_name,
    )
