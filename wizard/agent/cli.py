"""``migration-agent``: run, check, status, retry-failed and export-failed a task, headless; write and verify
its signed verification report.

Exit codes: 0 finished with no failed object; 3 finished with failed objects (verify-report: the report does
not verify); 2 bad input (task file, arguments, credential reference); 1 could not run (storage unreachable,
auth refused); 130 interrupted (resumable). Errors are one line; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import __version__
from wizard.agent.preflight import human_bytes, run_checks

if TYPE_CHECKING:
    from wizard.agent.client import AgentClient
from wizard.engine.events import Progress
from wizard.engine.journal import Journal
from wizard.errors import InputError, MigrationError, StorageError, check_error_class
from wizard.paths import journal_path
from wizard.report.texts import LANGUAGES
from wizard.storage.base import Store
from wizard.task import TaskSpec, load_task

OK, COULD_NOT_RUN, BAD_INPUT, FAILED_OBJECTS, INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT, f"migration-agent: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--journal", metavar="PATH", help="journal file (default: one per task in the data folder)")
    common.add_argument("--json", action="store_true", help="NDJSON events on stdout")
    common.add_argument("--debug", action="store_true", help="log details and show tracebacks")
    p = _Parser(prog="migration-agent", description="Copy the objects of one store into another, verified "
                "and resumable.")
    p.add_argument("--version", action="version", version=f"migration-agent {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sp = sub.add_parser("serve", help="run the agent service (HTTP API on 127.0.0.1)",
                        description="Run the agent service: tasks that outlive their clients, an authenticated "
                        "HTTP API for progress and control. Stops cleanly on Ctrl-C / SIGTERM; running tasks "
                        "resume when it starts again.")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another one "
                    "only if you mean it)")
    sp.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed on start)")
    sp.add_argument("--detach", action="store_true", help="run in the background and write a pid file")
    sp.add_argument("--debug", action="store_true", help="log details")
    sp.add_argument("--cluster", action="store_true", help="also be the master of a migration cluster: a "
                    "scheduler that worker servers join (TLS with the cluster's own certificates)")
    sp.add_argument("--listen", metavar="MASTER_PRIVATE_IP", help="with --cluster: the private IP workers reach "
                    "this server at (the agent's API stays on --host)")
    sp.add_argument("--cluster-port", type=int, default=None, metavar="PORT",
                    help="with --cluster: the scheduler's port (default 8786)")
    wp = sub.add_parser("worker", help="be a worker server of a migration cluster",
                        description="Join the cluster a join file names and copy the shards its master hands out, "
                        "until SIGTERM (which lets running shards finish their objects under way). Reconnects by "
                        "itself when the master restarts.")
    wp.add_argument("--join", required=True, metavar="FILE", help="the join file written on the master by "
                    "`migration-agent cluster join-file`")
    wp.add_argument("--listen", metavar="IP", help="this worker's address the master reaches it at (default: the "
                    "address this server reaches the master from)")
    wp.add_argument("--port", type=int, default=0, help="this worker's port (default 0: a free one)")
    wp.add_argument("--slots", type=int, default=2, help="how much this worker copies at once: slots x the task's "
                    "concurrency objects in flight (default 2)")
    wp.add_argument("--debug", action="store_true", help="log details")
    wp.add_argument("--parent", type=int, help=argparse.SUPPRESS)   # a local worker: leave when that process ends
    cp = sub.add_parser("cluster", help="the migration cluster this server is the master of",
                        description="Files for the migration cluster this server is the master of.")
    csub = cp.add_subparsers(dest="cluster_command", required=True, parser_class=_Parser)
    jp = csub.add_parser("join-file", help="write a join file for a worker server (mode 0600)",
                         description="Write what a worker needs to join this server's cluster (the scheduler's "
                         "address, the cluster's CA, a worker certificate and its key) into one file, mode 0600. "
                         "It holds no storage credential.")
    jp.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it")
    jp.add_argument("--listen", metavar="MASTER_PRIVATE_IP", help="the master's private IP, when no "
                    "`serve --cluster` has run here yet")
    jp.add_argument("--cluster-port", type=int, default=None, metavar="PORT", help="the scheduler's port")
    kp = csub.add_parser("kit", help="write the manual deployment kit for servers the wizard cannot reach",
                         description="Write migration-kit-VERSION-linux-ARCH.tar.gz: the agent bundle and the "
                         "scripts that start a master and its workers by hand. It holds no storage credential, "
                         "no CA key and no join file (the master makes its own).")
    kp.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="the folder to write it into")
    kp.add_argument("--master-ip", required=True, metavar="MASTER_PRIVATE_IP", help="the master server's "
                    "private IP, which workers reach it at")
    kp.add_argument("--cluster-port", type=int, default=8786, metavar="PORT", help="the scheduler's port "
                    "(default 8786)")
    kp.add_argument("--bundle", metavar="TARBALL", help="the agent bundle (default: this version's for x86_64)")
    kp.add_argument("--task", metavar="TASK.toml", help="a task to carry along (credentials as references only)")
    sub.add_parser("token", help="print the path of the agent's token file",
                   description="Print the path of the agent's token file (the bearer token for its API).")
    for name, text in (("run", "run (or resume) a task in the foreground"),
                       ("check", "pre-flight checks: access, write permission, clock, size estimate"),
                       ("forecast", "before start: size from a sampled listing (95% margin), a short trial copy, "
                                    "the time it should take, and the cost by your price table"),
                       ("status", "what the journal says about a task"),
                       ("retry-failed", "copy again only the objects that failed"),
                       ("pass", "a delta pass: list the source again, copy what is new or changed (--final: the "
                                "final pass, which also checks every object at the destination)"),
                       ("export-failed", "write the failed objects to a CSV file")):
        sp = sub.add_parser(name, help=text, description=text, parents=[common])
        sp.add_argument("task", metavar="TASK", help="task file (TOML)")
        if name == "forecast":
            sp.add_argument("--trial", type=float, default=20.0, metavar="SECONDS",
                            help="seconds of trial copying (default 20; 0: no trial)")
            sp.add_argument("--keep", action="store_true", help="keep what the trial copies (default: removed; "
                            "it copies only objects the destination does not hold)")
        if name == "pass":
            sp.add_argument("--final", action="store_true", help="the final pass, once writes at the source have "
                            "stopped: the task ends ready for cutover when every object checks out")
            sp.add_argument("--writes-stopped", action="store_true", help="with --final: confirm that writes at "
                            "the source have stopped")
        if name in ("run", "retry-failed", "pass"):
            sp.add_argument("--processes", type=int, default=None, metavar="N",
                            help="copy in N local worker processes from the start; 0: only in this process "
                                 "(default: this process, widening to one worker process per core when the run "
                                 "proves long and CPU-bound)")
        if name in ("retry-failed", "export-failed"):
            sp.add_argument("--class", dest="error_class", metavar="CLASS", help="only failures of this error class")
        if name == "export-failed":
            sp.add_argument("-o", "--output", required=True, metavar="FILE.csv", help="where to write the CSV")
    rp = sub.add_parser("report", help="write the task's signed verification report (for its acceptance)",
                        description="Write the signed verification report of a task into a new folder: "
                        "manifest.csv, report.html, report.json and SIGNATURE.json.", parents=[common])
    rp.add_argument("task", metavar="TASK", help="task file (TOML)")
    rp.add_argument("-o", "--output", required=True, metavar="FOLDER", help="a new or empty folder for the report")
    rp.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language (default en)")
    vp = sub.add_parser("verify-report", help="check a verification report's signature and files",
                        description="Check that a report folder is as the agent signed it; exit 0 when it "
                        "verifies, 3 when it does not.")
    vp.add_argument("folder", metavar="FOLDER", help="the report's folder")
    vp.add_argument("--public-key", metavar="KEY", help="the signer's public key, as `report-key` prints it")
    vp.add_argument("--debug", action="store_true", help="show tracebacks")
    sub.add_parser("report-key", help="print the public key that signs this agent's reports",
                   description="Print the public key (and its fingerprint) this agent signs reports with, for "
                   "the customer to pin with `verify-report --public-key`.")
    return p


def default_journal(spec: TaskSpec) -> Path:
    return journal_path(spec.name, spec.identity())


class Output:
    """Where events go: NDJSON on stdout with --json, a progress line on stderr otherwise."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._width = 0

    def event(self, event: Any) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
            return
        if isinstance(event, Progress):
            now = time.monotonic()
            if not self.tty and now - self._last < 2.0:
                return
            self._last = now
            line = progress_line(event)
            if self.tty:
                sys.stderr.write("\r" + line.ljust(self._width))
                self._width = len(line)
            else:
                sys.stderr.write(line + "\n")
            sys.stderr.flush()
        elif getattr(event, "type", "") == "object_failed":
            self.end_line()
            sys.stderr.write(f"failed: {event.key} [{event.error_class}] {event.message}\n")

    def end_line(self) -> None:
        if self.tty and self._width:
            sys.stderr.write("\n")
            self._width = 0

    def say(self, text: str, **fields: Any) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps({"type": "message", "text": text, **fields}, ensure_ascii=False) + "\n")
        else:
            self.end_line()
            sys.stderr.write(text + "\n")


def progress_line(p: Progress) -> str:
    """One line: listing apart until it ends, then objects, bytes, rate and ETA."""
    o, b = p.objects, p.bytes
    parts = []
    if not p.listing["done"]:
        parts.append(f"listing: {p.listing['objects']:,} objects so far")
        parts.append(f"copied {o['done']:,} objects, {human_bytes(b['done'])}")
    else:
        parts.append(f"copied {o['done']:,}/{o['total']:,} objects, {human_bytes(b['done'])}/{human_bytes(b['total'])}")
    parts.append(f"{human_bytes(p.rate_bytes)}/s, {p.rate_objects:,.0f} obj/s")
    if p.eta_seconds is not None:
        parts.append(f"ETA {format_duration(p.eta_seconds)}")
    if o["skipped"]:
        parts.append(f"skipped {o['skipped']:,}")
    if o["failed"]:
        parts.append(f"failed {o['failed']:,}")
    return " | ".join(parts)


def format_duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


async def _run(spec: TaskSpec, journal: Journal, out: Output, task_path: str, src: Store, dst: Store,
               retries: int, processes: int | None = None) -> int:
    from wizard.agent.compose import default_processes, runner_for

    async with contextlib.AsyncExitStack() as stack:
        master = None
        if processes:
            from wizard.cluster.local import LocalWorkers

            master = (await stack.enter_async_context(LocalWorkers(processes))).master
        runner = runner_for(spec, journal, src, dst, on_event=out.event, master=master,
                            widen_to=default_processes() if processes is None else 0)
        runner.stores_checked = True      # _ready_stores did, before the journal was written
        runner.counters.retries += retries   # and its retries are this run's
        summary = await runner.run()
    out.end_line()
    c = summary.counts
    if not out.as_json:
        out.say(f"{summary.status.replace('_', ' ')} in {format_duration(summary.elapsed)}: {c['done'][0]:,} copied "
                f"({human_bytes(c['done'][1])}), {c['skipped'][0]:,} skipped, {c['failed'][0]:,} failed"
                + (f"; export them with: migration-agent export-failed {task_path} -o failed.csv"
                   if c["failed"][0] else ""))
        tried = summary.attempts or {}
        if tried.get("retries_now") or tried.get("found_at_destination_now"):
            out.say(f"this run retried {tried.get('retries_now', 0):,} requests after transient faults"
                    + (f"; {tried['found_at_destination_now']:,} objects sent by the stopped run were found at the "
                       "destination, verified, and not sent again" if tried.get("found_at_destination_now") else ""))
        proven = summary.verification or {}
        if proven.get("size-only"):
            out.say(f"{proven['size-only']:,} objects verified by size only: the source publishes no checksum "
                    "for them")
        lost = summary.not_carried or {}
        if lost.get("metadata") or lost.get("storage_class"):
            out.say(f"not carried over (the destination cannot keep it, recorded per object): metadata or headers "
                    f"of {lost.get('metadata', 0):,} objects, the storage class of {lost.get('storage_class', 0):,}")
    return FAILED_OBJECTS if summary.failed else OK


async def _forecast(spec: TaskSpec, args: argparse.Namespace, out: Output) -> int:
    from wizard.agent.forecasting import check_trial_seconds, forecast_task
    from wizard.prices import forecast_cost, load_prices, prices_path

    seconds = check_trial_seconds(args.trial, "--trial")
    prices = load_prices()
    found = await forecast_task(spec, trial_seconds=seconds, keep=args.keep)
    found["cost"] = forecast_cost(found, prices)
    if out.as_json:
        sys.stdout.write(json.dumps({"type": "forecast", **found}, ensure_ascii=False) + "\n")
        return OK
    for line in forecast_lines(found, str(prices_path())):
        out.say(line)
    return OK


def forecast_lines(f: dict[str, Any], prices_file: str) -> list[str]:
    """The forecast in a few lines of text."""
    e = f["estimate"]
    if e["method"] == "exact":
        lines = [f"size: {e['objects']:,} objects, {human_bytes(e['bytes'])} (counted)"]
    elif e["method"] == "folders":
        lines = [f"size: about {e['objects']:,} ± {e['objects_margin']:,} objects, {human_bytes(e['bytes'])} ± "
                 f"{human_bytes(e['bytes_margin'])} (95%; {e['sampled']} of {e['folders']} folders counted)"]
    else:
        lines = [f"size: more than {e['objects']:,} objects, {human_bytes(e['bytes'])} (too many to count quickly)"]
    t = f.get("trial")
    if t:
        lines.append(f"trial: {t['objects']:,} objects ({human_bytes(t['bytes'])}) in {t['elapsed']:.1f} s: "
                     f"{t['rate_objects']:,.1f} objects/s, {human_bytes(t['rate_bytes'])}/s; "
                     + ("kept" if t["kept"] else f"{t['removed']:,} removed again"))
    w = f.get("time")
    if w:
        lines.append(f"time: about {format_duration(w['seconds'])} ({format_duration(w['low'])} to "
                     f"{format_duration(w['high'])}), bound by {w['bound_by'].replace('_', ' ')}")
    c = f.get("cost") or {}
    if c.get("total") is not None:
        lines.append(f"cost: {c['total']:,.2f} {c['currency']} (up to {c['high']:,.2f})"
                     + (f"; not set: {', '.join(c['unset'])}" if c["unset"] else ""))
    else:
        lines.append(f"cost: no price set: type the vendors' prices into {prices_file}")
    return lines


async def _check(spec: TaskSpec, out: Output) -> int:
    from wizard.agent.compose import stores_for

    src, dst = stores_for(spec)
    try:
        for store in (src, dst):
            await store.open()
        checks = await run_checks(spec, src, dst)
    finally:
        await src.close()
        await dst.close()
    for c in checks:
        if out.as_json:
            sys.stdout.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"{'PASS' if c.ok else 'FAIL'}  {c.message}\n")
    return OK if all(c.ok for c in checks) else COULD_NOT_RUN


def _status(journal: Journal, out: Output) -> int:
    lost, proven = journal.done_evidence()
    tried = journal.attempt_totals()
    counts = journal.counts()
    cursor, done, listed, listed_bytes = journal.listing_state()
    classes = journal.failure_classes()
    data = {"type": "status", "listing": {"done": done, "objects": listed, "bytes": listed_bytes},
            "objects": {k: v[0] for k, v in counts.items()}, "bytes": {k: v[1] for k, v in counts.items()},
            "failure_classes": classes, "not_carried": lost, "attempts": tried, "verification": proven}
    if out.as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return OK
    sys.stdout.write(f"listing: {'finished' if done else 'not finished'}, {listed:,} objects "
                     f"({human_bytes(listed_bytes)}) listed\n")
    for state in ("done", "skipped", "failed", "pending", "copying"):
        n, size = counts[state]
        sys.stdout.write(f"{state:>8}: {n:,} objects, {human_bytes(size)}\n")
    for cls, n in sorted(classes.items()):
        sys.stdout.write(f"  failed [{cls}]: {n:,}\n")
    if tried["retries"] or tried["retried_objects"]:
        sys.stdout.write(f"retries: {tried['retries']:,} requests retried after transient faults; "
                         f"{tried['retried_objects']:,} objects needed more than one attempt\n")
    if proven:
        sys.stdout.write("verified: " + ", ".join(f"{n:,} {k}" for k, n in sorted(proven.items())) + "\n")
    return OK


async def _held_by_agent(spec: TaskSpec) -> tuple[AgentClient, dict[str, Any]] | None:
    """The running agent and its task with this task's identity, if an agent holds it."""
    from wizard.agent.client import AgentClient, AgentError

    try:
        client = await AgentClient.local(timeout=10)
    except AgentError:
        return None
    try:
        held = await client.find_task(spec.identity())
    except AgentError:
        held = None
    if held is None:
        await client.close()
        return None
    return client, held


async def _via_agent(args: argparse.Namespace, spec: TaskSpec, out: Output) -> int | None:
    """status / retry-failed / export-failed / pass through the agent that holds the task; None if none does."""
    found = await _held_by_agent(spec)
    if found is None:
        return None
    client, task = found
    async with client:
        if args.command == "run":
            raise InputError(f"the agent at {client.url} holds this task as {task['id']} ({task['state']}): "
                             f"`migration-agent status|retry-failed|export-failed {args.task}` talk to it; delete "
                             "it from the agent to run it here")
        if args.command == "status":
            if out.as_json:
                sys.stdout.write(json.dumps({"type": "status", "agent": client.url, **task}, ensure_ascii=False)
                                 + "\n")
            else:
                sys.stdout.write(f"agent {client.url}, task {task['id']}: {task['state'].replace('_', ' ')}\n")
                _print_counts(task)
            return OK
        if args.command == "export-failed":
            n = await client.export_failed(task["id"], args.output, args.error_class)
            out.say(f"wrote {n:,} failed objects to {args.output}", rows=n)
            return OK
        if args.command == "pass":
            snap = await (client.final_pass(task["id"]) if args.final else client.incremental(task["id"]))
            out.say(f"the agent started pass {snap['pass']} of task {task['id']}", number=snap["pass"])
            return OK
        result = await client.retry_failed(task["id"], args.error_class)
        out.say(f"the agent is retrying {result['retried']:,} failed objects of task {task['id']}",
                objects=result["retried"])
        return OK


def _print_counts(task: dict[str, Any]) -> None:
    listing = task["listing"]
    sys.stdout.write(f"listing: {'finished' if listing['done'] else 'not finished'}, {listing['objects']:,} objects "
                     f"({human_bytes(listing['bytes'])}) listed\n")
    o, b = task["objects"], task["bytes"]
    sys.stdout.write(f"    done: {o['done']:,} objects, {human_bytes(b['done'])}\n"
                     f" skipped: {o['skipped']:,} objects\n failed: {o['failed']:,} objects\n"
                     f"    left: {o['left']:,} objects, {human_bytes(b['left'])}\n")
    for cls, n in sorted(task["failure_classes"].items()):
        sys.stdout.write(f"  failed [{cls}]: {n:,}\n")


def _install_interrupt(task: asyncio.Task[int]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, task.cancel)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass


async def _main_async(args: argparse.Namespace, out: Output) -> int:
    if args.command == "serve":
        from wizard.agent.server import serve

        return await serve(args.host, args.port, sys.stdout, args.debug, cluster=_cluster_args(args))
    if args.command == "worker":
        return await _worker(args)
    if args.command == "cluster":
        return _kit(args, out) if args.cluster_command == "kit" else _join_file(args, out)
    if args.command in ("verify-report", "report-key"):
        return _report_check(args)
    spec = load_task(args.task)
    jpath = Path(args.journal) if args.journal else default_journal(spec)
    if args.command == "report":
        return _report(spec, jpath, args, out)
    # Every argument is checked before anything is written: the output file, the class, then the stores.
    if args.command == "export-failed":
        _check_output(Path(args.output), Path(args.task), jpath)
    if getattr(args, "error_class", None):
        check_error_class(args.error_class, "--class")
    if args.command == "check":
        return await _check(spec, out)    # a check keeps nothing: no journal
    if args.command == "forecast":
        return await _forecast(spec, args, out)
    processes = getattr(args, "processes", None)
    if processes is not None and not 0 <= processes <= 256:
        raise InputError(f"--processes: expected 1 to 256 worker processes (0: copy in this process), got {processes}")
    if args.command == "pass" and args.final and not args.writes_stopped:
        raise InputError("--final: confirm with --writes-stopped that writes at the source have stopped (a write "
                         "after the final pass's listing would not be copied)")
    if not args.journal and processes is None and args.command in ("run", "status", "retry-failed", "export-failed",
                                                                   "pass"):
        code = await _via_agent(args, spec, out)
        if code is not None:
            return code
    if args.command in ("status", "export-failed", "retry-failed", "pass") and not jpath.exists():
        raise InputError(f"no journal for task {spec.name!r} at {jpath}: the task has not run yet")
    stores = await _ready_stores(spec) if args.command in ("run", "retry-failed", "pass") else None
    try:
        journal = Journal(jpath, spec.identity(), spec.name)
        try:
            if args.command == "status":
                return _status(journal, out)
            if args.command == "export-failed":
                return _export(journal, args, out)
            if args.command in ("retry-failed", "pass") and not _has_run(journal):
                raise InputError(f"task {spec.name!r} has not run yet (its journal {jpath} holds no object): "
                                 f"run it with `migration-agent run {args.task}`")
            journal.lock()
            if args.command == "retry-failed":
                n = journal.reset_failed(args.error_class)
                out.say(f"retrying {n:,} failed objects", objects=n)
            if args.command == "pass":
                kind = "final" if args.final else "delta"
                number = journal.begin_pass(kind)
                out.say(f"pass {number} ({kind}): listing the source again", number=number, kind=kind)
            current = asyncio.current_task()
            assert current is not None and stores is not None
            _install_interrupt(current)  # type: ignore[arg-type]
            return await _run(spec, journal, out, args.task, *stores, processes=args.processes)
        finally:
            journal.close()
    finally:
        if stores is not None:
            for store in stores[:2]:
                await store.close()


async def _ready_stores(spec: TaskSpec) -> tuple[Store, Store, int]:
    """Both stores, their credentials resolved (InputError: exit 2) and reached (StorageError: exit 1), before a
    run writes its journal: a task that cannot run leaves nothing behind."""
    from wizard.agent.compose import stores_for
    from wizard.engine.runner import stores_ready

    src, dst = stores_for(spec, connections=spec.options.concurrency * 2)
    retries = 0

    def retried() -> None:
        nonlocal retries
        retries += 1
    try:
        for store in (src, dst):
            await store.open()
        await stores_ready(src, dst, retried)
    except BaseException:
        for store in (src, dst):
            await store.close()
        raise
    return src, dst, retries


def _cluster_args(args: argparse.Namespace) -> tuple[str, int] | None:
    """``serve --cluster --listen IP [--cluster-port N]``, checked before anything starts."""
    from wizard.agent.server import check_port
    from wizard.cluster.files import DEFAULT_PORT, check_listen

    if not args.cluster:
        if args.listen or args.cluster_port is not None:
            raise InputError("--listen and --cluster-port belong to --cluster: add --cluster to be a master")
        return None
    if not args.listen:
        raise InputError("--cluster needs --listen MASTER_PRIVATE_IP: the address worker servers reach this one at")
    port = DEFAULT_PORT if args.cluster_port is None else check_port(args.cluster_port, "--cluster-port")
    if port == 0:
        raise InputError("--cluster-port: give a fixed port (workers' join files name it), like 8786")
    return check_listen(args.listen), port


async def _worker(args: argparse.Namespace) -> int:
    from wizard.agent.server import check_port
    from wizard.cluster.files import check_listen, read_join, route_to
    from wizard.cluster.worker import serve as serve_worker

    check_port(args.port)
    if not 1 <= args.slots <= 64:
        raise InputError(f"--slots: expected 1 to 64 shards at once, got {args.slots}")
    join = read_join(Path(args.join))
    host = check_listen(args.listen) if args.listen else route_to(join["scheduler"])
    return await serve_worker(join, host, args.port, args.slots, sys.stderr, parent=args.parent)


def _join_file(args: argparse.Namespace, out: Output) -> int:
    from wizard.agent.server import check_port
    from wizard.cluster.files import check_listen, load_or_create, write_private

    target = Path(args.output)
    if target.is_dir():
        raise InputError(f"-o: {target} is a folder; give a file name, like {target / 'worker.join'}")
    if not target.absolute().parent.is_dir():
        raise InputError(f"-o: the folder {target.absolute().parent} does not exist")
    port = None if args.cluster_port is None else check_port(args.cluster_port, "--cluster-port")
    cluster = load_or_create(check_listen(args.listen) if args.listen else None, port or None)
    write_private(target, json.dumps(cluster.join(), indent=1))
    out.say(f"wrote {target} (mode 0600) for the cluster at {cluster.address}: copy it to a worker server and "
            f"start there: migration-agent worker --join {target.name}")
    return OK


def _kit(args: argparse.Namespace, out: Output) -> int:
    """``cluster kit``: every argument checked (exit 2) before the bundle is looked for (none: exit 1)."""
    from wizard.remote.bundle import find_bundle
    from wizard.remote.kit import build_kit, check_cluster_port, check_master_ip, check_task

    check_master_ip(args.master_ip)
    check_cluster_port(args.cluster_port)
    task = None
    if args.task:
        try:
            task = Path(args.task).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--task: {args.task} cannot be read ({getattr(exc, 'strerror', None) or exc})") \
                from None
        check_task(task)
    if not Path(args.output).is_dir():
        raise InputError(f"-o: the folder {args.output} does not exist")
    tarball = Path(args.bundle) if args.bundle else find_bundle("x86_64")
    kit = build_kit(Path(args.output), tarball, args.master_ip, args.cluster_port, task)
    out.say(f"wrote {kit} ({human_bytes(kit.stat().st_size)}) for the master at {args.master_ip} (cluster port "
            f"{args.cluster_port}){', with task.toml' if task else ''}: unpack it on the master and run "
            "sh migration-kit/start-master.sh there first, then on each worker (see README.en.md)")
    return OK


def _report(spec: TaskSpec, jpath: Path, args: argparse.Namespace, out: Output) -> int:
    """``report``: read straight from the journal (WAL lets a running task go on writing meanwhile)."""
    from wizard.report.build import check_output_folder, make_report, task_of
    from wizard.report.signing import AgentKey

    target = Path(args.output)
    check_output_folder(target)
    if not jpath.exists():
        raise InputError(f"no journal for task {spec.name!r} at {jpath}: the task has not run yet")
    key = AgentKey.load_or_create()
    journal = Journal(jpath, spec.identity(), spec.name)
    try:
        files = make_report(journal, task=task_of(spec), passes=journal.passes(), out=target, lang=args.lang,
                            key=key)
    finally:
        journal.close()
    out.say(f"wrote the verification report to {target} ({files.data['manifest']['rows']:,} objects in "
            f"manifest.csv), signed by {key.fingerprint()}; check it with: migration-agent verify-report {target}",
            folder=str(target), fingerprint=key.fingerprint())
    return OK


def _report_check(args: argparse.Namespace) -> int:
    """``verify-report`` (one line; 0 verifies, 3 does not) and ``report-key``."""
    from wizard.report.signing import AgentKey
    from wizard.report.verify import verify_report

    if args.command == "report-key":
        key = AgentKey.load_or_create()
        sys.stdout.write(f"public key (Ed25519): {key.public_key_text()}\nfingerprint: {key.fingerprint()}\n")
        return OK
    verdict = verify_report(Path(args.folder), args.public_key)
    sys.stdout.write(("OK: " if verdict.ok else "FAILED: ") + verdict.message + "\n")
    return OK if verdict.ok else FAILED_OBJECTS


def _has_run(journal: Journal) -> bool:
    cursor, done, listed, _bytes = journal.listing_state()
    return bool(cursor or done or listed or any(n for n, _size in journal.counts().values()))


def _check_output(target: Path, task: Path, jpath: Path) -> None:
    """``-o``: a file in a folder that exists, and not one of the task's own files."""
    if target.is_dir():
        raise InputError(f"-o: {target} is a folder; give a file name, like {target / 'failed.csv'}")
    folder = target.absolute().parent
    if not folder.is_dir():
        raise InputError(f"-o: the folder {folder} does not exist")
    own = {p.resolve(): what for p, what in ((task, "task file"), (jpath, "journal"),
                                             (Path(f"{jpath}-wal"), "journal"), (Path(f"{jpath}-shm"), "journal"),
                                             (Path(f"{jpath}.lock"), "journal's lock"))}
    what = own.get(target.resolve())
    if what:
        raise InputError(f"-o: {target} is the task's {what}; write the CSV to another file")


def _export(journal: Journal, args: argparse.Namespace, out: Output) -> int:
    try:
        n = journal.export_failed(args.output, args.error_class)
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileNotFoundError) as exc:
        raise InputError(f"-o: {args.output} cannot be written ({exc.strerror})") from None
    out.say(f"wrote {n:,} failed objects to {args.output}", rows=n)
    return OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "token":
        from wizard.agent.server import token_file

        print(token_file())
        return OK
    if args.command == "serve":
        from wizard.agent.server import check_port

        try:
            check_port(args.port)     # before a detached child, a lock or a token exist
            _cluster_args(args)
        except InputError as exc:
            sys.stderr.write(f"migration-agent: {exc}\n")
            return BAD_INPUT
    if args.command == "serve" and args.detach:
        from wizard.agent.server import detach

        argv = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--detach"]
        return detach(argv, sys.stdout)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "debug", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out = Output(getattr(args, "json", False))
    try:
        return asyncio.run(_main_async(args, out))
    except (KeyboardInterrupt, asyncio.CancelledError):
        out.end_line()
        out.say("interrupted: run the same command again to resume")
        return INTERRUPTED
    except InputError as exc:
        return _fail(out, args, exc, BAD_INPUT)
    except StorageError as exc:
        return _fail(out, args, exc, COULD_NOT_RUN)
    except MigrationError as exc:
        return _fail(out, args, exc, COULD_NOT_RUN)
    except OSError as exc:
        return _fail(out, args, exc, COULD_NOT_RUN)


def _fail(out: Output, args: argparse.Namespace, exc: BaseException, code: int) -> int:
    out.end_line()
    if getattr(args, "debug", False):
        traceback.print_exc()
    text = str(exc) if not isinstance(exc, OSError) or not exc.strerror else f"{exc.strerror}: {exc.filename}"
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps({"type": "error", "exit_code": code, "message": text}, ensure_ascii=False) + "\n")
    sys.stderr.write(f"migration-agent: {text}\n")
    return code


def entry() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())


if __name__ == "__main__":
    entry()
