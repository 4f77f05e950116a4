"""The vendor docs' own case, OSS to COS (and back), through the real oss2 and cos-python-sdk-v5 and the test
gateways: multipart objects, Chinese keys, metadata and storage classes mapped, CRC64 agreed on by all three."""

from __future__ import annotations

import os
from pathlib import Path

import oss2
from conftest import OSS_ID, OSS_KEY, agent, new_bucket, new_cos_bucket, write_task
from servers.cos_gateway import CosGateway
from servers.oss_gateway import OssGateway
from servers.seaweed import SeaweedS3
from test_cos import cos_side
from test_run_s3 import contents, uploads_left

from wizard.crc64 import crc64
from wizard.engine.journal import Journal


def oss_side(gateway: OssGateway, bucket: str, **extra: object) -> dict[str, object]:
    return {"kind": "oss", "endpoint": gateway.endpoint, "region": "cn-hangzhou", "bucket": bucket,
            "credentials": "env:OSS", **extra}


def test_oss_to_cos_and_back(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, oss_gateway: OssGateway,
                             cos_gateway: CosGateway, agent_env: dict[str, str]) -> None:
    oss_bucket = new_bucket(s3_source, "oss")
    client = oss2.Bucket(oss2.AuthV4(OSS_ID, OSS_KEY), oss_gateway.endpoint, oss_bucket, region="cn-hangzhou")
    big = os.urandom(12 * 1024 * 1024 + 3)
    objects = {"照片/2024/海边 日落.jpg": b"jpeg" * 1000, "docs/a+b%20c.txt": b"text", "空文件": b""}
    for key, data in objects.items():
        client.put_object(key, data, headers={"Content-Type": "image/jpeg", "x-oss-meta-owner": "ops-team",
                                              "x-oss-storage-class": "IA"})
    client.put_object("video/大.mp4", big, headers={"x-oss-meta-camera": "x1", "x-oss-storage-class": "Archive"})
    cos_bucket = new_cos_bucket(s3_dest)
    task = write_task(tmp_path / "oss-cos.toml", oss_side(oss_gateway, oss_bucket), cos_side(cos_gateway, cos_bucket),
                      part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), "--journal", str(tmp_path / "a.sqlite"), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_dest, cos_bucket) == {**objects, "video/大.mp4": big}
    head = s3_dest.client().head_object(Bucket=cos_bucket, Key="照片/2024/海边 日落.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert head["Metadata"]["x-gw-storage-class"] == "STANDARD_IA"          # OSS IA -> COS STANDARD_IA
    big_head = s3_dest.client().head_object(Bucket=cos_bucket, Key="video/大.mp4")
    assert big_head["Metadata"]["x-gw-storage-class"] == "ARCHIVE" and big_head["Metadata"]["camera"] == "x1"
    assert uploads_left(s3_dest, cos_bucket) == []
    j = Journal(tmp_path / "a.sqlite", None)
    for key, data in {**objects, "video/大.mp4": big}.items():
        ev = j.evidence(key)
        assert ev is not None and ev["source_crc64"] == ev["crc64"] == ev["dest_crc64"] == crc64(data), key
    j.close()

    back = new_bucket(s3_source, "oss")
    task = write_task(tmp_path / "cos-oss.toml", cos_side(cos_gateway, cos_bucket), oss_side(oss_gateway, back),
                      part_size="5MiB", multipart_threshold="5MiB")
    r = agent("run", str(task), "--journal", str(tmp_path / "b.sqlite"), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert contents(s3_source, back) == {**objects, "video/大.mp4": big}
    meta = client.head_object("照片/2024/海边 日落.jpg").headers
    assert meta["x-oss-storage-class"] == "IA"
    check = oss2.Bucket(oss2.AuthV4(OSS_ID, OSS_KEY), oss_gateway.endpoint, back, region="cn-hangzhou")
    assert check.head_object("video/大.mp4").headers["x-oss-storage-class"] == "Archive"
    assert check.head_object("照片/2024/海边 日落.jpg").headers["x-oss-meta-owner"] == "ops-team"


def test_wrong_oss_secret_and_missing_region(tmp_path: Path, s3_source: SeaweedS3, oss_gateway: OssGateway,
                                             agent_env: dict[str, str]) -> None:
    bucket = new_bucket(s3_source, "oss")
    task = write_task(tmp_path / "t.toml", oss_side(oss_gateway, bucket), {"kind": "local", "path": "out"})
    r = agent("run", str(task), env={**agent_env, "OSS_SECRET_ACCESS_KEY": "wrong-oss-secret-1"})
    assert r.returncode == 1
    assert "refused the credentials" in r.stderr and "wrong-oss-secret-1" not in r.stderr + r.stdout
    side = oss_side(oss_gateway, bucket)
    del side["region"]
    task = write_task(tmp_path / "t.toml", side, {"kind": "local", "path": "out"})
    r = agent("check", str(task), env=agent_env)
    assert r.returncode == 2 and "source.region: required with an OSS endpoint" in r.stderr


def test_check_and_what_a_folder_cannot_keep(tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3,
                                              oss_gateway: OssGateway, cos_gateway: CosGateway,
                                              agent_env: dict[str, str]) -> None:
    oss_bucket = new_bucket(s3_source, "oss")
    client = oss2.Bucket(oss2.AuthV4(OSS_ID, OSS_KEY), oss_gateway.endpoint, oss_bucket, region="cn-hangzhou")
    client.put_object("a.txt", b"a", headers={"x-oss-meta-owner": "ops", "x-oss-storage-class": "ColdArchive"})
    client.put_object("b.txt", b"b")
    task = write_task(tmp_path / "t.toml", oss_side(oss_gateway, oss_bucket),
                      cos_side(cos_gateway, new_cos_bucket(s3_dest)))
    r = agent("check", str(task), env=agent_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the source holds 2 objects" in r.stdout and "probe object was written" in r.stdout
    r = agent("run", str(task), "--json", env=agent_env)
    assert r.returncode == 0, r.stderr
    finished = [line for line in r.stdout.splitlines() if '"task_finished"' in line]
    assert '"not_carried": {"metadata": 0, "storage_class": 1}' in finished[0]   # COS has no ColdArchive
    local = write_task(tmp_path / "l.toml", oss_side(oss_gateway, oss_bucket), {"kind": "local", "path": "out"})
    r = agent("run", str(local), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert "metadata or headers of 1 objects, the storage class of 1" in r.stderr
    assert (tmp_path / "out" / "a.txt").read_bytes() == b"a"
