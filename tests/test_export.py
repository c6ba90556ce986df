"""Spreadsheet safety and atomic writes of the PM export."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.core.values import NA, NM
from screener.fileio import write_atomic
from screener.render import export as ex
from screener.render.cells import number_cell, text_cell


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_formula_like_text_is_quoted(text: str) -> None:
    assert ex.safe_text(text) == "'" + text


@given(st.text())
def test_safe_text_never_starts_a_formula(text: str) -> None:
    safe = ex.safe_text(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe.endswith(text)


def test_raw_numbers() -> None:
    assert ex.raw_number(0.355166572) == "0.355166572"
    assert ex.raw_number(NA) == "NA" and ex.raw_number(NM) == "NM"
    assert ex.raw_number(-0.17) == "-0.17"  # numbers are numbers, never quoted
    assert ex.csv_text(number_cell(-0.17, "fraction")) == "-0.17"  # a cell of the cell model: raw
    assert ex.csv_text(text_cell("-Evil")) == "'-Evil"


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "comps.csv"
    target.write_text("old complete export\n")

    def fail(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", fail)  # screener.fileio calls os.replace at write time
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new half")
    assert target.read_text() == "old complete export\n"
    assert list(tmp_path.iterdir()) == [target]
