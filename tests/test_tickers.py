"""Ticker-code mapping (METHODS §8): every form in the published comp sheet and the REMX holdings export."""

from __future__ import annotations

import csv

import pytest

from screener.core.tickers import currency_of, to_yahoo
from screener.errors import TickerCodeError

from .conftest import REFERENCE, SHARED_DATA, need


@pytest.mark.parametrize(
    ("code", "symbol"),
    [
        ("600111 CH Equity", "600111.SS"),
        ("600111 C1", "600111.SS"),
        ("600111.SH", "600111.SS"),
        ("600111.SS", "600111.SS"),
        ("600111", "600111.SS"),
        ("000831 CH", "000831.SZ"),
        ("000831.SZ", "000831.SZ"),
        ("688077", "688077.SS"),
        ("300224.CH Equity", "300224.SZ"),
        ("6680 HK", "6680.HK"),
        ("06680.HK", "6680.HK"),
        ("1772 HK", "1772.HK"),
        ("LYC AU", "LYC.AX"),
        ("LYC.AX", "LYC.AX"),
        ("4063 JP", "4063.T"),
        ("4063.JP", "4063.T"),
        ("6762.JP Equity", "6762.T"),
        ("MP US", "MP"),
        ("MP.US", "MP"),
        ("mp us equity", "MP"),
        ("AII CN", "AII.TO"),
        ("AMG NA", "AMG.AS"),
        ("ERA FP", "ERA.PA"),
        ("VOLVB SS", "VOLVB.ST"),
        ("600111 SS", "600111.SS"),
        ("BRK/B US", "BRK-B"),
        ("ABC CV", "ABC.V"),
        ("ENI IM", "ENI.MI"),
        ("BHP LN", "BHP.L"),
        ("SQM UN", "SQM"),
        ("ENI.MI", "ENI.MI"),
    ],
)
def test_known_forms(code: str, symbol: str) -> None:
    assert to_yahoo(code) == symbol


@pytest.mark.parametrize(
    ("symbol", "currency"),
    [
        ("MP", "USD"),
        ("BRK-B", "USD"),
        ("600111.SS", "CNY"),
        ("000831.SZ", "CNY"),
        ("1772.HK", "HKD"),
        ("LYC.AX", "AUD"),
        ("4063.T", "JPY"),
        ("AII.TO", "CAD"),
        ("ERA.PA", "EUR"),
        ("AMG.AS", "EUR"),
        ("BHP.L", "GBX"),
        ("VOLVB.ST", "SEK"),
    ],
)
def test_trading_currency_from_the_exchange_suffix(symbol: str, currency: str) -> None:
    assert currency_of(symbol) == currency


def test_a_suffix_without_a_known_currency_is_refused() -> None:
    with pytest.raises(TickerCodeError, match=r"'NPN\.JO'"):
        currency_of("NPN.JO")


@pytest.mark.parametrize("code", ["", "600111 XX", "123456", "12345 HK", "ABCD.ZZ", "6680", "000831.SS", "#$%"])
def test_unknown_forms_name_the_input(code: str) -> None:
    with pytest.raises(TickerCodeError) as error:
        to_yahoo(code)
    assert repr(code) in str(error.value)


def test_every_comp_sheet_code_maps() -> None:
    path = need(REFERENCE / "comp_sheet_2025-10-10.csv")
    with path.open() as handle:
        codes = [row["code_as_published"] for row in csv.DictReader(handle)]
    symbols = [to_yahoo(code) for code in codes]
    assert len(set(symbols)) == len(codes) == 21
    assert symbols[:2] == ["600111.SS", "000831.SZ"]


def test_every_remx_holding_maps() -> None:
    path = need(SHARED_DATA / "holdings" / "REMX_vaneck_holdings_committed_2026-01-31.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    mapped = {row["Ticker"]: to_yahoo(row["Ticker"]) for row in rows}
    assert len(mapped) == 25
    assert mapped["600111 C1"] == "600111.SS" and mapped["LYC AU"] == "LYC.AX" and mapped["1772 HK"] == "1772.HK"
