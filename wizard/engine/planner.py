"""The planner: streams the source and destination listings (both sorted), merge-joins them, applies the
same-name policy and the include/exclude filters, and records each decision in the journal page by page.

Nothing holds a whole listing: memory is one page of each side. The journal's cursor is the last source key
of the last recorded page; a resumed planner lists both sides again from just after it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from fnmatch import fnmatchcase

from wizard.engine.events import Counters
from wizard.engine.journal import Journal
from wizard.storage.base import ObjectInfo, Store
from wizard.task import Options

_MD5 = re.compile(r"^[0-9a-f]{32}$")


def matcher(include: list[str], exclude: list[str]) -> Callable[[str], bool]:
    """Globs on the whole key (``*`` also matches ``/``): included when it matches an include (or there are
    none) and no exclude."""
    def wanted(key: str) -> bool:
        if include and not any(fnmatchcase(key, p) for p in include):
            return False
        return not any(fnmatchcase(key, p) for p in exclude)
    return wanted


class _Cursor:
    """A peekable position in a sorted listing of the destination."""

    def __init__(self, pages: AsyncIterator[list[ObjectInfo]], strip: int) -> None:
        self._pages = pages
        self._strip = strip
        self._page: list[ObjectInfo] = []
        self._i = 0
        self._done = False

    async def find(self, key: str) -> ObjectInfo | None:
        """The destination object whose (prefix-stripped) key equals ``key``; skips everything before it."""
        while not self._done:
            while self._i < len(self._page):
                obj = self._page[self._i]
                rel = obj.key[self._strip:]
                if rel < key:
                    self._i += 1
                    continue
                return obj if rel == key else None
            try:
                self._page, self._i = await anext(self._pages), 0
            except StopAsyncIteration:
                self._done = True
        return None


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


class Planner:
    """Decides, for every source object, pending (to copy) or skipped, and records it."""

    def __init__(self, src: Store, dst: Store, journal: Journal, options: Options, src_prefix: str,
                 dst_prefix: str, counters: Counters, wake: asyncio.Event) -> None:
        self.src, self.dst, self.journal, self.options = src, dst, journal, options
        self.src_prefix, self.dst_prefix = src_prefix, dst_prefix
        self.counters = counters
        self.wake = wake
        self.wanted = matcher(options.include, options.exclude)

    async def run(self) -> None:
        cursor, done, listed, listed_bytes = self.journal.listing_state()
        if done:
            return
        policy = self.options.same_name
        dst_cursor = None
        if policy != "overwrite":
            start = self.dst_prefix + cursor if cursor else ""
            dst_cursor = _Cursor(self.dst.list_pages(self.dst_prefix + self.src_prefix, start), len(self.dst_prefix))
        async for page in self.src.list_pages(self.src_prefix, cursor):
            rows = []
            for obj in page:
                listed += 1
                listed_bytes += obj.size
                if not self.wanted(obj.key):
                    continue
                state, reason = "pending", None
                if dst_cursor is not None:
                    existing = await dst_cursor.find(obj.key)
                    if existing is not None:
                        state, reason = await self._decide(policy, obj, existing)
                rows.append((obj.key, obj.size, obj.etag, obj.mtime, state, reason))
                if state == "pending":
                    self.counters.planned_objects += 1
                    self.counters.planned_bytes += obj.size
                else:
                    self.counters.skipped_objects += 1
                    self.counters.skipped_bytes += obj.size
            self.journal.add_page(rows, page[-1].key, listed, listed_bytes)
            self.counters.listed_objects, self.counters.listed_bytes = listed, listed_bytes
            self.wake.set()
        self.journal.finish_listing()
        self.counters.listing_done = True
        self.wake.set()

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
