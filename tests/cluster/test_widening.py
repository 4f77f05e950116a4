"""The default executor: a run starts in this process and, once it proves long and CPU-bound, hands the rest to
one local worker process per core (real worker processes, real Dask), with the same journal and counts."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from wizard.agent.compose import runner_for
from wizard.engine.executors import InProcess, Widening
from wizard.engine.journal import Journal
from wizard.storage.local import LocalStore
from wizard.task import parse_task_text


def _task(src: Path, dst: Path) -> str:
    return f'name = "widen"\n[source]\nkind = "local"\npath = "{src}"\n[destination]\nkind = "local"\n' \
           f'path = "{dst}"\n'


def _fill(folder: Path, n: int) -> dict[str, bytes]:
    data = {}
    for i in range(n):
        key = f"d{i // 100:02d}/f{i:05d}.txt"
        data[key] = f"file {i} ".encode() * (1 + i % 7)
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(data[key])
    return data


def _copied(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _run(tmp_path: Path, files: int, tune: dict[str, float]) -> tuple[object, Journal, dict[str, bytes], Widening]:
    src, dst = tmp_path / "src", tmp_path / "dst"
    data = _fill(src, files)
    spec = parse_task_text(_task(src, dst))
    journal = Journal(tmp_path / "j.sqlite", spec.identity(), spec.name)
    runner = runner_for(spec, journal, LocalStore(src), LocalStore(dst, create=True), widen_to=2)
    executor = runner.executor
    assert isinstance(executor, Widening)
    for name, value in tune.items():
        setattr(executor, name, value)
    summary = asyncio.run(runner.run())
    return summary, journal, data, executor


def test_a_long_busy_run_widens_to_local_workers_and_counts_every_object_once(tmp_path: Path) -> None:
    # Thresholds lowered so the hand-over comes within the first tenth of a second of a few thousand files.
    summary, journal, data, executor = _run(tmp_path, 3000, {"after": 0.05, "window": 0.06, "busy": 0.0,
                                                             "min_left": 1})
    assert executor.widened_at is not None, "the run never widened"
    assert executor.current is not executor.here
    assert summary.status == "completed"       # type: ignore[attr-defined]
    assert journal.counts()["done"][0] == 3000
    assert journal.counts()["pending"][0] == 0
    assert _copied(tmp_path / "dst") == data
    # the local worker processes are gone with the run
    assert not [p for p in psutil.Process().children(recursive=True) if "worker" in " ".join(p.cmdline())]


def test_a_short_run_stays_in_this_process(tmp_path: Path) -> None:
    summary, journal, data, executor = _run(tmp_path, 200, {})
    assert executor.widened_at is None and executor.current is executor.here
    assert isinstance(executor.current, InProcess) and not executor.here.handed_over
    assert journal.counts()["done"][0] == 200
    assert _copied(tmp_path / "dst") == data


def test_a_local_worker_leaves_when_its_agent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import asyncio, sys
        from wizard.cluster.local import LocalWorkers

        async def main():
            async with LocalWorkers(1):
                print("up", flush=True)
                await asyncio.sleep(600)
        asyncio.run(main())
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers: list[psutil.Process] = []
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "up"
        workers = psutil.Process(parent.pid).children()
        assert len(workers) == 1
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 30
        while workers[0].is_running() and workers[0].status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the orphaned local worker is still running"
            time.sleep(0.2)
    finally:
        if parent.poll() is None:
            parent.kill()
        for w in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                w.kill()
