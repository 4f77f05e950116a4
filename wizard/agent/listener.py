"""What a client that has not shown the token can hold: a connection whose request headers do not arrive within
``HEADER_TIMEOUT`` seconds is closed, at most ``PER_ADDRESS`` such connections per client address (and ``TOTAL``
in all) are kept, the oldest going first, and an answer 401 closes its connection. So half-open connections cost
a bounded number of open files, and a client that presents the token is always served.

The hooks are aiohttp's ``Server.connection_made`` / ``connection_lost`` (called by every request handler) and
one middleware, outermost, that sees each request once its headers are in.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

HEADER_TIMEOUT = 5.0
PER_ADDRESS = 128           # every local client shares 127.0.0.1: room for 100+ event streams connecting at once
TOTAL = 512
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ClientGuard:
    """Tracks connections that have not sent a whole request yet, and closes those over time or over count."""

    def __init__(self, header_timeout: float = HEADER_TIMEOUT, per_address: int = PER_ADDRESS,
                 total: int = TOTAL) -> None:
        self.header_timeout = header_timeout
        self.per_address = per_address
        self.total = total
        # handler -> (address, transport, timer), oldest first
        self._pending: OrderedDict[Any, tuple[str, asyncio.Transport, asyncio.TimerHandle]] = OrderedDict()
        self._by_address: dict[str, int] = {}
        self.closed = 0             # connections this guard closed (timeouts and evictions)

    def install(self, server: web.Server) -> None:
        """Hook into ``server`` (``AppRunner.server`` after ``setup``)."""
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: Any, transport: asyncio.Transport) -> None:
            made(handler, transport)
            self._opened(handler, transport)

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            self._forget(handler)
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Outermost: the request's headers are in; an unauthenticated answer does not keep the connection."""
        self._forget(request.protocol)
        response = await handler(request)
        if response.status == 401:
            response.force_close()
        return response

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _opened(self, handler: Any, transport: asyncio.Transport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if self._by_address.get(address, 0) >= self.per_address:
            self._close(next(h for h, (a, _t, _h) in self._pending.items() if a == address))
        if len(self._pending) >= self.total:
            self._close(next(iter(self._pending)))
        timer = asyncio.get_running_loop().call_later(self.header_timeout, self._close, handler)
        self._pending[handler] = (address, transport, timer)
        self._by_address[address] = self._by_address.get(address, 0) + 1

    def _forget(self, handler: Any) -> tuple[str, asyncio.Transport, asyncio.TimerHandle] | None:
        entry = self._pending.pop(handler, None)
        if entry is not None:
            address, _transport, timer = entry
            timer.cancel()
            left = self._by_address[address] - 1
            if left:
                self._by_address[address] = left
            else:
                del self._by_address[address]
        return entry

    def _close(self, handler: Any) -> None:
        entry = self._forget(handler)
        if entry is not None:
            self.closed += 1
            entry[1].abort()    # the open file goes now, not after a FIN handshake with a client that stalls
