"""The composition root: the one place that builds what a run needs from a task (its stores with their
credentials, its limits, its executor) for the CLI and the agent service alike."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from wizard.engine.executors import Executor, InProcess, Widening
from wizard.engine.journal import Journal
from wizard.engine.limits import Limits
from wizard.engine.runner import EventSink, Runner
from wizard.secrets import Credentials, resolve
from wizard.storage.base import Store
from wizard.storage.factory import make_store
from wizard.task import TaskSpec

if TYPE_CHECKING:
    from wizard.cluster.master import Master

CREDENTIAL_KINDS = ("s3", "oss", "cos")


def stores_for(spec: TaskSpec, connections: int = 64,
               credentials: dict[str, Credentials] | None = None) -> tuple[Store, Store]:
    """Both stores of a task (not opened); ``credentials`` per side replace the task's references for a
    check before anything is saved. InputError (exit 2) when a reference resolves to nothing."""
    creds = credentials or {}
    return (make_store(spec.source, "source", connections=connections, credentials=creds.get("source")),
            make_store(spec.destination, "destination", connections=connections,
                       credentials=creds.get("destination")))


def worker_credentials(spec: TaskSpec) -> dict[str, list[str] | None]:
    """The resolved key pairs the master hands to its workers over the cluster's TLS (kept in memory there)."""
    out: dict[str, list[str] | None] = {}
    for side, loc in (("source", spec.source), ("destination", spec.destination)):
        if loc.kind in CREDENTIAL_KINDS:
            c = resolve(loc.credentials, f"{side}.credentials")
            out[side] = [c.access_key_id, c.secret_access_key]
        else:
            out[side] = None
    return out


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_processes() -> int:
    """How many local worker processes a long run may widen to: every core, none on a single-core machine.
    ``MIGRATION_WIZARD_PROCESSES`` overrides (0: always in this process)."""
    env = os.environ.get("MIGRATION_WIZARD_PROCESSES", "").strip()
    if env.isdigit():
        return int(env)
    n = cores()
    return n if n > 1 else 0


def executor_for(spec: TaskSpec, master: Master | None, widen_to: int = 0) -> Executor:
    """Shards on the master's cluster when the agent serves one; otherwise this process, widening to
    ``widen_to`` local worker processes when the run proves long and this process busy (0 or 1: never)."""
    if master is None:
        return Widening(lambda: local_executor(spec, widen_to)) if widen_to > 1 else InProcess()
    from wizard.cluster.executor import ClusterExecutor

    return ClusterExecutor(master, spec.to_toml(), worker_credentials(spec))


@contextlib.asynccontextmanager
async def local_executor(spec: TaskSpec, processes: int) -> AsyncIterator[Executor]:
    """``processes`` local worker processes and the executor that hands them shards, torn down after."""
    from wizard.cluster.local import LocalWorkers

    async with LocalWorkers(processes) as local:
        yield executor_for(spec, local.master)


def runner_for(spec: TaskSpec, journal: Journal, src: Store, dst: Store, *, limits: Limits | None = None,
               on_event: EventSink | None = None, master: Master | None = None, widen_to: int = 0,
               **kw: Any) -> Runner:
    """The Runner of one run of ``spec``: its stores, limits (the task's own unless given) and executor."""
    o = spec.options
    return Runner(spec, src, dst, journal, limits=limits or Limits(o.qps_limit, o.bandwidth_limit),
                  on_event=on_event, executor=executor_for(spec, master, widen_to), **kw)
