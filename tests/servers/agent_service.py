"""A real ``migration-agent serve`` child process for the service tests: started on 127.0.0.1 with a free port,
its address and token read the way a client reads them, stopped (or killed) by the test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import urllib3

from wizard.agent.client import AgentClient

T = TypeVar("T")


class AgentProcess:
    """One agent process; ``start`` again after ``kill`` or ``stop`` to restart it on the same data folder."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.env, self.home = env, home
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.token_file = Path()
        self.last_stderr = ""
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=60))

    def start(self, *extra: str, timeout: float = 30, **popen: Any) -> AgentProcess:
        """Start ``serve``; ``popen`` goes to Popen (``preexec_fn`` to set resource limits, say)."""
        self.proc = subprocess.Popen([sys.executable, "-m", "wizard.agent.cli", "serve", "--port", "0", *extra],
                                     env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     **popen)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while len(lines) < 2 and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"agent exited early: {self.proc.wait()} {self.proc.stderr.read()}")  # type: ignore[union-attr]
            lines.append(line.rstrip("\n"))
        assert lines[0].startswith("listening on http://127.0.0.1:"), lines
        assert lines[1].startswith("token file: "), lines
        self.url = lines[0].split(" ", 2)[2]
        self.token_file = Path(lines[1].split(": ", 1)[1])
        return self

    @property
    def token(self) -> str:
        return self.token_file.read_text(encoding="ascii").strip()

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                **kw: Any) -> urllib3.BaseHTTPResponse:
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"} if token != "" else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            kw["body"] = json.dumps(body).encode()
        return self.http.request(method, self.url + path, headers=headers, **kw)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        """A request whose status must be ``expect``; returns the JSON answer."""
        resp = self.request(method, path, body)
        assert resp.status == expect, (resp.status, resp.data[:500])
        return json.loads(resp.data)

    def client(self) -> AgentClient:
        return AgentClient.from_token_file(self.url, self.token_file)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (usually using ``client()``) to its end."""
        return asyncio.run(coro)

    def wait_for(self, task_id: str, *states: str, timeout: float = 120) -> dict[str, Any]:
        """Poll the task until its state is one of ``states``."""
        deadline = time.monotonic() + timeout
        while True:
            snap = self.call("GET", f"/v1/tasks/{task_id}")
            if snap["state"] in states:
                return snap  # type: ignore[no-any-return]
            assert time.monotonic() < deadline, f"task still {snap['state']} after {timeout} s: {snap}"
            time.sleep(0.1)

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._close_pipes()
        return code

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        assert self.proc is not None
        if self.proc.stderr is not None:
            self.last_stderr = self.proc.stderr.read()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def stderr(self) -> str:
        """What the last agent process wrote on stderr (after it stopped)."""
        return self.last_stderr
