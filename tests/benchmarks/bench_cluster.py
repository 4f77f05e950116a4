"""Throughput of the cluster against its number of workers, over a simulated WAN, beside the in-process path
and rclone on the same servers and data.

    python tests/benchmarks/bench_cluster.py                 # both workloads, 1, 2 and 3 workers
    python tests/benchmarks/bench_cluster.py --latency 0.05 --workload small

Two SeaweedFS servers on 127.0.0.1, each behind a proxy that holds every request ``--latency`` seconds (40 ms
by default) so that round trips, not this machine's two cores, bound one worker, as between clouds; the
servers keep their data on tmpfs (``--dir``) so that this machine's disk does not bound them either. The master
(``migration-agent serve --cluster``) listens on 127.0.0.2; workers on 127.0.0.3, .4, .5 (``--slots 2``, the
task's concurrency 8: 16 objects in flight per worker). The in-process run and rclone get 16 in flight too.
Printed: wall time, objects/s and MiB/s per setup, the scaling efficiency (throughput at N / N x throughput at
1; the goal is >= 0.8 at 3), the cluster's overhead against the in-process path (one worker vs ``run``), and the
peak RSS of the master (scheduler inside) and of a worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parent))

from bench_copy import Workload, count_objects, drop_bucket, fill_source, find_agent, fresh_bucket  # noqa: E402
from servers.cluster import Cluster, task_toml  # noqa: E402
from servers.faultproxy import FaultProxy  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402

MiB = 1024 * 1024
IN_FLIGHT = 16
CONCURRENCY, SLOTS = 8, 2


def busy() -> float:
    """Seconds of CPU this whole machine has spent busy (every core), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def load(since: float, wall: float) -> str:
    """How busy the machine's cores were over a run: near 100% means the cores, not the WAN, set the pace."""
    return f"cores {100 * (busy() - since) / (wall * (os.cpu_count() or 1)):3.0f}% busy"


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def side(endpoint: str, bucket: str, creds: str) -> dict[str, object]:
    return {"kind": "s3", "endpoint": endpoint, "bucket": bucket, "credentials": creds}


def options(wl: Workload, concurrency: int) -> dict[str, object]:
    return {"concurrency": concurrency, "multipart_threshold": "8MiB", "part_size": "5MiB"}


def check(dst: SeaweedS3, bucket: str, wl: Workload) -> str:
    n, size = count_objects(dst, bucket)
    return "ok" if (n, size) == (wl.count, wl.count * wl.size) else f"WRONG: {n} objects, {size} bytes"


def in_process(agent: str, env: dict[str, str], work: Path, sp: FaultProxy, dp: FaultProxy, dst: SeaweedS3,
               wl: Workload) -> float:
    bucket = fresh_bucket(dst, "inproc")
    task = work / f"inproc-{wl.name}.toml"
    task.write_text(task_toml(side(sp.endpoint, wl.bucket, "env:SRC"), side(dp.endpoint, bucket, "env:DST"),
                              f"inproc-{wl.name}", **options(wl, IN_FLIGHT)))
    start, cpu = time.monotonic(), busy()
    done = subprocess.run([agent, "run", str(task), "--journal", str(work / f"inproc-{wl.name}.sqlite")], env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - start
    print(f"    in-process run: {wall:6.2f} s  {check(dst, bucket, wl)}  (exit {done.returncode}, {load(cpu, wall)})")
    drop_bucket(dst, bucket)
    return wall


def rclone(env: dict[str, str], work: Path, sp: FaultProxy, dp: FaultProxy, src: SeaweedS3, dst: SeaweedS3,
           wl: Workload) -> float:
    bucket = fresh_bucket(dst, "rclone")
    renv = dict(env)
    for remote, server, proxy in (("SRC", src, sp), ("DST", dst, dp)):
        renv.update({f"RCLONE_CONFIG_{remote}_TYPE": "s3", f"RCLONE_CONFIG_{remote}_PROVIDER": "Other",
                     f"RCLONE_CONFIG_{remote}_ENDPOINT": proxy.endpoint,
                     f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": server.access_key,
                     f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": server.secret_key,
                     f"RCLONE_CONFIG_{remote}_REGION": "us-east-1"})
    renv.pop("AWS_CA_BUNDLE", None)
    conf = work / "rclone.conf"
    conf.write_text("")
    start, cpu = time.monotonic(), busy()
    subprocess.run(["rclone", "copy", "--transfers", str(IN_FLIGHT), "--checkers", str(IN_FLIGHT),
                    "--s3-upload-cutoff", "8M", "--s3-chunk-size", "5M", "--config", str(conf),
                    f"src:{wl.bucket}", f"dst:{bucket}"], env=renv, capture_output=True)
    wall = time.monotonic() - start
    print(f"    rclone:         {wall:6.2f} s  {check(dst, bucket, wl)}  ({load(cpu, wall)})")
    drop_bucket(dst, bucket)
    return wall


def on_cluster(c: Cluster, n: int, sp: FaultProxy, dp: FaultProxy, dst: SeaweedS3, wl: Workload
               ) -> tuple[float, int]:
    workers = [c.worker(3 + i, SLOTS).joined() for i in range(n)]
    bucket = fresh_bucket(dst, f"cl{n}")
    text = task_toml(side(sp.endpoint, wl.bucket, "env:SRC"), side(dp.endpoint, bucket, "env:DST"),
                     f"cluster-{wl.name}-{n}", **options(wl, CONCURRENCY))
    start, cpu = time.monotonic(), busy()
    task = c.master.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    while c.master.call("GET", f"/v1/tasks/{task}")["state"] not in ("completed", "completed_with_failures",
                                                                      "failed"):
        time.sleep(0.25)
    wall = time.monotonic() - start
    rss = max(peak_rss(w.proc.pid) for w in workers)  # type: ignore[union-attr]
    print(f"    cluster x{n}:     {wall:6.2f} s  {check(dst, bucket, wl)}  (worker peak RSS {rss / MiB:.0f} MiB, "
          f"{load(cpu, wall)})")
    c.master.call("DELETE", f"/v1/tasks/{task}")
    for w in workers:
        w.stop()
    c.workers.clear()
    drop_bucket(dst, bucket)
    return wall, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", choices=["small", "large", "both"], default="both")
    ap.add_argument("--latency", type=float, default=0.04)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                    help="where the servers keep their data (default tmpfs: this machine's disk is no limit)")
    args = ap.parse_args()
    agent = find_agent()
    assert agent, "migration-agent not found (make setup)"
    loads = {"small": Workload("small", 3000, 16 * 1024), "large": Workload("large", 24, 16 * MiB)}
    chosen = list(loads.values()) if args.workload == "both" else [loads[args.workload]]
    with tempfile.TemporaryDirectory(prefix="bench-cluster-", dir=args.dir) as tmp:
        work = Path(tmp)
        src = SeaweedS3(work / "src", access_key="benchsrc", secret_key="benchsrc-secret").start()
        dst = SeaweedS3(work / "dst", access_key="benchdst", secret_key="benchdst-secret").start()
        sp, dp = FaultProxy(src.endpoint).start(), FaultProxy(dst.endpoint).start()
        env = dict(os.environ)
        env.update({"MIGRATION_WIZARD_HOME": str(work / "home"), "SRC_ACCESS_KEY_ID": src.access_key,
                    "SRC_SECRET_ACCESS_KEY": src.secret_key, "DST_ACCESS_KEY_ID": dst.access_key,
                    "DST_SECRET_ACCESS_KEY": dst.secret_key})
        c = Cluster(env, work / "home", work)
        c.start_master()
        c.write_join()
        lines = []
        try:
            for wl in chosen:
                wl.bucket = fresh_bucket(src, f"src-{wl.name}")
                fill_source(src, wl)
                sp.rules.latency = dp.rules.latency = args.latency
                print(f"== {wl.name}: {wl.describe()}, {args.latency * 1000:.0f} ms per request ==")
                inproc = in_process(agent, env, work, sp, dp, dst, wl)
                rc = rclone(env, work, sp, dp, src, dst, wl)
                walls = {n: on_cluster(c, n, sp, dp, dst, wl)[0] for n in range(1, args.workers + 1)}
                mib = wl.count * wl.size / MiB
                print(f"  {'setup':<12} {'wall s':>7} {'obj/s':>8} {'MiB/s':>7} {'efficiency':>10}")
                for name, wall in [("in-process", inproc), ("rclone", rc)] + [(f"cluster x{n}", w)
                                                                             for n, w in walls.items()]:
                    eff = ""
                    if name.startswith("cluster"):
                        n = int(name[-1])
                        eff = f"{walls[1] / (n * wall):.2f}" if n > 1 else "1.00"
                    print(f"  {name:<12} {wall:>7.2f} {wl.count / wall:>8.0f} {mib / wall:>7.1f} {eff:>10}")
                top = args.workers
                lines.append(f"RESULT {wl.name}: efficiency at {top} = {walls[1] / (top * walls[top]):.2f}; "
                             f"cluster x1 / in-process wall = {walls[1] / inproc:.2f}; cluster x{top} / rclone "
                             f"wall = {walls[top] / rc:.2f}; in-process / rclone = {inproc / rc:.2f}")
            lines.append(f"RESULT master peak RSS {peak_rss(c.master.proc.pid) / MiB:.0f} MiB")  # type: ignore[union-attr]
        finally:
            c.stop()
            sp.stop()
            dp.stop()
            src.stop()
            dst.stop()
        print("\n".join(lines))


if __name__ == "__main__":
    main()
