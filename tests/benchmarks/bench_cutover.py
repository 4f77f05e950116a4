"""The cutover steps beside rclone on the same two SeaweedFS servers and the same copied bucket:

    python tests/benchmarks/bench_cutover.py [--objects 5000] [--runs 3]

  delta    a pass over an unchanged source: `migration-agent pass` (lists the source and compares with its
           journal) against `rclone sync` (lists both sides and compares), nothing to copy
  check    the final pass's check of every object: `migration-agent pass --final --writes-stopped` (lists the source
           again, then the destination's listing joined with the journal) against `rclone check` (both listings,
           sizes and MD5s compared)

Each is run ``--runs`` times after one warm-up, tools taking turns; wall time, user + sys CPU and peak RSS come from
os.wait4 through bench_table's launcher, and the servers' CPU meanwhile. rclone from Debian: apt-get install rclone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parent))

import bench_copy as common  # noqa: E402
from bench_table import Measure, timed  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rclone = shutil.which("rclone")
    agent = common.find_agent()
    if rclone is None or agent is None:
        print("needs rclone (apt-get install rclone) and migration-agent (make setup)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-cutover-"))
    src = SeaweedS3(work / "src", access_key="bench-src", secret_key="bench-src-secret").start()
    dst = SeaweedS3(work / "dst", access_key="bench-dst", secret_key="bench-dst-secret").start()
    try:
        wl = common.Workload("cutover", args.objects, 4 * 1024)
        common.fill_source(src, wl)
        bucket = common.fresh_bucket(dst, "copy")
        task = work / "task.toml"
        common.write_task(task, src, wl.bucket, dst, bucket, 32)
        journal = work / "journal.sqlite"
        base = dict(os.environ, MIGRATION_WIZARD_HOME=str(work / "home"))
        agent_env = {**base, "SRC_ACCESS_KEY_ID": src.access_key, "SRC_SECRET_ACCESS_KEY": src.secret_key,
                     "DST_ACCESS_KEY_ID": dst.access_key, "DST_SECRET_ACCESS_KEY": dst.secret_key}
        rclone_env = common.rclone_env(base, src, dst)
        conf = work / "rclone.conf"
        conf.write_text("")
        code, first = timed([agent, "run", str(task), "--journal", str(journal)], agent_env, work / "first.log")
        assert code == 0, (work / "first.log").read_text()
        print(f"copied {wl.describe()} in {first.wall:.1f} s")
        rc = ["env", "-u", "AWS_CA_BUNDLE", rclone, "--transfers", "32", "--checkers", "32", "--config", str(conf)]
        steps = {
            "delta": ([agent, "pass", str(task), "--journal", str(journal)],
                      [*rc, "sync", f"src:{wl.bucket}", f"dst:{bucket}"]),
            "check": ([agent, "pass", str(task), "--final", "--writes-stopped", "--journal", str(journal)],
                      [*rc, "check", f"src:{wl.bucket}", f"dst:{bucket}"]),
        }
        results: dict[tuple[str, str], list[tuple[Measure, float]]] = {}
        n = 0
        for step, (ours, theirs) in steps.items():
            for run in range(args.runs + 1):
                order = (("agent", ours, agent_env), ("rclone", theirs, rclone_env))
                for tool, cmd, env in order if run % 2 else order[::-1]:
                    n += 1
                    before = common.servers_cpu([src, dst])
                    code, m = timed(cmd, env, work / f"{n:03d}-{tool}-{step}.log")
                    servers = common.servers_cpu([src, dst]) - before
                    assert code == 0, (work / f"{n:03d}-{tool}-{step}.log").read_text()[-2000:]
                    print(f"  {step:<6} {tool:<6} wall {m.wall:6.2f} s  cpu {m.cpu:5.2f} s  rss {m.rss_mb:5.0f} MB  "
                          f"servers {servers:5.2f} s{'  (warm-up)' if run == 0 else ''}")
                    if run:
                        results.setdefault((step, tool), []).append((m, servers))
        print(f"\n{wl.describe()}, medians of {args.runs} runs (ratio = agent / rclone)")
        print(f"{'step':<7}{'rclone wall/CPU/RSS':>24}{'agent wall/CPU/RSS':>24}{'wall':>7}{'CPU':>7}{'servers':>16}")
        for step in steps:
            med = {tool: (statistics.median(m.wall for m, _ in results[(step, tool)]),
                          statistics.median(m.cpu for m, _ in results[(step, tool)]),
                          statistics.median(m.rss_mb for m, _ in results[(step, tool)]),
                          statistics.median(s for _, s in results[(step, tool)])) for tool in ("rclone", "agent")}
            r, a = med["rclone"], med["agent"]
            print(f"{step:<7}{r[0]:>9.2f} s {r[1]:5.2f} {r[2]:4.0f} MB{a[0]:>9.2f} s {a[1]:5.2f} {a[2]:4.0f} MB"
                  f"{a[0] / r[0]:>7.2f}{a[1] / r[1]:>7.2f}{r[3]:>8.2f}/{a[3]:<7.2f}")
    finally:
        src.stop()
        dst.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
