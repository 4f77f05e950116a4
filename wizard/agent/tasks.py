"""The tasks an agent holds. Each lives in its own folder (the task file and its state) with its journal, runs
in the agent's event loop, and outlives any client: clients come and go, the task goes on.

States: ``created`` (not started), ``listing`` / ``running``, ``paused``, ``cancelled``, and the vendor docs'
end states with their colours: ``completed`` (green: every object copied or skipped), ``completed_with_failures``
(yellow: some objects failed) and ``failed`` (red: the task could not run, with the reason as a code).
A task that was running when the agent stopped, by a signal or a crash, runs again when the agent starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.agent.compose import default_processes, runner_for, stores_for
from wizard.agent.cutover import CutoverSettings, DeltaTimer, converged, phase
from wizard.agent.preflight import Check, run_checks, store_check, write_probe
from wizard.agent.resources import ConnectionBudget
from wizard.agent.streams import Broadcaster
from wizard.engine.events import Counters, Sampler
from wizard.engine.journal import Journal
from wizard.engine.limits import Limits
from wizard.engine.runner import Runner, load_counters
from wizard.engine.schedule import Schedule, ScheduleDriver
from wizard.errors import InputError, MigrationError, StorageError
from wizard.paths import journal_path
from wizard.secrets import Credentials, KeyringUnavailable, SecretNotHeld
from wizard.storage.base import Store
from wizard.storage.factory import make_store
from wizard.task import TaskSpec, check_qps, parse_location, parse_rate, parse_task_text

if TYPE_CHECKING:
    from wizard.cluster.master import Master

log = logging.getLogger(__name__)
COLORS = {"completed": "green", "ready_for_cutover": "green", "completed_with_failures": "yellow", "failed": "red"}
ENDED = ("completed", "completed_with_failures", "ready_for_cutover")
ACTIVE = ("queued", "listing", "running")

# The one table of what each state allows. The agent refuses anything else with 409, and every snapshot carries
# the row of its state (``actions``) so clients enable exactly these controls and write no rules of their own.
# Cancel stops for good: a cancelled task is not resumed; "Migrate what changed" is a new pass the operator asks
# for by name. Pausing a paused task and resuming a running one are harmless no-ops, not refusals.
ACTION_NAMES = ("pause", "resume", "cancel", "retry_failed", "incremental", "final_pass", "report", "delete")
ACTIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"resume", "cancel", "delete"}),
    "queued": frozenset({"pause", "cancel", "delete"}),
    "listing": frozenset({"pause", "cancel", "retry_failed", "delete"}),
    "running": frozenset({"pause", "cancel", "retry_failed", "delete"}),
    "paused": frozenset({"resume", "cancel", "retry_failed", "delete"}),
    "cancelled": frozenset({"incremental", "final_pass", "report", "delete"}),
    "completed": frozenset({"incremental", "final_pass", "report", "delete"}),
    "completed_with_failures": frozenset({"retry_failed", "incremental", "final_pass", "report", "delete"}),
    "ready_for_cutover": frozenset({"incremental", "final_pass", "report", "delete"}),
    "failed": frozenset({"resume", "cancel", "retry_failed", "delete"}),
}


def allowed_actions(state: str, failed: int) -> dict[str, bool]:
    """The ``actions`` of a snapshot: the state's row of ACTIONS; retrying needs a failed file to retry."""
    row = ACTIONS.get(state, frozenset({"delete"}))
    return {a: a in row and (a != "retry_failed" or failed > 0) for a in ACTION_NAMES}


def refusal(action: str, task_id: str, state: str) -> Conflict:
    """The 409 for an action the state does not allow; the code says which rule (the GUI translates it)."""
    code = ("running" if state in ACTIVE else "not-started" if state == "created"
            else "cancelled" if state == "cancelled" else "finished"
            if state in ENDED else "not-running")
    allowed = ", ".join(a for a in ACTION_NAMES if a in ACTIONS.get(state, ())) or "nothing"
    return Conflict(code, f"task {task_id} is {state.replace('_', ' ')}: {action.replace('_', ' ')} is not "
                          f"possible in that state (possible: {allowed.replace('_', ' ')})")


class NotFound(MigrationError):
    """No task with that id."""


class Conflict(MigrationError):
    """The task is not in a state where that can be done; ``code`` says which rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class TaskState:
    """What the agent keeps about a task besides its journal (``state.json``); never a secret."""

    id: str
    name: str
    journal: str
    created: float = field(default_factory=time.time)
    state: str = "created"
    started: float | None = None
    finished: float | None = None
    error: dict[str, str] | None = None
    qps_limit: float | None = None        # changed live; None: the task file's value
    bandwidth_limit: int | None = None
    run_baseline: dict[str, Any] | None = None   # journal counts when this run (retry, pass) began, kept over pauses
    last_run: dict[str, Any] | None = None       # what the last run that ended did (see ManagedTask._run_summary)
    cutover: dict[str, Any] | None = None        # CutoverSettings: the delta-pass timer and what "small" means
    next_pass_at: float | None = None            # when the timer starts the next delta pass


class ManagedTask:
    """One task: its spec, state, journal and (while it runs) its Runner."""

    def __init__(self, folder: Path, spec: TaskSpec, st: TaskState, budget: ConnectionBudget | None = None,
                 master: Master | None = None) -> None:
        self.folder, self.spec, self.st = folder, spec, st
        self.budget = budget            # the agent's store connections, shared by its tasks
        self.master = master            # the cluster's scheduler when the agent serves one: shards go there
        self._queued = False            # started, waiting for connections to come free
        self.journal = Journal(st.journal, spec.identity(), spec.name)
        self.runner: Runner | None = None
        self.job: asyncio.Task[None] | None = None
        self.streams = Broadcaster(self.snapshot)   # the live event streams of this task's clients
        self.control = asyncio.Lock()   # one control operation (pause, resume, cancel, ...) at a time
        self._stop_as = ""              # why we cancelled our own run: paused | cancelled | shutdown
        self._idle: Sampler | None = None
        self._classes: tuple[int, dict[str, int]] = (-1, {})
        self._bytes_floor: tuple[int, int] = (-1, 0)   # (bytes total, bytes done last shown) for this total
        self.timer = DeltaTimer(self._timed_pass)
        self._passes: list[dict[str, Any]] | None = None   # the journal's pass rows, read again when a run ends

    @property
    def id(self) -> str:
        return self.st.id

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done()

    def limits(self) -> tuple[float, int]:
        o = self.spec.options
        return (o.qps_limit if self.st.qps_limit is None else self.st.qps_limit,
                o.bandwidth_limit if self.st.bandwidth_limit is None else self.st.bandwidth_limit)

    def save(self) -> None:
        """Write state.json atomically: a crash leaves the old or the new file, never half of one."""
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps(asdict(self.st), indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / "state.json")

    # -- running --------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Run (or resume) the task; a task that cannot start ends red with the reason, it does not raise."""
        if self.running:
            return
        self._stop_as = ""
        self.st.started, self.st.finished, self.st.error = time.time(), None, None
        if self.st.run_baseline is None:      # a resume goes on with the run it resumes
            self._begin_run("run")
        try:
            self.journal.lock()
            need = self.spec.options.concurrency * 4      # two stores, concurrency x 2 connections each
            if self.budget is not None:
                need = self.budget.fit(need)
            src, dst = stores_for(self.spec, connections=max(1, need // 2))
            qps, bandwidth = self.limits()
            self.runner = runner_for(self.spec, self.journal, src, dst, limits=Limits(qps, bandwidth),
                                     on_event=self._on_event, master=self.master, report_every=0.5,
                                     widen_to=default_processes())
        except MigrationError as exc:
            self.journal.unlock()
            self._end("failed", _error(exc))
            return
        self._queued = self.budget is not None and not self.budget.available(need)
        self._set_state("queued" if self._queued else "running")
        self.job = asyncio.create_task(self._drive(self.runner, src, dst, need))

    async def _drive(self, runner: Runner, src: Store, dst: Store, need: int) -> None:
        state, error = "failed", None
        granted = False
        try:
            if self.budget is not None:
                await self.budget.acquire(need)   # queued until other tasks' connections come free
                granted = True
            if self._queued:
                self._queued = False
                self._set_state("running")
            summary = await runner.run()
            state = summary.status
        except asyncio.CancelledError:
            state = self._stop_as or "paused"
        except MigrationError as exc:
            state, error = "failed", _error(exc)
        except Exception as exc:  # a bug: the task ends red and visibly, the agent stays up
            log.exception("task %s stopped unexpectedly", self.id)
            state, error = "failed", {"error_class": "internal", "code": type(exc).__name__,
                                      "message": f"unexpected {type(exc).__name__} (see the agent's log)"}
        finally:
            for store in (src, dst):
                with contextlib.suppress(Exception):
                    await asyncio.shield(store.close())
            if granted and self.budget is not None:
                self.budget.release(need)
            self.journal.unlock()
            self.runner = None
            self._idle = None
            self._queued = False
        if state in ENDED:
            self.st.last_run = self._run_summary()
            self.st.run_baseline = None
        self._passes = None
        if state != "shutdown":
            self._end(state, error)
        if state in ENDED:
            self._arm_timer()

    def _begin_run(self, kind: str, retried: int = 0) -> None:
        """Remember where the journal stood when a run (``run``, ``retry`` or ``pass``) began, for its summary."""
        counts = self.journal.counts()
        self.st.run_baseline = {"kind": kind, "done": counts["done"][0], "failed": counts["failed"][0],
                                "skipped": counts["skipped"][0], "retried": retried,
                                "pass": self.journal.pass_number(), "since": time.time()}

    def _run_summary(self) -> dict[str, Any]:
        """What this run did: copied, skipped and failed files it decided (for a retry, failed = still failing),
        and for a pass the files found unchanged since the last one."""
        b = self.st.run_baseline or {"kind": "run", "done": 0, "failed": 0, "skipped": 0, "retried": 0, "pass": 1}
        counts = self.journal.counts()
        # A pass copies files that were done before (changed at the source): counted by when they were tried.
        if "since" in b:
            now = self.journal.outcomes_since(b["since"])
            copied, failed = now.get("done", 0), now.get("failed", 0)
        else:
            copied, failed = max(0, counts["done"][0] - b["done"]), max(0, counts["failed"][0] - b["failed"])
        skipped = max(0, counts["skipped"][0] - b["skipped"])
        listed = self.journal.listing_state()[2]
        unchanged = max(0, listed - copied - skipped - failed) if b["kind"] == "pass" else 0
        return {"kind": b["kind"], "pass": b["pass"], "copied": copied, "skipped": skipped, "failed": failed,
                "unchanged": unchanged, "retried": b.get("retried", 0), "finished": time.time()}

    async def _stop(self, why: str, keep_uploads: bool) -> None:
        if self.runner is not None and self.job is not None and not self.job.done():
            self._stop_as = why
            self.runner.keep_uploads = keep_uploads
            self.job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.job

    def allow(self, action: str) -> None:
        """Raise the 409 of ACTIONS when this task's state does not allow ``action``."""
        state = self.state()
        if action not in ACTIONS.get(state, ()):
            raise refusal(action, self.id, state)

    async def pause(self) -> None:
        """Stop cleanly; recorded multipart uploads stay so a resume goes on with their verified parts."""
        if self.st.state == "paused" and not self.running:
            return
        self.allow("pause")
        await self._stop("paused", keep_uploads=True)

    async def resume(self) -> None:
        if self.running:
            return
        self.allow("resume")
        await self.start()

    async def cancel(self) -> None:
        """Stop for good: every multipart upload the task started is aborted at the destination."""
        self.allow("cancel")
        self.timer.disarm()
        self.st.next_pass_at = None
        if self.running:
            await self._stop("cancelled", keep_uploads=False)
            return
        left = await self._abort_recorded_uploads()
        self._end("cancelled", None if not left else {
            "error_class": "uploads-left", "code": "UploadsLeft",
            "message": f"{left} multipart upload(s) could not be aborted at the destination; cancel again later"})

    async def _abort_recorded_uploads(self) -> int:
        uploads = self.journal.uploads()
        if not uploads:
            return 0
        try:
            dst = make_store(self.spec.destination, "destination")
        except MigrationError:
            return len(uploads)
        left = 0
        try:
            await dst.open()
            for object_id, key, upload_id in uploads:
                try:
                    await dst.abort_upload(self.spec.destination.prefix + key, upload_id)
                    self.journal.drop_upload(object_id)
                except StorageError:
                    left += 1
        finally:
            await dst.close()
        return left

    async def retry_failed(self, error_class: str | None) -> int:
        """Failed objects (all, or one class) become pending and the task runs again to copy only those."""
        self.allow("retry_failed")
        if self.running:  # restart, so the new run's dispatch sees rows it has already passed
            await self._stop("paused", keep_uploads=True)
        n = self.journal.reset_failed(error_class)
        self._classes = (-1, {})
        self._begin_run("retry", n)
        await self.start()
        return n

    async def incremental(self) -> int:
        """Start another pass over the source: new and changed objects are copied; returns the pass number."""
        self.allow("incremental")
        self.timer.disarm()
        self.st.next_pass_at = None
        number = self.journal.begin_pass("delta")
        self._begin_run("pass")
        await self.start()
        return number

    async def final_pass(self) -> int:
        """The last pass, once writes at the source have stopped (the caller confirmed it): everything is listed
        again, what changed is copied, every object is checked at the destination; returns the pass number."""
        self.allow("final_pass")
        self.timer.disarm()
        self.st.next_pass_at = None
        number = self.journal.begin_pass("final")
        self._begin_run("final")
        await self.start()
        return number

    async def _timed_pass(self) -> None:
        async with self.control:
            self.st.next_pass_at = None
            await self.incremental()

    def window(self) -> dict[str, Any]:
        """The transfer window in force: the runner's while it runs, else what the schedule says for now."""
        if self.runner is not None:
            return self.runner.window()
        qps, bandwidth = self.limits()
        schedule = Schedule.from_options(replace(self.spec.options, qps_limit=qps, bandwidth_limit=bandwidth))
        return {"scheduled": bool(schedule.windows), **ScheduleDriver(schedule, lambda q, b: None).in_force()}

    def cutover_settings(self) -> CutoverSettings:
        return CutoverSettings.from_json(self.st.cutover)

    def set_cutover(self, settings: CutoverSettings) -> None:
        """New timer settings: the timer is armed again from the last pass's end (or disarmed)."""
        self.st.cutover = settings.to_json()
        self.save()
        if self.st.state in ENDED:
            self._arm_timer()

    def passes(self) -> list[dict[str, Any]]:
        if self._passes is None:
            self._passes = self.journal.passes()
        return self._passes

    def _arm_timer(self, restarted: bool = False) -> None:
        """After a delta pass (or the first copy) ends: the next pass is timed unless the timer is off, the
        change set is already small, or the final pass has begun."""
        settings = self.cutover_settings()
        rows = self.passes()
        last = rows[-1] if rows else None
        if restarted and self.st.next_pass_at is not None:
            at: float | None = self.st.next_pass_at
        elif not settings.every or last is None or self.journal.pass_kind() == "final" \
                or (last["number"] > 1 and converged(last, settings)):
            at = None
        else:
            at = last["finished"] + settings.every
        self.st.next_pass_at = at
        self.save()
        if at is None:
            self.timer.disarm()
        else:
            self.timer.arm(at)

    def cutover(self) -> dict[str, Any]:
        """The snapshot's ``cutover``: phase, settings, the next timed pass, every pass's row, the final check."""
        rows = self.passes()
        settings = self.cutover_settings()
        kind = self.journal.pass_kind()
        check: dict[str, int | None] | None = None
        if self.runner is not None and self.runner.check is not None:
            check = dict(self.runner.check.progress.to_json())
        elif kind == "final":
            done, mismatched = self.journal.check_counts()
            check = {"done": done, "total": done if self.journal.check_finished() else None,
                     "mismatched": mismatched}
        return {"phase": phase(self.state(), kind, rows[-1] if rows else None, settings), "pass_kind": kind,
                "settings": settings.to_json(), "next_pass_at": self.st.next_pass_at, "passes": rows,
                "check": check}

    def set_limits(self, qps: float | None, bandwidth: int | None) -> None:
        if qps is not None:
            self.st.qps_limit = qps
        if bandwidth is not None:
            self.st.bandwidth_limit = bandwidth
        if self.runner is not None:
            self.runner.set_limits(qps, bandwidth)
        self.save()
        q, b = self.limits()
        self.broadcast({"type": "limits", "qps_limit": q, "bandwidth_limit": b})

    async def shutdown(self) -> None:
        """The agent is stopping: stop the run but keep the state, so the next agent resumes it (and its timer)."""
        self.timer.disarm()
        await self._stop("shutdown", keep_uploads=True)

    def close(self) -> None:
        self.timer.disarm()
        self.streams.publish({"type": "deleted", "id": self.id})
        self.streams.end_all()
        self.journal.close()

    # -- state and events -------------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.st.state = state
        self.save()
        self.broadcast({"type": "state", "state": state, "color": COLORS.get(state), "error": self.st.error})

    def _end(self, state: str, error: dict[str, str] | None) -> None:
        self.st.finished = time.time()
        self.st.error = error
        if state == "cancelled":      # stopped for good: a later pass begins its own count
            self.st.run_baseline = None
        self._set_state(state)

    def _on_event(self, event: Any) -> None:
        if getattr(event, "type", "") != "progress":  # snapshots are sampled by each stream, not pushed
            self.broadcast(event.to_json())

    def broadcast(self, event: dict[str, Any]) -> None:
        self.streams.publish(event)

    def state(self) -> str:
        if self.running and self.runner is not None:
            if self._queued:
                return "queued"
            return "running" if self.runner.counters.listing_done else "listing"
        return self.st.state

    def _hold_bytes(self, b: dict[str, int]) -> None:
        """Bytes shown never go down: a pause drops the partial bytes of the attempts it stopped, which the
        resumed run sends again; until it has, the bar stays where the operator last saw it."""
        if self._bytes_floor[0] != b["total"]:        # a new pass or a retry changed what there is to copy
            self._bytes_floor = (b["total"], b["done"])
        shown = max(b["done"], min(self._bytes_floor[1], b["done"] + b["left"]))   # never into failed bytes
        self._bytes_floor = (b["total"], shown)
        b["done"], b["left"] = shown, max(0, b["left"] - (shown - b["done"]))

    def failure_classes(self) -> dict[str, int]:
        """Failures by class, counted again only when the journal's failed total moved."""
        failed = self.journal.counts()["failed"][0]
        if self._classes[0] != failed:
            self._classes = (failed, self.journal.failure_classes())
        return self._classes[1]

    def snapshot(self) -> dict[str, Any]:
        """The task as clients see it: state and colour, counts, rates, ETA, listing, workers, limits, error."""
        runner = self.runner
        if runner is not None:
            progress = runner.sampler.snapshot().to_json()
            counters = runner.counters
        else:
            if self._idle is None:
                self._idle = Sampler(load_counters(Counters(), self.journal))
            progress = self._idle.snapshot().to_json()
            progress["rate_objects"] = progress["rate_bytes"] = 0.0
            counters = self._idle.c
            if not counters.listing_done or progress["objects"]["left"]:
                progress["eta_seconds"] = None  # not running: no promise
        progress.pop("type", None)
        progress.pop("elapsed", None)
        qps, bandwidth = self.limits()
        state = self.state()
        self._hold_bytes(progress["bytes"])
        return {
            "id": self.id, "name": self.spec.name, "identity": self.spec.identity(),
            "source": self.spec.source.describe(), "destination": self.spec.destination.describe(),
            "credentials": {side: loc.credentials for side, loc in (("source", self.spec.source),
                                                                   ("destination", self.spec.destination))
                            if loc.credentials},
            "state": state, "color": COLORS.get(state), "pass": self.journal.pass_number(),
            "created": self.st.created, "started": self.st.started, "finished": self.st.finished,
            "error": self.st.error, **progress,
            "failure_classes": self.failure_classes(), "attempts": self.journal.attempt_totals(),
            "actions": allowed_actions(state, progress["objects"]["failed"]),
            "bars": bars(state, progress), "last_run": self.st.last_run,
            "limits": {"qps_limit": qps, "bandwidth_limit": bandwidth}, "cutover": self.cutover(),
            "window": self.window(),
            **self._where(runner, counters, progress),
        }

    def _where(self, runner: Runner | None, counters: Counters, progress: dict[str, Any]) -> dict[str, Any]:
        """Who copies: one row per cluster worker (and ``cluster``: its scheduler, how many workers, whether
        the task waits for one), or this agent's own row in local mode (``cluster`` null)."""
        status = runner.executor.status() if runner is not None else None
        if status is None and self.master is not None:
            n = len(list(self.master.workers()))
            status = {"mode": "cluster", "scheduler": self.master.address, "workers": n, "waiting": False,
                      "rows": self.master.rows(None)}
        if status is not None:
            rows = status.pop("rows")
            if status["waiting"]:
                status["message"] = ("no worker has joined the cluster: the task waits for one (start "
                                     "`migration-agent worker --join FILE` on a worker server)")
            return {"workers": rows, "cluster": status}
        return {"workers": [{"id": "local", "host": socket.gethostname(), "state": "busy" if runner else "idle",
                             "objects_in_flight": counters.in_flight if runner else 0,
                             "rate_objects": progress["rate_objects"], "rate_bytes": progress["rate_bytes"],
                             "last_heartbeat": None}],
                "cluster": None}


def bars(state: str, progress: dict[str, Any]) -> dict[str, Any]:
    """What every view shows as a task's progress, from one place: skipped files count as handled (a Skip task of
    300 skipped files is 300 / 300), failed ones as finished but apart; ``listing`` only while a run lists."""
    o, b = progress["objects"], progress["bytes"]
    return {"objects": {"done": o["done"] + o["skipped"], "failed": o["failed"], "total": o["total"] + o["skipped"]},
            "bytes": {"done": b["done"] + b.get("skipped", 0), "total": b["total"] + b.get("skipped", 0)},
            "listing": state in ("listing", "running", "queued") and not progress["listing"]["done"]}


def exists_message(other: ManagedTask) -> str:
    """The 409 of a second task for one route; the name in quotes is what the GUI's translation takes."""
    return (f"task \u201c{other.spec.name}\u201d ({other.id}) already migrates this source into this destination: "
            "open it, or delete it first")


def _valid_limits(st: TaskState, folder: Path) -> None:
    """Live limits saved by an older agent that took any number (NaN, inf) go back to the task file's values."""
    try:
        if st.qps_limit is not None:
            check_qps(st.qps_limit, "qps_limit")
        if st.bandwidth_limit is not None:
            parse_rate(st.bandwidth_limit, "bandwidth_limit")
    except InputError as exc:
        log.warning("task folder %s: a saved limit is out of range, the task file's limits apply: %s", folder, exc)
        st.qps_limit = st.bandwidth_limit = None


def _error(exc: MigrationError) -> dict[str, str]:
    if isinstance(exc, StorageError):
        return {"error_class": exc.error_class, "code": exc.code, "message": exc.message}
    if isinstance(exc, (KeyringUnavailable, SecretNotHeld)):  # not the task's settings: the agent's keyring or memory
        return {"error_class": "keyring" if isinstance(exc, KeyringUnavailable) else "secret-not-held",
                "code": type(exc).__name__, "message": str(exc)}
    return {"error_class": "input" if isinstance(exc, InputError) else "busy", "code": type(exc).__name__,
            "message": str(exc)}


class Agent:
    """Every task of one agent, kept under ``home`` (``tasks/<id>/``); journals live where the CLI keeps them,
        so ``migration-agent status TASK`` finds a task the agent ran."""

    def __init__(self, home: Path, budget: ConnectionBudget | None = None, master: Master | None = None) -> None:
        self.home = home
        self.budget = budget
        self.master = master
        self.tasks: dict[str, ManagedTask] = {}
        (home / "tasks").mkdir(parents=True, exist_ok=True)

    def load(self) -> list[ManagedTask]:
        """Read every task folder; returns the tasks that were running when the agent last stopped."""
        again = []
        for folder in sorted((self.home / "tasks").iterdir()):
            try:
                st = TaskState(**json.loads((folder / "state.json").read_text(encoding="utf-8")))
                _valid_limits(st, folder)
                spec = parse_task_text((folder / "task.toml").read_text(encoding="utf-8"), f"{folder}/task.toml")
                task = ManagedTask(folder, spec, st, self.budget, self.master)
            except (OSError, ValueError, TypeError, MigrationError) as exc:
                log.error("task folder %s cannot be loaded, left as it is: %s", folder, exc)
                continue
            self.tasks[st.id] = task
            if st.state in ACTIVE:
                again.append(task)
        return again

    async def resume_all(self) -> None:
        for task in self.load():
            await task.start()
        for task in self.tasks.values():   # delta-pass timers go on where they stood
            if task.st.state in ENDED and task.st.next_pass_at is not None:
                task._arm_timer(restarted=True)

    def get(self, task_id: str) -> ManagedTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id!r} in this agent")
        return task

    def __iter__(self) -> Iterator[ManagedTask]:
        return iter(sorted(self.tasks.values(), key=lambda t: t.st.created))

    def same_route(self, spec: TaskSpec) -> ManagedTask | None:
        """The task that already migrates this source into this destination (same identity), if any."""
        return next((t for t in self.tasks.values() if t.spec.identity() == spec.identity()), None)

    async def create(self, text: str, start: bool = True) -> ManagedTask:
        """A task from its TOML text (InputError names the field); started unless ``start`` is false."""
        spec = parse_task_text(text)
        other = self.same_route(spec)
        if other is not None:
            raise Conflict("exists", exists_message(other))
        for loc, side in ((spec.source, "source"), (spec.destination, "destination")):
            try:   # a reference that resolves to nothing (env: unset, no keyring entry) is refused: nothing written
                await make_store(loc, side, connections=1).close()
            except (KeyringUnavailable, SecretNotHeld):
                pass   # the agent's keyring or memory, not the task: it exists, red with that reason, to be fixed
        task_id = "t" + secrets.token_hex(5)
        folder = self.home / "tasks" / task_id
        folder.mkdir(parents=True)
        try:
            (folder / "task.toml").write_text(spec.to_toml(), encoding="utf-8")
            task = ManagedTask(folder, spec, TaskState(task_id, spec.name,
                                                       str(journal_path(spec.name, spec.identity()))), self.budget,
                               self.master)
            task.save()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)   # no half-made task folder for the next start to trip on
            raise
        self.tasks[task_id] = task
        if start:
            await task.start()
        return task

    async def delete(self, task_id: str, purge: bool = False) -> bool:
        """Forget a task (stopping it first, uploads aborted); its journal stays unless ``purge``."""
        task = self.get(task_id)
        if task.running:
            await task._stop("cancelled", keep_uploads=False)
        elif task.journal.uploads():
            await task._abort_recorded_uploads()
        del self.tasks[task_id]
        task.close()
        shutil.rmtree(task.folder, ignore_errors=True)
        if purge:
            for suffix in ("", "-wal", "-shm", ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{task.st.journal}{suffix}")
        return not purge

    async def check(self, text: str, credentials: dict[str, Credentials] | None = None) -> list[dict[str, object]]:
        """The pre-flight checks of a task that need not exist yet (the wizard's review page); ``credentials``
        per side, when given, are used for this call only instead of the task's references."""
        spec = parse_task_text(text)
        creds = credentials or {}
        other = self.same_route(spec)
        # Warned before "Create and start", by name: creating it would be refused.
        exists = [] if other is None else [Check("task-exists", False, exists_message(other), "exists", "exists",
                                                 detail={"task": other.spec.name}).to_json()]
        src, dst = stores_for(spec, credentials=creds)
        try:
            for store in (src, dst):
                await store.open()
            return exists + [c.to_json() for c in await run_checks(spec, src, dst)]
        finally:
            await src.close()
            await dst.close()

    async def probe(self, table: dict[str, Any], side: str, credentials: Credentials | None) -> dict[str, Any]:
        """Test one side before a task exists (the wizard's "Test connection"): reachable, credentials accepted,
        bucket present, and for a destination a write probe. ``credentials`` live only for this call."""
        if side not in ("source", "destination"):
            raise InputError(f"side: expected \"source\" or \"destination\", got {side!r}")
        if credentials is not None:
            table = {**table, "credentials": "env:PROBE"}  # the form wants a reference; the values come inline
        loc = parse_location(table, side, None)
        store = make_store(loc, side, connections=4, credentials=credentials)
        checks: list[Check] = []
        try:
            await store.open()
            if await store_check(checks, side, store, loc.describe(), write=side == "destination") \
                    and side == "destination":
                await write_probe(checks, store, loc.prefix)
        finally:
            await store.close()
        return {"ok": all(c.ok for c in checks), "checks": [c.to_json() for c in checks]}

    def end_streams(self) -> None:
        """Every event stream ends (the agent is stopping): no stream outlives the journal it samples."""
        for task in self.tasks.values():
            task.streams.end_all()

    async def shutdown(self) -> None:
        """Stop every task resumable, then close the journals; the HTTP server is cleaned up before this."""
        self.end_streams()
        await asyncio.gather(*(t.shutdown() for t in self.tasks.values()), return_exceptions=True)
        for task in self.tasks.values():
            task.journal.close()
