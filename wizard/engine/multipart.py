"""The multipart half of the copier: parts read as ranges and sent concurrently, each verified by its MD5, the
whole object proven against the source before CompleteMultipartUpload (its CRC-64, its multipart ETag in the
source's own part layout, or a whole-object digest hashed in order), uploads recorded for resume and never
left behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator
from typing import Any

from wizard.crc64 import Crc64, combine
from wizard.engine.events import Counters
from wizard.engine.journal import Todo
from wizard.engine.ledger import Ledger
from wizard.engine.limits import Limits
from wizard.engine.verify import (
    OrderedFeed,
    checksum_error,
    checksum_hasher,
    composite_etag,
    encoded,
    full_object_checksum,
    is_md5,
    multipart_count,
    record_proof,
    same_version,
)
from wizard.errors import Action, StorageError, object_failed
from wizard.storage.base import ObjectInfo, Reader, Store

MAX_ATTEMPTS = 5
PART_CONCURRENCY = 4


def backoff(attempt: int, base: float = 0.2, cap: float = 10.0) -> float:
    """Full-jitter exponential backoff for the given (1-based) attempt."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def part_size_for(size: int, wanted: int, max_parts: int = 10_000, min_size: int = 5 * 1024 * 1024) -> int:
    """The part size: the wanted one, grown in whole MiB so the object needs no more than ``max_parts``."""
    mib = 1024 * 1024
    need = -(-size // max_parts)
    return max(wanted, min_size, -(-need // mib) * mib)


class MultipartCopier:
    """Multipart copies for ``Copier``, which provides the stores, the ledger and the metered stream."""

    src: Store
    dst: Store
    ledger: Ledger
    limits: Limits
    counters: Counters
    dst_prefix: str
    checksum: bool
    part_size: int
    streams: asyncio.Semaphore
    multipart_keys: set[str]
    sleep: Any            # asyncio.sleep, or a test's fake clock

    def _metered(self, reader: Reader, hashers: list[Any], ahead: bool = True, feed: OrderedFeed | None = None,
                 offset: int = 0) -> AsyncIterator[bytes]:
        raise NotImplementedError

    def _wants_crc(self) -> bool:
        raise NotImplementedError

    def _compare_crc(self, key: str, evidence: dict[str, Any], computed: int, source: int | None,
                     dest: int | None) -> None:
        raise NotImplementedError

    def _storage_class(self, info: ObjectInfo) -> Any:
        raise NotImplementedError

    def _note_dropped(self, evidence: dict[str, Any], info: ObjectInfo, class_dropped: str | None) -> None:
        raise NotImplementedError

    # -- multipart ------------------------------------------------------------------------------------------
    async def _layout(self, todo: Todo, head: ObjectInfo) -> tuple[int, bool]:
        """The part size for this copy, and whether it is the source's own layout (then the source's multipart
        ETag proves the copy). The source's layout is used where the destination can take it."""
        f = self.dst.features
        count = multipart_count(head.etag)
        if self.checksum and count and count > 1 and head.crc64 is None:
            source = await self.src.source_part_size(todo.ref or todo.key)
            if source and -(-head.size // source) == count and source >= f.min_part_size and count <= f.max_parts:
                return source, True
        return part_size_for(head.size, self.part_size, f.max_parts, f.min_part_size), False

    def _whole_digest(self, head: ObjectInfo, same_layout: bool) -> tuple[str, str, Any] | None:
        """(proof name, the source's value, hasher) for the whole-object digest a multipart copy needs when
        neither the source's CRC-64 nor its multipart ETag can prove it."""
        if not self.checksum or same_layout or (head.crc64 is not None and self._wants_crc()):
            return None
        if is_md5(head.etag) and self.src.features.etag_is_md5:
            return "md5", head.etag or "", hashlib.md5()
        found = full_object_checksum(head.checksums)
        if found:
            return f"checksum-{found[0]}", found[1], checksum_hasher(found[0])
        return None

    async def _multipart(self, todo: Todo) -> dict[str, Any]:
        key = self.dst_prefix + todo.key
        head = await self.src.head(todo.ref or todo.key)
        if head is None:
            raise object_failed("not-found", "NoSuchKey", f"{todo.key}: the source object is gone")
        same_version(todo, head)   # every part is read pinned to the version listed
        size = head.size
        recorded = self.ledger.upload_for(todo.id)
        verified: dict[int, tuple[str, int, int | None]] = {}
        upload_id = ""
        part_size, same_layout = await self._layout(todo, head)
        if recorded:
            upload_id, old_size, old_etag = recorded
            present = await self.dst.list_parts(key, upload_id)
            if present is None and old_etag == head.etag and old_size == part_size:
                # The upload is gone: completed by an earlier attempt or run that was stopped before it could
                # record that, or aborted. A completed one holds exactly the recorded parts.
                found = await self._completed_before(todo, key, head, part_size, same_layout)
                if found is not None:
                    return found
            # Parts read from another version of the source (it changed since the kill) must not be mixed in.
            if present is None or old_size != part_size or old_etag != head.etag:
                if present is not None:
                    await self.dst.abort_upload(key, upload_id)
                self.ledger.drop_upload(todo.id)
                upload_id = ""
            else:
                verified = {n: v for n, v in self.ledger.parts_for(todo.id).items() if present.get(n) == v[:2]}
        self.multipart_keys.add(key)
        if not upload_id:
            await self._abort_unrecorded(key)   # left by an earlier run that was killed mid-create
            keeps = self.dst.features.metadata
            upload_id = await self.dst.create_upload(key, content_type=head.content_type,
                                                     metadata=head.metadata if keeps else None,
                                                     headers=head.content_headers if keeps else None,
                                                     storage_class=self._storage_class(head).storage_class)
            self.ledger.save_upload(todo.id, key, upload_id, part_size, head.etag)
        count = -(-size // part_size) or 1
        gate = asyncio.Semaphore(PART_CONCURRENCY)
        reused = len(verified)
        whole = self._whole_digest(head, same_layout)
        # Parts sent by an earlier attempt cannot be hashed in order now: such a copy is read back instead.
        feed = OrderedFeed([whole[2]]) if whole is not None and not verified else None

        async def one(number: int) -> None:
            if number in verified:
                return
            start = (number - 1) * part_size
            length = min(part_size, size - start)
            async with gate:
                etag, part_crc = await self._part(todo, key, upload_id, number, start, length, head.etag, feed)
            verified[number] = (etag, length, part_crc)
            self.ledger.save_part(todo.id, number, etag, length, part_crc)

        tasks = [asyncio.ensure_future(one(n)) for n in range(1, count + 1)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        parts = [(n, verified[n][0]) for n in range(1, count + 1)]
        expected = composite_etag(e for _, e in parts)
        evidence: dict[str, Any] = {"size": size, "parts": count, "part_size": part_size, "reused_parts": reused,
                                    "expected_etag": expected}
        proofs: list[str] = []
        try:   # the source's values are compared before the upload is completed: a bad copy never lands
            self._prove_parts(todo, head, verified, count, same_layout, expected, evidence, proofs)
            if feed is not None and whole is not None and not feed.tainted:
                got = whole[2].hexdigest() if whole[0] == "md5" else encoded(whole[2])
                if got != whole[1]:
                    raise checksum_error(todo.key, f"bytes sent differ from the source's {whole[0]}", whole[1], got)
                proofs.append(whole[0])
        except StorageError:
            await self.dst.abort_upload(key, upload_id)
            self.ledger.drop_upload(todo.id)
            raise
        # The upload record stays until the outcome is recorded with it, so a stop right after this is resumed
        # by finding the completed object instead of sending it again.
        result = await self.dst.complete_upload(key, upload_id, parts)
        evidence["dest_etag"] = result.etag
        if self.checksum and self.dst.features.etag_is_md5 and result.etag != expected:
            raise checksum_error(todo.key, "multipart ETag differs from the parts sent", expected, result.etag)
        if self._wants_crc() and result.crc64 is not None and "crc64" in evidence:
            self._compare_crc(todo.key, evidence, evidence["crc64"], head.crc64, result.crc64)
        if whole is not None and (feed is None or feed.tainted):
            proofs.append(await self._read_back(todo, key, size, whole))
        record_proof(evidence, proofs)   # verify = "size" compares sizes only, and says so
        self._note_dropped(evidence, head, self._storage_class(head).dropped)
        return evidence

    def _prove_parts(self, todo: Todo, head: ObjectInfo, verified: dict[int, tuple[str, int, int | None]],
                     count: int, same_layout: bool, expected: str, evidence: dict[str, Any],
                     proofs: list[str]) -> None:
        """The multipart ETag and the CRC-64 combined from the parts, against the source's."""
        if head.etag:
            evidence["source_etag"] = head.etag
            if head.etag.endswith(f"-{count}"):  # a source uploaded with the same part layout can be compared too
                evidence["matches_source_etag"] = head.etag == expected
                if same_layout:
                    if head.etag != expected:
                        raise checksum_error(todo.key, "parts sent differ from the source's multipart ETag (same "
                                             "part layout)", head.etag, expected)
                    proofs.append("multipart-etag")
        crcs = [verified[n][2] for n in range(1, count + 1)]
        if self._wants_crc() and all(c is not None for c in crcs):
            whole = crcs[0]
            for n in range(2, count + 1):
                whole = combine(whole, verified[n][2], verified[n][1])  # type: ignore[arg-type]
            self._compare_crc(todo.key, evidence, whole, head.crc64, None)  # type: ignore[arg-type]
            if head.crc64 is not None:
                proofs.append("crc64")

    async def _read_back(self, todo: Todo, key: str, size: int, whole: tuple[str, str, Any]) -> str:
        """Prove a copy whose bytes could not be hashed in order (parts resent or reused) by reading the
        destination back and hashing it against the source's value."""
        name, value, _ = whole
        hasher = hashlib.md5() if name == "md5" else checksum_hasher(name.removeprefix("checksum-"))
        reader = await self.dst.read(key)
        n = 0
        try:
            async for chunk in reader.chunks():
                hasher.update(chunk)
                n += len(chunk)
        finally:
            await reader.close()
        got = hasher.hexdigest() if name == "md5" else encoded(hasher)
        if n != size or got != value:
            raise checksum_error(todo.key, f"the destination read back differs from the source's {name}", value, got)
        return name

    async def _completed_before(self, todo: Todo, key: str, head: ObjectInfo, part_size: int,
                                same_layout: bool) -> dict[str, Any] | None:
        """The evidence for an upload an earlier attempt completed (every part recorded, the destination holding
        their multipart ETag and the size), proven as a fresh copy is; None when it is not there."""
        count = -(-head.size // part_size) or 1
        parts = self.ledger.parts_for(todo.id)
        if sorted(parts) != list(range(1, count + 1)):
            return None
        expected = composite_etag(parts[n][0] for n in range(1, count + 1))
        there = await self.dst.head(key)
        if there is None or there.size != head.size or (self.dst.features.etag_is_md5 and there.etag != expected):
            return None
        evidence: dict[str, Any] = {"size": head.size, "parts": count, "part_size": part_size, "reused_parts": count,
                                    "expected_etag": expected, "dest_etag": there.etag, "found_at_destination": True}
        proofs: list[str] = []
        try:
            self._prove_parts(todo, head, parts, count, same_layout, expected, evidence, proofs)
            whole = self._whole_digest(head, same_layout)
            if whole is not None:
                proofs.append(await self._read_back(todo, key, head.size, whole))
        except StorageError as exc:
            if exc.error_class != "checksum":
                raise
            return None   # not provably the source's bytes: copied again
        record_proof(evidence, proofs)   # verify = "size" compares sizes only, and says so
        self._note_dropped(evidence, head, self._storage_class(head).dropped)
        return evidence

    async def _part(self, todo: Todo, key: str, upload_id: str, number: int, start: int, length: int,
                    source_etag: str | None, feed: OrderedFeed | None = None) -> tuple[str, int | None]:
        """Send one part, verified by its MD5; retried here so one bad part does not resend the others.
        Returns the part's ETag and its CRC-64 (when a side publishes CRC-64, for the whole-object check)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.streams:
                    reader = await self.src.read(todo.ref or todo.key, start, length, if_match=source_etag)
                    try:
                        md5 = hashlib.md5()
                        crc = Crc64() if self._wants_crc() else None
                        counted = _Count()
                        hashers = [md5] + ([crc] if crc is not None else [])
                        etag = await self.dst.upload_part(
                            key, upload_id, number, counted.wrap(self._metered(reader, hashers, feed=feed,
                                                                               offset=start)), length)
                    finally:
                        await reader.close()
                if counted.n != length:
                    raise checksum_error(todo.key, f"part {number} size differs", str(length), str(counted.n))
                if self.checksum and self.dst.features.etag_is_md5 and etag != md5.hexdigest():
                    raise checksum_error(todo.key, f"part {number} ETag differs from the bytes sent",
                                         md5.hexdigest(), etag)
                self.limits.throttle.success()
                return etag, crc.value if crc is not None else None
            except StorageError as exc:
                if exc.throttle:
                    self.limits.throttle.signal()
                if feed is not None:
                    feed.taint()   # this part is sent again (or the object is): the in-order digest is off
                again = exc.action is Action.RETRY or exc.error_class == "checksum"
                if not again or attempt >= MAX_ATTEMPTS or exc.error_class == "changed":
                    raise  # a changed source restarts the whole object, from a fresh HEAD
                self.counters.retries += 1
                await self.sleep(backoff(attempt))

    async def _give_up_upload(self, todo: Todo) -> None:
        """An object that failed for good leaves no multipart upload behind."""
        recorded = self.ledger.upload_for(todo.id)
        if recorded:
            try:
                await self.dst.abort_upload(self.dst_prefix + todo.key, recorded[0])
            except StorageError:
                return  # kept in the journal: the end-of-task sweep tries again
            self.ledger.drop_upload(todo.id)

    async def _abort_unrecorded(self, key: str) -> None:
        """Abort the uploads at ``key`` that the ledger does not know (a cancel or a kill between create and record)."""
        known = {u[2] for u in self.ledger.uploads()}
        for upload in await self.dst.list_uploads(key):
            if upload.key == key and upload.upload_id not in known:
                await self.dst.abort_upload(key, upload.upload_id)

    async def abort_all(self, timeout: float = 15.0, *, recorded: bool = True) -> None:
        """Abort every upload the journal still records (task end, cancel) and forget them; ``recorded=False``
        (a pause) keeps the recorded ones, whose verified parts a resumed run reuses, and sweeps only uploads
        created but not yet recorded."""
        async def one(object_id: int, key: str, upload_id: str) -> None:
            try:
                await self.dst.abort_upload(key, upload_id)
                self.ledger.drop_upload(object_id)
            except StorageError:
                pass
        async def sweep(key: str) -> None:
            try:
                await self._abort_unrecorded(key)
            except StorageError:
                pass
        uploads = self.ledger.uploads() if recorded else []
        keys, self.multipart_keys = self.multipart_keys, set()
        if uploads or keys:
            await asyncio.wait_for(asyncio.gather(*(one(*u) for u in uploads), *(sweep(k) for k in keys)), timeout)


class _Count:
    """Counts the bytes an async stream yields."""

    def __init__(self) -> None:
        self.n = 0

    async def wrap(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            self.n += len(chunk)
            yield chunk
