"""The COS signer agrees with cos-python-sdk-v5's CosS3Auth, byte for byte, and the test COS gateway accepts it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import types
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import aiohttp
import pytest
import qcloud_cos.cos_auth
import requests
from conftest import APPID, COS_ID, COS_KEY, new_cos_bucket
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth
from qcloud_cos.cos_comm import dict_to_xml
from qcloud_cos.cos_exception import CosClientError
from servers.cos_gateway import CosGateway
from servers.seaweed import SeaweedS3
from yarl import URL

from wizard.storage import cossign
from wizard.storage.cossign import CosSigner, cos_path, cos_query

NOW = 1_795_430_000.0
SID, SKEY, REGION = "test-cos-secret-id-0001", "cos/secret+key==0001", "ap-guangzhou"
BUCKET = f"photos-{APPID}"
UPLOAD_ID = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361/+=="
MD5 = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
KEY = "dir/大 文件+1%.bin"
ODD_KEYS = ["with space/a b.txt", "plus+sign.txt", "percent%20literal%.txt", "tilde~x", "quote'(paren)*!.txt",
            "中文/目录/文件.txt", "mixed +%20 中/x y", "../dot/./seg//x", "emoji-😀-é.bin", "?question#hash&amp=1"]
PARTS = {"Part": [{"PartNumber": 1, "ETag": '"a1b2"'}, {"PartNumber": 2, "ETag": '"c3d4"'}]}
# how the SDK is configured -> the Host it sends (with IP=) or the host name of its URL (otherwise)
CONFIGS = [
    pytest.param({"Region": REGION, "IP": "127.0.0.1", "Port": 9000, "Scheme": "http"},
                 f"{BUCKET}.cos.{REGION}.myqcloud.com", id="ip-port"),
    pytest.param({"Region": REGION}, f"{BUCKET}.cos.{REGION}.myqcloud.com", id="region"),
    pytest.param({"Region": REGION, "EnableOldDomain": False}, f"{BUCKET}.cos-internal.{REGION}.tencentcos.cn",
                 id="internal"),
    pytest.param({"Endpoint": "cos.accelerate.myqcloud.com"}, f"{BUCKET}.cos.accelerate.myqcloud.com",
                 id="accelerate"),
    pytest.param({"Domain": "files.example.com", "IP": "10.0.0.7", "Port": 80}, "files.example.com",
                 id="domain-ip"),
]
ADDED_BY_REQUESTS = {"user-agent", "accept", "accept-encoding", "connection", "authorization"}


class Captured(Exception):
    """Stops the SDK right where requests would send the request."""


class CaptureAdapter(requests.adapters.BaseAdapter):
    """Records the PreparedRequest (signed by CosS3Auth) instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        raise Captured("captured by the test")

    def close(self) -> None:
        pass


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """CosS3Auth reads the time with ``time.time()`` (``import time`` in qcloud_cos.cos_auth); so does CosSigner
    when it is given no ``now``. Both see the same frozen clock."""
    now = [NOW]
    frozen = types.SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(qcloud_cos.cos_auth, "time", frozen)
    monkeypatch.setattr(cossign, "time", frozen)
    yield now


def sdk_request(call: Callable[[CosS3Client], Any], config: dict[str, Any],
                secret_key: str = SKEY) -> requests.PreparedRequest:
    """The request CosS3Client builds, signs and would send for ``call``."""
    adapter = CaptureAdapter()
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    client = CosS3Client(CosConfig(SecretId=SID, SecretKey=secret_key, **config), retry=0, session=session)
    with pytest.raises(CosClientError, match="captured by the test"):
        call(client)
    [prepared] = adapter.requests
    return prepared


def sent_headers(method: str, host: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
    """What the connector sends: Host, the request's own headers, and Content-Length as aiohttp (and requests)
    send it: a body's length, 0 for a POST, PUT or DELETE without one, none for GET and HEAD."""
    out = {"Host": host, **headers}
    if body is not None:
        out["Content-Length"] = str(len(body))
    elif method in ("POST", "PUT", "DELETE"):
        out["Content-Length"] = "0"
    return out


def comparable(headers: Any) -> dict[str, str]:
    return {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in headers.items()
            if k.lower() not in ADDED_BY_REQUESTS}


CASES = [
    pytest.param(lambda c: c.get_object(Bucket=BUCKET, Key=KEY, Range="bytes=0-99"), "GET", KEY, {},
                 {"Range": "bytes=0-99"}, None, id="get-range"),
    pytest.param(lambda c: c.get_object(Bucket=BUCKET, Key=KEY, IfMatch='"5d41402abc4b2a76"',
                                        IfModifiedSince="Sun, 01 Mar 2026 10:00:00 GMT"), "GET", KEY, {},
                 {"If-Match": '"5d41402abc4b2a76"', "If-Modified-Since": "Sun, 01 Mar 2026 10:00:00 GMT"}, None,
                 id="get-conditional"),
    pytest.param(lambda c: c.get_object(Bucket=BUCKET, Key=KEY,
                                        ResponseContentDisposition='attachment; filename="中 文.txt"'),
                 "GET", KEY, {"response-content-disposition": 'attachment; filename="中 文.txt"'}, {}, None,
                 id="get-response-header"),
    pytest.param(lambda c: c.put_object(Bucket=BUCKET, Key=KEY, Body=b"hello", ContentType="text/plain; charset=utf-8",
                                        ContentMD5=MD5, StorageClass="STANDARD_IA", CacheControl="no-cache",
                                        Metadata={"x-cos-meta-Owner": "ops  team ", "x-cos-meta-colour": "blue/é"}),
                 "PUT", KEY, {},
                 {"Content-Type": "text/plain; charset=utf-8", "Content-MD5": MD5, "x-cos-storage-class":
                  "STANDARD_IA", "Cache-Control": "no-cache", "x-cos-meta-Owner": "ops  team ",
                  "x-cos-meta-colour": "blue/é"}, b"hello", id="put"),
    pytest.param(lambda c: c.put_object(Bucket=BUCKET, Key=KEY, Body=b"", ContentLanguage="zh-CN"), "PUT", KEY, {},
                 {"Content-Language": "zh-CN"}, b"", id="put-empty-unsigned-header"),
    pytest.param(lambda c: c.head_object(Bucket=BUCKET, Key=KEY), "HEAD", KEY, {}, {}, None, id="head"),
    pytest.param(lambda c: c.delete_object(Bucket=BUCKET, Key=KEY), "DELETE", KEY, {}, {}, None, id="delete"),
    pytest.param(lambda c: c.list_objects(Bucket=BUCKET, Prefix="a b+c/中", Delimiter="/", Marker="中~x/+=%",
                                          MaxKeys=7, EncodingType="url"), "GET", None,
                 {"prefix": "a b+c/中", "delimiter": "/", "marker": "中~x/+=%", "max-keys": "7",
                  "encoding-type": "url"}, {}, None, id="list"),
    pytest.param(lambda c: c.list_objects(Bucket=BUCKET), "GET", None,
                 {"prefix": "", "delimiter": "", "marker": "", "max-keys": "1000", "encoding-type": "url"}, {}, None,
                 id="list-first"),
    pytest.param(lambda c: c.create_multipart_upload(Bucket=BUCKET, Key=KEY, ContentType="video/mp4",
                                                     StorageClass="ARCHIVE",
                                                     Metadata={"x-cos-meta-source": "wizard"}),
                 "POST", KEY, {"uploads": ""},
                 {"Content-Type": "video/mp4", "x-cos-storage-class": "ARCHIVE", "x-cos-meta-source": "wizard"},
                 None, id="initiate-multipart"),
    pytest.param(lambda c: c.upload_part(Bucket=BUCKET, Key=KEY, Body=b"part", PartNumber=3, UploadId=UPLOAD_ID),
                 "PUT", KEY, {"partNumber": "3", "uploadId": UPLOAD_ID}, {}, b"part", id="upload-part"),
    pytest.param(lambda c: c.upload_part(Bucket=BUCKET, Key=KEY, Body=b"hello", PartNumber=10000,
                                         UploadId=UPLOAD_ID, EnableMD5=True),
                 "PUT", KEY, {"partNumber": "10000", "uploadId": UPLOAD_ID}, {"Content-MD5": MD5}, b"hello",
                 id="upload-part-md5"),
    pytest.param(lambda c: c.complete_multipart_upload(Bucket=BUCKET, Key=KEY, UploadId=UPLOAD_ID,
                                                       MultipartUpload=PARTS),
                 "POST", KEY, {"uploadId": UPLOAD_ID}, {}, dict_to_xml(PARTS), id="complete"),
    pytest.param(lambda c: c.abort_multipart_upload(Bucket=BUCKET, Key=KEY, UploadId=UPLOAD_ID), "DELETE", KEY,
                 {"uploadId": UPLOAD_ID}, {}, None, id="abort"),
    pytest.param(lambda c: c.list_parts(Bucket=BUCKET, Key=KEY, UploadId=UPLOAD_ID, MaxParts=50,
                                        PartNumberMarker=2), "GET", KEY,
                 {"uploadId": UPLOAD_ID, "part-number-marker": "2", "max-parts": "50", "encoding-type": "url"}, {},
                 None, id="list-parts"),
    pytest.param(lambda c: c.list_multipart_uploads(Bucket=BUCKET, Prefix="dir/", KeyMarker="a b",
                                                    UploadIdMarker=UPLOAD_ID, MaxUploads=10), "GET", None,
                 {"uploads": "", "prefix": "dir/", "delimiter": "", "key-marker": "a b",
                  "upload-id-marker": UPLOAD_ID, "max-uploads": "10", "encoding-type": "url"}, {}, None,
                 id="list-uploads"),
    *(pytest.param(lambda c, k=k: c.put_object(Bucket=BUCKET, Key=k, Body=b"x", ContentType="text/plain",
                                               Metadata={"x-cos-meta-k": k}),
                   "PUT", k, {}, {"Content-Type": "text/plain", "x-cos-meta-k": k}, b"x", id=f"odd-put-{i}")
      for i, k in enumerate(ODD_KEYS)),
    *(pytest.param(lambda c, k=k: c.get_object(Bucket=BUCKET, Key=k), "GET", k, {}, {}, None, id=f"odd-get-{i}")
      for i, k in enumerate(ODD_KEYS)),
    *(pytest.param(lambda c, k=k: c.delete_object(Bucket=BUCKET, Key=k), "DELETE", k, {}, {}, None,
                   id=f"odd-delete-{i}") for i, k in enumerate(ODD_KEYS)),
]


@pytest.mark.parametrize(("config", "host"), CONFIGS)
@pytest.mark.parametrize(("call", "method", "key", "params", "headers", "body"), CASES)
def test_matches_the_sdk(call: Callable[[CosS3Client], Any], method: str, key: str | None, params: dict[str, str],
                         headers: dict[str, str], body: bytes | None, config: dict[str, Any], host: str,
                         clock: list[float]) -> None:
    prepared = sdk_request(call, config)
    ours = sent_headers(method, host, headers, body)
    # the case describes exactly the request CosS3Client builds, Host aside when the SDK leaves it to http.client
    url = urlsplit(prepared.url or "")
    expected = comparable(ours) if "IP" in config else {k: v for k, v in comparable(ours).items() if k != "host"}
    assert (prepared.method, comparable(prepared.headers)) == (method, expected)
    assert url.hostname == config.get("IP", host)
    assert (prepared.body or None) == (body or None)

    signer = CosSigner(SID, SKEY)
    assert signer.sign(method, "/" + (key or ""), dict(params), ours, now=NOW)["Authorization"] == \
        prepared.headers["Authorization"]
    assert "q-sign-time=1795429940;1795440000&q-key-time=1795429940;1795440000&" in ours["Authorization"]

    # the URL: the SDK's path, and a query that says what was signed, in the SDK's order
    assert cos_path(key) == url.path
    assert parse_qsl(cos_query(params), keep_blank_values=True) == \
        parse_qsl(url.query, keep_blank_values=True) == list(params.items())


def sdk_auth(method: str, key: str | None, params: dict[str, str], headers: dict[str, str],
             expire: int = 10000) -> str:
    """CosS3Auth on a plain prepared request, for what CosS3Client never sends (odd header names, other expiries)."""
    conf = CosConfig(Region=REGION, SecretId=SID, SecretKey=SKEY)
    url = f"https://{BUCKET}.cos.{REGION}.myqcloud.com{cos_path(key)}"
    prepared = requests.Request(method, url, headers=headers, params=params).prepare()
    return CosS3Auth(conf, key, params, expire)(prepared).headers["Authorization"]


def test_header_and_parameter_names(clock: list[float]) -> None:
    """Names are matched case-insensitively and lower-cased after %-encoding, values keep upper-case escapes."""
    headers = {"HOST": f"{BUCKET}.cos.{REGION}.myqcloud.com", "X-COS-META-Ünï Côdé": "Wert mit Ümlaut",
               "x-ci-thing": "a&b=c", "X-Cos-Security-Token": "tok/+=", "Origin": "https://example.com",
               "User-Agent": "wizard/1.0", "Accept-Encoding": "identity", "Content-Language": "en",
               "x-amz-meta-foreign": "not signed", "Pic-Operations": '{"rules": []}', "Expect": "100-continue"}
    params = {"Mixed-Case": "V a/l", "中文参数": "值", "versionId": "MTg0NDUxNTc1NjIzMTQ1MDAwODg"}
    ours = CosSigner(SID, SKEY).sign("GET", "/" + KEY, dict(params), dict(headers), now=NOW)["Authorization"]
    assert ours == sdk_auth("GET", KEY, params, headers)
    assert "q-header-list=expect;host;origin;pic-operations;x-ci-thing;x-cos-meta-%c3%9cn%c3%af%20c%c3%b4d%c3%a9;" \
           "x-cos-security-token&" in ours
    assert "q-url-param-list=%e4%b8%ad%e6%96%87%e5%8f%82%e6%95%b0;mixed-case;versionid&" in ours


def test_time_window_and_cached_key(clock: list[float]) -> None:
    """The key window moves with every second (the cached signing key with it); other expiries; retries re-sign."""
    signer = CosSigner(SID, SKEY)
    short = CosSigner(SID, SKEY, expires=600)
    headers = {"Host": f"{BUCKET}.cos.{REGION}.myqcloud.com", "Content-Length": "5", "Content-Type": "text/plain"}
    for now in (NOW, NOW + 0.25, NOW + 0.999, NOW + 1, NOW + 1.5, NOW + 86_400, NOW - 3600):
        clock[0] = now
        sent = dict(headers)
        assert signer.sign("PUT", "/" + KEY, {}, sent)["Authorization"] == sdk_auth("PUT", KEY, {}, headers)
        start = int(now)
        assert f"q-key-time={start - 60};{start + 10000}&" in sent["Authorization"]
        assert signer.sign("PUT", "/" + KEY, {}, sent)["Authorization"] == sdk_auth("PUT", KEY, {}, headers)
        assert short.sign("PUT", "/" + KEY, {}, dict(headers), now=now)["Authorization"] == \
            sdk_auth("PUT", KEY, {}, headers, expire=600)


def test_memos_stay_exact(clock: list[float]) -> None:
    """Past the memos' size (they are cleared, not trimmed) every value and name is still encoded afresh."""
    signer = CosSigner(SID, SKEY)
    for i in range(cossign._MEMO + 300):
        headers = {"Host": f"{BUCKET}.cos.{REGION}.myqcloud.com", "Content-Length": str(i),
                   f"x-cos-meta-n{i % 700}": f"v {i}/+", "Content-MD5": base64.b64encode(i.to_bytes(16)).decode()}
        params = {"partNumber": str(i % 10_000 + 1), f"p{i % 900}": "x y", "uploadId": UPLOAD_ID}
        if i % 97 == 0 or i > cossign._MEMO - 5:
            assert signer.sign("PUT", "/" + KEY, dict(params), dict(headers))["Authorization"] == \
                sdk_auth("PUT", KEY, params, headers)
        else:
            signer.sign("PUT", "/" + KEY, params, dict(headers))
    assert len(cossign._values) <= cossign._MEMO and len(cossign._names) <= cossign._MEMO


def test_path_and_query_encoding() -> None:
    assert cos_path(None) == "/"
    assert cos_path("a b/c+d%~'()*!中?#&=") == "/a%20b/c%2Bd%25~%27%28%29%2A%21%E4%B8%AD%3F%23%26%3D"
    assert cos_path("../x/./y/.z/..") == "/..%2Fx/.%2Fy/.z/.."
    assert cos_path("a//b") == "/a//b"
    assert cos_path("/lead") == "//lead"   # the SDK drops one leading "/"; we sign and send "/" + key
    with pytest.raises(ValueError, match="empty"):
        cos_path("")
    assert cos_query({}) == ""
    assert cos_query({"uploads": ""}) == "uploads="
    assert cos_query({"uploadId": "a/b+c=", "partNumber": "2"}) == "uploadId=a%2Fb%2Bc%3D&partNumber=2"
    assert cos_query({"prefix": "a b~*中"}) == "prefix=a%20b~%2A%E4%B8%AD"
    for text in ["", "plain", "a b+c/d%e~f'g(h)i*j!k", "中文 😀 é", "\x00\x7f\n"]:
        assert cos_query({"k": text}) == "k=" + quote(text, safe="-_.~")


def test_repr_hides_the_secret() -> None:
    signer = CosSigner("AKIDvisible", "topsecret")
    signer.sign("GET", "/k", {}, {"Host": "h"}, now=NOW)
    assert "topsecret" not in repr(signer) and "topsecret" not in str(signer)
    assert "AKIDvisible" in repr(signer)


# --- against the test COS gateway (it verifies COS signatures the way COS does), with aiohttp ---


class Client:
    """Sends as the connector does: to 127.0.0.1:PORT, the bucket's COS host name in Host."""

    def __init__(self, session: aiohttp.ClientSession, gateway: CosGateway, signer: CosSigner, bucket: str) -> None:
        self.session, self.endpoint, self.signer = session, gateway.endpoint, signer
        self.host = f"{bucket}.cos.{gateway.region}.myqcloud.com"

    async def send(self, method: str, key: str | None, params: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, Any, bytes]:
        params = params or {}
        sent = sent_headers(method, self.host, headers or {}, data)
        self.signer.sign(method, "/" + (key or ""), params, sent)
        query = cos_query(params)
        url = URL(self.endpoint + cos_path(key) + (f"?{query}" if query else ""), encoded=True)
        async with self.session.request(method, url, headers=sent, data=data) as resp:
            return resp.status, resp.headers, await resp.read()


def error_code(body: bytes) -> str:
    return ET.fromstring(body).findtext("Code") or ""


async def gateway_round_trip(gateway: CosGateway, bucket: str) -> None:
    key = "目录/文件 a+b%20~'()*!.txt"
    data = "héllo wörld".encode() * 100
    async with aiohttp.ClientSession(skip_auto_headers=("User-Agent", "Content-Type")) as session:
        ok = Client(session, gateway, CosSigner(COS_ID, COS_KEY), bucket)
        status, headers, body = await ok.send("PUT", key, headers={
            "Content-Type": "text/plain; charset=utf-8", "Content-MD5": base64.b64encode(hashlib.md5(data).digest())
            .decode(), "x-cos-meta-owner": "ops team", "x-cos-storage-class": "STANDARD_IA"}, data=data)
        assert status == 200, body
        status, headers, body = await ok.send("GET", key)
        assert (status, body) == (200, data)
        assert headers["x-cos-meta-owner"] == "ops team" and headers["x-cos-storage-class"] == "STANDARD_IA"
        status, _, body = await ok.send("GET", key, headers={"Range": "bytes=1-4", "If-Match": headers["ETag"]})
        assert (status, body) == (206, data[1:5])
        status, headers, _ = await ok.send("HEAD", key)
        assert (status, headers["Content-Length"]) == (200, str(len(data)))

        status, _, body = await ok.send("GET", None, {"prefix": "目录/", "delimiter": "", "marker": "",
                                                      "max-keys": "10", "encoding-type": "url"})
        assert status == 200, body
        assert [unquote(k.text or "") for k in ET.fromstring(body).iter("Key")] == [key]

        # multipart: the empty ``uploads`` parameter, an upload id in the query, a completion body
        big = "multi/大 文件+1%.bin"
        status, _, body = await ok.send("POST", big, {"uploads": ""}, {"Content-Type": "video/mp4"})
        assert status == 200, body
        upload_id = ET.fromstring(body).findtext("UploadId") or ""
        status, _, body = await ok.send("GET", None, {"uploads": "", "prefix": "multi/", "encoding-type": "url"})
        assert status == 200 and upload_id in body.decode()
        status, headers, body = await ok.send("PUT", big, {"partNumber": "1", "uploadId": upload_id}, data=data)
        assert status == 200, body
        etag = headers["ETag"]
        status, _, body = await ok.send("GET", big, {"uploadId": upload_id, "encoding-type": "url"})
        assert status == 200 and etag.strip('"') in body.decode()
        status, _, body = await ok.send("POST", big, {"uploadId": upload_id},
                                        data=dict_to_xml({"Part": [{"PartNumber": 1, "ETag": etag}]}))
        assert status == 200, body
        status, _, body = await ok.send("GET", big)
        assert (status, body) == (200, data)
        for name in (big, key):
            status, _, body = await ok.send("DELETE", name)
            assert status == 204, body

        bad = Client(session, gateway, CosSigner(COS_ID, "wrong-secret"), bucket)
        status, _, body = await bad.send("PUT", key, headers={"Content-Type": "text/plain"}, data=b"x")
        assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
        status, _, body = await bad.send("GET", None, {"prefix": "", "max-keys": "10"})
        assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
        status, _, body = await ok.send("GET", key)
        assert status == 404 and error_code(body) == "NoSuchKey"   # the refused PUT wrote nothing


def test_gateway_accepts_what_it_signs(cos_gateway: CosGateway, s3_dest: SeaweedS3) -> None:
    asyncio.run(gateway_round_trip(cos_gateway, new_cos_bucket(s3_dest, "cossign")))
