"""A master's API reached without SSH: the operator forwards its port themselves (``ssh -L``, a VPN) and gives
the wizard the address and the token (the manual deployment kit's way). It offers what a ``MasterSession`` offers
the pages that only talk to the agent; deploying and workers need SSH and are not offered. The token is kept in
this object only: never in the settings, a log or an error."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from wizard.errors import InputError
from wizard.remote.ssh import Target


def check_api_address(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port or parts.path not in ("", "/"):
        raise InputError("the agent's API address must look like http://127.0.0.1:PORT (scheme, host and port)")
    return f"{parts.scheme}://{parts.netloc}"


class DirectMaster:
    """``DirectMaster("http://127.0.0.1:8780", token)``: the master's agent at that address."""

    tunnel = None

    def __init__(self, url: str, token: str) -> None:
        if not token.strip():
            raise InputError("the agent's token is empty")
        self.url = check_api_address(url)
        self._token = token.strip()
        self.master = Target(urlsplit(self.url).hostname or "", "")
        self._client: Any = None

    async def client(self) -> Any:
        from wizard.agent.client import AgentClient

        if self._client is None:
            self._client = AgentClient(self.url, self._token)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = None
