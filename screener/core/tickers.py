"""Map ticker codes as users paste them (Bloomberg, Reuters, Wind, ETF exports) to Yahoo symbols.

METHODS §8. Mainland China codes: the exchange comes from the code prefix, never from the suffix
(Bloomberg ``CH``/``C1``/``C2`` are country/connect codes): 6xxxxx and 9xxxxx -> ``.SS`` (Shanghai,
incl. STAR 688/689), 0xxxxx/2xxxxx/3xxxxx -> ``.SZ`` (Shenzhen). Hong Kong: four digits, zero padded.
Unknown forms raise :class:`TickerCodeError` naming the input: no guessing.
"""

from __future__ import annotations

import re

from screener.errors import TickerCodeError

# Bloomberg exchange/country code -> Yahoo suffix (for non-mainland listings).
BLOOMBERG_SUFFIX = {
    "US": "",
    "UN": "",
    "UW": "",
    "UQ": "",
    "UA": "",
    "AU": ".AX",
    "AT": ".AX",
    "JP": ".T",
    "JT": ".T",
    "HK": ".HK",
    "CN": ".TO",
    "CT": ".TO",
    "NA": ".AS",
    "FP": ".PA",
    "LN": ".L",
    "GR": ".DE",
    "GY": ".DE",
    "KS": ".KS",
}
# Reuters / Yahoo / Wind style dotted suffixes -> Yahoo suffix.
DOTTED_SUFFIX = {
    "SS": ".SS",
    "SH": ".SS",
    "SZ": ".SZ",
    "HK": ".HK",
    "AX": ".AX",
    "T": ".T",
    "JP": ".T",
    "US": "",
    "TO": ".TO",
    "AS": ".AS",
    "PA": ".PA",
    "L": ".L",
    "DE": ".DE",
    "KS": ".KS",
}
MAINLAND_MARKERS = {"CH", "C1", "C2", "SS", "SH", "SZ", "CG", "CS"}

_BLOOMBERG = re.compile(r"^([A-Z0-9]{1,10})\s+([A-Z][A-Z0-9])(?:\s+EQUITY)?$")
_DOTTED = re.compile(r"^([A-Z0-9-]{1,10})\.([A-Z]{1,2})(?:\s+EQUITY)?$")
_US_BARE = re.compile(r"^[A-Z][A-Z-]{0,5}$")


def mainland_suffix(code: str) -> str:
    """Exchange suffix for a six-digit mainland China code, from its prefix."""
    if not re.fullmatch(r"\d{6}", code):
        raise TickerCodeError(f"{code!r} is not a six-digit mainland China code")
    if code[0] in "69":
        return ".SS"
    if code[0] in "023":
        return ".SZ"
    raise TickerCodeError(f"mainland code {code!r}: prefix {code[0]} is neither Shanghai (6, 9) nor Shenzhen (0, 2, 3)")


def _hong_kong(code: str) -> str:
    if not code.isdigit() or len(code.lstrip("0")) > 4 or not code.lstrip("0"):
        raise TickerCodeError(f"Hong Kong code {code!r} must be 1-4 significant digits")
    return code.lstrip("0").zfill(4) + ".HK"


def _with_suffix(code: str, suffix: str, original: str) -> str:
    if suffix == ".HK":
        return _hong_kong(code)
    if suffix == ".T" and not re.fullmatch(r"\d{4}|\d{3}[A-Z]", code):
        raise TickerCodeError(f"{original!r}: Tokyo codes are four characters")
    if suffix in (".SS", ".SZ"):
        expected = mainland_suffix(code)
        if expected != suffix:
            raise TickerCodeError(
                f"{original!r}: code {code} trades in {'Shanghai' if expected == '.SS' else 'Shenzhen'}"
            )
        return code + suffix
    return code + suffix


def to_yahoo(code: str) -> str:
    """Map one pasted code to its Yahoo symbol, e.g. ``600111 CH Equity`` -> ``600111.SS``.

    Raises TickerCodeError naming the input for forms that are not understood (never a guess).
    """
    try:
        return _to_yahoo(code)
    except TickerCodeError as exc:
        message = str(exc)
        if repr(code) not in message:
            message = f"{code!r}: {message}"
        raise TickerCodeError(message) from None


def _to_yahoo(code: str) -> str:
    original = code
    text = " ".join(code.strip().upper().split())
    if not text:
        raise TickerCodeError("empty ticker code")
    if re.fullmatch(r"\d{6}", text):
        return text + mainland_suffix(text)
    match = _BLOOMBERG.match(text)
    if match:
        base, market = match.groups()
        if market in MAINLAND_MARKERS:
            return base + mainland_suffix(base)
        if market not in BLOOMBERG_SUFFIX:
            raise TickerCodeError(f"{original!r}: unknown exchange code {market!r}")
        return _with_suffix(base, BLOOMBERG_SUFFIX[market], original)
    match = _DOTTED.match(text)
    if match:
        base, market = match.groups()
        if re.fullmatch(r"\d{6}", base) and market in MAINLAND_MARKERS:
            exchange = mainland_suffix(base)
            if market in DOTTED_SUFFIX and DOTTED_SUFFIX[market] != exchange:
                raise TickerCodeError(f"{original!r}: code {base} trades on {exchange[1:]}, not {market}")
            return base + exchange
        if market not in DOTTED_SUFFIX:
            raise TickerCodeError(f"{original!r}: unknown exchange suffix {market!r}")
        return _with_suffix(base, DOTTED_SUFFIX[market], original)
    if _US_BARE.fullmatch(text):
        return text
    raise TickerCodeError(f"{original!r}: not a recognised ticker code form")
