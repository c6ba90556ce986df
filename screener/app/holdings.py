"""``screener universe import-holdings``: an ETF holdings export (CSV or XLSX) -> ``universes/NAME.toml``.

The file's rows are read here (CSV as UTF-8, else Windows-1252; XLSX's first sheet via :mod:`screener.data.sheets`,
percent cells and dates turned into text); parsing and ticker mapping are pure (:mod:`screener.core.holdings`).
The universe file is built with tomlkit (strings escaped), checked with the universe reader as a whole, then written
atomically into the ``universes/`` folder beside the config (``--dir`` overrides; the bundled defaults' folder
is never written: the user config folder's ``universes/`` instead). An existing file is kept unless ``replace``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from screener.app import universes as uv
from screener.core.holdings import (
    Holding,
    HoldingsFile,
    MappedHolding,
    Row,
    Unmapped,
    by_weight,
    map_holdings,
    parse_holdings,
)
from screener.core.text import undecodable
from screener.data.sheets import xlsx_rows
from screener.environment import Environment
from screener.errors import InputFileError, UsageError
from screener.inputs import DEFAULT_MAX_BYTES

FISCAL_YEAR_PLACEHOLDER = 12
"""The export gives no fiscal years; every company gets December, flagged in the file's header to correct."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class HoldingsImport:
    """``import-holdings`` options (``min_weight`` in percent; ``folder`` overrides the universes folder)."""

    file: Path
    name: str
    min_weight: float | None = None
    folder: Path | None = None
    group: str | None = None
    replace: bool = False
    decimal: str = "."


@dataclass
class HoldingsImportResult:
    """The file written and what went into it (and what did not, with reasons)."""

    path: Path
    fund: str
    fund_origin: str
    parsed: HoldingsFile
    companies: list[MappedHolding]
    unmapped: list[Unmapped]
    below_threshold: list[Holding]
    backup: Path | None = None
    """With ``--replace``: where the previous file was kept (``NAME.toml.bak``)."""

    @property
    def weight(self) -> float:
        return sum(c.weight for c in self.companies)


# --- reading ------------------------------------------------------------------------------------------------
def read_rows(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, decimal: str = ".") -> list[Row]:
    """The rows of a CSV or XLSX (first sheet) export, every cell as text: read bounded (a regular file within
    ``[limits] max_input_mb``), CSV as UTF-8 (with or without a byte-order mark), UTF-16 with its byte-order mark,
    else Windows-1252; ``decimal`` the separator of the sheet's numbers when written as text."""
    from screener.data.csv_columns import csv_records, file_text

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return list(xlsx_rows(path, max_bytes=max_bytes, decimal=decimal))
    if suffix == ".xls":
        raise InputFileError(str(path), "old Excel .xls is not read: save it as .xlsx or CSV", field="format")
    text = file_text(str(path), path, max_bytes=max_bytes, fallback="cp1252")
    return list(csv_records(str(path), text, decimal))


# --- the use case ------------------------------------------------------------------------------------------
def target_path(env: Environment, name: str, folder: Path | None) -> Path:
    """Where ``NAME.toml`` goes: ``folder``, else :func:`~screener.app.universes.universe_dir`."""
    if not _NAME.match(name):
        raise UsageError(
            f"--name: {name!r} must be a file name of letters, digits, '-' and '_' (e.g. remx), without .toml"
        )
    from screener.fileio import refuse_inside_package

    path = (folder if folder is not None else uv.universe_dir(env)) / f"{name}.toml"
    refuse_inside_package(path)
    return path


def import_holdings(env: Environment, options: HoldingsImport) -> HoldingsImportResult:
    """Parse, map and filter the holdings; write the universe file (see the module docstring)."""
    from screener.fileio import locked, write_atomic
    from screener.universe import parse_universe

    if options.group is not None and undecodable(options.group):
        raise UsageError("--group: not valid UTF-8 text (check the terminal's encoding)")
    if options.min_weight is not None and not 0 <= options.min_weight <= 100:
        raise UsageError(f"--min-weight must be a percentage 0-100, got {options.min_weight}")
    path = target_path(env, options.name, options.folder)
    clash = next(
        (
            p
            for p in env.settings.universe_files
            if p.stem.lower() == options.name.lower() and p.resolve() != path.resolve()
        ),
        None,
    )
    if clash is not None:
        raise UsageError(f"--name: the config already has a universe named {clash.stem!r} ({clash}); choose another")
    rows = read_rows(options.file, max_bytes=env.settings.max_input_bytes, decimal=options.decimal)
    parsed = parse_holdings(rows, str(options.file), options.decimal)
    kept, below = by_weight(parsed.holdings, options.min_weight)
    companies, unmapped = map_holdings(kept)
    fund, origin = _fund(parsed, options.file)
    if not companies:
        why = f"{len(parsed.holdings)} holdings, {len(below)} below --min-weight, {len(unmapped)} unmapped"
        raise UsageError(f"{options.file}: no company to write ({why}): nothing was written")
    result = HoldingsImportResult(path, fund, origin, parsed, companies, unmapped, below)
    text = universe_text(result, options, env.today())
    parse_universe(path, text, env.today())  # the file must validate as a whole before it is written
    with locked(path, env.settings.lock_timeout_seconds, make_parents=True):  # the check and the write together
        if path.exists() and not options.replace:
            raise UsageError(f"{path} exists: nothing was written (use --replace to overwrite it)")
        if path.exists():  # --replace: the previous file is kept as NAME.toml.bak (a curated universe is never lost)
            result.backup = path.with_name(path.name + ".bak")
            write_atomic(result.backup, path.read_bytes())
        write_atomic(path, text.encode("utf-8"))
    return result


def _fund(parsed: HoldingsFile, file: Path) -> tuple[str, str]:
    """The fund: as the file states it, else the file name's first word when it looks like an ETF ticker."""
    if parsed.fund:
        return parsed.fund, "stated in the file"
    first = re.split(r"[_\W]+", file.stem)[0]
    if re.fullmatch(r"[A-Z]{2,6}", first):
        return first, "from the file name"
    return "", "not stated"


def _one_line(text: str) -> str:
    from screener.core.text import clean_text

    return clean_text(text).strip()


def header_lines(result: HoldingsImportResult, options: HoldingsImport, today: date) -> list[str]:
    """The file's header comment: where it came from and everything that was left out, with reasons."""
    parsed = result.parsed
    threshold = "none (every holding)" if options.min_weight is None else f">= {options.min_weight:g}%"
    lines = [
        f"Universe {options.name}: imported from ETF holdings by `screener universe import-holdings`.",
        f"source file: {options.file.resolve()}",
        f"fund: {result.fund or 'not stated'} ({result.fund_origin})",
        f"holdings date: {parsed.as_of.isoformat() if parsed.as_of else 'not stated in the file'}",
        f"imported: {today.isoformat()}",
        f"weight threshold: {threshold}; weight = {parsed.weight_column} (percent)",
        f"companies: {len(result.companies)} ({result.weight:.2f}% of net assets) from {len(parsed.holdings)} "
        f"equity holdings; {len(result.below_threshold)} below the threshold, {len(result.unmapped)} unmapped, "
        f"{len(parsed.skipped)} lines skipped (not equity or not held)",
        f"unmapped (name, code): {'none' if not result.unmapped else ''}",
    ]
    lines += [
        f"  - {u.holding.name!r}, {u.holding.code!r} (line {u.holding.line}): {u.reason}" for u in result.unmapped
    ]
    lines.append(f"skipped (not equity or not held): {'none' if not parsed.skipped else ''}")
    lines += [f"  - {h.name!r} ({h.asset_class or 'no code'}, {_pct(h.weight)}, line {h.line})" for h in parsed.skipped]
    if result.below_threshold:
        names = ", ".join(f"{h.code} {_pct(h.weight)}" for h in result.below_threshold)
        lines.append(f"below the threshold: {names}")
    lines.append(
        f"fiscal_year_end_month = {FISCAL_YEAR_PLACEHOLDER} is a placeholder (the export gives no fiscal years): "
        "correct it before relying on FY1/FY2 labels."
    )
    return [_one_line(line) if not line.startswith("  ") else "  " + _one_line(line) for line in lines]


def _pct(weight: float | None) -> str:
    return "no weight" if weight is None else f"{weight:g}%"


def universe_text(result: HoldingsImportResult, options: HoldingsImport, today: date) -> str:
    """The universe file (TOML, tomlkit-escaped) with its header comment."""
    import tomlkit

    doc = tomlkit.document()
    for line in header_lines(result, options, today):
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    header = tomlkit.table()
    header["name"] = options.name
    dated = f" as of {result.parsed.as_of.isoformat()}" if result.parsed.as_of else ""
    header["description"] = f"{result.fund or options.file.name} holdings{dated} ({options.file.name})"
    doc["universe"] = header
    group = options.group or result.fund or options.name
    companies = tomlkit.aot()
    for company in result.companies:
        entry = tomlkit.table()
        entry["ticker"] = company.ticker
        entry["aliases"] = list(company.codes)
        entry["name"] = _one_line(company.name)
        entry["group"] = group
        entry["currency"] = company.currency
        entry["fiscal_year_end_month"] = FISCAL_YEAR_PLACEHOLDER
        entry["weight"] = round(company.weight, 6)
        companies.append(entry)
    doc["company"] = companies
    return tomlkit.dumps(doc)
