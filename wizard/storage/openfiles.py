"""Running out of open files (EMFILE/ENFILE) is this machine's problem, not the store's: connectors class it here,
in one place, as a retryable ``local`` error, and a connection attempt that hit it waits and tries again."""

from __future__ import annotations

import asyncio
import errno
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from wizard.errors import Action, StorageError

T = TypeVar("T")
WAIT = 60.0          # seconds a connection attempt waits for open files before its object retries as usual


def out_of_files(exc: BaseException) -> bool:
    """EMFILE/ENFILE, also wrapped (aiohttp's ClientConnectorError as ``os_error``, urllib3 as ``reason``, SDK
    errors as the cause or context of what they raise)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.errno in (errno.EMFILE, errno.ENFILE):
            return True
        for inner in (getattr(cur, "os_error", None), getattr(cur, "reason", None),
                      getattr(cur, "exception", None), cur.__cause__, cur.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)
    return False


def local_resource(what: str) -> StorageError:
    """The retryable error of an operation that found this machine out of open files."""
    return StorageError(Action.RETRY, "local", "TooManyOpenFiles",
                        f"{what}: this machine has too many open files (the agent waits for some to close)")


async def retry_when_out_of_files(send: Callable[[], Awaitable[T]], what: str, wait: float = WAIT) -> T:
    """``await send()``; while it fails for want of open files, wait (up to ``wait`` seconds) and send again,
    then raise ``local_resource``. Only for sends that failed before anything went out (connecting)."""
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return await send()
        except Exception as exc:
            if not out_of_files(exc):
                raise
            if time.monotonic() >= deadline:
                raise local_resource(what) from None
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
