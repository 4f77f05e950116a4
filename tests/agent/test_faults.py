"""Faults between the agent and a real destination: transient errors recovered, permanent ones exported and
retried alone, SIGKILL and Ctrl-C resumed without re-sending finished objects."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import time
from pathlib import Path

from conftest import agent, agent_popen, s3_side, write_task
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill, uploads_left


def small_objects(n: int) -> dict[str, bytes]:
    return {f"obj/{i:04d}.txt": f"object {i} ".encode() * (1 + i % 7) for i in range(n)}


def test_transient_errors_are_recovered(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                        src_bucket: str, dst_bucket: str, proxy: FaultProxy,
                                        agent_env: dict[str, str]) -> None:
    objects = small_objects(40)
    fill(s3_source, src_bucket, objects)
    keys = sorted(objects)
    proxy.rules.slowdown.update({keys[1]: 2, keys[5]: 1, keys[9]: 3})
    proxy.rules.reset.update({keys[2]: 1, keys[7]: 2})
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"))
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, dst_bucket) == objects
    assert proxy.rules.slowdown == {keys[1]: 0, keys[5]: 0, keys[9]: 0}   # every fault was met and got past
    assert proxy.rules.reset == {keys[2]: 0, keys[7]: 0}
    assert all(proxy.writes[k] == 1 for k in keys)


def test_permanent_403_fails_exactly_those_then_retry_writes_only_them(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    objects = small_objects(30)
    objects["中文 文件+1.txt"] = "内容".encode()
    fill(s3_source, src_bucket, objects)
    denied = {"obj/0003.txt", "obj/0017.txt", "中文 文件+1.txt"}
    proxy.rules.forbidden.update(denied)
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"))
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 3, r.stderr
    assert set(contents(s3_dest, dst_bucket)) == set(objects) - denied

    out = tmp_path / "failed.csv"
    assert agent("export-failed", str(task), "-o", str(out), env=agent_env).returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {row["key"] for row in rows} == denied
    assert {row["error_class"] for row in rows} == {"permission"}
    assert {row["error_code"] for row in rows} == {"AccessDenied"}

    status = agent("status", str(task), "--json", env=agent_env)
    assert '"failed": 3' in status.stdout

    proxy.rules.forbidden.clear()
    proxy.writes.clear()
    r = agent("retry-failed", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert set(proxy.writes) == denied and all(proxy.writes[k] == 1 for k in denied)
    assert contents(s3_dest, dst_bucket) == objects


def _count(path: Path, sql: str) -> int:
    """A count from a journal that another process is writing; 0 while it does not exist or has no tables yet."""
    try:
        return int(_journal_rows(path, sql)[0][0])  # type: ignore[call-overload]
    except sqlite3.Error:
        return 0


def _journal_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_sigkill_mid_run_resumes_without_resending_done_objects(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    objects = small_objects(400)
    fill(s3_source, src_bucket, objects)
    # 9 parts each, 4 at a time: after the first parts are recorded, seconds of work remain for the kill.
    bigs = {f"0-big/{i}.bin": os.urandom(41 * 1024 * 1024) for i in range(2)}
    fill(s3_source, src_bucket, bigs)
    side = (s3_side(s3_source, src_bucket, "env:SRC"), s3_side(proxy.url, dst_bucket, "env:DST"))
    journal = tmp_path / "j.sqlite"
    # Slow enough to be caught mid-way: big parts first (key order), under a bandwidth limit.
    task = write_task(tmp_path / "t.toml", *side, bandwidth_limit="16MiB", concurrency=8, part_size="5MiB",
                      multipart_threshold="5MiB")
    child = agent_popen("run", str(task), "--journal", str(journal), env=agent_env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if _count(journal, "SELECT count(*) FROM parts") >= 2:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL

    done_before = {k for (k,) in _journal_rows(journal, "SELECT key FROM objects WHERE state = 'done'")}
    parts_before = {(key, n) for key, n in _journal_rows(
        journal, "SELECT u.key, p.number FROM parts p JOIN uploads u ON u.object_id = p.object_id")}
    assert parts_before, "the kill should land while multipart parts are recorded"
    writes_before = dict(proxy.writes)
    part_writes_before = dict(proxy.parts)

    task = write_task(tmp_path / "t.toml", *side, concurrency=8, part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, dst_bucket) == {**objects, **bigs}
    assert uploads_left(s3_dest, dst_bucket) == []

    rewritten = {k for k, n in proxy.writes.items() if n > writes_before.get(k, 0)}
    assert not rewritten & done_before, "objects recorded done before the kill were sent again"
    resent_parts = {p for p, n in proxy.parts.items() if n > part_writes_before.get(p, 0)}
    assert not resent_parts & parts_before, "verified parts were uploaded again after the restart"
    # Objects that landed before the kill but were not recorded are found at the destination, not sent again.
    again = {k for k in rewritten if writes_before.get(k, 0)}
    assert not again, f"{len(again)} objects that had landed were sent again"


def test_ctrl_c_stops_cleanly_and_resumably(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                           src_bucket: str, dst_bucket: str, agent_env: dict[str, str]) -> None:
    bigs = {f"big/{i}.bin": os.urandom(11 * 1024 * 1024) for i in range(3)}
    fill(s3_source, src_bucket, bigs)
    side = (s3_side(s3_source, src_bucket, "env:SRC"), s3_side(s3_dest, dst_bucket, "env:DST"))
    task = write_task(tmp_path / "t.toml", *side, bandwidth_limit="8MiB", part_size="5MiB",
                      multipart_threshold="5MiB")
    journal = tmp_path / "j.sqlite"
    child = agent_popen("run", str(task), "--journal", str(journal), env=agent_env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _count(journal, "SELECT count(*) FROM uploads"):
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted" in err
    assert uploads_left(s3_dest, dst_bucket) == []      # cancel leaves no multipart upload behind
    task = write_task(tmp_path / "t.toml", *side, part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, dst_bucket) == bigs
