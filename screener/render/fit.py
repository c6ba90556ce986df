"""Tables that fit the terminal: every shown cell whole, lower-priority columns dropped and named.

A table declares its columns (:class:`Spec`) in display order, each with a priority (0 = identity, always shown;
1 = most important; the highest number is dropped first). At render time, with the width rich gives it:

- each column needs the width of its longest cell or header (rich ``cell_len``); a name column (``shrink``)
  may be cut with ``…`` on one line down to its ``shrink`` width, a prose column (``wrap``) may wrap between
  words down to its longest word; nothing else is ever shortened: numbers, dates and tickers stay whole;
- the table's width is those widths plus padding and borders; while it is wider than the terminal the
  least important column still shown is dropped;
- a footer line names the dropped columns (``hidden at 80 columns: ROE FY1, DY FY2 — use --wide or --columns``).

``View.columns`` picks columns by key, shown in the order given (identity columns always come along, first when
not named); ``View.wide`` shows every picked
column at its natural width even when the table is then wider than the terminal (the caller prints uncropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from screener.errors import UsageError

NAME_MIN = 16
"""The narrowest a company name is cut to (with ``…``) before columns are dropped instead."""
HINT = "use --wide or --columns"


@dataclass(frozen=True)
class Spec:
    """A column: key (the CSV/sort name ``--columns`` takes), header, priority (0 identity, 1 most important),
    justification; ``shrink`` = a name that may be cut with ``…`` down to that width; ``wrap`` = prose that may
    wrap between words."""

    key: str
    header: str
    priority: int = 0
    justify: Literal["left", "right"] = "left"
    shrink: int | None = None
    wrap: bool = False


@dataclass(frozen=True)
class View:
    """What the user asked for: ``--columns`` (keys; None = all) and ``--wide``."""

    columns: tuple[str, ...] | None = None
    wide: bool = False

    @classmethod
    def parse(cls, columns: str | None, wide: bool, keys: Iterable[str]) -> View:
        """``--columns a,b,c`` checked against the valid ``keys``; an unknown one is a usage error (exit 2)."""
        if columns is None:
            return cls(None, wide)
        picked = tuple(dict.fromkeys(c.strip().lower() for c in columns.split(",") if c.strip()))
        valid = list(dict.fromkeys(keys))
        unknown = [c for c in picked if c not in valid]
        if unknown or not picked:
            what = f"unknown column {', '.join(map(repr, unknown))}" if unknown else "no column named"
            raise UsageError(f"--columns: {what} (one of {', '.join(valid)})")
        return cls(picked, wide)

    def picks(self, spec: Spec) -> bool:
        return spec.priority == 0 or self.columns is None or spec.key in self.columns

    def order(self, specs: Sequence[Spec]) -> list[int]:
        """The indexes of the columns shown, in display order: the table's own order, or with ``--columns`` the
        identity columns not named first, then the named ones in the order given."""
        picked = [i for i, spec in enumerate(specs) if self.picks(spec)]
        if self.columns is None:
            return picked
        rank = {key: n for n, key in enumerate(self.columns)}
        return sorted(picked, key=lambda i: (specs[i].key in rank, rank.get(specs[i].key, -1), i))


@dataclass(frozen=True)
class Row:
    cells: Sequence[Text | str]
    style: str | None = None
    end_section: bool = False


@dataclass(frozen=True)
class Plan:
    """The columns shown (indexes, display order) with their widths, those hidden for lack of room, the width."""

    shown: list[int]
    widths: dict[int, int]
    hidden: list[int]
    width: int


def _lines(text: Text) -> list[str]:
    return text.plain.split("\n") or [""]


def _cell_len(text: Text) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for line in _lines(text))


def _longest_word(text: Text) -> int:
    from rich.cells import cell_len

    return max([0] + [cell_len(word) for line in _lines(text) for word in line.split()])


@dataclass
class FittedTable:
    """A rich table that chooses its columns when rendered, at the width it gets (see the module docstring)."""

    specs: Sequence[Spec]
    rows: Sequence[Row]
    view: View = field(default_factory=View)
    title: str | None = None
    caption: str | None = None
    pad_edge: bool = True
    hint: str | None = HINT
    title_justify: Literal["left", "center", "right"] = "center"

    def __post_init__(self) -> None:
        cells = [[c if isinstance(c, Text) else Text(c) for c in row.cells] for row in self.rows]
        for row in cells:
            assert len(row) == len(self.specs), "a row needs one cell per column"
        self._cells = cells
        self.natural: list[int] = []
        self.least: list[int] = []
        for index, spec in enumerate(self.specs):
            header = len(spec.header)
            natural = max([header] + [_cell_len(row[index]) for row in cells])
            least = natural
            if spec.wrap:
                least = max([header] + [_longest_word(row[index]) for row in cells])
            elif spec.shrink is not None:
                least = min(natural, max(header, spec.shrink))
            self.natural.append(natural)
            self.least.append(least)

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.specs]

    def overhead(self, columns: int) -> int:
        """Borders and padding of a table with this many columns (rich's default box, edge shown)."""
        padding = 2 * columns - (0 if self.pad_edge else 2)
        return padding + (columns - 1) + 2

    def total(self, widths: Iterable[int]) -> int:
        sizes = list(widths)
        return sum(sizes) + self.overhead(len(sizes))

    def plan(self, width: int) -> Plan:
        """Which columns to show at ``width`` and how wide each is."""
        shown = self.view.order(self.specs)
        hidden: list[int] = []
        if self.view.wide:
            return Plan(shown, {i: self.natural[i] for i in shown}, hidden, width)
        # least important first; of equal priority, the rightmost first
        droppable = sorted(
            (i for i in shown if self.specs[i].priority > 0), key=lambda i: (-self.specs[i].priority, -i)
        )
        while self.total(self.least[i] for i in shown) > width and droppable:
            dropped = droppable.pop(0)
            shown.remove(dropped)
            hidden.append(dropped)
        widths = {i: self.least[i] for i in shown}
        slack = width - self.total(widths.values())
        growing = [i for i in shown if widths[i] < self.natural[i]]
        while slack > 0 and growing:  # names and prose share the room left, a cell at a time, up to natural
            for i in list(growing):
                if slack == 0:
                    break
                widths[i] += 1
                slack -= 1
                if widths[i] == self.natural[i]:
                    growing.remove(i)
        return Plan(shown, widths, sorted(hidden), width)

    def table(self, plan: Plan) -> Table:
        table = Table(
            title=self.title,
            caption=self.caption,
            header_style="bold",
            pad_edge=self.pad_edge,
            title_justify=self.title_justify,
        )
        for i in plan.shown:
            spec = self.specs[i]
            table.add_column(
                spec.header,
                justify=spec.justify,
                width=plan.widths[i],
                no_wrap=not spec.wrap,
                overflow="ellipsis" if spec.shrink is not None else "fold",
            )
        for row, cells in zip(self.rows, self._cells, strict=True):
            table.add_row(*(cells[i] for i in plan.shown), style=row.style, end_section=row.end_section)
        return table

    def footer(self, plan: Plan) -> Text | None:
        if not plan.hidden:
            return None
        names = ", ".join(self.specs[i].header for i in plan.hidden)
        hint = f" — {self.hint}" if self.hint else ""
        return Text(f"hidden at {plan.width} columns: {names}{hint}", style="dim")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plan = self.plan(options.max_width)
        needed = self.total(plan.widths.values())
        if needed > options.max_width:  # --wide (or identity alone too wide): render whole, the caller won't crop
            yield from console.render(self.table(plan), options.update(width=needed))
        else:
            yield self.table(plan)
        note = self.footer(plan)
        if note is not None:
            yield note

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        identity = [self.least[i] for i, s in enumerate(self.specs) if s.priority == 0]
        everything = [self.natural[i] for i, s in enumerate(self.specs) if self.view.picks(s)]
        return Measurement(self.total(identity), self.total(everything))
