"""The storage interface every connector implements, and the facts that flow through it.

A connector is a small class: it lists keys in UTF-8 byte order (which is Python's ``str`` order), reads
ranges as a stream of chunks, and writes either in one request or as a multipart upload. What a store cannot
do is a declared ``Features`` flag, and the engine falls back (a store without multipart gets one streamed
write; one without MD5 ETags is verified by size and the digest computed on the way).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Body = bytes | AsyncIterable[bytes]


@dataclass(slots=True)
class ObjectInfo:
    """One object as a listing or a HEAD saw it. ``etag`` is unquoted and lower-case."""

    key: str
    size: int
    etag: str | None = None
    mtime: float | None = None
    crc64: int | None = None
    content_type: str | None = None
    metadata: dict[str, str] | None = None
    storage_class: str | None = None
    content_headers: dict[str, str] | None = None   # Content-Encoding/-Disposition/-Language, Cache-Control...
    ref: str | None = None           # how the source finds it when the key does not say (a URL list's URL)
    checksums: dict[str, str] | None = None   # S3 additional checksums: algorithm (crc32, sha256...) -> base64


@dataclass(frozen=True, slots=True)
class Features:
    """What a store can do; the engine asks these instead of checking connector types."""

    multipart: bool = False          # create/upload_part/complete/abort/list uploads
    etag_is_md5: bool = False        # a single-part write's ETag is the hex MD5 of the bytes
    metadata: bool = False           # keeps Content-Type and user metadata
    min_part_size: int = 5 * 1024 * 1024
    max_parts: int = 10_000
    local_md5: bool = False          # can compute an object's MD5 cheaply (a local file)
    crc64: bool = False              # publishes CRC-64/XZ of objects (x-oss-/x-cos-hash-crc64ecma)
    folders: bool = False            # lists one level at a time ("/" as delimiter): list_level


@dataclass(slots=True)
class WriteResult:
    """What the store said about a finished write."""

    etag: str | None
    size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    crc64: int | None = None


@dataclass(slots=True)
class Upload:
    """An unfinished multipart upload at a store."""

    key: str
    upload_id: str


class Reader(abc.ABC):
    """An open read of one object (or a range of it): its facts, then its bytes as chunks."""

    info: ObjectInfo

    @abc.abstractmethod
    def chunks(self) -> AsyncIterator[bytes]:
        """The bytes, in order, in chunks of a bounded size."""

    async def close(self) -> None:
        """Release the connection; reading may stop early."""


class Store(abc.ABC):
    """One bucket (or folder) with a key prefix; every connector implements this."""

    features: Features = Features()
    name: str = "store"

    async def open(self) -> None:
        """Prepare connections; called once before use."""

    async def close(self) -> None:
        """Release connections."""

    @abc.abstractmethod
    def list_pages(self, prefix: str = "", start_after: str = "") -> AsyncIterator[list[ObjectInfo]]:
        """Pages of objects whose key starts with ``prefix`` and sorts after ``start_after``, in key order."""

    def list_level(self, prefix: str, start_after: str = "") -> AsyncIterator[tuple[list[ObjectInfo], list[str]]]:
        """Pages of (the objects directly under ``prefix``, the folders under it as "prefix/name/"); only where
        ``features.folders`` (the forecast samples folders with it)."""
        raise NotImplementedError

    @abc.abstractmethod
    async def head(self, key: str) -> ObjectInfo | None:
        """The object's facts with metadata, or None when it does not exist."""

    @abc.abstractmethod
    async def read(self, key: str, start: int = 0, length: int | None = None, if_match: str | None = None,
                   *, checksums: bool = True) -> Reader:
        """Open a read of ``length`` bytes from ``start`` (all of it when None). With ``if_match`` (an ETag) a
        store that can tell raises a retryable ``changed`` error when the object is no longer that version.
        ``checksums`` False: the caller needs no additional checksums (the listed ETag is a plain MD5), which
        spares a store that computes them on request (S3's checksum mode cost SeaweedFS 0.45 CPU-s per 64 MiB)."""

    @abc.abstractmethod
    async def write(self, key: str, body: Body, size: int, *, md5: bytes | None = None,
                    content_type: str | None = None, metadata: Mapping[str, str] | None = None,
                    headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> WriteResult:
        """Write the whole object in one request; ``md5`` (raw digest), when given, is checked by the store."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove one object (used only for the pre-flight probe at the destination)."""

    async def check(self, write: bool) -> None:
        """Raise StorageError (action TASK) when the bucket is missing or the credentials are refused."""

    async def source_part_size(self, key: str) -> int | None:
        """The size of part 1 of a multipart-uploaded object (its layout), where the store tells; else None."""
        return None

    async def server_time(self) -> float | None:
        """The store's clock (from a Date header), for the skew check; None when it has none."""
        return None

    # Multipart: only where features.multipart is true.
    async def create_upload(self, key: str, *, content_type: str | None = None,
                            metadata: Mapping[str, str] | None = None,
                            headers: Mapping[str, str] | None = None, storage_class: str | None = None) -> str:
        raise NotImplementedError

    async def upload_part(self, key: str, upload_id: str, number: int, body: Body, size: int,
                          md5: bytes | None = None) -> str:
        raise NotImplementedError

    async def complete_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> WriteResult:
        raise NotImplementedError

    async def abort_upload(self, key: str, upload_id: str) -> None:
        raise NotImplementedError

    async def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        """Uploaded parts as number -> (etag, size); None when the upload no longer exists."""
        raise NotImplementedError

    async def list_uploads(self, prefix: str = "") -> list[Upload]:
        raise NotImplementedError
