"""What the agent process holds for all its tasks: open files and the store connections that use them.

Every connection is an open file. The agent raises its soft open-file limit to the hard one at start and gives
the stores' connection pools half of what is left after a reserve (journals, clients, logs); a task whose pools
do not fit waits ``queued`` for connections to come free, in order, instead of failing objects on EMFILE.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from wizard.storage.openfiles import out_of_files

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
RESERVE = 256           # open files kept for journals (4 a task), clients, logs and the listener
DEFAULT_FILES = 1024    # where no limit can be read (Windows)
MIN_BUDGET = 32


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force."""
    if resource is None:  # pragma: no cover - Windows
        return DEFAULT_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = resource.RLIM_INFINITY
    if soft != unlimited:
        # Linux caps at fs.nr_open and macOS at OPEN_MAX even when the hard limit says unlimited: try lower.
        for target in ([] if hard == unlimited else [hard]) + [1 << 20, 65536]:
            if target <= soft or (hard != unlimited and target > hard):
                continue
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            except (ValueError, OSError):
                continue
            soft = target
            break
    log.info("open-file limit: %s (hard %s)", soft, "unlimited" if hard == unlimited else hard)
    return DEFAULT_FILES if soft == unlimited else int(soft)


def connection_budget(open_files: int) -> int:
    """How many store connections all tasks together may open under ``open_files``."""
    return max(MIN_BUDGET, (open_files - RESERVE) // 2)


class ConnectionBudget:
    """Connections shared by every task of the agent, granted first come, first served."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    def fit(self, wanted: int) -> int:
        """What a task asking for ``wanted`` gets: all of it, or the whole budget when it is larger."""
        return max(1, min(wanted, self.total))

    def available(self, n: int) -> bool:
        return not self._waiting and self.free >= n

    async def acquire(self, n: int) -> None:
        """Wait until ``n`` connections are free (``n`` from ``fit``); a cancelled wait takes nothing."""
        if self.available(n):
            self.free -= n
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (n, fut)
        self._waiting.append(entry)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release(n)        # granted and cancelled at the same turn: hand it on
            else:
                self._waiting.remove(entry)
                self._grant()          # the head may have been blocking smaller requests behind it
            raise

    def release(self, n: int) -> None:
        self.free = min(self.total, self.free + n)
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.free:
            n, fut = self._waiting.popleft()
            if fut.done():
                continue
            self.free -= n
            fut.set_result(None)


class QuietResourceErrors:
    """An event-loop exception handler that logs running out of files once a minute with a count, instead of
    asyncio's traceback per failed accept (which filled the rotated log in seconds)."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self.suppressed = 0
        self._last = -every

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not (isinstance(exc, BaseException) and out_of_files(exc)):
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < self.every:
            self.suppressed += 1
            return
        more = f" ({self.suppressed} more since the last line)" if self.suppressed else ""
        log.warning("out of open files: %s: %s%s", context.get("message", "event loop"), exc, more)
        self._last, self.suppressed = now, 0
