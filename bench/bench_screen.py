"""Start-up cost of the fast path: median wall time of `screener screen --source snapshot` next to
`python -c "import pandas"` on the same machine, in the same process run (ratios, not absolute seconds).

    python bench/bench_screen.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    screener = shutil.which("screener", path=str(Path(sys.executable).parent)) or "screener"
    commands = {
        "python -c pass (interpreter)": [sys.executable, "-c", "pass"],
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        "screener screen --source snapshot": [screener, "screen", "--source", "snapshot", "--format", "csv"],
        "screener screen --source snapshot (table)": [screener, "screen", "--source", "snapshot"],
    }
    results = {name: median_wall(cmd, args.runs) for name, cmd in commands.items()}
    baseline = results['python -c "import pandas"']
    print(f"median wall time over {args.runs} runs (machine: {sys.platform}, python {sys.version.split()[0]})")
    print(f"{'command':45} {'seconds':>8} {'vs import pandas':>17}")
    for name, seconds in results.items():
        print(f"{name:45} {seconds:8.3f} {seconds / baseline:16.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
