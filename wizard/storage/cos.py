"""Tencent Cloud COS on cos-python-sdk-v5: region and custom endpoints, buckets with their APPID, listing,
ranged reads, single and multipart writes, ``x-cos-meta-*``, Content-*, storage classes and the CRC64 that COS
publishes (``x-cos-hash-crc64ecma``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from wizard.crc64 import parse_header as _crc
from wizard.errors import StorageError, classify_http, task_stopped, transient
from wizard.storage.base import Body, Features, ObjectInfo, Reader, Upload, WriteResult
from wizard.storage.openfiles import local_resource, out_of_files
from wizard.storage.s3 import _etag, _iso_time, bucket_refusal, info_from_headers
from wizard.storage.threaded import BlockingReader, ThreadedStore

META = "x-cos-meta-"
BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{1,12}$")
REGION_HOST = re.compile(r"^cos(?:-internal)?\.([a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$")
_SDK_HEADERS = {"Content-Type": "ContentType", "Cache-Control": "CacheControl", "Content-Encoding": "ContentEncoding",
                "Content-Disposition": "ContentDisposition", "Content-Language": "ContentLanguage",
                "Expires": "Expires"}


class CosStore(ThreadedStore):
    """One COS bucket (``name-APPID``)."""

    features = Features(multipart=True, etag_is_md5=True, metadata=True, crc64=True)
    name = "cos"

    def __init__(self, endpoint: str, bucket: str, secret_id: str, secret_key: str, *, region: str = "",
                 connections: int = 64) -> None:
        from qcloud_cos import CosConfig, CosS3Client

        super().__init__(connections)
        if not BUCKET.match(bucket):
            raise task_stopped("bucket", "InvalidBucketName", f"COS bucket {bucket!r} must be written with its "
                               "APPID, like photos-1250000000")
        parts = urlsplit(endpoint)
        host, scheme = parts.hostname or "", parts.scheme or "https"
        match = REGION_HOST.match(host)
        options: dict[str, Any] = {"Scheme": scheme, "PoolConnections": connections, "PoolMaxSize": connections,
                                   "Timeout": 60}
        try:
            ipaddress.ip_address(host)
            is_ip = True
        except ValueError:
            is_ip = host == "localhost"
        if match:
            options["Region"] = region or match.group(1)
            if host.startswith("cos-internal."):
                options["Endpoint"] = host
        elif is_ip:  # a private address in front of COS (and the tests' gateway)
            options.update(Region=region or "ap-guangzhou", IP=host, Port=parts.port or (443 if scheme == "https"
                                                                                           else 80))
        else:  # a custom endpoint (CDN or accelerated domain): the SDK puts the bucket in front of it
            options.update(Region=region or None, Endpoint=host)
        self.bucket = bucket
        self.endpoint_text = endpoint
        self._client = CosS3Client(CosConfig(SecretId=secret_id, SecretKey=secret_key, **options), retry=0)

    def __repr__(self) -> str:
        return f"CosStore({self.endpoint_text!r}, {self.bucket!r})"

    def translate(self, exc: Exception, what: str) -> Exception:
        from qcloud_cos.cos_exception import CosClientError, CosServiceError

        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, CosServiceError):
            return classify_http(exc.get_status_code() or 500, exc.get_error_code() or "", exc.get_error_msg() or "",
                                 what=what)
        if out_of_files(exc):   # this machine's open files, not the store: retried, classed local
            return local_resource(what)
        if isinstance(exc, CosClientError):
            return transient("ConnectionError", f"{what}: cannot reach {self.endpoint_text}")
        return transient(type(exc).__name__, f"{what}: {type(exc).__name__}")

    async def check(self, write: bool) -> None:
        try:
            await self.call(f"bucket {self.bucket}", self._client.list_objects, Bucket=self.bucket, MaxKeys=1)
        except StorageError as exc:
            raise bucket_refusal(exc, self.bucket, self.endpoint_text, "the SecretId and SecretKey") from None

    async def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        marker = start_after
        while True:
            data = await self.call(f"listing {self.bucket}/{prefix}", self._client.list_objects, Bucket=self.bucket,
                                   Prefix=prefix, Marker=marker, MaxKeys=1000)
            page = [ObjectInfo(key=c["Key"], size=int(c.get("Size") or 0), etag=_etag(c.get("ETag")),
                               mtime=_iso_time(c.get("LastModified")), storage_class=c.get("StorageClass"))
                    for c in data.get("Contents", [])]
            if page:
                yield page
            if str(data.get("IsTruncated", "false")).lower() != "true":
                return
            marker = data.get("NextMarker") or (page[-1].key if page else "")
            if not marker:
                return

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            headers = await self.call(f"HEAD {key}", self._client.head_object, Bucket=self.bucket, Key=key)
        except StorageError as exc:
            if exc.status == 404:
                return None
            raise
        return info_from_headers(key, headers, "cos")

    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None) -> Reader:
        kwargs: dict[str, Any] = {}
        if start or length is not None:
            kwargs["Range"] = f"bytes={start}-{'' if length is None else start + length - 1}"
        if if_match:
            kwargs["IfMatch"] = f'"{if_match}"'
        what = f"reading {key}"
        response = await self.call(what, self._client.get_object, Bucket=self.bucket, Key=key, **kwargs)
        info = info_from_headers(key, response, "cos")
        body = response["Body"]
        count = length if length is not None else info.size - start
        return BlockingReader(self, body.get_raw_stream(), info, count, what, body.get_raw_stream().close)

    def _write_args(self, md5: bytes | None, content_type: str | None, metadata: Mapping[str, str] | None,
                    headers: Mapping[str, str] | None, storage_class: str | None) -> dict[str, Any]:
        import base64

        args: dict[str, Any] = {}
        if md5 is not None:
            args["ContentMD5"] = base64.b64encode(md5).decode()
        if content_type:
            args["ContentType"] = content_type
        for name, value in (headers or {}).items():
            if name in _SDK_HEADERS:
                args[_SDK_HEADERS[name]] = value
        if metadata:
            args["Metadata"] = {META + k: v for k, v in metadata.items()}
        if storage_class:
            args["StorageClass"] = storage_class
        return args

    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        args = self._write_args(md5, content_type, metadata, headers, storage_class)
        result = await self.call(f"writing {key}", self._client.put_object, Bucket=self.bucket, Key=key,
                                 Body=self.body_file(body, size), **args)
        h = {k.lower(): v for k, v in result.items()}
        return WriteResult(etag=_etag(h.get("etag")), size=size, crc64=_crc(h.get("x-cos-hash-crc64ecma")))

    async def delete(self, key: str) -> None:
        await self.call(f"deleting {key}", self._client.delete_object, Bucket=self.bucket, Key=key)

    async def create_upload(self, key: str, *, content_type: str | None = None,
                            metadata: Mapping[str, str] | None = None,
                            headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> str:
        args = self._write_args(None, content_type, metadata, headers, storage_class)
        data = await self.call(f"starting upload of {key}", self._client.create_multipart_upload,
                               Bucket=self.bucket, Key=key, **args)
        return str(data["UploadId"])

    async def upload_part(self, key: str, upload_id: str, number: int, body: Body, size: int,
                          md5: bytes | None = None) -> str:
        args = self._write_args(md5, None, None, None, None)
        result = await self.call(f"writing part {number} of {key}", self._client.upload_part, Bucket=self.bucket,
                                 Key=key, Body=self.body_file(body, size), PartNumber=number, UploadId=upload_id,
                                 **args)
        return _etag({k.lower(): v for k, v in result.items()}.get("etag")) or ""

    async def complete_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> WriteResult:
        data = await self.call(f"completing upload of {key}", self._client.complete_multipart_upload,
                               Bucket=self.bucket, Key=key, UploadId=upload_id,
                               MultipartUpload={"Part": [{"PartNumber": n, "ETag": f'"{e}"'} for n, e in parts]})
        h = {k.lower(): v for k, v in data.items()}
        return WriteResult(etag=_etag(h.get("etag")), crc64=_crc(h.get("x-cos-hash-crc64ecma")))

    async def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            await self.call(f"aborting upload of {key}", self._client.abort_multipart_upload, Bucket=self.bucket,
                            Key=key, UploadId=upload_id)
        except StorageError as exc:
            if exc.status != 404:
                raise

    async def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        parts: dict[int, tuple[str, int]] = {}
        marker = 0
        while True:
            try:
                data = await self.call(f"listing parts of {key}", self._client.list_parts, Bucket=self.bucket,
                                       Key=key, UploadId=upload_id, PartNumberMarker=marker)
            except StorageError as exc:
                if exc.status == 404:
                    return None
                raise
            items = data.get("Part", [])
            for p in items if isinstance(items, list) else [items]:
                parts[int(p["PartNumber"])] = (_etag(p.get("ETag")) or "", int(p.get("Size") or 0))
            if str(data.get("IsTruncated", "false")).lower() != "true":
                return parts
            marker = int(data.get("NextPartNumberMarker") or 0)

    async def list_uploads(self, prefix: str = "") -> list[Upload]:
        uploads: list[Upload] = []
        key_marker = id_marker = ""
        while True:
            data = await self.call(f"listing uploads in {self.bucket}", self._client.list_multipart_uploads,
                                   Bucket=self.bucket, Prefix=prefix, KeyMarker=key_marker,
                                   UploadIdMarker=id_marker)
            items = data.get("Upload", [])
            for u in items if isinstance(items, list) else [items]:
                uploads.append(Upload(u["Key"], u["UploadId"]))
            if str(data.get("IsTruncated", "false")).lower() != "true":
                return uploads
            key_marker, id_marker = data.get("NextKeyMarker") or "", data.get("NextUploadIdMarker") or ""
            if not key_marker:
                return uploads
