"""Shared plumbing for connectors built on blocking vendor SDKs (oss2, cos-python-sdk-v5).

Each SDK call runs in the store's own thread pool (sized to its connection pool, not Python's small default),
async bodies are handed to the SDK as blocking file-like objects that pull chunks from the event loop, and
blocking response streams are read back chunk by chunk in the pool.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from wizard.storage.base import Body, ObjectInfo, Reader, Store

T = TypeVar("T")
CHUNK = 256 * 1024


class ThreadedStore(Store):
    """A Store whose operations call a blocking SDK in a dedicated pool; ``translate`` maps SDK errors."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{self.name}-sdk")
        self.request_gate: Callable[[], Any] | None = None

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def translate(self, exc: Exception, what: str) -> Exception:
        """The StorageError for an SDK exception (subclasses override)."""
        return exc

    async def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one SDK request in the pool, after the limits' gate; SDK errors become StorageError."""
        if self.request_gate is not None:
            await self.request_gate()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))
        except Exception as exc:
            raise self.translate(exc, what) from None

    def body_file(self, body: Body, size: int) -> Any:
        """What the SDK gets as the request body: bytes as they are, an async stream as a blocking file."""
        if isinstance(body, (bytes, bytearray, memoryview)):
            return bytes(body)
        return BlockingBody(body, size, asyncio.get_running_loop())


class BlockingBody:
    """A blocking, file-like view of an async chunk stream, read by an SDK thread; ``len()`` is the size so the
    SDK sends a Content-Length instead of chunked encoding."""

    def __init__(self, body: Any, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self._it = aiter(body)
        self._size = size
        self._loop = loop
        self._buf = b""
        self._done = False

    def __len__(self) -> int:
        return self._size

    def _next(self) -> bytes:
        async def step() -> bytes:
            try:
                return await anext(self._it)
            except StopAsyncIteration:
                return b""
        return asyncio.run_coroutine_threadsafe(step(), self._loop).result()

    def read(self, n: int = -1) -> bytes:
        out = []
        want = n if n is not None and n >= 0 else None
        while not self._done and (want is None or want > 0):
            if not self._buf:
                self._buf = self._next()
                if not self._buf:
                    self._done = True
                    break
            take = self._buf if want is None else self._buf[:want]
            self._buf = self._buf[len(take):]
            out.append(take)
            if want is not None:
                want -= len(take)
        return b"".join(out)

    def __iter__(self) -> Any:
        while chunk := self.read(CHUNK):
            yield chunk


class BlockingReader(Reader):
    """Reads a blocking response stream (``read(n)``) chunk by chunk in the store's pool."""

    def __init__(self, store: ThreadedStore, raw: Any, info: ObjectInfo, length: int, what: str,
                 close: Callable[[], None]) -> None:
        self._store = store
        self._raw = raw
        self.info = info
        self._left = length
        self._what = what
        self._close = close

    async def chunks(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        try:
            while self._left > 0:
                try:
                    chunk = await loop.run_in_executor(self._store._pool, self._raw.read, min(CHUNK, self._left))
                except Exception as exc:
                    raise self._store.translate(exc, self._what) from None
                if not chunk:
                    break
                self._left -= len(chunk)
                yield chunk
        finally:
            await self.close()

    async def close(self) -> None:
        try:
            self._close()
        except Exception:
            pass
