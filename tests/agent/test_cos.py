"""S3 <-> COS through the real cos-python-sdk-v5 and the COS test gateway: CRC64 end to end, metadata and
storage classes mapped, corruption caught, a wrong secret refused."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from conftest import agent, new_cos_bucket, s3_side, write_task
from servers.cos_gateway import CosGateway
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill, uploads_left

from wizard.crc64 import crc64
from wizard.engine.journal import Journal

OBJECTS = {"中文/照片 1.jpg": b"jpeg bytes " * 100, "a+b%c d.txt": b"odd key", "empty": b""}


def cos_side(gateway: CosGateway, bucket: str, **extra: object) -> dict[str, object]:
    return {"kind": "cos", "endpoint": gateway.endpoint, "region": "ap-guangzhou", "bucket": bucket,
            "credentials": "env:COS", **extra}


def test_s3_to_cos_and_back_with_crc64_metadata_and_classes(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, cos_gateway: CosGateway,
        agent_env: dict[str, str]) -> None:
    fill(s3_source, src_bucket, OBJECTS)
    big = os.urandom(11 * 1024 * 1024 + 7)
    s3_source.client().put_object(Bucket=src_bucket, Key="video/大文件.mp4", Body=big, ContentType="video/mp4",
                                  Metadata={"camera": "x1"}, StorageClass="STANDARD_IA",
                                  ContentDisposition="attachment")
    cos_bucket = new_cos_bucket(s3_dest)
    task = write_task(tmp_path / "to-cos.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      cos_side(cos_gateway, cos_bucket), part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), "--journal", str(tmp_path / "a.sqlite"), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, cos_bucket) == {**OBJECTS, "video/大文件.mp4": big}, r.stderr
    head = s3_dest.client().head_object(Bucket=cos_bucket, Key="video/大文件.mp4")
    assert head["ContentType"] == "video/mp4" and head["Metadata"]["camera"] == "x1"
    assert head["ContentDisposition"] == "attachment"
    assert head["Metadata"]["x-gw-storage-class"] == "STANDARD_IA"     # what the COS client asked for
    assert uploads_left(s3_dest, cos_bucket) == []
    j = Journal(tmp_path / "a.sqlite", None)
    ev = j.evidence("video/大文件.mp4")
    assert ev is not None and ev["crc64"] == ev["dest_crc64"] == crc64(big)   # parts combined = COS's value
    small = j.evidence("中文/照片 1.jpg")
    assert small is not None and small["crc64"] == small["dest_crc64"] == crc64(OBJECTS["中文/照片 1.jpg"])
    j.close()

    # ... and back from COS into a fresh S3 bucket, the source's CRC64 checked on the way.
    back = tmp_path / "from-cos.toml"
    dst_bucket = f"back-{os.urandom(4).hex()}"
    s3_dest.client().create_bucket(Bucket=dst_bucket)
    write_task(back, cos_side(cos_gateway, cos_bucket), s3_side(s3_dest, dst_bucket, "env:DST"),
               part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(back), "--journal", str(tmp_path / "b.sqlite"), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, dst_bucket) == {**OBJECTS, "video/大文件.mp4": big}
    assert s3_dest.client().head_object(Bucket=dst_bucket, Key="video/大文件.mp4").get("StorageClass") == \
        "STANDARD_IA"
    j = Journal(tmp_path / "b.sqlite", None)
    ev = j.evidence("video/大文件.mp4")
    assert ev is not None and ev["source_crc64"] == ev["crc64"] == crc64(big)
    j.close()


def test_corruption_from_cos_is_caught_by_crc64(tmp_path: Path, s3_dest: SeaweedS3, dst_bucket: str,
                                                cos_gateway: CosGateway, agent_env: dict[str, str]) -> None:
    cos_bucket = new_cos_bucket(s3_dest)
    fill(s3_dest, cos_bucket, {"flaky.bin": b"x" * 5000, "rotten.bin": b"y" * 5000, "fine.bin": b"z"})
    cos_gateway.corrupt_reads.update({"flaky.bin": 1, "rotten.bin": 100})
    task = write_task(tmp_path / "t.toml", cos_side(cos_gateway, cos_bucket), s3_side(s3_dest, dst_bucket, "env:DST"))
    try:
        r = agent("run", str(task), env=agent_env)
    finally:
        cos_gateway.corrupt_reads.clear()
    assert r.returncode == 3, r.stderr
    got = contents(s3_dest, dst_bucket)
    assert got == {"flaky.bin": b"x" * 5000, "fine.bin": b"z"}       # retried once, then right
    out = tmp_path / "failed.csv"
    assert agent("export-failed", str(task), "-o", str(out), env=agent_env).returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(row["key"], row["error_class"]) for row in rows] == [("rotten.bin", "checksum")]
    assert int(rows[0]["attempts"]) > 1


def test_wrong_cos_secret_and_bucket_without_appid(tmp_path: Path, s3_dest: SeaweedS3, dst_bucket: str,
                                                   cos_gateway: CosGateway, agent_env: dict[str, str]) -> None:
    cos_bucket = new_cos_bucket(s3_dest)
    task = write_task(tmp_path / "t.toml", cos_side(cos_gateway, cos_bucket), s3_side(s3_dest, dst_bucket, "env:DST"))
    r = agent("run", str(task), env={**agent_env, "COS_SECRET_ACCESS_KEY": "wrong-cos-secret-1"})
    assert r.returncode == 1
    assert "refused the credentials" in r.stderr and "SignatureDoesNotMatch" in r.stderr
    assert "wrong-cos-secret-1" not in r.stderr
    task = write_task(tmp_path / "t.toml", cos_side(cos_gateway, "photos"), s3_side(s3_dest, dst_bucket, "env:DST"))
    r = agent("check", str(task), env=agent_env)
    assert r.returncode == 2 and "source.bucket: 'photos' is not a COS bucket name" in r.stderr
