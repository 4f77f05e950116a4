"""Drives one task: pre-flight of both stores, the planner and the copiers side by side, outcomes into the
journal in batches, progress sampled on a timer, and a clean stop (resumable) on cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard.engine.events import Counters, ObjectFailed, Sampler, TaskFinished
from wizard.engine.executors import Executor, InProcess
from wizard.engine.final_check import FinalCheck
from wizard.engine.journal import Journal, Outcome, Todo
from wizard.engine.limits import Limits
from wizard.engine.planner import Planner
from wizard.engine.schedule import Schedule, ScheduleDriver, parse_window
from wizard.engine.shard import CopySettings
from wizard.errors import Action, StorageError, task_stopped
from wizard.storage.base import Store
from wizard.task import TaskSpec

EventSink = Callable[[Any], None]
log = logging.getLogger(__name__)
FLUSH_EVERY = 0.2       # seconds between journal batches
START_ATTEMPTS = 3      # a store that cannot be reached at the start is retried this often before the task stops


async def stores_ready(src: Store, dst: Store, on_retry: Callable[[], None] = lambda: None) -> None:
    """Both stores (opened) reachable, buckets present, credentials accepted, transient faults retried a few
    times; StorageError(TASK) otherwise. A run checks this first, and the CLI before it writes a journal."""
    for store, write in ((src, False), (dst, True)):
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                await store.check(write)
                break
            except StorageError as exc:
                if exc.action is not Action.RETRY:
                    raise
                if attempt == START_ATTEMPTS:
                    raise task_stopped("unreachable", exc.code, exc.message) from None
                on_retry()
                await asyncio.sleep(0.5 * attempt)


@dataclass
class Summary:
    """How a run ended."""

    status: str                   # completed | completed_with_failures | ready_for_cutover (a clean final pass)
    counts: dict[str, tuple[int, int]]
    elapsed: float
    not_carried: dict[str, int] | None = None
    attempts: dict[str, int] | None = None       # attempts, retried_objects, retries (this run: retries_now)
    verification: dict[str, int] | None = None   # copied objects by proof: source | size-only

    @property
    def failed(self) -> int:
        return self.counts["failed"][0]


def load_counters(c: Counters, journal: Journal) -> Counters:
    """Fill ``c`` with what the journal says was done, so progress continues where it stood (also what an
    agent shows for a task that is not running)."""
    counts = journal.counts()
    _cursor, c.listing_done, c.listed_objects, c.listed_bytes = journal.listing_state()
    c.done_objects, c.done_bytes = counts["done"]
    c.skipped_objects, c.skipped_bytes = counts["skipped"]
    c.failed_objects, c.failed_bytes = counts["failed"]
    c.planned_objects = counts["done"][0] + counts["failed"][0] + counts["pending"][0] + counts["copying"][0]
    c.planned_bytes = counts["done"][1] + counts["failed"][1] + counts["pending"][1] + counts["copying"][1]
    return c


class Runner:
    """One run of a task against a journal. ``limits`` may be shared between tasks of one agent."""

    def __init__(self, spec: TaskSpec, src: Store, dst: Store, journal: Journal, *, limits: Limits | None = None,
                 on_event: EventSink | None = None, report_every: float = 0.5,
                 executor: Executor | None = None) -> None:
        self.spec, self.src, self.dst, self.journal = spec, src, dst, journal
        o = spec.options
        self.limits = limits or Limits(o.qps_limit, o.bandwidth_limit)
        self.on_event = on_event or (lambda e: None)
        self.report_every = report_every
        self.counters = Counters()
        self.sampler = Sampler(self.counters, limits=lambda: (self.limits.requests.rate, self.limits.bytes.rate))
        self.settings = CopySettings.of(spec)
        # The journal is this process's ledger: the in-process executor copies with this copier, and every
        # executor's recorded uploads are aborted through it at the task's end.
        self.copier = self.settings.copier(src, dst, journal, self.limits, self.counters)
        self.executor: Executor = executor or InProcess()
        self._outcomes: list[Outcome] = []
        self._retries_recorded = 0
        self.wake = asyncio.Event()
        self.fatal: StorageError | None = None
        # The weekly transfer windows, applied live to this run's limits (and through them to every worker's
        # share in a cluster): the limits given are what holds outside the windows.
        self.schedule = ScheduleDriver(Schedule([parse_window(t, f"options.schedule[{k}]")
                                                 for k, t in enumerate(o.schedule)],
                                                self.limits.requests.rate, int(self.limits.bytes.rate)),
                                       self.limits.set)
        self.check: FinalCheck | None = None          # the final pass's check of the destination, while it runs
        self.pass_row: dict[str, Any] | None = None   # the pass's summary row, once the run has ended
        # Set before cancelling for a pause: recorded multipart uploads stay for the resumed run to finish.
        self.keep_uploads = False
        # Set when the caller ran stores_ready itself (the CLI does, before it writes a journal): not twice.
        self.stores_checked = False

    def set_limits(self, qps: float | None = None, bandwidth: int | None = None) -> None:
        """Change limits while the task runs (the agent API calls this). With transfer windows, the values become
        the limits outside the windows, and also hold for the window in force until its end (as rclone's)."""
        if not self.schedule.schedule.windows:
            self.limits.set(qps, bandwidth)
            return
        if qps is not None:
            self.schedule.schedule.default_qps = float(qps)
        if bandwidth is not None:
            self.schedule.schedule.default_bandwidth = int(bandwidth)
        self.schedule.override(qps, bandwidth)

    def window(self) -> dict[str, Any]:
        """The transfer window in force (``scheduled`` false when the task has no windows)."""
        return {"scheduled": bool(self.schedule.schedule.windows), **self.schedule.in_force()}

    async def preflight(self) -> None:
        """Both stores reachable, buckets present, credentials accepted; StorageError(TASK) otherwise."""
        def retried() -> None:
            self.counters.retries += 1
        await stores_ready(self.src, self.dst, retried)

    async def run(self) -> Summary:
        """Run to the end. Raises StorageError(TASK) when the task cannot go on; CancelledError stays resumable."""
        for store in (self.src, self.dst):
            await store.open()
            store.request_gate = self.limits.gate  # type: ignore[attr-defined]
        if not self.stores_checked:
            await self.preflight()
        self._load_counters()
        planner = Planner(self.src, self.dst, self.journal, self.spec.options, self.spec.source.prefix,
                          self.spec.destination.prefix, self.counters, self.wake, self.limits)
        final = self.journal.pass_kind() == "final"
        check: tuple[int, int] | None = None
        plan_task = asyncio.create_task(planner.run())
        flusher = asyncio.create_task(self._flush_loop())
        reporter = asyncio.create_task(self._report_loop())
        windows = asyncio.create_task(self.schedule.run())
        try:
            await self.executor.run(self, plan_task)
            self.flush()
            await self.copier.abort_all()
            if final and not self.journal.check_finished():
                self.check = FinalCheck(self.dst, self.journal, self.spec.destination.prefix,
                                        self.spec.options.concurrency, self._mismatch, self.spec.source.prefix)
                check = await self.check.run()
        except BaseException:
            plan_task.cancel()
            with contextlib.suppress(BaseException):
                await plan_task
            self.flush()
            with contextlib.suppress(BaseException):
                await asyncio.shield(self.copier.abort_all(recorded=not self.keep_uploads))
            raise
        finally:
            flusher.cancel()
            reporter.cancel()
            windows.cancel()
            self.flush()
        self.journal.set_meta("dispatched", "0")   # every outcome is recorded: nothing may have been sent unseen
        if final:
            self.journal.mark_final_copies()
        self.pass_row = self.journal.end_pass(check)
        counts = self.journal.counts()
        # Ready for the cutover: the final pass copied what changed, checked every object, and nothing failed.
        status = "completed_with_failures" if counts["failed"][0] else "ready_for_cutover" if final else "completed"
        self.on_event(self.sampler.snapshot())
        attempts = {**self.journal.attempt_totals(), "retries_now": self.counters.retries,
                    "found_at_destination_now": self.counters.found_objects}
        lost, proven = self.journal.done_evidence()
        summary = Summary(status, counts, time.monotonic() - self.counters.started, lost, attempts, proven)
        self.on_event(TaskFinished(status, {k: v[0] for k, v in counts.items()},
                                   {k: v[1] for k, v in counts.items()}, round(summary.elapsed, 2),
                                   not_carried=summary.not_carried, attempts=attempts,
                                   verification=summary.verification))
        return summary

    def _load_counters(self) -> None:
        """Counters of what earlier runs already did, so progress continues where it stood."""
        load_counters(self.counters, self.journal)
        self.sampler.rebase()   # what earlier runs did is no rate of this one

    def record(self, todo: Todo, outcome: Outcome) -> None:
        """An object's outcome: counted now, into the journal with the next batch, failures announced."""
        c = self.counters
        if outcome.state == "done":
            c.done_objects += 1
            size = max(todo.size, 0)
            if outcome.version is not None:   # requeued: another version, maybe another size, was copied
                c.planned_bytes += max(outcome.version[0], 0) - size
                size = max(outcome.version[0], 0)
            c.done_bytes += size
        else:
            c.failed_objects += 1
            c.failed_bytes += max(todo.size, 0)
            self.on_event(ObjectFailed(todo.key, todo.size, outcome.error_class or "", outcome.error_code or "",
                                       outcome.message or "", outcome.attempts))
        self._outcomes.append(outcome)

    def _mismatch(self, key: str, size: int, code: str, message: str) -> None:
        """An object the final check found gone or changed at the destination: counted as failed, announced."""
        c = self.counters
        c.done_objects, c.done_bytes = c.done_objects - 1, c.done_bytes - max(size, 0)
        c.failed_objects, c.failed_bytes = c.failed_objects + 1, c.failed_bytes + max(size, 0)
        self.on_event(ObjectFailed(key, size, "mismatch", code, message, 0))

    def stop_with(self, exc: StorageError) -> None:
        """The task cannot go on (credentials refused, a store gone): the executor's dispatch raises it."""
        if self.fatal is None:
            self.fatal = exc
        self.wake.set()

    def flush(self) -> None:
        """Outcomes recorded so far into the journal, in one transaction."""
        retries = self.counters.retries - self._retries_recorded
        if self._outcomes or retries:
            batch, self._outcomes = self._outcomes, []
            self.journal.record(batch, retries)
            self._retries_recorded += retries

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self.flush()

    async def _report_loop(self) -> None:
        while True:
            await asyncio.sleep(self.report_every)
            self.on_event(self.sampler.snapshot())
