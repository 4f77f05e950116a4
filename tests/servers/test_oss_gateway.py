"""The OSS gateway, driven by the real oss2 SDK against a real SeaweedFS: the SDK must not notice it is not OSS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import oss2
import pytest
from conftest import new_bucket

from servers import oss_gateway
from servers.oss_gateway import OssGateway, crc64_ecma
from servers.seaweed import SeaweedS3

AK, SK = "test-oss-ak-0001", "oss-secret-VERYSECRET-0001"
ODD_KEYS = ["plain.txt", "with space.txt", "a+b.txt", "100%.txt", "中文/目录/文件.txt", "mixed +%20 中/x y.bin"]


@pytest.fixture(scope="module")
def gateway(s3_source: SeaweedS3) -> Iterator[OssGateway]:
    gw = OssGateway(s3_source, AK, SK).start()
    yield gw
    gw.stop()


@pytest.fixture(params=["v1", "v4"])
def auth(request: pytest.FixtureRequest) -> Any:
    return oss2.Auth(AK, SK) if request.param == "v1" else oss2.AuthV4(AK, SK)


@pytest.fixture
def bucket_name(s3_source: SeaweedS3) -> str:
    return new_bucket(s3_source, "oss")


def make_bucket(gateway: OssGateway, auth: Any, name: str) -> Any:
    return oss2.Bucket(auth, gateway.endpoint, name, region="cn-hangzhou")


def oss2_crc(data: bytes) -> int:
    crc = oss2.utils.Crc64(0)
    crc.update(data)
    return int(crc.crc)


def test_crc64_matches_oss2_with_and_without_crcmod(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = [b"", b"123456789", os.urandom(4097)]
    assert crc64_ecma(b"123456789") == 0x995DC9BBDF1939FA
    fast = [crc64_ecma(s) for s in samples]
    monkeypatch.setattr(oss_gateway, "_fast_crc", None)
    assert [crc64_ecma(s) for s in samples] == fast == [oss2_crc(s) for s in samples]
    assert crc64_ecma(samples[2][100:], crc64_ecma(samples[2][:100])) == fast[2]


def test_put_head_get_delete(gateway: OssGateway, auth: Any, bucket_name: str, s3_source: SeaweedS3) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    data = os.urandom(300_001)
    put = bucket.put_object("dir/obj.bin", data, headers={
        "Content-Type": "application/x-test", "x-oss-meta-colour": "blue", "x-oss-meta-Owner": "ops",
        "x-oss-storage-class": "IA"})
    assert put.crc == oss2_crc(data)
    assert put.etag == put.etag.upper() and len(put.etag) == 32

    head = bucket.head_object("dir/obj.bin")
    assert head.content_length == len(data)
    assert head.content_type == "application/x-test"
    assert head.etag == put.etag
    assert head.headers["x-oss-meta-colour"] == "blue" and head.headers["x-oss-meta-owner"] == "ops"
    assert head.headers["x-oss-storage-class"] == "IA"
    assert head.headers["x-oss-object-type"] == "Normal"
    assert head.server_crc == oss2_crc(data)
    assert head.last_modified > 1_600_000_000
    assert not [h for h in head.headers if "gw-" in h.lower()]  # the private storage-class key stays private
    meta = s3_source.client().head_object(Bucket=bucket_name, Key="dir/obj.bin")["Metadata"]
    assert meta == {"colour": "blue", "owner": "ops", "x-gw-storage-class": "IA"}

    whole = bucket.get_object("dir/obj.bin")
    assert whole.read() == data
    assert whole.client_crc == whole.server_crc == oss2_crc(data)
    assert whole.headers["x-oss-meta-colour"] == "blue"
    part = bucket.get_object("dir/obj.bin", byte_range=(10, 19))
    assert part.read() == data[10:20]
    assert part.status == 206 and part.content_range == f"bytes 10-19/{len(data)}"
    assert part.server_crc == oss2_crc(data)  # OSS reports the whole object's CRC on ranged reads too

    assert bucket.object_exists("dir/obj.bin")
    assert bucket.delete_object("dir/obj.bin").status == 204
    assert not bucket.object_exists("dir/obj.bin")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object("dir/obj.bin")
    with pytest.raises(oss2.exceptions.NotFound):
        bucket.head_object("dir/obj.bin")


def test_chunked_upload_body(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    chunks = [os.urandom(70_000) for _ in range(3)]
    put = bucket.put_object("chunked.bin", iter(chunks))  # no length: requests sends Transfer-Encoding: chunked
    assert put.crc == oss2_crc(b"".join(chunks))
    assert bucket.get_object("chunked.bin").read() == b"".join(chunks)


def test_empty_object_and_default_storage_class(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    assert bucket.put_object("empty", b"").crc == 0
    head = bucket.head_object("empty")
    assert head.content_length == 0 and head.server_crc == 0
    assert head.headers["x-oss-storage-class"] == "Standard"
    assert bucket.get_object("empty").read() == b""


def test_odd_keys_list_back_exactly(gateway: OssGateway, auth: Any, bucket_name: str, s3_source: SeaweedS3) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    for i, key in enumerate(ODD_KEYS):
        bucket.put_object(key, key.encode() * (i + 1), headers={"x-oss-storage-class": "Archive"} if i == 2 else {})
    upstream = {o["Key"] for o in s3_source.client().list_objects_v2(Bucket=bucket_name)["Contents"]}
    assert upstream == set(ODD_KEYS)

    listed = bucket.list_objects_v2(max_keys=1000)
    assert [o.key for o in listed.object_list] == sorted(ODD_KEYS)
    assert not listed.is_truncated
    by_key = {o.key: o for o in listed.object_list}
    assert by_key["a+b.txt"].storage_class == "Archive" and by_key["plain.txt"].storage_class == "Standard"
    assert all(o.type == "Normal" and o.etag == o.etag.upper() for o in listed.object_list)
    assert by_key["100%.txt"].size == len(b"100%.txt") * 4
    assert all(o.last_modified > 1_600_000_000 for o in listed.object_list)

    pages, token = [], ""
    while True:
        page = bucket.list_objects_v2(max_keys=2, continuation_token=token)
        pages.append([o.key for o in page.object_list])
        if not page.is_truncated:
            break
        token = page.next_continuation_token
    assert len(pages) == 3 and sum(pages, []) == sorted(ODD_KEYS)
    assert [o.key for o in oss2.ObjectIteratorV2(bucket, max_keys=4)] == sorted(ODD_KEYS)

    assert [o.key for o in bucket.list_objects_v2(prefix="中文/").object_list] == ["中文/目录/文件.txt"]
    assert [o.key for o in bucket.list_objects_v2(start_after="a+b.txt").object_list] == [
        k for k in sorted(ODD_KEYS) if k > "a+b.txt"]
    grouped = bucket.list_objects_v2(delimiter="/")
    assert grouped.prefix_list == ["mixed +%20 中/", "中文/"]
    for key in ODD_KEYS:
        assert bucket.get_object(key).read().startswith(key.encode())


def test_multipart_upload_with_metadata(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    key = "multi/大 文件+1%.bin"
    first, second = os.urandom(5 * 1024 * 1024), os.urandom(123_457)
    upload_id = bucket.init_multipart_upload(key, headers={
        "Content-Type": "video/mp4", "x-oss-meta-source": "gateway-test", "x-oss-storage-class": "IA"}).upload_id
    uploads = bucket.list_multipart_uploads().upload_list
    assert [(u.key, u.upload_id) for u in uploads] == [(key, upload_id)]

    parts = []
    for number, chunk in enumerate((first, second), start=1):
        result = bucket.upload_part(key, upload_id, number, chunk)
        assert result.crc == oss2_crc(chunk)
        parts.append(oss2.models.PartInfo(number, result.etag, size=len(chunk), part_crc=result.crc))
    listed = bucket.list_parts(key, upload_id)
    assert [(p.part_number, p.etag, p.size) for p in listed.parts] == [
        (p.part_number, p.etag, p.size) for p in parts]

    done = bucket.complete_multipart_upload(key, upload_id, parts)  # oss2 checks the combined CRC itself
    assert done.crc == oss2_crc(first + second)
    assert done.etag.endswith("-2") and done.etag == done.etag.upper()
    head = bucket.head_object(key)
    assert head.headers["x-oss-object-type"] == "Multipart"
    assert head.headers["x-oss-meta-source"] == "gateway-test"
    assert head.headers["x-oss-storage-class"] == "IA"
    assert head.content_type == "video/mp4" and head.content_length == len(first) + len(second)
    assert bucket.get_object(key).read() == first + second
    [listed_obj] = bucket.list_objects_v2(prefix="multi/").object_list
    assert (listed_obj.key, listed_obj.type, listed_obj.storage_class) == (key, "Multipart", "IA")
    assert bucket.list_multipart_uploads().upload_list == []


def test_abort_multipart_upload(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    upload_id = bucket.init_multipart_upload("gone.bin").upload_id
    bucket.upload_part("gone.bin", upload_id, 1, b"x" * 1024)
    assert bucket.abort_multipart_upload("gone.bin", upload_id).status == 204
    assert bucket.list_multipart_uploads().upload_list == []
    assert not bucket.object_exists("gone.bin")


def test_batch_delete(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    bucket = make_bucket(gateway, auth, bucket_name)
    for key in ODD_KEYS:
        bucket.put_object(key, b"x")
    result = bucket.batch_delete_objects(ODD_KEYS[:3])
    assert sorted(result.deleted_keys) == sorted(ODD_KEYS[:3])
    assert [o.key for o in bucket.list_objects_v2().object_list] == sorted(ODD_KEYS[3:])


def test_bucket_info_and_missing_bucket(gateway: OssGateway, auth: Any, bucket_name: str) -> None:
    info = make_bucket(gateway, auth, bucket_name).get_bucket_info()
    assert info.name == bucket_name and info.storage_class == "Standard"
    missing = make_bucket(gateway, auth, "no-such-bucket-0000")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        missing.get_bucket_info()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        missing.list_objects_v2()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        missing.put_object("k", b"v")


def test_wrong_secret_and_unknown_key_are_refused(gateway: OssGateway, bucket_name: str) -> None:
    for bad in (oss2.Auth(AK, "wrong-secret"), oss2.AuthV4(AK, "wrong-secret")):
        bucket = make_bucket(gateway, bad, bucket_name)
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
            bucket.put_object("k", b"v")
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
            bucket.get_bucket_info()
        with pytest.raises(oss2.exceptions.ServerError) as head_error:
            bucket.head_object("k")
        assert (head_error.value.status, head_error.value.code) == (403, "SignatureDoesNotMatch")
    with pytest.raises(oss2.exceptions.ServerError) as unknown:
        make_bucket(gateway, oss2.Auth("test-oss-nobody", SK), bucket_name).list_objects_v2()
    assert (unknown.value.status, unknown.value.code) == (403, "InvalidAccessKeyId")
    with pytest.raises(oss2.exceptions.AccessDenied):
        oss2.Bucket(oss2.AnonymousAuth(), gateway.endpoint, bucket_name).list_objects_v2()
    assert make_bucket(gateway, oss2.Auth(AK, SK), bucket_name).list_objects_v2().object_list == []


def test_corrupt_reads_are_caught_by_the_crc(gateway: OssGateway, bucket_name: str, tmp_path: Any) -> None:
    bucket = make_bucket(gateway, oss2.AuthV4(AK, SK), bucket_name)
    data = os.urandom(10_000)
    bucket.put_object("fragile", data)
    gateway.corrupt_reads["fragile"] = 1
    with pytest.raises(oss2.exceptions.InconsistentError):
        bucket.get_object_to_file("fragile", str(tmp_path / "out"))
    assert gateway.corrupt_reads["fragile"] == 0
    assert bucket.get_object("fragile").read() == data
