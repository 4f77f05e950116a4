"""A URL list as a source: a text file of HTTP(S) URLs, one per line (blank lines and ``#`` comments allowed).

The key of each object is the URL's path (decoded), with ``strip_prefix`` removed and ``add_prefix`` put in
front. Listing sends a HEAD per URL (a few at a time) for size, ETag and Last-Modified when the server gives
them; reads are GETs (ranged for parts of large files), redirects followed up to a bound. A line that is not an
HTTP(S) URL becomes a failed entry named after its line number, so it is reported and the task goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp

from wizard.errors import StorageError, classify_http, object_failed, task_stopped, transient
from wizard.storage.base import Body, Features, ObjectInfo, Reader, Store, WriteResult
from wizard.storage.http import HttpReader, _etag, _http_time

CHUNK = 256 * 1024
PAGE = 1000
HEADS_AT_ONCE = 16
MAX_REDIRECTS = 5
BAD_LINE = "#line "          # keys of malformed entries start with this: no real URL path can


class UrlListStore(Store):
    """The URLs of one list file; read-only."""

    features = Features()
    name = "urllist"

    def __init__(self, list_file: str | Path, *, strip_prefix: str = "", add_prefix: str = "",
                 connections: int = 64) -> None:
        self.path = Path(list_file)
        self.strip_prefix = strip_prefix
        self.add_prefix = add_prefix
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self.request_gate = None

    async def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=60), auto_decompress=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check(self, write: bool) -> None:
        if write:
            raise task_stopped("config", "ReadOnly", "a URL list can only be a source")
        if not self.path.is_file():
            raise task_stopped("bucket", "NoSuchFile", f"URL list {self.path} does not exist")

    def key_for(self, url: str) -> str | None:
        """The object key for a URL, or None when the line is not an HTTP(S) URL with a path."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        key = unquote(parts.path).lstrip("/")
        if self.strip_prefix and key.startswith(self.strip_prefix):
            key = key[len(self.strip_prefix):]
        key = self.add_prefix + key
        return key or None

    def _entries(self) -> list[tuple[int, str]]:
        try:
            with open(self.path, encoding="utf-8-sig", errors="replace") as f:
                return [(n, line.strip()) for n, line in enumerate(f, 1)
                        if line.strip() and not line.lstrip().startswith("#")]
        except OSError as exc:
            raise task_stopped("io", "ListUnreadable", f"URL list {self.path} cannot be read ({exc.strerror})") \
                from None

    async def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        """Entries in file order; ``start_after`` resumes after the entry with that key."""
        await self.open()
        entries = self._entries()
        if start_after:
            for i, (n, url) in enumerate(entries):
                if (self.key_for(url) or _bad_key(n, url)) == start_after:
                    entries = entries[i + 1:]
                    break
        gate = asyncio.Semaphore(HEADS_AT_ONCE)
        for i in range(0, len(entries), PAGE):
            page = await asyncio.gather(*(self._entry(n, url, gate) for n, url in entries[i:i + PAGE]))
            chosen = [o for o in page if o.key.startswith(prefix)]
            if chosen:
                yield chosen

    async def _entry(self, number: int, url: str, gate: asyncio.Semaphore) -> ObjectInfo:
        key = self.key_for(url)
        if key is None:
            return ObjectInfo(key=_bad_key(number, url), size=0, ref=f"{BAD_LINE}{number}")
        async with gate:
            info = await self.head(url)
        if info is None:  # missing (404) or no answer: the copy reports it for this object
            return ObjectInfo(key=key, size=-1, ref=url)
        info.key, info.ref = key, url
        return info

    async def _get(self, method: str, url: str, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        await self.open()
        assert self._session is not None
        if self.request_gate is not None:
            await self.request_gate()
        what = f"{method} {url}"
        try:
            response = await self._session.request(method, url, headers=headers, max_redirects=MAX_REDIRECTS)
        except aiohttp.TooManyRedirects:
            raise object_failed("request", "TooManyRedirects", f"{what}: more than {MAX_REDIRECTS} redirects") \
                from None
        except aiohttp.InvalidURL:
            raise object_failed("invalid-url", "InvalidURL", f"{what}: not a URL that can be fetched") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise transient(type(exc).__name__, f"{what}: connection failed ({type(exc).__name__})") from None
        if response.status >= 300:
            response.release()
            raise classify_http(response.status, "", response.reason or "", what=what)
        return response

    async def head(self, key: str) -> ObjectInfo | None:
        if key.startswith(BAD_LINE):
            return None
        try:
            response = await self._get("HEAD", key)
        except StorageError:
            return None
        response.release()
        return _info(key, response.headers)

    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None,
                   *, checksums: bool = True) -> Reader:
        if key.startswith(BAD_LINE):
            raise object_failed("invalid-url", "MalformedLine",
                                f"{key[1:]} of {self.path.name} is not an http(s) URL with a path")
        headers = {}
        if start or length is not None:
            headers["Range"] = f"bytes={start}-{'' if length is None else start + length - 1}"
        if if_match and headers:
            # Only ranged reads (the parts of a large file) are pinned on the wire: web servers' ETags may be weak
            # or case-sensitive, which If-Match would refuse; a whole read is compared with the listed version
            # by the copier instead (size, ETag).
            headers["If-Match"] = f'"{if_match}"'
        response = await self._get("GET", key, headers)
        if headers.get("Range") and response.status != 206:
            response.release()
            raise object_failed("request", "RangeNotSupported", f"GET {key}: the server ignores byte ranges")
        return HttpReader(response, _info(key, response.headers), f"GET {key}")

    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        raise task_stopped("config", "ReadOnly", "a URL list can only be a source")

    async def delete(self, key: str) -> None:
        raise task_stopped("config", "ReadOnly", "a URL list can only be a source")


def _bad_key(number: int, line: str) -> str:
    return f"{BAD_LINE}{number}: {line[:200]}"


def _info(url: str, headers: Mapping[str, str]) -> ObjectInfo:
    """Size (-1 when the server does not say), ETag and Last-Modified from a response."""
    size = int(headers["Content-Length"]) if "Content-Length" in headers else -1
    rng = headers.get("Content-Range")
    if rng and "/" in rng and not rng.endswith("/*"):
        size = int(rng.rsplit("/", 1)[1])
    return ObjectInfo(key=url, size=size, etag=_etag(headers.get("ETag")),
                      mtime=_http_time(headers.get("Last-Modified")), content_type=headers.get("Content-Type"))
