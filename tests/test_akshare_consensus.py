"""A-share consensus through AKShare (#14 item 5): AKShare 1.19.5's own parsing runs on recorded-shape pages served
by `responses` (THS worth.html as GBK bytes, Sina's rating page with a GBK charset); real sockets are refused, so
a passing test proves nothing left the process. Page shapes: ../research/akshare_proto/FINDINGS.md."""

from __future__ import annotations

import csv
import io
import json
import socket
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

pytest.importorskip("akshare")
responses = pytest.importorskip("responses")

from screener.cli import app  # noqa: E402
from screener.data.live import LiveSource  # noqa: E402
from screener.data.providers import akshare_consensus as cn  # noqa: E402
from screener.data.store import Store  # noqa: E402
from tests.conftest import EnvRunner, make_config, no_network_session  # noqa: E402

THS_URL = "https://basic.10jqka.com.cn/new/600259/worth.html"
SINA_URL = "http://stock.finance.sina.com.cn/stock/go.php/vIR_StockSearch/key/600259.phtml"
PRICE = 61.47  # 600259.SS (not rated) in the bundled snapshot of 2025-10-10


def _clock() -> datetime:
    return datetime(2025, 10, 25, 8, tzinfo=UTC)


def ths_page(report_dates: tuple[str, str]) -> bytes:
    """THS 盈利预测 worth.html, recorded shape (four tables by position), GBK-encoded as the site serves it."""
    head = "<tr><th>年度</th><th>预测机构数</th><th>最小值</th><th>均值</th><th>最大值</th><th>行业平均数</th></tr>"
    text = f"""<!DOCTYPE html><html><head><meta charset="gbk"><title>广晟有色(600259) 盈利预测</title></head><body>
<div class="bd" id="forecast"><h2>业绩预测</h2><p>预测年报每股收益</p>
<table class="m_table m_hl ggintro"><thead>{head}</thead><tbody>
<tr><td>2025</td><td>7</td><td>0.41</td><td>0.55</td><td>0.72</td><td>0.45</td></tr>
<tr><td>2026</td><td>6</td><td>0.60</td><td>0.82</td><td>1.05</td><td>0.58</td></tr>
<tr><td>2027</td><td>4</td><td>0.75</td><td>0.98</td><td>1.20</td><td>0.71</td></tr>
</tbody></table>
<p>预测年报净利润（亿元）</p>
<table class="m_table m_hl ggintro"><thead>{head}</thead><tbody>
<tr><td>2025</td><td>7</td><td>1.38</td><td>1.85</td><td>2.42</td><td>9.87</td></tr>
</tbody></table></div>
<div class="bd" id="forecastdetail"><h2>业绩预测详表</h2>
<table class="m_table m_hl ggintro"><thead>
<tr><th rowspan="2">机构名称</th><th rowspan="2">研究员</th><th colspan="3">预测年报每股收益（元）</th>
<th colspan="3">预测年报净利润（元）</th><th rowspan="2">报告日期</th></tr>
<tr><th>2025预测</th><th>2026预测</th><th>2027预测</th><th>2025预测</th><th>2026预测</th><th>2027预测</th></tr>
</thead><tbody>
<tr><td>中信证券</td><td>张三</td><td>0.60</td><td>0.88</td><td>1.08</td><td>2.02亿</td><td>2.96亿</td><td>3.63亿</td>
<td>{report_dates[0]}</td></tr>
<tr><td>华泰证券</td><td>李四</td><td>0.52</td><td>0.80</td><td>0.99</td><td>1.75亿</td><td>2.69亿</td><td>3.33亿</td>
<td>{report_dates[1]}</td></tr>
</tbody></table>
<table class="m_table m_hl ggintro">
<thead><tr><th>预测指标</th><th>2024（实际值）</th><th>预测2025（平均）</th></tr></thead>
<tbody><tr><td>每股净资产(元)</td><td>8.12</td><td>8.60</td></tr></tbody></table></div></body></html>"""
    return text.encode("gbk")


SINA_PAGE = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body><table class="list_table" id="dataTable">
<tr><th>股票代码</th><th>股票名称</th><th>目标价</th><th>最新评级</th><th>评级机构</th><th>分析师</th><th>行业</th>
<th>评级日期↓</th><th>摘要</th></tr>
<tr><td>600259</td><td>广晟有色</td><td>80.00</td><td>买入</td><td>国泰君安</td><td>赵六</td><td>小金属</td><td>2025-10-20</td><td>查看</td></tr>
<tr><td>600259</td><td>广晟有色</td><td>70.00</td><td>买入</td><td>中信证券</td><td>张三</td><td>小金属</td><td>2025-09-26</td><td>查看</td></tr>
<tr><td>600259</td><td>广晟有色</td><td></td><td>增持</td><td>华泰证券</td><td>李四</td><td>小金属</td><td>2025-09-22</td><td>查看</td></tr>
<tr><td>600259</td><td>广晟有色</td><td>60.00</td><td>增持</td><td>中信证券</td><td>张三</td><td>小金属</td><td>2025-06-01</td><td>查看</td></tr>
<tr><td>600259</td><td>广晟有色</td><td>64.00</td><td>买入</td><td>申万宏源</td><td>王五</td><td>小金属</td><td>2025-08-15</td><td>查看</td></tr>
</table></body></html>""".encode("gbk")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"real network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def rsps():  # type: ignore[no-untyped-def]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def serve(rsps, report_dates: tuple[str, str] = ("2025-09-28", "2025-09-25")) -> None:  # type: ignore[no-untyped-def]
    page = ths_page(report_dates)
    rsps.get(THS_URL, body=page, content_type="text/html")  # summary table (EPS)
    rsps.get(THS_URL, body=page, content_type="text/html")  # the same page again: the per-institution dates
    rsps.get(SINA_URL, body=SINA_PAGE, content_type="text/html; charset=gbk")


def test_fetch_parses_eps_forecasters_and_the_date_through_akshare(rsps) -> None:  # type: ignore[no-untyped-def]
    serve(rsps)
    got = cn.fetch("600259.SS", date(2025, 10, 25))
    assert got["years"]["2025"] == {"eps": 0.55, "eps_min": 0.41, "eps_max": 0.72, "n_analysts": 7}
    assert got["years"]["2026"] == {"eps": 0.82, "eps_min": 0.60, "eps_max": 1.05, "n_analysts": 6}
    assert got["years"]["2027"]["n_analysts"] == 4
    assert got["as_of"] == "2025-09-28"  # the latest 报告日期, not the fetch date
    assert got["date_rule"].startswith("latest 报告日期")
    assert got["source"] == "akshare-ths" and got["currency"] == "CNY"
    # targets: each institution's latest target up to 2025-09-28, within 365 days: 中信 70 (not its older 60),
    # 申万 64; 华泰 gave none; 国泰君安's 2025-10-20 target is after the set's date (a look-ahead)
    assert got["target_price"] == pytest.approx((70 + 64) / 2)
    assert got["target_n"] == 2 and got["target_date"] == "2025-09-26"
    assert len(rsps.calls) == 3


def test_without_a_dated_institution_table_the_fetch_date_counts() -> None:
    import pandas as pd

    eps = pd.DataFrame({"年度": ["2025"], "预测机构数": [3], "最小值": [0.4], "均值": [0.5], "最大值": [0.6]})
    got = cn.normalise(eps, None, None, date(2025, 10, 1))
    assert got["as_of"] == "2025-10-01" and got["date_rule"] == "fetch date"
    assert got["target_price"] is None


def _fetched_config(rsps, tmp_path: Path, report_dates: tuple[str, str]) -> Path:  # type: ignore[no-untyped-def]
    serve(rsps, report_dates)
    cfg = make_config(tmp_path / "work")
    store = Store(tmp_path / "work" / "cache", clock=_clock)
    source = LiveSource(no_network_session, store, 12.0, date(2025, 10, 25), workers=2)
    report = source.fetch_many([("consensus_cn", "600259.SS")])
    assert report.consensus == 1 and not report.problems
    return cfg


def _screen(cfg: Path, fmt: str) -> str:
    result = EnvRunner().invoke(
        app, ["--config", str(cfg), "screen", "--source", "snapshot", "--as-of", "2025-10-10", "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    return result.stdout  # type: ignore[no-any-return]


def test_fetched_consensus_feeds_the_fy1_pe_of_a_not_rated_a_share(rsps, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _fetched_config(rsps, tmp_path, ("2025-09-28", "2025-09-25"))
    row = next(r for r in csv.DictReader(io.StringIO(_screen(cfg, "csv"))) if r["ticker"] == "600259.SS")
    assert float(row["price"]) == PRICE
    assert float(row["pe_fy1"]) == pytest.approx(61.47 / 0.55)  # 111.76x by hand: FY1 = 2025 on 2025-10-10
    assert float(row["pe_fy2"]) == pytest.approx(61.47 / 0.82)
    assert float(row["target_price"]) == pytest.approx(67.0)
    payload = json.loads(_screen(cfg, "json"))
    assert payload["estimate_label"]["600259.SS"] == "consensus (n=7, 2025-09-28)"
    assert payload["estimate_provider"]["600259.SS"] == "akshare-ths"


def test_an_akshare_set_dated_after_the_as_of_date_is_not_used(rsps, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _fetched_config(rsps, tmp_path, ("2025-10-20", "2025-09-25"))  # dated 2025-10-20 > --as-of 2025-10-10
    row = next(r for r in csv.DictReader(io.StringIO(_screen(cfg, "csv"))) if r["ticker"] == "600259.SS")
    assert "estimate_after_as_of" in row["flags"]
    assert row["pe_fy1"] in ("NA", "") or float(row["pe_fy1"]) != pytest.approx(61.47 / 0.55)
    assert json.loads(_screen(cfg, "json"))["estimate_provider"].get("600259.SS") != "akshare-ths"


def test_without_akshare_a_fetch_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "akshare", None)  # `import akshare` now raises ImportError
    store = Store(tmp_path / "cache", clock=_clock)
    notes: list[str] = []
    assert cn.jobs(["600259.SS", "MP"], store, 12.0, False, notes) == []
    assert notes == ["A-share consensus (AKShare) not fetched: install it with pip install 'screener[cn]'"]
    with pytest.raises(cn.ConsensusCnError, match=r"pip install 'screener\[cn\]'"):
        cn.fetch("600259.SS", date(2025, 10, 25))
    assert cn.jobs(["MP"], store, 12.0, False, notes) == [] and len(notes) == 1  # no A-share: no notice


def test_an_unreadable_ths_page_is_that_names_problem(rsps, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rsps.get(THS_URL, body="<html>no tables</html>".encode("gbk"), content_type="text/html")
    store = Store(tmp_path / "cache", clock=_clock)
    source = LiveSource(no_network_session, store, 12.0, date(2025, 10, 25), workers=1)
    report = source.fetch_many([("consensus_cn", "600259.SS")])
    assert report.consensus == 0
    assert report.problems["600259.SS"].startswith("A-share consensus (AKShare): THS 盈利预测 page unreadable")
