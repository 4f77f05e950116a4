"""How long the wizard takes from process start to its first window, for the venv install and the PyInstaller
bundle (``make bundle`` first, or ``--bundle DIR``): ``migration-wizard --smoke`` opens the window offscreen,
switches language twice and exits, so its wall time is an upper bound of double-click to first window.

    python tests/benchmarks/bench_startup.py [--runs 5] [--bundle dist/migration-wizard]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(cmd: list[str], home: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MIGRATION_WIZARD_HOME": home}
    start = time.monotonic()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bundle", default=str(ROOT / "dist" / "migration-wizard"))
    args = ap.parse_args()
    programs = {"venv": [str(Path(sys.executable).parent / "migration-wizard"), "--smoke"]}
    frozen = Path(args.bundle) / "migration-wizard"
    if frozen.exists():
        programs["bundle"] = [str(frozen), "--smoke"]
    with tempfile.TemporaryDirectory() as home:
        for name, cmd in programs.items():
            timed(cmd, home)    # warm the page cache: a second start is what a user sees every day
            walls = [timed(cmd, home) for _ in range(args.runs)]
            print(f"RESULT {name}: process start to first window and exit, median {statistics.median(walls):.2f} s "
                  f"({', '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
