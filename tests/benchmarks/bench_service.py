"""The agent service against the headless CLI on the same task, and the API's responsiveness while a task runs.

    python tests/benchmarks/bench_service.py              # 3 runs of each path per workload
    python tests/benchmarks/bench_service.py --runs 5

Two SeaweedFS servers on 127.0.0.1 (``tests/servers/seaweed.py``); workload A is 2,000 objects of 4 KiB, B is
4 objects of 64 MiB (the workloads and helpers of ``bench_copy.py``). Every run copies into a fresh destination
bucket, after one untimed warm-up round; the paths take turns (cli, service, then service, cli, ...).

- cli: ``migration-agent run task.toml`` as a child process. Wall time of the child; CPU = its user + sys
  (os.wait4), interpreter start-up and imports included.
- service: one ``migration-agent serve`` started before any timing (``tests/servers/agent_service.py``); the
  same task text is POSTed to /v1/tasks and polled every 50 ms. Wall time = from just before the POST to the
  agent's ``finished`` stamp of the completed task (the 50 ms poll that saw it is shown too); CPU = the agent
  process's utime + stime delta (/proc/PID/stat) over the same span, polling answers included.
  The CLI runs with its own MIGRATION_WIZARD_HOME so it does not ask the agent whether it holds the task.

Ratios service/CLI below 1 mean the service path is cheaper (it skips the process start); above 1, the agent
costs something the CLI does not pay. After every run the destination must hold what the source holds.

Responsiveness: workload A again through the service with a QPS limit that keeps it busy ~--busy seconds. An
asyncio client (wizard.agent.client) follows the task's event stream while it polls GET /v1/tasks/ID every
50 ms (up to 200 requests): latency p50 / p95 / max, the rate of ``snapshot`` events while the task is active
(3 a second by design, 2-4 is fine) and the other events by name. Exit 0 when every run copied everything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

import bench_copy as bc  # noqa: E402
from servers.agent_service import AgentProcess  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402

ENDED = ("completed", "completed_with_failures", "failed", "cancelled", "paused")
ACTIVE = ("listing", "running")
REQUESTS_PER_OBJECT = 2     # a small object is one GET at the source and one PUT at the destination


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


class Bench:
    def __init__(self, src: SeaweedS3, dst: SeaweedS3, work: Path, agent: str, concurrency: int) -> None:
        self.src, self.dst, self.work, self.agent, self.concurrency = src, dst, work, agent, concurrency
        creds = {"SRC_ACCESS_KEY_ID": src.access_key, "SRC_SECRET_ACCESS_KEY": src.secret_key,
                 "DST_ACCESS_KEY_ID": dst.access_key, "DST_SECRET_ACCESS_KEY": dst.secret_key}
        self.cli_env = {**os.environ, **creds, "MIGRATION_WIZARD_HOME": str(work / "cli-home")}
        self.service = AgentProcess({**os.environ, **creds, "MIGRATION_WIZARD_HOME": str(work / "agent-home")},
                                    work / "agent-home")
        self.seq = 0

    def task(self, path: str, wl: bc.Workload, options: str = "") -> tuple[Path, str]:
        self.seq += 1
        bucket = bc.fresh_bucket(self.dst, f"{path[:3]}-{wl.name}")
        task = self.work / f"{path}-{wl.name}-{self.seq:03d}.toml"
        bc.write_task(task, self.src, wl.bucket, self.dst, bucket, self.concurrency)
        if options:
            task.write_text(task.read_text(encoding="utf-8") + options, encoding="utf-8")
        return task, bucket

    def one(self, path: str, wl: bc.Workload, label: str = "") -> tuple[float, float] | None:
        """One timed run of ``path`` (cli or service); (wall s, CPU s), or None when it did not copy everything."""
        task, bucket = self.task(path, wl)
        seen, note = None, ""
        if path == "cli":
            code, wall, cpu = bc.timed([self.agent, "run", str(task)], self.cli_env, task.with_suffix(".log"))
            state = "completed" if code == 0 else f"exit code {code}"
        else:
            wall, seen, cpu, state = self.service.run(self.via_service(task.read_text(encoding="utf-8")))
            note = f"  (poll saw it at {seen:.2f} s)"
        n, size = bc.count_objects(self.dst, bucket)
        ok = state == "completed" and (n, size) == (wl.count, wl.count * wl.size)
        status = "ok" if ok else f"FAILED ({state}, destination holds {n:,} objects / {size:,} bytes)"
        print(f"    {path:<7} run {self.seq:>3}: wall {wall:7.2f} s  cpu {cpu:6.2f} s  {status}{note}"
              f"{'  (' + label + ', not counted)' if label else ''}")
        if not ok and path == "cli":
            print("\n".join("    | " + line for line in task.with_suffix(".log").read_text().splitlines()[-30:]))
        bc.drop_bucket(self.dst, bucket)
        return (wall, cpu) if ok else None

    async def via_service(self, text: str) -> tuple[float, float, float, str]:
        assert self.service.proc is not None
        pid = self.service.proc.pid
        async with self.service.client() as client:
            cpu0, t0, p0 = bc.process_cpu(pid), time.time(), time.perf_counter()
            snap = await client.create_task(text)
            while snap["state"] not in ENDED:
                await asyncio.sleep(0.05)
                snap = await client.task(snap["id"])
            seen, cpu = time.perf_counter() - p0, bc.process_cpu(pid) - cpu0
            await client.delete_task(snap["id"], purge=True)
        return (snap["finished"] or time.time()) - t0, seen, cpu, snap["state"]

    async def responsiveness(self, wl: bc.Workload, qps: float) -> dict[str, Any]:
        task, bucket = self.task("api", wl, f"qps_limit = {qps:g}\n")
        events: Counter[str] = Counter()
        stamps: list[float] = []
        lat: list[float] = []
        async with self.service.client() as client:
            snap = await client.create_task(task.read_text(encoding="utf-8"))
            tid, t0 = snap["id"], time.perf_counter()
            ended = asyncio.Event()

            async def follow() -> None:
                try:
                    async for ev in client.events(tid):
                        events[ev["event"]] += 1
                        if ev["event"] == "snapshot" and ev["state"] in ACTIVE:
                            stamps.append(time.perf_counter())
                        if ev.get("state") in ENDED:
                            return
                finally:
                    ended.set()

            async def poll() -> None:
                start = time.perf_counter()
                for i in range(200):
                    await asyncio.sleep(max(0.0, start + i * 0.05 - time.perf_counter()))
                    if ended.is_set():
                        return
                    t = time.perf_counter()
                    got = await client.task(tid)
                    if got["state"] in ACTIVE:
                        lat.append(time.perf_counter() - t)

            follower = asyncio.create_task(follow())
            await poll()
            await asyncio.wait_for(ended.wait(), 600)
            busy = time.perf_counter() - t0
            await follower
            final = await client.task(tid)
            await client.delete_task(tid, purge=True)
        n, _ = bc.count_objects(self.dst, bucket)
        bc.drop_bucket(self.dst, bucket)
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
        return {"busy": busy, "lat": lat, "events": events, "snapshots": len(stamps),
                "rate": (len(stamps) - 1) / span if span == span and span > 0 else float("nan"),
                "ok": final["state"] == "completed" and n == wl.count, "state": final["state"]}


def table(wl: bc.Workload, label: str, res: dict[str, list[tuple[float, float]]]) -> tuple[float, float]:
    print(f"\n== workload {label}: {wl.describe()} ({wl.count * wl.size / bc.MiB:,.1f} MiB), "
          f"{len(res['cli'])} + {len(res['service'])} good runs ==")
    print(f"  {'path':<9} {'median wall s':>14} {'median CPU s':>13} {'obj/s':>8} {'MiB/s':>8}   walls")
    for path, runs in res.items():
        w = median([r[0] for r in runs])
        print(f"  {path:<9} {w:>14.2f} {median([r[1] for r in runs]):>13.2f} {wl.count / w:>8,.0f} "
              f"{wl.count * wl.size / bc.MiB / w:>8,.1f}   {', '.join(f'{r[0]:.2f}' for r in runs)}")
    ratios = tuple(median([r[i] for r in res["service"]]) / median([r[i] for r in res["cli"]]) for i in (0, 1))
    print(f"  ratio service / cli: wall {ratios[0]:.2f}, CPU {ratios[1]:.2f}")
    return ratios  # type: ignore[return-value]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="timed runs of each path per workload (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds of both paths per workload (default 1)")
    p.add_argument("--concurrency", type=int, default=32, help="options.concurrency of the task (default 32)")
    p.add_argument("--busy", type=float, default=10.0, help="seconds the responsiveness run should last")
    p.add_argument("--keep", action="store_true", help="keep the work folder (server data, logs, journals)")
    args = p.parse_args()
    agent = bc.find_agent()
    if not agent:
        print("bench_service: migration-agent not found beside this Python or on PATH", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-service-"))
    print(f"bench_service: {args.runs} runs per path after {args.warmup} warm-up round(s); concurrency "
          f"{args.concurrency}; {os.cpu_count()} CPUs; agent {agent}\n  work folder {work}")
    servers: list[SeaweedS3] = []
    bench: Bench | None = None
    failures, ratios, api = 0, {}, {}
    try:
        for side, key in (("src", "bench-src-key"), ("dst", "bench-dst-key")):
            servers.append(SeaweedS3(work / f"weed-{side}", access_key=key, secret_key=f"{key}-secret-0001").start())
        src, dst = servers
        bench = Bench(src, dst, work, agent, args.concurrency)
        bench.service.start()
        print(f"  source {src.endpoint}, destination {dst.endpoint}, agent {bench.service.url} "
              f"(pid {bench.service.proc.pid if bench.service.proc else '?'})")
        for label, wl in (("A", bc.Workload("small", 2000, 4 * bc.KiB)), ("B", bc.Workload("large", 4, 64 * bc.MiB))):
            print(f"\n-- workload {label}: {wl.describe()}")
            bc.fill_source(src, wl)
            for _ in range(args.warmup):
                for path in ("cli", "service"):
                    failures += bench.one(path, wl, "warm-up") is None
            res: dict[str, list[tuple[float, float]]] = {"cli": [], "service": []}
            for i in range(args.runs):
                for path in ("cli", "service") if i % 2 == 0 else ("service", "cli"):
                    run = bench.one(path, wl)
                    failures += run is None
                    if run is not None:
                        res[path].append(run)
            ratios[label] = table(wl, label, res) if res["cli"] and res["service"] else (float("nan"),) * 2
            if label == "A":
                qps = round(wl.count * REQUESTS_PER_OBJECT / (args.busy + 1))  # +1: a second's burst
                print(f"\n-- API while workload A runs with qps_limit = {qps}")
                api = bench.service.run(bench.responsiveness(wl, qps))
                failures += not api["ok"]
    finally:
        if bench is not None and bench.service.proc is not None and bench.service.proc.poll() is None:
            code = bench.service.stop()
            print(f"\nagent stopped (exit {code})")
        for s in servers:
            s.stop()
        if args.keep or failures:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if api:
        ms = [x * 1000 for x in api["lat"]]
        others = ", ".join(f"{k} {v}" for k, v in sorted(api["events"].items()) if k != "snapshot") or "none"
        print(f"\n== API while a task runs ({api['busy']:.1f} s, final state {api['state']}) ==\n"
              f"  GET /v1/tasks/ID: {len(ms)} requests, p50 {pct(ms, .5):.1f} ms, p95 {pct(ms, .95):.1f} ms, "
              f"max {max(ms, default=float('nan')):.1f} ms\n"
              f"  snapshot events: {api['snapshots']} while active, {api['rate']:.2f}/s (by design 3/s, 2-4 ok)"
              f"; {api['events']['snapshot']} in all\n  other events: {others}")
    a, b = ratios.get("A", (float("nan"),) * 2), ratios.get("B", (float("nan"),) * 2)
    summary = (f"SUMMARY service/cli wall A {a[0]:.2f} B {b[0]:.2f}, CPU A {a[1]:.2f} B {b[1]:.2f}")
    if api:
        summary += (f"; GET p50 {pct(api['lat'], .5) * 1000:.1f} ms p95 {pct(api['lat'], .95) * 1000:.1f} ms; "
                    f"snapshots {api['rate']:.2f}/s")
    print(f"\n{summary}" + (f"; {failures} FAILED run(s)" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
