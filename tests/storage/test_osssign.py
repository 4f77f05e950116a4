"""The OSS V4 signer agrees with oss2.AuthV4, byte for byte, and the test OSS gateway accepts what it signs."""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import aiohttp
import oss2
import pytest
from conftest import OSS_ID, OSS_KEY, new_bucket
from servers.oss_gateway import OssGateway
from servers.seaweed import SeaweedS3
from yarl import URL

from wizard.storage.osssign import OssV4Signer, oss_path, oss_query

NOW = 1_795_430_000.0
AK, SK, REGION, BUCKET = "test-oss-key-id-0001", "oss/secret+key==0001", "cn-hangzhou", "my-bucket"
IP_ENDPOINT, HOSTED_ENDPOINT = "http://127.0.0.1:9000", "https://oss-cn-hangzhou.aliyuncs.com"
UPLOAD_ID = "0004B9894A22E5B1/888A1E29+F823=="
MD5 = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
ODD_KEYS = ["中文/目录/文件.txt", "a b/c~d'e(f)*!.bin", "100%+plus.txt", "mixed +%20 中/x y", "../dot/./seg//x",
            "emoji-😀-é.bin", "?question#hash&amp=1"]
ADDED_BY_OSS2 = {"accept-encoding", "user-agent", "x-oss-date", "x-oss-content-sha256", "authorization"}


class Captured(Exception):
    """Stops oss2 right where it would send the request."""


class CaptureSession(oss2.http.Session):
    """Records the signed ``oss2.http.Request`` instead of sending it."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def do_request(self, req: Any, timeout: Any) -> Any:
        self.requests.append(req)
        raise Captured


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """oss2.AuthV4 reads the time with ``datetime.utcnow()`` (``from datetime import datetime`` in oss2.auth)."""
    now = [NOW]

    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def, override]
            return datetime.datetime.fromtimestamp(now[0], datetime.UTC).replace(tzinfo=None)
    monkeypatch.setattr(oss2.auth, "datetime", Frozen)
    yield now


def oss2_request(call: Callable[[oss2.Bucket], Any], endpoint: str = IP_ENDPOINT) -> Any:
    session = CaptureSession()
    with pytest.raises(Captured):
        call(oss2.Bucket(oss2.AuthV4(AK, SK), endpoint, BUCKET, region=REGION, session=session))
    [req] = session.requests
    return req


def lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in ADDED_BY_OSS2}


KEY = "dir/大 文件+1%.bin"
CASES = [
    pytest.param(lambda b: b.get_object(KEY, byte_range=(0, 99)), "GET", KEY, {}, {"Range": "bytes=0-99"},
                 id="get-range"),
    pytest.param(lambda b: b.get_object(KEY, headers={"If-Match": '"5D41402ABC4B2A76"'}), "GET", KEY, {},
                 {"If-Match": '"5D41402ABC4B2A76"'}, id="get-if-match"),
    pytest.param(lambda b: b.put_object(KEY, b"hello", headers={
        "Content-Type": "application/x-test", "Content-MD5": MD5, "x-oss-meta-Owner": "ops  team ",
        "x-oss-meta-colour": "blue", "x-oss-storage-class": "IA"}), "PUT", KEY, {},
        {"Content-Type": "application/x-test", "Content-MD5": MD5, "x-oss-meta-Owner": "ops  team ",
         "x-oss-meta-colour": "blue", "x-oss-storage-class": "IA"}, id="put"),
    pytest.param(lambda b: b.head_object(KEY), "HEAD", KEY, {}, {}, id="head"),
    pytest.param(lambda b: b.delete_object(KEY), "DELETE", KEY, {}, {}, id="delete"),
    pytest.param(lambda b: b.list_objects_v2(prefix="a b+c/中", continuation_token="tok/+=%", start_after="中~x",
                                             max_keys=7), "GET", None,
                 {"list-type": "2", "prefix": "a b+c/中", "delimiter": "", "continuation-token": "tok/+=%",
                  "start-after": "中~x", "fetch-owner": "false", "max-keys": "7", "encoding-type": "url"},
                 {}, id="list-v2"),
    pytest.param(lambda b: b.list_objects_v2(delimiter="/", max_keys=1000), "GET", None,
                 {"list-type": "2", "prefix": "", "delimiter": "/", "continuation-token": "", "start-after": "",
                  "fetch-owner": "false", "max-keys": "1000", "encoding-type": "url"}, {}, id="list-v2-first"),
    pytest.param(lambda b: b.init_multipart_upload(KEY, headers={
        "Content-Type": "video/mp4", "x-oss-meta-source": "wizard", "x-oss-storage-class": "Archive"}),
        "POST", KEY, {"uploads": ""},
        {"Content-Type": "video/mp4", "x-oss-meta-source": "wizard", "x-oss-storage-class": "Archive"},
        id="init-multipart"),
    pytest.param(lambda b: b.upload_part(KEY, UPLOAD_ID, 3, b"part"), "PUT", KEY,
                 {"uploadId": UPLOAD_ID, "partNumber": "3"}, {}, id="upload-part"),
    pytest.param(lambda b: b.upload_part(KEY, UPLOAD_ID, 4, b"part", headers={"Content-MD5": MD5}), "PUT", KEY,
                 {"uploadId": UPLOAD_ID, "partNumber": "4"}, {"Content-MD5": MD5}, id="upload-part-md5"),
    pytest.param(lambda b: b.complete_multipart_upload(KEY, UPLOAD_ID, [oss2.models.PartInfo(1, '"A1"')], headers={
        "Content-Type": "application/xml"}), "POST", KEY, {"uploadId": UPLOAD_ID},
        {"Content-Type": "application/xml"}, id="complete"),
    pytest.param(lambda b: b.abort_multipart_upload(KEY, UPLOAD_ID), "DELETE", KEY, {"uploadId": UPLOAD_ID}, {},
                 id="abort"),
    pytest.param(lambda b: b.list_parts(KEY, UPLOAD_ID, marker="2", max_parts=50), "GET", KEY,
                 {"uploadId": UPLOAD_ID, "part-number-marker": "2", "max-parts": "50"}, {}, id="list-parts"),
    pytest.param(lambda b: b.list_multipart_uploads(prefix="dir/", key_marker="a b", upload_id_marker=UPLOAD_ID,
                                                    max_uploads=10), "GET", None,
                 {"uploads": "", "prefix": "dir/", "delimiter": "", "key-marker": "a b",
                  "upload-id-marker": UPLOAD_ID, "max-uploads": "10", "encoding-type": "url"}, {},
                 id="list-uploads"),
    *(pytest.param(lambda b, k=k: b.put_object(k, b"x", headers={"Content-Type": "text/plain",
                                                                 "x-oss-meta-k": "v"}),
                   "PUT", k, {}, {"Content-Type": "text/plain", "x-oss-meta-k": "v"}, id=f"odd-put-{i}")
      for i, k in enumerate(ODD_KEYS)),
    *(pytest.param(lambda b, k=k: b.head_object(k), "HEAD", k, {}, {}, id=f"odd-head-{i}")
      for i, k in enumerate(ODD_KEYS)),
]


@pytest.mark.parametrize(("endpoint", "path_style"), [(IP_ENDPOINT, True), (HOSTED_ENDPOINT, False)],
                         ids=["ip", "hosted"])
@pytest.mark.parametrize(("call", "method", "key", "params", "headers"), CASES)
def test_matches_oss2(call: Callable[[oss2.Bucket], Any], method: str, key: str | None, params: dict[str, str],
                      headers: dict[str, str], endpoint: str, path_style: bool, clock: list[float]) -> None:
    req = oss2_request(call, endpoint)
    # the case describes exactly the request oss2.Bucket builds
    assert (req.method, dict(req.params), lower(req.headers)) == (method, params, lower(headers))

    ours = OssV4Signer(AK, SK, REGION).sign(method, BUCKET, key, dict(params), dict(headers), now=NOW)
    assert ours["x-oss-date"] == req.headers["x-oss-date"] == "20261123T103320Z"
    assert ours["x-oss-content-sha256"] == req.headers["x-oss-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert ours["Authorization"] == req.headers["authorization"]

    # the URL: the same path as oss2's, and a query that says what was signed
    url = urlsplit(req.url)
    assert oss_path(BUCKET, key, path_style) == url.path
    assert url.query == ""  # oss2 hands the params to requests separately
    assert oss_query(params) == oss2.AuthV4(AK, SK)._ProviderAuthV4__get_canonical_query(req)
    assert sorted(parse_qsl(oss_query(params), keep_blank_values=True)) == sorted(params.items())


def test_signature_ignores_the_endpoint_and_follows_the_day(clock: list[float]) -> None:
    """Host is not signed; the cached signing key moves on at midnight; re-signing a used dict (a retry) works."""
    signer = OssV4Signer(AK, SK, REGION)
    headers = {"Content-Type": "text/plain", "x-oss-meta-a": "b"}
    for now in (NOW, NOW + 5, NOW + 86_400, NOW + 3 * 86_400):
        clock[0] = now
        for endpoint in (IP_ENDPOINT, HOSTED_ENDPOINT, "http://localhost:8080"):
            req = oss2_request(lambda b: b.put_object(KEY, b"", headers={"Content-Type": "text/plain",
                                                                         "x-oss-meta-a": "b"}), endpoint)
            assert signer.sign("PUT", BUCKET, KEY, {}, headers, now=now)["Authorization"] == req.headers[
                "authorization"]
    assert headers["x-oss-date"].startswith("20261126")


def test_path_and_query_encoding() -> None:
    assert oss_path("b", "a b/c+d%~'()*!中", True) == "/b/a%20b%2Fc%2Bd%25~%27%28%29%2A%21%E4%B8%AD"
    assert oss_path("b", "k", False) == "/k"
    assert oss_path("b", None, True) == "/b/" and oss_path("b", None, False) == "/"
    assert oss_query({}) == ""
    assert oss_query({"uploads": ""}) == "uploads"
    assert oss_query({"uploadId": "a/b+c=", "partNumber": "2"}) == "partNumber=2&uploadId=a%2Fb%2Bc%3D"
    assert oss_query({"prefix": "a b~*"}) == "prefix=a%20b~%2A"


def test_repr_hides_the_secret() -> None:
    signer = OssV4Signer("AK", "topsecret", "cn-hangzhou")
    assert "topsecret" not in repr(signer) and "topsecret" not in str(signer)
    assert "AK" in repr(signer) and "cn-hangzhou" in repr(signer)


def test_region_is_required() -> None:
    with pytest.raises(ValueError, match="region"):
        OssV4Signer("AK", "SK", "")


# --- against the test OSS gateway (it verifies V4 signatures the way OSS does), with aiohttp ---


class Client:
    def __init__(self, session: aiohttp.ClientSession, endpoint: str, signer: OssV4Signer, bucket: str) -> None:
        self.session, self.endpoint, self.signer, self.bucket = session, endpoint, signer, bucket

    async def send(self, method: str, key: str | None, params: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, data: bytes | None = None,
                   **kwargs: Any) -> tuple[int, Any, bytes]:
        params, headers = params or {}, dict(headers or {})
        self.signer.sign(method, self.bucket, key, params, headers)
        query = oss_query(params)
        url = URL(self.endpoint + oss_path(self.bucket, key, True) + (f"?{query}" if query else ""), encoded=True)
        async with self.session.request(method, url, headers=headers, data=data, **kwargs) as resp:
            return resp.status, resp.headers, await resp.read()


def error_code(body: bytes) -> str:
    return ET.fromstring(body).findtext("Code") or ""


async def gateway_round_trip(endpoint: str, bucket: str) -> None:
    key = "目录/文件 a+b%20~'()*!.txt"
    data = "héllo wörld".encode() * 100
    async with aiohttp.ClientSession() as session:
        ok = Client(session, endpoint, OssV4Signer(OSS_ID, OSS_KEY, "cn-hangzhou"), bucket)
        status, _, body = await ok.send("PUT", key, headers={
            "Content-Type": "text/plain; charset=utf-8", "Content-MD5": base64.b64encode(hashlib.md5(data).digest())
            .decode(), "x-oss-meta-owner": "ops", "x-oss-storage-class": "IA"}, data=data)
        assert status == 200, body
        status, headers, body = await ok.send("GET", key)
        assert (status, body) == (200, data)
        assert headers["x-oss-meta-owner"] == "ops" and headers["x-oss-storage-class"] == "IA"
        status, _, body = await ok.send("GET", key, headers={"Range": "bytes=1-4"})
        assert (status, body) == (206, data[1:5])
        status, headers, _ = await ok.send("HEAD", key)
        assert (status, headers["Content-Length"]) == (200, str(len(data)))

        status, _, body = await ok.send("GET", None, {"list-type": "2", "prefix": "目录/", "delimiter": "",
                                                      "max-keys": "10", "encoding-type": "url"})
        assert status == 200, body
        assert [unquote(k.text or "") for k in ET.fromstring(body).iter("Key")] == [key]

        # multipart: the bare ``uploads`` parameter and an upload id in the query
        big = "multi/大 文件+1%.bin"
        status, _, body = await ok.send("POST", big, {"uploads": ""}, {"Content-Type": "video/mp4"})
        assert status == 200, body
        upload_id = ET.fromstring(body).findtext("UploadId") or ""
        status, _, body = await ok.send("GET", None, {"uploads": ""})
        assert status == 200 and upload_id in body.decode()
        status, headers, body = await ok.send("PUT", big, {"partNumber": "1", "uploadId": upload_id},
                                              {"Content-Type": "application/octet-stream"}, data=data)
        assert status == 200, body
        etag = headers["ETag"]
        status, _, body = await ok.send("GET", big, {"uploadId": upload_id})
        assert status == 200 and etag.strip('"') in body.decode()
        complete = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
                    "</CompleteMultipartUpload>").encode()
        status, _, body = await ok.send("POST", big, {"uploadId": upload_id}, {"Content-Type": "application/xml"},
                                        data=complete)
        assert status == 200, body
        status, _, body = await ok.send("GET", big)
        assert (status, body) == (200, data)
        status, _, _ = await ok.send("DELETE", big)
        assert status == 204

        # aiohttp adds Content-Type to a bytes body after signing: unsigned, and OSS signs Content-Type
        status, _, body = await ok.send("PUT", "auto-type", data=b"x")
        assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
        status, _, body = await ok.send("PUT", "auto-type", data=b"x", skip_auto_headers=("Content-Type",))
        assert status == 200, body

        bad = Client(session, endpoint, OssV4Signer(OSS_ID, "wrong-secret", "cn-hangzhou"), bucket)
        for method, params in (("GET", {}), ("PUT", {})):
            status, _, body = await bad.send(method, key, params, {"Content-Type": "text/plain"},
                                             data=b"x" if method == "PUT" else None)
            assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
        status, _, body = await bad.send("GET", None, {"list-type": "2"})
        assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
        status, _, body = await ok.send("GET", key)
        assert (status, body) == (200, data)  # the refused PUT changed nothing


def test_gateway_accepts_what_it_signs(oss_gateway: OssGateway, s3_source: SeaweedS3) -> None:
    before = oss_gateway.signatures["v4"]
    asyncio.run(gateway_round_trip(oss_gateway.endpoint, new_bucket(s3_source, "osssign")))
    assert oss_gateway.signatures["v4"] - before >= 14
