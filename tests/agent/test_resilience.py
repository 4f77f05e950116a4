"""No transient fault anywhere ends a task, and a kill at the worst moment re-sends nothing: listing pages that
fail or are cut (source, and the destination's under skip), cut and lost answers, seeded random faults on both
sides, and a SIGKILL right after CompleteMultipartUpload or with many small writes answered late."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import oss2
from conftest import OSS_ID, OSS_KEY, agent, agent_popen, new_bucket, new_cos_bucket, s3_side, write_task
from servers.cos_gateway import CosGateway
from servers.faultproxy import FaultProxy
from servers.oss_gateway import OssGateway
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill, uploads_left

from wizard.engine.journal import Journal

MiB = 1024 * 1024


def many(n: int, stem: str = "k") -> dict[str, bytes]:
    return {f"{stem}/{i:05d}": f"{stem} {i}".encode() for i in range(n)}


def status(task: Path, journal: Path, env: dict[str, str]) -> dict[str, object]:
    r = agent("status", str(task), "--journal", str(journal), "--json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_failed_and_cut_listing_pages_are_retried_from_the_cursor(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        src_proxy: FaultProxy, proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    objects = many(2300)            # three listing pages of 1,000
    fill(s3_source, src_bucket, objects)
    fill(s3_dest, dst_bucket, {"k/00001": b"already there"})
    # Source: the first page answers 503, the second is cut mid-body, the third 500, then a reset.
    src_proxy.rules.listing = ["503", "ok", "cut", "ok", "500", "reset"]
    proxy.rules.listing = ["500", "cut"]   # the destination's listing, indexed under skip
    task = write_task(tmp_path / "t.toml", s3_side(src_proxy.url, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), same_name="skip")
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert src_proxy.rules.listing == [] and proxy.rules.listing == []
    assert {k: src_proxy.injected[k] for k in ("listing-503", "listing-cut", "listing-500", "listing-reset")} == \
        dict.fromkeys(("listing-503", "listing-cut", "listing-500", "listing-reset"), 1)
    got = contents(s3_dest, dst_bucket)
    assert got == {**objects, "k/00001": b"already there"}   # skip held: the existing object was not overwritten
    assert proxy.writes["k/00001"] == 0
    st = status(task, journal, agent_env)
    assert st["objects"]["done"] == 2299 and st["objects"]["skipped"] == 1   # type: ignore[index]
    # Six faults; a reset on a pooled connection is retried once by aiohttp itself, before the engine sees it.
    assert st["attempts"]["retries"] >= 5, r.stderr   # type: ignore[index]
    assert "retried" in r.stderr


def test_cut_and_lost_answers_never_fail_an_object(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    big = os.urandom(11 * MiB)
    objects = {"big.bin": big, **many(20)}
    fill(s3_source, src_bucket, objects)
    proxy.rules.cut[("POST", "big.bin")] = 2        # CreateMultipartUpload's answer cut (and the Complete's)
    proxy.rules.lose[("PUT", "k/00003")] = 1        # written, answer lost: sent again, same bytes
    proxy.rules.cut[("PUT", "k/00004")] = 1
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert proxy.injected["cut"] == 2 and proxy.injected["lose"] == 1
    assert contents(s3_dest, dst_bucket) == objects
    assert uploads_left(s3_dest, dst_bucket) == []


def test_seeded_random_faults_on_both_sides_are_all_recovered(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        src_proxy: FaultProxy, proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    objects = many(300)
    objects.update({f"big/{i}.bin": os.urandom(11 * MiB) for i in range(2)})
    fill(s3_source, src_bucket, objects)
    for p, seed in ((src_proxy, 11), (proxy, 12)):
        p.rules.chaos_seed, p.rules.chaos_rate = seed, 0.06
    task = write_task(tmp_path / "t.toml", s3_side(src_proxy.url, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), part_size="5MiB", multipart_threshold="5MiB")
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    injected = src_proxy.injected + proxy.injected
    assert sum(injected.values()) >= 20, injected
    assert contents(s3_dest, dst_bucket) == objects
    assert uploads_left(s3_dest, dst_bucket) == []
    j = Journal(journal, None)
    assert j.verification() == {"source": len(objects)}
    print("faults injected:", dict(injected))


def _wait(predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_sigkill_right_after_complete_multipart_upload_resends_nothing(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    bigs = {"a.bin": os.urandom(16 * MiB), "b.bin": os.urandom(16 * MiB)}
    fill(s3_source, src_bucket, bigs)
    side = (s3_side(s3_source, src_bucket, "env:SRC"), s3_side(proxy.url, dst_bucket, "env:DST"))
    task = write_task(tmp_path / "t.toml", *side, part_size="5MiB", multipart_threshold="5MiB", concurrency=1)
    journal = tmp_path / "j.sqlite"
    # a.bin: the server completes the upload, the answer is held and the agent killed while it waits.
    proxy.rules.hold_complete.add("a.bin")
    child = agent_popen("run", str(task), "--journal", str(journal), env=agent_env)
    assert proxy.held.wait(60)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    proxy.release.set()
    assert proxy.writes["a.bin"] == 1
    parts_before = dict(proxy.parts)

    # b.bin: the answer arrives and the agent is killed before its journal batch (every 0.2 s) is written.
    proxy.rules.hold_complete.clear()
    child = agent_popen("run", str(task), "--journal", str(journal), env=agent_env)
    _wait(lambda: proxy.writes["b.bin"] == 1)
    time.sleep(0.03)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    parts_before = dict(proxy.parts)

    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert dict(proxy.parts) == parts_before, "parts were uploaded again after the kill"
    assert proxy.writes == {"a.bin": 1, "b.bin": 1}, "a completed object was uploaded again"
    assert contents(s3_dest, dst_bucket) == bigs
    assert uploads_left(s3_dest, dst_bucket) == []
    j = Journal(journal, None)
    for key in bigs:
        ev = j.evidence(key)
        assert ev is not None and ev["verified"] == "source" and ev["proof"] == ["md5"]
    assert j.evidence("a.bin")["found_at_destination"] is True   # type: ignore[index]


def test_sigkill_with_small_writes_in_flight_resends_none_that_landed(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    objects = many(400)
    fill(s3_source, src_bucket, objects)
    proxy.rules.write_delay = 0.3      # every write lands, then its answer takes 0.3 s: 32 landed, unrecorded
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), concurrency=32)
    journal = tmp_path / "j.sqlite"
    child = agent_popen("run", str(task), "--journal", str(journal), env=agent_env)
    _wait(lambda: sum(proxy.writes.values()) >= 100)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    time.sleep(0.5)                    # writes the proxy was still forwarding land too
    landed = {k for k, n in proxy.writes.items() if n}
    proxy.rules.write_delay = 0.0
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    resent = sorted(k for k in landed if proxy.writes[k] > 1)
    assert resent == [], f"{len(resent)} objects that had landed were sent again"
    assert contents(s3_dest, dst_bucket) == objects
    assert "found at the destination" in r.stderr


def test_oss_to_cos_under_faults_on_both_sides(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, oss_gateway: OssGateway, cos_gateway: CosGateway,
        agent_env: dict[str, str]) -> None:
    """The vendor docs' case through the real SDKs: seeded random faults (errors, resets, cut and lost answers,
    flipped bits in part reads) in front of both gateways and failed listing pages at OSS, all recovered, every
    object proven by the CRC-64 the source published."""
    oss_bucket = new_bucket(s3_source, "oss")
    cos_bucket = new_cos_bucket(s3_dest)
    objects = {**many(120, "照片"), "video/大.mp4": os.urandom(11 * MiB)}
    client = oss2.Bucket(oss2.AuthV4(OSS_ID, OSS_KEY), oss_gateway.endpoint, oss_bucket, region="cn-hangzhou")
    for key, data in objects.items():
        client.put_object(key, data)
    src, dst = FaultProxy(oss_gateway.endpoint).start(), FaultProxy(cos_gateway.endpoint).start()
    try:
        src.rules.listing = ["503", "ok", "cut"]
        src.rules.flip_read["video/大.mp4"] = 2   # two part reads with a flipped bit: the CRC-64 catches them
        for p, seed in ((src, 21), (dst, 22)):
            p.rules.chaos_seed, p.rules.chaos_rate = seed, 0.06
        oss = {"kind": "oss", "endpoint": src.url, "region": "cn-hangzhou", "bucket": oss_bucket,
               "credentials": "env:OSS"}
        cos = {"kind": "cos", "endpoint": dst.url, "region": "ap-guangzhou", "bucket": cos_bucket,
               "credentials": "env:COS"}
        task = write_task(tmp_path / "t.toml", oss, cos, part_size="5MiB", multipart_threshold="5MiB")
        journal = tmp_path / "j.sqlite"
        r = agent("run", str(task), "--journal", str(journal), env=agent_env)
        assert r.returncode == 0, r.stderr
        injected = src.injected + dst.injected
        assert sum(injected.values()) >= 10 and injected["flip"] >= 2, injected
        print("faults injected (OSS -> COS):", dict(injected))
    finally:
        src.stop()
        dst.stop()
    assert contents(s3_dest, cos_bucket) == objects
    assert uploads_left(s3_dest, cos_bucket) == []
    j = Journal(journal, None)
    assert j.verification() == {"source": len(objects)}
    assert all("crc64" in (j.evidence(k) or {}).get("proof", []) for k in objects)
