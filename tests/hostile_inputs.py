"""Hostile-input cases of #21 items 5, 6 and 8 (plausible values, bounded inputs, one-line input errors), run by
the one runner in tests/test_hostile_input.py: each must end with exit 2 and ONE line naming the file, line and
field (or the option), and leave the store and the rating history byte-identical."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from . import workbooks as wb
from .hostile_case import Case

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
"""Within the year ahead that date options accept, yet in the future."""
PRICE = ("prices", "import", "{file}", "--ticker", "600111.SS")
ESTIMATES = "ticker,fiscal_year,as_of,eps,dps,bvps,ebitda,net_debt,target_price,n_analysts\n"
GOOD_ESTIMATE = "600111 CH,2025,2025-06-30,0.5,0.1,5.2,9000,100,30,7\n"
OX = ("--series", "x1", "--value-col", "value", "--unit", "CNY/kg", "--currency", "CNY")
HOLDINGS = "Ticker,Holding Name,Asset Class,% of Net Assets\nMP US,Mp Materials Corp,Stock,5.73%\n"
STATEMENTS = "item,unit,2023,2024,2025e\nrevenue,CNY m,37004,33352,42135\n"


def _bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def price(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = (), name: str = "") -> Case:
    """``prices import`` of one history."""
    argv = (*PRICE, *extra)
    return Case(f"in-prices-{id}", argv, needles, _bytes(content), name or f"{id}.csv", config="{small}" not in argv)


def xlsx(id: str, content: bytes, *needles: str, argv: tuple[str, ...] = PRICE) -> Case:
    """A workbook given to an importer (``prices import`` by default)."""
    return Case(f"in-xlsx-{id}", argv, (f"{id}.xlsx", *needles), content, f"{id}.xlsx", config="{small}" not in argv)


def estimates(id: str, rows: str | bytes, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    content = rows if isinstance(rows, bytes) else ESTIMATES + rows
    return Case(f"in-estimates-{id}", ("estimates", "import", "{file}", *extra), needles, _bytes(content), f"{id}.csv")


def valuation(id: str, content: str, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    argv = ("valuation", "import", "{file}", "--ticker", "600111.SS", *extra)
    return Case(f"in-valuation-{id}", argv, needles, content.encode(), f"{id}.csv")


def financials(id: str, content: str, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    argv = ("financials", "import", "{file}", "--ticker", "600111.SS", *extra)
    return Case(f"in-financials-{id}", argv, needles, content.encode(), f"{id}.csv")


def fx(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = ("--currency", "CNY")) -> Case:
    return Case(f"in-fx-{id}", ("fx", "import", "{file}", *extra), needles, _bytes(content), f"{id}.csv")


def oxides(id: str, content: str, *needles: str, extra: tuple[str, ...] = OX) -> Case:
    return Case(f"in-oxides-{id}", ("oxides", "import", "{file}", *extra), needles, content.encode(), f"{id}.csv")


def holdings(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    argv = ("universe", "import-holdings", "{file}", "--name", "hostile", "--dir", "{dir}", *extra)
    return Case(f"in-holdings-{id}", argv, needles, _bytes(content), f"{id}.csv")


def device(id: str, *argv: str, needles: tuple[str, ...], config: bool = True) -> Case:
    """``/dev/zero`` given as a file: refused before it is read (run in a child process with a memory limit)."""
    return Case(f"in-device-{id}", argv, ("/dev/zero", "not a regular file", *needles), config=config, subprocess=True)


def fifo(id: str, *argv: str, needles: tuple[str, ...] = (), config: bool = True) -> Case:
    """A named pipe nobody writes to: refused before it is opened (opening it would block forever)."""
    return Case(f"in-fifo-{id}", argv, ("pipe.csv", "not a regular file", *needles), config=config)


def view(id: str, universe: str, ticker: str, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    """``view set`` on a universe file of the case (refused: the file is left as it was)."""
    argv = ("view", "set", ticker, "--rating", "Buy", "--target", "30", "-u", "{file}", *extra)
    return Case(f"in-view-{id}", argv, needles, universe.encode(), f"{id}.toml")


D = "date,close\n"
UTF16 = "\ufeffdate,close\n2021-01-04,10\n2021-02-30,11\n".encode("utf-16-le")
INLINE_COMPANY = (
    'company = [{ticker = "AMG.AS", name = "AMG", group = "g", currency = "EUR", fiscal_year_end_month = 12}]\n'
    '[universe]\nname = "inline"\n'
)
COMPANY = '[[company]]\nticker = "AMG.AS"\nname = "AMG"\ngroup = "g"\ncurrency = "EUR"\nfiscal_year_end_month = 12\n'
HOUSE = 'rating = "Buy", target_price = 10.0, set_on = 2025-01-02'

DATE_CASES = [
    price("time-of-day", D + "2021-01-04 09:30,10\n", "time-of-day.csv:2: date:", "time of day"),
    price("two-times-one-day", D + "2021-01-04 09:30,10\n2021-01-04 15:00,11\n", ":2: date:", "time of day"),
    price("offset", D + "2021-01-04T00:00:00+08:00,10\n", "offset.csv:2: date:", "time zone"),
    price("zulu", D + "2021-01-04T00:00:00Z,10\n", "zulu.csv:2: date:", "time zone"),
    price("utc-word", D + "2021-01-04 00:00 UTC,10\n", "utc-word.csv:2: date:", "time zone"),
    price("zone-no-time", D + "2021-01-04Z,10\n", "zone-no-time.csv:2: date:", "time zone"),
    price("year-only", D + "2021,10\n", "year-only.csv:2: date:", "partial date"),
    price("year-month", D + "2021-02,10\n", "year-month.csv:2: date:", "partial date"),
    price("trailing-text", D + "2021-01-04garbage,10\n", "trailing-text.csv:2: date:", "trailing text"),
    price("year-one", D + "0001-01-01,10\n", "year-one.csv:2: date:", "before 1900-01-01"),
    price("year-1899", D + "1899-12-31,10\n", "year-1899.csv:2: date:", "before 1900-01-01"),
    price("tomorrow", D + f"2021-01-04,10\n{TOMORROW},11\n", "tomorrow.csv:3: date:", "in the future"),
    price("us-date", D + "01/04/2021,10\n", "us-date.csv:2: date:", "unparseable date"),
]
NUMBER_CASES = [
    price("decimal-comma", D + '2021-01-04,"0,5"\n', "decimal-comma.csv:2: close:", "ambiguous number '0,5'"),
    price("european", D + '2021-01-04,"1.234,5"\n', "european.csv:2: close:", "ambiguous", "--decimal ,"),
    price("short-group", D + '2021-01-04,"12,34"\n', "short-group.csv:2: close:", "ambiguous"),
    price("leading-zero-group", D + '2021-01-04,"0,500"\n', "leading-zero-group.csv:2: close:", "ambiguous"),
    price("point-read-as-comma", D + "2021-01-04,1.5\n", ":2: close:", "ambiguous", extra=("--decimal", ",")),
    price("comma-file-bad-date", "date;close\n2021-01-04;1,5\n2021-02-30;2,5\n", ":3: date:", extra=("--decimal", ",")),
    price("too-large", D + "2021-01-04,2e9\n", "too-large.csv:2: close:", "plausible range"),
    price("decimal-unknown", D + "2021-01-04,1\n", "--decimal", extra=("--decimal", ";")),
    price("currency-umlauts", D + "2021-01-04,1\n", "--currency", extra=("--currency", "ÄÖÜ")),
    price("currency-four", D + "2021-01-04,1\n", "--currency", extra=("--currency", "XXXX")),
    price("utf16-bom", UTF16, "utf16-bom.csv:3: date:", "no such day"),
    price("wide-header", "date," + ",".join(f"c{i}" for i in range(100_000)) + "\n", "more than 16,384"),
    price(
        "late-duplicate", "date,close," + ",".join(f"c{i}" for i in range(15_000)) + ",c7\n", "duplicate column 'c7'"
    ),
]
XLSX_CASES = [xlsx(name, make()) for name, make in wb.BROKEN.items()] + [
    xlsx("stale-dimension", wb.stale_dimension(), ":5: date:", "no such day"),
    xlsx("timed-cells", wb.timed_rows(), ":2: date:", "time of day"),
    xlsx("decompressed", wb.compressible(), "decompressed", "max_input_mb", argv=(*PRICE, "--config", "{small}")),
    xlsx("estimates-bad-crc", wb.bad_crc(), "Bad CRC", argv=("estimates", "import", "{file}")),
    xlsx(
        "valuation-truncated",
        wb.BROKEN["truncated-sheet"](),
        "not a readable",
        argv=("valuation", "import", "{file}", "--ticker", "600111.SS"),
    ),
    xlsx(
        "holdings-entities", wb.BROKEN["entities"](), "DTD", argv=("universe", "import-holdings", "{file}", "-n", "h")
    ),
    xlsx(
        "financials-huge-comment",
        wb.huge_comment(),
        "without markup",
        argv=("financials", "import", "{file}", "--ticker", "600111.SS"),
    ),
]
ESTIMATE_CASES = [
    estimates("target-1e300", "600111 CH,2025,2025-06-30,0.5,,,,,1e300,\n", ":2: target_price:", "plausible range"),
    estimates("target-zero", "600111 CH,2025,2025-06-30,0.5,,,,,0,\n", ":2: target_price:", "must be positive"),
    estimates("eps-subnormal", "600111 CH,2025,2025-06-30,1e-320,,,,,,\n", ":2: eps:", "plausible range"),
    estimates("eps-huge", "600111 CH,2025,2025-06-30,2e6,,,,,,\n", ":2: eps:", "plausible range"),
    estimates("analysts-1e308", "600111 CH,2025,2025-06-30,0.5,,,,,,1e308\n", ":2: n_analysts:", "plausible range"),
    estimates("analysts-fraction", "600111 CH,2025,2025-06-30,0.5,,,,,,7.5\n", ":2: n_analysts:", "whole number"),
    estimates("analysts-negative", "600111 CH,2025,2025-06-30,0.5,,,,,,-1\n", ":2: n_analysts:", "zero or more"),
    estimates("bvps-zero", "600111 CH,2025,2025-06-30,0.5,,0,,,,\n", ":2: bvps:", "must not be 0"),
    estimates("dps-negative", "600111 CH,2025,2025-06-30,0.5,-0.1,,,,,\n", ":2: dps:", "zero or more"),
    estimates("ebitda-huge", "600111 CH,2025,2025-06-30,0.5,,,1e13,,,\n", ":2: ebitda:", "plausible range"),
    estimates("net-debt-inf", "600111 CH,2025,2025-06-30,0.5,,,,inf,,\n", ":2: net_debt:", "finite"),
    estimates("eps-decimal-comma", '600111 CH,2025,2025-06-30,"0,5",,,,,,\n', ":2: eps:", "ambiguous"),
    estimates("eps-european", '600111 CH,2025,2025-06-30,"1.234,5",,,,,,\n', ":2: eps:", "ambiguous"),
    estimates("eps-point-as-comma", GOOD_ESTIMATE, ":2: eps:", "ambiguous", extra=("--decimal", ",")),
    estimates("as-of-garbage", "600111 CH,2025,2025-11-01garbage,0.5,,,,,,\n", ":2: as_of:", "trailing text"),
    estimates("as-of-1899", "600111 CH,2025,1899-12-31,0.5,,,,,,\n", ":2: as_of:", "before 1900"),
    estimates("as-of-year", "600111 CH,2025,2025,0.5,,,,,,\n", ":2: as_of:", "partial date"),
    estimates("as-of-zone", "600111 CH,2025,2025-06-30T00:00:00+08:00,0.5,,,,,,\n", ":2: as_of:", "time zone"),
    estimates("as-of-time", "600111 CH,2025,2025-06-30 16:00,0.5,,,,,,\n", ":2: as_of:", "time of day"),
    estimates("as-of-tomorrow", f"600111 CH,2025,{TOMORROW},0.5,,,,,,\n", ":2: as_of:", "in the future"),
    estimates(
        "utf16", (ESTIMATES + "600111 CH,2025,2025-06-30,x,,,,,,\n").encode("utf-16"), ":2: eps:", "not a number"
    ),
]
VALUATION_CASES = [
    valuation("pb-huge", "date,pb\n2021-01-04,2e6\n", ":2: pb:", "plausible range"),
    valuation("pe-comma", 'date,pe\n2021-01-04,"12,5"\n', ":2: pe:", "ambiguous"),
    valuation("bvps-zero", "date,bvps\n2021-01-04,0\n", ":2: bvps:", "must not be 0"),
    valuation("bvps-subnormal", "date,bvps\n2021-01-04,1e-320\n", ":2: bvps:", "plausible range"),
    valuation("date-zone", "date,pb\n2021-01-04T00:00:00Z,2\n", ":2: date:", "time zone"),
    valuation("date-time", "date,pb\n2021/01/04 10:00,2\n", ":2: date:", "time of day"),
    valuation(
        "published-before-period",
        "date,bvps,pub\n2024-12-31,5,2025-03-20\n2025-06-30,5.2,2025-06-01\n",
        ":3: pub:",
        "before the period end",
        extra=("--bvps-col", "bvps", "--published-col", "pub"),
    ),
    valuation(
        "published-partial",
        "date,bvps,pub\n2024-12-31,5,2025-03\n",
        ":2: pub:",
        "partial date",
        extra=("--bvps-col", "bvps", "--published-col", "pub"),
    ),
]
FINANCIALS_CASES = [
    financials("decimal-comma", 'item,2024\nrevenue,"0,5"\n', ":2: revenue 2024:", "ambiguous"),
    financials("european", 'item,2024\nrevenue,"1.234,5"\n', ":2: revenue 2024:", "ambiguous"),
    financials("amount-huge", "item,2024\nrevenue,1e13\n", ":2: revenue 2024:", "plausible range"),
    financials("shares-zero", "item,2024\nshares,0\n", ":2: shares 2024:", "must be positive"),
    financials("shares-1e308", "item,2024\nshares,1e308\n", ":2: shares 2024:", "plausible range"),
    financials("currency-four", STATEMENTS, "--currency", extra=("--currency", "XXXX")),
    financials("currency-umlauts", STATEMENTS, "--currency", extra=("--currency", "ÄÖÜ")),
    financials("known-on-tomorrow", STATEMENTS, "--known-on", extra=("--known-on", TOMORROW)),
]
SERIES_CASES = [
    fx("currency-umlauts", "date,value\n2021-01-04,6.5\n", "--currency", extra=("--currency", "ÄÖÜ")),
    fx("currency-digits", "date,value\n2021-01-04,6.5\n", "--currency", extra=("--currency", "1$2")),
    fx("rate-huge", "date,value\n2021-01-04,2e7\n", ":2: value:", "plausible range"),
    fx("rate-comma", 'date,value\n2021-01-04,"6,5"\n', ":2: value:", "ambiguous"),
    fx("date-zone", "date,value\n2021-01-04T00:00:00-05:00,6.5\n", ":2: date:", "time zone"),
    fx("utf16-bom", "\ufeffdate,value\n2021-01-04,x\n".encode("utf-16-le"), ":2: value:", "not a number"),
    oxides("value-huge", "date,value\n2021-01-04,2e9\n", ":2: value:", "plausible range"),
    oxides("value-european", 'date,value\n2021-01-04,"1.234,5"\n', ":2: value:", "ambiguous"),
    oxides("date-time", "date,value\n2021-01-04 12:00,700\n", ":2: date:", "time of day"),
    oxides("currency-umlauts", "date,value\n2021-01-04,700\n", "--currency", extra=(*OX[:-1], "ÄÖÜ")),
]
HOLDINGS_CASES = [
    holdings("extra-field", HOLDINGS + "LYC AU,Lynas,Stock,6.15%,oops\n", ":3: column 5:", "extra field"),
    holdings("weight-comma", HOLDINGS + 'LYC AU,Lynas,Stock,"6,15%"\n', ":3: % of Net Assets:", "ambiguous"),
    holdings("weight-subnormal", HOLDINGS + "LYC AU,Lynas,Stock,1e-320%\n", ":3: % of Net Assets:", "plausible range"),
    holdings("weight-above-100", HOLDINGS + "LYC AU,Lynas,Stock,101%\n", ":3: % of Net Assets:", "plausible range"),
    holdings("utf16", (HOLDINGS + "LYC AU,Lynas,Stock,abc\n").encode("utf-16"), ":3: % of Net Assets:"),
    holdings("group-undecodable", HOLDINGS, "--group", extra=("--group", "\udcff")),
]
BOUND_CASES = [
    price(
        "above-limit",
        D + "".join(f"2021-01-{d:02d},{d}.000000000001\n" for d in range(1, 29)) * 100,
        "max_input_mb",
        extra=("--config", "{small}"),
    ),
    fifo("prices", "prices", "import", "{fifo}", "--ticker", "600111.SS"),
    fifo("prices-many", "prices", "import", "{fifo}"),
    fifo("estimates", "estimates", "import", "{fifo}"),
    fifo("valuation", "valuation", "import", "{fifo}", "--ticker", "600111.SS"),
    fifo("financials", "financials", "import", "{fifo}", "--ticker", "600111.SS"),
    fifo("fx", "fx", "import", "{fifo}", "--currency", "CNY"),
    fifo("oxides", "oxides", "import", "{fifo}", *OX),
    fifo("holdings", "universe", "import-holdings", "{fifo}", "--name", "h", "--dir", "{dir}"),
    fifo("universe", "screen", "--source", "snapshot", "-u", "{fifo}"),
    fifo("universe-validate", "universe", "validate", "{fifo}"),
    fifo("config", "screen", "--source", "snapshot", "--config", "{fifo}", config=False),
    device("universe", "screen", "--source", "snapshot", "-u", "/dev/zero", needles=()),
    device("config", "screen", "--source", "snapshot", "--config", "/dev/zero", needles=(), config=False),
    device("fx", "fx", "import", "/dev/zero", "--currency", "CNY", needles=()),
    device("oxides", "oxides", "import", "/dev/zero", *OX, needles=()),
    device("prices", "prices", "import", "/dev/zero", "--ticker", "MP", needles=()),
]
OPTION_CASES = [
    Case("in-option-since-tomorrow", ("value", "600111.SS", "--since", TOMORROW), ("--since",)),
    Case(
        "in-option-chart-since-tomorrow",
        ("chart", "pb-band", "600111.SS", "--since", TOMORROW, "--out", "x.png"),
        ("--since",),
    ),
    Case(
        "in-option-note-undecodable",
        ("view", "set", "ZZZZ", "--rating", "Buy", "--target", "3", "--note", "\udcff"),
        ("--note", "UTF-8"),
    ),
    view("inline-company", INLINE_COMPANY, "AMG.AS", "written inline", "[[company]]"),
    view("inline-house", COMPANY + f"house = {{{HOUSE}}}\n", "AMG.AS", "house view", "inline"),
    view("house-array", COMPANY + f"house = [{{{HOUSE}}}]\n", "AMG.AS", "house view", "inline"),
]
INPUT_CASES = [
    *DATE_CASES,
    *NUMBER_CASES,
    *XLSX_CASES,
    *ESTIMATE_CASES,
    *VALUATION_CASES,
    *FINANCIALS_CASES,
    *SERIES_CASES,
    *HOLDINGS_CASES,
    *BOUND_CASES,
    *OPTION_CASES,
]
