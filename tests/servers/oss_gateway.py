"""A test-only gateway that emulates the server side of Alibaba Cloud OSS, in front of a real S3 server (SeaweedFS).

The real ``oss2`` SDK talks to it as if it were OSS: every request's OSS signature is verified (V1 ``OSS ak:sig``
HMAC-SHA1 and V4 ``OSS4-HMAC-SHA256``) against the configured AccessKey, then translated to S3 and re-signed with
SigV4 for the upstream. On the way back it rewrites what differs between the two protocols: ``x-amz-*`` headers
become ``x-oss-*``, XML namespaces are dropped, ETags are upper case, dates carry ``.000Z``, listings get
``<Type>`` and ``<StorageClass>`` and honour ``encoding-type=url``, and ``x-oss-hash-crc64ecma`` (CRC-64/XZ, the
ECMA-182 polynomial) is computed from the stored bytes. The storage class lives upstream in a private user
metadata key that is never shown to the client. ``corrupt_reads[key] = n`` flips one byte in the next n GET bodies.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote

import aiohttp
import yarl
from aiohttp import web
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from servers.loopserver import LoopServer

STORAGE_META = "x-gw-storage-class"          # upstream: x-amz-meta-x-gw-storage-class
MASK64 = 0xFFFFFFFFFFFFFFFF
_REFLECTED_POLY = 0xC96C5795D7870F42         # 0x42F0E1EBA9EA3693 bit-reversed


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ _REFLECTED_POLY if value & 1 else value >> 1
        table.append(value)
    return table


_TABLE = _crc_table()
try:  # the C implementation when oss2's dependency is around; the table loop below gives the same numbers
    import crcmod  # type: ignore[import-untyped]

    _fast_crc = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, rev=True, xorOut=MASK64)
except ImportError:  # pragma: no cover
    _fast_crc = None


def crc64_ecma(data: bytes, crc: int = 0) -> int:
    """CRC-64/XZ as OSS reports it (init and xorout all ones, reflected); ``crc`` continues a previous value."""
    if _fast_crc is not None:
        return int(_fast_crc(data, crc))
    value, table = crc ^ MASK64, _TABLE
    for byte in data:
        value = table[(value ^ byte) & 0xFF] ^ (value >> 8)
    return value ^ MASK64


# Query parameters that take part in a V1 signature (the "subresources" of OSS's CanonicalizedResource).
V1_SUBRESOURCES = frozenset({
    "acl", "uploads", "uploadId", "partNumber", "delete", "location", "bucketInfo", "stat", "continuation-token",
    "versionId", "versions", "tagging", "symlink", "restore", "append", "position", "security-token",
    "x-oss-process", "objectMeta", "lifecycle", "cors", "referer", "logging", "website", "encryption", "versioning",
    "policy", "response-content-type", "response-content-language", "response-cache-control",
    "response-content-encoding", "response-content-disposition", "response-expires"})
PASS_REQUEST = {"content-type", "content-md5", "content-disposition", "content-encoding", "cache-control",
                "expires", "content-language", "range", "if-match", "if-none-match", "if-modified-since",
                "if-unmodified-since"}
PASS_RESPONSE = {"content-type": "Content-Type", "content-range": "Content-Range", "last-modified": "Last-Modified",
                 "accept-ranges": "Accept-Ranges", "cache-control": "Cache-Control", "expires": "Expires",
                 "content-disposition": "Content-Disposition", "content-encoding": "Content-Encoding",
                 "content-language": "Content-Language"}
URL_ENCODED_TAGS = {"Key", "Prefix", "Delimiter", "Marker", "NextMarker", "StartAfter", "ContinuationToken",
                    "NextContinuationToken", "KeyMarker", "NextKeyMarker"}
DATE_TAGS = {"LastModified", "Initiated", "CreationDate"}
MISMATCH = "The request signature we calculated does not match the signature you provided."


class Upstream(Protocol):
    endpoint: str
    access_key: str
    secret_key: str


class AuthError(Exception):
    def __init__(self, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _iso(text: str) -> str:
    """OSS dates in XML always look like 2024-01-02T03:04:05.000Z (oss2's parser insists on it)."""
    return text[:19] + ".000Z" if len(text) >= 19 else text


def _rewrite(elem: ET.Element, url_encode: bool) -> ET.Element:
    """A namespace-free copy of an S3 XML tree with OSS conventions applied to the leaves."""
    out = ET.Element(_local(elem.tag))
    for child in elem:
        if _local(child.tag) != "EncodingType":
            out.append(_rewrite(child, url_encode))
    if len(elem) == 0 and elem.text is not None:
        text, tag = elem.text, out.tag
        if tag == "ETag":
            text = text.upper()
        elif tag in DATE_TAGS:
            text = _iso(text)
        elif url_encode and tag in URL_ENCODED_TAGS:
            text = quote(text, safe="")
        out.text = text
    return out


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = text
    return node


def _xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode()


def _s3_error(body: bytes) -> tuple[str, str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "", ""
    found = {_local(c.tag): c.text or "" for c in root}
    return (found.get("Code", ""), found.get("Message", "")) if _local(root.tag) == "Error" else ("", "")


class OssGateway(LoopServer):
    """OSS in front of an S3 server; runs in a thread with its own event loop; ``endpoint`` is http://127.0.0.1:PORT."""

    def __init__(self, upstream: Upstream, access_key_id: str, access_key_secret: str) -> None:
        super().__init__()
        self.upstream = upstream.endpoint.rstrip("/")
        self._creds = Credentials(upstream.access_key, upstream.secret_key)
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.corrupt_reads: dict[str, int] = {}
        self.signatures: Counter[str] = Counter()        # "v1" / "v4" -> requests verified
        self._crc_cache: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    def _verify(self, request: web.Request, bucket: str, key: str, params: list[tuple[str, str]]) -> None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("OSS4-HMAC-SHA256 "):
            self._verify_v4(request, bucket, key, params, auth)
            self.signatures["v4"] += 1
        elif auth.startswith("OSS "):
            self._verify_v1(request, bucket, key, params, auth)
            self.signatures["v1"] += 1
        else:
            raise AuthError("AccessDenied", "Anonymous access is forbidden for this operation.")

    def _check_key(self, access_key_id: str) -> None:
        if access_key_id != self.access_key_id:
            raise AuthError("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                            OSSAccessKeyId=access_key_id)

    def _verify_v1(self, request: web.Request, bucket: str, key: str, params: list[tuple[str, str]],
                   auth: str) -> None:
        access_key_id, _, provided = auth[4:].strip().rpartition(":")
        self._check_key(access_key_id)
        headers = request.headers
        oss_headers = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-oss-"))
        resource = f"/{bucket}/{key}" if bucket else "/"
        sub = sorted((k, v) for k, v in params if k in V1_SUBRESOURCES)
        if sub:
            resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in sub)
        date = headers.get("x-oss-date") or headers.get("Date", "")
        to_sign = "\n".join([request.method, headers.get("Content-MD5", ""), headers.get("Content-Type", ""), date,
                             "".join(f"{k}:{v}\n" for k, v in oss_headers) + resource])
        digest = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), provided):
            raise AuthError("SignatureDoesNotMatch", MISMATCH, OSSAccessKeyId=access_key_id,
                            SignatureProvided=provided, StringToSign=to_sign)

    def _verify_v4(self, request: web.Request, bucket: str, key: str, params: list[tuple[str, str]],
                   auth: str) -> None:
        fields = dict(part.strip().split("=", 1) for part in auth.split(" ", 1)[1].split(",") if "=" in part)
        try:
            access_key_id, day, region, product, terminator = fields["Credential"].split("/")
            provided = fields["Signature"]
        except (KeyError, ValueError) as exc:
            raise AuthError("InvalidArgument", "Authorization header is malformed.") from exc
        self._check_key(access_key_id)
        additional = sorted(h.lower() for h in fields.get("AdditionalHeaders", "").split(";") if h)
        headers = request.headers
        signed = sorted((k.lower(), v) for k, v in headers.items()
                        if k.lower().startswith("x-oss-") or k.lower() in ("content-type", "content-md5")
                        or k.lower() in additional)
        query = sorted((quote(k, safe=""), quote(v, safe="")) for k, v in params)
        canonical = "\n".join([
            request.method,
            quote(f"/{bucket}/{key}" if bucket else "/", safe="/"),
            "&".join(f"{k}={v}" if v else k for k, v in query),
            "".join(f"{k}:{v}\n" for k, v in signed),
            ";".join(additional),
            headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ])
        stamp = headers.get("x-oss-date", "")
        scope = f"{day}/{region}/{product}/{terminator}"
        to_sign = "\n".join(["OSS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signing = ("aliyun_v4" + self.access_key_secret).encode()
        for part in (day, region, product, "aliyun_v4_request"):
            signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
        if terminator != "aliyun_v4_request" or stamp[:8] != day or not hmac.compare_digest(expected, provided):
            raise AuthError("SignatureDoesNotMatch", MISMATCH, OSSAccessKeyId=access_key_id,
                            SignatureProvided=provided, StringToSign=to_sign, CanonicalRequest=canonical)

    @staticmethod
    def _reply(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> web.Response:
        out = web.Response(status=status, body=body)
        out.headers["Server"] = "AliyunOSS"
        out.headers["Date"] = formatdate(usegmt=True)
        out.headers["x-oss-request-id"] = uuid.uuid4().hex[:24].upper()
        if body:
            out.headers["Content-Type"] = "application/xml"
        out.headers.update(headers or {})
        return out

    def _error(self, method: str, status: int, code: str, message: str, **extra: str) -> web.Response:
        root = ET.Element("Error")
        for tag, text in [("Code", code), ("Message", message), ("RequestId", uuid.uuid4().hex[:24].upper()),
                          ("HostId", f"127.0.0.1:{self.port}"), *extra.items()]:
            _child(root, tag, text)
        body = _xml(root)
        if method == "HEAD":  # no body on HEAD: OSS puts the error document, base64, in a header
            return self._reply(status, {"x-oss-err": base64.b64encode(body).decode()})
        return self._reply(status, body=body)

    def _upstream_error(self, method: str, status: int, body: bytes, object_level: bool) -> web.Response:
        if status == 304:
            return self._reply(304)
        code, message = _s3_error(body)
        if not code:
            code = {404: "NoSuchKey" if object_level else "NoSuchBucket", 403: "AccessDenied",
                    412: "PreconditionFailed", 416: "InvalidRange"}.get(status, "InternalError")
        return self._error(method, status, code, message or code)

    @staticmethod
    def _object_headers(up: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        storage = "Standard"
        for name, value in up.items():
            lower = name.lower()
            if lower in PASS_RESPONSE:
                out[PASS_RESPONSE[lower]] = value
            elif lower == "etag":
                out["ETag"] = value.upper()
            elif lower == "x-amz-meta-" + STORAGE_META:
                storage = value
            elif lower.startswith("x-amz-meta-"):
                out["x-oss-meta-" + lower[len("x-amz-meta-"):]] = value
        out["x-oss-storage-class"] = storage
        out["x-oss-object-type"] = "Multipart" if "-" in out.get("ETag", "") else "Normal"
        return out

    async def _up(self, method: str, bucket: str, key: str = "", query: Iterable[tuple[str, str]] = (),
                  headers: dict[str, str] | None = None, body: bytes = b"") -> tuple[int, Any, bytes]:
        path = "/" + quote(bucket, safe="") + ("/" + quote(key, safe="/") if key else "")
        qs = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        url = self.upstream + path + ("?" + qs if qs else "")
        signed = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        S3SigV4Auth(self._creds, "s3", "us-east-1").add_auth(signed)
        send = dict(signed.headers.items())
        send["Accept-Encoding"] = "identity"
        data = body if body or method in ("PUT", "POST") else None
        async with self._session.request(method, yarl.URL(url, encoded=True), headers=send, data=data,
                                         allow_redirects=False) as resp:
            return resp.status, resp.headers, await resp.read()

    async def _crc_of(self, bucket: str, key: str, up_headers: Any, body: bytes | None = None) -> int | None:
        """CRC of the stored object (``body`` when the caller holds all of it), read back once per version."""
        ident = (bucket, key, up_headers.get("ETag", ""), up_headers.get("Last-Modified", ""))
        with self._lock:
            if ident in self._crc_cache:
                return self._crc_cache[ident]
        if body is None:
            status, up_headers, body = await self._up("GET", bucket, key)
            if status != 200:
                return None
            ident = (bucket, key, up_headers.get("ETag", ""), up_headers.get("Last-Modified", ""))
        crc = crc64_ecma(body)
        with self._lock:
            self._crc_cache[ident] = crc
        return crc

    @staticmethod
    def _to_s3_headers(headers: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in PASS_REQUEST:
                out[lower] = value.lower() if lower in ("if-match", "if-none-match") else value
            elif lower.startswith("x-oss-meta-") and lower != "x-oss-meta-" + STORAGE_META:
                out["x-amz-meta-" + lower[len("x-oss-meta-"):]] = value
            elif lower == "x-oss-storage-class":
                out["x-amz-meta-" + STORAGE_META] = value
            elif lower in ("x-oss-copy-source", "x-oss-metadata-directive"):
                out["x-amz-" + lower[len("x-oss-"):]] = value
        return out

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path, _, raw_query = request.raw_path.partition("?")
        parts = path.lstrip("/").split("/", 1)
        bucket, key = unquote(parts[0]), unquote(parts[1]) if len(parts) > 1 else ""
        params = parse_qsl(raw_query, keep_blank_values=True)
        query = dict(params)
        body = await request.read()
        try:
            self._verify(request, bucket, key, params)
        except AuthError as exc:
            return self._error(request.method, 400 if exc.code == "InvalidArgument" else 403, exc.code,
                               exc.message, **exc.extra)
        if not bucket:
            return self._error(request.method, 400, "NotImplemented", "The gateway serves bucket requests only.")
        method = request.method
        try:
            if not key:
                if method == "GET" and "bucketInfo" in query:
                    return await self._bucket_info(bucket)
                if method == "GET" and "uploads" in query:
                    return await self._list_uploads(bucket, query)
                if method == "GET" and not ({"acl", "stat", "tagging", "versions", "policy"} & query.keys()):
                    return await self._list(bucket, query)
                if method == "POST" and "delete" in query:
                    return await self._batch_delete(bucket, query, body)
            elif method in ("PUT", "POST") and not await self._bucket_exists(bucket):
                # SeaweedFS would create the bucket implicitly on a write; OSS refuses
                return self._error(method, 404, "NoSuchBucket", "The specified bucket does not exist.")
            elif method == "PUT" and "uploadId" in query:
                return await self._upload_part(request, bucket, key, query, body)
            elif method == "PUT" and not query:
                return await self._put(request, bucket, key, body)
            elif method in ("GET", "HEAD") and "uploadId" in query:
                return await self._list_parts(bucket, key, query)
            elif method in ("GET", "HEAD") and not (query.keys() - {"objectMeta"}):
                return await self._get(request, bucket, key, "HEAD" if "objectMeta" in query else method)
            elif method == "DELETE":
                keep = [(k, v) for k, v in params if k == "uploadId"]
                status, _, data = await self._up("DELETE", bucket, key, keep)
                return self._reply(204) if status < 300 else self._upstream_error(method, status, data, True)
            elif method == "POST" and "uploads" in query:
                return self._xml_reply(await self._xml_op("POST", bucket, key, [("uploads", "")],
                                                          self._to_s3_headers(request.headers)))
            elif method == "POST" and "uploadId" in query:
                return await self._complete(bucket, key, query, body)
        except aiohttp.ClientError as exc:
            return self._error(method, 503, "ServiceUnavailable", f"upstream: {exc}")
        return self._error(method, 400, "NotImplemented", "This operation is not emulated by the test gateway.")

    async def _bucket_exists(self, bucket: str) -> bool:
        status, _, _ = await self._up("HEAD", bucket)
        return status < 300

    async def _bucket_info(self, bucket: str) -> web.Response:
        status, _, data = await self._up("HEAD", bucket)
        if status >= 300:
            return self._upstream_error("GET", status, data, False)
        root = ET.Element("BucketInfo")
        info = _child(root, "Bucket")
        for tag, text in [("AccessMonitor", "Disabled"), ("CreationDate", "2024-01-01T00:00:00.000Z"),
                          ("ExtranetEndpoint", f"127.0.0.1:{self.port}"),
                          ("IntranetEndpoint", f"127.0.0.1:{self.port}"), ("Location", "oss-cn-hangzhou"),
                          ("StorageClass", "Standard"), ("Name", bucket), ("DataRedundancyType", "LRS")]:
            _child(info, tag, text)
        owner = _child(info, "Owner")
        _child(owner, "DisplayName", self.access_key_id)
        _child(owner, "ID", self.access_key_id)
        _child(_child(info, "AccessControlList"), "Grant", "private")
        return self._reply(200, body=_xml(root))

    async def _xml_op(self, method: str, bucket: str, key: str, query: Iterable[tuple[str, str]],
                      headers: dict[str, str] | None = None, body: bytes = b"", encode: bool = False,
                      defaults: Iterable[tuple[str, str]] = ()) -> web.Response | ET.Element:
        """An S3 call answered by XML: the OSS form of that XML, or the OSS error response."""
        status, _, data = await self._up(method, bucket, key, query, headers, body)
        if status >= 300 or _s3_error(data)[0]:  # CompleteMultipartUpload can fail inside a 200
            return self._upstream_error(method, status if status >= 300 else 500, data, bool(key))
        root = _rewrite(ET.fromstring(data), encode) if data else ET.Element("DeleteResult")
        for tag, default in defaults:
            if root.find(tag) is None:
                _child(root, tag, default)
        if encode:
            _child(root, "EncodingType", "url")
        return root

    def _xml_reply(self, root: web.Response | ET.Element, headers: dict[str, str] | None = None) -> web.Response:
        return root if isinstance(root, web.Response) else self._reply(200, headers, _xml(root))

    async def _list(self, bucket: str, query: dict[str, str]) -> web.Response:
        names = ("list-type", "prefix", "delimiter", "marker", "max-keys", "start-after", "continuation-token",
                 "fetch-owner")
        encode = query.get("encoding-type") == "url"
        root = await self._xml_op("GET", bucket, "", [(k, query[k]) for k in names if query.get(k)], encode=encode)
        if isinstance(root, web.Response):
            return root
        contents = root.findall("Contents")
        sem = asyncio.Semaphore(16)

        async def storage_class(node: ET.Element) -> str:  # kept in private metadata: one HEAD per listed key
            name = node.findtext("Key") or ""
            async with sem:
                st, headers, _ = await self._up("HEAD", bucket, unquote(name) if encode else name)
            return headers.get("x-amz-meta-" + STORAGE_META, "Standard") if st == 200 else "Standard"

        classes = await asyncio.gather(*(storage_class(node) for node in contents))
        for node, klass in zip(contents, classes, strict=True):
            for old in node.findall("StorageClass") + node.findall("Type"):
                node.remove(old)
            _child(node, "Type", "Multipart" if "-" in (node.findtext("ETag") or "") else "Normal")
            _child(node, "StorageClass", klass)
        return self._xml_reply(root)

    async def _list_uploads(self, bucket: str, query: dict[str, str]) -> web.Response:
        names = ("prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads")
        wanted = [("uploads", "")] + [(k, query[k]) for k in names if query.get(k)]
        return self._xml_reply(await self._xml_op(
            "GET", bucket, "", wanted, encode=query.get("encoding-type") == "url",
            defaults=[("IsTruncated", "false"), ("NextKeyMarker", ""), ("NextUploadIdMarker", "")]))

    async def _batch_delete(self, bucket: str, query: dict[str, str], body: bytes) -> web.Response:
        md5 = {"content-md5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        return self._xml_reply(await self._xml_op("POST", bucket, "", [("delete", "")], md5, body,
                                                  encode=query.get("encoding-type") == "url"))

    async def _put(self, request: web.Request, bucket: str, key: str, body: bytes) -> web.Response:
        headers = self._to_s3_headers(request.headers)
        if "x-amz-copy-source" in headers:
            root = await self._xml_op("PUT", bucket, key, (), headers)
            return self._xml_reply(root, {} if isinstance(root, web.Response) else {"ETag": root.findtext("ETag")
                                                                                     or ""})
        status, up, data = await self._up("PUT", bucket, key, (), headers, body)
        if status >= 300:
            return self._upstream_error("PUT", status, data, True)
        return self._reply(200, {"ETag": up.get("ETag", "").upper(), "x-oss-hash-crc64ecma": str(crc64_ecma(body)),
                                 "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})

    async def _get(self, request: web.Request, bucket: str, key: str, method: str) -> web.Response:
        headers = {k: v for k, v in self._to_s3_headers(request.headers).items() if k in PASS_REQUEST}
        status, up, data = await self._up(method, bucket, key, (), headers)
        if status >= 300:
            return self._upstream_error(method, status, data, True)
        out = self._object_headers(up)
        whole = method == "GET" and status == 200
        crc = await self._crc_of(bucket, key, up, data if whole else None)
        if crc is not None:
            out["x-oss-hash-crc64ecma"] = str(crc)
        if method == "HEAD":
            out["Content-Length"] = up.get("Content-Length", "0")
            return self._reply(200, out)
        with self._lock:
            corrupt = self.corrupt_reads.get(key, 0) > 0 and bool(data)
            if corrupt:
                self.corrupt_reads[key] -= 1
        if corrupt:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]
        reply = self._reply(status, out, data)
        reply.headers["Content-Type"] = out.get("Content-Type", "application/octet-stream")
        return reply

    async def _upload_part(self, request: web.Request, bucket: str, key: str, query: dict[str, str],
                           body: bytes) -> web.Response:
        headers = {k: v for k, v in self._to_s3_headers(request.headers).items() if k == "content-md5"}
        keep = [("partNumber", query.get("partNumber", "")), ("uploadId", query["uploadId"])]
        status, up, data = await self._up("PUT", bucket, key, keep, headers, body)
        if status >= 300:
            return self._upstream_error("PUT", status, data, True)
        return self._reply(200, {"ETag": up.get("ETag", "").upper(), "x-oss-hash-crc64ecma": str(crc64_ecma(body))})

    async def _list_parts(self, bucket: str, key: str, query: dict[str, str]) -> web.Response:
        names = ("uploadId", "max-parts", "part-number-marker")
        return self._xml_reply(await self._xml_op("GET", bucket, key, [(k, query[k]) for k in names if query.get(k)],
                                                  defaults=[("IsTruncated", "false"), ("NextPartNumberMarker", "0")]))

    async def _complete(self, bucket: str, key: str, query: dict[str, str], body: bytes) -> web.Response:
        try:
            given = ET.fromstring(body)
        except ET.ParseError:
            return self._error("POST", 400, "MalformedXML", "The XML you provided was not well-formed.")
        request = ET.Element("CompleteMultipartUpload")
        for part in given.iter():
            if _local(part.tag) == "Part":
                fields = {_local(c.tag): (c.text or "").strip() for c in part}
                node = _child(request, "Part")
                _child(node, "PartNumber", fields.get("PartNumber", ""))
                _child(node, "ETag", fields.get("ETag", "").lower())  # OSS hands out upper-case ETags
        root = await self._xml_op("POST", bucket, key, [("uploadId", query["uploadId"])], {}, ET.tostring(request),
                                  encode=query.get("encoding-type") == "url")
        if isinstance(root, web.Response):
            return root
        status, up, _ = await self._up("HEAD", bucket, key)
        crc = await self._crc_of(bucket, key, up) if status == 200 else None
        headers = {"ETag": root.findtext("ETag") or ""} | ({"x-oss-hash-crc64ecma": str(crc)} if crc is not None
                                                          else {})
        return self._xml_reply(root, headers)
