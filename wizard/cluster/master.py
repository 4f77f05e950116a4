"""The master's side of the cluster: a Dask scheduler inside the agent process, bound to the master's private
IP with the cluster's TLS, the client that submits shards to it, and the handlers through which workers talk
back to the runs (``mw_begin`` when a shard starts, ``mw_report`` 4 times a second while it runs).

The handlers run in the agent's event loop, next to the runs: a worker's outcomes and multipart records go into
the run's journal as they arrive, and each report is answered with the worker's lease (its share of the task's
requests/s and bytes/s, the throttle brake, and whether to stop). Only the master writes the journal.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard.cluster.files import DASK_SETTINGS, Cluster, security
from wizard.engine.journal import Outcome, Todo
from wizard.engine.ledger import apply, recorded_uploads
from wizard.engine.shard import SHARED_COUNTERS
from wizard.errors import MigrationError

if TYPE_CHECKING:
    from wizard.engine.runner import Runner

log = logging.getLogger(__name__)
ACTIVE_FOR = 2.0        # seconds a worker counts as copying for a run after its last report
GAUGES = ("in_flight", "partial_bytes")


@dataclass
class Attempt:
    """One attempt at a shard on one worker (Dask may run a shard twice, even at once)."""

    worker: str
    counters: dict[str, int] = field(default_factory=dict)


@dataclass
class Entry:
    """A shard the master submitted and has not settled."""

    number: int
    todos: dict[int, Todo]
    recorded: set[int] = field(default_factory=set)     # objects whose outcome this run has recorded
    begun: int = 0
    attempts: dict[str, Attempt] = field(default_factory=dict)


@dataclass
class WorkerRow:
    """What a snapshot shows of one worker for one run."""

    host: str
    beat: float = 0.0          # monotonic time of the last report
    wall: float = 0.0          # the same, as wall-clock time for clients
    done: int = 0
    history: list[tuple[float, int, int]] = field(default_factory=list)   # (time, objects done, bytes moved)
    wire: int = 0


class Binding:
    """One run held by the master: its runner, shards under way, workers' rows and shares."""

    def __init__(self, runner: Runner, run: str, task_text: str, credentials: dict[str, list[str] | None]) -> None:
        self.runner, self.run, self.task_text, self.credentials = runner, run, task_text, credentials
        self.entries: dict[int, Entry] = {}
        self.rows: dict[str, WorkerRow] = {}
        self.throttle_seen: dict[str, int] = {}
        self.stopping = False
        self.numbers = 0

    def entry(self, todos: list[Todo]) -> Entry:
        self.numbers += 1
        e = Entry(self.numbers, {t.id: t for t in todos})
        self.entries[e.number] = e
        return e

    def active(self, worker: str) -> int:
        now = time.monotonic()
        return len({w for w, r in self.rows.items() if now - r.beat < ACTIVE_FOR} | {worker})

    def lease(self, worker: str) -> dict[str, Any]:
        """The worker's share of the task's limits: the limit divided among the workers copying now."""
        limits = self.runner.limits
        n = self.active(worker)
        return {"qps": limits.requests.rate / n, "bandwidth": limits.bytes.rate / n,
                "hold": limits.throttle.remaining(), "stop": self.stopping}

    def outcome(self, e: Entry, o: Outcome, worker: str) -> None:
        if o.id in e.recorded or o.id not in e.todos:
            return
        e.recorded.add(o.id)
        self.runner.record(e.todos[o.id], o)
        row = self.rows.get(worker)
        if row is not None and o.state == "done":
            row.done += 1

    def counters(self, e: Entry, token: str, worker: str, values: dict[str, int]) -> None:
        """A shard's cumulative counters: what is new since its last report goes into the run's counters."""
        a = e.attempts.setdefault(token, Attempt(worker))
        c = self.runner.counters
        row = self.rows.get(worker)
        for name in SHARED_COUNTERS:
            new = int(values.get(name, 0))
            step = new - a.counters.get(name, 0)
            if step:
                setattr(c, name, getattr(c, name) + step)
                if name == "wire_bytes" and row is not None:
                    row.wire += step
            a.counters[name] = new

    def settle(self, e: Entry) -> None:
        """A shard is over: the gauges its attempts still hold go back to zero."""
        c = self.runner.counters
        for a in e.attempts.values():
            for name in GAUGES:
                setattr(c, name, getattr(c, name) - a.counters.get(name, 0))
                a.counters[name] = 0
        self.entries.pop(e.number, None)

    def beat(self, worker: str, host: str) -> None:
        row = self.rows.setdefault(worker, WorkerRow(host))
        row.beat, row.wall = time.monotonic(), time.time()
        row.history.append((row.beat, row.done, row.wire))
        cutoff = row.beat - 5.0
        while len(row.history) > 2 and row.history[0][0] < cutoff:
            row.history.pop(0)

    def in_flight(self, worker: str) -> int:
        return sum(a.counters.get("in_flight", 0) for e in self.entries.values() for a in e.attempts.values()
                   if a.worker == worker)


class Master:
    """The scheduler (in this process, on the master's private IP) and its client."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.runs: dict[str, Binding] = {}
        self.scheduler: Any = None
        self.client: Any = None

    @property
    def address(self) -> str:
        return str(self.scheduler.address) if self.scheduler is not None else self.cluster.address

    async def start(self) -> None:
        import dask
        from distributed import Client, Scheduler

        sec = security(self.cluster.ca.cert, self.cluster.master)
        # A worker that stops answering (frozen, cut off) is given up after a minute, not Dask's five; a shard
        # that killed its worker this many times is not tried on another one.
        with dask.config.set({**DASK_SETTINGS, "distributed.scheduler.worker-ttl": "60s",
                              "distributed.scheduler.allowed-failures": 5}):
            self.scheduler = Scheduler(host=self.cluster.host, port=self.cluster.port, protocol="tls",
                                       security=sec, dashboard=False, dashboard_address="127.0.0.1:0")
            try:
                await self.scheduler
            except RuntimeError as exc:   # Dask wraps the reason (a port in use, an address not ours)
                cause = exc.__cause__
                reason = getattr(cause, "strerror", None) or type(cause).__name__
                self.scheduler = None
                raise MigrationError(f"the cluster's scheduler cannot listen on {self.cluster.host}:"
                                     f"{self.cluster.port} ({reason}); choose another --cluster-port") from None
        self.scheduler.handlers.update({"mw_begin": self._begin, "mw_report": self._report})
        self.client = await Client(self.scheduler.address, security=sec, asynchronous=True,
                                   set_as_default=False)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.scheduler is not None:
            await self.scheduler.close()

    # -- what the runs and snapshots ask -------------------------------------------------------------------
    def workers(self) -> Iterator[Any]:
        return iter(self.scheduler.workers.values()) if self.scheduler is not None else iter(())

    def capacity(self) -> int:
        """Shards the cluster can run at once (every worker's slots)."""
        return sum(ws.nthreads for ws in self.workers())

    def window(self) -> int:
        """Shards a run keeps submitted: every slot busy and one queued per worker, so a shard's tail overlaps
        the next one; with no worker, one waits in the scheduler's queue for the first that joins."""
        return max(1, self.capacity() + len(self.scheduler.workers if self.scheduler else ()))

    def bind(self, runner: Runner, task_text: str, credentials: dict[str, list[str] | None]) -> Binding:
        run = f"{runner.spec.identity()}-{secrets.token_hex(4)}"
        b = Binding(runner, run, task_text, credentials)
        self.runs[run] = b
        return b

    def unbind(self, b: Binding) -> None:
        self.runs.pop(b.run, None)

    def rows(self, b: Binding | None) -> list[dict[str, Any]]:
        """One row per connected worker: host, state, objects in flight, objects/s and bytes/s over the last
        seconds, last report."""
        out = []
        now = time.monotonic()
        for ws in self.workers():
            row = b.rows.get(ws.address) if b is not None else None
            rate_o = rate_b = 0.0
            if row is not None and len(row.history) >= 2 and now - row.beat < ACTIVE_FOR * 2:
                (t0, d0, w0), (t1, d1, w1) = row.history[0], row.history[-1]
                if t1 > t0:
                    rate_o, rate_b = (d1 - d0) / (t1 - t0), (w1 - w0) / (t1 - t0)
            flight = b.in_flight(ws.address) if b is not None else 0
            out.append({"id": str(ws.name), "host": ws.host, "state": "busy" if flight else "idle",
                        "objects_in_flight": flight, "objects_done": row.done if row is not None else 0,
                        "rate_objects": round(rate_o, 2), "rate_bytes": round(rate_b),
                        "last_heartbeat": row.wall if row is not None else None})
        return out

    # -- the workers' calls --------------------------------------------------------------------------------
    def _lookup(self, run: str, shard: int) -> tuple[Binding | None, Entry | None]:
        b = self.runs.get(run)
        return b, (b.entries.get(shard) if b is not None else None)

    def _begin(self, run: str, shard: int, token: str, worker: str, host: str = "") -> dict[str, Any]:
        """A worker starts a shard: what it needs to copy it now (what is done already, the multipart uploads
        recorded since the shard was submitted, the task and its credentials) and its lease."""
        b, e = self._lookup(run, shard)
        if b is None or e is None or b.stopping:
            return {"stop": True}
        rerun = e.begun > 0
        e.begun += 1
        e.attempts[token] = Attempt(worker)
        b.beat(worker, host)
        left = [i for i in e.todos if i not in e.recorded]
        uploads = recorded_uploads(b.runner.journal, left)
        return {**b.lease(worker), "skip": sorted(e.recorded), "maybe_sent": rerun, "task": b.task_text,
                "credentials": b.credentials,
                "uploads": {str(i): [u.key, u.upload_id, u.part_size, u.source_etag,
                                     [[n, *p] for n, p in u.parts.items()]] for i, u in uploads.items()}}

    def _report(self, run: str, shard: int, token: str, worker: str, outcomes: list[list[Any]],
                records: list[list[Any]], counters: dict[str, int], throttled: int = 0,
                host: str = "") -> dict[str, Any]:
        """A running shard's news: ledger records and outcomes into the journal, counters into the run's."""
        b, e = self._lookup(run, shard)
        if b is None:
            return {"stop": True}
        b.beat(worker, host)
        if e is not None:
            self.absorb(b, e, token, worker, outcomes, records, counters)
        if throttled > b.throttle_seen.get(worker, 0):
            b.runner.limits.throttle.signal()    # one worker slowed down: the whole task does
        b.throttle_seen[worker] = max(throttled, b.throttle_seen.get(worker, 0))
        lease = b.lease(worker)
        lease["stop"] = lease["stop"] or e is None
        return lease

    @staticmethod
    def absorb(b: Binding, e: Entry, token: str, worker: str, outcomes: list[Any], records: list[Any],
               counters: dict[str, int]) -> None:
        apply(b.runner.journal, [tuple(r) for r in records])
        for o in outcomes:
            b.outcome(e, o if isinstance(o, Outcome) else Outcome(*o), worker)
        b.counters(e, token, worker, counters)
