"""Alibaba Cloud OSS on oss2: region endpoints (public ``oss-<region>.aliyuncs.com`` and internal
``oss-<region>-internal.aliyuncs.com``) and custom endpoints, signature V4, paged listing, ranged reads, single
and multipart writes, ``x-oss-meta-*``, Content-*, storage classes and the CRC64 OSS publishes
(``x-oss-hash-crc64ecma``). oss2's own CRC check is off: the copier computes CRC-64 once, for both sides."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from wizard.crc64 import parse_header as _crc
from wizard.errors import StorageError, classify_http, task_stopped, transient
from wizard.storage.base import Body, Features, ObjectInfo, Reader, Upload, WriteResult
from wizard.storage.openfiles import local_resource, out_of_files
from wizard.storage.s3 import _etag, bucket_refusal, info_from_headers
from wizard.storage.threaded import BlockingReader, ThreadedStore

META = "x-oss-meta-"
REGION_HOST = re.compile(r"^oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$")


class OssStore(ThreadedStore):
    """One OSS bucket."""

    features = Features(multipart=True, etag_is_md5=True, metadata=True, crc64=True, min_part_size=100 * 1024)
    name = "oss"

    def __init__(self, endpoint: str, bucket: str, access_key_id: str, access_key_secret: str, *,
                 region: str = "", connections: int = 64) -> None:
        import oss2

        super().__init__(connections)
        host = urlsplit(endpoint).hostname or ""
        match = REGION_HOST.match(host)
        region = region or (match.group(1) if match else "")
        if not region:
            raise task_stopped("config", "RegionRequired", f"OSS endpoint {endpoint} does not name its region: "
                               "give the region (like cn-hangzhou) in the task's region field")
        self.bucket = bucket
        self.endpoint_text = endpoint
        self._oss = oss2
        self._bucket = oss2.Bucket(oss2.AuthV4(access_key_id, access_key_secret), endpoint, bucket,
                                   session=oss2.Session(pool_size=connections), connect_timeout=15,
                                   enable_crc=False, region=region, is_verify_object_strict=False)

    def __repr__(self) -> str:
        return f"OssStore({self.endpoint_text!r}, {self.bucket!r})"

    def translate(self, exc: Exception, what: str) -> Exception:
        oss2 = self._oss
        if isinstance(exc, StorageError):
            return exc
        if out_of_files(exc):   # this machine's open files, not the store: retried, classed local
            return local_resource(what)
        if isinstance(exc, oss2.exceptions.RequestError):
            return transient("ConnectionError", f"{what}: cannot reach {self.endpoint_text}")
        if isinstance(exc, oss2.exceptions.OssError):
            code = getattr(exc, "code", "") or ""
            if exc.status == 404 and not code:
                code = "NoSuchKey"
            return classify_http(exc.status if exc.status > 0 else 500, code,
                                 getattr(exc, "message", "") or "", what=what)
        return transient(type(exc).__name__, f"{what}: {type(exc).__name__}")

    async def check(self, write: bool) -> None:
        try:
            await self.call(f"bucket {self.bucket}", self._bucket.list_objects_v2, max_keys=1)
        except StorageError as exc:
            raise bucket_refusal(exc, self.bucket, self.endpoint_text, "the AccessKey ID and Secret") from None

    async def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        token = ""
        while True:
            result = await self.call(f"listing {self.bucket}/{prefix}", self._bucket.list_objects_v2, prefix=prefix,
                                     continuation_token=token, start_after="" if token else start_after,
                                     max_keys=1000)
            page = [ObjectInfo(key=o.key, size=int(o.size), etag=_etag(o.etag), mtime=float(o.last_modified),
                               storage_class=o.storage_class) for o in result.object_list]
            if page:
                yield page
            token = result.next_continuation_token
            if not result.is_truncated or not token:
                return

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            result = await self.call(f"HEAD {key}", self._bucket.head_object, key)
        except StorageError as exc:
            if exc.status == 404:
                return None
            raise
        return info_from_headers(key, result.headers, "oss")

    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None) -> Reader:
        what = f"reading {key}"
        byte_range = (start, None if length is None else start + length - 1) if (start or length is not None) \
            else None
        headers = {"If-Match": f'"{if_match.upper()}"'} if if_match else None
        result = await self.call(what, self._bucket.get_object, key, byte_range=byte_range, headers=headers)
        info = info_from_headers(key, result.headers, "oss")
        count = length if length is not None else info.size - start
        return BlockingReader(self, result, info, count, what, result.resp.response.close)

    @staticmethod
    def _headers(md5: bytes | None, content_type: str | None, metadata: Mapping[str, str] | None,
                 extra: Mapping[str, str] | None, storage_class: str | None) -> dict[str, str]:
        headers: dict[str, str] = dict(extra or {})
        if md5 is not None:
            headers["Content-MD5"] = base64.b64encode(md5).decode()
        if content_type:
            headers["Content-Type"] = content_type
        for k, v in (metadata or {}).items():
            headers[META + k] = v
        if storage_class:
            headers["x-oss-storage-class"] = storage_class
        return headers

    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        sent = self._headers(md5, content_type, metadata, headers, storage_class)
        sent["Content-Length"] = str(size)
        result = await self.call(f"writing {key}", self._bucket.put_object, key, self.body_file(body, size),
                                 headers=sent)
        return WriteResult(etag=_etag(result.etag), size=size, crc64=_crc(result.headers.get("x-oss-hash-crc64ecma")))

    async def delete(self, key: str) -> None:
        await self.call(f"deleting {key}", self._bucket.delete_object, key)

    async def create_upload(self, key: str, *, content_type: str | None = None,
                            metadata: Mapping[str, str] | None = None,
                            headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> str:
        result = await self.call(f"starting upload of {key}", self._bucket.init_multipart_upload, key,
                                 headers=self._headers(None, content_type, metadata, headers, storage_class))
        return str(result.upload_id)

    async def upload_part(self, key: str, upload_id: str, number: int, body: Body, size: int,
                          md5: bytes | None = None) -> str:
        sent = self._headers(md5, None, None, None, None)
        sent["Content-Length"] = str(size)
        result = await self.call(f"writing part {number} of {key}", self._bucket.upload_part, key, upload_id, number,
                                 self.body_file(body, size), headers=sent)
        return _etag(result.etag) or ""

    async def complete_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> WriteResult:
        infos = [self._oss.models.PartInfo(n, e.upper()) for n, e in parts]
        result = await self.call(f"completing upload of {key}", self._bucket.complete_multipart_upload, key,
                                 upload_id, infos)
        return WriteResult(etag=_etag(result.etag), crc64=_crc(result.headers.get("x-oss-hash-crc64ecma")))

    async def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            await self.call(f"aborting upload of {key}", self._bucket.abort_multipart_upload, key, upload_id)
        except StorageError as exc:
            if exc.status != 404:
                raise

    async def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        parts: dict[int, tuple[str, int]] = {}
        marker = ""
        while True:
            try:
                result = await self.call(f"listing parts of {key}", self._bucket.list_parts, key, upload_id,
                                         marker=marker)
            except StorageError as exc:
                if exc.status == 404:
                    return None
                raise
            for p in result.parts:
                parts[int(p.part_number)] = (_etag(p.etag) or "", int(p.size))
            if not result.is_truncated:
                return parts
            marker = result.next_marker

    async def list_uploads(self, prefix: str = "") -> list[Upload]:
        uploads: list[Upload] = []
        key_marker = id_marker = ""
        while True:
            result = await self.call(f"listing uploads in {self.bucket}", self._bucket.list_multipart_uploads,
                                     prefix=prefix, key_marker=key_marker, upload_id_marker=id_marker)
            uploads += [Upload(u.key, u.upload_id) for u in result.upload_list]
            if not result.is_truncated:
                return uploads
            key_marker, id_marker = result.next_key_marker, result.next_upload_id_marker
