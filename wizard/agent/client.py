"""An async client for the agent's HTTP API: what the CLI uses to reach a running agent and what the wizard uses
for everything. Errors are ``AgentError`` with the agent's code and sentence; nothing here logs the token.

    async with await AgentClient.local() as agent:
        task = await agent.create_task(spec.to_toml())
        async for event in agent.events(task["id"]):
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from wizard.paths import agent_dir


class AgentError(Exception):
    """The agent answered with an error (``status``, ``code``) or could not be reached (``status`` 0)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class AgentUnavailable(AgentError):
    """No agent answers at the address (not started, stopped, or another address)."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "unavailable", message)


def running_agent(folder: Path | None = None) -> dict[str, Any] | None:
    """The address file of the agent running for this user (url, pid, token_file), or None when none runs."""
    path = (folder or agent_dir()) / "agent.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        pid = int(info["pid"])
        if not psutil.pid_exists(pid):     # portable: os.kill(pid, 0) is no liveness check on Windows
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if isinstance(info.get("url"), str) else None


class AgentClient:
    """One connection pool to one agent."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=5)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    async def local(cls, folder: Path | None = None, **kw: Any) -> AgentClient:
        """The agent running for this user, found through its address and token files."""
        info = running_agent(folder)
        if info is None:
            raise AgentUnavailable("no agent is running (start one with `migration-agent serve`)")
        return cls.from_token_file(info["url"], Path(info["token_file"]), **kw)

    @classmethod
    def from_token_file(cls, url: str, path: Path, **kw: Any) -> AgentClient:
        try:
            token = path.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise AgentUnavailable(f"the agent's token file {path} cannot be read ({exc.strerror})") from None
        return cls(url, token, **kw)

    async def __aenter__(self) -> AgentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    params: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (params or {}).items()
                 if v is not None}
        limit = self._timeout if timeout is None else aiohttp.ClientTimeout(total=timeout, connect=5)
        try:
            async with self._http().request(method, self.url + path, json=body, params=query,
                                            timeout=limit) as resp:
                data = await resp.json(content_type=None) if resp.content_length != 0 else None
                if resp.status >= 400:
                    err = (data or {}).get("error", {}) if isinstance(data, dict) else {}
                    raise AgentError(resp.status, err.get("code", "http"), err.get("message", resp.reason or ""))
                return data
        except aiohttp.ClientConnectionError as exc:
            raise AgentUnavailable(f"the agent at {self.url} does not answer ({type(exc).__name__})") from None
        except TimeoutError:
            raise AgentUnavailable(f"the agent at {self.url} did not answer in time") from None

    # -- the API ------------------------------------------------------------------------------------------
    async def agent(self) -> dict[str, Any]:
        return await self._call("GET", "/v1/agent")  # type: ignore[no-any-return]

    async def tasks(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/v1/tasks"))["tasks"]  # type: ignore[no-any-return]

    async def find_task(self, identity: str) -> dict[str, Any] | None:
        """The agent's task with this identity (same source, destination and filters), if it holds one."""
        return next((t for t in await self.tasks() if t["identity"] == identity), None)

    async def create_task(self, toml_text: str, start: bool = True) -> dict[str, Any]:
        return await self._call("POST", "/v1/tasks", {"task": toml_text, "start": start})  # type: ignore[no-any-return]

    async def checks(self, toml_text: str,
                     credentials: dict[str, tuple[str, str]] | None = None) -> list[dict[str, Any]]:
        """Pre-flight checks of a task; ``credentials`` (side -> (key id, secret)) are used for this call only."""
        body: dict[str, Any] = {"task": toml_text}
        if credentials:
            body["credentials"] = {side: {"access_key_id": k, "secret_access_key": s}
                                   for side, (k, s) in credentials.items()}
        return (await self._call("POST", "/v1/checks", body))["checks"]  # type: ignore[no-any-return]

    async def probe(self, side: str, location: dict[str, Any], access_key_id: str | None = None,
                    secret_access_key: str | None = None) -> dict[str, Any]:
        """Test one side (the wizard's "Test connection"); inline credentials are used for this call only."""
        body: dict[str, Any] = {"side": side, "location": location}
        if access_key_id is not None:
            body["credentials"] = {"access_key_id": access_key_id, "secret_access_key": secret_access_key or ""}
        return await self._call("POST", "/v1/probe", body)  # type: ignore[no-any-return]

    async def keep_secret(self, name: str, access_key_id: str, secret_access_key: str) -> str:
        """Have the agent hold credentials in memory for its lifetime; returns the ``agent:NAME`` reference."""
        answer = await self._call("POST", "/v1/secrets", {"name": name, "access_key_id": access_key_id,
                                                          "secret_access_key": secret_access_key})
        return str(answer["credentials"])

    async def probe_task(self, task_id: str, side: str, access_key_id: str, secret_access_key: str) -> dict[str, Any]:
        """Test new credentials for one side of an existing task; they are kept nowhere by the agent."""
        return await self._call("POST", f"/v1/tasks/{task_id}/probe", {  # type: ignore[no-any-return]
            "side": side, "credentials": {"access_key_id": access_key_id, "secret_access_key": secret_access_key}})

    async def task(self, task_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/v1/tasks/{task_id}")  # type: ignore[no-any-return]

    async def delete_task(self, task_id: str, purge: bool = False) -> dict[str, Any]:
        return await self._call("DELETE", f"/v1/tasks/{task_id}", params={"purge": purge})  # type: ignore[no-any-return]

    async def pause(self, task_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/tasks/{task_id}/pause")  # type: ignore[no-any-return]

    async def resume(self, task_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/tasks/{task_id}/resume")  # type: ignore[no-any-return]

    async def cancel(self, task_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/tasks/{task_id}/cancel")  # type: ignore[no-any-return]

    async def incremental(self, task_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/tasks/{task_id}/incremental")  # type: ignore[no-any-return]

    async def set_limits(self, task_id: str, qps_limit: float | None = None,
                         bandwidth_limit: int | str | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("qps_limit", qps_limit), ("bandwidth_limit", bandwidth_limit)) if v is not None}
        return await self._call("PATCH", f"/v1/tasks/{task_id}/limits", body)  # type: ignore[no-any-return]

    async def retry_failed(self, task_id: str, error_class: str | None = None) -> dict[str, Any]:
        body = {"error_class": error_class} if error_class else {}
        return await self._call("POST", f"/v1/tasks/{task_id}/retry-failed", body)  # type: ignore[no-any-return]

    async def failures(self, task_id: str, error_class: str | None = None, after: int = 0,
                       limit: int = 100) -> dict[str, Any]:
        return await self._call("GET", f"/v1/tasks/{task_id}/failures",  # type: ignore[no-any-return]
                                params={"error_class": error_class, "after": after, "limit": limit})

    async def final_pass(self, task_id: str) -> dict[str, Any]:
        """Start the final pass; the caller has asked the operator to confirm that writes have stopped."""
        return await self._call("POST", f"/v1/tasks/{task_id}/final-pass",  # type: ignore[no-any-return]
                                {"writes_stopped": True})

    async def set_cutover(self, task_id: str, settings: dict[str, Any]) -> dict[str, Any]:
        return await self._call("PUT", f"/v1/tasks/{task_id}/cutover", settings)  # type: ignore[no-any-return]

    async def make_report(self, task_id: str, lang: str) -> dict[str, Any]:
        """Have the agent write and sign the verification report; returns its name and files."""
        return await self._call("POST", f"/v1/tasks/{task_id}/report", {"lang": lang})  # type: ignore[no-any-return]

    async def save_report(self, task_id: str, lang: str, folder: str | Path) -> Path:
        """The verification report made and signed by the agent, downloaded into ``folder``/NAME; returns that
        folder (its report.html opens in a browser)."""
        made = await self.make_report(task_id, lang)
        target = Path(folder) / made["name"]
        target.mkdir(parents=True, exist_ok=False)
        for name in made["files"]:
            await self._download(f"/v1/tasks/{task_id}/report/{made['name']}/{name}", target / name)
        return target

    async def forecast(self, task_text: str, trial_seconds: float = 20.0, keep: bool = False,
                       credentials: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
        """The forecast of a task that need not exist: sampled size, a measured trial, the time it should take;
        ``credentials`` (side -> (key id, secret)) are used for this call only."""
        body: dict[str, Any] = {"task": task_text, "trial_seconds": trial_seconds, "keep": keep}
        if credentials:
            body["credentials"] = {side: {"access_key_id": k, "secret_access_key": s}
                                   for side, (k, s) in credentials.items()}
        return await self._call("POST", "/v1/forecast", body,  # type: ignore[no-any-return]
                                timeout=trial_seconds + 120)

    async def export_failed(self, task_id: str, path: str | Path, error_class: str | None = None) -> int:
        """Write the failed-files CSV to ``path``; returns the number of rows."""
        params = {"error_class": error_class} if error_class else {}
        await self._download(f"/v1/tasks/{task_id}/failures.csv", Path(path), params)
        # Rows, not lines: a key or a message may hold a line break inside its quotes.
        with open(path, encoding="utf-8-sig", newline="") as f:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)

    async def _download(self, route: str, path: Path, params: dict[str, str] | None = None) -> None:
        """Stream an answer into ``path`` (written whole or not at all)."""
        try:
            async with self._http().get(f"{self.url}{route}", params=params or {},
                                        timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as resp:
                if resp.status >= 400:
                    err = (await resp.json(content_type=None)).get("error", {})
                    raise AgentError(resp.status, err.get("code", "http"), err.get("message", ""))
                tmp = Path(f"{path}.part")
                try:
                    with open(tmp, "wb") as f:
                        async for chunk in resp.content.iter_chunked(256 * 1024):
                            f.write(chunk)
                    os.replace(tmp, path)
                finally:  # a full disk or a dropped connection leaves no half file behind
                    tmp.unlink(missing_ok=True)
        except aiohttp.ClientConnectionError as exc:
            raise AgentUnavailable(f"the agent at {self.url} does not answer ({type(exc).__name__})") from None

    async def events(self, task_id: str) -> AsyncIterator[dict[str, Any]]:
        """The task's live events (``snapshot``, ``object_failed``, ``state``, ...) as dictionaries with their
        ``event`` name; ends when the agent closes the stream. Break out of the loop to stop listening."""
        url = f"{self.url}/v1/tasks/{task_id}/events"
        try:
            async with self._http().get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as resp:
                if resp.status >= 400:
                    err = (await resp.json(content_type=None)).get("error", {})
                    raise AgentError(resp.status, err.get("code", "http"), err.get("message", ""))
                name, data = "message", list[str]()
                async for raw in resp.content:
                    line = raw.decode("utf-8").rstrip("\r\n")
                    if not line:
                        if data:
                            event = json.loads("\n".join(data))
                            event["event"] = name
                            yield event
                        name, data = "message", list[str]()
                    elif line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip())
        except aiohttp.ClientConnectionError as exc:
            raise AgentUnavailable(f"the agent at {self.url} does not answer ({type(exc).__name__})") from None

    async def wait(self, task_id: str, states: tuple[str, ...] = ("completed", "completed_with_failures",
                                                                  "ready_for_cutover", "failed", "cancelled",
                                                                  "paused"),
                   timeout: float | None = None) -> dict[str, Any]:
        """Follow the event stream until the task reaches one of ``states``; returns its snapshot."""
        async def follow() -> dict[str, Any]:
            async for event in self.events(task_id):
                if event["event"] == "snapshot" and event["state"] in states:
                    return event
            return await self.task(task_id)
        with contextlib.suppress(asyncio.TimeoutError):
            return await asyncio.wait_for(follow(), timeout)
        raise AgentError(0, "timeout", f"task {task_id} did not reach {'/'.join(states)} in {timeout:.0f} s")
