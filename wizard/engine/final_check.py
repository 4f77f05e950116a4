"""The final pass's check of every copied object at the destination, before the cutover.

The final pass lists the source again and copies what changed, like a delta pass; objects copied then were
verified as they were written. Every other copied object is looked at again where it now lies: a HEAD of the
destination compared with what the journal recorded when it was copied (size always; the destination's ETag
and CRC-64 where the copy recorded them; for a local folder, the MD5 of the file read back). An object that
is gone or differs, because something changed it behind the agent's back, fails with class ``mismatch``, so
"retry failed files" copies it again. The check keeps its place in the journal: a pause or a crash goes on
from the last batch checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard.engine.journal import Journal
from wizard.engine.verify import is_md5
from wizard.errors import Action, StorageError
from wizard.storage.base import ObjectInfo, Store

BATCH = 500


@dataclass
class CheckProgress:
    """How far the check is: objects checked, of how many, and the mismatches found."""

    done: int = 0
    total: int = 0
    mismatched: int = 0

    def to_json(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total, "mismatched": self.mismatched}


def compare(key: str, size: int, evidence: dict[str, Any], there: ObjectInfo | None,
            dst: Store) -> tuple[str, str] | None:
    """None when the destination still holds what was copied, else (code, message). What is compared: the size,
    then every value the copy recorded that the destination publishes again (its ETag, its CRC-64)."""
    if there is None:
        return "DestinationMissing", f"{key}: no longer at the destination"
    if size >= 0 and there.size != size:
        return "DestinationSizeDiffers", f"{key}: {there.size} bytes at the destination, {size} copied"
    expected = evidence.get("dest_etag")
    if expected is None and dst.features.etag_is_md5 and is_md5(evidence.get("md5")):
        expected = evidence["md5"]
    if expected and there.etag and there.etag != expected:
        return "DestinationChecksumDiffers", f"{key}: the destination's ETag {there.etag} is not the {expected} copied"
    crc = evidence.get("dest_crc64", evidence.get("crc64"))
    if crc is not None and there.crc64 is not None and int(crc) != there.crc64:
        return "DestinationChecksumDiffers", f"{key}: the destination's CRC-64 differs from the one copied"
    return None


def method(evidence: dict[str, Any], there: ObjectInfo, dst: Store) -> str:
    """How the check compared an object: etag, crc64, md5 (a local file read back) or size."""
    if evidence.get("dest_etag") or (dst.features.etag_is_md5 and is_md5(evidence.get("md5")) and there.etag):
        return "etag"
    if evidence.get("dest_crc64", evidence.get("crc64")) is not None and there.crc64 is not None:
        return "crc64"
    return "size"


class FinalCheck:
    """Checks the copied objects of the journal that the current pass did not copy itself.

    Where the destination lists ETags, its listing is joined with the journal first (a thousand objects per
    request instead of a HEAD each); what the listing did not show (or a store without ETags: a folder) is then
    looked at one by one. Each object found is marked with the pass's number, so a resumed check goes on."""

    def __init__(self, dst: Store, journal: Journal, dst_prefix: str, concurrency: int = 32,
                 on_mismatch: Callable[[str, int, str, str], None] | None = None, src_prefix: str = "") -> None:
        self.dst, self.journal, self.dst_prefix, self.src_prefix = dst, journal, dst_prefix, src_prefix
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.on_mismatch = on_mismatch or (lambda key, size, code, message: None)
        self.progress = CheckProgress()

    async def run(self) -> tuple[int, int]:
        """Check every object; returns (checked, mismatched) over the whole check, resumed parts included."""
        since, number = self.journal.pass_started(), self.journal.pass_number()
        found, mismatched = self.journal.check_counts_now(since, number)
        # The objects to check are those still done (found or not yet) and those the check already flagged.
        self.progress = CheckProgress(found + mismatched, self.journal.copied_before(since) + mismatched, mismatched)
        if self.dst.features.etag_is_md5:
            await self._by_listing(since, number)
        after = 0
        while rows := self.journal.unchecked_rows(since, number, after, BATCH):
            results = await asyncio.gather(*(self._one(*row) for row in rows))
            self._record(number, [(row[0], row[1], row[2], found) for row, found in zip(rows, results, strict=True)])
            after = rows[-1][0]
        self.journal.finish_check()
        return self.progress.done, self.progress.mismatched

    async def _by_listing(self, since: float, number: int) -> None:
        """The destination's listing against the journal. Started from the top again after a stop: stores
        disagree on where a listing resumes, and a skipped key must not be taken for a missing one."""
        strip = len(self.dst_prefix)
        async for page in self.dst.list_pages(self.dst_prefix + self.src_prefix):
            found = self.journal.copied_for([o.key[strip:] for o in page if o.key.startswith(self.dst_prefix)], since)
            batch = []
            for there in page:
                row = found.get(there.key[strip:])
                if row is None or row[3] == number:   # not this task's, or found already
                    continue
                oid, size, evidence, _last = row
                batch.append((oid, there.key[strip:], size, compare(there.key[strip:], size, evidence, there,
                                                                   self.dst)))
            self._record(number, batch)

    def _record(self, number: int, results: list[tuple[int, str, int, tuple[str, str] | None]]) -> None:
        ok = [oid for oid, _key, _size, found in results if found is None]
        bad = [(oid, *found) for oid, _key, _size, found in results if found is not None]
        self.progress.done += len(results)
        self.progress.mismatched += len(bad)
        if results:
            self.journal.record_check(ok, bad, number, self.progress.done, self.progress.mismatched)
        for _oid, key, size, found in results:
            if found is not None:
                self.on_mismatch(key, size, *found)

    async def _one(self, _id: int, key: str, size: int, evidence: dict[str, Any]) -> tuple[str, str] | None:
        async with self.slots:
            try:
                there = await self.dst.head(self.dst_prefix + key)
            except StorageError as exc:
                if exc.action is Action.TASK:
                    raise
                if exc.action is Action.OBJECT:   # refused for this key (403...): not shown to be there
                    return exc.code, exc.message
                there = await self._again(key, exc)
            found = compare(key, size, evidence, there, self.dst)
            if found is None and there is not None and method(evidence, there, self.dst) == "size" \
                    and self.dst.features.local_md5 and is_md5(evidence.get("md5")):
                # A folder publishes no digest: the file is read back and hashed.
                digest = await self.dst.md5(self.dst_prefix + key)  # type: ignore[attr-defined]
                if digest != evidence["md5"]:
                    found = ("DestinationChecksumDiffers", f"{key}: the file's MD5 differs from the one copied")
            return found

    async def _again(self, key: str, first: StorageError) -> ObjectInfo | None:
        """A HEAD that failed transiently is asked again a few times; then it stops the check (resumable)."""
        exc = first
        for attempt in range(1, 5):
            if exc.action is not Action.RETRY:
                break
            await asyncio.sleep(0.5 * attempt)
            try:
                return await self.dst.head(self.dst_prefix + key)
            except StorageError as again:
                exc = again
        raise exc
