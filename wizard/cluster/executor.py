"""The cluster executor: a run's pending objects cut into shards and submitted to the Dask scheduler, as many
as the connected workers can take (plus one queued each); outcomes arrive through the master's handlers while
shards run, and each shard's result settles what the reports did not.

Dask runs a shard at least once: a shard whose worker died runs again elsewhere and asks the master first what
is done (skipped) and which uploads are recorded (resumed). Objects a shard hands back (stopped, drained) are
submitted again in a new shard, looked for at the destination before they are sent. A shard that fails on the
cluster too often ends its objects failed (retryable) rather than stopping the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from wizard.cluster.master import Binding, Entry, Master
from wizard.engine.executors import BATCH
from wizard.engine.journal import Outcome, Todo
from wizard.engine.shard import MAX_BYTES, MAX_OBJECTS, Shard, ShardResult, cut, fatal_error

if TYPE_CHECKING:
    from wizard.engine.runner import Runner

log = logging.getLogger(__name__)
STOP_WAIT = 15.0        # seconds a stopping run waits for its running shards to hand back
RESUBMITS = 3           # times a shard's objects are submitted again after the shard failed on the cluster
MIN_OBJECTS = 50        # objects per shard at least (each shard costs the master a few calls)
MIN_BYTES = 64 * 1024 * 1024
TICK = 0.5              # seconds between looks at the cluster (a worker that joined widens the window)


class ClusterExecutor:
    """Shards of one run on the master's cluster; ``task_text`` and ``credentials`` are what workers get."""

    def __init__(self, master: Master, task_text: str, credentials: dict[str, list[str] | None]) -> None:
        self.master = master
        self.task_text = task_text
        self.credentials = credentials
        self.binding: Binding | None = None
        self._failures: dict[int, int] = {}

    def status(self) -> dict[str, object] | None:
        n = len(list(self.master.workers()))
        return {"mode": "cluster", "scheduler": self.master.address, "workers": n, "waiting": n == 0,
                "rows": self.master.rows(self.binding)}

    async def run(self, runner: Runner, plan_task: asyncio.Task[None]) -> None:
        from wizard.cluster.worker import copy_shard

        b = self.binding = self.master.bind(runner, self.task_text, self.credentials)
        queue: deque[list[Todo]] = deque()
        waiting: dict[asyncio.Future[Any], tuple[Entry, Any]] = {}
        after, listed_all = 0, False
        unseen = mark = int(runner.journal.get("dispatched") or 0)
        try:
            while True:
                if runner.fatal:
                    raise runner.fatal
                runner.wake.clear()
                while len(waiting) < self.master.window():
                    if not queue and not listed_all:
                        rows = runner.journal.next_todo(after, BATCH)
                        if not rows and plan_task.done():
                            plan_task.result()       # a planner failure stops the task
                            rows = runner.journal.next_todo(after, BATCH)
                            listed_all = not rows
                        if rows:
                            after = rows[-1].id
                            for t in rows:
                                t.maybe_sent = t.id <= unseen
                            queue.extend(cut(rows, *self._shard_size(rows)))
                    if not queue:
                        break
                    todos = queue.popleft()
                    if todos[-1].id > mark:
                        mark = todos[-1].id
                        runner.journal.set_meta("dispatched", str(mark))
                    e = b.entry(todos)
                    shard = Shard(b.run, e.number, todos, runner.settings)
                    future = self.master.client.submit(copy_shard, shard, key=f"shard-{b.run}-{e.number}",
                                                       pure=False)
                    waiting[asyncio.ensure_future(_outcome_of(future))] = (e, future)
                if not waiting and not queue and listed_all:
                    break
                waker = asyncio.ensure_future(runner.wake.wait())
                watched: set[asyncio.Future[Any]] = {*waiting, waker}
                if not plan_task.done():     # a finished planner would end every wait at once
                    watched.add(plan_task)
                done, _ = await asyncio.wait(watched, timeout=TICK, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
                for w in done & waiting.keys():
                    e, _future = waiting.pop(w)
                    self._settle(b, e, w.result(), queue)
        except BaseException:
            b.stopping = True         # every running shard is told at its next report (within a second)
            if waiting:
                done, pending = await asyncio.wait(set(waiting), timeout=STOP_WAIT)
                for w in done:
                    self._settle(b, waiting[w][0], w.result(), None)
                for w in pending:
                    w.cancel()
                with contextlib.suppress(Exception):
                    await self.master.client.cancel([f for _e, f in waiting.values()])
            raise
        finally:
            self.master.unbind(b)

    def _shard_size(self, rows: list[Todo]) -> tuple[int, int]:
        """Objects and bytes per shard: up to MAX_OBJECTS and MAX_BYTES, less when that spreads these rows over
        every shard slot of the cluster twice (600 small objects or 24 large ones are not one shard for one
        worker of three), never below MIN_OBJECTS objects or MIN_BYTES bytes."""
        ways = 2 * self.master.window()
        total = sum(max(t.size, 0) for t in rows)
        return (max(MIN_OBJECTS, min(MAX_OBJECTS, -(-len(rows) // ways))),
                max(MIN_BYTES, min(MAX_BYTES, -(-total // ways))))

    def _settle(self, b: Binding, e: Entry, got: ShardResult | BaseException, queue: deque[list[Todo]] | None
                ) -> None:
        """A shard's end: its result's outcomes and records (what the reports had not brought), and the objects
        it did not copy submitted again."""
        left: list[Todo]
        if isinstance(got, ShardResult):
            self.master.absorb(b, e, got.token, got.worker, got.outcomes, got.records, got.counters)
            if got.fatal is not None:
                b.runner.stop_with(fatal_error(got.fatal))
            left = [e.todos[i] for i in got.handed_back if i in e.todos and i not in e.recorded]
        else:
            left = [t for i, t in e.todos.items() if i not in e.recorded]
            if left and not b.stopping:
                log.warning("shard %s of %s objects failed on the cluster (%s: %s)", e.number, len(left),
                            type(got).__name__, got)
            lost = []
            for t in left:
                self._failures[t.id] = self._failures.get(t.id, 0) + 1
                if self._failures[t.id] > RESUBMITS and queue is not None:
                    lost.append(t)
                    b.outcome(e, Outcome(t.id, "failed", 1, None, "internal", "WorkerLost",
                                         f"{t.key}: the workers copying it were lost {self._failures[t.id]} times "
                                         "(see the agent's log); retry the failed files"), "")
            left = [t for t in left if t not in lost]
        b.settle(e)
        if left and queue is not None and not b.stopping:
            for t in left:
                t.maybe_sent = True     # it may have been under way: look at the destination first
            queue.appendleft(left)


async def _outcome_of(future: Any) -> ShardResult | BaseException:
    try:
        result: ShardResult = await future
        return result
    except asyncio.CancelledError:
        raise
    except BaseException as exc:   # KilledWorker, a shard that raised: settled as lost
        return exc
