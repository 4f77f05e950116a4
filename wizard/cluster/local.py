"""Every core of one machine: a private cluster on 127.0.0.1 (the scheduler in this process, ``n`` worker
processes started here) that a run's shards go to, torn down with the run. The same shards, handlers and
executor as a cluster of servers; credentials reach the worker processes over its TLS, never argv or a file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from wizard.cluster.certs import issue, new_ca
from wizard.cluster.files import Cluster, write_private
from wizard.cluster.master import Master
from wizard.errors import MigrationError
from wizard.launch import agent_command

START_TIMEOUT = 60.0


class LocalWorkers:
    """``async with LocalWorkers(4) as local: runner_for(..., master=local.master)``."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.master: Master | None = None
        self._procs: list[subprocess.Popen[bytes]] = []
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    async def __aenter__(self) -> LocalWorkers:
        cluster_id = "local-" + secrets.token_hex(3)
        ca = new_ca(cluster_id)
        self.master = Master(Cluster(cluster_id, "127.0.0.1", 0, ca, issue(ca, "master", ["127.0.0.1"])))
        await self.master.start()
        self._folder = tempfile.TemporaryDirectory(prefix="migration-local-")
        join = Path(self._folder.name) / "local.join"
        leaf = issue(ca, "local-worker")
        write_private(join, json.dumps({"version": 1, "cluster": cluster_id, "scheduler": self.master.address,
                                        "ca": ca.cert, "cert": leaf.cert, "key": leaf.key}))
        log = open(Path(self._folder.name) / "workers.log", "ab")   # noqa: SIM115 (kept open for the children)
        try:
            for _ in range(self.processes):
                self._procs.append(subprocess.Popen(
                    [*agent_command(), "worker", "--join", str(join), "--listen", "127.0.0.1", "--slots", "1",
                     "--parent", str(os.getpid())],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.master.scheduler.workers) < self.processes:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self._procs):
                text = (Path(self._folder.name) / "workers.log").read_text(errors="replace")[-400:]
                await self.__aexit__(None, None, None)
                raise MigrationError(f"the local worker processes did not start: {text}")
            await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for p in self._procs:
            if p.poll() is None:
                p.terminate()
        for p in self._procs:
            try:
                await asyncio.to_thread(p.wait, 30)
            except subprocess.TimeoutExpired:
                p.kill()
        self._procs = []
        if self.master is not None:
            with contextlib.suppress(Exception):
                await self.master.close()
        if self._folder is not None:
            self._folder.cleanup()

