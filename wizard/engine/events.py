"""What a running task tells the outside: progress snapshots (sampled 2-4 times a second) and discrete events.

Each event is a small dataclass with ``to_json``; the CLI prints them as NDJSON with ``--json`` and the agent
service will stream the same dictionaries.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
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
    """Turns counters into Progress. Rates are measured over a window of completions of this run only (call
    ``rebase`` once counters are loaded from the journal, so what earlier runs did never enters the window as
    a jump); ETA uses an exponentially smoothed rate and is never below what the limits allow."""

    MIN_SPAN = 1.0   # a rate is never taken over less than a second: two samples 10 ms apart are no measure

    def __init__(self, counters: Counters, window: float = 5.0, *, clock: Callable[[], float] = time.monotonic,
                 limits: Callable[[], tuple[float, float]] | None = None, smoothing: float = 10.0) -> None:
        self.c = counters
        self._window = window
        self._clock = clock
        self._limits = limits or (lambda: (0.0, 0.0))
        self._tau = smoothing            # seconds: the time constant of the ETA's smoothed rates
        self._samples: deque[tuple[float, int, int]] = deque()
        self._smooth: tuple[float, float, float] | None = None   # (time, objects/s, bytes/s)

    def rebase(self) -> None:
        """Forget every sample: the counters were just loaded (resume, retry, a new pass), not earned now."""
        self._samples.clear()
        self._smooth = None

    def _rates(self, now: float, finished: int, wire: int) -> tuple[float, float]:
        samples = self._samples
        if samples and (finished < samples[-1][1] or wire < samples[-1][2]):
            samples.clear()          # counters went back (reset from the journal): start measuring again
        samples.append((now, finished, wire))
        while len(samples) > 2 and now - samples[1][0] >= self._window:
            samples.popleft()
        t0, n0, b0 = samples[0]
        span = now - t0
        if span <= 0:
            return 0.0, 0.0
        span = max(span, self.MIN_SPAN)
        return (finished - n0) / span, (wire - b0) / span

    def _smoothed(self, now: float, rate_o: float, rate_b: float) -> tuple[float, float]:
        if self._smooth is None:
            if rate_o <= 0 and rate_b <= 0:
                return 0.0, 0.0
            self._smooth = (now, rate_o, rate_b)
            return rate_o, rate_b
        t, so, sb = self._smooth
        a = 1.0 - math.exp(-max(0.0, now - t) / self._tau)
        so, sb = so + a * (rate_o - so), sb + a * (rate_b - sb)
        self._smooth = (now, so, sb)
        return so, sb

    def snapshot(self) -> Progress:
        c = self.c
        now = self._clock()
        finished = c.done_objects + c.failed_objects
        rate_o, rate_b = self._rates(now, finished, c.wire_bytes)
        qps, bandwidth = self._limits()
        # Every object needs at least one request, and bytes cannot pass faster than the bandwidth limit: a
        # burst of the token bucket never shows as a rate above the limit.
        if qps > 0:
            rate_o = min(rate_o, qps)
        if bandwidth > 0:
            rate_b = min(rate_b, bandwidth)
        smooth_o, smooth_b = self._smoothed(now, rate_o, rate_b)
        done_bytes = min(c.done_bytes + c.partial_bytes, c.planned_bytes)
        left_bytes = max(0, c.planned_bytes - done_bytes - c.failed_bytes)
        left_objects = max(0, c.planned_objects - finished)
        eta = None
        if c.listing_done:
            if left_objects == 0:
                eta = 0.0
            elif smooth_b > 0 and left_bytes > 0:
                eta = left_bytes / smooth_b
            elif smooth_o > 0:
                eta = left_objects / smooth_o
            if eta is not None and left_objects:
                floor = max(left_objects / qps if qps > 0 else 0.0, left_bytes / bandwidth if bandwidth > 0 else 0.0)
                eta = max(eta, floor)
        return Progress(
            type="progress",
            listing={"objects": c.listed_objects, "bytes": c.listed_bytes, "done": c.listing_done},
            objects={"total": c.planned_objects, "done": c.done_objects, "failed": c.failed_objects,
                     "skipped": c.skipped_objects, "left": left_objects},
            bytes={"total": c.planned_bytes, "done": done_bytes, "wire": c.wire_bytes, "left": left_bytes,
                   "skipped": c.skipped_bytes},
            rate_objects=round(max(0.0, rate_o), 2), rate_bytes=round(max(0.0, rate_b), 1),
            eta_seconds=None if eta is None else round(eta, 1), elapsed=round(now - c.started, 2))
