"""migration-agent against rclone, local folder -> local folder (the docs' file-level migration), many small files.

    python tests/benchmarks/bench_local.py                       # 20,000 files of 100 bytes in 200 folders, 3 runs
    python tests/benchmarks/bench_local.py --files 200000 --runs 3

The source is made once; every run copies into a new folder (deleting 20,000 files between runs makes the disk
busy for the next one: discard on this machine's ext4), with a fresh journal for the agent. The tools take turns
(agent, rclone, rclone, agent, ...). Measured per run from os.wait4: wall time, user + sys CPU, peak RSS. The copy
is checked after every run (same files, same bytes). rclone comes from Debian: ``apt-get install -y rclone``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_source(folder: Path, files: int, per_folder: int, size: int) -> None:
    for n in range(files):
        d = folder / f"d{n // per_folder:04d}"
        if n % per_folder == 0:
            d.mkdir(parents=True)
        (d / f"f{n:07d}.txt").write_bytes(os.urandom(size))


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS MB) of one command, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def same_tree(a: Path, b: Path) -> bool:
    left = {p.relative_to(a): p.stat().st_size for p in a.rglob("*") if p.is_file()}
    right = {p.relative_to(b): p.stat().st_size for p in b.rglob("*") if p.is_file()}
    return left == right


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--files", type=int, default=20_000)
    ap.add_argument("--per-folder", type=int, default=100)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rclone = shutil.which("rclone")
    if rclone is None:
        raise SystemExit("rclone is not installed: apt-get install -y rclone")
    work = Path(tempfile.mkdtemp(prefix="bench-local-"))
    try:
        src = work / "src"
        make_source(src, args.files, args.per_folder, args.size)
        env = dict(os.environ, MIGRATION_WIZARD_HOME=str(work / "home"))
        results: dict[str, list[tuple[float, float, int]]] = {"agent": [], "rclone": []}
        order = []
        for r in range(args.runs):
            order += ["agent", "rclone"] if r % 2 == 0 else ["rclone", "agent"]
        for i, tool in enumerate(order):
            dst = work / f"dst-{i}"
            if tool == "agent":
                task = work / f"task-{i}.toml"
                task.write_text(f'name = "bench-{i}"\n[source]\nkind = "local"\npath = "{src}"\n'
                                f'[destination]\nkind = "local"\npath = "{dst}"\n')
                argv = [sys.executable, "-m", "wizard.agent.cli", "run", str(task)]
            else:
                argv = [rclone, "copy", "--transfers", "32", "--checkers", "32", str(src), str(dst)]
            results[tool].append(timed(argv, env))
            if not same_tree(src, dst):
                raise SystemExit(f"{tool} run {i}: the copy differs from the source")
            wall, cpu, rss = results[tool][-1]
            print(f"{tool:6s} run {i // 2 + 1}: {wall:6.2f} s wall, {cpu:6.2f} CPU-s, {rss} MB", flush=True)
        med = {t: tuple(statistics.median(x[k] for x in v) for k in range(3)) for t, v in results.items()}
        print(f"\nlocal -> local, {args.files:,} files of {args.size} bytes in "
              f"{args.files // args.per_folder:,} folders, medians of {args.runs}:")
        for tool, (wall, cpu, rss) in med.items():
            print(f"  {tool:6s} {wall:6.2f} s wall  {cpu:6.2f} CPU-s  {rss:.0f} MB")
        print(f"  ratio agent/rclone: wall {med['agent'][0] / med['rclone'][0]:.2f}, "
              f"CPU {med['agent'][1] / med['rclone'][1]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
