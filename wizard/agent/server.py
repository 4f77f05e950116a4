"""``migration-agent serve``: the long-lived agent process that holds tasks and serves the HTTP API.

One agent per user and data folder (a kernel lock on ``agent.lock``). On start it writes the bearer token to
``token`` (readable by its user only, kept across restarts) and its address to ``agent.json`` for clients,
prints ``listening on http://HOST:PORT`` and ``token file: PATH``, and resumes the tasks that were running.
SIGINT/SIGTERM stop it cleanly: the running tasks are stopped resumable and start again with the next agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

from aiohttp import web
from filelock import FileLock
from filelock import Timeout as LockTimeout

from wizard import __version__
from wizard.agent.api import ApiRunner, make_app
from wizard.agent.listener import TOTAL, ClientGuard
from wizard.agent.resources import ConnectionBudget, QuietResourceErrors, connection_budget, raise_open_file_limit
from wizard.agent.tasks import Agent
from wizard.errors import InputError, TaskBusy
from wizard.launch import agent_command
from wizard.logs import log_to_file
from wizard.paths import agent_dir, log_dir

log = logging.getLogger(__name__)


def token_file() -> Path:
    return agent_dir() / "token"


def address_file() -> Path:
    return agent_dir() / "agent.json"


def ensure_token(path: Path) -> str:
    """The agent's bearer token: made once (256 random bits), in a file only this user can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32:
            os.chmod(path, 0o600)
            return token
    token = secrets.token_urlsafe(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    os.replace(tmp, path)
    return token


def _lock_agent(folder: Path) -> FileLock:
    """One agent per data folder: two would run the same tasks twice. The OS's lock (``filelock``): it goes
    away with the process however it ends."""
    lock = FileLock(folder / "agent.lock", timeout=0, mode=0o600)
    try:
        lock.acquire()
    except LockTimeout:
        where = ""
        with contextlib.suppress(OSError, ValueError):
            info = json.loads(address_file().read_text(encoding="utf-8"))
            where = f" (pid {info['pid']}, {info['url']})"
        raise TaskBusy(f"an agent is already running for this data folder{where}: stop it first, or talk to "
                       "it") from None
    return lock


def _setup_logging(debug: bool) -> None:
    root = logging.getLogger()
    for console in root.handlers:  # the terminal keeps its two lines and warnings; details go to the file
        console.setLevel(logging.DEBUG if debug else logging.WARNING)
    log_to_file("agent.log", 5 * 1024 * 1024, logging.DEBUG if debug else logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # A malformed request is the client's fault: the client gets its 400; the log gets one line, not a traceback.
    logging.getLogger("aiohttp.server").setLevel(logging.DEBUG if debug else logging.CRITICAL)


def check_port(port: object, where: str = "--port") -> int:
    """A TCP port to listen on: 0 (a free one) to 65535; checked before the lock and the token are made."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InputError(f"{where}: expected a port number from 0 (any free port) to 65535, got {port!r}"[:120])
    return port


def check_host(host: str, out: TextIO) -> None:
    """Loopback by default; any other address works only when asked for, and with a warning."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise InputError(f"--host: {host!r} is not an IP address or localhost") from None
    if not loopback:
        out.write(f"warning: listening on {host}, not on the loopback address: anyone who can reach it and holds "
                  "the token controls this agent, and the traffic is not encrypted (prefer an SSH tunnel)\n")


async def serve(host: str, port: int, out: TextIO, debug: bool = False,
                cluster: tuple[str, int] | None = None) -> int:
    """Run the agent until SIGINT/SIGTERM; with ``cluster`` (listen IP, port) also the cluster's scheduler."""
    check_port(port)
    check_host(host, out)
    folder = agent_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lock = _lock_agent(folder)
    _setup_logging(debug)
    token = ensure_token(token_file())
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(QuietResourceErrors())
    files = raise_open_file_limit()
    budget = ConnectionBudget(connection_budget(files))
    log.info("store connections for all tasks together: %d", budget.total)
    master = None
    if cluster is not None:
        from wizard.cluster.files import load_or_create
        from wizard.cluster.master import Master

        master = Master(load_or_create(*cluster))
        await master.start()
    agent = Agent(folder, budget, master)
    app = make_app(agent, token)
    clients = ClientGuard(total=min(TOTAL, max(16, files // 8)))
    app.middlewares.insert(0, clients.middleware)

    async def end_streams(app: web.Application) -> None:
        agent.end_streams()   # before the server waits for its handlers: a stream would never end by itself
    app.on_shutdown.append(end_streams)
    # Idle keep-alive connections of clients that showed the token go after 75 s (aiohttp's default is an hour);
    # a request still running when the agent stops gets 5 s.
    runner = ApiRunner(app, access_log=None, handle_signals=False, keepalive_timeout=75.0,
                           shutdown_timeout=5.0)
    await runner.setup()
    assert runner.server is not None
    clients.install(runner.server)
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    bound = runner.addresses[0]
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    url = f"http://{shown}:{bound[1]}"
    info = {"url": url, "pid": os.getpid(), "token_file": str(token_file()), "version": __version__,
            "started": time.time()}
    tmp = address_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(info), encoding="utf-8")
    os.replace(tmp, address_file())
    out.write(f"listening on {url}\ntoken file: {token_file()}\n")
    if master is not None:
        out.write(f"cluster scheduler on {master.address} (TLS); write a worker's join file with: "
                  "migration-agent cluster join-file -o worker.join\n")
    out.flush()
    log.info("agent %s listening on %s", __version__, url)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await agent.resume_all()
        await stop.wait()
    finally:
        log.info("agent stopping")
        with contextlib.suppress(FileNotFoundError):
            os.remove(address_file())
        await runner.cleanup()   # streams and requests end first: they read the journals closed next
        await agent.shutdown()
        if master is not None:
            await master.close()
        lock.release()
    return 0


def detach(argv: list[str], out: TextIO, wait: float = 30.0) -> int:
    """Start ``serve`` in the background (its own session, output to the log folder), wait until it listens,
    print its two lines and write its pid file."""
    folder = agent_dir()
    folder.mkdir(parents=True, exist_ok=True)
    try:   # an agent that runs already keeps its address file, and the refusal is said here, not in a log
        _lock_agent(folder).release()
    except TaskBusy as exc:
        sys.stderr.write(f"migration-agent: {exc}\n")
        return 1
    logs = log_dir()
    logs.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(address_file())
    with open(logs / "agent-console.log", "ab") as console:
        proc = subprocess.Popen([*agent_command(), *argv], stdin=subprocess.DEVNULL,
                                stdout=console, stderr=console, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out.write(f"the agent did not start (exit {proc.returncode}); see {logs / 'agent-console.log'}\n")
            return 1
        with contextlib.suppress(OSError, ValueError, KeyError):
            info = json.loads(address_file().read_text(encoding="utf-8"))
            if info["pid"] == proc.pid:
                (folder / "agent.pid").write_text(f"{proc.pid}\n", encoding="ascii")
                out.write(f"listening on {info['url']}\ntoken file: {info['token_file']}\npid: {proc.pid}\n")
                return 0
        time.sleep(0.1)
    out.write(f"the agent did not answer within {wait:.0f} s; see {logs / 'agent-console.log'}\n")
    return 1
