"""The yfinance adapter, driven through yfinance 1.7's real parsing code by a fake transport.

No test here can reach the network: every session is a curl_cffi session (yfinance's production backend)
whose proxy is the loopback server of :class:`tests.yahoo_fake.FakeYahoo`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import socket
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pandas as pd
from yahoo_fake import (
    FakeSymbol,
    FakeYahoo,
    RequestsTransport,
    business_days,
    isolate_yfinance,
    make_bars,
    make_session,
    trend_row,
)

from screener.data import yahoo
from screener.data.yahoo import RetryPolicy

DAYS = business_days(dt.date(2025, 1, 1), dt.date(2025, 3, 31))


def _symbols() -> list[FakeSymbol]:
    return [
        FakeSymbol("MP", make_bars(DAYS, 20.0), currency="USD", timezone="America/New_York", adj_factor=0.99),
        FakeSymbol("600111.SS", make_bars(DAYS, 30.0), currency="CNY", timezone="Asia/Shanghai"),
        FakeSymbol("LYC.AX", make_bars(DAYS, 7.0), currency="AUD", timezone="Australia/Sydney"),
    ]


def _no_sockets(*args: object, **kwargs: object) -> None:
    raise AssertionError("a test tried to open a real network connection")


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    # Belt and braces: the fake session never opens sockets; fail loudly if anything does.
    monkeypatch.setattr(socket.socket, "connect", _no_sockets)
    monkeypatch.setattr(socket, "create_connection", _no_sockets)
    isolate_yfinance(tmp_path / "yf-cache")
    fake = FakeYahoo(_symbols(), now=dt.datetime(2025, 4, 1, 12, tzinfo=dt.UTC))
    yield fake
    fake.close()
    isolate_yfinance(tmp_path / "yf-cache-after")


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


# --------------------------------------------------------------------------------------
# download_closes
# --------------------------------------------------------------------------------------
def test_cold_fetch_of_three_tickers_uses_one_download(fake: FakeYahoo, tmp_path: Path) -> None:
    import yfinance.cache

    closes, failures = yahoo.download_closes(
        ["mp", "600111.SS", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake)
    )

    assert failures == {}
    assert list(closes.columns) == ["MP", "600111.SS", "LYC.AX"]  # request order, upper-cased
    assert closes.index.tz is None
    assert closes.index.min() == pd.Timestamp("2025-02-03")
    assert closes.index.max() == pd.Timestamp("2025-02-14")  # end is exclusive
    # Adjusted closes: MP's adjclose is close * 0.99 in the fixture.
    mp = next(s for s in _symbols() if s.symbol == "MP")
    assert closes.loc["2025-02-05", "MP"] == pytest.approx(mp.bars[dt.date(2025, 2, 5)] * 0.99)
    # One chart request per ticker for the range + one timezone probe per ticker (cold tz cache).
    assert fake.counts["chart"] == 6
    assert fake.counts["unknown"] == 0
    assert {r.params.get("range") for r in fake.calls("chart") if "range" in r.params} == {"1d"}
    # period1/period2 are the exchange's local midnights of start and end.
    ((p1, p2),) = [w for w in fake.chart_ranges("600111.SS") if w[0] is not None]
    assert p1 == dt.datetime(2025, 2, 2, 16, tzinfo=dt.UTC)  # 2025-02-03 00:00 Asia/Shanghai
    assert p2 == dt.datetime(2025, 2, 14, 16, tzinfo=dt.UTC)
    # yfinance's SQLite caches live in the test's tmp dir, not the user cache dir.
    assert Path(yfinance.cache._TzDBManager.get_location()) == tmp_path / "yf-cache"
    assert (tmp_path / "yf-cache" / "tkr-tz.db").exists()


def test_warm_caches_only_the_new_range_is_requested(fake: FakeYahoo) -> None:
    session = make_session(fake)
    yahoo.download_closes(["MP", "LYC.AX"], "2025-01-06", "2025-02-01", session)
    fake.reset_log()

    # Same past range again: yfinance memoises past-range chart responses in-process.
    yahoo.download_closes(["MP", "LYC.AX"], "2025-01-06", "2025-02-01", session)
    assert sum(fake.counts.values()) == 0

    # A new window: exactly one chart request per ticker, for that window only (tz cache warm).
    closes, _ = yahoo.download_closes(["MP", "LYC.AX"], "2025-02-01", "2025-03-01", session)
    assert fake.counts == {"chart": 2}
    for sym in ("MP", "LYC.AX"):
        ((p1, p2),) = fake.chart_ranges(sym)
        assert p1 is not None and p2 is not None
        assert p1.date() >= dt.date(2025, 1, 31) and p2.date() <= dt.date(2025, 3, 1)
    assert closes.index.min() >= pd.Timestamp("2025-02-01")


def test_one_bad_ticker_among_good_ones(fake: FakeYahoo) -> None:
    closes, failures = yahoo.download_closes(
        ["MP", "NOPE.SS", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake)
    )

    assert set(failures) == {"NOPE.SS"}
    assert failures["NOPE.SS"].kind == "bad_ticker"
    assert closes["NOPE.SS"].isna().all()
    assert closes[["MP", "LYC.AX"]].notna().all().all()


def test_known_symbol_told_to_404_is_a_bad_ticker_everywhere(fake: FakeYahoo) -> None:
    fake.not_found("LYC.AX")
    session = make_session(fake)
    _, failures = yahoo.download_closes(["MP", "LYC.AX"], "2025-02-03", "2025-02-15", session)
    assert failures["LYC.AX"] == yahoo.TickerFailure("bad_ticker", "HTTP 404 from Yahoo Finance")
    with pytest.raises(yahoo.YahooBadTicker, match=r"LYC\.AX"):
        yahoo.fetch_info("LYC.AX", session)
    with pytest.raises(yahoo.YahooBadTicker):
        yahoo.fetch_consensus("LYC.AX", session)


def test_empty_request_makes_no_http_request(fake: FakeYahoo) -> None:
    closes, failures = yahoo.download_closes([" ", ""], "2025-02-03", "2025-02-15", make_session(fake))
    assert closes.empty and failures == {}
    rates, _ = yahoo.fetch_fx(["USD"], make_session(fake), today=dt.date(2025, 3, 29))
    assert list(rates.columns) == ["USD"]
    assert sum(fake.counts.values()) == 0


def test_network_down_raises_unavailable_not_possibly_delisted(fake: FakeYahoo) -> None:
    fake.network_down = True
    with pytest.raises(yahoo.YahooUnavailable) as err:
        yahoo.download_closes(["MP", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake))
    assert "ConnectionError" in str(err.value)
    assert "delisted" not in str(err.value)
    assert "\n" not in str(err.value)


def test_network_down_with_warm_tz_cache_is_still_network(fake: FakeYahoo) -> None:
    # With the timezone cached, yfinance's own log only says "possibly delisted; no price data
    # found": the re-fetch with exceptions raised is what reveals the connection error.
    session = make_session(fake)
    yahoo.download_closes(["MP", "LYC.AX"], "2025-01-06", "2025-02-01", session)
    fake.network_down = True
    fake.reset_log()
    with pytest.raises(yahoo.YahooUnavailable, match="ConnectionError"):
        yahoo.download_closes(["MP", "LYC.AX"], "2025-02-03", "2025-02-15", session)
    # One download request per ticker, then a single probe: the second ticker is not probed.
    assert fake.counts["chart"] == 3


def test_one_unreachable_ticker_is_reported_as_network(fake: FakeYahoo) -> None:
    fake.disconnect("LYC.AX")
    closes, failures = yahoo.download_closes(["MP", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake))
    assert {t: f.kind for t, f in failures.items()} == {"LYC.AX": "network"}
    assert closes["MP"].notna().all()


def test_valid_ticker_with_no_rows_in_range_is_no_data(fake: FakeYahoo) -> None:
    closes, failures = yahoo.download_closes(["MP", "LYC.AX"], "2024-06-03", "2024-06-15", make_session(fake))
    assert {t: f.kind for t, f in failures.items()} == {"MP": "no_data", "LYC.AX": "no_data"}
    assert closes.empty


def test_single_429_is_absorbed_by_yfinance_itself(fake: FakeYahoo) -> None:
    # yfinance retries every HTTP error >= 400 once (toggling its cookie strategy), so one
    # 429 never reaches us.
    fake.rate_limit("MP", times=1)
    sleeps = Sleeps()
    policy = RetryPolicy(sleep=sleeps)
    closes, failures = yahoo.download_closes(["MP"], "2025-02-03", "2025-02-15", make_session(fake), policy=policy)
    assert failures == {} and closes["MP"].notna().all()
    assert sleeps.calls == []


def test_rate_limited_twice_then_success_backs_off(fake: FakeYahoo) -> None:
    # Four refused requests = two YFRateLimitErrors (each one is a request + yfinance's retry).
    fake.rate_limit("MP", times=4)
    sleeps = Sleeps()
    closes, failures = yahoo.download_closes(
        ["MP", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake), policy=RetryPolicy(backoff=1.5, sleep=sleeps)
    )
    assert failures == {}
    assert closes["MP"].notna().all() and closes["LYC.AX"].notna().all()
    assert sleeps.calls == [1.5, 3.0]  # exponential backoff
    assert len([r for r in fake.calls("chart", "MP") if r.status == 429]) == 4


def test_rate_limited_forever_raises_after_the_bound(fake: FakeYahoo) -> None:
    fake.rate_limit("MP")
    sleeps = Sleeps()
    with pytest.raises(yahoo.YahooRateLimited):
        yahoo.download_closes(
            ["MP", "LYC.AX"], "2025-02-03", "2025-02-15", make_session(fake), policy=RetryPolicy(3, 1.0, sleeps)
        )
    assert sleeps.calls == [1.0, 2.0, 4.0]
    assert isinstance(yahoo.YahooRateLimited("x"), yahoo.YahooError)


def test_pandas_deprecation_spam_is_filtered(fake: FakeYahoo) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yahoo.download_closes(["MP", "600111.SS"], "2025-02-03", "2025-02-15", make_session(fake))
    assert [w for w in caught if issubclass(w.category, (DeprecationWarning, FutureWarning))] == []


# --------------------------------------------------------------------------------------
# info -> normalise_quote
# --------------------------------------------------------------------------------------
H_SHARE_INFO = {
    "symbol": "1088.HK",
    "currency": "HKD",
    "financialCurrency": "CNY",
    "quoteType": "EQUITY",
    "currentPrice": 20.0,
    "regularMarketPrice": 20.0,
    "regularMarketTime": 1743500000,
    "marketCap": 78_000_000_000,
    "bookValue": 10.0,
    "priceToBook": 2.0,  # Yahoo: 20 HKD / 10 CNY
    "trailingEps": 2.5,
    "forwardEps": 2.8,
    "dividendRate": 0.9,
    "dividendYield": 4.5,
    "trailingAnnualDividendYield": 0.043,
    "returnOnEquity": 0.121,
    "enterpriseValue": 90_000_000_000,
    "ebitda": 30_000_000_000,
}
FX = {"CNY": 7.1, "HKD": 7.8}


def test_fetch_info_and_normalise_h_share(fake: FakeYahoo) -> None:
    fake.add(
        FakeSymbol("1088.HK", make_bars(DAYS, 20.0), currency="HKD", timezone="Asia/Hong_Kong", info=dict(H_SHARE_INFO))
    )
    info = yahoo.fetch_info("1088.hk", make_session(fake))

    assert info["currency"] == "HKD" and info["financialCurrency"] == "CNY"
    assert info["bookValue"] == 10.0 and info["dividendYield"] == 4.5  # raw, as Yahoo sent it
    assert fake.counts["quoteSummary"] == 1 and fake.counts["quote"] == 1

    q = yahoo.normalise_quote(info, FX)
    assert q.ticker == "1088.HK" and q.currency == "HKD" and q.financial_currency == "CNY"
    assert q.book_value_per_share == 10.0  # CNY
    assert q.book_value_per_share_trading == pytest.approx(10.0 / 7.1 * 7.8)  # HKD
    assert q.price_to_book == pytest.approx(20.0 / (10.0 / 7.1 * 7.8))  # 1.82x, not Yahoo's 2.0x
    assert q.market_cap_usd == pytest.approx(78e9 / 7.8)
    assert q.dividend_yield == pytest.approx(0.9 / 20.0)
    assert q.roe == pytest.approx(0.121)
    assert q.quote_time == dt.datetime.fromtimestamp(1743500000, dt.UTC)


def test_fetch_info_bad_ticker(fake: FakeYahoo) -> None:
    with pytest.raises(yahoo.YahooBadTicker):
        yahoo.fetch_info("NOPE", make_session(fake))


def test_fetch_info_network_down(fake: FakeYahoo) -> None:
    fake.network_down = True
    with pytest.raises(yahoo.YahooUnavailable):
        yahoo.fetch_info("MP", make_session(fake))


def test_fetch_info_rate_limit_retries_then_raises(fake: FakeYahoo) -> None:
    fake.symbols["MP"].info = {"symbol": "MP", "currency": "USD", "currentPrice": 20.0}
    fake.rate_limit("MP", times=2)
    sleeps = Sleeps()
    info = yahoo.fetch_info("MP", make_session(fake), policy=RetryPolicy(backoff=0.5, sleep=sleeps))
    assert info["currentPrice"] == 20.0 and sleeps.calls == [0.5]

    fake.rate_limit("MP")
    sleeps = Sleeps()
    with pytest.raises(yahoo.YahooRateLimited):
        yahoo.fetch_info("MP", make_session(fake), policy=RetryPolicy(2, 0.5, sleeps))
    assert sleeps.calls == [0.5, 1.0]


def test_dividend_yield_percent_point_trap() -> None:
    # No dividendRate: Yahoo's dividendYield 0.45 means 0.45 %, i.e. 0.0045.
    q = yahoo.normalise_quote(
        {"currentPrice": 50.0, "currency": "USD", "dividendYield": 0.45, "trailingAnnualDividendYield": 0.0044}, {}
    )
    assert q.dividend_yield == pytest.approx(0.0045)
    # Without dividendYield: dividendRate / price.
    q = yahoo.normalise_quote({"currentPrice": 50.0, "currency": "USD", "dividendRate": 0.25}, {})
    assert q.dividend_yield == pytest.approx(0.005)
    # trailingAnnualDividendYield (a fraction already) is not mistaken for the forward yield.
    q = yahoo.normalise_quote({"currentPrice": 50.0, "currency": "USD", "trailingAnnualDividendYield": 0.0044}, {})
    assert q.dividend_yield is None


def test_minor_currency_units_are_converted() -> None:
    # LSE quotes in pence (GBp): 250 GBp = 2.50 GBP; 0.8 GBP per USD -> 80 GBp per USD.
    q = yahoo.normalise_quote(
        {"currentPrice": 250.0, "currency": "GBp", "financialCurrency": "GBP", "bookValue": 1.25}, {"GBP": 0.8}
    )
    assert q.book_value_per_share_trading == pytest.approx(125.0)
    assert q.price_to_book == pytest.approx(2.0)
    assert yahoo.normalise_quote(
        {"currentPrice": 250.0, "currency": "GBp", "financialCurrency": "USD", "bookValue": 1.0}, {"GBP": 0.8}
    ).price_to_book == pytest.approx(250.0 / 80.0)


def test_normalise_quote_tolerates_missing_keys() -> None:
    q = yahoo.normalise_quote({}, {})
    assert q.ticker == "" and q.price is None and q.price_to_book is None and q.market_cap_usd is None
    assert q.dividend_yield is None and q.quote_time is None
    # Missing FX rate: no conversion rather than a mixed-currency number.
    q = yahoo.normalise_quote(
        {"currentPrice": 20.0, "currency": "HKD", "financialCurrency": "CNY", "bookValue": 10.0, "marketCap": 1e9},
        {"HKD": 7.8},
    )
    assert q.price_to_book is None and q.market_cap_usd == pytest.approx(1e9 / 7.8)
    # Same currency: P/B needs no FX; NaN/inf/strings and raw/fmt wrappers are handled.
    q = yahoo.normalise_quote(
        {
            "regularMarketPrice": {"raw": 30.0, "fmt": "30.00"},
            "currency": "USD",
            "bookValue": 6.0,
            "trailingEps": float("nan"),
            "forwardEps": "n/a",
            "ebitda": float("inf"),
        },
        {},
    )
    assert q.price == 30.0 and q.price_to_book == pytest.approx(5.0)
    assert q.trailing_eps is None and q.forward_eps is None and q.ebitda is None
    # Negative book value gives a negative P/B (flagged NM downstream), not a crash.
    q = yahoo.normalise_quote({"currentPrice": 30.0, "currency": "USD", "bookValue": -3.0}, {})
    assert q.price_to_book == pytest.approx(-10.0)


# --------------------------------------------------------------------------------------
# consensus
# --------------------------------------------------------------------------------------
def test_fetch_consensus_parses_estimates_and_targets(fake: FakeYahoo) -> None:
    sym = fake.symbols["600111.SS"]
    sym.info = {
        "symbol": "600111.SS",
        "currency": "CNY",
        "financialCurrency": "CNY",
        "currentPrice": 52.48,
        "targetHighPrice": 80.0,
        "targetLowPrice": 40.0,
        "targetMeanPrice": 61.6,
        "targetMedianPrice": 60.0,
        "numberOfAnalystOpinions": 12,
    }
    sym.earnings_trend = [
        trend_row("0q", "2025-03-31", 0.30, 0.25, 0.35, 5, "CNY"),
        trend_row("+1q", "2025-06-30", 0.33, 0.28, 0.40, 5, "CNY"),
        trend_row("0y", "2025-12-31", 1.20, 1.00, 1.50, 14, "CNY", growth=0.8, year_ago=0.66),
        trend_row("+1y", "2026-12-31", 1.62, 1.20, 2.10, 13, "CNY", growth=0.35),
        trend_row("+5y", None, 0.0, 0.0, 0.0, 0, "CNY"),
    ]
    raw = yahoo.fetch_consensus("600111.SS", make_session(fake))

    assert set(raw["earnings_estimate"]) == {"0q", "+1q", "0y", "+1y"}  # yfinance keeps the first four
    assert raw["earnings_estimate"]["0y"]["avg"] == 1.20
    assert raw["earnings_estimate"]["0y"]["currency"] == "CNY"
    assert raw["analyst_price_targets"] == {"current": 52.48, "high": 80.0, "low": 40.0, "mean": 61.6, "median": 60.0}
    assert fake.counts["quoteSummary"] == 2

    c = yahoo.normalise_consensus(raw)
    assert (c.ticker, c.eps_currency, c.eps_fy1, c.eps_fy2) == ("600111.SS", "CNY", 1.20, 1.62)
    assert (c.eps_fy1_analysts, c.eps_fy2_analysts) == (14, 13)
    assert (c.target_mean, c.target_median, c.target_high, c.target_low) == (61.6, 60.0, 80.0, 40.0)
    assert c.current_price == 52.48


def test_consensus_without_coverage_is_empty_not_an_error(fake: FakeYahoo) -> None:
    raw = yahoo.fetch_consensus("LYC.AX", make_session(fake))
    assert raw["earnings_estimate"] == {}
    c = yahoo.normalise_consensus(raw)
    assert c.eps_fy1 is None and c.target_mean is None


def test_normalise_consensus_inline() -> None:
    c = yahoo.normalise_consensus(
        {"earnings_estimate": {"0y": {"avg": 2.0, "currency": "USD", "numberOfAnalysts": 3.0}}}
    )
    assert c.eps_fy1 == 2.0 and c.eps_fy1_analysts == 3 and c.eps_fy2 is None and c.target_high is None


# --------------------------------------------------------------------------------------
# FX
# --------------------------------------------------------------------------------------
def test_fx_direction_cny_x_is_cny_per_usd(fake: FakeYahoo) -> None:
    fx_days = business_days(dt.date(2025, 3, 17), dt.date(2025, 3, 28))
    fake.add(
        FakeSymbol(
            "CNY=X", dict.fromkeys(fx_days, 7.1), currency="CNY", timezone="Europe/London", instrument_type="CURRENCY"
        )
    )
    fake.add(
        FakeSymbol(
            "HKD=X", dict.fromkeys(fx_days, 7.8), currency="HKD", timezone="Europe/London", instrument_type="CURRENCY"
        )
    )
    rates, failures = yahoo.fetch_fx(["CNY", "usd", "HKD"], make_session(fake), today=dt.date(2025, 3, 29))

    assert failures == {}
    assert list(rates.columns) == ["CNY", "USD", "HKD"]
    spot = yahoo.spot_fx(rates)
    assert spot["CNY"].per_usd == pytest.approx(7.1)  # 7.1 CNY buy 1 USD
    assert spot["USD"].per_usd == 1.0
    assert spot["CNY"].rate_date == dt.date(2025, 3, 28)
    assert 71.0 / spot["CNY"].per_usd == pytest.approx(10.0)  # 71 CNY = 10 USD
    assert fake.counts["chart"] == 4  # two pairs: tz probe + range each; nothing for USD


def test_normalise_fx_handles_both_directions() -> None:
    idx = pd.DatetimeIndex(["2025-03-27", "2025-03-28"])
    closes = pd.DataFrame(
        {"CNY=X": [7.1, 7.2], "CNYUSD=X": [1 / 7.1, 1 / 7.2], "USDJPY=X": [150.0, float("nan")], "AUD=X": [0.0, 1.6]},
        index=idx,
    )
    # CNY appears twice (direct and inverse): they agree; the last column wins.
    rates = yahoo.normalise_fx(closes)
    assert rates.loc["2025-03-28", "CNY"] == pytest.approx(7.2)
    assert rates.loc["2025-03-27", "JPY"] == 150.0
    assert math.isnan(rates.loc["2025-03-27", "AUD"])  # a zero rate is not a rate
    spot = yahoo.spot_fx(rates)
    assert spot["JPY"].rate_date == dt.date(2025, 3, 27) and spot["AUD"].per_usd == 1.6
    assert yahoo.spot_fx(rates, as_of=dt.date(2025, 3, 27))["CNY"].per_usd == pytest.approx(7.1)
    assert yahoo.fx_symbol("cny") == "CNY=X"


# --------------------------------------------------------------------------------------
# HTTP caching is not an option for Yahoo
# --------------------------------------------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("requests_cache") is None, reason="requests-cache not installed")
def test_yfinance_rejects_a_requests_cache_session(fake: FakeYahoo) -> None:
    """Why the project caches parsed Yahoo data in its own store instead of caching HTTP."""
    import requests_cache
    import yfinance as yf
    from yfinance.exceptions import YFDataException

    cached = requests_cache.CachedSession(backend="memory")
    cached.mount("https://", RequestsTransport(fake))
    with pytest.raises(YFDataException, match="Caching sessions"):
        yf.Ticker("MP", session=cached)
    with pytest.raises(YFDataException, match="Caching sessions"):
        yahoo.download_closes(["MP"], "2025-02-03", "2025-02-15", cached)
    assert sum(fake.counts.values()) == 0


# --------------------------------------------------------------------------------------
# failure classification (pure)
# --------------------------------------------------------------------------------------
def _raised_while_handling(outer: BaseException, inner: BaseException) -> BaseException:
    """What ``raise outer`` inside ``except inner`` produces: ``outer.__context__ is inner``."""
    outer.__context__ = inner
    return outer


def test_classify_exceptions() -> None:
    import sqlite3

    import requests
    from yfinance import exceptions as yfe

    def kind(exc: BaseException) -> str:
        return yahoo.classify(exc).kind

    not_found = requests.Response()
    not_found.status_code = 404
    assert kind(requests.HTTPError("404 Client Error", response=not_found)) == "bad_ticker"
    assert yahoo.classify(requests.HTTPError("404", response=not_found)).message == "HTTP 404 from Yahoo Finance"
    assert kind(requests.ConnectionError("Failed to resolve 'query2.finance.yahoo.com'")) == "network"
    assert kind(requests.Timeout("read timed out")) == "network"
    assert kind(yfe.YFRateLimitError()) == "rate_limited"
    assert kind(yfe.YFTzMissingError("NOPE")) == "bad_ticker"
    assert kind(yfe.YFPricesMissingError("MP", "(1d 2024-06-03 -> 2024-06-15)")) == "no_data"
    assert kind(yfe.YFPricesMissingError("X", "", yahoo_reason="No data found, symbol may be delisted")) == "bad_ticker"
    assert kind(sqlite3.OperationalError("database is locked")) == "error"
    # yfinance's requests backend evaluates `except requests.exceptions.DNSError`, which does not
    # exist in requests: the AttributeError hides the ConnectionError in its __context__.
    hidden = _raised_while_handling(
        AttributeError("module 'requests.exceptions' has no attribute 'DNSError'"),
        requests.ConnectionError("Failed to resolve 'fc.yahoo.com'"),
    )
    failure = yahoo.classify(hidden)
    assert failure.kind == "network" and "fc.yahoo.com" in failure.message


@pytest.mark.skipif(importlib.util.find_spec("curl_cffi") is None, reason="curl_cffi not installed")
def test_classify_curl_cffi_errors() -> None:
    from curl_cffi.requests import exceptions as curl_exc

    assert yahoo.classify(curl_exc.DNSError("Could not resolve host: query2.finance.yahoo.com")).kind == "network"
    assert yahoo.classify(curl_exc.Timeout("Operation timed out")).kind == "network"


def test_new_session_matches_yfinance_backend(tmp_path: Path) -> None:
    from yfinance import _http

    from screener.environment import yahoo_session

    session = yahoo_session(tmp_path / "yfinance")
    assert _http.is_supported_session(session)
    assert type(session).__module__.startswith("curl_cffi" if _http.HAS_CURL_CFFI else "requests")


def _curl_error(session: object, url: str) -> BaseException:
    """The exception a real curl_cffi request raises (no mock: a real transfer that fails)."""
    try:
        session.get(url)  # type: ignore[attr-defined]
    except Exception as exc:
        return exc
    raise AssertionError(f"{url} did not fail")


def test_classify_real_curl_transport_errors_with_status_0(fake: FakeYahoo) -> None:
    """curl_cffi attaches a response with status 0 to transport errors: never an HTTP status (exit 'network')."""
    from curl_cffi import requests as curl_requests

    refused = _curl_error(curl_requests.Session(), "http://127.0.0.1:9/")  # nothing listens on port 9
    session = make_session(fake)
    fake.disconnect("MP")
    dropped = _curl_error(session, "https://query2.finance.yahoo.com/v8/finance/chart/MP")
    fake.proxy_url()
    fake._server.server.refuse_tunnels = True  # type: ignore[union-attr]
    aborted = _curl_error(make_session(fake), "https://query2.finance.yahoo.com/v8/finance/chart/LYC.AX")
    for exc, name in ((refused, "ConnectionError"), (dropped, "ConnectionError"), (aborted, "ProxyError")):
        assert type(exc).__module__.startswith("curl_cffi") and type(exc).__name__ == name
        assert exc.response is not None and exc.response.status_code == 0  # type: ignore[attr-defined]
        failure = yahoo.classify(exc)
        assert failure.kind == "network", (name, failure)
        assert "HTTP 0" not in failure.message and "See https://" not in failure.message
    assert yahoo.classify(refused).message == "cannot connect to 127.0.0.1 [ConnectionError, curl 7]"


def test_real_curl_http_errors_keep_their_status(fake: FakeYahoo) -> None:
    """An HTTP error answer through curl_cffi is classified by its status (404 bad ticker, 429 rate limit)."""
    session = make_session(fake)
    fake.not_found("NOPE")
    fake.rate_limit("MP")
    for symbol, kind, status in (("NOPE", "bad_ticker", 404), ("MP", "rate_limited", 429)):
        response = session.get(f"https://query2.finance.yahoo.com/v8/finance/chart/{symbol}")
        exc = _curl_error(SimpleNamespace(get=lambda url, r=response: r.raise_for_status()), "raise")
        assert exc.response.status_code == status  # type: ignore[attr-defined]
        assert yahoo.classify(exc) == yahoo.TickerFailure(kind, f"HTTP {status} from Yahoo Finance")
