"""A short measured trial before a task starts: real objects copied for some seconds with the task's own
copier, settings and limits, to measure objects and bytes per second on these stores from this machine.

Data safety: the trial copies only objects the destination does not hold yet (a HEAD first), so removing what
it copied afterwards (the default) never deletes anything that was there before; it never changes the source.
Kept, the copies are verified like any other and the task's run treats them by its same-name policy.
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
    """What the trial copied and how fast."""

    objects: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    rate_objects: float = 0.0
    rate_bytes: float = 0.0
    kept: bool = False
    removed: int = 0
    skipped_existing: int = 0
    failed: int = 0
    keys: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("keys")
        return out


async def trial(spec: TaskSpec, src: Store, dst: Store, *, seconds: float = 20.0, keep: bool = False,
                limits: Limits | None = None, clock: Callable[[], float] = time.monotonic) -> Trial:
    """Copy objects from the start of the source listing for ``seconds``, then remove them unless ``keep``."""
    o = spec.options
    limits = limits or Limits(o.qps_limit, o.bandwidth_limit)
    copier = CopySettings.of(spec).copier(src, dst, ShardLedger({}, lambda record: None), limits, Counters())
    wanted = matcher(o.include, o.exclude)
    result = Trial(kept=keep)
    dst_prefix = spec.destination.prefix
    queue: asyncio.Queue[Todo | None] = asyncio.Queue(o.concurrency * 2)
    started = clock()
    deadline = started + seconds

    async def feed() -> None:
        number = 0
        try:
            async for page in src.list_pages(spec.source.prefix):
                for obj in page:
                    if clock() >= deadline:
                        return
                    if not wanted(obj.key):
                        continue
                    if await dst.head(dst_prefix + obj.key) is not None:
                        result.skipped_existing += 1
                        continue
                    number += 1
                    await queue.put(Todo(number, obj.key, obj.size, obj.etag, obj.mtime, 0, obj.ref))
        finally:
            for _ in range(o.concurrency):
                await queue.put(None)

    async def work() -> None:
        while (todo := await queue.get()) is not None:
            if clock() >= deadline:
                continue
            outcome = await copier.copy(todo)
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
    feeder = asyncio.create_task(feed())
    try:
        await asyncio.gather(feeder, *(work() for _ in range(o.concurrency)))
    finally:
        feeder.cancel()
        with contextlib.suppress(BaseException):
            await feeder
        await copier.abort_all()
        for store, gate in zip((src, dst), gates, strict=True):
            store.request_gate = gate  # type: ignore[attr-defined]
    result.elapsed = max(clock() - started, 1e-6)
    result.rate_objects = result.objects / result.elapsed
    result.rate_bytes = result.bytes / result.elapsed
    if not keep:
        for key in result.keys:   # exactly what the trial wrote, none of which was there before it
            try:
                await dst.delete(dst_prefix + key)
                result.removed += 1
            except StorageError as exc:
                if exc.action is Action.TASK:
                    raise
    return result
