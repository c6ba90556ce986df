"""`screener estimates import`: terminal consensus exports into the store, then into the comp table (#14 item 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from screener.cli import app
from tests.conftest import EnvRunner, make_config

AS_OF = ["--source", "snapshot", "--as-of", "2025-10-10"]
PRICE = 61.47  # 600259.SS (Rising Nonferrous Metals, not rated): its close in the bundled snapshot of 2025-10-10


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return make_config(tmp_path / "work")


def _run(cfg: Path, *args: str):  # type: ignore[no-untyped-def]
    return EnvRunner().invoke(app, ["--config", str(cfg), *args])


def _screen_row(cfg: Path, ticker: str, as_of: str = "2025-10-10") -> dict[str, str]:
    result = _run(cfg, "screen", "--source", "snapshot", "--as-of", as_of, "--format", "csv")
    assert result.exit_code == 0, result.output
    return next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["ticker"] == ticker)


def _json(cfg: Path) -> dict:  # type: ignore[type-arg]
    result = _run(cfg, "screen", *AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_csv_feeds_the_fy1_pe_of_a_not_rated_a_share(cfg: Path, tmp_path: Path) -> None:
    before = _screen_row(cfg, "600259.SS")
    assert before["price"] == f"{PRICE:g}" and before["house_rating"] == "NR"
    file = _write(
        tmp_path / "bbg.csv",
        "ticker,fiscal_year,as_of,eps,dps,bvps,n_analysts,target_price\n"
        "600259 CH,2025,2025-09-30,0.50,0.10,8.00,7,40\n"
        "600259 CH,2026,2025-09-30,0.80,,9.60,6,\n",
    )
    result = _run(cfg, "estimates", "import", str(file))
    assert result.exit_code == 0, result.output
    assert "stored 2 estimate rows for 1 ticker(s) from bbg.csv (source import:bbg.csv)" in result.output
    assert "600259.SS: FY2025–FY2026, as of 2025-09-30; EPS 2025 0.5, 2026 0.8, n=7" in result.output
    row = _screen_row(cfg, "600259.SS")
    assert float(row["pe_fy1"]) == pytest.approx(61.47 / 0.50)  # 122.94x by hand
    assert float(row["pe_fy2"]) == pytest.approx(61.47 / 0.80)  # 76.84x
    assert float(row["pb_fy1"]) == pytest.approx(61.47 / 8.00)
    assert float(row["dy_fy1"]) == pytest.approx(0.10 / 61.47)
    assert float(row["target_price"]) == 40.0
    assert "consensus_eps" in row["flags"] and "consensus_target" in row["flags"]
    payload = _json(cfg)
    assert payload["estimate_label"]["600259.SS"] == "consensus (n=7, 2025-09-30)"
    assert payload["estimate_provider"]["600259.SS"] == "import:bbg.csv"
    assert payload["estimate_source"]["600259.SS"] == "consensus"
    table = _run(cfg, "screen", "600259.SS", *AS_OF, "--wide")
    assert "consensus (n=7, 2025-09-30)" in table.output


def test_import_xlsx(cfg: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ticker", "fiscal_year", "as_of", "eps", "n_analysts"])
    sheet.append(["600259.SH", 2025, "2025-09-30", 0.6, 5])
    sheet.append(["600259.SH", 2026, "2025-09-30", 0.75, 4])
    book.save(tmp_path / "wind.xlsx")
    result = _run(cfg, "estimates", "import", str(tmp_path / "wind.xlsx"))
    assert result.exit_code == 0, result.output
    row = _screen_row(cfg, "600259.SS")
    assert float(row["pe_fy1"]) == pytest.approx(61.47 / 0.6)
    assert _json(cfg)["estimate_label"]["600259.SS"] == "consensus (n=5, 2025-09-30)"


def test_an_estimate_dated_after_the_as_of_date_is_not_used(cfg: Path, tmp_path: Path) -> None:
    file = _write(
        tmp_path / "late.csv",
        "ticker,fiscal_year,as_of,eps\n600259.SS,2025,2025-09-30,0.50\n600259.SS,2025,2025-10-20,0.25\n",
    )
    assert _run(cfg, "estimates", "import", str(file)).exit_code == 0
    row = _screen_row(cfg, "600259.SS")  # as of 2025-10-10: the 2025-10-20 set is a look-ahead
    assert float(row["pe_fy1"]) == pytest.approx(61.47 / 0.50)
    only_late = _write(tmp_path / "late_only.csv", "ticker,fiscal_year,as_of,eps\n000831.SZ,2025,2025-10-20,0.25\n")
    assert _run(cfg, "estimates", "import", str(only_late)).exit_code == 0
    late = _screen_row(cfg, "000831.SZ")
    assert "estimate_after_as_of" in late["flags"]
    assert late["pe_fy1"] in ("NA", "") or float(late["pe_fy1"]) != pytest.approx(float(late["price"]) / 0.25)


def test_the_newest_known_consensus_wins(cfg: Path, tmp_path: Path) -> None:
    older = _write(tmp_path / "a.csv", "ticker,fiscal_year,as_of,eps,n_analysts\n600259.SS,2025,2025-08-01,0.40,3\n")
    newer = _write(tmp_path / "b.csv", "ticker,fiscal_year,as_of,eps,n_analysts\n600259.SS,2025,2025-09-15,0.45,4\n")
    assert _run(cfg, "estimates", "import", str(newer)).exit_code == 0
    assert _run(cfg, "estimates", "import", str(older)).exit_code == 0  # imported last, but older
    assert float(_screen_row(cfg, "600259.SS")["pe_fy1"]) == pytest.approx(61.47 / 0.45)
    assert _json(cfg)["estimate_provider"]["600259.SS"] == "import:b.csv"


HEAD = "ticker,fiscal_year,as_of,eps\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ticker,fiscal_year,as_of,eps,rating\n600259.SS,2025,2025-09-30,0.5,buy\n",
            ["x.csv:1", "rating", "ticker, fiscal_year, as_of, eps, dps, bvps, ebitda, net_debt, target_price"],
        ),
        (f"{HEAD}600259.SS,2025,2025-09-30,0.5\n600259.SS,2026,2025-09-30,abc\n", ["x.csv:3", "eps", "'abc'"]),
        (f"{HEAD}600259.SS,2025,2025-09-30,0.5\n,2026,2025-09-30,0.6\n", ["x.csv:3", "ticker", "missing"]),
        ("ticker,fiscal_year,eps\n600259.SS,2025,0.5\n", ["x.csv:1", "as_of"]),
        ("ticker,fiscal_year,as_of,eps\nNOT A CODE,2025,2025-09-30,0.5\n", ["x.csv:2", "ticker"]),
        ("ticker,fiscal_year,as_of,eps\n600259.SS,2025,30/09/2025,0.5\n", ["x.csv:2", "as_of"]),
    ],
    ids=["unknown-column", "bad-number", "missing-ticker", "missing-as_of-column", "bad-code", "bad-date"],
)
def test_bad_files_exit_2_naming_line_and_field(cfg: Path, tmp_path: Path, text: str, expected: list[str]) -> None:
    result = _run(cfg, "estimates", "import", str(_write(tmp_path / "x.csv", text)))
    assert result.exit_code == 2, result.output
    for part in expected:
        assert part in result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "work" / "cache" / "consensus").glob("*=import.json"))  # nothing stored


def test_cache_clear_keeps_imported_estimates(cfg: Path, tmp_path: Path) -> None:
    file = _write(tmp_path / "e.csv", "ticker,fiscal_year,as_of,eps\n600259.SS,2025,2025-09-30,0.5\n")
    assert _run(cfg, "estimates", "import", str(file)).exit_code == 0
    assert _run(cfg, "cache", "clear", "--yes").exit_code == 0
    assert (tmp_path / "work" / "cache" / "consensus" / "600259.SS=import.json").exists()
