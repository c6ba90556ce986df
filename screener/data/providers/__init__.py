"""Optional data providers beside Yahoo (#14), the ``screener[cn]`` extra: :mod:`~screener.data.providers.baostock`
(A-share daily P/E and P/B) and :mod:`~screener.data.providers.akshare_consensus` (A-share consensus). Each
provider module imports its package lazily and raises :class:`~screener.errors.ProviderMissing` (with the install
command) when it is absent.

:class:`ProviderReport` is what one provider did during ``screener fetch --valuation``: the fetch command prints its
:meth:`~ProviderReport.summary` line, and its ``banner`` when the provider as a whole was skipped or failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ProviderReport:
    """One provider's part of a fetch: how many names it was asked about (``what``: "A-shares", "names"), the new
    rows (or reports) stored per name, the names already up to date, per-name problems, and a one-line ``banner``
    when the provider as a whole was skipped (not installed, offline) or could not be reached."""

    provider: str
    what: str
    asked: int = 0
    updated: dict[str, int] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    banner: str = ""
    unit: str = "days"
    """What ``updated`` counts (new trading days, new reports)."""

    def summary(self) -> str:
        """``baostock: 12 A-shares, 3 updated (+240 days), 8 up to date, 1 failed`` (``skipped`` with a banner)."""
        changed = {t: n for t, n in self.updated.items() if n > 0}
        current = len(self.up_to_date) + sum(1 for n in self.updated.values() if n == 0)
        text = f"{self.provider}: {self.asked} {self.what}"
        if self.banner and not self.updated:
            return f"{text}, skipped"
        text += f", {len(changed)} updated (+{sum(changed.values())} {self.unit}), {current} up to date"
        return text + (f", {len(self.problems)} failed" if self.problems else "")
