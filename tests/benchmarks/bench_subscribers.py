"""A task's wall time with 0 and with 100 event-stream subscribers (issue 9, item 14).

    python tests/benchmarks/bench_subscribers.py                 # 3 runs of each, 2,000 objects of 4 KiB
    python tests/benchmarks/bench_subscribers.py --runs 5 --objects 3000

Two SeaweedFS servers on 127.0.0.1 and a fault proxy in front of the destination; one ``migration-agent serve``.
Two workloads: every object copied, and every write refused by the proxy (one ``object_failed`` event per
object). For each run the task is created stopped, the subscribers connect (asyncio, in this process) and have
their first snapshot, then the task is resumed; wall time = the agent's ``finished`` minus ``started`` stamps.
Every subscriber must read the whole stream: each ``object_failed`` and the ``task_finished``, or the run is
reported as failed. Runs with 0 and 100 subscribers take turns.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]

import bench_copy as bc  # noqa: E402
from servers.agent_service import AgentProcess  # noqa: E402
from servers.faultproxy import FaultProxy  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402

END = ("completed", "completed_with_failures", "failed")


async def subscriber(session: aiohttp.ClientSession, url: str, ready: list[int]) -> tuple[int, bool]:
    """Read the stream to the end of the task; (object_failed events, task_finished seen)."""
    failed, finished, first = 0, False, True
    name = ""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=120)) as resp:
        async for raw in resp.content:
            if raw.startswith(b"event: "):
                name = raw[7:].strip().decode()
                if name == "snapshot" and first:
                    first = False
                    ready[0] += 1
                failed += name == "object_failed"
                finished = finished or name == "task_finished"
            elif finished and name == "snapshot" and raw.startswith(b"data: ") and any(
                    f'"state": "{s}"'.encode() in raw for s in END):
                return failed, finished
    return failed, finished


async def one_run(agent: AgentProcess, text: str, subscribers: int) -> tuple[float, bool]:
    headers = {"Authorization": f"Bearer {agent.token}"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), headers=headers) as session:
        async with session.post(f"{agent.url}/v1/tasks", json={"task": text, "start": False}) as resp:
            tid = (await resp.json())["id"]
        ready = [0]
        subs = [asyncio.create_task(subscriber(session, f"{agent.url}/v1/tasks/{tid}/events", ready))
                for _ in range(subscribers)]
        while ready[0] < subscribers:
            await asyncio.sleep(0.02)
        async with session.post(f"{agent.url}/v1/tasks/{tid}/resume") as resp:
            assert resp.status == 200, await resp.text()
        while True:
            async with session.get(f"{agent.url}/v1/tasks/{tid}") as resp:
                snap = await resp.json()
            if snap["state"] in END:
                break
            await asyncio.sleep(0.05)
        results = await asyncio.wait_for(asyncio.gather(*subs), 60) if subs else []
        n = snap["objects"]["failed"]
        ok = all(f == n and fin for f, fin in results)
        async with session.delete(f"{agent.url}/v1/tasks/{tid}?purge=true"):
            pass
    return snap["finished"] - snap["started"], ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--objects", type=int, default=2000)
    ap.add_argument("--subscribers", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-subs-") as tmp:
        work = Path(tmp)
        src = SeaweedS3(work / "weed-src", access_key="bench-src-key", secret_key="bench-src-secret-0001").start()
        dst = SeaweedS3(work / "weed-dst", access_key="bench-dst-key", secret_key="bench-dst-secret-0002").start()
        proxy = FaultProxy(dst.endpoint).start()
        creds = {"SRC_ACCESS_KEY_ID": src.access_key, "SRC_SECRET_ACCESS_KEY": src.secret_key,
                 "DST_ACCESS_KEY_ID": dst.access_key, "DST_SECRET_ACCESS_KEY": dst.secret_key}
        agent = AgentProcess({**os.environ, **creds, "MIGRATION_WIZARD_HOME": str(work / "home")}, work / "home")
        try:
            wl = bc.Workload("small", args.objects, 4096)
            bc.fill_source(src, wl)
            keys = [o["Key"] for page in src.client().get_paginator("list_objects_v2").paginate(Bucket=wl.bucket)
                    for o in page.get("Contents", [])]
            agent.start()
            print(f"{args.objects:,} objects of 4 KiB, {args.subscribers} subscribers vs none, {args.runs} runs each")
            for failing in (False, True):
                times: dict[int, list[float]] = {0: [], args.subscribers: []}
                for run in range(args.runs):
                    for subs in ((0, args.subscribers) if run % 2 == 0 else (args.subscribers, 0)):
                        bucket = bc.fresh_bucket(dst, "subs")
                        proxy.clear()
                        if failing:
                            proxy.rules.forbidden.update(keys)
                        path = work / f"t{time.monotonic_ns()}.toml"
                        bc.write_task(path, src, wl.bucket, dst, bucket, 32)
                        text = path.read_text(encoding="utf-8").replace(dst.endpoint, proxy.url)
                        wall, ok = agent.run(one_run(agent, text, subs))
                        print(f"  {'all failing' if failing else 'copied':<11} {subs:>3} subscribers: "
                              f"{wall:6.2f} s {'ok' if ok else 'FAILED: a subscriber missed events'}")
                        if ok:
                            times[subs].append(wall)
                        bc.drop_bucket(dst, bucket)
                base, loaded = statistics.median(times[0]), statistics.median(times[args.subscribers])
                print(f"  -> {'all failing' if failing else 'copied'}: median {base:.2f} s alone, {loaded:.2f} s "
                      f"with {args.subscribers} subscribers: x{loaded / base:.2f}\n")
        finally:
            if agent.proc is not None and agent.proc.poll() is None:
                agent.stop()
            proxy.stop()
            src.stop()
            dst.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
