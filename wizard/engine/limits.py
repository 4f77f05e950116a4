"""Token buckets for requests/s and bytes/s shared by the whole agent, plus the throttle brake.

Rates change while a task runs (``set_rate``); 0 means no limit. The clock and sleep are injectable so the
tests check the arithmetic without waiting.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Set by the copier for each object it copies: after the object's first request, its next ones (the write, the
# parts, a retry) go before the first request of another object. Under a low QPS limit a plain FIFO let every
# object in flight read first and write later, so nothing finished for seconds and then everything at once.
object_started: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("object_started", default=None)


class TokenBucket:
    """``rate`` tokens per second, bursts up to ``burst`` (one second's worth by default). FIFO fair."""

    def __init__(self, rate: float = 0, burst: float | None = None, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()          # FIFO among ordinary requests
        self._urgent_lock = asyncio.Lock()   # FIFO among urgent ones, which go first
        self._urgent = 0
        self.set_rate(rate, burst)

    def set_rate(self, rate: float, burst: float | None = None) -> None:
        """Change the rate now; tokens already saved are kept up to the new burst."""
        self.rate = max(0.0, float(rate))
        self.burst = float(burst) if burst else max(self.rate, 1.0)
        self._tokens = min(getattr(self, "_tokens", self.burst), self.burst)
        self._stamp = self._clock()

    async def acquire(self, amount: float = 1.0, urgent: bool = False) -> None:
        """Wait until ``amount`` tokens are available and take them (amounts above the burst go into debt).
        ``urgent`` callers are served before ordinary ones that are waiting."""
        if self.rate <= 0:
            return
        if urgent:
            self._urgent += 1
        try:
            async with self._urgent_lock if urgent else self._lock:
                while True:
                    if self.rate <= 0:
                        return
                    now = self._clock()
                    self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                    self._stamp = now
                    need = min(amount, self.burst)
                    yielding = not urgent and self._urgent > 0
                    if not yielding and self._tokens >= need - 1e-9:  # tolerance: float steps leave no sliver
                        self._tokens -= amount
                        return
                    short = max((need - self._tokens) / self.rate, 0.0)
                    await self._sleep(max(short, 1.0 / self.rate if yielding else 0.001))
        finally:
            if urgent:
                self._urgent -= 1


class Throttle:
    """A brake for the whole task: a 429/SlowDown pauses every new request, longer when it repeats."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
                 base: float = 0.5, cap: float = 20.0) -> None:
        self._clock = clock
        self._sleep = sleep
        self._base = base
        self._cap = cap
        self._until = 0.0
        self._streak = 0
        self.events = 0

    def signal(self) -> float:
        """A store said slow down: extend the pause (exponential in the streak, with jitter); return it."""
        self.events += 1
        self._streak = min(self._streak + 1, 10)
        pause = min(self._cap, self._base * 2 ** (self._streak - 1)) * random.uniform(0.5, 1.0)
        self._until = max(self._until, self._clock() + pause)
        return pause

    def success(self) -> None:
        """A request went through: the streak decays."""
        if self._streak:
            self._streak -= 1

    def remaining(self) -> float:
        """Seconds the brake still holds (what a cluster's master hands to every worker)."""
        return max(0.0, self._until - self._clock())

    def hold(self, seconds: float) -> None:
        """Brake for at least ``seconds`` from now: another process of the task was told to slow down."""
        if seconds > 0:
            self._until = max(self._until, self._clock() + seconds)

    async def wait(self) -> None:
        delay = self._until - self._clock()
        if delay > 0:
            await self._sleep(delay)


class Limits:
    """The agent-wide limits one task's stores share; ``gate`` is called before every request."""

    def __init__(self, qps: float = 0, bandwidth: int = 0, **kw: object) -> None:
        self.requests = TokenBucket(qps, max(qps, 1.0) if qps else None, **kw)  # type: ignore[arg-type]
        # A quarter-second burst keeps the observed rate smooth at the chunk size used on the wire.
        self.bytes = TokenBucket(bandwidth, max(bandwidth / 4, 256 * 1024) if bandwidth else None, **kw)  # type: ignore[arg-type]
        self.throttle = Throttle(**kw)  # type: ignore[arg-type]

    def set(self, qps: float | None = None, bandwidth: int | None = None) -> None:
        """Change limits while running."""
        if qps is not None:
            self.requests.set_rate(qps, max(qps, 1.0) if qps else None)
        if bandwidth is not None:
            self.bytes.set_rate(bandwidth, max(bandwidth / 4, 256 * 1024) if bandwidth else None)

    async def gate(self) -> None:
        await self.throttle.wait()
        started = object_started.get()
        await self.requests.acquire(urgent=bool(started and started[0]))
        if started is not None:
            started[0] = True
