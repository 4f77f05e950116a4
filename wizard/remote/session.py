"""One semi-managed setup as the wizard drives it: a master server (the agent with the cluster's scheduler) and
its worker servers, reached over SSH.

- ``Login`` is what the operator typed once for all servers (the vendor docs advise configuring the workers like
  the master); a worker line may name its own user and port (``user@host:port``).
- A worker the laptop cannot reach is reached through the master as a jump host (workers often have private
  addresses only); which way worked is remembered for the session.
- ``bring_up`` deploys the agent bundle wherever that version is missing, starts the master's agent and each
  worker, reporting each step; ``add_worker``/``remove_worker`` do the same while a task runs.
- ``client`` is an ``AgentClient`` for the master's API through an SSH local port forward (the API stays on the
  master's 127.0.0.1; its token is read over SSH). Closing the session closes the tunnel only: the remote agent and
  its tasks go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from wizard import __version__
from wizard.remote import deploy
from wizard.remote.bundle import find_bundle
from wizard.remote.ssh import CONNECT_TIMEOUT, RemoteError, Target, connect, facts, host_key, is_pinned, run
from wizard.remote.tunnel import Tunnel

Step = Callable[[str, str, float], None]    # host, step ("connect", "upload", "start", "ready"), fraction done
_WORKER = re.compile(r"^(?:(?P<user>[^@\s]+)@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^:@\s\[\]]+)(?::(?P<port>\d{1,5}))?$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}"
                   r"[A-Za-z0-9])?)*$")


def valid_host(text: str) -> bool:
    """An IPv4/IPv6 address or a host name."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return bool(_HOST.match(text))


@dataclass(frozen=True)
class Login:
    """How to log in to the servers: user, SSH port, key file or password (``secret`` is the password, or the key's
    passphrase when a key file is given; taken from the keyring by the caller, hidden from repr)."""

    user: str
    port: int = 22
    key_file: str = ""
    secret: str = field(default="", repr=False)

    def target(self, host: str, jump: Target | None = None) -> Target:
        return Target(host, self.user, self.port, key_file=self.key_file or None,
                      password=None if self.key_file else (self.secret or None),
                      passphrase=(self.secret or None) if self.key_file else None, jump=jump)


def worker_target(line: str, login: Login) -> Target:
    """A worker from one line of the worker list: ``host``, ``user@host``, ``host:port`` or ``[v6]:port``."""
    found = _WORKER.match(line.strip())
    if not found or not valid_host(found["host"].strip("[]")):
        raise RemoteError("bad-worker", f"not a worker address: {line.strip()!r} (host, user@host or host:port)")
    port = int(found["port"]) if found["port"] else login.port
    if not 1 <= port <= 65535:
        raise RemoteError("bad-worker", f"the SSH port of {found['host']} must be 1-65535")
    return replace(login.target(found["host"].strip("[]")), user=found["user"] or login.user, port=port)


@dataclass
class HostReport:
    """What "Test SSH connection" shows of one server."""

    host: str
    via: str = ""                 # the jump host's address when the laptop reaches it only through the master
    arch: str = ""
    agent_version: str = ""
    free_kib: int = 0
    error: RemoteError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class MasterSession:
    """The master and its workers for one wizard session (or one reattached remote task)."""

    def __init__(self, master: Target, listen_ip: str, cluster_port: int = 8786,
                 timeout: float = CONNECT_TIMEOUT) -> None:
        self.master, self.listen_ip, self.cluster_port, self.timeout = master, listen_ip, cluster_port, timeout
        self.workers: dict[str, Target] = {}      # host -> how it is reached (direct or through the master)
        self.api: dict[str, str] | None = None    # the master agent's url (on its 127.0.0.1) and token
        self._tunnel: Tunnel | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    def login(self) -> Login:
        """The master's login, for a worker line that names none of its own (configured like the master)."""
        m = self.master
        return Login(m.user, m.port, m.key_file or "", (m.passphrase if m.key_file else m.password) or "")

    # -- finding the hosts -----------------------------------------------------------------------------------
    async def locate(self, target: Target) -> Target:
        """``target`` as it can be reached: directly, or through the master when the laptop cannot reach it."""
        if target.host == self.master.host and target.port == self.master.port:
            return self.master
        known = self.workers.get(target.host)
        if known is not None:
            return known
        try:
            await host_key(target, timeout=min(self.timeout, 5.0))
            return target
        except RemoteError as direct:
            if direct.code not in ("unreachable", "timeout"):
                raise
        hop = replace(target, jump=self.master)
        await host_key(hop, timeout=self.timeout)          # named with the master when it does not answer either
        return hop

    async def pending_key(self, target: Target) -> tuple[Target, str, str] | None:
        """When ``target``'s host key is not pinned yet: (target as reachable, SHA256 fingerprint, public key) for
        the operator to confirm; None when it is pinned. Ask for the master first: workers behind it are reached
        through it."""
        where = await self.locate(target)
        if is_pinned(where):
            return None
        fingerprint, key = await host_key(where, timeout=self.timeout)
        return where, fingerprint, key

    async def test(self, target: Target) -> HostReport:
        """Reachable, logged in, architecture, agent version, free disk; the error names the host."""
        report = HostReport(target.host)
        try:
            where = await self.locate(target)
            report.via = where.jump.host if where.jump is not None else ""
            async with await connect(where, self.timeout) as conn:
                got = await facts(conn)
            report.arch, report.agent_version = got["arch"], got["agent_version"]
            report.free_kib = int(got["free_kib"] or 0)
        except RemoteError as exc:
            report.error = exc
        return report

    # -- deploying and starting ------------------------------------------------------------------------------
    async def bring_up(self, workers: list[Target], step: Step | None = None) -> dict[str, str]:
        """The master's agent running (deployed first when needed), then every worker joined; returns the API."""
        say = step or (lambda _h, _s, _f: None)
        async with await connect(self.master, self.timeout) as conn:
            await self._deploy(conn, self.master.host, say)
            say(self.master.host, "start", 0.9)
            self.api = await deploy.start_master(conn, self.master.host, self.listen_ip, self.cluster_port)
            say(self.master.host, "ready", 1.0)
            for w in workers:
                await self._start_worker(conn, w, say)
        return self.api

    async def add_worker(self, target: Target, step: Step | None = None) -> None:
        """Deploy and start one more worker (a task may be running: it takes shards as soon as it joins)."""
        async with await connect(self.master, self.timeout) as conn:
            await self._start_worker(conn, target, step or (lambda _h, _s, _f: None))

    async def remove_worker(self, target: Target) -> None:
        """Stop a worker: its running shards finish the objects under way and hand the rest back."""
        where = await self.locate(target)
        async with await connect(where, self.timeout) as conn:
            await deploy.stop(conn, "worker")
        self.workers.pop(where.host, None)

    async def logs(self, target: Target) -> dict[str, str]:
        """The agent's logs on the master or a worker, for the operator."""
        async with await connect(await self.locate(target), self.timeout) as conn:
            return await deploy.logs(conn)

    async def _start_worker(self, master_conn: Any, target: Target, say: Step) -> None:
        where = await self.locate(target)
        say(where.host, "connect", 0.0)
        async with await connect(where, self.timeout) as conn:
            await self._deploy(conn, where.host, say)
            say(where.host, "start", 0.9)
            join = await deploy.join_file(master_conn)
            # The worker listens on the address it was given when that is one of its own (a private IP), else on
            # its address on the way to the master (a public name or a NAT address is not bound on the server).
            own = (await run(conn, ["sh", "-c", "hostname -I 2>/dev/null || true"])).stdout.split()
            await deploy.start_worker(conn, where.host, join, where.host if where.host in own else None)
        self.workers[where.host] = where
        say(where.host, "ready", 1.0)

    async def _deploy(self, conn: Any, host: str, say: Step) -> None:
        say(host, "connect", 0.0)
        arch = (await run(conn, ["uname", "-m"])).stdout.strip()
        tarball = find_bundle(arch)
        await deploy.deploy(conn, host, tarball, __version__,
                            lambda sent, total: say(host, "upload", 0.85 * sent / max(total, 1)))

    # -- the master's API ------------------------------------------------------------------------------------
    async def client(self) -> Any:
        """An AgentClient of the master's agent through the tunnel (opened on first use, re-opened when it
        drops); raises RemoteError when the master's agent is not running."""
        from wizard.agent.client import AgentClient

        async with self._lock:
            if self._client is not None:
                return self._client
            if self.api is None:
                async with await connect(self.master, self.timeout) as conn:
                    self.api = await deploy.running_master(conn)
                if self.api is None:
                    raise RemoteError("master-down", f"{self.master.host}: the migration agent is not running",
                                      self.master.host)
            port = int(self.api["url"].rsplit(":", 1)[1])
            self._tunnel = await Tunnel(self.master, port).open()
            self._client = AgentClient(f"http://127.0.0.1:{self._tunnel.port}", self.api["token"])
            return self._client

    @property
    def tunnel(self) -> Tunnel | None:
        return self._tunnel

    async def close(self) -> None:
        """The tunnel and the client closed; nothing on the servers changes."""
        async with self._lock:
            if self._client is not None:
                with contextlib.suppress(Exception):
                    await self._client.close()
            if self._tunnel is not None:
                await self._tunnel.close()
            self._client = self._tunnel = None
