"""The broken-input corpus: universe and config files, every import kind, and options, run by one parametrised
test against a store and a rating history that hold real data. Each case must end with its documented exit
code and ONE line naming the file, line and field (or the option), no traceback, and leave the store, the
history and the corpus itself byte-identical."""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screener.cli import app

from .conftest import ROOT, EnvRunner, make_config
from .hostile_case import Case
from .hostile_inputs import INPUT_CASES

CORPUS = Path(__file__).parent / "corpus"


def prices(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    data = content.encode() if isinstance(content, str) else content
    argv = ("prices", "import", "{file}", "--ticker", "600111.SS", *extra)
    return Case(f"prices-{id}", argv, needles, data, f"{id}.csv")


def oxides(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = ()) -> Case:
    data = content.encode() if isinstance(content, str) else content
    argv = ("oxides", "import", "{file}", *extra)
    return Case(f"oxides-{id}", argv, needles, data, f"{id}.csv")


def fx(id: str, content: str | bytes, *needles: str, extra: tuple[str, ...] = ("--currency", "CNY")) -> Case:
    data = content.encode() if isinstance(content, str) else content
    return Case(f"fx-{id}", ("fx", "import", "{file}", *extra), needles, data, f"{id}.csv")


def option(id: str, *argv: str, needles: tuple[str, ...], exit: int = 2, config: bool = True) -> Case:
    return Case(f"option-{id}", tuple(argv), needles, exit=exit, config=config)


OX = ("--series", "x1", "--value-col", "value", "--unit", "CNY/kg", "--currency", "CNY")
GOOD = "date,close\n2021-01-04,10\n"
IMPORT_CASES = [
    prices("blank-closes", "date,close\n2021-12-30,\n2021-12-31,\n", "blank-closes.csv", "close", "no valid price row"),
    prices("header-only", "date,close\n", "header-only.csv", "no valid price row"),
    prices("header-only-replace", "date,close\n", "no valid price row", extra=("--replace",)),
    prices("empty", "", "empty.csv", "empty file"),
    prices("latin1", b"date,close\n2021-01-04,10\n2021-01-05,caf\xe9\n", "latin1.csv:3:", "not UTF-8"),
    prices("ragged", "date,close\n2021-01-04,10\n2021-01-05,11,12\n", "ragged.csv:3:", "3 fields"),
    prices("blank-lines", "date,close\n\n2021-01-04,10\n\n2021-13-01,11\n", "blank-lines.csv:5: date:"),
    prices("duplicate-date", GOOD + "2021-01-04,11\n", "duplicate-date.csv:3: date:", "duplicate date"),
    prices("future-date", GOOD + "2099-01-05,11\n", "future-date.csv:3: date:", "in the future"),
    prices("negative", GOOD + "2021-01-05,-1\n", "negative.csv:3: close:", "must be positive"),
    prices("zero", GOOD + "2021-01-05,0\n", "zero.csv:3: close:", "must be positive"),
    prices("text", GOOD + "2021-01-05,ten\n", "text.csv:3: close:", "not a number"),
    prices("inf", GOOD + "2021-01-05,inf\n", "inf.csv:3: close:", "finite"),
    prices("overflow", GOOD + "2021-01-05,1e400\n", "overflow.csv:3: close:", "finite"),
    prices("denormal", GOOD + "2021-01-05,1e-320\n", "denormal.csv:3: close:", "plausible range"),
    prices("absurd", GOOD + "2021-01-05,1e13\n", "absurd.csv:3: close:", "plausible range"),
    prices("no-date-column", "day,close\n2021-01-04,10\n", "no-date-column.csv:1: date:", "--date-col"),
    prices("no-close-column", GOOD, "no-close-column.csv:1: nope:", "--close-col", extra=("--close-col", "nope")),
    prices("no-prev-close", GOOD, "no-prev-close.csv:1: pc:", "--prev-close-col", extra=("--prev-close-col", "pc")),
    prices("prev-close-no-closes", "date,close,prev_close\n2021-01-04,,10\n", "no valid price row"),
    prices("duplicate-header", "date,close,close\n2021-01-04,1,2\n", "duplicate-header.csv:1:", "duplicate column"),
    prices("nul-byte", b"date,close\n2021-01-04,1\x000\n", "nul-byte.csv:2:"),
    prices("multiline-cell", 'date,close,note\n2021-01-04,10,"a\nb"\n2021-01-05,x,c\n', "multiline-cell.csv:4: close:"),
    prices("bom", "\ufeffdate,close\n2021-01-04,10\n2021-02-30,11\n", "bom.csv:3: date:", "unparseable date"),
    prices("bad-ticker", GOOD, "--ticker", extra=("--ticker", "XX YY")),
    Case("prices-folder", ("prices", "import", "{dir}", "--ticker", "MP"), ("is a folder",)),
    Case("prices-missing", ("prices", "import", "{missing}", "--ticker", "MP"), ("file not found",)),
    Case("prices-no-ticker", ("prices", "import", "{file}"), ("--ticker",), GOOD.encode()),
    oxides(
        "unknown-unit",
        GOOD,
        "--unit",
        extra=("--series", "x1", "--value-col", "close", "--unit", "CNY/lb", "--currency", "CNY"),
    ),
    oxides(
        "currency-mismatch",
        GOOD,
        "--currency",
        extra=("--series", "x1", "--value-col", "close", "--unit", "USD/kg", "--currency", "CNY"),
    ),
    oxides("unregistered", GOOD, "--unit", "--currency", extra=("--series", "zz", "--value-col", "close")),
    oxides(
        "slash-id",
        GOOD,
        "--series",
        extra=("--series", "nd/cn", "--value-col", "close", "--unit", "CNY/kg", "--currency", "CNY"),
    ),
    oxides(
        "dotdot-id",
        GOOD,
        "--series",
        extra=("--series", "a..b", "--value-col", "close", "--unit", "CNY/kg", "--currency", "CNY"),
    ),
    oxides(
        "mid-of-one",
        GOOD,
        "--mid-of",
        extra=("--series", "x1", "--mid-of", "close", "--unit", "CNY/kg", "--currency", "CNY"),
    ),
    oxides(
        "inverted",
        "date,lo,hi\n2024-01-02,12,10\n",
        "inverted.csv:2: lo:",
        extra=("--series", "x1", "--mid-of", "lo,hi", "--unit", "CNY/kg", "--currency", "CNY"),
    ),
    oxides("no-value-column", GOOD, "no-value-column.csv:1: value:", "--value-col", extra=OX),
    oxides("both-columns", "date,value\n2024-01-02,1\n", "--value-col", "--mid-of", extra=(*OX, "--mid-of", "a,b")),
    oxides("all-blank", "date,value\n2024-01-02,\n2024-01-03,\n", "all-blank.csv", "no values", extra=OX),
    oxides("text", "date,value\n2024-01-02,abc\n", "text.csv:2: value:", "not a number", extra=OX),
    oxides("zero", "date,value\n2024-01-02,0\n", "zero.csv:2: value:", "must be positive", extra=OX),
    oxides("latin1", b"date,value\n2024-01-02,1\n2024-01-03,\xff\n", "latin1.csv:3:", "UTF-8", extra=OX),
    Case("oxides-no-series", ("oxides", "import", "{file}", "--value-col", "value"), ("--series",), GOOD.encode()),
    Case("oxides-no-source", ("oxides", "import", *OX), ("no FILE given",)),
    Case("oxides-ftp", ("oxides", "import", "ftp://example.com/nd.csv", *OX), ("only http:// and https://",)),
    Case("oxides-file-url", ("oxides", "import", "file:///etc/passwd", *OX), ("only http:// and https://",)),
    Case("oxides-upper-http-down", ("oxides", "import", "HTTP://127.0.0.1:9/nd.csv", *OX), ("cannot fetch",), exit=3),
    Case("oxides-folder", ("oxides", "import", "{dir}", *OX), ("is a folder",)),
    fx("usd", GOOD, "--currency", extra=("--currency", "USD")),
    fx("two-letters", GOOD, "--currency", extra=("--currency", "XX")),
    fx("digit", GOOD, "--currency", extra=("--currency", "C1Y")),
    fx("no-value-column", "date,rate\n2024-01-02,7.1\n", "no-value-column.csv:1: value:", "--value-col"),
    fx("text-rate", "date,value\n2024-01-02,abc\n", "text-rate.csv:2: value:", "not a number"),
    fx("zero-rate", "date,value\n2024-01-02,0\n", "zero-rate.csv:2: value:", "must be positive"),
    fx("latin1", b"date,value\n2024-01-02,7\xe9\n", "latin1.csv:2:", "UTF-8"),
    fx("ragged", "date,value\n2024-01-02\n", "ragged.csv:2:", "1 fields"),
    Case("fx-unregistered", ("fx", "import", "--currency", "JPY"), ("[[fx.series]]",)),
    Case("fx-folder", ("fx", "import", "{dir}", "--currency", "CNY"), ("is a folder",)),
]
OPTION_CASES = [
    option("as-of-far-future", "screen", "--as-of", "9999-12-31", needles=("--as-of", "accepted range")),
    option("as-of-too-early", "screen", "--as-of", "1899-12-31", needles=("--as-of",)),
    option("as-of-not-a-date", "screen", "--as-of", "yesterday", needles=("--as-of",)),
    option("as-of-feb-30", "screen", "--as-of", "2020-02-30", needles=("--as-of",)),
    option("top-zero", "screen", "--top", "0", needles=("--top",)),
    option("top-negative", "screen", "--top", "-1", needles=("--top",)),
    option("top-huge", "screen", "--top", "999999999", needles=("--top",)),
    option("sort-unknown", "screen", "--source", "snapshot", "--sort", "cheapness", needles=("--sort",)),
    option("group-unknown", "screen", "--source", "snapshot", "-g", "nope", needles=("--group",)),
    option("universe-unknown", "screen", "-u", "nope", needles=("unknown universe",)),
    option("source-unknown", "screen", "--source", "bloomberg", needles=("--source",)),
    option("format-unknown", "screen", "--format", "pdf", needles=("--format",)),
    option(
        "screen-out-folder",
        "screen",
        "--source",
        "snapshot",
        "--format",
        "csv",
        "--out",
        "{dir}",
        needles=("is a folder",),
    ),
    option("max-lag-huge", "correlate", "--max-lag", "1000000000", needles=("--max-lag",)),
    option("max-lag-negative", "correlate", "--max-lag", "-1", needles=("--max-lag",)),
    option("window-small", "correlate", "--window", "2", needles=("--window",)),
    option("window-huge", "correlate", "--window", "100000", needles=("--window",)),
    option("freq-daily", "correlate", "--freq", "D", needles=("--freq",)),
    option("start-after-end", "correlate", "--start", "2022-01-01", "--end", "2021-01-01", needles=("--start",)),
    option("oxide-unknown", "correlate", "--oxide", "unobtainium", needles=("--oxide",)),
    option("correlate-universe-unknown", "correlate", "-u", "nope", needles=("unknown universe",)),
    option("k-too-big", "value", "600111.SS", "--k", "11", needles=("--k",)),
    option("k-nan", "value", "600111.SS", "--k", "nan", needles=("--k",)),
    option("pb-mean-negative", "value", "600111.SS", "--pb-mean", "-1", needles=("--pb-mean",)),
    option(
        "pb-mean-zero", "value", "600111.SS", "--pb-mean", "0", "--pb-sd", "1", "--bvps", "5", needles=("--pb-mean",)
    ),
    option("bvps-inf", "value", "600111.SS", "--bvps", "inf", needles=("--bvps",)),
    option("since-too-early", "value", "600111.SS", "--since", "1800-01-01", needles=("--since",)),
    option("value-bad-ticker", "value", "XX YY", needles=("TICKER",)),
    option("value-no-ticker", "value", needles=("Missing argument 'TICKER'",)),
    option("value-format", "value", "600111.SS", "--format", "pdf", needles=("--format",)),
    option(
        "chart-window",
        "chart",
        "oxide",
        "600111.SS",
        "--oxide",
        "nd_cn",
        "--window",
        "1",
        "--out",
        "x.png",
        needles=("--window",),
    ),
    option("chart-not-png", "chart", "pb-band", "600111.SS", "--out", "x.jpg", needles=("--out",)),
    option("chart-missing-folder", "chart", "pb-band", "600111.SS", "--out", "{missing}.png", needles=("--out",)),
    option(
        "against-unrecorded",
        "drift",
        "--source",
        "snapshot",
        "--no-record",
        "--against",
        "2001-01-01",
        needles=("--against",),
    ),
    option("against-garbage", "drift", "--against", "someday", needles=("--against",)),
    option("history-show-garbage", "history", "show", "someday", needles=("DATE",)),
    option("history-show-unrecorded", "history", "show", "1999-01-01", needles=("no recorded run",)),
    option("history-export-folder", "history", "export", "--out", "{dir}", needles=("is a folder",)),
    option("cache-clear-kind", "cache", "clear", "--kind", "nonsense", "--yes", needles=("--kind",)),
    option("export-folder", "export", "--source", "snapshot", "--out", "{dir}", needles=("is a folder",)),
    option("export-device", "export", "--source", "snapshot", "--out", "/dev/null", needles=("not a regular file",)),
    option(
        "export-missing-folder", "export", "--source", "snapshot", "--out", "{missing}.csv", needles=("does not exist",)
    ),
    option("unknown-command", "scren", needles=("No such command",)),
    option("unknown-option", "screen", "--bogus", needles=("--bogus",)),
    option("missing-config", "screen", "--config", "{missing}.toml", needles=("file not found",), config=False),
    option("universe-show-unknown", "universe", "show", "nope", needles=("unknown universe",)),
    option("universe-validate-folder", "universe", "validate", "{dir}", needles=("is a folder",)),
]
FILE_CASES = [
    Case(f"universe-{p.name}", ("screen", "--source", "snapshot", "-u", str(p)), (p.name,))
    for p in sorted((CORPUS / "universes").glob("*.toml"))
] + [
    Case(f"config-{p.name}", ("screen", "--source", "snapshot", "--config", str(p)), (p.name,), config=False)
    for p in sorted((CORPUS / "config").glob("*.toml"))
]
ALL = FILE_CASES + IMPORT_CASES + OPTION_CASES + INPUT_CASES


def expectations(path: Path) -> tuple[str | None, int | None]:
    head = path.read_bytes()[:400].decode("utf-8", errors="replace")
    found = re.search(r"# expect-field: ?(.*)", head)
    line = re.search(r"# expect-line: (\d+)", head)
    return (found.group(1).strip() if found else None), (int(line.group(1)) if line else None)


def tree_digest(*folders: Path) -> dict[str, str]:
    """Every file under the folders with its SHA-256 (the store, the history, the corpus)."""
    out = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose store holds an imported price history, an FX history and an oxide series, and whose
    rating history holds a recorded run."""
    folder = tmp_path_factory.mktemp("hostile")
    config = make_config(folder / "work")
    runner = EnvRunner()
    data = folder / "data"
    data.mkdir()
    (data / "p.csv").write_text("date,close\n" + "".join(f"2021-01-{d:02d},{10 + d}\n" for d in range(4, 9)))
    (data / "fx.csv").write_text("date,value\n2021-01-04,6.5\n2021-01-05,6.6\n")
    (data / "ox.csv").write_text("date,value\n2021-01-04,700\n2021-01-05,710\n")
    cfg = ("--config", str(config))
    for argv in (
        ("prices", "import", str(data / "p.csv"), "--ticker", "600111.SS"),
        ("fx", "import", str(data / "fx.csv"), "--currency", "CNY"),
        ("oxides", "import", str(data / "ox.csv"), *OX[:2], "--value-col", "value", *OX[4:]),
        ("oxides", "import", str(data / "ox.csv"), "--series", "nd_cn", "--value-col", "value"),
        ("drift", "--source", "snapshot", "-q"),
    ):
        result = runner.invoke(app, [*argv, *cfg])
        assert result.exit_code in (0, 4), result.output
    make_config(config.parent / "small", {"limits": {"max_input_mb": 0.05}})
    return config


def test_the_corpus_is_large_enough() -> None:
    assert len(ALL) >= 150
    assert len({case.id for case in ALL}) == len(ALL)


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_broken_input(case: Case, work: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    file = inputs / case.name
    if case.content is not None:
        file.write_bytes(case.content)
    os.mkfifo(inputs / "pipe.csv")
    values = {"config": str(work), "file": str(file), "dir": str(inputs), "missing": str(tmp_path / "nowhere" / "x"),
              "fifo": str(inputs / "pipe.csv"), "small": str(work.parent / "small" / "config.toml")}  # fmt: skip
    argv = [arg.format(**values) if "{" in arg else arg for arg in case.argv]
    if case.config:
        argv += ["--config", str(work)]
    before = tree_digest(work.parent, CORPUS)
    exit_code, output = (in_child if case.subprocess else in_process)(argv)
    assert exit_code == case.exit, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), output
    for needle in case.needles:
        assert needle in lines[0], (needle, output)
    if case.id.startswith(("universe-", "config-")):
        path = Path(case.argv[-1])
        expected_field, expected_line = expectations(path)
        if expected_field:
            assert f"{expected_field}:" in lines[0], output
        if expected_line is not None:
            assert f"{path.name}:{expected_line}:" in lines[0], output
    assert tree_digest(work.parent, CORPUS) == before, "the store, the history or the corpus changed"
    assert not (CORPUS / "config" / "cache").exists() and not (CORPUS / "config" / "history.sqlite").exists()


TIMEOUT = 90
"""Seconds a case may take: a hung case (a FIFO read, a quadratic check) fails instead of hanging the run."""


class Hung(BaseException):
    """Raised by the alarm: no ``except Exception`` (nor ``except OSError``) of the code under test catches it."""


def in_process(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in this process under an alarm (a blocking open of a FIFO is interrupted by it)."""

    def hung(signum: int, frame: object) -> None:
        raise Hung(f"the case took more than {TIMEOUT} s: {argv}")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(TIMEOUT)
    try:
        result = EnvRunner().invoke(app, argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return result.exit_code, result.output


def in_child(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in a child process with a timeout and a 2 GB address-space limit (``/dev/zero`` read whole)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    code = "import sys; from screener.cli import app; sys.argv[0] = 'screener'; app()"
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=limit,
        cwd=ROOT,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_runner_is_the_test_environment() -> None:
    assert isinstance(EnvRunner(), CliRunner)
