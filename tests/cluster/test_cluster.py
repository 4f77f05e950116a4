"""The semi-managed mode's runtime with real processes: a master agent whose scheduler listens on 127.0.0.2,
worker processes on 127.0.0.3-5, TLS on, SeaweedFS source and destination (the destination through a counting
proxy, so the tests see every write that reaches it)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import s3_side
from servers.cluster import Cluster, task_toml
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3

sys.path.insert(0, str(Path(__file__).parent.parent / "agent"))   # the agent tests' helpers
from test_run_s3 import contents, uploads_left
from test_service_load import fill_fast

pytestmark = pytest.mark.timeout(600)
MiB = 1024 * 1024
END = ("completed", "completed_with_failures", "failed")


def objects(n: int, big: int = 0, big_size: int = 12 * MiB) -> dict[str, bytes]:
    out = {f"small/{i:05d}": (f"{i:05d}-".encode() * 40)[: 64 + i % 300] for i in range(n)}
    for i in range(big):
        out[f"big/{i:02d}"] = os.urandom(big_size)
    return out


def create(c: Cluster, src: SeaweedS3, src_bucket: str, dst: str, dst_bucket: str, **options: Any) -> str:
    text = task_toml(s3_side(src, src_bucket, "env:SRC"), s3_side(dst, dst_bucket, "env:DST"), **options)
    return str(c.master.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"])


def watch(c: Cluster, task: str, until: Callable[[dict[str, Any]], bool], timeout: float = 300,
          seen: dict[str, int] | None = None) -> dict[str, Any]:
    """Poll the task's snapshot until ``until`` says so; ``seen`` collects each worker's most objects done."""
    deadline = time.monotonic() + timeout
    while True:
        snap = c.master.call("GET", f"/v1/tasks/{task}")
        if seen is not None:
            for row in snap["workers"]:
                seen[row["host"]] = max(seen.get(row["host"], 0), row.get("objects_done", 0))
        if until(snap):
            return snap
        assert time.monotonic() < deadline, snap
        time.sleep(0.1)


def ready(c: Cluster, s3_source: SeaweedS3, src_bucket: str, data: dict[str, bytes], proxy: FaultProxy | None,
          workers: tuple[int, ...] = (3, 4), delay: float = 0.02) -> list[Any]:
    """The source filled, the destination slowed down like a WAN (runs last long enough to act on), workers up."""
    fill_fast(s3_source, src_bucket, data)
    if proxy is not None:
        proxy.rules.write_delay = delay
    return [c.worker(n).joined() for n in workers]


def ended(snap: dict[str, Any]) -> bool:
    return snap["state"] in END


def done_at_least(n: int) -> Callable[[dict[str, Any]], bool]:
    return lambda snap: snap["objects"]["done"] >= n or ended(snap)


def test_two_workers_copy_5000_objects_byte_for_byte_and_no_secret_lands_anywhere(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy) -> None:
    data = objects(5000, big=3)
    fill_fast(s3_source, src_bucket, data)
    workers = [cluster.worker(n).joined() for n in (3, 4)]
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, multipart_threshold="8MiB",
                  part_size="5MiB", concurrency=16)
    seen: dict[str, int] = {}
    snap = watch(cluster, task, ended, seen=seen)
    assert snap["state"] == "completed", snap
    assert snap["cluster"]["workers"] == 2 and snap["cluster"]["scheduler"].startswith("tls://127.0.0.2:")
    assert seen.get("127.0.0.3", 0) > 0 and seen.get("127.0.0.4", 0) > 0, seen   # both copied
    assert contents(s3_dest, dst_bucket) == data
    assert uploads_left(s3_dest, dst_bucket) == []
    assert max(proxy.writes.values()) == 1 and len(proxy.writes) == len(data)   # every object written once
    assert all(n == 1 for n in proxy.parts.values())
    # Workers got the credentials over TLS: none is in their environment, argv, files or logs, nor the master's.
    secrets = [s3_source.secret_key, s3_dest.secret_key]
    assert not any(s in w.output() for w in workers for s in secrets)
    pids = [cluster.master.proc.pid] + [w.proc.pid for w in workers]  # type: ignore[union-attr]
    for pid in pids:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert not any(s.encode() in argv for s in secrets)
    for w in workers:
        environ = Path(f"/proc/{w.proc.pid}/environ").read_bytes()  # type: ignore[union-attr]
        assert not any(s.encode() in environ for s in secrets)
    for folder in [cluster.home, cluster.tmp]:
        for path in folder.rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                assert not any(s.encode() in blob for s in secrets), path
    # Every server these processes run listens on a loopback address: the API and Dask's HTTP endpoints on
    # 127.0.0.1, the scheduler on the master's IP, each worker on its own; nothing on a wildcard.
    import psutil
    for pid, own in [(cluster.master.proc.pid, "127.0.0.2")] + [(w.proc.pid, w.host) for w in workers]:  # type: ignore[union-attr]
        listening = {c.laddr.ip for c in psutil.Process(pid).net_connections("inet") if c.status == "LISTEN"}
        assert listening <= {"127.0.0.1", own} and own in listening, (pid, listening)
    for w in workers:
        assert w.stop() == 0
    assert cluster.master.stop() == 0
    assert not any(s in cluster.master.stderr() for s in secrets)


def test_a_third_worker_that_joins_mid_run_takes_shards(cluster: Cluster, s3_source: SeaweedS3,
                                                        s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                        proxy: FaultProxy) -> None:
    data = objects(4000)
    ready(cluster, s3_source, src_bucket, data, proxy)
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, concurrency=8)
    seen: dict[str, int] = {}
    watch(cluster, task, done_at_least(300), seen=seen)
    cluster.worker(5).joined()
    snap = watch(cluster, task, ended, seen=seen)
    assert snap["state"] == "completed", snap
    assert seen.get("127.0.0.5", 0) > 0, seen
    assert contents(s3_dest, dst_bucket) == data


def test_a_worker_killed_mid_shard_loses_nothing_and_resends_at_most_its_objects_in_flight(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy) -> None:
    data = objects(2000, big=4, big_size=24 * MiB)
    victim = ready(cluster, s3_source, src_bucket, data, proxy)[0]
    concurrency, slots = 8, 2
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, multipart_threshold="8MiB",
                  part_size="5MiB", concurrency=concurrency)
    seen: dict[str, int] = {}
    watch(cluster, task, lambda s: done_at_least(500)(s) and any(p for (k, _n), p in proxy.parts.items()
                                                             if k.startswith("big/")), seen=seen)
    assert seen.get("127.0.0.3"), seen    # the victim was copying
    victim.kill()
    snap = watch(cluster, task, ended)
    assert snap["state"] == "completed", snap
    assert contents(s3_dest, dst_bucket) == data
    assert uploads_left(s3_dest, dst_bucket) == []
    twice = [k for k, n in proxy.writes.items() if n > 1]
    # At most what the killed worker had under way (its slots x the task's concurrency) is written again.
    assert len(twice) <= concurrency * slots, twice
    assert max(proxy.writes.values()) <= 2
    # Parts verified and reported before the kill are not sent again: at most those under way are.
    assert sum(proxy.parts.values()) - len(proxy.parts) <= concurrency * slots, proxy.parts


def test_the_master_killed_and_restarted_finishes_the_task_and_workers_come_back(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy) -> None:
    data = objects(2500, big=2)
    workers = ready(cluster, s3_source, src_bucket, data, proxy)
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, multipart_threshold="8MiB",
                  part_size="5MiB", concurrency=8)
    watch(cluster, task, done_at_least(600))
    cluster.master.kill()
    time.sleep(1)
    cluster.start_master()          # same data folder, same cluster: the running task runs again
    snap = watch(cluster, task, ended)
    assert snap["state"] == "completed", snap
    assert contents(s3_dest, dst_bucket) == data
    assert uploads_left(s3_dest, dst_bucket) == []
    for w in workers:
        assert w.output().count("joined the cluster") >= 2, w.output()
    assert snap["objects"]["done"] == len(data) and snap["objects"]["failed"] == 0


def test_a_worker_without_the_clusters_certificate_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    from wizard.cluster.certs import issue, new_ca

    other = new_ca("other")
    leaf = issue(other, "worker")
    join = json.loads(cluster.join.read_text())
    forged = tmp_path / "forged.join"
    forged.write_text(json.dumps({**join, "ca": join["ca"], "cert": leaf.cert, "key": leaf.key}))
    w = cluster.worker(5)
    w.join = forged
    w.proc.kill()  # type: ignore[union-attr]
    w.proc.wait()  # type: ignore[union-attr]
    w.start()
    deadline = time.monotonic() + 60
    while "cannot reach the master" not in w.output():
        assert time.monotonic() < deadline, w.output()
        time.sleep(0.2)
    assert "joined the cluster" not in w.output()
    assert cluster.master.call("GET", "/v1/agent")["cluster"]["workers"] == []
    # Nor does a TLS client without any certificate, or plain TCP, get a Dask connection.
    ctx = ssl.create_default_context(cadata=join["ca"])
    ctx.check_hostname = False
    with socket.create_connection(("127.0.0.2", cluster.port), timeout=5) as raw, \
            pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)), ctx.wrap_socket(raw) as tls:
        tls.sendall(b"x" * 64)
        tls.recv(1)
    code = ("import asyncio, distributed\n"
            f"async def main():\n  await distributed.Client('tcp://127.0.0.2:{cluster.port}', asynchronous=True, "
            "timeout=3)\n"
            "try:\n  asyncio.run(main())\nexcept Exception as e:\n  print('refused', type(e).__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "refused" in done.stdout, (done.stdout, done.stderr[-2000:])


def test_a_task_with_no_worker_waits_and_says_so_then_runs_when_one_joins(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    data = objects(50)
    fill_fast(s3_source, src_bucket, data)
    task = create(cluster, s3_source, src_bucket, s3_dest.endpoint, dst_bucket)
    snap = watch(cluster, task, lambda s: s["state"] == "running" and s["listing"]["done"], timeout=60)
    time.sleep(1)
    snap = cluster.master.call("GET", f"/v1/tasks/{task}")
    assert snap["state"] == "running" and snap["objects"]["done"] == 0
    assert snap["cluster"]["waiting"] is True and "no worker" in snap["cluster"]["message"]
    cluster.worker(3).joined()
    snap = watch(cluster, task, ended, timeout=120)
    assert snap["state"] == "completed" and contents(s3_dest, dst_bucket) == data


def test_a_worker_stopped_with_sigterm_hands_back_and_the_task_completes(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy) -> None:
    data = objects(2000)
    leaving = ready(cluster, s3_source, src_bucket, data, proxy)[0]
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, concurrency=8)
    watch(cluster, task, done_at_least(300))
    assert leaving.stop() == 0
    assert "hand back the rest" in leaving.output()
    snap = watch(cluster, task, ended)
    assert snap["state"] == "completed", snap
    assert contents(s3_dest, dst_bucket) == data
    assert max(proxy.writes.values()) == 1     # finished or handed back: nothing written twice


def test_the_qps_limit_holds_for_the_whole_cluster(cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                                   src_bucket: str, dst_bucket: str, proxy: FaultProxy,
                                                   src_proxy: FaultProxy) -> None:
    ready(cluster, s3_source, src_bucket, objects(600), None, workers=(3, 4, 5))
    qps = 40
    text = task_toml(s3_side(src_proxy.endpoint, src_bucket, "env:SRC"), s3_side(proxy.endpoint, dst_bucket,
                                                                                 "env:DST"),
                     qps_limit=qps, concurrency=16)
    task = cluster.master.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    seen: dict[str, int] = {}
    watch(cluster, task, done_at_least(40))
    start = time.monotonic()
    watch(cluster, task, lambda s: time.monotonic() > start + 4.0, seen=seen)
    # Every request of the task, at either store, goes through the limit (a GET and a PUT per object here).
    in_window = [t for p in (proxy, src_proxy) for t in p.stamps if start <= t < start + 4.0]
    # A loose bound: each worker copies with its share and a second's burst; without shares it would be 3x.
    assert len(in_window) <= qps * 4 * 1.5, len(in_window)
    assert len(in_window) >= qps * 4 * 0.5, len(in_window)     # and the limit is not undershot either
    assert len([h for h, n in seen.items() if n]) >= 2, seen    # the work was spread
    cluster.master.call("POST", f"/v1/tasks/{task}/cancel")


def test_pause_resume_and_cancel_on_the_cluster_leave_no_upload_behind(
        cluster: Cluster, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy) -> None:
    data = objects(1500, big=4, big_size=24 * MiB)
    ready(cluster, s3_source, src_bucket, data, proxy)
    task = create(cluster, s3_source, src_bucket, proxy.endpoint, dst_bucket, multipart_threshold="8MiB",
                  part_size="5MiB", concurrency=8)
    watch(cluster, task, done_at_least(200))
    cluster.master.call("POST", f"/v1/tasks/{task}/pause")
    paused = cluster.master.call("GET", f"/v1/tasks/{task}")
    assert paused["state"] == "paused" and paused["workers"] and all(
        w["objects_in_flight"] == 0 for w in paused["workers"])
    time.sleep(0.5)                  # requests the proxy still forwards (their client gave up) land
    writes = sum(proxy.writes.values())
    time.sleep(1.5)
    assert sum(proxy.writes.values()) == writes      # the workers stopped copying
    cluster.master.call("POST", f"/v1/tasks/{task}/resume")
    snap = watch(cluster, task, ended)
    assert snap["state"] == "completed" and contents(s3_dest, dst_bucket) == data
    assert uploads_left(s3_dest, dst_bucket) == []
    # A cancel mid-run aborts every multipart upload, also those the workers had under way.
    again = create(cluster, s3_source, src_bucket, proxy.endpoint, f"{dst_bucket}", name="second",
                   same_name="overwrite", multipart_threshold="8MiB", part_size="5MiB", concurrency=8,
                   include=["big/*"])
    watch(cluster, again, lambda s: any(n for (k, _p), n in proxy.parts.items() if k.startswith("big/"))
          or ended(s))
    cluster.master.call("POST", f"/v1/tasks/{again}/cancel")
    assert cluster.master.call("GET", f"/v1/tasks/{again}")["state"] == "cancelled"
    assert uploads_left(s3_dest, dst_bucket) == []


def test_a_limit_changed_live_holds_across_the_cluster(cluster: Cluster, s3_source: SeaweedS3,
                                                      src_bucket: str, dst_bucket: str, proxy: FaultProxy,
                                                      src_proxy: FaultProxy) -> None:
    ready(cluster, s3_source, src_bucket, objects(900), None)
    text = task_toml(s3_side(src_proxy.endpoint, src_bucket, "env:SRC"), s3_side(proxy.endpoint, dst_bucket,
                                                                                 "env:DST"), concurrency=16)
    task = cluster.master.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    watch(cluster, task, done_at_least(50))
    cluster.master.call("PATCH", f"/v1/tasks/{task}/limits", {"qps_limit": 20})
    time.sleep(1.5)                  # the workers' leases follow within a second
    start = time.monotonic()
    time.sleep(4.0)
    in_window = [t for p in (proxy, src_proxy) for t in p.stamps if start <= t < start + 4.0]
    assert 20 <= len(in_window) <= 20 * 4 * 1.5, len(in_window)
    cluster.master.call("POST", f"/v1/tasks/{task}/cancel")
