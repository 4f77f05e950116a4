"""What proves a copied object equal to its source: a value the *source* published, recomputed on the bytes
that were sent.

The values a source can publish, strongest first for what they cost here: its CRC-64 (OSS, COS), an S3
additional checksum of the whole object (``x-amz-checksum-*``), the MD5 of a single-part upload (its ETag), and
a multipart ETag (the MD5 of the part MD5s), which proves the bytes only when the copy is cut into the same
parts. An object with none of them is verified by size only, and its evidence says so.

Parts of a multipart copy arrive concurrently and out of order; a whole-object digest needs the bytes in
order. ``OrderedFeed`` hashes them by offset and holds chunks that arrive ahead of the hashed position in a
bounded buffer, pausing their senders when it is full.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import zlib
from collections.abc import Iterable
from typing import Any, Protocol

import anycrc

from wizard.errors import Action, StorageError, object_failed
from wizard.storage.base import ObjectInfo

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_MULTIPART = re.compile(r"^[0-9a-f]{32}-(\d+)$")
# S3 additional checksums we can recompute, cheapest first; their values are base64 of the big-endian digest.
CHECKSUMS = ("crc64nvme", "crc32c", "crc32", "sha1", "sha256")
SIZE_ONLY = "size-only"
SOURCE = "source"


class Hasher(Protocol):
    def update(self, data: bytes) -> None: ...


def checksum_error(key: str, what: str, expected: str | None, got: str | None) -> StorageError:
    """The object failed a comparison: retried, then failed as ``checksum``."""
    return object_failed("checksum", "ChecksumMismatch", f"{key}: {what} (expected {expected}, got {got})")


class SourceValues:
    """The values a source published for one object beyond its MD5 ETag, each with the hasher that
    recomputes it on the bytes sent: a whole-object S3 checksum, or a multipart ETag with its part layout."""

    def __init__(self, info: Any, part_size: int | None = None) -> None:
        self.algorithm, self.value = full_object_checksum(info.checksums) or ("", "")
        self.sum = checksum_hasher(self.algorithm) if self.algorithm else None
        self.etag = info.etag
        self.parted = PartedMD5(part_size) if part_size and self.sum is None else None

    def hashers(self) -> list[Any]:
        return [h for h in (self.sum, self.parted) if h is not None]

    def check(self, key: str, proofs: list[str]) -> None:
        """Compare what was recomputed with what the source published; add what matched to ``proofs``."""
        if self.sum is not None:
            got = encoded(self.sum)
            if got != self.value:
                raise checksum_error(key, f"bytes read differ from the source's {self.algorithm} checksum",
                                     self.value, got)
            proofs.append(f"checksum-{self.algorithm}")
        if self.parted is not None:
            got = self.parted.etag()
            if got != self.etag:
                raise checksum_error(key, "bytes read differ from the source's multipart ETag (same part layout)",
                                     self.etag, got)
            proofs.append("multipart-etag")


def is_md5(etag: str | None) -> bool:
    return bool(etag and _MD5.match(etag))


def multipart_count(etag: str | None) -> int | None:
    """The part count a multipart ETag names (``<md5>-N``), or None for any other ETag."""
    m = _MULTIPART.match(etag or "")
    return int(m.group(1)) if m else None


def composite_etag(part_md5s: Iterable[str]) -> str:
    """The multipart ETag S3 computes from the parts' MD5s (hex)."""
    digests = [bytes.fromhex(e) for e in part_md5s]
    return hashlib.md5(b"".join(digests)).hexdigest() + f"-{len(digests)}"


class _Crc:
    """A CRC from anycrc as a hasher; ``digest`` is big-endian, as S3 encodes it."""

    def __init__(self, model: str, width: int) -> None:
        self._model = anycrc.Model(model)
        self._width = width
        self._value: int | None = None

    def update(self, data: bytes) -> None:
        self._value = int(self._model.calc(data) if self._value is None else self._model.calc(data, self._value))

    def digest(self) -> bytes:
        value = self._value if self._value is not None else int(self._model.calc(b""))
        return value.to_bytes(self._width // 8, "big")


class _Crc32:
    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


def checksum_hasher(algorithm: str) -> Any:
    """A hasher for one S3 checksum algorithm; ``encoded(h)`` gives the value as S3 publishes it."""
    if algorithm == "crc32":
        return _Crc32()
    if algorithm == "crc32c":
        return _Crc("CRC32-ISCSI", 32)
    if algorithm == "crc64nvme":
        return _Crc("CRC64-NVME", 64)
    return hashlib.new(algorithm)


def encoded(hasher: Any) -> str:
    return base64.b64encode(hasher.digest()).decode()


def full_object_checksum(checksums: dict[str, str] | None) -> tuple[str, str] | None:
    """The cheapest whole-object checksum the source published: (algorithm, base64 value). Composite ones
    (``value-N``, checksums of part checksums) depend on the part layout and are not used."""
    for algorithm in CHECKSUMS:
        value = (checksums or {}).get(algorithm)
        if value and "-" not in value:
            return algorithm, value
    return None


class PartedMD5:
    """The multipart ETag a stream would have if it had been uploaded in parts of ``part_size`` bytes."""

    def __init__(self, part_size: int) -> None:
        self.part_size = part_size
        self._digests: list[str] = []
        self._md5 = hashlib.md5()
        self._fill = 0

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            take = min(len(view), self.part_size - self._fill)
            self._md5.update(view[:take])
            self._fill += take
            view = view[take:]
            if self._fill == self.part_size:
                self._digests.append(self._md5.hexdigest())
                self._md5, self._fill = hashlib.md5(), 0

    def etag(self) -> str:
        digests = self._digests + ([self._md5.hexdigest()] if self._fill or not self._digests else [])
        return composite_etag(digests)


class OrderedFeed:
    """Feeds ``hashers`` with concurrently arriving parts in offset order, starting at ``start``.

    Bytes offered again at an offset already hashed or held (a part sent again after a failed attempt) taint the
    feed: what was hashed may no longer be what was sent, so the caller proves the object another way (it reads
    the destination back).
    """

    def __init__(self, hashers: list[Any], limit: int = 16 * 1024 * 1024, start: int = 0) -> None:
        self.hashers = hashers
        self.limit = limit
        self.pos = start
        self.tainted = False
        self._ahead: dict[int, bytes] = {}
        self._buffered = 0
        self._moved = asyncio.Condition()

    def _hash(self, chunk: bytes) -> None:
        for h in self.hashers:
            h.update(chunk)
        self.pos += len(chunk)

    async def feed(self, offset: int, chunk: bytes) -> None:
        async with self._moved:
            while not self.tainted:
                if offset < self.pos or offset in self._ahead:   # offered again: what was hashed may differ
                    self.taint()
                elif offset != self.pos and self._buffered + len(chunk) > self.limit:
                    await self._moved.wait()
                else:
                    break
            if self.tainted:
                return
            if offset != self.pos:
                self._ahead[offset] = chunk
                self._buffered += len(chunk)
                return
            self._hash(chunk)
            while (nxt := self._ahead.pop(self.pos, None)) is not None:
                self._buffered -= len(nxt)
                self._hash(nxt)
            self._moved.notify_all()

    def taint(self) -> None:
        """Give up on the in-order digest (a part is sent again); waiting senders go on."""
        self.tainted = True
        self._ahead.clear()
        self._buffered = 0
        asyncio.ensure_future(self._wake())

    async def _wake(self) -> None:
        async with self._moved:
            self._moved.notify_all()


def record_proof(evidence: dict[str, Any], proofs: list[str]) -> None:
    """Say in the evidence what proved the object against its source, or that only its size was compared."""
    if proofs:
        evidence["verified"] = SOURCE
        evidence["proof"] = sorted(set(proofs))
    else:
        evidence["verified"] = SIZE_ONLY


def same_version(todo: Any, info: ObjectInfo) -> None:
    """Raise the retryable ``changed`` error when what a read opened (or a HEAD saw) is not the version listed:
    the check for stores that cannot pin a read to a version (a local file, a web server that ignores If-Match).
    Modification times are compared only where neither side has an ETag: listings and headers round them
    differently."""
    differs = (0 <= todo.size != info.size >= 0) or bool(todo.etag and info.etag and todo.etag != info.etag) or (
        not todo.etag and not info.etag and todo.mtime is not None and info.mtime is not None
        and abs(todo.mtime - info.mtime) > 1e-3)
    if differs:
        raise StorageError(Action.RETRY, "changed", "SourceChanged",
                           f"{todo.key}: the source object changed while it was being copied")
