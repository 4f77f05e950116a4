"""What a running task tells the outside: progress snapshots (sampled 2-4 times a second) and discrete events.

Each event is a small dataclass with ``to_json``; the CLI prints them as NDJSON with ``--json`` and the agent
service will stream the same dictionaries.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Counters:
    """Live counters the engine bumps; a reporter samples them. Nothing here is per chunk for the GUI."""

    listed_objects: int = 0
    listed_bytes: int = 0
    listing_done: bool = False
    planned_objects: int = 0      # decided to copy (pending at some point)
    planned_bytes: int = 0
    skipped_objects: int = 0
    skipped_bytes: int = 0
    done_objects: int = 0
    done_bytes: int = 0
    failed_objects: int = 0
    failed_bytes: int = 0
    wire_bytes: int = 0           # bytes moved, retries included
    partial_bytes: int = 0        # bytes moved so far of objects still under way (their current attempt)
    in_flight: int = 0            # objects being copied right now
    retries: int = 0              # requests tried again after a transient fault (objects, parts, listing pages)
    found_objects: int = 0        # objects a stopped run had sent, found verified at the destination, not resent
    started: float = field(default_factory=time.monotonic)


@dataclass
class Progress:
    """A snapshot. ``eta_seconds`` is None until listing has ended: no guessed totals."""

    type: str
    listing: dict[str, Any]
    objects: dict[str, int]
    bytes: dict[str, int]
    rate_objects: float
    rate_bytes: float
    eta_seconds: float | None
    elapsed: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ObjectFailed:
    """One object ended failed (after its retries)."""

    key: str
    size: int
    error_class: str
    error_code: str
    message: str
    attempts: int
    type: str = "object_failed"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TaskFinished:
    """The run is over; ``status`` is completed, completed_with_failures, stopped or interrupted."""

    status: str
    objects: dict[str, int]
    bytes: dict[str, int]
    elapsed: float
    message: str = ""
    not_carried: dict[str, int] | None = None    # objects copied without metadata / storage class they had
    attempts: dict[str, int] | None = None       # attempts, retried_objects, retries; this run's retries_now
    verification: dict[str, int] | None = None   # copied objects by proof: "source" or "size-only"
    type: str = "task_finished"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Sampler:
    """Turns counters into Progress with rates over a sliding window of recent samples."""

    def __init__(self, counters: Counters, window: float = 5.0) -> None:
        self.c = counters
        self._window = window
        self._samples: deque[tuple[float, int, int]] = deque()

    def snapshot(self) -> Progress:
        c = self.c
        now = time.monotonic()
        finished = c.done_objects + c.failed_objects
        self._samples.append((now, finished, c.wire_bytes))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()
        t0, n0, b0 = self._samples[0]
        span = now - t0
        rate_o = (finished - n0) / span if span > 0 else 0.0
        rate_b = (c.wire_bytes - b0) / span if span > 0 else 0.0
        done_bytes = min(c.done_bytes + c.partial_bytes, c.planned_bytes)
        left_bytes = max(0, c.planned_bytes - done_bytes - c.failed_bytes)
        left_objects = max(0, c.planned_objects - finished)
        eta = None
        if c.listing_done:
            if left_objects == 0:
                eta = 0.0
            elif rate_b > 0 and left_bytes > 0:
                eta = left_bytes / rate_b
            elif rate_o > 0:
                eta = left_objects / rate_o
        return Progress(
            type="progress",
            listing={"objects": c.listed_objects, "bytes": c.listed_bytes, "done": c.listing_done},
            objects={"total": c.planned_objects, "done": c.done_objects, "failed": c.failed_objects,
                     "skipped": c.skipped_objects, "left": left_objects},
            bytes={"total": c.planned_bytes, "done": done_bytes, "wire": c.wire_bytes, "left": left_bytes},
            rate_objects=round(rate_o, 2), rate_bytes=round(rate_b, 1),
            eta_seconds=None if eta is None else round(eta, 1), elapsed=round(now - c.started, 2))
