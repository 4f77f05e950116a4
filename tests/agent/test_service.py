"""The agent service against a real agent process and real SeaweedFS stores: authentication on every route, tasks
that run to their colour, pause / resume / cancel, live limits, a client that goes away, SIGKILL and restart,
incremental passes, failures paged and exported, and no secret anywhere."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import agent, s3_side, write_task
from servers.agent_service import AgentProcess
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill, uploads_left

from wizard.agent.openapi import PATHS

MiB = 1024 * 1024


def task_text(tmp_path: Path, source: dict[str, Any], destination: dict[str, Any], name: str = "t",
              **options: Any) -> str:
    return write_task(tmp_path / f"{name}.toml", source, destination, name, **options).read_text(encoding="utf-8")


def s3_task(tmp_path: Path, src: SeaweedS3 | str, src_bucket: str, dst: SeaweedS3 | str, dst_bucket: str,
            name: str = "t", **options: Any) -> str:
    return task_text(tmp_path, s3_side(src, src_bucket, "env:SRC"), s3_side(dst, dst_bucket, "env:DST"), name,
                     **options)


def small(n: int, size: int = 100) -> dict[str, bytes]:
    return {f"k/{i:04d}": (f"{i:04d}".encode() * size)[:size] for i in range(n)}


def test_every_route_needs_the_token(service: AgentProcess) -> None:
    mode = stat.S_IMODE(os.stat(service.token_file).st_mode)
    assert mode == 0o600, oct(mode)
    routes = [(m.upper(), p.replace("{id}", "tdoesnotexist")) for p, ops in PATHS.items() for m in ops]
    routes += [("GET", "/"), ("GET", "/v2/anything"), ("POST", "/v1/tasks/x/nothing")]
    for method, path in routes:
        for token in ("", "wrong", service.token[:-1], service.token + "x"):
            resp = service.request(method, path, token=token)
            assert resp.status == 401, (method, path, token[:3], resp.status)
            assert resp.json() == {"error": {"code": "unauthorized", "message": "missing or wrong bearer token "
                                             "(see `migration-agent token`)"}}
            assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert service.request("GET", "/v1/tasks/tdoesnotexist").status == 404   # with the token: the real answer
    r = agent("token", env=service.env)
    assert r.stdout.strip() == str(service.token_file)


def test_task_runs_green_and_cli_talks_to_the_agent(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                   s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    objects = small(50) | {"中文/文件 1.txt": "你好".encode(), "big": os.urandom(7 * MiB)}
    fill(s3_source, src_bucket, objects)
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket, part_size="5MiB",
                   multipart_threshold="5MiB")
    created = service.call("POST", "/v1/tasks", {"task": text}, expect=201)
    assert created["state"] in ("listing", "running", "completed")
    done = service.wait_for(created["id"], "completed", "completed_with_failures", "failed")
    assert (done["state"], done["color"], done["error"]) == ("completed", "green", None)
    assert done["objects"]["done"] == len(objects) and done["objects"]["left"] == 0
    assert done["bytes"]["done"] == sum(map(len, objects.values()))
    assert contents(s3_dest, dst_bucket) == objects
    listed = service.call("GET", "/v1/tasks")["tasks"]
    assert [t["id"] for t in listed] == [created["id"]]

    # The same task again is refused; the CLI's status, export and run find the agent's task.
    dup = service.request("POST", "/v1/tasks", {"task": text})
    assert dup.status == 409 and created["id"] in dup.json()["error"]["message"]
    task_file = tmp_path / "t.toml"
    status = agent("status", str(task_file), env=service.env)
    assert status.returncode == 0 and f"task {created['id']}: completed" in status.stdout, status
    run = agent("run", str(task_file), env=service.env)
    assert run.returncode == 2 and "holds this task" in run.stderr


def test_failures_paged_exported_and_retried_by_class(tmp_path: Path, service: AgentProcess,
                                                      s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                                      dst_bucket: str, proxy: FaultProxy) -> None:
    objects = small(60)
    fill(s3_source, src_bucket, objects)
    denied = {f"k/{i:04d}" for i in range(0, 60, 4)}            # 15 objects refused by the destination
    proxy.rules.forbidden.update(denied)
    text = s3_task(tmp_path, s3_source, src_bucket, proxy.url, dst_bucket)
    task = service.call("POST", "/v1/tasks", {"task": text}, expect=201)
    snap = service.wait_for(task["id"], "completed_with_failures", "completed", "failed")
    assert (snap["state"], snap["color"]) == ("completed_with_failures", "yellow")
    assert snap["failure_classes"] == {"permission": 15}

    seen: list[str] = []
    after = 0
    while True:
        page = service.call("GET", f"/v1/tasks/{task['id']}/failures?limit=4&after={after}")
        assert page["total"] == 15 and len(page["items"]) <= 4
        seen += [item["key"] for item in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert sorted(seen) == sorted(denied) and len(seen) == 15
    assert service.call("GET", f"/v1/tasks/{task['id']}/failures?error_class=network")["items"] == []

    raw = service.request("GET", f"/v1/tasks/{task['id']}/failures.csv")
    assert raw.status == 200 and raw.headers["Content-Type"].startswith("text/csv")
    assert raw.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert {r["key"] for r in rows} == denied and {r["error_class"] for r in rows} == {"permission"}
    out = tmp_path / "failed.csv"
    assert service.run(_export(service, task["id"], out)) == 15
    assert out.read_bytes() == raw.data
    cli_out = tmp_path / "cli.csv"
    r = agent("export-failed", str(tmp_path / "t.toml"), "-o", str(cli_out), env=service.env)
    assert r.returncode == 0 and cli_out.read_bytes() == raw.data

    proxy.clear()
    none = service.call("POST", f"/v1/tasks/{task['id']}/retry-failed", {"error_class": "network"})
    assert none["retried"] == 0
    service.wait_for(task["id"], "completed_with_failures")
    retried = service.call("POST", f"/v1/tasks/{task['id']}/retry-failed", {"error_class": "permission"})
    assert retried["retried"] == 15
    snap = service.wait_for(task["id"], "completed", "completed_with_failures")
    assert (snap["state"], snap["color"], snap["failure_classes"]) == ("completed", "green", {})
    assert contents(s3_dest, dst_bucket) == objects
    assert all(proxy.writes[k] == 1 for k in denied) and not any(proxy.writes[k] for k in set(objects) - denied)


async def _export(service: AgentProcess, task_id: str, out: Path) -> int:
    async with service.client() as client:
        return await client.export_failed(task_id, out)


def test_pause_resume_cancel(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                             src_bucket: str, dst_bucket: str) -> None:
    objects = {f"big/{i}": os.urandom(12 * MiB) for i in range(3)}
    fill(s3_source, src_bucket, objects)
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket, part_size="5MiB",
                   multipart_threshold="5MiB", bandwidth_limit="6MiB", concurrency=2)
    task = service.call("POST", "/v1/tasks", {"task": text}, expect=201)
    tid = task["id"]
    _until(lambda: service.call("GET", f"/v1/tasks/{tid}")["bytes"]["done"] > 2 * MiB)
    paused = service.call("POST", f"/v1/tasks/{tid}/pause")
    assert paused["state"] == "paused" and paused["workers"][0]["state"] == "idle"
    wire = service.call("GET", f"/v1/tasks/{tid}")["bytes"]
    time.sleep(1.5)
    assert service.call("GET", f"/v1/tasks/{tid}")["bytes"] == wire        # nothing moves while paused
    assert service.call("POST", f"/v1/tasks/{tid}/pause")["state"] == "paused"   # pausing twice is harmless
    assert uploads_left(s3_dest, dst_bucket), "a pause keeps the started uploads for the resume"

    resumed = service.call("POST", f"/v1/tasks/{tid}/resume")
    assert resumed["state"] in ("listing", "running")
    _until(lambda: service.call("GET", f"/v1/tasks/{tid}")["bytes"]["done"] > wire["done"] + 2 * MiB)
    cancelled = service.call("POST", f"/v1/tasks/{tid}/cancel")
    assert cancelled["state"] == "cancelled" and cancelled["color"] is None
    assert uploads_left(s3_dest, dst_bucket) == []
    again = service.request("POST", f"/v1/tasks/{tid}/cancel")
    assert again.status == 409 and again.json()["error"]["code"] == "cancelled"
    assert service.request("POST", f"/v1/tasks/{tid}/pause").status == 409
    # Cancel stops for good: no Resume, and the snapshot says so before anyone tries.
    assert cancelled["actions"] == {"pause": False, "resume": False, "cancel": False, "retry_failed": False,
                                    "incremental": True, "final_pass": True, "report": True, "delete": True}
    refused = service.request("POST", f"/v1/tasks/{tid}/resume")
    assert refused.status == 409 and refused.json()["error"]["code"] == "cancelled"
    assert service.call("GET", f"/v1/tasks/{tid}")["state"] == "cancelled"

    # Cancelled is not lost: a pass the operator asks for by name finishes the copy, verified byte for byte.
    service.call("POST", f"/v1/tasks/{tid}/incremental")
    service.call("PATCH", f"/v1/tasks/{tid}/limits", {"bandwidth_limit": 0})
    assert service.wait_for(tid, "completed", "completed_with_failures", "failed")["state"] == "completed"
    assert contents(s3_dest, dst_bucket) == objects
    assert uploads_left(s3_dest, dst_bucket) == []


def test_one_table_says_what_each_state_allows() -> None:
    """Every state has its row; the snapshot's actions are that row (retry needs a failed file); the document
    describes the same names."""
    from wizard.agent.openapi import SCHEMAS, STATES
    from wizard.agent.tasks import ACTION_NAMES, ACTIONS, allowed_actions

    assert set(ACTIONS) == set(STATES)
    assert set(SCHEMAS["Task"]["properties"]["actions"]["required"]) == set(ACTION_NAMES)
    for state, row in ACTIONS.items():
        assert row <= set(ACTION_NAMES) and "delete" in row
        assert {a for a, ok in allowed_actions(state, 1).items() if ok} == row
    assert not allowed_actions("cancelled", 5)["resume"] and not allowed_actions("completed_with_failures", 0)[
        "retry_failed"]
    assert not allowed_actions("running", 0)["incremental"] and allowed_actions("paused", 0)["resume"]


def test_cancel_of_a_paused_task_aborts_its_uploads(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                    s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    fill(s3_source, src_bucket, {"big": os.urandom(16 * MiB)})
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket, part_size="5MiB",
                   multipart_threshold="5MiB", bandwidth_limit="4MiB")
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    _until(lambda: service.call("GET", f"/v1/tasks/{tid}")["bytes"]["done"] > 6 * MiB)
    service.call("POST", f"/v1/tasks/{tid}/pause")
    assert uploads_left(s3_dest, dst_bucket) == ["big"]
    assert service.call("POST", f"/v1/tasks/{tid}/cancel")["state"] == "cancelled"
    assert uploads_left(s3_dest, dst_bucket) == []


def test_live_limit_change_changes_the_request_rate(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                    s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    fill(s3_source, src_bucket, small(400, 10))
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket, qps_limit=10)
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    _until(lambda: service.call("GET", f"/v1/tasks/{tid}")["objects"]["done"] >= 2)
    # Every object costs a read and a write request: the bound is what 10 requests/s (and a second's burst) could
    # allow at most in the window, even if every request were a write.
    slow = _objects_in(service, tid, 3.0)
    assert slow <= 3.0 * 10 + 10, slow
    busy = service.request("POST", f"/v1/tasks/{tid}/incremental")
    assert busy.status == 409 and busy.json()["error"]["code"] == "running"
    snap = service.call("PATCH", f"/v1/tasks/{tid}/limits", {"qps_limit": 0})
    assert snap["limits"]["qps_limit"] == 0
    fast = _objects_in(service, tid, 2.0)
    assert fast > 2.0 * 10 + 10, (slow, fast)        # more than the old limit could ever have let through
    service.call("PATCH", f"/v1/tasks/{tid}/limits", {"qps_limit": 4, "bandwidth_limit": "1MiB"})
    snap = service.call("GET", f"/v1/tasks/{tid}")
    assert snap["limits"] == {"qps_limit": 4, "bandwidth_limit": MiB}
    bad = service.request("PATCH", f"/v1/tasks/{tid}/limits", {"bandwidth_limit": "fast"})
    assert bad.status == 400 and bad.json()["error"]["message"].startswith("bandwidth_limit: ")
    service.call("PATCH", f"/v1/tasks/{tid}/limits", {"qps_limit": 0, "bandwidth_limit": 0})
    assert service.wait_for(tid, "completed", "completed_with_failures")["state"] == "completed"


def _objects_in(service: AgentProcess, tid: str, seconds: float) -> int:
    before = service.call("GET", f"/v1/tasks/{tid}")["objects"]["done"]
    time.sleep(seconds)
    return int(service.call("GET", f"/v1/tasks/{tid}")["objects"]["done"]) - int(before)


def _until(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_event_stream_and_a_client_that_goes_away(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                  s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                  proxy: FaultProxy) -> None:
    objects = small(150, 2000)
    fill(s3_source, src_bucket, objects)
    proxy.rules.forbidden.add("k/0007")
    text = s3_task(tmp_path, s3_source, src_bucket, proxy.url, dst_bucket, qps_limit=60)
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]

    async def watch_then_drop() -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        async with service.client() as client:
            stream = client.events(tid)
            start = time.monotonic()
            async for event in stream:
                seen.append(event)
                if time.monotonic() - start > 2.0:
                    break          # dropped mid-stream, connection and all
            await stream.aclose()  # type: ignore[attr-defined]
        return seen

    seen = service.run(watch_then_drop())
    snaps = [e for e in seen if e["event"] == "snapshot"]
    assert 3 <= len(snaps) <= 4 * 2.5, len(snaps)          # 2-4 a second, never one per chunk
    assert all(e["id"] == tid for e in snaps)
    assert [e["objects"]["done"] for e in snaps] == sorted(e["objects"]["done"] for e in snaps)

    async def follow_to_end() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        events: list[dict[str, Any]] = []
        async with service.client() as client:
            async for event in client.events(tid):
                events.append(event)
                if event["event"] == "snapshot" and event["state"] == "completed_with_failures":
                    return events, event
        raise AssertionError("stream ended early")

    events, last = service.run(asyncio.wait_for(follow_to_end(), 120))
    assert last["objects"]["done"] == 149 and last["objects"]["failed"] == 1
    assert contents(s3_dest, dst_bucket) == {k: v for k, v in objects.items() if k != "k/0007"}
    kinds = {e["event"] for e in events}
    assert {"snapshot", "task_finished", "state"} <= kinds
    failed = [e for e in seen + events if e["event"] == "object_failed"]
    assert [e["key"] for e in failed] == ["k/0007"] and failed[0]["error_class"] == "permission"


def test_sigkill_and_restart_finish_the_task(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                             s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str) -> None:
    objects = small(200, 3000) | {f"big/{i}": os.urandom(11 * MiB) for i in range(2)}
    fill(s3_source, src_bucket, objects)
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket, part_size="5MiB",
                   multipart_threshold="5MiB", bandwidth_limit="8MiB")
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    _until(lambda: service.call("GET", f"/v1/tasks/{tid}")["bytes"]["done"] > 6 * MiB)
    service.kill()
    assert contents(s3_dest, dst_bucket) != objects

    service.start()                                  # the same data folder: the task runs again by itself
    assert service.call("GET", f"/v1/tasks/{tid}")["state"] in ("listing", "running", "completed")
    service.call("PATCH", f"/v1/tasks/{tid}/limits", {"bandwidth_limit": 0})
    snap = service.wait_for(tid, "completed", "completed_with_failures", "failed")
    assert (snap["state"], snap["objects"]["done"], snap["objects"]["failed"]) == ("completed", len(objects), 0)
    assert contents(s3_dest, dst_bucket) == objects
    assert uploads_left(s3_dest, dst_bucket) == []

    assert service.stop() == 0                        # a clean stop of an idle agent, and a clean start after it
    service.start()
    assert service.call("GET", f"/v1/tasks/{tid}")["state"] == "completed"


def test_incremental_pass_copies_only_what_changed(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                   s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                   proxy: FaultProxy) -> None:
    objects = small(30)
    fill(s3_source, src_bucket, objects)
    text = s3_task(tmp_path, s3_source, src_bucket, proxy.url, dst_bucket, same_name="skip")
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    assert service.wait_for(tid, "completed", "completed_with_failures", "failed")["state"] == "completed"
    proxy.clear()
    assert service.call("POST", f"/v1/tasks/{tid}/incremental")["pass"] == 2
    assert service.wait_for(tid, "completed", "completed_with_failures", "failed")["state"] == "completed"
    assert not proxy.writes                          # nothing changed: nothing sent

    changed = {"k/0003": b"new content", "k/0004": b"x" * 100, "new/one": b"fresh"}   # k/0004: same size
    fill(s3_source, src_bucket, changed)
    snap = service.call("POST", f"/v1/tasks/{tid}/incremental")
    assert snap["pass"] == 3
    snap = service.wait_for(tid, "completed", "completed_with_failures", "failed")
    assert snap["state"] == "completed" and snap["objects"]["done"] == 31
    assert contents(s3_dest, dst_bucket) == objects | changed
    assert set(proxy.writes) == set(changed)        # nothing else was sent again


def test_bad_input_gets_one_sentence_and_nothing_is_created(tmp_path: Path, service: AgentProcess) -> None:
    cases = [
        ({"task": "name = \"x\"\n[source]\nkind = \"ftp\"\n"}, "source.kind: unknown kind"),
        ({"task": "this is not toml"}, "task is not valid TOML"),
        ({"task": task_text(tmp_path, {"kind": "local", "path": "relative/dir"}, {"kind": "local", "path": "/x"})},
         "source.path: must be an absolute path"),
        ({}, "task: is required"),
        ({"task": 5}, "task: expected the task's TOML text"),
        ({"task": "name='x'", "colour": 1}, "colour: unknown field"),
    ]
    for body, start in cases:
        resp = service.request("POST", "/v1/tasks", body)
        assert resp.status == 400, (body, resp.data)
        message = resp.json()["error"]["message"]
        assert message.startswith(start) and "\n" not in message.strip(), message
    resp = service.http.request("POST", service.url + "/v1/tasks", body=b"{not json",
                                headers={"Authorization": f"Bearer {service.token}"})
    assert resp.status == 400 and resp.json()["error"]["message"].startswith("the request body is not JSON")
    assert service.call("GET", "/v1/tasks") == {"tasks": []}


def test_unreachable_store_is_red_with_a_reason_and_no_secret_anywhere(
        tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3, src_bucket: str, home: Path) -> None:
    text = s3_task(tmp_path, s3_source, src_bucket, "http://127.0.0.1:9", "nowhere")
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    snap = service.wait_for(tid, "failed", timeout=60)
    assert snap["color"] == "red" and snap["error"]["error_class"] == "unreachable"
    missing = task_text(tmp_path, s3_side(s3_source, src_bucket, "env:NOPE"), {"kind": "local", "path": "/tmp/x"},
                        name="m")
    refusal = service.call("POST", "/v1/tasks", {"task": missing}, expect=400)   # bad input: no task is made
    assert refusal["error"]["code"] == "bad-input" and "NOPE_ACCESS_KEY_ID" in refusal["error"]["message"]
    checks = service.call("POST", "/v1/checks", {"task": text})["checks"]
    assert [c["ok"] for c in checks if c["name"] == "destination-access"] == [False]

    answers = service.request("GET", "/v1/tasks").data + service.request("GET", f"/v1/tasks/{tid}").data
    secrets = [service.env["SRC_SECRET_ACCESS_KEY"], service.env["DST_SECRET_ACCESS_KEY"]]
    for secret in secrets:
        assert secret.encode() not in answers
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path


def test_delete_keeps_the_journal_unless_purged(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                home: Path) -> None:
    fill(s3_source, src_bucket, small(5))
    first = service.call("POST", "/v1/tasks", {"task": s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket,
                                                               name="one")}, expect=201)["id"]
    service.wait_for(first, "completed")
    journals = sorted((home / "data" / "journals").glob("one-*.sqlite"))
    assert len(journals) == 1
    assert service.call("DELETE", f"/v1/tasks/{first}") == {"deleted": first, "journal_kept": True}
    assert journals[0].exists() and service.request("GET", f"/v1/tasks/{first}").status == 404
    # Created again, the task finds its journal: nothing is copied twice.
    again = service.call("POST", "/v1/tasks", {"task": s3_task(tmp_path, s3_source, src_bucket, s3_dest,
                                                               dst_bucket, name="one"), "start": False},
                         expect=201)
    assert (again["state"], again["objects"]["done"]) == ("created", 5)
    assert service.request("POST", f"/v1/tasks/{again['id']}/incremental").json()["error"]["code"] == "not-started"
    assert service.call("DELETE", f"/v1/tasks/{again['id']}?purge=true")["journal_kept"] is False
    assert not journals[0].exists()
    bad = service.request("DELETE", f"/v1/tasks/{again['id']}?purge=maybe")
    assert bad.status == 400 and bad.json()["error"]["message"] == "purge: expected true or false, got 'maybe'"


def test_one_agent_per_data_folder_and_detach(agent_env: dict[str, str], home: Path, service: AgentProcess) -> None:
    second = agent("serve", "--port", "0", env=agent_env, timeout=30)
    assert second.returncode == 1
    assert second.stderr.strip().startswith("migration-agent: an agent is already running for this data folder")
    assert service.url in second.stderr
    twice = agent("serve", "--detach", "--port", "0", env=agent_env, timeout=60)   # said, not only logged
    assert twice.returncode == 1 and "an agent is already running" in twice.stderr, twice.stderr
    assert service.call("GET", "/v1/agent")["pid"] == service.proc.pid  # type: ignore[union-attr]
    assert (home / "data" / "agent" / "agent.json").exists()        # the running agent's address stays
    assert service.stop() == 0

    started = agent("serve", "--detach", "--port", "0", env=agent_env, timeout=60)
    assert started.returncode == 0, started.stdout + started.stderr
    lines = started.stdout.splitlines()
    assert lines[0].startswith("listening on http://127.0.0.1:") and lines[1].startswith("token file: ")
    pid = int((home / "data" / "agent" / "agent.pid").read_text())
    assert lines[2] == f"pid: {pid}"
    detached = AgentProcess(agent_env, home)
    detached.url, detached.token_file = lines[0].split(" ", 2)[2], Path(lines[1].split(": ", 1)[1])
    assert detached.call("GET", "/v1/agent")["pid"] == pid
    os.kill(pid, 15)
    _until(lambda: not (home / "data" / "agent" / "agent.json").exists(), 30)


def test_listening_beyond_loopback_warns_and_a_bad_host_is_refused() -> None:
    from wizard.agent.server import check_host
    from wizard.errors import InputError

    out = io.StringIO()
    check_host("127.0.0.1", out)
    check_host("::1", out)
    assert out.getvalue() == ""
    check_host("10.1.2.3", out)
    assert out.getvalue().startswith("warning: listening on 10.1.2.3, not on the loopback address")
    with pytest.raises(InputError, match="--host: 'example.com' is not an IP address"):
        check_host("example.com", out)


def test_probe_tests_one_side_with_credentials_it_never_keeps(service: AgentProcess, s3_source: SeaweedS3,
                                                              s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                              home: Path) -> None:
    fill(s3_source, src_bucket, small(1))
    side = {"kind": "s3", "endpoint": s3_source.endpoint, "bucket": src_bucket}
    good = {"access_key_id": s3_source.access_key, "secret_access_key": s3_source.secret_key}
    ok = service.call("POST", "/v1/probe", {"side": "source", "location": side, "credentials": good})
    assert ok["ok"] is True and [c["name"] for c in ok["checks"]] == ["source-access"]
    wrong = {"access_key_id": s3_source.access_key, "secret_access_key": "not-the-secret-XYZZY"}
    refused = service.call("POST", "/v1/probe", {"side": "source", "location": side, "credentials": wrong})
    assert refused["ok"] is False and refused["checks"][0]["error_class"] == "auth"
    dest = {"kind": "s3", "endpoint": s3_dest.endpoint, "bucket": dst_bucket, "credentials": "env:DST"}
    written = service.call("POST", "/v1/probe", {"side": "destination", "location": dest})
    assert [(c["name"], c["ok"]) for c in written["checks"]] == [("destination-access", True),
                                                                 ("destination-write", True)]
    bad = service.request("POST", "/v1/probe", {"side": "source", "location": {**side, "endpoint": "s3.example"},
                                                "credentials": good})
    assert bad.status == 400 and bad.json()["error"]["message"].startswith("source.endpoint: ")
    empty = service.request("POST", "/v1/probe", {"side": "source", "location": side,
                                                  "credentials": {"access_key_id": "k", "secret_access_key": ""}})
    assert empty.status == 400 and "must not be empty" in empty.json()["error"]["message"]
    assert service.stop() == 0
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert s3_source.secret_key.encode() not in data and b"XYZZY" not in data, path
    assert "XYZZY" not in service.stderr() and s3_source.secret_key not in service.stderr()
