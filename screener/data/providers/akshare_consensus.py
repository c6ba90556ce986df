"""A-share consensus through AKShare (the optional ``screener[cn]`` extra; ``import akshare`` costs about a second
and happens only inside :func:`fetch`).

Per not-rated A-share (``.SS``/``.SZ``), two upstream pages:

- THS 同花顺 盈利预测 (``stock_profit_forecast_ths``): per fiscal year the number of forecasters
  (预测机构数) and the min / mean / max EPS in CNY (最小值, 均值, 最大值). THS gives EPS and net profit only: DPS,
  BVPS, EBITDA and net debt stay NA. The summary table carries no date, so **the set is dated with the latest
  报告日期 of THS's per-institution table** (业绩预测详表-机构, a second request of the same page), else with the
  fetch date.
- Sina 机构评级 (``stock_institute_recommend_detail``): ratings with target prices and dates. The target is the
  mean of each institution's latest target dated within 365 days up to the set's date (later ones are not used:
  a look-ahead); none when Sina has no table or no target.

The result is a consensus set as :mod:`screener.data.estimates` stores it (provider ``akshare-ths``).
AKShare raises bare KeyError/ValueError/TypeError on an unexpected page: every failure becomes
:class:`ConsensusCnError` with one line saying which page.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from datetime import date, timedelta
from typing import Any

SOURCE = "akshare-ths"
INSTALL_HINT = "A-share consensus (AKShare) not fetched: install it with pip install 'screener[cn]'"
TARGET_WINDOW_DAYS = 365


class ConsensusCnError(Exception):
    """An AKShare page could not be read for one ticker (one line: which page and why)."""


def available() -> bool:
    """Whether AKShare can be imported (without importing it)."""
    if "akshare" in sys.modules:
        return sys.modules["akshare"] is not None
    try:
        return importlib.util.find_spec("akshare") is not None
    except (ImportError, ValueError):
        return False


def is_a_share(ticker: str) -> bool:
    return ticker.upper().endswith((".SS", ".SZ"))


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def normalise(eps: Any, institutions: Any, ratings: Any, today: date) -> dict[str, Any]:
    """AKShare's frames -> one stored consensus set (pure). ``eps``: the 预测年报每股收益 table; ``institutions``:
    业绩预测详表-机构 (or None); ``ratings``: Sina's rating records (or None)."""
    years: dict[str, dict[str, Any]] = {}
    for _, row in eps.iterrows():
        try:
            label = int(str(row["年度"]).strip()[:4])
        except ValueError:
            continue
        n = _float(row.get("预测机构数"))
        year = {
            "eps": _float(row.get("均值")),
            "eps_min": _float(row.get("最小值")),
            "eps_max": _float(row.get("最大值")),
            "n_analysts": int(n) if n is not None else None,
        }
        years[str(label)] = {k: v for k, v in year.items() if v is not None}
    dates = []
    if institutions is not None and "报告日期" in getattr(institutions, "columns", ()):
        for value in institutions["报告日期"]:
            try:
                dates.append(date.fromisoformat(str(value)[:10]))
            except ValueError:
                continue
    known = [d for d in dates if d <= today]
    as_of, rule = (max(known), "latest 报告日期 of THS 业绩预测详表-机构") if known else (today, "fetch date")
    target, target_n, target_date = _target(ratings, as_of)
    return {
        "as_of": as_of.isoformat(),
        "source": SOURCE,
        "date_rule": rule,
        "currency": "CNY",
        "target_price": target,
        "target_n": target_n,
        "target_date": target_date,
        "years": years,
    }


def _target(ratings: Any, as_of: date) -> tuple[float | None, int | None, str | None]:
    """Mean of each institution's latest target dated in (as_of − 365 days, as_of]."""
    if ratings is None or not len(ratings):
        return None, None, None
    latest: dict[str, tuple[date, float]] = {}
    for _, row in ratings.iterrows():
        price = _float(row.get("目标价"))
        try:
            when = date.fromisoformat(str(row.get("评级日期"))[:10])
        except ValueError:
            continue
        if price is None or price <= 0 or when > as_of or when <= as_of - timedelta(days=TARGET_WINDOW_DAYS):
            continue
        who = str(row.get("评级机构"))
        if who not in latest or when > latest[who][0]:
            latest[who] = (when, price)
    if not latest:
        return None, None, None
    mean = sum(p for _, p in latest.values()) / len(latest)
    return mean, len(latest), max(d for d, _ in latest.values()).isoformat()


def fetch(ticker: str, today: date) -> dict[str, Any]:
    """One A-share's consensus set from THS (EPS) and Sina (targets). ConsensusCnError when THS has nothing or
    cannot be read; a Sina failure only leaves the target out."""
    code = ticker.split(".")[0]
    try:
        import akshare as ak
    except ImportError:
        raise ConsensusCnError(INSTALL_HINT) from None
    try:
        eps = ak.stock_profit_forecast_ths(symbol=code, indicator="预测年报每股收益")
    except Exception as exc:  # AKShare: bare KeyError/ValueError/requests errors
        raise ConsensusCnError(f"THS 盈利预测 page unreadable ({type(exc).__name__}: {exc})") from None
    if eps is None or eps.empty:
        raise ConsensusCnError("THS has no forecasts for this name (本年度暂无机构做出业绩预测)")
    try:
        institutions = ak.stock_profit_forecast_ths(symbol=code, indicator="业绩预测详表-机构")
    except Exception:  # the date then falls back to the fetch date
        institutions = None
    try:
        ratings = ak.stock_institute_recommend_detail(symbol=code)
    except Exception:  # no rating table: no target
        ratings = None
    return normalise(eps, institutions, ratings, today)


def jobs(tickers: list[str], store: Any, ttl_hours: float, refresh: bool, notes: list[str]) -> list[tuple[str, str]]:
    """The ``consensus_cn`` jobs of a fetch: the A-shares among ``tickers`` whose AKShare set is older than the
    TTL (all with ``refresh``). Without AKShare: no job and one line in ``notes`` saying how to install it."""
    from screener.errors import StoreCorrupt

    wanted = [t for t in tickers if is_a_share(t)]
    if not wanted:
        return []
    if not available():
        notes.append(INSTALL_HINT)
        return []
    out = []
    for ticker in wanted:
        try:
            held = store.read_record("consensus", f"{ticker}={SOURCE}")
        except StoreCorrupt:
            held = None
        if held is not None and not refresh and store.is_fresh(held.fetched_at, ttl_hours):
            continue
        out.append(("consensus_cn", ticker))
    return out
