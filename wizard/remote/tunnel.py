"""The wizard's way to a remote master's API: an SSH local port forward from this machine's 127.0.0.1 to the
master's 127.0.0.1 (the API never listens anywhere else), re-opened on the same local port when the SSH
connection drops, so the agent client's URL stays valid. Closing it never touches the remote agent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from wizard.remote.ssh import RemoteError, Target, connect

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0       # seconds between looks at the SSH connection
RETRY_MAX = 15.0


class Tunnel:
    """``async with Tunnel(target, remote_port) as t: AgentClient(f"http://127.0.0.1:{t.port}", token)``."""

    def __init__(self, target: Target, remote_port: int, remote_host: str = "127.0.0.1") -> None:
        self.target, self.remote_port, self.remote_host = target, remote_port, remote_host
        self.port = 0
        self.reopened = 0
        self.error: RemoteError | None = None     # the last failure while re-opening (shown by the GUI)
        self._conn: Any = None
        self._listener: Any = None
        self._watch: asyncio.Task[None] | None = None

    async def open(self) -> Tunnel:
        await self._open()
        self._watch = asyncio.ensure_future(self._keep())
        return self

    async def _open(self) -> None:
        self._conn = await connect(self.target)
        # The first time a free port; afterwards the same one, so clients keep their URL.
        self._listener = await self._conn.forward_local_port("127.0.0.1", self.port, self.remote_host,
                                                             self.remote_port)
        self.port = self._listener.get_port()

    async def _keep(self) -> None:
        delay = 1.0
        while True:
            await asyncio.sleep(CHECK_EVERY)
            if self._conn is not None and not self._conn.is_closed():
                continue
            self._drop()
            try:
                await self._open()
            except (RemoteError, OSError) as exc:
                self.error = exc if isinstance(exc, RemoteError) else RemoteError("tunnel", str(exc))
                log.warning("the tunnel to %s is down: %s", self.target.host, self.error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            delay, self.error = 1.0, None
            self.reopened += 1

    def _drop(self) -> None:
        for part in (self._listener, self._conn):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self._listener = self._conn = None

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(BaseException):
                await self._watch
        self._drop()

    async def __aenter__(self) -> Tunnel:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
