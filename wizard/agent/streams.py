"""Live event streams of one task: every event is encoded once and shared by all its subscribers, and one ticker
per task samples the snapshot for all of them (a subscriber costs a few list appends, not a sampler).

A subscriber drains everything queued in one write. Only ``object_failed`` can be dropped for a client that
falls behind (it then gets ``lagged`` and the current snapshot, and pages the failures); state changes, the end
and the other rare events are always delivered. The ticker also notices a client that went away, at once
rather than at the next keep-alive write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
SNAPSHOT_EVERY = 0.33        # seconds: 3 snapshots a second while anything changes
KEEPALIVE_EVERY = 15.0       # a comment line keeps an idle stream open through proxies and tunnels
COALESCE = 0.05             # seconds object_failed events gather before a write: fewer, larger writes per client
BACKLOG = 5000               # object_failed events kept for a client that is behind; beyond: dropped, `lagged`
DROPPABLE = frozenset({"object_failed"})


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class Subscriber:
    """One client's stream: encoded events waiting for its next write."""

    def __init__(self, alive: Callable[[], bool] = lambda: True) -> None:
        self.chunks: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.alive = alive          # False once the client's connection is gone
        self.dropped = 0
        self.ended = False          # write what is queued, then end the stream
        self.urgent = False         # something queued that goes out at once (anything but object_failed)
        self._droppable = 0
        self._snapshot_at = -1      # index in chunks of a queued, not yet written snapshot (coalesced)

    def put(self, chunk: bytes, droppable: bool = False) -> None:
        if droppable:
            if self._droppable >= BACKLOG:
                self.dropped += 1
                return
            self._droppable += 1
        else:
            self.urgent = True
        self.chunks.append(chunk)
        self.wake.set()

    def put_snapshot(self, chunk: bytes) -> None:
        """A snapshot replaces one still queued after the last event: a slow client gets the newest, not all."""
        if self._snapshot_at == len(self.chunks) - 1 >= 0:
            self.chunks[-1] = chunk
        else:
            self.chunks.append(chunk)
            self._snapshot_at = len(self.chunks) - 1
        self.urgent = True
        self.wake.set()

    def take(self) -> list[bytes]:
        """Everything queued, in order; the subscriber is empty afterwards."""
        out = list(self.chunks)
        self.chunks.clear()
        self._droppable = 0
        self._snapshot_at = -1
        self.urgent = False
        self.wake.clear()
        return out

    def end(self) -> None:
        self.ended = True
        self.wake.set()


class Broadcaster:
    """A task's subscribers, and the one ticker that samples ``snapshot`` for them while any is connected."""

    def __init__(self, snapshot: Callable[[], dict[str, Any]], every: float = SNAPSHOT_EVERY) -> None:
        self._snapshot = snapshot
        self._every = every
        self.subscribers: set[Subscriber] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._last: dict[str, Any] | None = None
        self.last_chunk = b""
        self.closed = False

    def __len__(self) -> int:
        return len(self.subscribers)

    def add(self, sub: Subscriber) -> None:
        """Join; the newcomer gets the current snapshot at once."""
        before = self.last_chunk
        chunk = self.sample(force=not before)
        for other in self.subscribers if chunk is not before else ():
            other.put_snapshot(chunk)
        self.subscribers.add(sub)
        sub.put_snapshot(chunk)
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick())

    def discard(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        if not self.subscribers and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
            self._last, self.last_chunk = None, b""

    def publish(self, event: dict[str, Any]) -> None:
        """A discrete event, encoded once for every subscriber."""
        if not self.subscribers:
            return
        kind = str(event.get("type", "event"))
        chunk = sse(kind, event)
        droppable = kind in DROPPABLE
        for sub in self.subscribers:
            sub.put(chunk, droppable)

    def sample(self, force: bool = False) -> bytes:
        """The current snapshot, encoded; ``last_chunk`` stays the same object while nothing changed."""
        snap = self._snapshot()
        if force or snap != self._last:
            self._last, self.last_chunk = snap, sse("snapshot", snap)
        return self.last_chunk

    @property
    def state(self) -> str | None:
        """The task's state in the last snapshot taken."""
        return None if self._last is None else self._last.get("state")

    def end_all(self) -> None:
        """Every stream writes what it has queued and ends (task deleted, agent stopping)."""
        self.closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        for sub in self.subscribers:
            sub.end()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            for sub in [s for s in self.subscribers if not s.alive()]:
                sub.end()          # the client went away: its handler returns now
            before = self.last_chunk
            try:
                chunk = self.sample()
            except Exception:      # a snapshot that cannot be taken must not kill every stream of the task
                log.exception("snapshot for the event streams failed")
                continue
            if chunk is not before:
                for sub in self.subscribers:
                    sub.put_snapshot(chunk)


async def follow(sub: Subscriber, broadcaster: Broadcaster, write: Callable[[bytes], Any]) -> None:
    """Write ``sub``'s events as they come, all that is queued in one write, until it ends; ``write`` is the
    response's write coroutine function. Returns when the stream ended or the client went away."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sub.wake.wait(), KEEPALIVE_EVERY)
        if not sub.alive():
            return
        if sub.chunks and not (sub.urgent or sub.ended):
            await asyncio.sleep(COALESCE)   # failures come in bursts: one write for the burst, not one each
        chunks = sub.take()
        if sub.dropped:   # what it missed is in the failures pages; the current state comes right after
            current = broadcaster.sample(force=True)
            chunks.append(sse("lagged", {"type": "lagged", "dropped": sub.dropped, "state": broadcaster.state}))
            chunks.append(current)
            sub.dropped = 0
        if not chunks and not sub.ended:
            chunks = [b": keep-alive\n\n"]
        if chunks:
            await write(b"".join(chunks))
        if sub.ended:
            return
