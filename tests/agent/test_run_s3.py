"""End-to-end runs of the real ``migration-agent`` between two real SeaweedFS servers."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

from conftest import agent, s3_side, write_task
from servers.seaweed import SeaweedS3

from wizard.engine.journal import Journal

LONG_KEY = "long/" + "/".join(f"segment-{i:02d}-" + "x" * 90 for i in range(9))  # 900+ characters
ODD_KEYS = [
    "中文/照片 2024/海滩.jpg", "spaces in name.txt", "plus+sign+.txt", "percent%20literal%.txt",
    "hash#tag.txt", "question?mark.txt", "a/b/c/d/e/f/g/h/i/j/deep.txt", "tilde~and'quote.txt",
    "emoji-😀.txt", "mixed 中文+%#?.bin", LONG_KEY,
]


def fill(server: SeaweedS3, bucket: str, objects: dict[str, bytes], **put_args: object) -> None:
    client = server.client()
    for key, data in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=data, **put_args)  # type: ignore[arg-type]


def contents(server: SeaweedS3, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = server.client()
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


def uploads_left(server: SeaweedS3, bucket: str) -> list[str]:
    return [u["Key"] for u in server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def test_odd_keys_zero_bytes_and_multipart_with_metadata(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                                          src_bucket: str, dst_bucket: str,
                                                          agent_env: dict[str, str]) -> None:
    assert len(LONG_KEY) > 800
    objects = {k: f"body of {k}".encode() * 3 for k in ODD_KEYS}
    objects["empty.txt"] = b""
    objects["folder/"] = b""
    fill(s3_source, src_bucket, objects)
    big = os.urandom(12 * 1024 * 1024 + 12345)
    s3_source.client().put_object(Bucket=src_bucket, Key="big/视频.bin", Body=big, ContentType="video/mp4",
                                  Metadata={"owner": "ops", "project": "m1"}, CacheControl="max-age=60",
                                  ContentDisposition="attachment")
    s3_source.client().put_object(Bucket=src_bucket, Key="page.html", Body=b"<p>", ContentType="text/html",
                                  ContentEncoding="identity", CacheControl="no-cache", StorageClass="STANDARD_IA")
    task = write_task(tmp_path / "task.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), part_size="5MiB", multipart_threshold="5MiB")
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    got = contents(s3_dest, dst_bucket)
    assert got == {**objects, "big/视频.bin": big, "page.html": b"<p>"}
    head = s3_dest.client().head_object(Bucket=dst_bucket, Key="big/视频.bin")
    assert head["ContentType"] == "video/mp4"
    assert head["Metadata"] == {"owner": "ops", "project": "m1"}
    assert head["CacheControl"] == "max-age=60" and head["ContentDisposition"] == "attachment"
    page = s3_dest.client().head_object(Bucket=dst_bucket, Key="page.html")
    assert (page["ContentType"], page["CacheControl"], page["ContentEncoding"]) == ("text/html", "no-cache",
                                                                                   "identity")
    assert page.get("StorageClass") == "STANDARD_IA"
    assert head["ETag"].strip('"').endswith("-3")
    assert uploads_left(s3_dest, dst_bucket) == []
    j = Journal(journal, None)
    try:
        ev = j.evidence("big/视频.bin")
        assert ev is not None and ev["parts"] == 3 and ev["expected_etag"] == ev["dest_etag"]
        small = j.evidence("中文/照片 2024/海滩.jpg")
        assert small is not None
        assert small["md5_checked_by"] == "destination"   # Content-MD5 = the source's ETag, checked by the store
        assert small["dest_etag"] == small["source_etag"] == hashlib.md5(
            objects["中文/照片 2024/海滩.jpg"]).hexdigest()
    finally:
        j.close()


def test_prefix_and_include_exclude(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                    dst_bucket: str, agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, {"photos/a.jpg": b"a", "photos/b.png": b"b", "photos/tmp/c.jpg": b"c",
                                 "photos/d.jpg": b"d", "docs/e.jpg": b"e"})
    task = write_task(tmp_path / "task.toml", s3_side(s3_source, src_bucket, "env:SRC", prefix="photos/"),
                      s3_side(s3_dest, dst_bucket, "env:DST", prefix="backup/"),
                      include=["*.jpg"], exclude=["photos/tmp/*"])
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, dst_bucket) == {"backup/photos/a.jpg": b"a", "backup/photos/d.jpg": b"d"}


def test_export_is_excel_friendly_csv(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                      dst_bucket: str, agent_env: dict[str, str]) -> None:
    """A missing destination bucket stops the task with exit 1 and leaves no journal; the export of a run with
    no failure has the header."""
    fill(s3_source, src_bucket, {"x": b"1"})
    task = write_task(tmp_path / "task.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, "no-such-bucket-here", "env:DST"))
    r = agent("run", str(task), env=agent_env)
    assert r.returncode == 1
    assert "no-such-bucket-here" in r.stderr and "does not exist" in r.stderr
    out = tmp_path / "f.csv"
    r = agent("export-failed", str(task), "-o", str(out), env=agent_env)
    assert r.returncode == 2 and "has not run yet" in r.stderr and not out.exists()
    task = write_task(tmp_path / "task.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"))
    assert agent("run", str(task), env=agent_env).returncode == 0
    r = agent("export-failed", str(task), "-o", str(out), env=agent_env)
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(raw.decode("utf-8-sig").splitlines())) == [
        "key", "size", "error_class", "error_code", "message", "attempts", "last_attempt"]
