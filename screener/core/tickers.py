"""Map ticker codes as users paste them (Bloomberg, Reuters, Wind, ETF exports) to Yahoo symbols.

METHODS §8. Mainland China codes: the exchange comes from the code prefix, never from the suffix
(Bloomberg ``CH``/``C1``/``C2`` are country/connect codes): 6xxxxx and 9xxxxx -> ``.SS`` (Shanghai,
incl. STAR 688/689), 0xxxxx/2xxxxx/3xxxxx -> ``.SZ`` (Shenzhen). Hong Kong: four digits, zero padded.
Bloomberg ``SS`` is Stockholm for a code that is not six digits (``VOLVB SS`` -> ``VOLVB.ST``).
Unknown forms raise :class:`TickerCodeError` naming the input: no guessing.

:func:`currency_of` gives the trading currency Yahoo quotes a symbol in, from its exchange suffix (London in
pence: ``GBX``); a suffix whose currency is not listed raises :class:`TickerCodeError`.
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
    "UR": "",
    "UP": "",
    "UV": "",
    "CV": ".V",
    "IM": ".MI",
    "SM": ".MC",
    "SW": ".SW",
    "SE": ".SW",
    "NO": ".OL",
    "DC": ".CO",
    "FH": ".HE",
    "BB": ".BR",
    "AV": ".VI",
    "ID": ".IR",
    "PL": ".LS",
    "SP": ".SI",
    "TT": ".TW",
    "KQ": ".KQ",
    "NZ": ".NZ",
    "BZ": ".SA",
    "MM": ".MX",
    "CI": ".SN",
    "IN": ".NS",
    "IB": ".BO",
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
    "V": ".V",
    "MI": ".MI",
    "MC": ".MC",
    "SW": ".SW",
    "ST": ".ST",
    "OL": ".OL",
    "CO": ".CO",
    "HE": ".HE",
    "BR": ".BR",
    "VI": ".VI",
    "IR": ".IR",
    "LS": ".LS",
    "SI": ".SI",
    "TW": ".TW",
    "KQ": ".KQ",
    "NZ": ".NZ",
    "SA": ".SA",
    "MX": ".MX",
    "SN": ".SN",
    "NS": ".NS",
    "BO": ".BO",
}
# Yahoo suffix -> the currency Yahoo quotes it in (London in pence, GBX; see core/fx.py MINOR_UNITS).
SUFFIX_CURRENCY = {
    "": "USD",
    ".SS": "CNY",
    ".SZ": "CNY",
    ".HK": "HKD",
    ".AX": "AUD",
    ".T": "JPY",
    ".TO": "CAD",
    ".V": "CAD",
    ".AS": "EUR",
    ".PA": "EUR",
    ".DE": "EUR",
    ".MI": "EUR",
    ".MC": "EUR",
    ".HE": "EUR",
    ".BR": "EUR",
    ".VI": "EUR",
    ".IR": "EUR",
    ".LS": "EUR",
    ".L": "GBX",
    ".SW": "CHF",
    ".ST": "SEK",
    ".OL": "NOK",
    ".CO": "DKK",
    ".KS": "KRW",
    ".KQ": "KRW",
    ".SI": "SGD",
    ".TW": "TWD",
    ".NZ": "NZD",
    ".SA": "BRL",
    ".MX": "MXN",
    ".SN": "CLP",
    ".NS": "INR",
    ".BO": "INR",
}
MAINLAND_MARKERS = {"CH", "C1", "C2", "SS", "SH", "SZ", "CG", "CS"}

_BLOOMBERG = re.compile(r"^([A-Z0-9][A-Z0-9/-]{0,9})\s+([A-Z][A-Z0-9])(?:\s+EQUITY)?$")
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
        base = base.replace("/", "-")  # share classes: Bloomberg BRK/B -> Yahoo BRK-B
        if market == "SS" and not re.fullmatch(r"\d{6}", base):
            return base + ".ST"  # Bloomberg SS: Stockholm (mainland codes are six digits)
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


def suffix_of(symbol: str) -> str:
    """The exchange suffix of a Yahoo symbol (``.AX`` of ``LYC.AX``; empty for a US listing like ``MP``)."""
    head, dot, tail = symbol.rpartition(".")
    return f".{tail}" if dot and head and tail.isalpha() else ""


def currency_of(symbol: str) -> str:
    """The currency Yahoo quotes ``symbol`` in, from its exchange suffix (``LYC.AX`` -> AUD, ``MP`` -> USD).

    A suffix not in :data:`SUFFIX_CURRENCY` raises TickerCodeError naming the symbol: no guessing.
    """
    suffix = suffix_of(symbol)
    if suffix not in SUFFIX_CURRENCY:
        raise TickerCodeError(f"{symbol!r}: no trading currency known for exchange suffix {suffix!r}")
    return SUFFIX_CURRENCY[suffix]
