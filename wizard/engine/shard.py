"""The unit of distributed work: a shard of at most ~1,000 objects or ~10 GB.

In: plain picklable data (the todos, the copy settings, the multipart uploads already recorded for them). Out:
one outcome per object it copied (with evidence), the ledger records it made (also streamed while it runs), the
objects it handed back unstarted, and its counters. ``run_shard`` runs it the same way wherever it is: a Dask
worker, a local worker process, or a test. ``copy_one`` is the one place an object's copy becomes an outcome,
for shards and for the in-process executor alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.engine.copier import Copier, Result
from wizard.engine.events import Counters
from wizard.engine.journal import Outcome, Todo
from wizard.engine.ledger import Record, ShardLedger, Upload
from wizard.engine.limits import Limits
from wizard.errors import StorageError, object_failed, task_stopped
from wizard.storage.base import Store

log = logging.getLogger(__name__)
MAX_OBJECTS = 1000
MAX_BYTES = 10 * 1024 ** 3
# Counters a shard sends back (cumulative for the shard; the master adds what is new); in_flight and
# partial_bytes are gauges of what is under way.
SHARED_COUNTERS = ("wire_bytes", "retries", "found_objects", "in_flight", "partial_bytes")


@dataclass(frozen=True)
class CopySettings:
    """How every object of a task is copied: the Copier's settings, as data."""

    dst_prefix: str = ""
    verify: str = "checksum"
    part_size: int = 16 * 1024 * 1024
    threshold: int = 64 * 1024 * 1024
    concurrency: int = 32
    storage_class: str = ""

    @classmethod
    def of(cls, spec: Any) -> CopySettings:
        o = spec.options
        return cls(spec.destination.prefix, o.verify, o.part_size, o.multipart_threshold, o.concurrency,
                   o.storage_class or "")

    def copier(self, src: Store, dst: Store, ledger: Any, limits: Limits, counters: Counters) -> Copier:
        """The one place a Copier is built from a task's settings."""
        return Copier(src, dst, ledger, limits, counters, dst_prefix=self.dst_prefix, verify=self.verify,
                      part_size=self.part_size, threshold=self.threshold, streams=self.concurrency,
                      storage_class=self.storage_class)


@dataclass
class Shard:
    run: str                       # the run it belongs to: the master refuses reports of runs it does not hold
    number: int
    todos: list[Todo]
    settings: CopySettings
    uploads: dict[int, Upload] = field(default_factory=dict)


@dataclass
class ShardResult:
    run: str
    number: int
    token: str                     # this attempt (Dask may run a shard twice, even at once)
    outcomes: list[Outcome] = field(default_factory=list)
    handed_back: list[int] = field(default_factory=list)   # not copied (stopped, draining): to be copied again
    records: list[Record] = field(default_factory=list)   # ledger records the master had not acknowledged yet
    counters: dict[str, int] = field(default_factory=dict)
    fatal: tuple[str, str, str] | None = None   # (error class, code, message): the whole task cannot go on
    worker: str = ""


def cut(rows: list[Todo], max_objects: int = MAX_OBJECTS, max_bytes: int = MAX_BYTES) -> list[list[Todo]]:
    """Consecutive todos in shards of at most ``max_objects`` objects and ``max_bytes`` bytes (one larger
    object is a shard of its own)."""
    shards: list[list[Todo]] = []
    current: list[Todo] = []
    size = 0
    for todo in rows:
        n = max(todo.size, 0)
        if current and (len(current) >= max_objects or size + n > max_bytes):
            shards.append(current)
            current, size = [], 0
        current.append(todo)
        size += n
    if current:
        shards.append(current)
    return shards


def to_outcome(todo: Todo, result: Result) -> Outcome:
    if result.ok:
        return Outcome(todo.id, "done", result.attempts, result.evidence, version=result.version)
    exc = result.error
    assert exc is not None
    return Outcome(todo.id, "failed", result.attempts, None, exc.error_class, exc.code, exc.message)


async def copy_one(copier: Copier, todo: Todo) -> Outcome:
    """One object copied (with its retries) into its outcome; StorageError(TASK) propagates. A bug does not lose
    the object silently: it fails, visibly, and can be retried."""
    try:
        result = await copier.copy(todo)
    except StorageError:
        raise
    except Exception as exc:
        log.exception("copying %s failed unexpectedly", todo.key)
        result = Result(False, 1, error=object_failed(
            "internal", type(exc).__name__, f"{todo.key}: unexpected {type(exc).__name__} while copying "
            "(run with --debug for details)"))
    return to_outcome(todo, result)


class Control:
    """How a running shard is told to end: ``draining`` takes no new object, ``stop`` also stops those under
    way (they are handed back)."""

    def __init__(self) -> None:
        self.draining = False
        self.stop = asyncio.Event()


def fatal_error(fatal: tuple[str, str, str]) -> StorageError:
    return task_stopped(*fatal)


async def run_shard(shard: Shard, src: Store, dst: Store, limits: Limits, token: str, *,
                    on_record: Callable[[Record], None] = lambda r: None,
                    on_outcome: Callable[[Outcome], None] = lambda o: None,
                    control: Control | None = None, counters: Counters | None = None,
                    slots: asyncio.Semaphore | None = None) -> ShardResult:
    """Copy the shard's todos with its settings' concurrency, or under ``slots`` when given (objects in flight
    shared by every shard of a worker, so one shard's tail does not leave the worker half idle); every outcome
    and ledger record is also handed to the callbacks as it happens. Never raises for an object: a
    task-stopping error ends the shard with ``fatal``."""
    control = control or Control()
    counters = counters or Counters()
    result = ShardResult(shard.run, shard.number, token)

    ledger = ShardLedger(dict(shard.uploads), on_record)
    copier = shard.settings.copier(src, dst, ledger, limits, counters)
    slots = slots or asyncio.Semaphore(shard.settings.concurrency)
    running: dict[asyncio.Task[None], Todo] = {}

    async def one(todo: Todo) -> None:
        counters.in_flight += 1
        try:
            outcome = await copy_one(copier, todo)
            result.outcomes.append(outcome)
            on_outcome(outcome)
        except StorageError as exc:
            if result.fatal is None:
                result.fatal = (exc.error_class, exc.code, exc.message)
            control.stop.set()
            result.handed_back.append(todo.id)
        except asyncio.CancelledError:
            result.handed_back.append(todo.id)
            raise
        finally:
            counters.in_flight -= 1
            slots.release()

    stopper = asyncio.ensure_future(control.stop.wait())
    try:
        for todo in shard.todos:
            if control.draining or control.stop.is_set():
                result.handed_back.append(todo.id)
                continue
            acquire = asyncio.ensure_future(slots.acquire())
            await asyncio.wait({acquire, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if control.stop.is_set() or control.draining:
                if acquire.done():
                    slots.release()
                else:
                    acquire.cancel()
                result.handed_back.append(todo.id)
                continue
            t = asyncio.ensure_future(one(todo))
            running[t] = todo
            t.add_done_callback(lambda d: running.pop(d, None))
        while running:
            await asyncio.wait({*running, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if control.stop.is_set():
                for t in list(running):
                    t.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                break
    finally:
        stopper.cancel()
        for t in list(running):
            t.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        # Uploads created but not yet recorded are aborted here; recorded ones are the master's (resumed or
        # aborted by the task's end).
        with contextlib.suppress(Exception):
            await asyncio.shield(copier.abort_all(recorded=False))
    result.counters = {k: getattr(counters, k) for k in SHARED_COUNTERS}
    return result
