"""Tencent Cloud COS over the shared HTTP path (``wizard/storage/http.py``): region and custom endpoints, buckets
with their APPID, the COS signature (``wizard/storage/cossign.py``, checked against cos-python-sdk-v5's
``CosS3Auth`` byte for byte), marker listing, ranged reads, single and multipart writes, ``x-cos-meta-*``,
Content-*, storage classes and the CRC-64 COS publishes (``x-cos-hash-crc64ecma``).

cos-python-sdk-v5 stays the reference the tests hold this connector to; it is not on the data path, where its
per-request cost (requests, xmltodict, a log line formatted per call) made COS five times the S3 connector's CPU
per object.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from yarl import URL

from wizard.errors import task_stopped
from wizard.storage.base import Features
from wizard.storage.cossign import CosSigner, cos_path, cos_query
from wizard.storage.http import HttpStore, is_ip_host

BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{1,12}$")


class CosStore(HttpStore):
    """One COS bucket (``name-APPID``), always addressed as ``<bucket>.<endpoint>``; an IP endpoint (a private
    address in front of COS, and the tests' gateway) is connected to directly with the region's name as Host."""

    features = Features(multipart=True, etag_is_md5=True, metadata=True, crc64=True, folders=True)
    name = "cos"
    vendor = "cos"
    keys_text = "the SecretId and SecretKey"
    list_v2 = False

    def __init__(self, endpoint: str, bucket: str, secret_id: str, secret_key: str, *, region: str = "",
                 connections: int = 64, timeout: float = 60.0) -> None:
        super().__init__(endpoint, bucket, connections=connections, timeout=timeout)
        if not BUCKET.match(bucket):
            raise task_stopped("bucket", "InvalidBucketName", f"COS bucket {bucket!r} must be written with its "
                               "APPID, like photos-1250000000")
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        host = parts.hostname or ""
        self.scheme = parts.scheme
        port = f":{parts.port}" if parts.port else ""
        if is_ip_host(host):
            self.virtual_host = f"{bucket}.cos.{region or 'ap-guangzhou'}.myqcloud.com"
            self.connect_host = parts.netloc
        else:   # region endpoints (public, internal) and custom domains: the bucket goes in front of the host
            self.virtual_host = f"{bucket}.{host}"
            self.connect_host = self.virtual_host + port
        self.signer = CosSigner(secret_id, secret_key)

    def _address(self, method: str, key: str | None, params: dict[str, str], headers: dict[str, str],
                 has_body: bool) -> URL:
        headers["Host"] = self.virtual_host
        self.signer.sign(method, "/" + (key or ""), params, headers)
        query = cos_query(params)
        return URL(f"{self.scheme}://{self.connect_host}{cos_path(key)}" + (f"?{query}" if query else ""),
                   encoded=True)
