"""The one HTTP request path of the object-store connectors: S3, OSS and COS speak the same REST dialect (objects
under a bucket, ``?uploads``/``?partNumber&uploadId`` multipart, XML listings and errors) and differ in how a
request is signed, how the bucket goes into the address and what their own headers are called (``x-amz-``,
``x-oss-``, ``x-cos-``).

The vendor SDKs (boto3, oss2, cos-python-sdk-v5) cost 3-5 ms of CPU per small object on this hardware in request
building, hooks, retries, response parsing and log formatting; a migration of small objects is bound by that
per-request CPU. Here a request is a signature (each vendor's signer is checked byte for byte against its SDK in
``tests/storage``), one pooled aiohttp HTTP/1.1 request and, for listings, one XML parse.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

import aiohttp
from yarl import URL

from wizard.crc64 import parse_header as parse_crc64
from wizard.errors import StorageError, classify_http, task_stopped, transient
from wizard.storage.base import Body, ObjectInfo, Reader, Store, Upload, WriteResult
from wizard.storage.mapping import CONTENT_HEADERS
from wizard.storage.openfiles import retry_when_out_of_files

CHUNK = 256 * 1024
CHECK_TIMEOUT = aiohttp.ClientTimeout(total=20, sock_connect=10)


def bucket_refusal(exc: StorageError, bucket: str, endpoint: str, keys: str) -> StorageError:
    """The one sentence for a bucket check that failed: missing bucket, refused credentials (naming which keys
    to check), no permission; anything else as it was."""
    if exc.code == "NoSuchBucket" or exc.status == 404:
        return task_stopped("bucket", "NoSuchBucket", f"bucket {bucket!r} does not exist at {endpoint}")
    if exc.code in ("SignatureDoesNotMatch", "InvalidAccessKeyId"):
        return task_stopped("auth", exc.code, f"{endpoint} refused the credentials for bucket {bucket!r} "
                            f"({exc.code}): check {keys}")
    if exc.status == 403:
        return task_stopped("permission", exc.code, f"the credentials may not list bucket {bucket!r} at "
                            f"{endpoint} ({exc.code})")
    return exc


def is_ip_host(host: str) -> bool:
    """An IP address or localhost: such an endpoint cannot carry the bucket as a subdomain."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def _strip_ns(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _etag(value: str | None) -> str | None:
    return value.strip().strip('"').lower() if value else None


def _iso_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _http_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None


def info_from_headers(key: str, headers: Mapping[str, str], vendor: str = "amz") -> ObjectInfo:
    """Object facts from GET/HEAD response headers of S3 (``amz``), OSS (``oss``) or COS (``cos``): size (the
    whole object's, from Content-Range when a range was read), ETag, times, metadata, class and CRC-64."""
    h = {k.lower(): v for k, v in headers.items()}
    size = int(h.get("content-length", "0") or 0)
    rng = h.get("content-range")
    if rng and "/" in rng and not rng.endswith("/*"):
        size = int(rng.rsplit("/", 1)[1])
    prefix = f"x-{vendor}-meta-"
    sums = {k[len("x-amz-checksum-"):]: v for k, v in h.items()
            if k.startswith("x-amz-checksum-") and k not in ("x-amz-checksum-type", "x-amz-checksum-mode")}
    if h.get("x-amz-checksum-type", "FULL_OBJECT").upper() != "FULL_OBJECT" or rng:
        sums = {}   # composite values (checksums of part checksums) or a range's: not the whole object's
    return ObjectInfo(key=key, size=size, etag=_etag(h.get("etag")), mtime=_http_time(h.get("last-modified")),
                      crc64=parse_crc64(h.get(f"x-{vendor}-hash-crc64ecma")), content_type=h.get("content-type"),
                      metadata={k[len(prefix):]: v for k, v in h.items() if k.startswith(prefix)},
                      storage_class=h.get(f"x-{vendor}-storage-class"),
                      content_headers={n: h[n.lower()] for n in CONTENT_HEADERS[1:] if n.lower() in h} or None,
                      checksums=sums or None)


class HttpReader(Reader):
    """The body of an aiohttp response, in chunks; a broken connection is a retryable error."""

    def __init__(self, response: aiohttp.ClientResponse, info: ObjectInfo, what: str) -> None:
        self._response = response
        self.info = info
        self._what = what

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transient(type(exc).__name__, f"{self._what}: connection broke while reading") from None
        finally:
            self._response.release()

    async def close(self) -> None:
        self._response.close()


class HttpStore(Store):
    """One bucket behind an S3-dialect REST API. Subclasses sign (``_address``) and name their headers."""

    vendor = "amz"                         # x-<vendor>-meta-*, x-<vendor>-storage-class, x-<vendor>-hash-crc64ecma
    keys_text = "the access key ID and secret"   # what a refused-credentials sentence tells the user to check
    list_v2 = True                         # ListObjectsV2 (continuation tokens); COS lists with markers
    read_headers: Mapping[str, str] = {}   # sent with every GET and HEAD of an object
    token_encoded = False                  # OSS url-encodes NextContinuationToken under encoding-type=url, S3 not

    def __init__(self, endpoint: str, bucket: str, *, connections: int = 64, timeout: float = 60.0) -> None:
        self.endpoint_text = endpoint
        self.bucket = bucket
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self.request_gate: Callable[[], Awaitable[None]] | None = None
        self.check_timeout = CHECK_TIMEOUT
        self.connect_host = ""             # host[:port] the connection goes to, for error sentences

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint_text!r}, {self.bucket!r})"

    def _address(self, method: str, key: str | None, params: dict[str, str], headers: dict[str, str],
                 has_body: bool) -> URL:
        """Sign ``headers`` in place for this request and return the URL to send it to."""
        raise NotImplementedError

    def _etag_out(self, etag: str) -> str:
        """An ETag as this store wants it back (If-Match, the multipart completion list)."""
        return etag

    async def open(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300,
                                             enable_cleanup_closed=True)
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=self._timeout)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False,
                                                  skip_auto_headers=("User-Agent", "Content-Type"))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- the one request path -------------------------------------------------------------------------------
    async def _request(self, method: str, key: str | None, params: dict[str, str] | None = None,
                       headers: dict[str, str] | None = None, body: Body | None = None,
                       what: str = "", timeout: aiohttp.ClientTimeout | None = None) -> aiohttp.ClientResponse:
        """Send one signed request; return the response when it is a success, raise StorageError otherwise."""
        if self._session is None:
            await self.open()
        assert self._session is not None
        if self.request_gate is not None:
            await self.request_gate()
        hdrs = dict(headers or {})
        url = self._address(method, key, params or {}, hdrs, body is not None)
        what = what or f"{method} {key if key is not None else self.bucket}"
        try:
            session = self._session   # out of open files: this machine's problem, waited out, not the store's
            response = await retry_when_out_of_files(lambda: session.request(
                method, url, headers=hdrs, data=body, allow_redirects=False, timeout=timeout or session.timeout), what)
        except StorageError:
            raise
        except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
            raise transient("ConnectionRefused",
                            f"{what}: cannot connect to {self.connect_host} ({exc.strerror or 'refused'})") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise transient(type(exc).__name__,
                            f"{what}: connection to {self.connect_host} failed ({type(exc).__name__})") from None
        if response.status < 300:
            return response
        try:
            text = await response.text(errors="replace") if method != "HEAD" else ""
        except (TimeoutError, aiohttp.ClientError):
            text = ""
        finally:
            response.release()
        code, message = "", ""
        if text.startswith("<") or text.startswith("\ufeff<"):
            try:
                root = _strip_ns(ET.fromstring(text.lstrip("\ufeff")))
                code = root.findtext("Code") or ""
                message = root.findtext("Message") or ""
            except ET.ParseError:
                pass
        if method == "HEAD" and response.status == 404:
            code = "NoSuchKey"
        raise classify_http(response.status, code, message, what=what)

    async def _xml(self, method: str, key: str | None, params: dict[str, str], body: bytes | None = None,
                   what: str = "", timeout: aiohttp.ClientTimeout | None = None,
                   headers: dict[str, str] | None = None) -> ET.Element:
        """One request whose answer is XML; a body cut short or unreadable is a retryable fault."""
        return (await self._xml_answer(method, key, params, body, what, timeout, headers))[0]

    async def _xml_answer(self, method: str, key: str | None, params: dict[str, str], body: bytes | None = None,
                          what: str = "", timeout: aiohttp.ClientTimeout | None = None,
                          headers: dict[str, str] | None = None) -> tuple[ET.Element, Mapping[str, str]]:
        """The XML answer and the response headers."""
        response = await self._request(method, key, params, headers=headers, body=body, what=what, timeout=timeout)
        try:
            data = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise transient(type(exc).__name__, f"{what}: connection broke") from None
        finally:
            response.release()
        try:
            root = _strip_ns(ET.fromstring(data))
        except ET.ParseError:
            raise transient("MalformedXML", f"{what or method}: the store sent an unreadable answer") from None
        if root.tag == "Error":  # CompleteMultipartUpload can fail inside a 200
            raise classify_http(500 if root.findtext("Code") == "InternalError" else 400,
                                root.findtext("Code") or "", root.findtext("Message") or "", what=what)
        return root, response.headers

    def _list_params(self) -> dict[str, str]:
        return {"list-type": "2"} if self.list_v2 else {}

    # -- Store ----------------------------------------------------------------------------------------------
    async def check(self, write: bool) -> None:
        try:
            # A server that accepts connections and never answers is told apart quickly at the start.
            await self._xml("GET", None, {**self._list_params(), "max-keys": "1"}, what=f"bucket {self.bucket}",
                            timeout=self.check_timeout)
        except StorageError as exc:
            raise bucket_refusal(exc, self.bucket, self.endpoint_text, self.keys_text) from None

    async def server_time(self) -> float | None:
        response = await self._request("GET", None, {**self._list_params(), "max-keys": "0"})
        response.release()
        return _http_time(response.headers.get("Date"))

    async def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        async for page, _folders in self._listing(prefix, start_after, ""):
            if page:
                yield page

    async def list_level(self, prefix: str, start_after: str = "") -> AsyncIterator[tuple[list[ObjectInfo], list[str]]]:
        seen: set[str] = set()
        async for page, folders in self._listing(prefix, start_after, "/"):
            # A marker-listing page that ends on a folder may name it again on the next page: once is enough
            # (a set, not an order test: SeaweedFS lists "a/" before "a-b/").
            folders = [f for f in folders if f not in seen]
            seen.update(folders)
            if page or folders:
                yield page, folders

    async def _listing(self, prefix: str, start_after: str,
                       delimiter: str) -> AsyncIterator[tuple[list[ObjectInfo], list[str]]]:
        """Pages of (objects, common prefixes); with a delimiter the prefixes are the "folders" under ``prefix``."""
        token, marker = "", start_after
        while True:
            params = {**self._list_params(), "encoding-type": "url", "max-keys": "1000"}
            if prefix:
                params["prefix"] = prefix
            if delimiter:
                params["delimiter"] = delimiter
            if not self.list_v2:
                if marker:
                    params["marker"] = marker
            elif token:
                params["continuation-token"] = token
            elif start_after:
                params["start-after"] = start_after
            root = await self._xml("GET", None, params, what=f"listing {self.bucket}/{prefix}")
            encoded = (root.findtext("EncodingType") or "").lower() == "url"
            page = []
            for c in root.iterfind("Contents"):
                key = c.findtext("Key") or ""
                if encoded:
                    key = unquote_plus(key)
                page.append(ObjectInfo(key=key, size=int(c.findtext("Size") or 0), etag=_etag(c.findtext("ETag")),
                                       mtime=_iso_time(c.findtext("LastModified")),
                                       storage_class=c.findtext("StorageClass")))
            folders = [unquote_plus(f) if encoded else f for f in
                       (c.findtext("Prefix") or "" for c in root.iterfind("CommonPrefixes")) if f]
            yield page, folders
            truncated = (root.findtext("IsTruncated") or "").lower() == "true"
            if self.list_v2:
                token = root.findtext("NextContinuationToken") or ""
                if encoded and self.token_encoded:
                    token = unquote_plus(token)
                if not truncated or not token:
                    return
            else:   # the next page starts after the last key (or folder) listed
                marker = max([o.key for o in page[-1:]] + folders[-1:], default="")
                if not truncated or not marker:
                    return

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            response = await self._request("HEAD", key, headers=dict(self.read_headers), what=f"HEAD {key}")
        except StorageError as exc:
            if exc.status == 404:
                return None
            raise
        response.release()
        return info_from_headers(key, response.headers, self.vendor)

    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None,
                   *, checksums: bool = True) -> Reader:
        ranged = bool(start) or length is not None
        # Additional checksums describe the whole object: a ranged read (a part) does not ask for them.
        headers = dict(self.read_headers) if checksums and not ranged else {}
        if if_match:
            headers["If-Match"] = f'"{self._etag_out(if_match)}"'
        if ranged:
            end = "" if length is None else str(start + length - 1)
            headers["Range"] = f"bytes={start}-{end}"
        what = f"reading {key}"
        response = await self._request("GET", key, headers=headers, what=what)
        return HttpReader(response, info_from_headers(key, response.headers, self.vendor), what)

    def _write_headers(self, size: int | None, md5: bytes | None, content_type: str | None,
                       metadata: Mapping[str, str] | None, extra: Mapping[str, str] | None = None,
                       storage_class: str | None = None) -> dict[str, str]:
        headers = {} if size is None else {"Content-Length": str(size)}
        if md5 is not None:
            headers["Content-MD5"] = base64.b64encode(md5).decode()
        if content_type:
            headers["Content-Type"] = content_type
        meta = f"x-{self.vendor}-meta-"
        for k, v in (metadata or {}).items():
            headers[meta + k] = v
        headers.update(extra or {})
        if storage_class:
            headers[f"x-{self.vendor}-storage-class"] = storage_class
        return headers

    def _written(self, response: aiohttp.ClientResponse, size: int | None = None) -> WriteResult:
        return WriteResult(etag=_etag(response.headers.get("ETag")), size=size,
                           crc64=parse_crc64(response.headers.get(f"x-{self.vendor}-hash-crc64ecma")))

    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        sent = self._write_headers(size, md5, content_type, metadata, headers, storage_class)
        response = await self._request("PUT", key, headers=sent, body=body, what=f"writing {key}")
        response.release()
        return self._written(response, size)

    async def delete(self, key: str) -> None:
        response = await self._request("DELETE", key, what=f"deleting {key}")
        response.release()

    async def create_upload(self, key: str, *, content_type: str | None = None,
                            metadata: Mapping[str, str] | None = None,
                            headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> str:
        sent = self._write_headers(None, None, content_type, metadata, headers, storage_class)
        root = await self._xml("POST", key, {"uploads": ""}, headers=sent, what=f"starting upload of {key}")
        upload_id = root.findtext("UploadId")
        if not upload_id:
            raise transient("MalformedXML", f"starting upload of {key}: no UploadId in the answer")
        return upload_id

    async def upload_part(self, key: str, upload_id: str, number: int, body: Body, size: int,
                          md5: bytes | None = None) -> str:
        sent = self._write_headers(size, md5, None, None)
        response = await self._request("PUT", key, {"partNumber": str(number), "uploadId": upload_id},
                                       headers=sent, body=body, what=f"writing part {number} of {key}")
        response.release()
        return _etag(response.headers.get("ETag")) or ""

    async def complete_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> WriteResult:
        xml = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>\"{escape(self._etag_out(etag))}\"</ETag></Part>"
            for n, etag in parts) + "</CompleteMultipartUpload>"
        root, headers = await self._xml_answer("POST", key, {"uploadId": upload_id}, body=xml.encode(),
                                               what=f"completing upload of {key}")
        return WriteResult(etag=_etag(root.findtext("ETag")),
                           crc64=parse_crc64(headers.get(f"x-{self.vendor}-hash-crc64ecma")))

    async def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            response = await self._request("DELETE", key, {"uploadId": upload_id}, what=f"aborting upload of {key}")
            response.release()
        except StorageError as exc:
            if exc.status != 404:
                raise

    async def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        parts: dict[int, tuple[str, int]] = {}
        marker = ""
        while True:
            params = {"uploadId": upload_id}
            if marker:
                params["part-number-marker"] = marker
            try:
                root = await self._xml("GET", key, params, what=f"listing parts of {key}")
            except StorageError as exc:
                if exc.status == 404:
                    return None
                raise
            for p in root.iterfind("Part"):
                parts[int(p.findtext("PartNumber") or 0)] = (_etag(p.findtext("ETag")) or "",
                                                             int(p.findtext("Size") or 0))
            marker = root.findtext("NextPartNumberMarker") or ""
            if (root.findtext("IsTruncated") or "").lower() != "true" or not marker:
                return parts

    async def list_uploads(self, prefix: str = "") -> list[Upload]:
        uploads: list[Upload] = []
        key_marker = id_marker = ""
        while True:
            params: dict[str, Any] = {"uploads": "", "encoding-type": "url"}
            if prefix:
                params["prefix"] = prefix
            if key_marker:
                params["key-marker"] = key_marker
                params["upload-id-marker"] = id_marker
            root = await self._xml("GET", None, params, what=f"listing uploads in {self.bucket}")
            encoded = (root.findtext("EncodingType") or "").lower() == "url"
            for u in root.iterfind("Upload"):
                key = u.findtext("Key") or ""
                uploads.append(Upload(unquote_plus(key) if encoded else key, u.findtext("UploadId") or ""))
            key_marker = root.findtext("NextKeyMarker") or ""
            if encoded:   # encoded like the keys, by S3 and OSS alike
                key_marker = unquote_plus(key_marker)
            id_marker = root.findtext("NextUploadIdMarker") or ""
            if (root.findtext("IsTruncated") or "").lower() != "true" or not key_marker:
                return uploads
