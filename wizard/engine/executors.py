"""Where a run's objects are copied. The runner plans and records; an executor takes the pending objects from
the journal and hands back outcomes (``Runner.record``) until there is nothing left.

``InProcess`` copies object by object in this process. The Dask cluster's executor (``wizard.cluster.executor``)
cuts the same rows into shards for workers. ``Widening`` (the default for ``run`` and a local agent on a machine
with more than one core) starts in this process and hands the rest of a long, CPU-bound run to local worker
processes, so a short run never pays their start-up (1-2 s, measured: 2,000 small objects took 4.8 s with two
worker processes from the start against 2.9 s in this process). Both keep the
journal's ``dispatched`` mark: objects up to it may have been sent by a run that was stopped before recording
them, so the next run looks at the destination before sending those again (one HEAD each, no more).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from wizard.engine.journal import Todo
from wizard.engine.shard import copy_one
from wizard.errors import StorageError

if TYPE_CHECKING:
    from wizard.engine.runner import Runner

BATCH = 1000            # objects fetched from the journal per dispatch round
MARK_AHEAD = 64         # objects dispatched ahead of the journal's mark


class Executor(Protocol):
    async def run(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        """Copy every pending object (also those the planner still adds) and record each outcome."""

    def status(self) -> dict[str, object] | None:
        """What a snapshot says about where the copying happens (None: in this process)."""


async def next_rows(runner: Runner, plan_task: asyncio.Task[None], after: int, limit: int = BATCH) -> list[Todo]:
    """The next pending rows after ``after``, waiting for the planner while it may add some; [] at the end."""
    while True:
        if runner.fatal:
            raise runner.fatal
        runner.wake.clear()
        rows = runner.journal.next_todo(after, limit)
        if rows:
            return rows
        if plan_task.done():
            plan_task.result()  # a planner failure stops the task
            rows = runner.journal.next_todo(after, limit)
            if not rows:
                return []
            continue
        waiter = asyncio.ensure_future(runner.wake.wait())
        await asyncio.wait({waiter, plan_task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()


class InProcess:
    """Objects copied concurrently in this process (``concurrency`` at a time) with the runner's copier. When
    ``handover`` is set it takes no new object, lets those under way finish and returns with ``handed_over``."""

    def __init__(self, handover: asyncio.Event | None = None) -> None:
        self.handover = handover
        self.handed_over = False

    def status(self) -> dict[str, object] | None:
        return None

    async def run(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        objects = asyncio.Semaphore(runner.spec.options.concurrency)
        running: set[asyncio.Task[None]] = set()
        after = 0
        unseen = mark = int(runner.journal.get("dispatched") or 0)   # the stopped run's mark
        try:
            while not self.handed_over and (rows := await next_rows(runner, plan_task, after)):
                for i, todo in enumerate(rows):
                    if self.handover is not None and self.handover.is_set():
                        self.handed_over = True
                        break
                    after = todo.id
                    todo.maybe_sent = todo.id <= unseen
                    if todo.id > mark:
                        mark = rows[min(i + MARK_AHEAD, len(rows) - 1)].id
                        runner.journal.set_meta("dispatched", str(mark))
                    await objects.acquire()
                    if runner.fatal:
                        objects.release()
                        raise runner.fatal
                    t = asyncio.create_task(self._one(runner, todo, objects))
                    running.add(t)
                    t.add_done_callback(running.discard)
            while running:
                await asyncio.wait(set(running))
            if runner.fatal:
                raise runner.fatal
        except BaseException:
            for t in running:
                t.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise

    @staticmethod
    async def _one(runner: Runner, todo: Todo, objects: asyncio.Semaphore) -> None:
        runner.counters.in_flight += 1
        try:
            runner.record(todo, await copy_one(runner.copier, todo))
        except StorageError as exc:  # action TASK: the whole task stops
            runner.stop_with(exc)
        finally:
            runner.counters.in_flight -= 1
            objects.release()


class Widening:
    """This process first; once the run has gone on ``after`` seconds with this process busy (CPU at least
    ``busy`` of one core over the last ``window`` seconds) and work left (the listing still going, or at least
    ``min_left`` objects pending), the objects under way finish here and the rest goes to the executor that
    ``widen`` opens (local worker processes, one per core), with the same journal, limits and progress."""

    def __init__(self, widen: Callable[[], AbstractAsyncContextManager[Executor]], *, after: float = 10.0,
                 busy: float = 0.75, window: float = 3.0, min_left: int = 2000) -> None:
        self.widen = widen
        self.after, self.busy, self.window, self.min_left = after, busy, window, min_left
        self.here = InProcess(asyncio.Event())
        self.current: Executor = self.here
        self.widened_at: float | None = None

    def status(self) -> dict[str, object] | None:
        return self.current.status()

    async def run(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        watcher = asyncio.create_task(self._watch(runner, plan_task))
        try:
            await self.here.run(runner, plan_task)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if not self.here.handed_over:
            return
        runner.flush()   # what was copied here is in the journal before the rest is handed out
        async with self.widen() as wide:
            self.current = wide
            self.widened_at = time.monotonic()
            await wide.run(runner, plan_task)

    def _worth_it(self, runner: Runner, plan_task: asyncio.Task[None]) -> bool:
        c = runner.counters
        left = c.planned_objects - c.done_objects - c.failed_objects
        return not plan_task.done() or left >= self.min_left

    async def _watch(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        assert self.here.handover is not None
        await asyncio.sleep(max(0.0, self.after - self.window))
        samples = [(time.monotonic(), time.process_time())]
        while True:
            await asyncio.sleep(self.window / 3)
            samples.append((time.monotonic(), time.process_time()))
            while samples[-1][0] - samples[0][0] > self.window:
                samples.pop(0)
            (w0, c0), (w1, c1) = samples[0], samples[-1]
            if w1 - w0 >= self.window * 0.9 and (c1 - c0) / (w1 - w0) >= self.busy \
                    and self._worth_it(runner, plan_task):
                self.here.handover.set()
                runner.wake.set()
                return
