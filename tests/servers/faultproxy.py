"""A fault-injecting HTTP proxy for tests, in front of a real S3 server (SeaweedFS).

It forwards every request unchanged (the Host header too, so SigV4 signatures stay valid) and, by rules the
test sets, answers some requests itself: a transient 503 SlowDown or a dropped connection for the first N
requests on a key, or a permanent 403 AccessDenied on chosen keys. It counts requests by method and key, so
a test can prove which objects were written and how often.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import web

from servers.loopserver import LoopServer

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "content-length"}


@dataclass
class Rules:
    """What to break. Keys are object keys (decoded); counts are consumed as requests arrive."""

    forbidden: set[str] = field(default_factory=set)           # 403 AccessDenied on writes of these keys
    slowdown: dict[str, int] = field(default_factory=dict)     # key -> how many 503 SlowDown answers
    reset: dict[str, int] = field(default_factory=dict)        # key -> how many dropped connections
    corrupt: dict[str, int] = field(default_factory=dict)      # key -> how many writes get one byte flipped


class FaultProxy(LoopServer):
    """Runs in a thread with its own event loop; ``url`` is its http://127.0.0.1:PORT endpoint."""

    def __init__(self, upstream: str, bucket_in_path: bool = True) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.rules = Rules()
        self.requests: Counter[tuple[str, str]] = Counter()   # (method, key) -> count
        self.writes: Counter[str] = Counter()                 # key -> objects written (PUT or multipart complete)
        self.parts: Counter[tuple[str, int]] = Counter()      # (key, part number) -> part uploads that succeeded
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.rules = Rules()
            self.requests.clear()
            self.writes.clear()
            self.parts.clear()

    @staticmethod
    def _key(path: str) -> str:
        parts = path.lstrip("/").split("/", 1)
        return unquote(parts[1]) if len(parts) > 1 else ""

    def _take(self, table: dict[str, int], key: str) -> bool:
        with self._lock:
            if table.get(key, 0) > 0:
                table[key] -= 1
                return True
        return False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request.raw_path.split("?", 1)[0])
        method = request.method
        with self._lock:
            self.requests[(method, key)] += 1
        is_write = method == "PUT" and key
        if is_write and key in self.rules.forbidden:
            await request.read()
            return web.Response(status=403, content_type="application/xml", text=(
                "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied (fault proxy)"
                "</Message></Error>"))
        if key and self._take(self.rules.slowdown, key):
            await request.read()
            return web.Response(status=503, content_type="application/xml", text=(
                "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                "</Message></Error>"))
        if key and self._take(self.rules.reset, key):
            await request.content.read(1024)
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise ConnectionResetError("fault proxy dropped the connection")
        body = await request.read()
        if is_write and body and self._take(self.rules.corrupt, key):
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with self._session.request(method, self.upstream + request.raw_path, headers=headers,
                                         data=body if body else None, allow_redirects=False) as up:
            payload = await up.read()
            if up.status == 200:
                with self._lock:
                    if is_write and "uploadId" in request.query:
                        self.parts[(key, int(request.query.get("partNumber", "0")))] += 1
                    elif is_write or (method == "POST" and "uploadId" in request.query):
                        self.writes[key] += 1
            out = web.Response(status=up.status, body=payload)
            for k, v in up.headers.items():
                if k.lower() not in HOP:
                    out.headers[k] = v
            return out
