"""Copies one object: one streamed write below the multipart threshold, concurrent parts above it.

Bytes flow from the source read to the destination write through bounded chunks; the MD5 is computed on the
way, so nothing is read twice. Every object is verified (size always; with ``verify = "checksum"`` the MD5
against the source's single-part ETag and the destination's ETag, or the multipart ETag recomputed from the
part MD5s) and the comparison, with both values, is returned as evidence for the journal.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from wizard.crc64 import Crc64
from wizard.engine.events import Counters
from wizard.engine.journal import Todo
from wizard.engine.ledger import Ledger
from wizard.engine.limits import Limits, object_started
from wizard.engine.multipart import MAX_ATTEMPTS, MultipartCopier, _Count, backoff, part_size_for  # noqa: F401
from wizard.engine.verify import (
    OrderedFeed,
    SourceValues,
    checksum_error,
    full_object_checksum,
    is_md5,
    multipart_count,
    record_proof,
    same_version,
)
from wizard.errors import Action, StorageError, object_failed
from wizard.storage.base import ObjectInfo, Reader, Store
from wizard.storage.mapping import map_storage_class

SMALL = 1024 * 1024          # objects up to this are read whole: one buffer, Content-MD5 sent
LOCAL_ATTEMPTS = 120         # waits (up to 10 s each) for a local resource (open files) before the object fails
REQUEUES = 5                 # versions of one object followed while it keeps changing under the copy, then it fails
# Bytes moved by the current attempt of the object being copied (parts run in child tasks and share it), so
# progress can show objects that are under way and forget an attempt that is retried.
_attempt_bytes: contextvars.ContextVar[list[int]] = contextvars.ContextVar("attempt_bytes")


@dataclass
class Result:
    """The copier's answer for one object."""

    ok: bool
    attempts: int
    evidence: dict[str, Any] | None = None
    error: StorageError | None = None
    # The source version copied, when it is not the one listed (the object changed and was requeued):
    # (size, etag, mtime), for the journal's row to describe what the destination now holds.
    version: tuple[int, str | None, float | None] | None = None


class Copier(MultipartCopier):
    """Copies objects between two stores under shared limits; one instance serves a whole task."""

    def __init__(self, src: Store, dst: Store, ledger: Ledger, limits: Limits, counters: Counters, *,
                 dst_prefix: str = "", verify: str = "checksum", part_size: int = 16 * 1024 * 1024,
                 threshold: int = 64 * 1024 * 1024, streams: int = 32, storage_class: str = "") -> None:
        self.src, self.dst, self.ledger, self.limits, self.counters = src, dst, ledger, limits, counters
        self.dst_prefix = dst_prefix
        self.storage_class = storage_class or None
        self.checksum = verify == "checksum"
        self.part_size = part_size
        self.threshold = threshold
        self.streams = asyncio.Semaphore(streams)
        self.sleep = asyncio.sleep
        # Destination keys of multipart copies under way: a cancel can land while a CreateMultipartUpload is
        # answered but not yet recorded, so these keys are swept for uploads nobody recorded.
        self.multipart_keys: set[str] = set()

    async def copy(self, todo: Todo) -> Result:
        """Copy with retries; StorageError with action TASK propagates, anything else ends in the Result."""
        object_started.set([False])   # this object's requests after its first one go ahead of new objects'
        if todo.maybe_sent:
            # An earlier run may have sent it and been stopped before recording that: look before sending again.
            found = await self._found_at_destination(todo)
            if found is not None:
                return Result(True, 1, found)
        attempt = local = requeued = 0
        listed = (todo.size, todo.etag, todo.mtime)
        while True:
            attempt += 1
            moved = [0]
            _attempt_bytes.set(moved)
            try:
                evidence = await self._copy_once(todo)
                self.limits.throttle.success()
                self.multipart_keys.discard(self.dst_prefix + todo.key)
                version = (todo.size, todo.etag, todo.mtime)
                if requeued:
                    evidence["requeued"] = requeued
                return Result(True, attempt, evidence, version=version if version != listed else None)
            except StorageError as exc:
                if exc.throttle:
                    self.limits.throttle.signal()
                if exc.action is Action.TASK:
                    raise
                if exc.error_class == "changed" and requeued < REQUEUES:
                    # The source object was replaced while it was copied: what was read is not kept as the
                    # listed version; the object goes back in the queue as its new version and is copied again.
                    requeued += 1
                    attempt -= 1
                    try:
                        await self._requeue(todo)
                    except StorageError as gone:
                        exc = gone
                    else:
                        continue
                again = exc.action is Action.RETRY or exc.error_class == "checksum"
                if exc.error_class == "local" and local < LOCAL_ATTEMPTS:
                    # This machine ran short (open files): not the object's fault nor the store's. It waits and
                    # tries again without spending the object's attempts; bounded all the same.
                    local += 1
                    attempt -= 1
                    self.counters.retries += 1
                    await self.sleep(min(10.0, 0.5 * local))
                    continue
                if not again or attempt >= MAX_ATTEMPTS:
                    await self._give_up_upload(todo)
                    self.multipart_keys.discard(self.dst_prefix + todo.key)
                    return Result(False, attempt, error=exc)
                self.counters.retries += 1
                await self.sleep(backoff(attempt))
            finally:
                self.counters.partial_bytes -= moved[0]

    async def _requeue(self, todo: Todo) -> None:
        """The todo takes the source's current version (a fresh HEAD); gone at the source fails the object."""
        head = await self.src.head(todo.ref or todo.key)
        if head is None:
            raise object_failed("not-found", "NoSuchKey", f"{todo.key}: the source object is gone")
        todo.size, todo.etag, todo.mtime = head.size, head.etag, head.mtime

    async def _copy_once(self, todo: Todo) -> dict[str, Any]:
        if todo.size > self.threshold and self.dst.features.multipart:
            return await self._multipart(todo)
        async with self.streams:
            # A plain MD5 listed proves the copy: the source's other checksums need not be asked for. The read
            # is pinned to the listed version (If-Match), and checked against it where a store cannot pin.
            reader = await self.src.read(todo.ref or todo.key, if_match=todo.etag,
                                         checksums=not is_md5(todo.etag))
            try:
                same_version(todo, reader.info)
                return await self._single(todo, reader)
            finally:
                await reader.close()

    async def _metered(self, reader: Reader, hashers: list[Any], ahead: bool = True,
                       feed: OrderedFeed | None = None, offset: int = 0) -> AsyncIterator[bytes]:
        """The reader's chunks, paced by the bandwidth limit, hashed and counted on the way; with ``feed``
        (a part of a multipart copy starting at ``offset``) also handed to the whole-object digest in order."""
        bucket = self.limits.bytes
        counters = self.counters
        moved = _attempt_bytes.get([0])
        async for chunk in (_read_ahead(reader.chunks()) if ahead else reader.chunks()):
            if bucket.rate:
                await bucket.acquire(len(chunk))
            for h in hashers:
                h.update(chunk)
            if feed is not None:
                await feed.feed(offset, chunk)
                offset += len(chunk)
            counters.wire_bytes += len(chunk)
            counters.partial_bytes += len(chunk)
            moved[0] += len(chunk)
            yield chunk

    async def _single(self, todo: Todo, reader: Reader) -> dict[str, Any]:
        info = reader.info
        size = info.size
        key = self.dst_prefix + todo.key
        src_md5 = info.etag if is_md5(info.etag) and self.src.features.etag_is_md5 else None
        # When the source publishes the MD5 and the destination checks Content-MD5, the destination verifies
        # the bytes against the source's own digest: no hashing here, nothing read twice.
        by_store = self.checksum and src_md5 is not None and self.dst.features.etag_is_md5
        md5 = hashlib.md5() if self.checksum and not by_store else None
        meta = info.metadata if self.dst.features.metadata else None
        extra = info.content_headers if self.dst.features.metadata else None
        cls = self._storage_class(info)
        crc = Crc64() if self._wants_crc() else None
        other = await self._other_source_values(todo, info, src_md5, crc)
        hashers = [h for h in (md5, crc) if h is not None] + (other.hashers() if other else [])
        proofs: list[str] = []
        read_checked = False
        if size < 0:
            # The source did not say how long it is (a web server without Content-Length): spool it first.
            spool = await self._spool(reader, hashers)
            size = spool.tell()
            digest = md5.digest() if md5 is not None else None
            result = await self.dst.write(key, _from_spool(spool), size, md5=digest, content_type=info.content_type,
                                          metadata=meta, headers=extra, storage_class=cls.storage_class)
            sent = size
        elif size <= SMALL:
            data = b"".join([c async for c in self._metered(reader, hashers, ahead=False)])
            digest = md5.digest() if md5 is not None else bytes.fromhex(src_md5) if by_store and src_md5 else None
            # Caught before anything is written.
            self._check_read(todo.key, src_md5, md5, crc, info, other, proofs)
            read_checked = True
            result = await self.dst.write(key, data, len(data), md5=digest, content_type=info.content_type,
                                          metadata=meta, headers=extra, storage_class=cls.storage_class)
            sent = len(data)
        else:
            # Streaming: the store checks the source's own MD5 when it has one (Content-MD5).
            counted = _Count()
            hint = bytes.fromhex(src_md5) if (src_md5 and self.checksum) else None
            result = await self.dst.write(key, counted.wrap(self._metered(reader, hashers)), size, md5=hint,
                                          content_type=info.content_type, metadata=meta, headers=extra,
                                          storage_class=cls.storage_class)
            sent = counted.n
        evidence: dict[str, Any] = {"size": sent}
        if sent != size:
            raise checksum_error(todo.key, "size differs", str(size), str(sent))
        if not read_checked:
            self._check_read(todo.key, src_md5, md5, crc, info, other, proofs)
        if result.extra.get("folder"):
            evidence["folder"] = True
        if by_store:
            evidence.update(source_etag=src_md5, dest_etag=result.etag, md5_checked_by="destination")
            if result.etag != src_md5:
                raise checksum_error(todo.key, "destination ETag differs from the source's", src_md5, result.etag)
            proofs.append("md5")
        elif md5 is not None:
            computed = md5.hexdigest()
            evidence["md5"] = computed
            if src_md5:
                evidence["source_etag"] = src_md5
            if self.dst.features.etag_is_md5:
                evidence["dest_etag"] = result.etag
                if result.etag != computed:
                    raise checksum_error(todo.key, "destination ETag differs from the bytes sent", computed,
                                         result.etag)
        if crc is not None:
            self._compare_crc(todo.key, evidence, crc.value, info.crc64, result.crc64)
        record_proof(evidence, proofs)   # verify = "size" compares sizes only, and says so
        self._note_dropped(evidence, info, cls.dropped)
        return evidence

    async def _other_source_values(self, todo: Todo, info: ObjectInfo, src_md5: str | None,
                                   crc: Crc64 | None) -> SourceValues | None:
        """What else the source published to prove a single-part copy by, when it has no MD5 ETag and no
        CRC-64: a whole-object checksum, or a multipart ETag with the part size it was uploaded in."""
        if not self.checksum or src_md5 is not None or (crc is not None and info.crc64 is not None):
            return None
        if full_object_checksum(info.checksums):
            return SourceValues(info)
        count = multipart_count(info.etag)
        if count is None or info.size < 0:
            return None
        layout = info.size if count == 1 else await self.src.source_part_size(todo.ref or todo.key)
        if not layout or -(-info.size // layout) != count:
            return None
        return SourceValues(info, layout)

    def _check_read(self, key: str, src_md5: str | None, md5: Any, crc: Crc64 | None, info: ObjectInfo,
                    other: SourceValues | None, proofs: list[str]) -> None:
        """The bytes read against every value the source published; what matched goes into ``proofs``."""
        if md5 is not None and src_md5:
            if src_md5 != md5.hexdigest():
                raise checksum_error(key, "bytes read differ from the source's ETag", src_md5, md5.hexdigest())
            proofs.append("md5")
        if crc is not None and info.crc64 is not None:
            if crc.value != info.crc64:
                raise checksum_error(key, "bytes read differ from the source's CRC64", str(info.crc64),
                                     str(crc.value))
            proofs.append("crc64")
        if other is not None:
            other.check(key, proofs)

    async def _spool(self, reader: Reader, hashers: list[Any]) -> Any:
        spool = tempfile.SpooledTemporaryFile(max_size=SMALL * 8)
        async for chunk in self._metered(reader, hashers):
            spool.write(chunk)
        return spool

    def _wants_crc(self) -> bool:
        return self.checksum and (self.src.features.crc64 or self.dst.features.crc64)

    @staticmethod
    def _compare_crc(key: str, evidence: dict[str, Any], computed: int, source: int | None,
                     dest: int | None) -> None:
        """Source's published CRC64, the one computed on the way and the destination's must all agree."""
        evidence["crc64"] = computed
        if source is not None:
            evidence["source_crc64"] = source
            if source != computed:
                raise checksum_error(key, "bytes read differ from the source's CRC64", str(source), str(computed))
        if dest is not None:
            evidence["dest_crc64"] = dest
            if dest != computed:
                raise checksum_error(key, "destination CRC64 differs from the bytes sent", str(computed), str(dest))

    def _storage_class(self, info: ObjectInfo) -> Any:
        return map_storage_class(self.src.name, self.dst.name, info.storage_class, self.storage_class)

    def _note_dropped(self, evidence: dict[str, Any], info: ObjectInfo, class_dropped: str | None) -> None:
        """What could not be carried over is recorded with the object, never dropped silently."""
        if not self.dst.features.metadata:
            lost = sorted(info.metadata or {}) + sorted(info.content_headers or {})
            if lost:
                evidence["metadata_dropped"] = lost
        if class_dropped:
            evidence["storage_class_dropped"] = class_dropped

    async def _found_at_destination(self, todo: Todo) -> dict[str, Any] | None:
        """The evidence for an object an earlier run sent without recording it (it was stopped): the destination
        holds the listed size and a digest the source published for it. None sends it (again)."""
        key = self.dst_prefix + todo.key
        try:
            there = await self.dst.head(key)
        except StorageError:
            return None
        if there is None or there.size != todo.size or todo.size < 0:
            return None
        if not self.checksum:   # verify = "size": the size is all this task compares
            self.counters.found_objects += 1
            evidence: dict[str, Any] = {"size": todo.size, "found_at_destination": True}
            record_proof(evidence, [])
            return evidence
        proof = ""
        if todo.etag and there.etag == todo.etag and self.src.features.etag_is_md5 and self.dst.features.etag_is_md5:
            proof = "md5" if is_md5(todo.etag) else "multipart-etag" if multipart_count(todo.etag) else ""
        elif self.src.features.local_md5 and self.dst.features.etag_is_md5 and is_md5(there.etag):
            local = await self.src.md5(todo.key)  # type: ignore[attr-defined]
            proof = "md5" if local == there.etag else ""
        elif self.src.features.crc64 and there.crc64 is not None:
            source = await self.src.head(todo.ref or todo.key)
            proof = "crc64" if source is not None and source.crc64 == there.crc64 else ""
        if not proof:
            return None
        self.counters.found_objects += 1
        evidence = {"size": todo.size, "source_etag": todo.etag, "dest_etag": there.etag,  # type: ignore[dict-item]
                    "found_at_destination": True}
        record_proof(evidence, [proof])
        return evidence

READ_AHEAD = 16   # chunks (of up to 256 KiB) read ahead of the write, per stream


async def _read_ahead(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Read the source while the destination is still taking earlier chunks, as far as READ_AHEAD chunks.

    Measured: reading and writing in lock-step left both servers idle half the time on large objects.
    """
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(READ_AHEAD)

    async def pump() -> None:
        try:
            async for chunk in chunks:
                await queue.put(chunk)
            await queue.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, which raises it where the copy can see it
            await queue.put(exc)

    task = asyncio.ensure_future(pump())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        task.cancel()
        try:
            await task
        except BaseException:
            pass


async def _from_spool(spool: Any) -> AsyncIterator[bytes]:
    spool.seek(0)
    try:
        while chunk := spool.read(256 * 1024):
            yield chunk
    finally:
        spool.close()
