"""Amazon S3 and S3-compatible stores, spoken directly over aiohttp (``wizard/storage/http.py``) with SigV4.

boto3 costs about 3.4 ms of CPU per small object on this hardware (request building, event hooks, response
parsing), which made a 2,000-object copy three times slower than rclone; this connector keeps the per-request
path to a signature, one pooled HTTP/1.1 request and, for listings, one XML parse.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from yarl import URL

from wizard.errors import StorageError
from wizard.storage.base import Features
from wizard.storage.http import HttpStore
from wizard.storage.sigv4 import EMPTY_SHA256, UNSIGNED, SigV4Signer, canonical_query, uri_encode

CHECKSUM_MODE = {"x-amz-checksum-mode": "ENABLED"}   # asks for the object's additional checksums, where it has any


class S3Store(HttpStore):
    """One bucket of an S3-compatible store. ``path_style`` None picks path style for IPs and non-AWS hosts."""

    features = Features(multipart=True, etag_is_md5=True, metadata=True, folders=True)
    name = "s3"
    read_headers = CHECKSUM_MODE

    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str, *, region: str = "us-east-1",
                 path_style: bool | None = None, connections: int = 64, timeout: float = 60.0) -> None:
        super().__init__(endpoint, bucket, connections=connections, timeout=timeout)
        parts = urlsplit(endpoint)
        self.scheme, self.host = parts.scheme, parts.netloc
        if path_style is None:
            path_style = not self.host.endswith("amazonaws.com") or "." in bucket
        self.path_style = path_style
        self.signer = SigV4Signer(access_key, secret_key, region)
        if path_style:
            self._base_host, self._base_path = self.host, "/" + uri_encode(bucket)
        else:
            self._base_host, self._base_path = f"{bucket}.{self.host}", ""
        self.connect_host = self.host

    def _address(self, method: str, key: str | None, params: dict[str, str], headers: dict[str, str],
                 has_body: bool) -> URL:
        path = self._base_path + ("/" + uri_encode(key, safe="/") if key is not None else "/")
        query = canonical_query(params) if params else ""
        self.signer.sign(method, self._base_host, path, query, headers, UNSIGNED if has_body else EMPTY_SHA256)
        if not self.path_style:
            headers["Host"] = self._base_host
        return URL(f"{self.scheme}://{self._base_host}{path}" + (f"?{query}" if query else ""), encoded=True)

    async def source_part_size(self, key: str) -> int | None:
        try:
            response = await self._request("HEAD", key, {"partNumber": "1"}, what=f"HEAD {key} part 1")
        except StorageError as exc:
            if exc.status in (400, 404, 416):   # not multipart, or a store without partNumber on HEAD
                return None
            raise
        response.release()
        if not response.headers.get("x-amz-mp-parts-count"):
            return None
        try:
            return int(response.headers.get("Content-Length", "0")) or None
        except ValueError:
            return None
