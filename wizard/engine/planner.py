"""The planner: streams the source listing, looks each key up in the destination's indexed listing where the
policy needs it, applies the same-name policy and the include/exclude filters, and records each decision in the
journal page by page. Listing pages that fail transiently are asked for again from the recorded cursor.

Nothing holds a whole listing in memory. The destination is listed first into an index in the journal (only
when the policy needs it: ``overwrite`` does not), because stores disagree on listing order and a join that
trusted both orders could miss an existing object and overwrite it under ``skip``. The source is then streamed
page by page; the journal's cursor is the last source key of the last recorded page, and a resumed planner
lists the source again from just after it.

An incremental pass (pass 2 and up, "migrate what changed since the last pass") lists the whole source again
and compares each object with what the journal recorded: new keys get the same-name policy; objects this task
copied whose size, ETag or modification time changed are copied again; failed ones are queued again; the
rest is left as it is. Nothing is ever deleted at the destination.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import AsyncIterator, Callable
from fnmatch import fnmatchcase

from wizard.engine.events import Counters
from wizard.engine.journal import Journal
from wizard.engine.limits import Limits
from wizard.errors import Action, StorageError
from wizard.storage.base import ObjectInfo, Store
from wizard.task import Options

log = logging.getLogger(__name__)
# A listing page that fails transiently is asked for again, from the last recorded cursor, this many times in a
# row (backoff up to LIST_BACKOFF_CAP s between): minutes of faults, never forever. Any page that arrives resets it.
LIST_ATTEMPTS = 8
LIST_BACKOFF_CAP = 20.0

_MD5 = re.compile(r"^[0-9a-f]{32}$")


def matcher(include: list[str], exclude: list[str]) -> Callable[[str], bool]:
    """Globs on the whole key (``*`` also matches ``/``): included when it matches an include (or there are
    none) and no exclude."""
    def wanted(key: str) -> bool:
        if include and not any(fnmatchcase(key, p) for p in include):
            return False
        return not any(fnmatchcase(key, p) for p in exclude)
    return wanted


def same_content(src: ObjectInfo, dst: ObjectInfo) -> bool | None:
    """True/False when the listings prove it; None when a digest has to be computed to know."""
    if src.size != dst.size:
        return False
    if src.crc64 is not None and dst.crc64 is not None:
        return src.crc64 == dst.crc64
    if src.etag and dst.etag:
        if src.etag == dst.etag:
            return True
        if _MD5.match(src.etag) and _MD5.match(dst.etag):
            return False
    return None


def changed(src: ObjectInfo, before: tuple[int, str | None, float | None, str]) -> bool:
    """Whether the source object differs from what the journal recorded when it was copied."""
    size, etag, mtime, _state = before
    if src.size != size:
        return True
    if src.etag and etag:
        return src.etag != etag
    if src.mtime is not None and mtime is not None:
        return abs(src.mtime - mtime) > 1e-3
    return False


class Planner:
    """Decides, for every source object, pending (to copy) or skipped, and records it."""

    def __init__(self, src: Store, dst: Store, journal: Journal, options: Options, src_prefix: str,
                 dst_prefix: str, counters: Counters, wake: asyncio.Event, limits: Limits | None = None) -> None:
        self.src, self.dst, self.journal, self.options = src, dst, journal, options
        self.limits = limits
        self.sleep = asyncio.sleep
        self.src_prefix, self.dst_prefix = src_prefix, dst_prefix
        self.counters = counters
        self.wake = wake
        self.wanted = matcher(options.include, options.exclude)
        self.incremental = False

    async def run(self) -> None:
        """Plan the whole listing. A transient fault on a listing page (source or destination) is retried with
        backoff, the listing resuming from the journal's last recorded cursor as after a restart."""
        failures = 0
        while True:
            progress = self._progress()
            try:
                await self._run_once()
                return
            except StorageError as exc:
                if exc.action is not Action.RETRY:
                    raise
                failures = 1 if self._progress() != progress else failures + 1
                if failures >= LIST_ATTEMPTS:
                    raise
                if exc.throttle and self.limits is not None:
                    self.limits.throttle.signal()
                self.counters.retries += 1
                delay = random.uniform(0, min(LIST_BACKOFF_CAP, 0.25 * 2 ** failures))
                log.warning("listing failed (%s), resuming in %.1f s: %s", exc.code, delay, exc.message)
                await self.sleep(delay)

    def _progress(self) -> tuple[str, str | None]:
        return self.journal.listing_state()[0], self.journal.get("dest_cursor")

    async def _run_once(self) -> None:
        cursor, done, listed, listed_bytes = self.journal.listing_state()
        if done:
            return
        self.incremental = self.journal.pass_number() > 1
        policy = self.options.same_name
        join = policy != "overwrite"
        if join and not self.journal.dest_index_ready():
            await self._index_destination()
        if cursor:
            # Some stores (SeaweedFS) skip the folder "K/" when asked for the keys after "K"; the folder is
            # listed once more on its own, and keys the journal already holds are never planned twice.
            folder = cursor + "/"
            async for page in self.src.list_pages(folder):
                listed, listed_bytes = await self._plan_page(self._unknown(page), cursor, listed, listed_bytes,
                                                             join, policy)
        async for page in self.src.list_pages(self.src_prefix, cursor):
            if cursor and not self.incremental and any(o.key.startswith(folder) for o in page):
                page = self._unknown(page)
            if page:
                listed, listed_bytes = await self._plan_page(page, page[-1].key, listed, listed_bytes, join,
                                                             policy)
        self.journal.finish_listing()
        self.counters.listing_done = True
        self.wake.set()

    def _unknown(self, page: list[ObjectInfo]) -> list[ObjectInfo]:
        if self.incremental:  # the comparison with the journal is idempotent: nothing to filter
            return page
        known = self.journal.known_keys([o.key for o in page])
        return [o for o in page if o.key not in known]

    async def _plan_page(self, page: list[ObjectInfo], cursor: str, listed: int, listed_bytes: int, join: bool,
                         policy: str) -> tuple[int, int]:
        """Decide and record one page; return the new listed totals."""
        if page:
            rows = []
            keys = [o.key for o in page]
            found = self.journal.dest_lookup(keys) if join else {}
            recorded = self.journal.lookup(keys) if self.incremental else {}
            delta = [0, 0, 0, 0]    # this page's change set: new objects, their bytes, changed ones, their bytes
            for obj in page:
                listed += 1
                listed_bytes += obj.size
                if not self.wanted(obj.key):
                    continue
                before = recorded.get(obj.key)
                state, reason = "pending", None
                if before is not None and before[3] in ("done", "failed", "pending", "copying"):
                    if before[3] == "copying" or (before[3] == "done" and not changed(obj, before)):
                        continue  # as it was: copied and unchanged, or an upload under way (pinned to its ETag)
                    reason = "changed" if before[3] == "done" else None
                else:
                    hit = found.get(obj.key)
                    if hit is not None:
                        existing = ObjectInfo(self.dst_prefix + obj.key, hit[0], hit[1], hit[2])
                        state, reason = await self._decide(policy, obj, existing)
                    if before is not None and state == "skipped":
                        continue  # skipped before, skipped again
                rows.append((obj.key, obj.size, obj.etag, obj.mtime, state, reason, obj.ref))
                self._count(obj, state, before)
                if state == "pending" and (before is None or reason == "changed"):
                    at = 2 if reason == "changed" else 0
                    delta[at] += 1
                    delta[at + 1] += max(obj.size, 0)
            self.journal.add_page(rows, cursor, listed, listed_bytes, tuple(delta))  # type: ignore[arg-type]
        self.counters.listed_objects, self.counters.listed_bytes = listed, listed_bytes
        self.wake.set()
        return listed, listed_bytes

    def _count(self, obj: ObjectInfo, state: str,
               before: tuple[int, str | None, float | None, str] | None) -> None:
        """Move the live counters the way the journal's totals move for this decision."""
        c = self.counters
        size = max(obj.size, 0)
        if before is not None:  # an incremental pass takes the object out of where it was counted
            old, was = max(before[0], 0), before[3]
            if was == "done":
                c.done_objects, c.done_bytes = c.done_objects - 1, c.done_bytes - old
            elif was == "failed":
                c.failed_objects, c.failed_bytes = c.failed_objects - 1, c.failed_bytes - old
            elif was == "skipped":
                c.skipped_objects, c.skipped_bytes = c.skipped_objects - 1, c.skipped_bytes - old
            if was != "skipped":
                c.planned_objects, c.planned_bytes = c.planned_objects - 1, c.planned_bytes - old
        if state == "pending":
            c.planned_objects += 1
            c.planned_bytes += size
        else:
            c.skipped_objects += 1
            c.skipped_bytes += size

    async def _index_destination(self) -> None:
        """List the destination under the task's prefixes into the journal's index; a listing cut by a fault
        goes on after the last page indexed (the index takes a key twice without harm)."""
        strip = len(self.dst_prefix)
        prefix = self.dst_prefix + self.src_prefix
        cursor = self.journal.get("dest_cursor") or ""
        if not cursor:
            self.journal.reset_dest_index()
        async for page in self._dest_pages(prefix, cursor):
            self.journal.add_dest_page([(o.key[strip:], o.size, o.etag, o.mtime) for o in page], page[-1].key)
        self.journal.finish_dest_index()

    async def _dest_pages(self, prefix: str, cursor: str) -> AsyncIterator[list[ObjectInfo]]:
        if cursor:  # the folder "K/" that some stores skip after "K" (see run): listed on its own first
            async for page in self.dst.list_pages(cursor + "/"):
                yield page
        async for page in self.dst.list_pages(prefix, cursor):
            yield page

    async def _decide(self, policy: str, src: ObjectInfo, dst: ObjectInfo) -> tuple[str, str | None]:
        if policy == "skip":
            return "skipped", "exists"
        if policy == "newer":
            if src.mtime is not None and dst.mtime is not None and src.mtime <= dst.mtime:
                return "skipped", "not-newer"
            return "pending", None
        same = same_content(src, dst)
        if same is None:
            same = await self._digests_agree(src, dst)
        return ("skipped", "identical") if same else ("pending", None)

    async def _digests_agree(self, src: ObjectInfo, dst: ObjectInfo) -> bool:
        """Compute the MD5 of whichever side is a local file to compare with the other side's MD5 ETag."""
        md5 = getattr(self.src, "md5", None)
        if md5 is not None and dst.etag and _MD5.match(dst.etag):
            return bool(await md5(src.key) == dst.etag)
        md5 = getattr(self.dst, "md5", None)
        if md5 is not None and src.etag and _MD5.match(src.etag):
            return bool(await md5(dst.key) == src.etag)
        if md5 is not None and getattr(self.src, "md5", None) is not None:
            return bool(await md5(dst.key) == await self.src.md5(src.key))  # type: ignore[attr-defined]
        return False
