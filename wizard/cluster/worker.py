"""A worker server's side: the Dask worker that ``migration-agent worker --join FILE`` keeps connected, and
``copy_shard``, the task function it runs.

A shard asks the master first (``mw_begin``): which of its objects are done already, which multipart uploads
are recorded, the task, its credentials (over the cluster's TLS; they stay in this process's memory, never in
a file, argv or a log) and this worker's lease. While it copies, a reporter sends outcomes, ledger records and
counters 4 times a second (at once when a multipart record is made) and applies the answer: the worker's share
of the limits, the throttle brake, stop. A worker that cannot reach the master for a few seconds stops copying.

Dask workers do not reconnect to a scheduler that went away; ``serve`` starts a new one in a loop, so workers
come back by themselves when the master restarts. SIGTERM drains: running shards take no new object, finish
those under way, hand back the rest; then the worker leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import signal
import socket
import time
from dataclasses import replace
from typing import Any, TextIO

from wizard.cluster.certs import KeyPair
from wizard.cluster.files import DASK_SETTINGS, security
from wizard.engine.events import Counters
from wizard.engine.journal import Outcome
from wizard.engine.ledger import Record, Upload
from wizard.engine.limits import Limits
from wizard.engine.shard import SHARED_COUNTERS, Control, Shard, ShardResult, run_shard
from wizard.secrets import Credentials
from wizard.storage.base import Store

log = logging.getLogger(__name__)
REPORT_EVERY = 0.25     # seconds between reports of a running shard
MASTER_LOST = 3.0       # seconds without an answer from the master before a shard stops copying
DRAIN_WAIT = 300.0      # seconds SIGTERM waits for running shards to finish their objects under way
_names = itertools.count(1)


class WorkerContext:
    """What the shards of one Dask worker share: stores and limits per run, the drain flag."""

    def __init__(self, slots: int = 2) -> None:
        self.slots = slots
        self.draining = False
        self.controls: set[Control] = set()
        self.runs: dict[str, tuple[Store, Store, Limits, asyncio.Semaphore]] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def stores(self, run: str, begin: dict[str, Any]) -> tuple[Store, Store, Limits, asyncio.Semaphore]:
        """The run's stores (opened once per worker, reused by its shards), this worker's limits for it, and its
        objects in flight (the task's concurrency per slot, shared by the shards running here)."""
        from wizard.storage.factory import make_store
        from wizard.task import parse_task_text

        lock = self._opening.setdefault(run, asyncio.Lock())
        async with lock:
            if run not in self.runs:
                for old in list(self.runs)[:-1]:     # runs this worker served before: their stores are closed
                    await self._close(old)
                spec = parse_task_text(begin["task"])
                creds = begin.get("credentials") or {}
                need = spec.options.concurrency * 2
                stores = []
                for loc, side in ((spec.source, "source"), (spec.destination, "destination")):
                    pair = creds.get(side)
                    store = make_store(loc, side, connections=need,
                                       credentials=Credentials(pair[0], pair[1]) if pair else None)
                    await store.open()
                    stores.append(store)
                limits = Limits(begin.get("qps", 0), int(begin.get("bandwidth", 0)))
                for store in stores:
                    store.request_gate = limits.gate  # type: ignore[attr-defined]
                in_flight = asyncio.Semaphore(spec.options.concurrency * self.slots)
                self.runs[run] = (stores[0], stores[1], limits, in_flight)
        return self.runs[run]

    async def _close(self, run: str) -> None:
        src, dst, _limits, _in_flight = self.runs.pop(run)
        for store in (src, dst):
            with contextlib.suppress(Exception):
                await store.close()

    def drain(self) -> None:
        self.draining = True
        for c in self.controls:
            c.draining = True

    async def close(self) -> None:
        for run in list(self.runs):
            await self._close(run)


_contexts: dict[int, WorkerContext] = {}


def context_of(worker: Any) -> WorkerContext:
    """The worker's context; its slots are the worker's threads but one (``serve`` starts it so)."""
    ctx = _contexts.get(id(worker))
    if ctx is None:
        ctx = _contexts[id(worker)] = WorkerContext(max(1, int(getattr(worker, "nthreads", 3)) - 1))
    return ctx


class Reporter:
    """A running shard's reports to the master, and what their answers say."""

    def __init__(self, worker: Any, shard: Shard, token: str, limits: Limits, control: Control,
                 counters: Counters) -> None:
        self.worker, self.shard, self.token, self.limits, self.control = worker, shard, token, limits, control
        self.counters = counters
        self.outcomes: list[Outcome] = []
        self.records: list[Record] = []
        self.urgent = asyncio.Event()
        self.closed = False
        self.last_ok = time.monotonic()
        self.host = socket.gethostname()

    def record(self, r: Record) -> None:
        self.records.append(r)
        self.urgent.set()

    def outcome(self, o: Outcome) -> None:
        self.outcomes.append(o)

    async def loop(self) -> None:
        # asyncio.wait, not wait_for: Python 3.11's wait_for can swallow a cancel that meets its timeout, and
        # a reporter that never ends holds its shard (and the run) forever. ``closed`` ends it in any case.
        while not self.closed:
            waiter = asyncio.ensure_future(self.urgent.wait())
            try:
                await asyncio.wait({waiter}, timeout=REPORT_EVERY)
            finally:
                waiter.cancel()
            self.urgent.clear()
            if not self.closed:
                await self.flush()

    async def flush(self) -> None:
        outcomes, records = self.outcomes, self.records
        self.outcomes, self.records = [], []
        sent = False
        try:
            lease = await asyncio.wait_for(self.worker.scheduler.mw_report(
                run=self.shard.run, shard=self.shard.number, token=self.token, worker=self.worker.address,
                host=self.host, outcomes=[_plain(o) for o in outcomes], records=[list(r) for r in records],
                counters={k: getattr(self.counters, k) for k in SHARED_COUNTERS},
                throttled=self.limits.throttle.events), MASTER_LOST)
            sent = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if time.monotonic() - self.last_ok > MASTER_LOST:
                log.warning("shard %s: the master does not answer (%s); stopping", self.shard.number,
                            type(exc).__name__)
                self.control.stop.set()
            return
        finally:
            if not sent:   # kept for the next report, or the shard's result
                self.outcomes[:0], self.records[:0] = outcomes, records
        self.last_ok = time.monotonic()
        self.apply(lease)

    def apply(self, lease: dict[str, Any]) -> None:
        self.limits.set(float(lease.get("qps", 0)), int(lease.get("bandwidth", 0)))
        self.limits.throttle.hold(float(lease.get("hold", 0)))
        if lease.get("stop"):
            self.control.stop.set()


def _plain(o: Outcome) -> list[Any]:
    return [o.id, o.state, o.attempts, o.evidence, o.error_class, o.error_code, o.message]


def _uploads(data: dict[str, Any]) -> dict[int, Upload]:
    return {int(i): Upload(u[0], u[1], int(u[2]), u[3], {int(p[0]): (p[1], int(p[2]), p[3]) for p in u[4]})
            for i, u in data.items()}


async def copy_shard(shard: Shard) -> ShardResult:
    """The task function every worker runs (an ``async def``: it runs on the worker's event loop, with the
    shard's concurrency inside). It never raises: whatever goes wrong, its objects are handed back."""
    from distributed import get_worker

    worker = get_worker()
    ctx = context_of(worker)
    token = secrets.token_hex(6)
    back = ShardResult(shard.run, shard.number, token, handed_back=[t.id for t in shard.todos],
                       worker=worker.address)
    if ctx.draining:
        return back
    try:
        begin = await asyncio.wait_for(worker.scheduler.mw_begin(
            run=shard.run, shard=shard.number, token=token, worker=worker.address, host=socket.gethostname()),
            MASTER_LOST * 2)
        if begin.get("stop"):
            return back
        src, dst, limits, in_flight = await ctx.stores(shard.run, begin)
    except Exception as exc:   # the master gone, a store that cannot open here: the master decides again
        log.warning("shard %s cannot start here: %s", shard.number, type(exc).__name__)
        return back
    skip = set(begin.get("skip") or ())
    todos = [t for t in shard.todos if t.id not in skip]
    if begin.get("maybe_sent"):
        for t in todos:
            t.maybe_sent = True     # an earlier attempt may have sent it without reporting: look first
    shard = replace(shard, todos=todos, uploads=_uploads(begin.get("uploads") or {}))
    control = Control()
    control.draining = ctx.draining
    ctx.controls.add(control)
    counters = Counters()
    reporter = Reporter(worker, shard, token, limits, control, counters)
    reporter.apply(begin)
    reporting = asyncio.ensure_future(reporter.loop())
    try:
        result = await run_shard(shard, src, dst, limits, token, on_record=reporter.record,
                                 on_outcome=reporter.outcome, control=control, counters=counters,
                                 slots=in_flight)
    except Exception:   # a bug: logged, and the objects not reported yet go back to the master
        log.exception("shard %s stopped unexpectedly", shard.number)
        result = replace(back, handed_back=[t.id for t in todos], fatal=None)
    finally:
        reporter.closed = True
        reporting.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait({reporting}, timeout=MASTER_LOST * 2)
    with contextlib.suppress(Exception):
        await reporter.flush()
    ctx.controls.discard(control)
    # What the last report could not bring travels with the result; the master ignores what it has seen.
    result.records = reporter.records
    result.worker = worker.address
    return result


async def serve(join: dict[str, Any], host: str, port: int = 0, slots: int = 2, out: TextIO | None = None,
                parent: int | None = None) -> int:
    """Be a worker of the cluster in ``join`` until SIGTERM/SIGINT: connect, copy shards, connect again when
    the master went away. A local worker (``parent``: the agent that started it) also stops when its agent is
    gone, even killed, instead of looking for that master forever."""
    import dask
    from distributed import Worker

    sec = security(join["ca"], KeyPair(join["cert"], join["key"]))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    orphaned = asyncio.Event()   # nobody will record what this worker copies now: stop at once, no drain
    orphan = asyncio.ensure_future(_until_orphaned(parent, stopping, orphaned)) if parent else None
    delay = 1.0
    while not stopping.is_set():
        name = f"{socket.gethostname()}-{os.getpid()}-{next(_names)}"
        try:
            # One shard more than the slots runs at once: it fills the worker while the others end their tails.
            with dask.config.set(DASK_SETTINGS):
                worker = await Worker(join["scheduler"], security=sec, nthreads=slots + 1, host=host, port=port,
                                      name=name, dashboard=False, dashboard_address="127.0.0.1:0",
                                      death_timeout=15, memory_limit=0)
        except Exception as exc:   # the master is not there (yet, or again): try again, a little later each time
            _say(out, f"cannot reach the master at {join['scheduler']} ({type(exc).__name__}); trying again in "
                      f"{delay:.0f} s")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, 15.0)
            continue
        delay = 1.0
        ctx = context_of(worker)
        _say(out, f"worker {worker.address} joined the cluster at {join['scheduler']}")
        finished = asyncio.ensure_future(worker.finished())
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({finished, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if stopping.is_set() and not finished.done() and not orphaned.is_set():
            ctx.drain()
            _say(out, "stopping: running shards finish their objects under way and hand back the rest")
            deadline = time.monotonic() + DRAIN_WAIT
            while ctx.controls and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.5)    # the last results reach the scheduler before the worker leaves
            await worker.close(reason="stopped by signal")
        else:
            _say(out, "the agent that started this worker is gone: stopping" if orphaned.is_set()
                 else "lost the master; joining again")
            for c in ctx.controls:
                c.stop.set()
            if not finished.done():
                with contextlib.suppress(Exception):
                    await worker.close(reason="orphaned")
        await ctx.close()
        _contexts.pop(id(worker), None)
        finished.cancel()
    if orphan is not None:
        orphan.cancel()
    return 0


async def _until_orphaned(parent: int, stopping: asyncio.Event, orphaned: asyncio.Event) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    orphaned.set()
    stopping.set()


def _say(out: TextIO | None, text: str) -> None:
    if out is None:
        log.warning(text)
        return
    out.write(text + "\n")
    out.flush()
