"""A short measured trial before a task starts: real objects copied for some seconds with the task's own
copier, settings and limits, to measure objects and bytes per second on these stores from this machine.

Data safety: the trial copies only objects the destination does not hold yet (a HEAD first), so removing what
it copied afterwards (the default) never deletes anything that was there before; it never changes the source.
Kept, the copies are verified like any other and the task's run treats them by its same-name policy; what a
failed copy, or one cut after the deadline's grace, may have written is removed either way (its multipart
upload aborted), so nothing half-written or unverified stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from wizard.engine.events import Counters
from wizard.engine.journal import Todo
from wizard.engine.ledger import ShardLedger
from wizard.engine.limits import Limits
from wizard.engine.planner import matcher
from wizard.engine.shard import CopySettings
from wizard.errors import Action, StorageError
from wizard.storage.base import Store
from wizard.task import TaskSpec


@dataclass
class Trial:
    """What the trial copied and how fast. The rates are measured over ``elapsed``: up to the deadline (or until
    the source ran out), with the bytes moved of objects still under way at that moment counted."""

    objects: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    rate_objects: float = 0.0
    rate_bytes: float = 0.0
    kept: bool = False
    removed: int = 0
    skipped_existing: int = 0
    failed: int = 0
    cut: int = 0                      # still under way when the grace after the deadline ran out
    keys: list[str] = field(default_factory=list)        # copied and verified
    written: set[str] = field(default_factory=set)       # every key a write was started for

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("keys")
        out.pop("written")
        return out


async def trial(spec: TaskSpec, src: Store, dst: Store, *, seconds: float = 20.0, keep: bool = False,
                limits: Limits | None = None, clock: Callable[[], float] = time.monotonic,
                grace: float | None = None) -> Trial:
    """Copy objects from the start of the source listing for ``seconds``, then remove them unless ``keep``.
    Objects under way at the deadline may finish within ``grace`` seconds more (``max(5, seconds)`` by default);
    then they are cut, their multipart uploads aborted, and whatever they wrote removed."""
    o = spec.options
    limits = limits or Limits(o.qps_limit, o.bandwidth_limit)
    counters = Counters()
    copier = CopySettings.of(spec).copier(src, dst, ShardLedger({}, lambda record: None), limits, counters)
    wanted = matcher(o.include, o.exclude)
    result = Trial(kept=keep)
    dst_prefix = spec.destination.prefix
    queue: asyncio.Queue[Todo | None] = asyncio.Queue(o.concurrency * 2)
    under_way: set[str] = set()
    started = clock()
    deadline = started + seconds

    async def feed() -> None:
        number = 0
        try:
            async for page in src.list_pages(spec.source.prefix):
                for obj in page:
                    if clock() >= deadline:
                        return
                    if wanted(obj.key):
                        number += 1
                        await queue.put(Todo(number, obj.key, obj.size, obj.etag, obj.mtime, 0, obj.ref))
        finally:
            for _ in range(o.concurrency):
                await queue.put(None)

    async def work() -> None:
        while (todo := await queue.get()) is not None:
            if clock() >= deadline:
                continue
            # Only what the destination lacks is copied, so removing it later deletes nothing that was there.
            try:
                there = await dst.head(dst_prefix + todo.key)
            except StorageError as exc:
                if exc.action is Action.TASK:
                    raise
                result.failed += 1          # not known to be absent: left alone
                continue
            if there is not None:
                result.skipped_existing += 1
                continue
            result.written.add(todo.key)
            under_way.add(todo.key)
            outcome = await copier.copy(todo)
            under_way.discard(todo.key)
            if outcome.ok:
                result.objects += 1
                result.bytes += max(todo.size, 0)
                result.keys.append(todo.key)
            else:
                result.failed += 1

    # Every request goes through the task's limits, as in a run (the runner sets the same gate).
    gates = [getattr(store, "request_gate", None) for store in (src, dst)]
    for store in (src, dst):
        store.request_gate = limits.gate  # type: ignore[attr-defined]
    tasks = [asyncio.create_task(feed()), *(asyncio.create_task(work()) for _ in range(o.concurrency))]
    everything = asyncio.gather(*tasks)
    done_objects = moved = 0
    try:
        await asyncio.wait({everything}, timeout=max(deadline - clock(), 0.0))
        result.elapsed = max(clock() - started, 1e-6)
        done_objects, moved = result.objects, counters.wire_bytes
        await asyncio.wait({everything}, timeout=max(5.0, seconds) if grace is None else grace)
        if everything.done():
            everything.result()      # a task-stopping error (refused credentials...) ends the trial here
        else:
            result.cut = len(under_way)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(BaseException):
            await copier.abort_all()
        for store, gate in zip((src, dst), gates, strict=True):
            store.request_gate = gate  # type: ignore[attr-defined]
        await _remove(dst, dst_prefix, result, keep)
    result.rate_objects = done_objects / result.elapsed
    result.rate_bytes = moved / result.elapsed
    return result


async def _remove(dst: Store, dst_prefix: str, result: Trial, keep: bool) -> None:
    """Delete what the trial wrote: every verified copy unless kept, and always what a failed or cut copy may
    have left (none of these keys was at the destination before the trial, its HEAD said so)."""
    copied = set(result.keys)
    unfinished = sorted(result.written - copied)
    for key in ([] if keep else result.keys) + unfinished:
        try:
            if key in unfinished and await dst.head(dst_prefix + key) is None:
                continue
            await dst.delete(dst_prefix + key)
            if key in copied:
                result.removed += 1
        except StorageError as exc:
            if exc.action is Action.TASK:
                raise
