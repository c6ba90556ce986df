"""``screener portfolio FILE [--benchmark UNIVERSE|FILE]``: a book against its benchmark (METHODS §12).

The holdings file is read by the ETF reader's row reader (:func:`screener.app.holdings.read_rows`: bounded, CSV
or XLSX) and parsed by :func:`screener.core.portfolio.parse_book`. Every name of the book and of the benchmark
is looked up by ticker in the selected universes (``-u``; else every universe ``-u`` can find, configured files
first) and screened once, at the scope's as-of date, by :func:`screener.app.screen.screen`: the per-holding
numbers are the comp table's rows, never re-derived. A name in no universe, or without a price at the as-of date
(or, for a shares-based book, without an FX rate), is **not included**: listed with the reason, and left out of
every statistic (the statistics renormalise over what they cover; the ``coverage`` says how much).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from screener.app import universes as uv
from screener.app.portfolio_results import NotIncluded, PortfolioLine, PortfolioReport, WeightRow
from screener.app.scope import over
from screener.app.scope_types import ResolvedScope
from screener.app.screen_results import CompanyRow, ScreenReport
from screener.core import fx
from screener.core import portfolio as pf
from screener.core.values import NA, Value, is_num
from screener.environment import Environment
from screener.errors import UsageError
from screener.models import Universe

BOOK_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".txt", ".tsv")
"""A ``--benchmark`` ending in one of these is a holdings file; anything else names a universe."""


@dataclass(frozen=True)
class PortfolioOptions:
    """The book, the benchmark (a universe name or a holdings file; None: none) and the scope (-u, as-of)."""

    scope: ResolvedScope
    file: Path
    benchmark: str | None = None
    decimal: str = "."
    named: bool = False
    """Universes were named with ``-u``: the names are looked up there only."""


@dataclass(frozen=True)
class _Side:
    """A book or benchmark as read: the file's book (None for a universe) or the universe's weights (fractions)."""

    label: str
    book: pf.Book | None
    weights: dict[str, float]
    missing: list[NotIncluded]


def read_book(env: Environment, path: Path, decimal: str = ".") -> pf.Book:
    """A holdings file's book (bounded read: ``[limits] max_input_mb``)."""
    from screener.app.holdings import read_rows

    return pf.parse_book(read_rows(path, max_bytes=env.settings.max_input_bytes, decimal=decimal), str(path), decimal)


def _benchmark(env: Environment, name: str, decimal: str) -> tuple[_Side, Universe | None]:
    if Path(name).suffix.lower() in BOOK_SUFFIXES:
        book = read_book(env, Path(name), decimal)
        return _Side(name, book, {} if book.basis == "shares" else pf.book_weights(book), []), None
    universe = uv.one(env, name)
    weights = {c.ticker: c.weight / 100 for c in universe.companies if c.weight is not None}
    if not weights:
        raise UsageError(
            f"--benchmark {name}: the universe has no weights (import an ETF's holdings with "
            "`screener universe import-holdings`, or give a holdings file)"
        )
    missing = [
        NotIncluded("benchmark", None, c.ticker, c.ticker, NA, "no weight in the universe")
        for c in universe.companies
        if c.weight is None
    ]
    return _Side(name, None, weights, missing), universe


def _lookup(env: Environment, options: PortfolioOptions, wanted: set[str], extra: Universe | None) -> list[Universe]:
    """The universes to screen: those selected (else every one ``-u`` can find), then the benchmark universe, cut
    to the wanted names, each ticker once (the first universe listing it gives its name and group)."""
    pool = list(options.scope.selection.whole) if options.named else uv.configured(env)
    if extra is not None:
        pool.append(extra)
    seen: set[str] = set()
    out = []
    for universe in pool:
        companies = tuple(c for c in universe.companies if c.ticker in wanted and c.ticker not in seen)
        seen |= {c.ticker for c in companies}
        if companies:
            out.append(replace(universe, companies=companies))
    return out


def _rows(report: ScreenReport) -> dict[str, CompanyRow]:
    rows: dict[str, CompanyRow] = {}
    for block in report.groups:
        for row in block.rows:
            rows.setdefault(row.ticker, row)
    return rows


def _why_not(row: CompanyRow | None) -> str | None:
    """Why a name cannot be included (None: it can)."""
    if row is None:
        return "not in any universe (add it to a universe file, or import the ETF's holdings)"
    if row.quote is None or not is_num(row.price):
        if "price_after_as_of" in row.flags:
            return "no price at the as-of date (only a later one: a look-ahead)"
        return "no price at the as-of date"
    return None


def _usd(row: CompanyRow, shares: float, rates: Mapping[str, object]) -> float | None:
    assert row.quote is not None
    return fx.convert(shares * float(row.price), row.quote.currency, "USD", rates)  # type: ignore[arg-type]


def _weights(
    side: _Side, rows: Mapping[str, CompanyRow], report: ScreenReport
) -> tuple[dict[str, float], list[NotIncluded]]:
    """The included names' weights (fractions) and the names left out, with why."""
    missing = list(side.missing)
    book = side.book
    codes = {ln.ticker: ln for ln in book.lines} if book else {}
    kind = "portfolio" if side.label == "portfolio" else "benchmark"
    if book is not None:
        missing += [NotIncluded(kind, line, code, "", NA, why) for line, code, why in book.skipped]
    if book is not None and book.basis == "shares":
        usd: dict[str, float | None] = {}
        for ln in book.lines:
            row = rows.get(ln.ticker)
            why = _why_not(row)
            if why is None and row is not None:
                usd[ln.ticker] = _usd(row, ln.shares or 0.0, report.fx)
                if usd[ln.ticker] is None:
                    why = f"no FX rate for {row.quote.currency if row.quote else '?'} at the as-of date"
            if why is not None:
                missing.append(NotIncluded(kind, ln.line, ln.code, ln.ticker, NA, why))
        return pf.shares_weights(usd), missing
    weights: dict[str, float] = {}
    for ticker, weight in side.weights.items():
        why = _why_not(rows.get(ticker))
        if why is None:
            weights[ticker] = weight
        else:
            line = codes.get(ticker)
            code = line.code if line else ticker
            missing.append(NotIncluded(kind, line.line if line else None, code, ticker, weight, why))
    return weights, missing


def _weight_rows(
    keys: Mapping[str, str], held: Mapping[str, float], bench: Mapping[str, float] | None
) -> list[WeightRow]:
    mine = pf.weights_by(keys, held)
    theirs = pf.weights_by(keys, bench) if bench is not None else {}
    order = list(dict.fromkeys([*mine, *theirs]))
    if bench is None:
        return [WeightRow(k, mine.get(k, 0.0)) for k in order]
    return [WeightRow(k, mine.get(k, 0.0), theirs.get(k, 0.0), mine.get(k, 0.0) - theirs.get(k, 0.0)) for k in order]


def portfolio(env: Environment, options: PortfolioOptions) -> PortfolioReport:
    """The book against its benchmark at the scope's as-of date (module docstring)."""
    from screener.app.screen import ScreenOptions, screen

    book = read_book(env, options.file, options.decimal)
    mine = _Side("portfolio", book, {} if book.basis == "shares" else pf.book_weights(book), [])
    bench, extra = _benchmark(env, options.benchmark, options.decimal) if options.benchmark else (None, None)
    wanted = {ln.ticker for ln in book.lines}
    if bench is not None:
        wanted |= set(bench.weights) | ({ln.ticker for ln in bench.book.lines} if bench.book else set())
    universes = _lookup(env, options, wanted, extra)
    report = screen(env, ScreenOptions(over(options.scope, universes))) if universes else _empty(options.scope)
    rows = _rows(report)
    held, missing = _weights(mine, rows, report)
    bench_weights: dict[str, float] | None = None
    if bench is not None:
        bench_weights, more = _weights(replace(bench, label="benchmark"), rows, report)
        missing += more
    lines = [_line(rows[t], w, bench_weights, held=True) for t, w in held.items()]
    if bench_weights is not None:
        lines += [_line(rows[t], 0.0, bench_weights, held=False) for t in bench_weights if t not in held]
    values = {ln.ticker: {c: ln.value(c) for c in pf.STAT_COLUMNS} for ln in lines}
    coverage = {"portfolio": pf.summarise(held, values)}
    summary: dict[str, dict[str, Value]] = {"portfolio": {c: s.value for c, s in coverage["portfolio"].items()}}
    if bench_weights is not None:
        coverage["benchmark"] = pf.summarise(bench_weights, values)
        summary["benchmark"] = {c: s.value for c, s in coverage["benchmark"].items()}
        summary["active"] = {
            c: pf.difference(summary["portfolio"][c], summary["benchmark"][c]) for c in summary["portfolio"]
        }
    from screener.app.portfolio_betas import oxide_betas

    betas, beta_notes = oxide_betas(env, options.scope, universes, held, bench_weights)
    groups = {ln.ticker: ln.group for ln in lines}
    exposures = {ln.ticker: ln.exposure for ln in lines}
    return PortfolioReport(
        as_of=report.as_of,
        file=str(options.file),
        basis=book.basis,
        benchmark=options.benchmark,
        lines=lines,
        summary=summary,
        coverage=coverage,
        groups=_weight_rows(groups, held, bench_weights),
        exposures=_weight_rows(exposures, held, bench_weights),
        not_included=missing,
        included={"portfolio": sum(held.values())}
        | ({"benchmark": sum(bench_weights.values())} if bench_weights is not None else {}),
        betas=betas,
        banners=[*report.banners, *_banners(book, bench, missing, report, held, rows), *beta_notes],
        stale_fx=report.stale_fx,
    )


def _line(row: CompanyRow, weight: float, bench: Mapping[str, float] | None, *, held: bool) -> PortfolioLine:
    if bench is None:
        return PortfolioLine(row, weight, NA, NA, held)
    other = bench.get(row.ticker, 0.0)
    return PortfolioLine(row, weight, other, weight - other, held)


def _banners(
    book: pf.Book,
    bench: _Side | None,
    missing: Sequence[NotIncluded],
    report: ScreenReport,
    held: Mapping[str, float],
    rows: Mapping[str, CompanyRow],
) -> list[str]:
    out = []
    for label, side in (("portfolio", book), ("benchmark", bench.book if bench else None)):
        if side is not None and side.basis == "relative":
            total = sum(ln.raw_weight or 0.0 for ln in side.lines)
            out.append(
                f"{side.path}: the {side.column} column sums to {total:g}, neither 1 nor 100: read as relative "
                f"weights (each divided by the sum) for the {label}"
            )
    if book.basis == "shares":
        stale = sorted({rows[t].quote.currency for t in held if rows[t].quote} & report.stale_fx)  # type: ignore[union-attr]
        if stale:
            out.append(f"stale FX at the as-of date for {', '.join(stale)} (fx_stale): the shares-based weights use it")
    if missing:
        out.append(
            f"{len(missing)} name(s) not included (listed with the reason): they count in no statistic, and the "
            "statistics renormalise over the weight they cover"
        )
    return out


def _empty(scope: ResolvedScope) -> ScreenReport:
    return ScreenReport(as_of=scope.as_of, groups=[], fx={}, banners=list(scope.banners), sources_used=[], sort="etr",
                        missing=[])  # fmt: skip
