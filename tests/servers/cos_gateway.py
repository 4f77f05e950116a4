"""A test-only gateway that emulates the server side of Tencent Cloud COS in front of a real S3 server (SeaweedFS).

The real ``cos-python-sdk-v5`` client talks to it as if it were COS: the gateway verifies the COS request signature
(``q-sign-algorithm=sha1&q-ak=...&q-signature=...``) with its own SecretId/SecretKey, translates the request to S3
(``x-cos-*`` -> ``x-amz-*``, bucket from the Host header to the path, copy source rewrite), signs it again with SigV4
for the upstream's credentials, and turns the answer back into what COS sends: ``ETag`` spelled that way,
``x-cos-meta-*``, ``x-cos-storage-class``, ``x-cos-hash-crc64ecma`` computed from the stored bytes, namespace-free
XML with ``LastModified`` in milliseconds, url-encoded keys under ``encoding-type=url``, and COS error XML.

Point the SDK at it with ``gateway.cos_config()`` (or by hand: ``CosConfig(IP="127.0.0.1", Port=gateway.port,
Scheme="http", Region=..., SecretId=..., SecretKey=...)``): the SDK then connects to 127.0.0.1:PORT and names the
bucket in the Host header, ``<name>-<appid>.cos.<region>.myqcloud.com``. A COS bucket ``name-1250000000`` maps to
the upstream bucket of the same name. The storage class is kept upstream in user metadata (``STORAGE_META``).

``gateway.corrupt_reads[key] = n`` flips one byte in the next n GET bodies of that key (after the CRC header was
computed from the true bytes), for checksum tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import crcmod
import yarl
from aiohttp import web
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from servers.loopserver import LoopServer

CRC64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
STORAGE_META = "x-amz-meta-x-gw-storage-class"
STORAGE_CLASSES = {"STANDARD", "STANDARD_IA", "ARCHIVE", "DEEP_ARCHIVE", "INTELLIGENT_TIERING", "MAZ_STANDARD",
                   "MAZ_STANDARD_IA", "MAZ_INTELLIGENT_TIERING"}
# request headers passed to S3 unchanged (lower case)
PASS_REQUEST = {"content-type", "cache-control", "content-disposition", "content-encoding", "content-language",
                "expires", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
                "content-md5"}
# x-cos-* request headers that have an x-amz-* twin
COS_TO_AMZ = {"x-cos-tagging", "x-cos-copy-source-if-match",
              "x-cos-copy-source-if-none-match", "x-cos-copy-source-if-modified-since",
              "x-cos-copy-source-if-unmodified-since"}
# response headers passed back, with the spelling COS uses (the SDK returns dict(headers): case matters)
PASS_RESPONSE = {h.lower(): h for h in ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Content-Range",
                                         "Accept-Ranges", "Cache-Control", "Content-Disposition", "Content-Encoding",
                                         "Content-Language", "Expires")}
# list elements url-encoded under encoding-type=url (the SDK decodes these with unquote, so no '+' for space)
ENCODED = {"Key", "Prefix", "Marker", "NextMarker", "StartAfter", "KeyMarker", "NextKeyMarker"}


class CosError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def encode_key(text: str) -> str:
    return quote(text, safe="/-_.~")


def cos_time(text: str) -> str:
    """S3 list timestamps (seconds, maybe fractions) -> the COS form ``2024-05-01T12:00:00.000Z``."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def strip_namespaces(payload: bytes) -> ET.Element:
    root = ET.fromstring(payload)
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def to_xml(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode()


class CosGateway(LoopServer):
    """Runs in a thread with its own event loop; ``endpoint`` is its http://127.0.0.1:PORT address."""

    def __init__(self, upstream: Any, secret_id: str, secret_key: str, region: str = "ap-guangzhou") -> None:
        super().__init__()
        self.upstream = upstream.endpoint.rstrip("/")
        self._creds = Credentials(upstream.access_key, upstream.secret_key)
        self.secret_id, self.secret_key, self.region = secret_id, secret_key, region
        self.corrupt_reads: dict[str, int] = {}
        self.requests: Counter[tuple[str, str]] = Counter()   # (method, key) -> count, signature checked or not
        self._uploads: dict[str, str] = {}                    # upload id -> storage class given at initiate
        self._crc: dict[tuple[str, str, str], str] = {}       # (bucket, key, etag) -> crc64 of the stored bytes
        self._buckets: set[str] = set()                       # buckets seen to exist (checked before writes)
        self._lock = threading.Lock()

    def cos_config(self, secret_id: str | None = None, secret_key: str | None = None, **extra: Any) -> Any:
        """A ``qcloud_cos.CosConfig`` that sends every request here, with the bucket in the Host header."""
        from qcloud_cos import CosConfig

        return CosConfig(Region=self.region, IP="127.0.0.1", Port=self.port, Scheme="http",
                         SecretId=secret_id or self.secret_id, SecretKey=secret_key or self.secret_key, **extra)

    # ---- request side -------------------------------------------------------------------------------------------

    @staticmethod
    def _locate(request: web.Request) -> tuple[str, str, str]:
        """(bucket, key, signed path). Virtual-host style as the SDK sends it; path style when Host is an IP."""
        host = request.headers.get("Host", "")
        host = host if host.startswith("[") else host.rsplit(":", 1)[0]
        path = unquote(request.raw_path.split("?", 1)[0])
        try:
            ipaddress.ip_address(host.strip("[]"))
            path_style = True
        except ValueError:
            path_style = "." not in host
        if path_style:
            bucket, _, key = path.lstrip("/").partition("/")
            return bucket, key, "/" + key
        return host.split(".", 1)[0], path[1:], path

    def _verify(self, request: web.Request, sign_path: str) -> None:
        auth = request.headers.get("Authorization", "")
        if not auth:
            raise CosError(403, "AccessDenied", "Access Denied.")
        fields = dict(part.split("=", 1) for part in auth.split("&") if "=" in part)
        needed = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list",
                  "q-signature")
        if any(name not in fields for name in needed) or fields["q-sign-algorithm"] != "sha1":
            raise CosError(400, "InvalidArgument", "Authorization header is invalid.")
        if fields["q-ak"] != self.secret_id:
            raise CosError(403, "InvalidAccessKeyId", "The access key Id format you provided is invalid.")
        try:
            start, end = (int(x) for x in fields["q-sign-time"].split(";"))
        except ValueError as exc:
            raise CosError(400, "InvalidArgument", "q-sign-time is invalid.") from exc
        now = time.time()
        if now > end:
            raise CosError(403, "AccessDenied", "Request has expired")
        if now < start:
            raise CosError(403, "RequestTimeTooSkewed", "The difference between the request time and the server's "
                                                        "time is too large.")
        query = {k.lower(): v for k, v in parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True)}
        params = []
        for name in filter(None, fields["q-url-param-list"].split(";")):
            value = query.get(unquote(name))
            if value is None:
                raise CosError(403, "SignatureDoesNotMatch", f"Signed parameter {name} is not in the request.")
            params.append(f"{name}={quote(value.encode('utf-8', 'surrogateescape'), safe='-_.~')}")
        header_sets: list[list[str]] = [[]]
        for name in filter(None, fields["q-header-list"].split(";")):
            value = request.headers.get(unquote(name))
            if value is None:
                raise CosError(403, "SignatureDoesNotMatch", f"Signed header {name} is not in the request.")
            values = [value, value.rsplit(":", 1)[0]] if name == "host" and ":" in value else [value]
            header_sets = [done + [f"{name}={quote(v.encode('utf-8', 'surrogateescape'), safe='-_.~')}"]
                           for done in header_sets for v in values]
        sign_key = hmac.new(self.secret_key.encode(), fields["q-key-time"].encode(), hashlib.sha1).hexdigest()
        for headers in header_sets:
            text = f"{request.method.lower()}\n{sign_path}\n{'&'.join(params)}\n{'&'.join(headers)}\n"
            to_sign = f"sha1\n{fields['q-sign-time']}\n{hashlib.sha1(text.encode()).hexdigest()}\n"
            expected = hmac.new(sign_key.encode(), to_sign.encode(), hashlib.sha1).hexdigest()
            if hmac.compare_digest(expected, fields["q-signature"]):
                return
        raise CosError(403, "SignatureDoesNotMatch", "The Signature you specified does not match.")

    @staticmethod
    def _s3_headers(request: web.Request, with_storage: bool) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in request.headers.items():
            low = name.lower()
            if low in PASS_REQUEST:
                out[low] = value
            elif low.startswith("x-cos-meta-") and "x-amz-meta-" + low[11:] != STORAGE_META:
                out["x-amz-meta-" + low[11:]] = value
            elif low == "x-cos-metadata-directive":  # COS says Copy / Replaced, S3 COPY / REPLACE
                out["x-amz-metadata-directive"] = "REPLACE" if value.lower().startswith("replace") else "COPY"
            elif low in COS_TO_AMZ:
                out["x-amz-" + low[6:]] = value
            elif low == "x-cos-storage-class" and with_storage:
                if value.upper() not in STORAGE_CLASSES:
                    raise CosError(400, "InvalidArgument", f"Invalid storage class {value}")
                out[STORAGE_META] = value.upper()
            elif low == "x-cos-copy-source":
                source_host, _, source_path = value.partition("/")
                out["x-amz-copy-source"] = "/" + source_host.split(".", 1)[0] + "/" + source_path
        return out

    async def _upstream(self, method: str, bucket: str, key: str = "", query: list[tuple[str, str]] | None = None,
                        headers: dict[str, str] | None = None, body: bytes = b"") -> tuple[int, Any, bytes]:
        path = "/" + bucket + ("/" + encode_key(key) if key else "")
        qs = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query or [])
        url = self.upstream + path + ("?" + qs if qs else "")
        signed = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
        S3SigV4Auth(self._creds, "s3", "us-east-1").add_auth(signed)
        async with self._session.request(method, yarl.URL(url, encoded=True), headers=dict(signed.headers.items()),
                                         data=body if body else None, allow_redirects=False) as up:
            return up.status, up.headers, await up.read()

    # ---- response side ------------------------------------------------------------------------------------------

    @staticmethod
    def _cos_headers(up_headers: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in up_headers.items():
            low = name.lower()
            if low == STORAGE_META:
                out["x-cos-storage-class"] = value
            elif low.startswith("x-amz-meta-"):
                out["x-cos-meta-" + low[11:]] = value
            elif low in PASS_RESPONSE:
                out[PASS_RESPONSE[low]] = value
        return out

    async def _crc64(self, bucket: str, key: str, etag: str, body: bytes | None = None) -> str | None:
        cached = self._crc.get((bucket, key, etag))
        if cached is None:
            if body is None:
                status, _, body = await self._upstream("GET", bucket, key)
                if status != 200:
                    return None
            cached = self._crc[(bucket, key, etag)] = str(CRC64(body))
        return cached

    def _take_corruption(self, key: str) -> bool:
        with self._lock:
            if self.corrupt_reads.get(key, 0) > 0:
                self.corrupt_reads[key] -= 1
                return True
        return False

    @staticmethod
    def _upstream_error(status: int, payload: bytes) -> CosError:
        code, message = {404: "NoSuchKey", 403: "AccessDenied"}.get(status, "InternalError"), "upstream error"
        if payload:
            try:
                root = strip_namespaces(payload)
                code = root.findtext("Code") or code
                message = root.findtext("Message") or message
            except ET.ParseError:
                pass
        return CosError(status, code, message)

    @staticmethod
    def _error_response(err: CosError, request: web.Request, request_id: str) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=err.status, headers={"x-cos-error-code": err.code}
                                if err.status != 404 else {})
        root = ET.Element("Error")
        for tag, text in (("Code", err.code), ("Message", err.message),
                          ("Resource", request.headers.get("Host", "") + request.path),
                          ("RequestId", request_id), ("TraceId", uuid.uuid4().hex)):
            ET.SubElement(root, tag).text = text
        return web.Response(status=err.status, body=to_xml(root), content_type="application/xml")

    # ---- dispatch -----------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        request_id = uuid.uuid4().hex
        try:
            bucket, key, sign_path = self._locate(request)
            with self._lock:
                self.requests[(request.method, key)] += 1
            body = await request.read()
            self._verify(request, sign_path)
            if not bucket:
                raise CosError(400, "InvalidBucketName", "The bucket name is missing.")
            response = await (self._object(request, bucket, key, body) if key
                              else self._bucket(request, bucket))
        except CosError as err:
            response = self._error_response(err, request, request_id)
        response.headers["x-cos-request-id"] = request_id
        response.headers["Server"] = "tencent-cos"
        return response

    async def _object(self, request: web.Request, bucket: str, key: str, body: bytes) -> web.StreamResponse:
        method, q = request.method, request.query
        query = parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True)
        if method == "PUT" and "uploadId" in q:
            status, up, payload = await self._upstream("PUT", bucket, key, query, self._s3_headers(request, False),
                                                       body)
            if status != 200:
                raise self._upstream_error(status, payload)
            return web.Response(headers={"ETag": up.get("ETag", ""), "x-cos-hash-crc64ecma": str(CRC64(body))})
        if method in ("PUT", "POST"):
            await self._bucket_must_exist(bucket)  # SeaweedFS would create a missing bucket on a write
        if method == "PUT":
            headers = self._s3_headers(request, "x-cos-copy-source" not in request.headers
                                       or request.headers.get("x-cos-metadata-directive") == "Replaced")
            status, up, payload = await self._upstream("PUT", bucket, key, query, headers, body)
            if status != 200:
                raise self._upstream_error(status, payload)
            if "x-amz-copy-source" in headers:
                root = strip_namespaces(payload)
                for el in root.iter("LastModified"):
                    el.text = cos_time(el.text or "")
                etag = root.findtext("ETag") or ""
                crc = await self._crc64(bucket, key, etag)
                return web.Response(body=to_xml(root), content_type="application/xml",
                                    headers={"x-cos-hash-crc64ecma": crc or ""})
            etag = up.get("ETag", "")
            self._crc[(bucket, key, etag)] = str(CRC64(body))
            return web.Response(headers={"ETag": etag, "x-cos-hash-crc64ecma": self._crc[(bucket, key, etag)]})
        if method in ("GET", "HEAD") and "uploadId" not in q:
            return await self._read(request, bucket, key, query)
        if method == "GET":
            return await self._list(bucket, key, query)
        if method == "DELETE":
            status, _, payload = await self._upstream("DELETE", bucket, key, query)
            if status not in (200, 204):
                raise self._upstream_error(status, payload)
            self._uploads.pop(q.get("uploadId", ""), None)
            return web.Response(status=204)
        if method == "POST" and "uploads" in q:
            status, _, payload = await self._upstream("POST", bucket, key, query, self._s3_headers(request, True))
            if status != 200:
                raise self._upstream_error(status, payload)
            root = strip_namespaces(payload)
            self._uploads[root.findtext("UploadId") or ""] = request.headers.get("x-cos-storage-class",
                                                                                 "STANDARD").upper()
            return web.Response(body=to_xml(root), content_type="application/xml")
        if method == "POST" and "uploadId" in q:
            status, _, payload = await self._upstream("POST", bucket, key, query, {"content-type": "application/xml"},
                                                      body)
            result = strip_namespaces(payload) if payload else None
            if status != 200 or result is None or result.tag == "Error":  # S3 may fail a complete with a 200
                raise self._upstream_error(status if status != 200 else 400, payload)
            self._uploads.pop(q["uploadId"], None)
            location = result.find("Location")
            if location is not None:
                location.text = f"{request.headers.get('Host', '')}/{encode_key(key)}"
            crc = await self._crc64(bucket, key, result.findtext("ETag") or "")
            return web.Response(body=to_xml(result), content_type="application/xml",
                                headers={"x-cos-hash-crc64ecma": crc or ""})
        raise CosError(405, "MethodNotAllowed", f"{method} is not supported on objects by this gateway.")

    async def _bucket_must_exist(self, bucket: str) -> None:
        if bucket not in self._buckets:
            status, _, _ = await self._upstream("HEAD", bucket)
            if status == 404:
                raise CosError(404, "NoSuchBucket", "The specified bucket does not exist.")
            self._buckets.add(bucket)

    async def _read(self, request: web.Request, bucket: str, key: str,
                    query: list[tuple[str, str]]) -> web.StreamResponse:
        headers = self._s3_headers(request, False)
        status, up, payload = await self._upstream(request.method, bucket, key, query, headers)
        if status == 304 or (status == 412 and request.method == "HEAD"):
            return web.Response(status=status, headers={k: v for k, v in self._cos_headers(up).items()
                                                        if k != "Content-Length"})
        if status not in (200, 206):
            raise self._upstream_error(status, payload)
        out = self._cos_headers(up)
        out.setdefault("x-cos-storage-class", "STANDARD")
        whole = payload if status == 200 and request.method == "GET" else None
        crc = await self._crc64(bucket, key, out.get("ETag", ""), whole)
        if crc is not None:
            out["x-cos-hash-crc64ecma"] = crc
        if request.method == "HEAD":  # aiohttp keeps the Content-Length we pass on a HEAD answer
            return web.Response(status=status, headers=out)
        out.pop("Content-Length", None)
        if payload and self._take_corruption(key):
            middle = len(payload) // 2
            payload = payload[:middle] + bytes([payload[middle] ^ 0xFF]) + payload[middle + 1:]
        return web.Response(status=status, body=payload, headers=out)

    async def _bucket(self, request: web.Request, bucket: str) -> web.StreamResponse:
        method, q = request.method, request.query
        query = parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True)
        if method == "HEAD":
            status, _, payload = await self._upstream("HEAD", bucket)
            if status != 200:
                raise self._upstream_error(status, payload)
            return web.Response(headers={"x-cos-bucket-region": self.region})
        if method == "GET" and "versions" in q:
            raise CosError(501, "NotImplemented", "Listing versions is not supported by this gateway.")
        if method == "GET":
            return await self._list(bucket, "", query)
        if method in ("PUT", "DELETE") and not query:
            status, _, payload = await self._upstream(method, bucket)
            if status not in (200, 204):
                raise self._upstream_error(status, payload)
            self._buckets.discard(bucket)
            return web.Response(status=200 if method == "PUT" else 204)
        raise CosError(405, "MethodNotAllowed", f"{method} is not supported on buckets by this gateway.")

    async def _list(self, bucket: str, key: str, query: list[tuple[str, str]]) -> web.StreamResponse:
        """ListObjects (v1/v2), ListMultipartUploads, ListParts: url-encode under encoding-type=url, fix times,
        fill StorageClass, and give NextMarker when truncated (COS always does, S3 only with a delimiter)."""
        encode = dict(query).get("encoding-type", "") == "url"
        forward = [(k, v) for k, v in query if k != "encoding-type" and (v or k in ("uploads", "uploadId"))
                   and not (k == "part-number-marker" and v == "0")]
        status, _, payload = await self._upstream("GET", bucket, key, forward)
        if status != 200:
            raise self._upstream_error(status, payload)
        root = strip_namespaces(payload)
        if encode and root.find("EncodingType") is None:
            ET.SubElement(root, "EncodingType").text = "url"
        contents = root.findall("Contents")
        classes = await asyncio.gather(*(self._storage_class(bucket, c.findtext("Key") or "") for c in contents))
        for item, storage in zip(contents, classes, strict=True):
            self._set(item, "StorageClass", storage)
        upload_class = self._uploads.get(dict(query).get("uploadId", ""))
        if upload_class:
            self._set(root, "StorageClass", upload_class)
        for upload in root.findall("Upload"):
            self._set(upload, "StorageClass", self._uploads.get(upload.findtext("UploadId") or "", "STANDARD"))
        if root.tag == "ListBucketResult" and root.findtext("IsTruncated") == "true" \
                and not root.findtext("NextMarker") and "list-type" not in dict(query):
            last = max([c.findtext("Key") or "" for c in contents]
                       + [p.findtext("Prefix") or "" for p in root.findall("CommonPrefixes")])
            self._set(root, "NextMarker", last)
        for el in root.iter():
            if el.tag in ("LastModified", "Initiated") and el.text:
                el.text = cos_time(el.text)
        if encode:
            for parent in [root, *root.findall("Contents"), *root.findall("CommonPrefixes"), *root.findall("Upload")]:
                for child in parent:
                    if child.tag in ENCODED and child.text:
                        child.text = encode_key(child.text)
        return web.Response(body=to_xml(root), content_type="application/xml")

    @staticmethod
    def _set(parent: ET.Element, tag: str, text: str) -> None:
        el = parent.find(tag)
        if el is None:
            el = ET.SubElement(parent, tag)
        el.text = text

    async def _storage_class(self, bucket: str, key: str) -> str:
        status, up, _ = await self._upstream("HEAD", bucket, key)
        return up.get(STORAGE_META, "STANDARD") if status == 200 else "STANDARD"
