"""Putting the agent on a server and starting it there, over one SSH connection (``wizard.remote.ssh``).

The agent bundle (``migration-agent-VERSION-linux-ARCH.tar.gz``, no Python needed on the server) goes to
``~/.migration-wizard/agent/`` unless that version is there already (idempotent). The master's agent is
started detached (``serve --cluster --detach``: it outlives the SSH session); a worker is started detached
with its join file (written 0600 over SFTP, never on a command line). ``stop`` sends SIGTERM (a worker drains);
``logs`` fetches what the agent wrote for the operator.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wizard.remote.ssh import RemoteError, run

BASE = ".migration-wizard"                 # under the server's home folder
AGENT = f"{BASE}/agent/migration-agent"
Progress = Callable[[int, int], None]      # bytes sent, bytes in all


def _sh(script: str) -> list[str]:
    """A remote shell script run in the home folder (``$HOME``, which is not always where sshd starts a
    session), so the relative paths in it are under the home folder."""
    return ["sh", "-c", 'cd "$HOME" && ' + script]


def _agent(*args: str) -> list[str]:
    """The deployed agent with ``args``, run in the home folder."""
    return _sh(" ".join(shlex.quote(a) for a in (f"./{AGENT}", *args)))


async def home_of(conn: Any) -> str:
    """The session's home folder, for SFTP (whose relative paths start where sshd chose)."""
    home = (await run(conn, ["sh", "-c", 'printf %s "$HOME"'])).stdout
    if not home.startswith("/"):
        raise RemoteError("no-home", "the server's session has no home folder ($HOME)")
    return home


def bundle_arch(tarball: Path) -> str:
    found = re.search(r"-linux-([A-Za-z0-9_]+)\.tar\.gz$", tarball.name)
    if not found:
        raise RemoteError("bad-bundle", f"{tarball.name} is not an agent bundle (migration-agent-VERSION-linux-"
                                        "ARCH.tar.gz)")
    return found.group(1)


async def agent_version(conn: Any) -> str:
    got = await run(conn, _sh(f"[ -x {AGENT} ] && ./{AGENT} --version || true"))
    return got.stdout.strip().removeprefix("migration-agent ")


async def deploy(conn: Any, host: str, tarball: Path, version: str, progress: Progress | None = None) -> bool:
    """The agent bundle on the server, unpacked; False when that version was there already (nothing sent)."""
    arch = (await run(conn, ["uname", "-m"])).stdout.strip()
    if arch != bundle_arch(tarball):
        raise RemoteError("arch", f"{host} is {arch or 'an unknown architecture'}, the agent bundle is for "
                                  f"{bundle_arch(tarball)}")
    if await agent_version(conn) == version:
        return False
    await run(conn, _sh(f"mkdir -p {BASE} && chmod 700 {BASE}"))
    upload = f"{await home_of(conn)}/{BASE}/upload.tar.gz"
    async with conn.start_sftp_client() as sftp:
        handler = (lambda _src, _dst, sent, total: progress(sent, total)) if progress else None
        await sftp.put(str(tarball), upload, progress_handler=handler)
    unpacked = await run(conn, _sh(f"cd {BASE} && rm -rf agent.new && mkdir agent.new && tar xzf upload.tar.gz "
                                   "-C agent.new --strip-components=1 && rm -rf agent && mv agent.new agent && "
                                   "rm -f upload.tar.gz"), timeout=300)
    if unpacked.exit_status != 0:
        raise RemoteError("unpack", f"the agent bundle could not be unpacked on {host}: "
                                    f"{unpacked.stderr.strip()[:200]}")
    there = await agent_version(conn)
    if there != version:
        raise RemoteError("agent-broken", f"the agent on {host} does not start (it says {there!r})")
    return True


async def running_master(conn: Any) -> dict[str, str] | None:
    """The master's agent running on this server (its API's url on the master's 127.0.0.1, token, pid)."""
    folder = f"\"$(dirname \"$(./{AGENT} token)\")\""
    got = await run(conn, _sh(f"f={folder}/agent.json; [ -f \"$f\" ] && cat \"$f\" || true"))
    try:
        info = json.loads(got.stdout) if got.stdout.strip() else None
        pid = int(info["pid"]) if info else 0
    except (ValueError, KeyError, TypeError):
        return None
    if not pid or (await run(conn, ["kill", "-0", str(pid)])).exit_status != 0:
        return None
    token = (await run(conn, _sh(f"cat {folder}/token"))).stdout.strip()
    return {"url": str(info["url"]), "token": token, "pid": str(pid)}  # type: ignore[index]


async def start_master(conn: Any, host: str, listen: str, cluster_port: int = 8786) -> dict[str, str]:
    """Start the master's agent with its cluster scheduler, detached (or find it running); returns its API's
    url on the master's 127.0.0.1 (reach it through a tunnel) and its token, read over SSH."""
    found = await running_master(conn)
    if found is not None:
        return found
    started = await run(conn, _agent("serve", "--cluster", "--listen", listen, "--cluster-port", str(cluster_port),
                                     "--detach"), timeout=90)
    found = await running_master(conn)
    if started.exit_status != 0 or found is None:
        console = await run(conn, _sh('tail -n 5 "${XDG_STATE_HOME:-$HOME/.local/state}/migration-wizard/log/'
                                      'agent-console.log" 2>/dev/null || true'))
        raise RemoteError("master-start", f"the agent on {host} did not start: "
                                          f"{_last(started.stderr or console.stdout)}")
    return found


async def join_file(conn: Any) -> str:
    """A new join file from the master (its content: it goes to a worker over SFTP, 0600)."""
    path = f"{BASE}/worker.join"
    made = await run(conn, _agent("cluster", "join-file", "-o", path))
    if made.exit_status != 0:
        raise RemoteError("join-file", f"the master could not write a join file: {_last(made.stderr)}")
    text = (await run(conn, _sh(f"cat {path} && rm -f {path}"))).stdout
    return text


async def start_worker(conn: Any, host: str, join: str, listen: str | None = None) -> None:
    """Start a worker with ``join`` (written 0600 over SFTP), detached, its output in ~/.migration-wizard;
    ``listen`` is the address the master reaches it at (None: its address on the route to the master). A worker
    running there already is left as it is (started again, it would be a second worker on one server)."""
    if await worker_running(conn):
        return
    await run(conn, _sh(f"mkdir -p {BASE} && chmod 700 {BASE}"))
    target = f"{await home_of(conn)}/{BASE}/worker.join"
    async with conn.start_sftp_client() as sftp, sftp.open(target, "w", attrs=_mode_0600()) as f:
        await f.write(join)
    # ";" before the background job: the "cd"s run in this shell, so the pid file lands beside the log.
    address = f" --listen {shlex.quote(listen)}" if listen else ""
    script = (f"cd {BASE} || exit 1; nohup ./agent/migration-agent worker --join worker.join{address} "
              "</dev/null >>worker.log 2>&1 & echo $! > worker.pid")
    await run(conn, _sh(script))
    for _ in range(100):
        log = (await run(conn, _sh(f"cat {BASE}/worker.log 2>/dev/null || true"))).stdout
        if "joined the cluster" in log:
            return
        if "Error" in log and "cannot reach the master" not in log:
            break
        await _sleep(0.2)
    raise RemoteError("worker-start", f"the worker on {host} did not join the cluster: {_last(log)}")


async def worker_running(conn: Any) -> bool:
    """A worker started here before is still running (its pid file names a live ``migration-agent worker``)."""
    got = await run(conn, _sh(f"p=$(cat {BASE}/worker.pid 2>/dev/null) && kill -0 \"$p\" 2>/dev/null && "
                              "tr '\\0' ' ' < \"/proc/$p/cmdline\" | grep -q ' worker ' && echo running || true"))
    return got.stdout.strip() == "running"


async def stop(conn: Any, what: str) -> None:
    """SIGTERM to the master's agent (``master``) or the worker (``worker``); a worker drains first."""
    if what == "worker":
        await run(conn, _sh(f"[ -f {BASE}/worker.pid ] && kill -TERM $(cat {BASE}/worker.pid) || true"))
    else:
        pid = (await run(conn, _sh(f"cat \"$(dirname \"$(./{AGENT} token)\")/agent.json\" 2>/dev/null || true"))
               ).stdout
        if pid.strip():
            await run(conn, ["kill", "-TERM", str(int(json.loads(pid)["pid"]))])


async def logs(conn: Any) -> dict[str, str]:
    """The agent's logs on this server (the worker's output, the agent's console and rotating log)."""
    out = {}
    agent_logs = '"${XDG_STATE_HOME:-$HOME/.local/state}/migration-wizard/log"'
    for name, path in (("worker.log", f"{BASE}/worker.log"), ("agent.log", f"{agent_logs}/agent.log"),
                       ("agent-console.log", f"{agent_logs}/agent-console.log")):
        got = await run(conn, _sh(f"tail -c 200000 {path} 2>/dev/null || true"))
        if got.stdout:
            out[name] = got.stdout
    return out


def _mode_0600() -> Any:
    import asyncssh

    return asyncssh.SFTPAttrs(permissions=0o600)


def _last(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)

