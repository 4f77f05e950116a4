"""Every byte proven against the source: flipped bits in ranged (part) reads are caught whatever the source's
part layout, a bad copy never lands, and what proved each object is in the journal."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from pathlib import Path

from conftest import agent, s3_side, write_task
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, uploads_left

from wizard.engine.journal import Journal

MiB = 1024 * 1024


def put_multipart(server: SeaweedS3, bucket: str, key: str, data: bytes, part: int) -> str:
    """Upload ``data`` in parts of ``part`` bytes, as a source written by another tool would be."""
    c = server.client()
    up = c.create_multipart_upload(Bucket=bucket, Key=key)
    parts = []
    for n, start in enumerate(range(0, len(data), part), 1):
        r = c.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=n, Body=data[start:start + part])
        parts.append({"PartNumber": n, "ETag": r["ETag"]})
    c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": parts})
    return str(c.head_object(Bucket=bucket, Key=key)["ETag"]).strip('"')


def run_task(tmp_path: Path, src: str, src_bucket: str, dst: str, dst_bucket: str, env: dict[str, str],
             **options: object) -> tuple[int, str, Journal]:
    task = write_task(tmp_path / "t.toml", s3_side(src, src_bucket, "env:SRC"), s3_side(dst, dst_bucket, "env:DST"),
                      part_size="5MiB", multipart_threshold="5MiB", **options)
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), env=env)
    return r.returncode, r.stderr, Journal(journal, None)


def test_flipped_bit_in_a_part_read_is_caught_for_every_source_layout(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        src_proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    data = {k: os.urandom(12 * MiB + 7) for k in ("single.bin", "same-layout.bin", "other-layout.bin")}
    s3_source.client().put_object(Bucket=src_bucket, Key="single.bin", Body=data["single.bin"])
    put_multipart(s3_source, src_bucket, "same-layout.bin", data["same-layout.bin"], 5 * MiB)
    put_multipart(s3_source, src_bucket, "other-layout.bin", data["other-layout.bin"], 6 * MiB)
    src_proxy.rules.flip_read.update({k: 1 for k in data})
    code, err, journal = run_task(tmp_path, src_proxy.url, src_bucket, s3_dest.endpoint, dst_bucket, agent_env)
    assert code == 0, err
    assert src_proxy.injected["flip"] == 3 and src_proxy.rules.flip_read == dict.fromkeys(data, 0)
    assert contents(s3_dest, dst_bucket) == data            # byte for byte: no flipped bit landed
    proofs = {k: journal.evidence(k) for k in data}
    assert proofs["single.bin"]["proof"] == ["md5"]          # the whole-object MD5, hashed in order
    assert proofs["same-layout.bin"]["proof"] == ["multipart-etag"]
    assert proofs["other-layout.bin"]["proof"] == ["multipart-etag"]
    assert proofs["other-layout.bin"]["part_size"] == 6 * MiB   # the source's own layout, found by HEAD partNumber
    assert all(e["verified"] == "source" for e in proofs.values())
    totals = journal.attempt_totals()
    assert totals["retried_objects"] == 3 and totals["retries"] >= 3
    assert uploads_left(s3_dest, dst_bucket) == []


def test_a_part_that_is_always_corrupted_fails_as_checksum_and_nothing_lands(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        src_proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    s3_source.client().put_object(Bucket=src_bucket, Key="bad.bin", Body=os.urandom(11 * MiB))
    s3_source.client().put_object(Bucket=src_bucket, Key="good.txt", Body=b"fine")
    src_proxy.rules.flip_read["bad.bin"] = 1000
    code, err, journal = run_task(tmp_path, src_proxy.url, src_bucket, s3_dest.endpoint, dst_bucket, agent_env)
    assert code == 3, err
    failed = journal.failures()
    assert [(f[1], f[3], f[4]) for f in failed] == [("bad.bin", "checksum", "ChecksumMismatch")]
    assert set(contents(s3_dest, dst_bucket)) == {"good.txt"}   # compared before completing: no bad object
    assert uploads_left(s3_dest, dst_bucket) == []


def test_whole_object_checksum_and_part_layout_prove_single_part_copies(
        tmp_path: Path, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
        src_proxy: FaultProxy, agent_env: dict[str, str]) -> None:
    """Sources whose ETag is no MD5 (uploaded in parts), copied in one PUT: an S3 additional checksum of the
    whole object proves one, the part layout the store tells proves the other; a flipped bit in either read
    is caught and retried."""
    c = s3_source.client()
    with_sum = os.urandom(5 * MiB + 10)
    up = c.create_multipart_upload(Bucket=src_bucket, Key="crc32.bin", ChecksumAlgorithm="CRC32",
                                   ChecksumType="FULL_OBJECT")
    parts = []
    for n, chunk in enumerate((with_sum[:5 * MiB], with_sum[5 * MiB:]), 1):
        r = c.upload_part(Bucket=src_bucket, Key="crc32.bin", UploadId=up["UploadId"], PartNumber=n, Body=chunk,
                          ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    whole = base64.b64encode(zlib.crc32(with_sum).to_bytes(4, "big")).decode()
    c.complete_multipart_upload(Bucket=src_bucket, Key="crc32.bin", UploadId=up["UploadId"],
                                MultipartUpload={"Parts": parts}, ChecksumCRC32=whole, ChecksumType="FULL_OBJECT")
    layout = os.urandom(7 * MiB)
    put_multipart(s3_source, src_bucket, "layout.bin", layout, 5 * MiB)
    src_proxy.rules.flip_read.update({"crc32.bin": 1, "layout.bin": 1})
    task = write_task(tmp_path / "t.toml", s3_side(src_proxy.url, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"))   # default threshold: one streamed PUT each
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), env=agent_env)
    assert r.returncode == 0, r.stderr
    assert src_proxy.injected["flip"] == 2
    j = Journal(journal, None)
    assert j.evidence("crc32.bin")["proof"] == ["checksum-crc32"]
    assert j.evidence("layout.bin")["proof"] == ["multipart-etag"]
    assert contents(s3_dest, dst_bucket) == {"crc32.bin": with_sum, "layout.bin": layout}
    assert j.attempt_totals()["retried_objects"] == 2


def test_size_only_is_said_and_counted(tmp_path: Path, s3_dest: SeaweedS3, dst_bucket: str,
                                       agent_env: dict[str, str]) -> None:
    """A local folder publishes no digest: its objects are verified by size (and the destination's ETag
    against the bytes sent), and the evidence and the summary say so."""
    folder = tmp_path / "src"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.txt").write_bytes(b"x" * (i + 1))
    task = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(folder)},
                      s3_side(s3_dest, dst_bucket, "env:DST"))
    journal = tmp_path / "j.sqlite"
    r = agent("run", str(task), "--journal", str(journal), "--json", env=agent_env)
    assert r.returncode == 0, r.stderr
    j = Journal(journal, None)
    assert j.verification() == {"size-only": 3}
    assert j.evidence("f0.txt")["verified"] == "size-only"
    assert '"verification": {"size-only": 3}' in r.stdout
    assert hashlib.md5(b"x").hexdigest() == j.evidence("f0.txt")["dest_etag"]
