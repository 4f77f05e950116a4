"""Same-name policies, counted by the writes that reach the destination (through the fault proxy)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import agent, s3_side, write_task
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill

SOURCE = {"same.txt": b"same", "differs.txt": b"new content", "size.txt": b"longer content", "only-src.txt": b"o"}
DEST = {"same.txt": b"same", "differs.txt": b"old content", "size.txt": b"short", "only-dst.txt": b"d"}


@pytest.mark.parametrize(("policy", "written"), [
    ("overwrite", {"same.txt", "differs.txt", "size.txt", "only-src.txt"}),
    ("skip", {"only-src.txt"}),
    ("skip-identical", {"differs.txt", "size.txt", "only-src.txt"}),
])
def test_policy_writes(policy: str, written: set[str], tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                       src_bucket: str, dst_bucket: str, proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, SOURCE)
    fill(s3_dest, dst_bucket, DEST)
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), same_name=policy)
    r = agent("run", str(task), "--json", env=agent_env)
    assert r.returncode == 0, r.stderr
    assert set(proxy.writes) == written
    final = contents(s3_dest, dst_bucket)
    for key in SOURCE:
        assert final[key] == (SOURCE[key] if key in written else DEST[key])
    assert final["only-dst.txt"] == b"d"      # nothing is ever deleted at the destination


def test_newer_copies_only_sources_changed_after_the_destination(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, {"old.txt": b"old at source", "changed.txt": b"v1"})
    time.sleep(1.2)                     # LastModified has one-second resolution
    fill(s3_dest, dst_bucket, {"old.txt": b"kept at destination", "changed.txt": b"v1"})
    time.sleep(1.2)
    fill(s3_source, src_bucket, {"changed.txt": b"v2 at source", "new.txt": b"n"})
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), same_name="newer")
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert set(proxy.writes) == {"changed.txt", "new.txt"}
    assert contents(s3_dest, dst_bucket) == {"old.txt": b"kept at destination", "changed.txt": b"v2 at source",
                                             "new.txt": b"n"}


def test_local_to_s3_skip_identical_compares_file_md5(tmp_path: Path, s3_dest: SeaweedS3, dst_bucket: str,
                                                       proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "same.bin").write_bytes(b"12345")
    (folder / "sub" / "other.bin").write_bytes(b"abcde")
    fill(s3_dest, dst_bucket, {"sub/same.bin": b"12345", "sub/other.bin": b"ABCDE"})
    task = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(folder)},
                      s3_side(proxy.url, dst_bucket, "env:DST"), same_name="skip-identical")
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert set(proxy.writes) == {"sub/other.bin"}


def test_skip_never_overwrites_whatever_the_listing_order(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    """SeaweedFS lists "a/b" before "a b" (folder first), AWS the other way round: the join must not care."""
    keys = ["a", "a/b", "a/b/c", "a b", "a+b", "a-b", "a0", "b/x"]
    fill(s3_source, src_bucket, {k: b"new " + k.encode() for k in keys})
    existing = {"a/b": b"old", "a b": b"old", "a0": b"old", "a/b/c": b"old"}
    fill(s3_dest, dst_bucket, existing)
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), same_name="skip")
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert set(proxy.writes) == set(keys) - set(existing)
    final = contents(s3_dest, dst_bucket)
    assert all(final[k] == b"old" for k in existing)
