"""A fault-injecting HTTP proxy for tests, in front of a real S3 server (SeaweedFS).

It forwards every request unchanged (the Host header too, so SigV4 signatures stay valid) and, by rules the
test sets, breaks some of them: a transient 503 SlowDown or a dropped connection for the first N requests on a
key, a permanent 403 AccessDenied on chosen keys, a flipped bit in a write or in a ranged read's answer, an
answer body cut short, an answer lost after the server did the work, failed listing pages, an answer held
back (so a test can kill the client at an exact moment), and seeded random faults: whether a request is hit
depends only on the seed, the request's method and key and how many such requests came before, so a run
with the same seed meets the same faults whatever the order of concurrent requests. It counts requests by
method and key, and every fault it injected by kind, so a test can prove what happened and how often.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
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
    flip_read: dict[str, int] = field(default_factory=dict)    # key -> how many reads get one bit flipped
    cut: dict[tuple[str, str], int] = field(default_factory=dict)   # (method, key) -> answers cut mid-body
    lose: dict[tuple[str, str], int] = field(default_factory=dict)  # (method, key) -> answers lost after the work
    listing: list[str] = field(default_factory=list)   # faults for the next listing requests: 503, 500, cut, reset
    hold_complete: set[str] = field(default_factory=set)   # keys whose CompleteMultipartUpload answer is held
    write_delay: float = 0.0                           # seconds each successful write's answer is held back
    latency: float = 0.0                               # seconds every request waits first (a WAN's round trip)
    chaos_seed: int | None = None                      # seeded random faults (see Chaos)
    chaos_rate: float = 0.0
    chaos_kinds: tuple[str, ...] = ("503", "reset", "cut", "lose", "flip")


class FaultProxy(LoopServer):
    """Runs in a thread with its own event loop; ``url`` is its http://127.0.0.1:PORT endpoint."""

    def __init__(self, upstream: str, bucket_in_path: bool = True) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.rules = Rules()
        self.requests: Counter[tuple[str, str]] = Counter()   # (method, key) -> count
        self.writes: Counter[str] = Counter()                 # key -> objects written (PUT or multipart complete)
        self.parts: Counter[tuple[str, int]] = Counter()      # (key, part number) -> part uploads that succeeded
        self.injected: Counter[str] = Counter()               # fault kind -> how many were injected
        self.stamps: list[float] = []                          # monotonic arrival time of every request
        self.held = threading.Event()                         # set when a held Complete answer is waiting
        self.release = threading.Event()                      # set by the test to let held answers go
        self._seen: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.rules = Rules()
            self.requests.clear()
            self.writes.clear()
            self.parts.clear()
            self.injected.clear()
            self.stamps.clear()
            self._seen.clear()
        self.held.clear()
        self.release.clear()

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

    def _chaos(self, method: str, key: str, ranged: bool) -> str:
        """The seeded random fault for this request, or "": a hash of (seed, method, key, n-th such request)."""
        r = self.rules
        if r.chaos_seed is None or not r.chaos_rate:
            return ""
        with self._lock:
            self._seen[(method, key)] += 1
            n = self._seen[(method, key)]
        digest = hashlib.sha256(f"{r.chaos_seed}|{method}|{key}|{n}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= r.chaos_rate:
            return ""
        kinds = [k for k in r.chaos_kinds if k != "flip" or ranged]
        return kinds[digest[4] % len(kinds)] if kinds else ""

    def _count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    @staticmethod
    def _drop(request: web.Request) -> None:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise ConnectionResetError("fault proxy dropped the connection")

    @staticmethod
    def _error(status: int, code: str) -> web.Response:
        return web.Response(status=status, content_type="application/xml", text=(
            f"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{code} (fault proxy)</Message></Error>"))

    async def _cut_answer(self, request: web.Request, status: int, headers: dict[str, str],
                          payload: bytes) -> web.StreamResponse:
        """Send the headers and half the body, then drop the connection."""
        out = web.StreamResponse(status=status, headers=headers)
        out.content_length = len(payload)
        await out.prepare(request)
        await out.write(payload[:len(payload) // 2])
        await asyncio.sleep(0.01)
        self._drop(request)
        return out

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = self._key(request.raw_path.split("?", 1)[0])
        method = request.method
        with self._lock:
            self.requests[(method, key)] += 1
            self.stamps.append(time.monotonic())
        if self.rules.latency:
            await asyncio.sleep(self.rules.latency)
        is_write = method == "PUT" and key
        listing = method == "GET" and not key and "list-type" in request.query
        ranged = method == "GET" and bool(key) and "Range" in request.headers
        fault = ""
        if listing:
            with self._lock:
                fault = self.rules.listing.pop(0) if self.rules.listing else ""
        chaos = self._chaos(method, key, ranged) if key or listing else ""
        if fault in ("503", "500") or chaos == "503":
            await request.read()
            self._count(f"listing-{fault}" if fault else "503")
            return self._error(503, "SlowDown") if (fault or chaos) == "503" else self._error(500, "InternalError")
        if fault == "reset" or chaos == "reset":
            self._count("listing-reset" if fault else "reset")
            self._drop(request)
        if is_write and key in self.rules.forbidden:
            await request.read()
            return self._error(403, "AccessDenied")
        if key and self._take(self.rules.slowdown, key):
            await request.read()
            return self._error(503, "SlowDown")
        if key and self._take(self.rules.reset, key):
            await request.content.read(1024)
            self._drop(request)
        body = await request.read()
        if is_write and body and self._take(self.rules.corrupt, key):
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        async with self._session.request(method, self.upstream + request.raw_path, headers=headers,
                                         data=body if body else None, allow_redirects=False) as up:
            payload = await up.read()
            out_headers = {k: v for k, v in up.headers.items() if k.lower() not in HOP}
            completing = method == "POST" and "uploadId" in request.query
            if up.status == 200:
                with self._lock:
                    if is_write and "uploadId" in request.query:
                        self.parts[(key, int(request.query.get("partNumber", "0")))] += 1
                    elif is_write or completing:
                        self.writes[key] += 1
        if up.status < 300:
            if completing and key in self.rules.hold_complete:
                self.held.set()
                await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            if self.rules.write_delay and (is_write or completing):
                await asyncio.sleep(self.rules.write_delay)
            if self._take(self.rules.lose, (method, key)) or chaos == "lose":  # type: ignore[arg-type]
                self._count("lose")
                self._drop(request)
            if payload and (self._take(self.rules.cut, (method, key)) or chaos == "cut"  # type: ignore[arg-type]
                            or fault == "cut"):
                self._count("listing-cut" if fault else "cut")
                return await self._cut_answer(request, up.status, out_headers, payload)
            reading = method == "GET" and bool(key) and not listing
            if reading and payload and (self._take(self.rules.flip_read, key) or chaos == "flip"):
                self._count("flip")
                at = int.from_bytes(hashlib.sha256(request.headers.get("Range", key).encode()).digest()[:4], "big")
                at %= len(payload)
                payload = payload[:at] + bytes([payload[at] ^ 0x01]) + payload[at + 1:]
        if method == "HEAD":   # no body, but the object's length as the server said it
            out_headers["Content-Length"] = up.headers.get("Content-Length", "0")
            return web.Response(status=up.status, headers=out_headers)
        out = web.Response(status=up.status, body=payload)
        for k, v in out_headers.items():
            out.headers[k] = v
        return out
