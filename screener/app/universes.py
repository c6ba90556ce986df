"""Universe use cases: which universes a run covers, one company by ticker, list/show/validate."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from screener.core.cells import is_currency
from screener.core.tickers import to_yahoo
from screener.environment import Environment
from screener.errors import ConfigError, TickerCodeError, UnknownSelection, UsageError
from screener.models import Company, Universe
from screener.research import ResearchIndex, build_index, with_research
from screener.universe import load_universe, load_universes, one_entry_per_ticker, resolve_universe_args


def symbol(code: str, option: str = "TICKER") -> str:
    """A ticker argument in any pasted form -> its Yahoo symbol; an unmappable code is a usage error (exit 2)."""
    try:
        return to_yahoo(code)
    except TickerCodeError as exc:
        raise UsageError(f"{option}: {exc}") from None


def currency_option(code: str | None, option: str) -> str | None:
    """A currency option (``--currency cny``) as its code, upper-cased; three letters A-Z, else a usage error
    naming the option (exit 2). None stays None."""
    if code is None:
        return None
    upper = code.strip().upper()
    if not is_currency(upper):
        raise UsageError(f"{option}: a currency is three letters A-Z like CNY, got {code!r}")
    return upper


def _configured_files(env: Environment) -> tuple[Path, ...]:
    """The universe files listed in config.toml; a missing one is a config error naming ``universes.files``."""
    settings = env.settings
    for path in settings.universe_files:
        if not path.exists():
            raise ConfigError(
                str(settings.path), f"{path}: file not found", line=settings.universes_line, field="universes.files"
            )
    return settings.universe_files


def universe_dir(env: Environment) -> Path:
    """The ``universes/`` folder beside the config in use; for the bundled defaults (inside the installed
    package) the one in the user config folder instead. ``-u NAME`` finds ``NAME.toml`` there."""
    where = env.config_location
    if where.bundled:
        return env.user_config_dir() / "universes"
    return where.path.resolve().parent / "universes"


def selected(env: Environment, names: Sequence[str] | None) -> list[Universe]:
    """The universes named with -u (configured names, files in :func:`universe_dir`, or .toml paths); all
    configured ones when none. Each company carries its research from every configured and selected file
    (:mod:`screener.research`); a ticker in two selected files is an error."""
    return with_research(*selected_research(env, names))


def selected_research(env: Environment, names: Sequence[str] | None) -> tuple[list[Universe], ResearchIndex]:
    """The selected universes as their files give them, and the research index of the configured files
    (config order) and the selected ones: research conflicts raise before a ticker selected twice does."""
    configured = env.settings.universe_files if names else _configured_files(env)
    paths = resolve_universe_args(list(names or []), configured, universe_dir(env) if names else None)
    loaded = _loader(env)
    chosen = [loaded(p) for p in paths]
    index = build_index([*(loaded(p) for p in _configured_files(env)), *chosen])
    return one_entry_per_ticker(chosen), index


def _loader(env: Environment, known: Sequence[Universe] = ()) -> Callable[[Path], Universe]:
    """``load_universe`` reading each file once (by resolved path; ``known`` ones are not read again)."""
    cache = {Path(u.path).resolve(): u for u in known}

    def load(path: Path) -> Universe:
        key = path.resolve()
        if key not in cache:
            cache[key] = load_universe(path, env.today(), env.settings.max_input_bytes)
        return cache[key]

    return load


def with_configured_research(env: Environment, universes: Sequence[Universe]) -> list[Universe]:
    """``universes`` with their companies' research from the configured files and from themselves."""
    loaded = _loader(env, universes)
    return with_research(universes, build_index([*(loaded(p) for p in _configured_files(env)), *universes]))


def companies(universes: Sequence[Universe]) -> list[Company]:
    """Every company of the universes, in file order."""
    return [c for u in universes for c in u.companies]


def only_tickers(universes: Sequence[Universe], codes: Sequence[str]) -> list[Universe]:
    """The universes keeping only the companies named by ``codes`` (any code form, matched on the Yahoo symbol or
    an alias); none named: unchanged. A code that matches no company is a UsageError listing it."""
    if not codes:
        return list(universes)
    wanted: dict[str, str] = {}
    for code in codes:
        wanted.setdefault(code.strip().upper(), code)
        with contextlib.suppress(TickerCodeError):
            wanted.setdefault(to_yahoo(code).upper(), code)
    matched: set[str] = set()
    kept = []
    for universe in universes:
        keep = []
        for company in universe.companies:
            names = {company.ticker.upper(), *(a.strip().upper() for a in company.aliases)}
            names |= {_yahoo_or_none(a) for a in company.aliases} - {None}  # type: ignore[arg-type]
            hits = names & wanted.keys()
            if hits:
                keep.append(company)
                matched |= {wanted[h] for h in hits}
        kept.append(replace(universe, companies=tuple(keep)))
    missing = [c for c in codes if c not in matched]
    if missing:
        raise UsageError(
            f"TICKER: {', '.join(missing)} not in the selected universes (see `screener universe show NAME`)"
        )
    return [u for u in kept if u.companies]


def _yahoo_or_none(code: str) -> str | None:
    try:
        return to_yahoo(code).upper()
    except TickerCodeError:
        return None


def in_groups(companies: Sequence[Company], groups: Sequence[str]) -> list[Company]:
    """The companies of these peer groups (case-insensitive; none named: all). An unknown group is a UsageError
    listing the known ones."""
    wanted = {g.lower() for g in groups}
    known = {c.group.lower() for c in companies}
    if wanted - known:
        reason = f"unknown group {', '.join(sorted(wanted - known))} (known: {', '.join(sorted(known))})"
        raise UnknownSelection("groups", reason, "--group")
    return [c for c in companies if c.group.lower() in wanted] if wanted else list(companies)


def currencies(companies: Sequence[Company]) -> set[str]:
    """Trading and house-model currencies of these companies (what FX is needed for)."""
    return {c.currency for c in companies} | {c.model.currency for c in companies if c.model}


def find_company(env: Environment, names: Sequence[str] | None, ticker: str) -> Company | None:
    """The universe entry of ``ticker`` (configured universes, or those given with -u), or None."""
    return next((c for c in companies(selected(env, names)) if c.ticker == ticker), None)


def configured(env: Environment) -> list[Universe]:
    """The universes named in the config, then the other ``*.toml`` in the universes folder beside it (where
    ``universe import-holdings`` writes): everything ``-u NAME`` can find."""
    files = list(_configured_files(env))
    named = {p.resolve() for p in files}
    folder = universe_dir(env)
    extra = (
        sorted(p for p in folder.glob("*.toml") if p.is_file() and p.resolve() not in named) if folder.is_dir() else []
    )
    # each extra file on its own: an ETF universe shares names with the configured ones by design
    own = load_universes(files, env.today(), env.settings.max_input_bytes)
    return with_research(own, build_index(own)) + [
        with_research([u], build_index([*own, u]))[0]
        for u in (load_universe(p, env.today(), env.settings.max_input_bytes) for p in extra)
    ]


def one(env: Environment, name: str) -> Universe:
    """One universe by name (from config or :func:`universe_dir`) or .toml path."""
    path = Path(name)
    if not (path.suffix == ".toml" and path.exists()):
        path = resolve_universe_args([name], env.settings.universe_files, universe_dir(env))[0]
    return with_configured_research(env, [load_universe(path, env.today(), env.settings.max_input_bytes)])[0]


def validate(env: Environment, files: Sequence[Path] | None) -> list[Universe]:
    """Check universe files (default: those in config.toml), and their research against the configured files';
    the first problem raises, naming file:line:field."""
    if not files:
        checked = load_universes(list(_configured_files(env)), env.today(), env.settings.max_input_bytes)
    else:
        # a name (`universe validate remx`) is found as `-u remx` is; a path is checked as given
        paths = [f if f.exists() or f.suffix == ".toml" else _named(env, str(f)) for f in files]
        checked = load_universes(paths, env.today(), env.settings.max_input_bytes)
    with_configured_research(env, checked)
    return checked


def _named(env: Environment, name: str) -> Path:
    return resolve_universe_args([name], env.settings.universe_files, universe_dir(env))[0]
