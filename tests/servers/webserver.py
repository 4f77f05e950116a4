"""A small web server on 127.0.0.1 for URL-list tests: files with and without Content-Length and ETag,
byte ranges, redirects (including a loop) and 404s. Runs in its own thread and event loop."""

from __future__ import annotations

import hashlib
from collections import Counter

from aiohttp import web

from servers.loopserver import LoopServer


class WebServer(LoopServer):
    """Serves ``files`` (path -> bytes); ``/chunked/<path>`` streams without Content-Length or ETag,
    ``/redirect/<path>`` answers 302 to the file, ``/loop`` redirects to itself."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self.files = files
        self.requests: Counter[tuple[str, str]] = Counter()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests[(request.method, path)] += 1
        if path == "/loop":
            raise web.HTTPFound("/loop")
        if path.startswith("/redirect/"):
            raise web.HTTPFound(path[len("/redirect"):])
        if path.startswith("/chunked/"):
            data = self.files.get(path[len("/chunked"):])
            if data is None:
                raise web.HTTPNotFound()
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            if request.method != "HEAD":
                for i in range(0, len(data), 65536):
                    await response.write(data[i:i + 65536])
            await response.write_eof()
            return response
        data = self.files.get(path)
        if data is None:
            raise web.HTTPNotFound()
        headers = {"ETag": f'"{hashlib.sha1(data).hexdigest()}"', "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT",
                   "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        rng = request.http_range
        if rng.start is not None or rng.stop is not None:
            start = rng.start or 0
            stop = min(rng.stop if rng.stop is not None else len(data), len(data))
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
            return web.Response(status=206, body=data[start:stop], headers=headers)
        return web.Response(body=data, headers=headers)
