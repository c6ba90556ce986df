"""The yfinance adapter: :mod:`~screener.data.yahoo.fetch` (I/O), :mod:`~screener.data.yahoo.policy` (the one
retry policy), :mod:`~screener.data.yahoo.classify` (why a request failed; pure) and
:mod:`~screener.data.yahoo.normalise` (raw answers -> typed values; pure). Errors are the project's
(:mod:`screener.errors`)."""

from screener.data.yahoo.classify import FailureKind, TickerFailure, classify
from screener.data.yahoo.fetch import download_closes, fetch_consensus, fetch_fx, fetch_info
from screener.data.yahoo.normalise import (
    YahooConsensus,
    YahooQuote,
    fx_symbol,
    normalise_consensus,
    normalise_fx,
    normalise_quote,
    spot_fx,
)
from screener.data.yahoo.policy import RetryPolicy, configure_cache
from screener.errors import YahooBadTicker, YahooError, YahooRateLimited, YahooUnavailable

__all__ = [
    "FailureKind",
    "RetryPolicy",
    "TickerFailure",
    "YahooBadTicker",
    "YahooConsensus",
    "YahooError",
    "YahooQuote",
    "YahooRateLimited",
    "YahooUnavailable",
    "classify",
    "configure_cache",
    "download_closes",
    "fetch_consensus",
    "fetch_fx",
    "fetch_info",
    "fx_symbol",
    "normalise_consensus",
    "normalise_fx",
    "normalise_quote",
    "spot_fx",
]
