"""Options shared by the importers (prices, estimates, valuation, financials, FX, oxides, holdings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class DecimalMark(StrEnum):
    point = "."
    comma = ","


DecimalOption = Annotated[
    DecimalMark,
    typer.Option(
        "--decimal",
        help="Decimal separator of the file's numbers: '.' (default; '1,234.5' reads as 1234.5) or ',' for a European "
        "file ('1.234,5'; ';' separates the fields when the header line has one). A number whose separators are "
        "ambiguous (0,5 without --decimal ,) is refused.",
    ),
]
