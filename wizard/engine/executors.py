"""Where a run's objects are copied. The runner plans and records; an executor takes the pending objects from
the journal and hands back outcomes (``Runner.record``) until there is nothing left.

``InProcess`` copies object by object in this process (the default for ``run`` and a local agent). The Dask
cluster's executor (``wizard.cluster.executor``) cuts the same rows into shards for workers. Both keep the
journal's ``dispatched`` mark: objects up to it may have been sent by a run that was stopped before recording
them, so the next run looks at the destination before sending those again (one HEAD each, no more).
"""

from __future__ import annotations

import asyncio
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
    """Objects copied concurrently in this process (``concurrency`` at a time) with the runner's copier."""

    def status(self) -> dict[str, object] | None:
        return None

    async def run(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        objects = asyncio.Semaphore(runner.spec.options.concurrency)
        running: set[asyncio.Task[None]] = set()
        after = 0
        unseen = mark = int(runner.journal.get("dispatched") or 0)   # the stopped run's mark
        try:
            while rows := await next_rows(runner, plan_task, after):
                after = rows[-1].id
                for i, todo in enumerate(rows):
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
