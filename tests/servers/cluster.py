"""A real migration cluster for the tests: the master (``migration-agent serve --cluster``) on 127.0.0.2 with its
scheduler, worker processes (``migration-agent worker --join``) on 127.0.0.3, 127.0.0.4, ... (all of 127.0.0.0/8
is this machine on Linux), TLS with the cluster's own certificates, SeaweedFS stores.

Workers get an environment without any storage credential: what they copy with comes from the master."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers.agent_service import AgentProcess

CRED_VARS = ("SRC_", "DST_", "COS_", "OSS_")


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class WorkerProcess:
    """One ``migration-agent worker`` child; its output goes to a log file the tests read."""

    def __init__(self, join: Path, host: str, home: Path, env: dict[str, str], slots: int = 2) -> None:
        self.join, self.host, self.home, self.slots = join, host, home, slots
        self.env = {k: v for k, v in env.items() if not k.startswith(CRED_VARS)}
        self.env["MIGRATION_WIZARD_HOME"] = str(home)
        self.log = home / f"worker-{host}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "wizard.agent.cli", "worker", "--join",
                                          str(self.join), "--listen", self.host, "--slots", str(self.slots)],
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def joined(self, timeout: float = 30) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while "joined the cluster" not in self.output():
            assert self.proc is not None and self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.1)
        return self

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


class Cluster:
    """The master and its workers for one test."""

    def __init__(self, env: dict[str, str], home: Path, tmp: Path) -> None:
        self.env, self.home, self.tmp = env, home, tmp
        self.port = free_port("127.0.0.2")
        self.master = AgentProcess(env, home)
        self.join = tmp / "worker.join"
        self.workers: list[WorkerProcess] = []

    def start_master(self) -> AgentProcess:
        self.master.start("--cluster", "--listen", "127.0.0.2", "--cluster-port", str(self.port))
        assert self.master.proc is not None and self.master.proc.stdout is not None
        line = self.master.proc.stdout.readline()
        assert line.startswith(f"cluster scheduler on tls://127.0.0.2:{self.port}"), line
        return self.master

    def write_join(self) -> Path:
        done = subprocess.run([sys.executable, "-m", "wizard.agent.cli", "cluster", "join-file", "-o",
                               str(self.join)], env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return self.join

    def worker(self, n: int, slots: int = 2) -> WorkerProcess:
        w = WorkerProcess(self.join, f"127.0.0.{n}", self.tmp / f"worker{n}", self.env, slots)
        self.workers.append(w)
        return w.start()

    def stop(self) -> None:
        for w in self.workers:
            if w.proc is not None and w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait(10)
        if self.master.proc is not None and self.master.proc.poll() is None:
            self.master.kill()


@pytest.fixture
def cluster(agent_env: dict[str, str], home: Path, tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(agent_env, home, tmp_path)
    c.start_master()
    c.write_join()
    yield c
    c.stop()


def task_toml(src: dict[str, Any], dst: dict[str, Any], name: str = "cluster", **options: Any) -> str:
    from conftest import write_task

    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"task-{os.getpid()}-{time.monotonic_ns()}.toml"
    write_task(path, src, dst, name, **options)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text
