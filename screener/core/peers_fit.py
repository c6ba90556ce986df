"""The P/B-against-ROE line across peers: ordinary least squares of P/B FY1 on ROE FY1 (in %), and each name's
fair P/B at its ROE on that line (used by ``chart peers``, its ``--table`` and the workbook)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fit:
    """P/B = intercept + slope × ROE (ROE in %), ordinary least squares."""

    slope: float
    intercept: float
    r2: float

    def fair(self, roe: float) -> float:
        """The fitted P/B at ``roe`` (a fraction)."""
        return self.intercept + self.slope * roe * 100


def fit(points: list[tuple[str, float, float]]) -> Fit | None:
    """The OLS line through (name, ROE, P/B) points; None with fewer than 3 points or no spread of ROE."""
    x = np.array([roe * 100 for _, roe, _ in points])
    y = np.array([pb for _, _, pb in points])
    if len(x) < 3 or np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    return Fit(float(slope), float(intercept), float(np.corrcoef(x, y)[0, 1] ** 2))
