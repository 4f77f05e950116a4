"""The agent under load, as a real process against real SeaweedFS stores: stopped with event streams connected,
50 tasks at once under a 1,024 open-file limit, half-open connections from clients without the token, and 50
fast subscribers on a task with 3,000 failures. Each test is bounded to well under a minute."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import s3_side
from servers.agent_service import AgentProcess
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents
from test_service import small, task_text

from wizard.agent.listener import HEADER_TIMEOUT

END = ("completed", "completed_with_failures", "failed")


@pytest.fixture
def service(agent_env: dict[str, str], home: Path) -> Iterator[AgentProcess]:
    proc = AgentProcess(agent_env, home)
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.kill()


def fill_fast(server: SeaweedS3, bucket: str, objects: dict[str, bytes]) -> None:
    client = server.client()
    with ThreadPoolExecutor(10) as pool:   # botocore's connection pool holds 10
        list(pool.map(lambda kv: client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), objects.items()))


def open_stream(service: AgentProcess, task_id: str) -> socket.socket:
    """A raw event-stream connection, read up to its first snapshot."""
    port = int(service.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET /v1/tasks/{task_id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {service.token}\r\n\r\n".encode())
    got = b""
    while b"event: snapshot" not in got:
        chunk = sock.recv(65536)
        assert chunk, got
        got += chunk
    return sock


def agent_log(home: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted((home / "logs").glob("agent.log*")))


def _until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_stop_with_streams_connected_is_clean_and_prompt(tmp_path: Path, service: AgentProcess, home: Path,
                                                         s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                                         dst_bucket: str) -> None:
    fill_fast(s3_source, src_bucket, small(200, 500))
    service.start()
    done = service.call("POST", "/v1/tasks", {"task": task_text(
        tmp_path, s3_side(s3_source, src_bucket, "env:SRC", prefix="k/000"),
        s3_side(s3_dest, dst_bucket, "env:DST", prefix="a/"), "finished")}, expect=201)["id"]
    service.wait_for(done, *END)
    busy = service.call("POST", "/v1/tasks", {"task": task_text(   # still running when the agent stops
        tmp_path, s3_side(s3_source, src_bucket, "env:SRC"), s3_side(s3_dest, dst_bucket, "env:DST", prefix="b/"),
        "slow", qps_limit=20)}, expect=201)["id"]
    streams = [open_stream(service, tid) for tid in (done, done, busy, busy, busy)]
    assert service.call("GET", "/v1/agent")["streams"] == 5
    time.sleep(1.0)                          # a few ticks of snapshots sampled from the journals
    started = time.monotonic()
    assert service.stop() == 0
    took = time.monotonic() - started
    for sock in streams:                     # every stream was ended by the agent, not left to time out
        sock.settimeout(2)
        try:
            while sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        sock.close()
    assert took < 8, f"stopping took {took:.1f} s with streams connected"
    log = agent_log(home)
    for text in (service.stderr(), log):
        assert "ProgrammingError" not in text and "closed database" not in text, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
    assert "agent stopping" in log
    service.start()                          # and the running task resumes with the next agent
    assert service.wait_for(busy, *END, timeout=60)["state"] == "completed"


def _nofile_1024() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))   # hard too: raising the soft limit cannot hide it


def test_fifty_tasks_at_once_under_1024_open_files(tmp_path: Path, service: AgentProcess, home: Path,
                                                   s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                                   dst_bucket: str) -> None:
    tasks, per_task = 50, 50
    objects = {f"p{t:02d}/{i:03d}": f"{t}-{i}".encode() * 20 for t in range(tasks) for i in range(per_task)}
    fill_fast(s3_source, src_bucket, objects)
    service.start(preexec_fn=_nofile_1024)
    info = service.call("GET", "/v1/agent")
    assert info["connections"]["total"] == (1024 - 256) // 2, info
    started = time.monotonic()
    ids = [service.call("POST", "/v1/tasks", {"task": task_text(
        tmp_path, s3_side(s3_source, src_bucket, "env:SRC", prefix=f"p{t:02d}/"),
        s3_side(s3_dest, dst_bucket, "env:DST"), f"many-{t:02d}")}, expect=201)["id"]
        for t in range(tasks)]
    states: set[str] = set()

    def all_ended() -> bool:
        snaps = service.call("GET", "/v1/tasks")["tasks"]
        states.update(s["state"] for s in snaps)
        return all(s["state"] in END for s in snaps)
    _until(all_ended, timeout=90)
    took = time.monotonic() - started
    snaps = {s["id"]: s for s in service.call("GET", "/v1/tasks")["tasks"]}
    bad = {tid: (s["state"], s["objects"], s["failure_classes"]) for tid, s in snaps.items()
           if s["state"] != "completed" or s["objects"]["done"] != per_task}
    assert not bad, bad
    assert set(ids) == set(snaps)
    assert "queued" in states, states        # tasks waited for connections instead of failing objects
    assert contents(s3_dest, dst_bucket) == objects
    log = agent_log(home)
    assert "open-file limit: 1024 (hard 1024)" in log
    assert "Too many open files" not in log and "out of open files" not in log, log[-2000:]
    assert len(log) < 200_000, len(log)
    assert service.call("GET", "/v1/agent")["connections"]["free"] == info["connections"]["total"]
    assert service.stop() == 0
    print(f"\n50 tasks x {per_task} objects under nofile 1024: {took:.1f} s")


def _raise_own_limit(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        if hard != resource.RLIM_INFINITY and hard < n:
            pytest.skip(f"this test needs {n} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def test_half_open_connections_do_not_hold_the_agent(service: AgentProcess) -> None:
    _raise_own_limit(1400)
    service.start(preexec_fn=_nofile_1024)
    port = int(service.url.rsplit(":", 1)[1])
    pid = service.proc.pid  # type: ignore[union-attr]

    def agent_files() -> int:
        return len(os.listdir(f"/proc/{pid}/fd"))
    service.call("GET", "/v1/agent")
    baseline = agent_files()
    held: list[socket.socket] = []
    for _ in range(1100):                     # more than the agent's open-file limit
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        held.append(sock)
    time.sleep(0.5)
    for sock in held:                         # a request begun and never finished, without the token
        with contextlib.suppress(OSError):
            sock.send(b"GET /v1/agent HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    most, timings = 0, []
    for _ in range(20):                       # the operator's own client is answered at once meanwhile
        t0 = time.monotonic()
        assert service.call("GET", "/v1/agent")["pid"] == pid
        timings.append(time.monotonic() - t0)
        most = max(most, agent_files())
        time.sleep(0.05)
    assert max(timings) < 0.5, timings
    # Capped, whatever the clients hold (1,100 against a limit of 1,024): 128 kept per address, plus sockets the
    # agent has accepted and is closing, which on a loaded 2-core machine hold their descriptor a moment longer
    # (a fresh-clone run saw 267 over a baseline of 10).
    assert most < baseline + 128 + 192, (baseline, most)
    # Every unfinished request is closed within the header timeout (connections the kernel queued are
    # accepted as their clients retransmit, and closed in turn).
    _until(lambda: agent_files() <= baseline + 4, timeout=HEADER_TIMEOUT * 3)
    for sock in held:
        sock.close()
    # Without the token a whole request is answered 401 and its connection closed: nothing kept alive for it.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /v1/agent HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 401"), answer[:100]
    assert "out of open files" not in agent_log(service.home)
    assert service.stop() == 0


def test_a_subscriber_that_goes_away_is_noticed_at_once(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                       s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    service.start()
    tid = service.call("POST", "/v1/tasks", {"task": task_text(
        tmp_path, s3_side(s3_source, src_bucket, "env:SRC"), s3_side(s3_dest, dst_bucket, "env:DST")),
        "start": False}, expect=201)["id"]      # idle: nothing is written to its streams but keep-alives
    socks = [open_stream(service, tid) for _ in range(3)]
    assert service.call("GET", "/v1/agent")["streams"] == 3
    for sock in socks[:2]:
        sock.close()
    t0 = time.monotonic()
    _until(lambda: service.call("GET", "/v1/agent")["streams"] == 1, timeout=5)
    assert time.monotonic() - t0 < 1.5
    socks[2].close()
    assert service.stop() == 0


async def _subscribe(session: aiohttp.ClientSession, url: str, ready: asyncio.Event,
                     counter: list[int], wanted: int) -> list[tuple[str, dict[str, Any]]]:
    """One fast subscriber: every event until the end of the task (task_finished, then its end snapshot)."""
    events: list[tuple[str, dict[str, Any]]] = []
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as resp:
        assert resp.status == 200
        name, finished = "message", False
        async for raw in resp.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                events.append((name, data))
                if name == "snapshot" and len(events) == 1:
                    counter[0] += 1
                    if counter[0] == wanted:
                        ready.set()
                finished = finished or name == "task_finished"
                if finished and name == "snapshot" and data["state"] in END:
                    return events
    raise AssertionError(f"stream ended early after {len(events)} events")


def test_fifty_fast_subscribers_each_get_every_failure_and_the_end(tmp_path: Path, service: AgentProcess,
                                                                  s3_source: SeaweedS3, src_bucket: str,
                                                                  dst_bucket: str, proxy: FaultProxy) -> None:
    n, subscribers = 3000, 50
    objects = small(n, 10)
    fill_fast(s3_source, src_bucket, objects)
    proxy.rules.forbidden.update(objects)     # every write refused: 3,000 object_failed events
    service.start()
    tid = service.call("POST", "/v1/tasks", {"task": task_text(
        tmp_path, s3_side(s3_source, src_bucket, "env:SRC"), s3_side(proxy.url, dst_bucket, "env:DST")),
        "start": False}, expect=201)["id"]

    async def run() -> list[list[tuple[str, dict[str, Any]]]]:
        ready, counter = asyncio.Event(), [0]
        url = f"{service.url}/v1/tasks/{tid}/events"
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector,
                                         headers={"Authorization": f"Bearer {service.token}"}) as session:
            subs = [asyncio.create_task(_subscribe(session, url, ready, counter, subscribers))
                    for _ in range(subscribers)]
            await asyncio.wait_for(ready.wait(), 20)
            async with session.post(f"{service.url}/v1/tasks/{tid}/resume") as resp:
                assert resp.status == 200
            return await asyncio.wait_for(asyncio.gather(*subs), 50)

    t0 = time.monotonic()
    streams = asyncio.run(run())
    took = time.monotonic() - t0
    final = service.call("GET", f"/v1/tasks/{tid}")
    assert (final["state"], final["objects"]["failed"]) == ("completed_with_failures", n), final
    for events in streams:
        kinds = [name for name, _ in events]
        failed = [data["key"] for name, data in events if name == "object_failed"]
        assert "lagged" not in kinds
        assert len(failed) == n and set(failed) == set(objects)
        assert kinds.count("task_finished") == 1
        assert {"running", "completed_with_failures"} <= {d["state"] for name, d in events if name == "state"}
    print(f"\n{subscribers} subscribers x {n} failures: {took:.1f} s")
    assert service.stop() == 0
