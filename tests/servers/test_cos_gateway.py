"""The COS gateway against the real cos-python-sdk-v5: every operation the migration tool needs, signatures, CRC64."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosClientError, CosServiceError

from servers.cos_gateway import CRC64, CosGateway
from servers.seaweed import SeaweedS3

SECRET_ID = "test-secret-id-0001"
SECRET_KEY = "gateway-secret-key-0001"
APPID = "1250000000"
ODD_KEYS = ["with space/a b.txt", "plus+sign.txt", "percent%20literal.txt", "中文/文件 名.txt", "mixed +%/ ~x.bin",
            "a/b/c~d.txt"]


@pytest.fixture(scope="session")
def gateway(s3_source: SeaweedS3) -> Iterator[CosGateway]:
    gw = CosGateway(s3_source, SECRET_ID, SECRET_KEY).start()
    yield gw
    gw.stop()


@pytest.fixture
def cos(gateway: CosGateway) -> CosS3Client:
    return CosS3Client(gateway.cos_config(), retry=1)


@pytest.fixture
def bucket(s3_source: SeaweedS3) -> str:
    name = f"cosgw-{uuid.uuid4().hex[:10]}-{APPID}"
    s3_source.client().create_bucket(Bucket=name)
    return name


def body_of(response: dict) -> bytes:
    return response["Body"].get_raw_stream().read()


def test_put_head_get_delete(cos: CosS3Client, bucket: str, s3_source: SeaweedS3) -> None:
    data = os.urandom(100_000)
    put = cos.put_object(Bucket=bucket, Key="dir/obj.bin", Body=data, ContentType="application/x-test",
                         Metadata={"x-cos-meta-color": "blue", "x-cos-meta-Owner-Name": "alice"},
                         StorageClass="STANDARD_IA")
    assert put["ETag"].strip('"') and put["x-cos-hash-crc64ecma"] == str(CRC64(data))

    head = cos.head_object(Bucket=bucket, Key="dir/obj.bin")
    assert head["ETag"] == put["ETag"]                      # spelled ETag: the SDK returns dict(headers)
    assert head["Content-Type"] == "application/x-test"
    assert head["Content-Length"] == str(len(data))
    assert head["x-cos-meta-color"] == "blue" and head["x-cos-meta-owner-name"] == "alice"
    assert head["x-cos-storage-class"] == "STANDARD_IA"
    assert not any("gw-storage" in k for k in head)
    assert head["x-cos-hash-crc64ecma"] == str(CRC64(data))
    assert "GMT" in head["Last-Modified"] and head["x-cos-request-id"]
    upstream = s3_source.client().head_object(Bucket=bucket, Key="dir/obj.bin")
    assert upstream["Metadata"]["color"] == "blue" and upstream["ContentLength"] == len(data)

    got = cos.get_object(Bucket=bucket, Key="dir/obj.bin")
    assert got["x-cos-hash-crc64ecma"] == str(CRC64(data)) and got["ETag"] == put["ETag"]
    assert body_of(got) == data
    part = cos.get_object(Bucket=bucket, Key="dir/obj.bin", Range="bytes=10-19")
    assert body_of(part) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert part["x-cos-hash-crc64ecma"] == str(CRC64(data))  # COS gives the whole object's CRC on a range

    cos.delete_object(Bucket=bucket, Key="dir/obj.bin")
    with pytest.raises(CosServiceError) as err:
        cos.head_object(Bucket=bucket, Key="dir/obj.bin")
    assert err.value.get_status_code() == 404
    with pytest.raises(CosServiceError) as err:
        cos.get_object(Bucket=bucket, Key="dir/obj.bin")
    assert err.value.get_error_code() == "NoSuchKey" and err.value.get_status_code() == 404


def test_put_streams_and_default_class(cos: CosS3Client, bucket: str) -> None:
    data = os.urandom(70_000)
    cos.put_object(Bucket=bucket, Key="file-like", Body=io.BytesIO(data))

    def chunks() -> Iterator[bytes]:       # no length known: requests sends Transfer-Encoding: chunked
        for i in range(0, len(data), 8192):
            yield data[i:i + 8192]

    put = cos.put_object(Bucket=bucket, Key="chunked", Body=chunks())
    assert put["x-cos-hash-crc64ecma"] == str(CRC64(data))
    for key in ("file-like", "chunked"):
        assert body_of(cos.get_object(Bucket=bucket, Key=key)) == data
        head = cos.head_object(Bucket=bucket, Key=key)
        assert head["x-cos-storage-class"] == "STANDARD" and head["Content-Length"] == str(len(data))
    empty = cos.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert empty["x-cos-hash-crc64ecma"] == "0"
    assert body_of(cos.get_object(Bucket=bucket, Key="empty")) == b""


def test_list_objects_odd_keys(cos: CosS3Client, bucket: str) -> None:
    for key in ODD_KEYS:
        extra = {"StorageClass": "ARCHIVE"} if key == "plus+sign.txt" else {}
        cos.put_object(Bucket=bucket, Key=key, Body=key.encode(), **extra)
    listed = cos.list_objects(Bucket=bucket)
    assert sorted(c["Key"] for c in listed["Contents"]) == sorted(ODD_KEYS)
    classes = {c["Key"]: c["StorageClass"] for c in listed["Contents"]}
    assert classes["plus+sign.txt"] == "ARCHIVE" and classes["中文/文件 名.txt"] == "STANDARD"
    first = listed["Contents"][0]
    assert first["LastModified"].endswith(".000Z") and first["ETag"].startswith('"') and int(first["Size"]) > 0

    raw = cos.list_objects(Bucket=bucket, EncodingType="url")
    assert raw["EncodingType"] == "url"
    assert sorted(unquote(c["Key"]) for c in raw["Contents"]) == sorted(ODD_KEYS)
    encoded = [c["Key"] for c in raw["Contents"]]
    assert "%E4%B8%AD%E6%96%87/%E6%96%87%E4%BB%B6%20%E5%90%8D.txt" in encoded and "plus%2Bsign.txt" in encoded
    assert "percent%2520literal.txt" in encoded

    assert [c["Key"] for c in cos.list_objects(Bucket=bucket, Prefix="中文/")["Contents"]] == ["中文/文件 名.txt"]
    nested = cos.list_objects(Bucket=bucket, Delimiter="/")
    assert sorted(p["Prefix"] for p in nested["CommonPrefixes"]) == ["a/", "mixed +%/", "with space/", "中文/"]
    after = cos.list_objects(Bucket=bucket, Marker="percent%20literal.txt")
    assert [c["Key"] for c in after["Contents"]] == sorted(k for k in ODD_KEYS if k > "percent%20literal.txt")

    seen, marker, pages = [], "", 0
    while True:
        page = cos.list_objects(Bucket=bucket, MaxKeys=2, Marker=marker)
        pages += 1
        seen += [c["Key"] for c in page.get("Contents", [])]
        if page["IsTruncated"] != "true":
            break
        marker = page["NextMarker"]
    assert seen == sorted(ODD_KEYS) and pages == 3

    for key in ODD_KEYS:
        assert body_of(cos.get_object(Bucket=bucket, Key=key)) == key.encode()
        cos.delete_object(Bucket=bucket, Key=key)
    assert cos.list_objects(Bucket=bucket).get("Contents", []) == []


def test_multipart_upload(cos: CosS3Client, bucket: str, s3_source: SeaweedS3) -> None:
    key = "multi/大 文件+1.bin"
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(123_457)]
    init = cos.create_multipart_upload(Bucket=bucket, Key=key, ContentType="video/mp4", StorageClass="STANDARD_IA",
                                       Metadata={"x-cos-meta-origin": "camera"})
    upload_id = init["UploadId"]
    assert init["Key"] == key and init["Bucket"] == bucket
    etags = []
    for number, data in enumerate(parts, 1):
        put = cos.upload_part(Bucket=bucket, Key=key, Body=data, PartNumber=number, UploadId=upload_id)
        assert put["x-cos-hash-crc64ecma"] == str(CRC64(data))
        etags.append({"PartNumber": number, "ETag": put["ETag"]})

    listed = cos.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert listed["Key"] == key and listed["StorageClass"] == "STANDARD_IA"
    assert [int(p["PartNumber"]) for p in listed["Part"]] == [1, 2]
    assert [p["ETag"] for p in listed["Part"]] == [e["ETag"] for e in etags]
    assert [int(p["Size"]) for p in listed["Part"]] == [len(p) for p in parts]
    uploads = cos.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in uploads["Upload"]] == [(key, upload_id)]

    done = cos.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                         MultipartUpload={"Part": etags})
    whole = b"".join(parts)
    assert done["ETag"] and done["Key"] == key and done["x-cos-hash-crc64ecma"] == str(CRC64(whole))
    head = cos.head_object(Bucket=bucket, Key=key)
    assert head["Content-Length"] == str(len(whole)) and head["Content-Type"] == "video/mp4"
    assert head["x-cos-meta-origin"] == "camera" and head["x-cos-storage-class"] == "STANDARD_IA"
    assert head["x-cos-hash-crc64ecma"] == str(CRC64(whole))
    assert s3_source.client().get_object(Bucket=bucket, Key=key)["Body"].read() == whole
    assert cos.list_multipart_uploads(Bucket=bucket).get("Upload", []) == []

    second = cos.create_multipart_upload(Bucket=bucket, Key="aborted")["UploadId"]
    cos.upload_part(Bucket=bucket, Key="aborted", Body=b"x" * 1000, PartNumber=1, UploadId=second)
    cos.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=second)
    assert cos.list_multipart_uploads(Bucket=bucket).get("Upload", []) == []
    assert [c["Key"] for c in cos.list_objects(Bucket=bucket)["Contents"]] == [key]


def test_high_level_upload_download_copy(cos: CosS3Client, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(11 * 1024 * 1024 + 4321)  # SeaweedFS wants 5 MiB parts (COS: 1 MiB), so PartSize=5
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    cos.upload_file(Bucket=bucket, Key="big/file.bin", LocalFilePath=str(src), PartSize=5, MAXThread=3)
    cos.upload_file(Bucket=bucket, Key="small.bin", LocalFilePath=str(src), PartSize=20)
    for key in ("big/file.bin", "small.bin"):
        dest = tmp_path / key.replace("/", "_")
        cos.download_file(Bucket=bucket, Key=key, DestFilePath=str(dest), PartSize=1, EnableCRC=True)
        assert dest.read_bytes() == data

    copied = cos.copy_object(Bucket=bucket, Key="copy of small", CopySource={
        "Bucket": bucket, "Key": "small.bin", "Region": "ap-guangzhou"})
    assert copied["ETag"] and copied["LastModified"].endswith("Z")
    assert body_of(cos.get_object(Bucket=bucket, Key="copy of small")) == data
    cos.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "small.bin",
                                                               "Region": "ap-guangzhou"},
                    CopyStatus="Replaced", ContentType="text/x-new", StorageClass="ARCHIVE",
                    Metadata={"x-cos-meta-new": "yes"})
    head = cos.head_object(Bucket=bucket, Key="replaced")
    assert head["Content-Type"] == "text/x-new" and head["x-cos-meta-new"] == "yes"
    assert head["x-cos-storage-class"] == "ARCHIVE" and head["x-cos-hash-crc64ecma"] == str(CRC64(data))


def test_crc_and_corruption_hook(cos: CosS3Client, gateway: CosGateway, bucket: str, tmp_path: Path) -> None:
    data = b"0123456789" * 10_000
    cos.put_object(Bucket=bucket, Key="c.bin", Body=data)
    assert str(CRC64(data)) == cos.head_object(Bucket=bucket, Key="c.bin")["x-cos-hash-crc64ecma"]
    gateway.corrupt_reads["c.bin"] = 1
    bad = cos.get_object(Bucket=bucket, Key="c.bin")
    bad_body = body_of(bad)
    assert len(bad_body) == len(data) and bad_body != data
    assert str(CRC64(bad_body)) != bad["x-cos-hash-crc64ecma"] == str(CRC64(data))
    assert body_of(cos.get_object(Bucket=bucket, Key="c.bin")) == data
    gateway.corrupt_reads["c.bin"] = 1
    with pytest.raises(CosClientError, match="crc"):
        cos.download_file(Bucket=bucket, Key="c.bin", DestFilePath=str(tmp_path / "c"), PartSize=0, EnableCRC=True)


def test_signature_checks(gateway: CosGateway, bucket: str) -> None:
    wrong = CosS3Client(gateway.cos_config(secret_key="not-the-secret"), retry=0)
    with pytest.raises(CosServiceError) as err:
        wrong.put_object(Bucket=bucket, Key="x", Body=b"x")
    assert err.value.get_error_code() == "SignatureDoesNotMatch" and err.value.get_status_code() == 403
    with pytest.raises(CosServiceError) as err:
        wrong.list_objects(Bucket=bucket)
    assert err.value.get_error_code() == "SignatureDoesNotMatch"

    with pytest.raises(CosServiceError) as err:   # a HEAD answer has no body: the code rides in x-cos-error-code
        wrong.head_object(Bucket=bucket, Key="x")
    assert err.value.get_error_code() == "SignatureDoesNotMatch"

    stranger = CosS3Client(gateway.cos_config(secret_id="AKIDunknown"), retry=0)
    with pytest.raises(CosServiceError) as err:
        stranger.list_objects(Bucket=bucket)
    assert err.value.get_error_code() == "InvalidAccessKeyId" and err.value.get_status_code() == 403

    cos = CosS3Client(gateway.cos_config(), retry=0)
    conf = cos.get_conf()
    host = conf.get_host(Bucket=bucket)
    expired = cos.get_auth(Method="GET", Bucket=bucket, Key="x", Expired=-120, Headers={"Host": host})
    answer = requests.get(f"{gateway.endpoint}/x", headers={"Host": host, "Authorization": expired}, timeout=10)
    assert answer.status_code == 403 and "<Code>AccessDenied</Code>" in answer.text
    tampered = cos.get_auth(Method="GET", Bucket=bucket, Key="y", Headers={"Host": host})
    answer = requests.get(f"{gateway.endpoint}/x", headers={"Host": host, "Authorization": tampered}, timeout=10)
    assert answer.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in answer.text
    good = cos.get_auth(Method="GET", Bucket=bucket, Key="x", Headers={"Host": host})
    answer = requests.get(f"{gateway.endpoint}/x", headers={"Host": host, "Authorization": good}, timeout=10)
    assert answer.status_code == 404 and "<Code>NoSuchKey</Code>" in answer.text
    answer = requests.get(f"{gateway.endpoint}/x", headers={"Host": host}, timeout=10)
    assert answer.status_code == 403 and "<Code>AccessDenied</Code>" in answer.text


def test_buckets(cos: CosS3Client, bucket: str) -> None:
    assert cos.head_bucket(Bucket=bucket)["x-cos-request-id"]
    missing = f"nosuch-{uuid.uuid4().hex[:8]}-{APPID}"
    with pytest.raises(CosServiceError) as err:
        cos.list_objects(Bucket=missing)
    assert err.value.get_error_code() == "NoSuchBucket" and err.value.get_status_code() == 404
    with pytest.raises(CosServiceError) as err:
        cos.put_object(Bucket=missing, Key="k", Body=b"k")
    assert err.value.get_error_code() == "NoSuchBucket"
    with pytest.raises(CosServiceError) as err:         # a HEAD has no body: the SDK itself names 404 NoSuchResource
        cos.head_bucket(Bucket=missing)
    assert err.value.get_status_code() == 404
