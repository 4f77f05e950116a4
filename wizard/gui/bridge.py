"""The one edge between the GUI and the agent: an AgentClient on qasync's loop, its events turned into Qt
signals. Pages call the client's coroutines through ``AgentLink.client()``; nothing here blocks the window.

The agent is the one on this computer, or, in semi-managed mode, the master's (a ``MasterSession``: its API
through an SSH tunnel). Every page asks ``client()``, so every check runs on the agent that will copy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
from typing import Any

from PySide6.QtCore import QObject, Signal

from wizard.agent.client import AgentClient, AgentError, AgentUnavailable, running_agent
from wizard.errors import InputError
from wizard.launch import agent_command
from wizard.remote.direct import DirectMaster
from wizard.remote.session import MasterSession
from wizard.remote.ssh import RemoteError

log = logging.getLogger(__name__)
Master = MasterSession | DirectMaster     # a master reached over SSH (its tunnel), or at an address given


class AgentLink(QObject):
    """The agent the wizard works with (this computer's, started when none runs, or a remote master's), followed
    task by task. The agents outlive the wizard."""

    snapshot = Signal(dict)        # a task snapshot, 2-4 a second while it changes
    happened = Signal(dict)        # object_failed, state, limits, task_finished, lagged, deleted
    lost = Signal(str)             # the stream broke; the link retries by itself

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client: AgentClient | None = None
        self._connecting: asyncio.Lock | None = None
        self._follow: asyncio.Future[None] | None = None
        self.following = ""
        self.session: Master | None = None               # the master chosen; None: the agent on this computer
        self.sessions: dict[str, Master] = {}            # every master this wizard has reached, by host

    @property
    def where(self) -> str:
        """The chosen master's host, "" for the agent on this computer."""
        return self.session.master.host if self.session is not None else ""

    def use_local(self) -> None:
        self.session = None

    def use_remote(self, session: Master) -> None:
        """Work with this master's agent from now on (kept, with its tunnel, until the wizard closes)."""
        old = self.sessions.get(session.master.host)
        if old is not None and old is not session:
            spawn(old.close())
        self.sessions[session.master.host] = session
        self.session = session

    def select(self, where: str) -> None:
        """Choose the agent a task lives on: "" this computer, else a master reached before."""
        self.session = self.sessions[where] if where else None

    async def client(self) -> AgentClient:
        """The client of the chosen agent: a master's through its tunnel, or this computer's, started (detached,
        so it outlives the wizard) when none runs and followed to its new address when it was restarted."""
        session = self.session
        if session is None:
            return await self.local_client()
        try:
            client: AgentClient = await session.client()      # one caller at a time: the session's own lock
        except RemoteError as exc:       # the master (or its agent) cannot be reached: its own sentence
            raise AgentError(0, f"remote:{exc.code}", str(exc)) from None
        return client

    async def local_client(self) -> AgentClient:
        """The client of the agent on this computer, whichever agent is chosen (the start page lists both). One
        caller at a time: at start the pages ask together, and a client made by each would leave all but one
        session unclosed (wizard.log)."""
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            return await self._local()

    async def _local(self) -> AgentClient:
        info = running_agent()
        if self._client is not None and info is not None and info["url"] == self._client.url:
            return self._client
        await self._reset()
        if info is None:
            await asyncio.to_thread(subprocess.run, [*agent_command(), "serve", "--detach"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    timeout=60, check=False)
        self._client = await AgentClient.local()
        return self._client

    def follow(self, task_id: str) -> None:
        """Stream one task's events into the signals (replacing any task followed before)."""
        self.stop()
        self.following = task_id
        self._follow = asyncio.ensure_future(self._stream(task_id))

    def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None
        self.following = ""

    async def close(self) -> None:
        """The clients and tunnels closed; every agent and its tasks go on."""
        self.stop()
        if self._client is not None:
            await self._client.close()
            self._client = None
        for session in self.sessions.values():
            await session.close()

    async def _stream(self, task_id: str) -> None:
        while True:
            try:
                client = await self.client()
                async for event in client.events(task_id):
                    kind = event.get("event")
                    if kind == "snapshot":
                        self.snapshot.emit(event)
                    else:
                        self.happened.emit(event)
                    if kind == "deleted":
                        return
            except asyncio.CancelledError:
                raise
            except AgentUnavailable as exc:
                self.lost.emit(exc.code)
                if self.session is None:     # a remote master's tunnel re-opens by itself, on the same port
                    with contextlib.suppress(Exception):
                        await self._reset()
            except AgentError as exc:
                self.lost.emit(exc.code)
                if exc.status == 404:
                    return
            except Exception:  # a broken stream must not end following: log it and reconnect
                log.exception("event stream of %s broke", task_id)
                self.lost.emit("unavailable")
            await asyncio.sleep(1.0)

    async def _reset(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def payload(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without the stream's own ``event`` key."""
    return {k: v for k, v in snapshot.items() if k != "event"}


def spawn(coro: Any, on_done: Any = None, on_error: Any = None) -> asyncio.Future[Any]:
    """Run a coroutine on qasync's loop; ``on_done(result)`` or ``on_error(code, message)`` on the GUI thread."""
    fut = asyncio.ensure_future(coro)

    def finished(f: asyncio.Future[Any]) -> None:
        if f.cancelled():
            return
        exc = f.exception()
        if exc is None:
            if on_done is not None:
                on_done(f.result())
        elif on_error is not None:
            if isinstance(exc, AgentError):
                on_error(exc.code, exc.message)
            elif isinstance(exc, RemoteError):   # a server over SSH: "remote:CODE" (messages translates it)
                on_error(f"remote:{exc.code}", str(exc))
            elif isinstance(exc, InputError):    # a value refused before anything was sent: its own sentence
                on_error("bad-input", str(exc))
            elif isinstance(exc, OSError):  # a local file (an export) could not be written: disk full, no right
                on_error("io", f"{exc.strerror or exc}: {exc.filename or ''}")
            else:
                log.error("background call failed: %r", exc)
                on_error("internal", str(exc))
        else:
            log.error("background call failed: %r", exc)
    fut.add_done_callback(finished)
    return fut
