"""The baostock provider through baostock's OWN client against a loopback server speaking its protocol
(tests/baostock_fake.py): code mapping, paging, empty and negative values, server errors, incremental fetches,
an unreachable server, stdout kept clean, and the install hint when the package is missing."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
pytest.importorskip("baostock")
from baostock_fake import FakeBaostockServer, make_daily_rows

from screener.data.offline import OfflineMemo
from screener.data.providers import baostock as provider
from screener.data.store import Store
from screener.data.valuation import read_valuation
from screener.errors import ProviderError, ProviderMissing, ProviderUnavailable

DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"]


def _row(day: str, code: str, pe: str, pb: str) -> dict[str, str]:
    return {"date": day, "code": code, "close": "10.0000", "peTTM": pe, "pbMRQ": pb}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBaostockServer]:
    import baostock.common.contants as cons

    data = {"sh.600111": make_daily_rows("sh.600111", DAYS), "sz.000831": make_daily_rows("sz.000831", DAYS[:3])}
    with FakeBaostockServer(data) as fake:
        monkeypatch.setattr(cons, "BAOSTOCK_SERVER_IP", fake.host)
        monkeypatch.setattr(cons, "BAOSTOCK_VIP_SERVER_IP", fake.host)
        monkeypatch.setattr(cons, "BAOSTOCK_SERVER_PORT", fake.port)
        yield fake


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache", lambda: datetime(2024, 1, 10, 12, tzinfo=UTC))


def test_code_mapping() -> None:
    assert provider.code_for("600111.SS") == "sh.600111"
    assert provider.code_for("000831.SZ") == "sz.000831"
    assert provider.code_for("300748.sz") == "sz.300748"
    assert provider.code_for("MP") is None and provider.code_for("LYC.AX") is None
    assert provider.code_for("0769.HK") is None and provider.code_for("60011.SS") is None


def test_first_start_never_before_2006() -> None:
    assert provider.first_start(date(2015, 1, 1), date(2018, 1, 1)) == date(2015, 1, 1)
    assert provider.first_start(date(2015, 1, 1), date(2013, 1, 1)) == date(2013, 1, 1)
    assert provider.first_start(date(1999, 1, 1), date(2018, 1, 1)) == date(2006, 1, 1)


def test_empty_and_non_positive_ratios_are_missing() -> None:
    rows = [
        ["2024-01-02", "sh.600111", "10.0", "25.5", "3.2"],
        ["2024-01-03", "sh.600111", "10.1", "", "3.3"],
        ["2024-01-04", "sh.600111", "10.2", "-12.4", "0"],
        ["2024-01-05", "sh.600111", "10.3", "26.0", ""],
    ]
    frame = provider.multiples_frame(provider.FIELDS.split(","), rows)
    assert list(frame.columns) == ["pb", "pe"]
    assert frame["pe"].tolist()[0] == 25.5 and frame["pe"].isna().tolist() == [False, True, True, False]
    assert frame["pb"].isna().tolist() == [False, False, True, True]
    assert frame.index[0] == datetime(2024, 1, 2)


def test_query_through_the_client_with_pages(server: FakeBaostockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import baostock.common.contants as cons

    monkeypatch.setattr(cons, "BAOSTOCK_PER_PAGE_COUNT", 3)  # 7 rows: pages of 3, 3 and 1
    with provider.connect() as client:
        frame = client.multiples("sh.600111", date(2024, 1, 1), date(2024, 1, 10))
    assert len(frame) == 7 and frame.index[-1] == datetime(2024, 1, 10)
    expected = make_daily_rows("sh.600111", DAYS)
    assert frame["pe"].iloc[4] == pytest.approx(float(expected[4]["peTTM"]))
    assert frame["pb"].iloc[6] == pytest.approx(float(expected[6]["pbMRQ"]))
    asked = server.kdata_requests()
    assert [r["page"] for r in asked] == ["1", "2", "3"] and {r["per_page"] for r in asked} == {"3"}
    assert asked[0]["fields"] == "date,code,close,peTTM,pbMRQ" and asked[0]["adjustflag"] == "3"
    assert asked[0]["frequency"] == "d" and (asked[0]["start"], asked[0]["end"]) == ("2024-01-01", "2024-01-10")
    assert [mtype for mtype, _ in server.requests] == ["00", "95", "95", "95", "02"]  # login ... logout


def test_a_page_that_never_comes_is_an_error_not_a_short_series(
    server: FakeBaostockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import baostock.common.contants as cons

    monkeypatch.setattr(cons, "BAOSTOCK_PER_PAGE_COUNT", 3)
    real = server.dispatch

    def second_page_lost(line: bytes, user: str | None) -> tuple[bytes | None, str | None]:
        reply, user = real(line, user)
        if len(server.kdata_requests()) == 2:
            from baostock_fake import CLOSE

            return CLOSE, user
        return reply, user

    monkeypatch.setattr(server, "dispatch", second_page_lost)
    with provider.connect(timeout=5) as client, pytest.raises(ProviderUnavailable, match="page 2"):
        client.multiples("sh.600111", date(2024, 1, 1), date(2024, 1, 10))


def test_server_error_code_is_a_provider_error(server: FakeBaostockServer) -> None:
    server.error_for["sh.600111"] = ("10004011", "无效的证券代码")
    with provider.connect() as client:
        with pytest.raises(ProviderError, match="10004011") as caught:
            client.multiples("sh.600111", date(2024, 1, 1), date(2024, 1, 10))
        assert not isinstance(caught.value, ProviderUnavailable)
        assert len(client.multiples("sz.000831", date(2024, 1, 1), date(2024, 1, 10))) == 3  # still in step


def test_baostock_prints_nothing_on_our_stdout(server: FakeBaostockServer, capsys: pytest.CaptureFixture[str]) -> None:
    with provider.connect() as client:
        client.multiples("sh.600111", date(2024, 1, 1), date(2024, 1, 10))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # baostock prints "login success!" without the redirect


def test_a_dropped_connection_fails_instead_of_spinning(server: FakeBaostockServer) -> None:
    server.close_on.add("sh.600111")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with provider.connect(timeout=5) as client:
                client.multiples("sh.600111", date(2024, 1, 1), date(2024, 1, 10))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "baostock's receive loop spun on a closed connection"
    assert len(errors) == 1 and isinstance(errors[0], ProviderUnavailable)


def test_refresh_stores_then_asks_only_for_new_dates(server: FakeBaostockServer, tmp_path: Path) -> None:
    store = _store(tmp_path)
    tickers = ["600111.SS", "MP", "000831.SZ"]
    first = provider.refresh(store, tickers, today=date(2024, 1, 5), start=date(2024, 1, 1))
    assert first.asked == 2 and first.updated == {"600111.SS": 4, "000831.SZ": 3} and not first.problems
    assert {r["code"] for r in server.kdata_requests()} == {"sh.600111", "sz.000831"}  # never MP
    history = read_valuation(store, "600111.SS")
    assert history is not None and len(history.series("pb")) == 4
    assert set(history.multiples["pb_source"]) == {"baostock"}
    server.requests.clear()
    second = provider.refresh(store, tickers, today=date(2024, 1, 10), start=date(2024, 1, 1))
    asked = {r["code"]: (r["start"], r["end"]) for r in server.kdata_requests()}
    assert asked == {"sh.600111": ("2024-01-06", "2024-01-10"), "sz.000831": ("2024-01-05", "2024-01-10")}
    assert second.updated == {"600111.SS": 3, "000831.SZ": 0}
    assert "2 A-shares, 1 updated (+3 days), 1 up to date" in second.summary()
    history = read_valuation(store, "600111.SS")
    assert history is not None and len(history.series("pb")) == 7  # merged with the stored days
    server.requests.clear()
    provider.refresh(store, tickers, today=date(2024, 1, 10), start=date(2024, 1, 1), full=True)
    assert {r["start"] for r in server.kdata_requests()} == {"2024-01-01"}


def test_one_bad_code_is_that_names_problem(server: FakeBaostockServer, tmp_path: Path) -> None:
    server.error_for["sz.000831"] = ("10004011", "无效的证券代码")
    report = provider.refresh(_store(tmp_path), ["000831.SZ", "600111.SS"], today=date(2024, 1, 10),
                              start=date(2024, 1, 1))  # fmt: skip
    assert report.updated == {"600111.SS": 7} and "10004011" in report.problems["000831.SZ"]
    assert not report.banner and report.summary().endswith("1 failed")


def test_unreachable_server_is_a_banner_and_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    import baostock.common.contants as cons

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(cons, "BAOSTOCK_SERVER_IP", "127.0.0.1")
    monkeypatch.setattr(cons, "BAOSTOCK_SERVER_PORT", port)
    store = _store(tmp_path)
    memo = OfflineMemo(store, 10, key="baostock", service="baostock")
    steps: list[str] = []
    report = provider.refresh(store, ["600111.SS"], today=date(2024, 1, 10), start=date(2024, 1, 1), memo=memo,
                              progress=lambda label, n: steps.append(label))  # fmt: skip
    assert report.banner.startswith("baostock unreachable") and "10002007" in report.banner
    assert report.summary() == "baostock: 1 A-shares, skipped" and len(steps) == 1
    assert memo.current() is not None
    again = provider.refresh(store, ["600111.SS"], today=date(2024, 1, 10), start=date(2024, 1, 1), memo=memo)
    assert again.banner.startswith("baostock not asked: baostock offline since")
    assert capsys.readouterr().out == ""


def test_missing_package_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "baostock", None)  # import baostock -> ImportError
    with pytest.raises(ProviderMissing, match=r"pip install 'screener\[cn\]'"):
        provider.import_baostock()
    report = provider.refresh(_store(tmp_path), ["600111.SS"], today=date(2024, 1, 10), start=date(2024, 1, 1))
    assert "pip install 'screener[cn]'" in report.banner and report.updated == {}


def test_a_refused_login_is_a_banner_not_an_error(server: FakeBaostockServer, tmp_path: Path) -> None:
    server.password = "not-the-anonymous-one"  # the server answers 10001002 to baostock's anonymous login
    report = provider.refresh(_store(tmp_path), ["600111.SS"], today=date(2024, 1, 10), start=date(2024, 1, 1))
    assert "10001002" in report.banner and report.summary() == "baostock: 1 A-shares, skipped"
    assert not server.kdata_requests()


def test_an_unexpected_client_failure_is_that_names_problem(
    server: FakeBaostockServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("record")

    monkeypatch.setattr(provider.Client, "multiples", broken)
    report = provider.refresh(_store(tmp_path), ["600111.SS"], today=date(2024, 1, 10), start=date(2024, 1, 1))
    assert report.problems == {"600111.SS": "unexpected answer (KeyError: 'record')"} and not report.banner


def test_empty_and_negative_values_through_the_client(server: FakeBaostockServer) -> None:
    server.data["sz.000831"] = [
        _row("2024-01-02", "sz.000831", "", "2.5"),  # no TTM earnings yet
        _row("2024-01-03", "sz.000831", "-35.2", "2.6"),  # a loss: no meaningful P/E
        _row("2024-01-04", "sz.000831", "40.1", ""),
    ]
    with provider.connect() as client:
        frame = client.multiples("sz.000831", date(2024, 1, 1), date(2024, 1, 10))
    assert frame["pe"].isna().tolist() == [True, True, False] and frame["pe"].iloc[2] == 40.1
    assert frame["pb"].isna().tolist() == [False, False, True] and frame["pb"].iloc[0] == 2.5
