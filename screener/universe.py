"""Universe files: parse, validate (errors name file, line and field), and resolve by name."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from screener.config.fields import TableReader
from screener.config.universe_segments import read_segments
from screener.config.universe_spec import (
    BAND_TARGET_KEYS,
    BOOK_VALUE_KEYS,
    COMPANY_SPEC,
    CONSENSUS_KEYS,
    CONSENSUS_YEAR_KEYS,
    HOUSE_KEYS,
    MODEL_KEYS,
    MODEL_YEAR_KEYS,
    REQUIRED_KEYS,
    tags_problem,
)
from screener.core.measures import MEASURES
from screener.core.ratings import Rating
from screener.core.tickers import to_yahoo
from screener.core.values import NA, Value
from screener.errors import TickerCodeError, UniverseError, UnknownSelection
from screener.inputs import DEFAULT_MAX_BYTES
from screener.models import (
    BookValue,
    Company,
    Consensus,
    ConsensusYear,
    HouseModel,
    HouseView,
    ModelYear,
    Universe,
)
from screener.tomlfile import PathPart, TomlDocument, load_toml


class _Reader(TableReader):
    """Validates one universe document; every failure names file, line and field."""

    def __init__(self, doc: TomlDocument, today: date | None = None) -> None:
        super().__init__(doc, UniverseError)
        self.today = today

    def years(self, raw: Any, allowed: set[str], *path: PathPart) -> dict[int, dict[str, Value]]:
        table = self.table(raw, *path)
        out: dict[int, dict[str, Value]] = {}
        for label, fields in table.items():
            if not re.fullmatch(r"(19|20)\d\d", label):
                raise self.fail(
                    "fiscal-year keys must be years like 2025 (the year the fiscal year ends)", *path, label
                )
            fields = self.table(fields, *path, label)
            self.check_keys(fields, allowed, *path, label)
            out[int(label)] = {key: self.value(fields.get(key), *path, label, key) for key in allowed}
        return out

    def house(self, raw: Any, *path: PathPart) -> HouseView:
        table = self.table(raw, *path)
        self.check_keys(table, HOUSE_KEYS, *path)
        for key in ("rating", "target_price", "set_on"):
            if key not in table:
                raise self.fail("missing", *path, key)
        try:
            rating = Rating.parse(self.text(table["rating"], *path, "rating"))
        except ValueError as exc:
            raise self.fail(str(exc), *path, "rating") from None
        set_on = self.day(table["set_on"], *path, "set_on")
        if self.today is not None and set_on > self.today:
            raise self.fail(f"{set_on} is in the future (today is {self.today})", *path, "set_on")
        return HouseView(
            rating=rating,
            target_price=self.measured(table["target_price"], "price", *path, "target_price"),
            set_on=set_on,
            note=self.text(table["note"], *path, "note") if "note" in table else "",
        )

    def views(self, raw: Any, *path: PathPart) -> tuple[HouseView, ...]:
        """``[company.house]`` (one view) or ``[[company.house]]`` (a history): dates unique, oldest first."""
        if isinstance(raw, dict):
            return (self.house(raw, *path),)
        if not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
            raise self.fail("must be a table or an array of tables ([[company.house]])", *path)
        views = [self.house(item, *path, index) for index, item in enumerate(raw)]
        seen: dict[date, int] = {}
        for index, view in enumerate(views):
            if view.set_on in seen:
                message = f"a second view on {view.set_on} (first at house[{seen[view.set_on]}]): one view per day"
                raise self.fail(message, *path, index, "set_on")
            seen[view.set_on] = index
        return tuple(sorted(views, key=lambda v: v.set_on))

    def model(self, raw: Any, *path: PathPart) -> HouseModel:
        table = self.table(raw, *path)
        self.check_keys(table, MODEL_KEYS, *path)
        if "years" not in table:
            raise self.fail("missing", *path, "years")
        years = self.years(table["years"], MODEL_YEAR_KEYS, *path, "years")
        parsed: dict[int, ModelYear] = {}
        for label, v in years.items():
            borrowings: Value = NA
            short, long = v["short_term_borrowings"], v["long_term_borrowings"]
            if isinstance(short, float) and isinstance(long, float):
                borrowings = short + long
            parsed[label] = ModelYear(
                net_income=v["net_income"],
                total_equity=v["total_equity"],
                minority_interests=v["minority_interests"],
                shares=v["shares"],
                ebit=v["ebit"],
                d_and_a=v["d_and_a"],
                cash=v["cash"],
                borrowings=borrowings,
                dps=v["dps"],
                revenue=v["revenue"],
                fcf=v["fcf"],
                gross_profit=v["gross_profit"],
                operating_cash_flow=v["operating_cash_flow"],
                capex=v["capex"],
                profit_before_tax=v["profit_before_tax"],
                income_tax=v["income_tax"],
                minority_profit=v["minority_profit"],
            )
            for key in ("shares", "dps"):
                number = v[key]
                if isinstance(number, float):
                    self.check_range(number, MEASURES[key], *path, "years", str(label), key)
        return HouseModel(
            source=self.text(table.get("source", "house model"), *path, "source"),
            currency=self.currency(table.get("currency", "CNY"), *path, "currency"),
            years=parsed,
            as_of=self.day(table["as_of"], *path, "as_of") if "as_of" in table else None,
            segments=read_segments(self, table["segments"], *path, "segments") if "segments" in table else {},
        )

    def consensus(self, raw: Any, *path: PathPart) -> Consensus:
        table = self.table(raw, *path)
        self.check_keys(table, CONSENSUS_KEYS, *path)
        for key in ("reference_price", "reference_date", "years"):
            if key not in table:
                raise self.fail("missing", *path, key)
        years = self.years(table["years"], CONSENSUS_YEAR_KEYS, *path, "years")
        return Consensus(
            source=self.text(table.get("source", "market consensus"), *path, "source"),
            reference_price=self.measured(table["reference_price"], "price", *path, "reference_price"),
            reference_date=self.day(table["reference_date"], *path, "reference_date"),
            years={label: ConsensusYear(**v) for label, v in years.items()},
        )

    def book_values(self, raw: Any, currency: str, *path: PathPart) -> tuple[BookValue, ...]:
        """``[[company.book_values]]``: published (report date), period_end, bvps, optional currency.

        A BVPS may be negative (its P/B is then NM), never 0; a report cannot be published before its period ends;
        two records published the same day for the same period are ambiguous."""
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise self.fail("must be an array of tables ([[company.book_values]])", *path)
        out: list[BookValue] = []
        seen: dict[tuple[date, date], int] = {}
        for index, table in enumerate(raw):
            where = (*path, index)
            self.check_keys(table, BOOK_VALUE_KEYS, *where)
            for key in ("published", "period_end", "bvps"):
                if key not in table:
                    raise self.fail("missing (each book value needs published, period_end, bvps)", *where, key)
            published = self.day(table["published"], *where, "published")
            period_end = self.day(table["period_end"], *where, "period_end")
            if published < period_end:
                raise self.fail(
                    f"published {published} is before period_end {period_end}: a balance sheet is published "
                    "after its date",
                    *where,
                    "published",
                )
            if (published, period_end) in seen:
                raise self.fail(
                    f"duplicate of book_values[{seen[(published, period_end)]}] (same published and period_end)",
                    *where,
                    "published",
                )
            seen[(published, period_end)] = index
            bv_currency = self.currency(table.get("currency", currency), *where, "currency")
            out.append(
                BookValue(
                    published=published,
                    bvps=self.measured(table["bvps"], "bvps", *where, "bvps"),
                    period_end=period_end,
                    currency=None if bv_currency == currency else bv_currency,
                )
            )
        return tuple(out)

    def band_target(self, raw: Any, has_book_values: bool, *path: PathPart) -> float:
        """``target_from_band = { k = 1.0 }``: the comp-table target is (m + k·s) × forward BVPS."""
        table = self.table(raw, *path)
        self.check_keys(table, BAND_TARGET_KEYS, *path)
        if "k" not in table:
            raise self.fail("missing (e.g. target_from_band = { k = 1.0 })", *path, "k")
        if not has_book_values:
            raise self.fail("needs [[company.book_values]] to build the P/B band from", *path)
        return self.number(table["k"], *path, "k")

    def ticker(self, raw: Any, *path: PathPart) -> str:
        code = self.text(raw, *path)
        try:
            symbol = to_yahoo(code)
        except TickerCodeError as exc:
            raise self.fail(f"unmappable ticker code: {exc}", *path) from None
        if symbol != code:
            raise self.fail(f"write the Yahoo symbol {symbol!r} here (put {code!r} in aliases)", *path)
        return symbol

    def company(self, raw: Any, index: int) -> Company:
        path: tuple[PathPart, ...] = ("company", index)
        table = self.table(raw, *path)
        self.check_keys(table, COMPANY_SPEC, *path)
        for key in REQUIRED_KEYS:
            if key not in table:
                raise self.fail(
                    "missing (every company needs ticker, name, group, currency, fiscal_year_end_month)", *path, key
                )
        ticker = self.ticker(table["ticker"], *path, "ticker")
        month = table["fiscal_year_end_month"]
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise self.fail(f"must be a month number 1-12, got {month!r}", *path, "fiscal_year_end_month")
        v = self.read(table, COMPANY_SPEC, *path)
        aliases = [self.text(alias, *path, "aliases") for alias in v["aliases"]]
        for alias in aliases:
            try:
                mapped = to_yahoo(alias)
            except TickerCodeError as exc:
                raise self.fail(f"unmappable ticker code: {exc}", *path, "aliases") from None
            if mapped != ticker:
                raise self.fail(f"alias {alias!r} maps to {mapped}, not {ticker}", *path, "aliases")
        currency = v["currency"]
        views = self.views(table["house"], *path, "house") if "house" in table else ()
        model = self.model(table["model"], *path, "model") if "model" in table else None
        consensus = self.consensus(table["consensus"], *path, "consensus") if "consensus" in table else None
        book_values = (
            self.book_values(table["book_values"], currency, *path, "book_values") if "book_values" in table else ()
        )
        band_k = (
            self.band_target(table["target_from_band"], bool(book_values), *path, "target_from_band")
            if "target_from_band" in table
            else None
        )
        return Company(
            ticker=ticker,
            name=v["name"],
            group=v["group"],
            currency=currency,
            reporting_currency=v["reporting_currency"] or currency,
            fiscal_year_end_month=month,
            high_risk=v["high_risk"],
            aliases=tuple(aliases),
            issuer=v["issuer"],
            counts_in_aggregates=v["counts_in_aggregates"],
            oxide_exposure=v["oxide_exposure"],
            views=views,
            model=model,
            consensus=consensus,
            book_values=book_values,
            target_from_band=band_k,
            weight=v["weight"],
            declared_tags=self.tags(v["tags"], *path, "tags"),
            source_file=self.doc.path,
            line=self.doc.line_of(*path),
        )

    def tags(self, raw: list[Any], *path: PathPart) -> tuple[str, ...]:
        """``tags = [...]``, checked by :func:`screener.config.universe_spec.tags_problem`."""
        problem = tags_problem(raw)
        if problem is not None:
            raise self.fail(problem, *path)
        return tuple(raw)

    def universe(self) -> Universe:
        data = self.doc.data
        self.check_keys(data, {"universe", "company"})
        header = self.table(data.get("universe", {}), "universe")
        self.check_keys(header, {"name", "description"}, "universe")
        name = self.text(header.get("name", Path(self.doc.path).stem), "universe", "name")
        companies_raw = data.get("company")
        if not isinstance(companies_raw, list) or not companies_raw:
            raise self.fail("no [[company]] entries", "company")
        companies = [self.company(raw, index) for index, raw in enumerate(companies_raw)]
        seen: dict[str, int] = {}
        for index, company in enumerate(companies):
            if company.ticker in seen:
                raise self.fail(
                    f"duplicate ticker {company.ticker} (first at company[{seen[company.ticker]}])",
                    "company",
                    index,
                    "ticker",
                )
            seen[company.ticker] = index
        _check_issuers(self, companies)
        return Universe(
            name=name,
            description=str(header.get("description", "")),
            path=self.doc.path,
            companies=tuple(companies),
        )


def _check_issuers(reader: _Reader, companies: list[Company]) -> None:
    """Lines of one issuer (A and H shares): exactly one of them counts in aggregates."""
    by_issuer: dict[str, list[int]] = {}
    for index, company in enumerate(companies):
        if company.issuer:
            by_issuer.setdefault(company.issuer, []).append(index)
    for issuer, indices in by_issuer.items():
        counting = [i for i in indices if companies[i].counts_in_aggregates]
        if len(indices) > 1 and len(counting) != 1:
            raise reader.fail(
                f"issuer {issuer!r} has {len(indices)} lines: set counts_in_aggregates = true on exactly one",
                "company",
                indices[-1],
                "counts_in_aggregates",
            )


def load_universe(path: Path, today: date | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Universe:
    """Parse and validate one universe file (``today``: house views set after it are refused; a file above
    ``max_bytes``, or not a regular file, is refused unread)."""
    return _Reader(load_toml(path, UniverseError, max_bytes), today).universe()


def parse_universe(path: Path, text: str, today: date | None = None) -> Universe:
    """Validate universe text (e.g. an edited file before it is written) as if read from ``path``."""
    from screener.tomlfile import TOMLDecodeError, TomlDocument, parse_toml

    try:
        data = parse_toml(text)
    except TOMLDecodeError as exc:
        raise UniverseError(str(path), f"invalid TOML: {exc}", field="toml") from None
    return _Reader(TomlDocument(str(path), text, data), today).universe()


def load_universes(paths: list[Path], today: date | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Universe]:
    """Load several universe files; a ticker in two files is an error naming both."""
    return one_entry_per_ticker([load_universe(p, today, max_bytes) for p in paths])


def one_entry_per_ticker(universes: list[Universe]) -> list[Universe]:
    """The universes of one run, unchanged; a ticker in two of them is an error naming both files."""
    owner: dict[str, str] = {}
    for universe in universes:
        for company in universe.companies:
            if company.ticker in owner and owner[company.ticker] != universe.path:
                raise UniverseError(
                    universe.path,
                    f"duplicate ticker {company.ticker}: also in {owner[company.ticker]}",
                    line=company.line,
                    field="ticker",
                )
            owner[company.ticker] = universe.path
    return universes


def resolve_universe_args(names: list[str], configured: tuple[Path, ...], folder: Path | None = None) -> list[Path]:
    """``-u`` values are universe names or paths; empty means all configured. A name is looked up among the
    configured files' stems first, then as ``<folder>/<name>.toml`` (the ``universes/`` folder beside the config,
    where ``universe import-holdings`` writes), both case-insensitively; else a ``.toml`` path or an existing
    file. A universe named twice (by name or by path) is loaded once."""
    if not names:
        return list(dict.fromkeys(configured))
    by_name: dict[str, Path] = {}
    for p in configured:
        by_name.setdefault(p.stem.lower(), p)
    beside = _universes_in(folder)
    paths: dict[Path, Path] = {}
    for name in names:
        key = name.lower()
        if key in by_name:
            path = by_name[key]
        elif key in beside:
            path = beside[key]
        elif Path(name).suffix == ".toml" or Path(name).exists():
            path = Path(name)
        else:
            known = [p.stem for p in configured] + [p.stem for k, p in beside.items() if k not in by_name]
            raise UnknownSelection("universes", f"unknown universe {name!r} (known: {', '.join(known) or 'none'})")
        paths.setdefault(path.resolve(), path)
    return list(paths.values())


def _universes_in(folder: Path | None) -> dict[str, Path]:
    """``name -> file`` of the ``*.toml`` files in ``folder`` (lower-cased names; none when it does not exist)."""
    if folder is None or not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.is_file():
            found.setdefault(path.stem.lower(), path)
    return found
