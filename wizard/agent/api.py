"""The agent's HTTP API (``/v1``, described by ``openapi.py``) on aiohttp.

Every request carries the bearer token from the agent's token file; without it, or with a wrong one, any path
answers 401 and nothing else. Errors are JSON ``{"error": {"code", "message"}}`` with one sentence. The event
stream is Server-Sent Events: a snapshot 3 times a second while anything changes (a comment line keeps idle
streams open) and discrete events as they happen; a client that goes away does not touch the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
import tomllib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from wizard import __version__
from wizard.agent import openapi, streams
from wizard.agent.cutover import parse_cutover
from wizard.agent.forecasting import check_trial_seconds, forecast_task
from wizard.agent.reports import report_file, write_report
from wizard.agent.streams import Subscriber
from wizard.agent.tasks import Agent, Conflict, ManagedTask, NotFound
from wizard.errors import InputError, MigrationError, StorageError, check_error_class
from wizard.secrets import Credentials, keep_in_memory
from wizard.task import check_qps, parse_rate, parse_task_text

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AGENT_KEY: web.AppKey[Agent] = web.AppKey("agent", Agent)


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)


def make_app(agent: Agent, token: str) -> web.Application:
    """The web application serving ``agent``; ``token`` is what every request must present."""
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            return error(401, "unauthorized", "missing or wrong bearer token (see `migration-agent token`)")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400:
                resp = error(exc.status, "not-found" if exc.status == 404 else "http", exc.reason)
                if "Allow" in exc.headers:  # 405 says which methods the path has (RFC 9110)
                    resp.headers["Allow"] = exc.headers["Allow"]
                return resp
            raise
        except NotFound as exc:
            return error(404, "not-found", str(exc))
        except Conflict as exc:
            return error(409, exc.code, str(exc))
        except InputError as exc:
            return error(400, "bad-input", str(exc))
        except StorageError as exc:  # a store refused while serving a request (pre-flight of a new task)
            return error(400, exc.error_class, exc.message)
        except MigrationError as exc:
            return error(409, "busy", str(exc))
        except Exception as exc:  # a bug: the client gets one JSON sentence, the log the traceback
            log.exception("%s %s failed unexpectedly", request.method, request.path)
            return error(500, "internal", f"the agent failed on this request ({type(exc).__name__}); "
                                          "its log has the details")

    app = web.Application(middlewares=[guard], client_max_size=4 * 1024 * 1024)
    app[AGENT_KEY] = agent
    started = time.time()
    doc = openapi.document()
    r = app.router

    async def get_doc(request: web.Request) -> web.Response:
        return web.json_response(doc)

    async def get_agent(request: web.Request) -> web.Response:
        budget = agent.budget
        streams = sum(len(t.streams) for t in agent.tasks.values())
        return web.json_response({"version": __version__, "pid": os.getpid(), "started": started,
                                  "tasks": len(agent.tasks), "streams": streams,
                                  "connections": None if budget is None else {"total": budget.total,
                                                                              "free": budget.free},
                                  "cluster": None if agent.master is None else {
                                      "scheduler": agent.master.address, "workers": agent.master.rows(None)}})

    r.add_get("/v1/openapi.json", get_doc)
    r.add_get("/v1/agent", get_agent)
    r.add_get("/v1/tasks", _list)
    r.add_post("/v1/tasks", _create)
    r.add_post("/v1/checks", _checks)
    r.add_post("/v1/forecast", _forecast)
    r.add_post("/v1/probe", _probe)
    r.add_post("/v1/secrets", _keep_secret)
    r.add_get("/v1/tasks/{id}", _get)
    r.add_delete("/v1/tasks/{id}", _delete)
    r.add_get("/v1/tasks/{id}/events", _events)
    r.add_get("/v1/tasks/{id}/failures", _failures)
    r.add_get("/v1/tasks/{id}/failures.csv", _export)
    r.add_post("/v1/tasks/{id}/retry-failed", _retry)
    r.add_post("/v1/tasks/{id}/probe", _probe_task)
    for action in ("pause", "resume", "cancel", "incremental"):
        r.add_post(f"/v1/tasks/{{id}}/{action}", _control(action))
    r.add_patch("/v1/tasks/{id}/limits", _limits)
    r.add_post("/v1/tasks/{id}/final-pass", _final_pass)
    r.add_put("/v1/tasks/{id}/cutover", _cutover)
    r.add_post("/v1/tasks/{id}/report", _report)
    r.add_get("/v1/tasks/{id}/report/{name}/{file}", _report_file)
    return app


def _task(request: web.Request) -> ManagedTask:
    return request.app[AGENT_KEY].get(request.match_info["id"])


async def _body(request: web.Request, allowed: set[str]) -> dict[str, Any]:
    """The JSON object of a request; InputError naming what is wrong."""
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.read() or b"{}", parse_constant=_not_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"the request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")
    return data


def _not_json(name: str) -> None:
    raise InputError(f"the request body is not JSON: {name} is not a JSON number")


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str, required: bool = False,
           secret: bool = False) -> Any:
    """One field of a request body; a ``secret`` field's value is never repeated in the error."""
    if name not in data:
        if required:
            raise InputError(f"{name}: is required ({what})")
        return None
    value = data[name]
    if value is None or not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        got = "(the value given is not shown)" if secret else f"got {json.dumps(value)[:60]}"
        raise InputError(f"{name}: expected {what}, {got}")
    return value


def _query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}: expected a whole number, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise InputError(f"{name}: must be between {low} and {high}, got {value}")
    return value


def _query_class(request: web.Request, task: ManagedTask) -> str | None:
    raw = request.query.get("error_class") or None
    return None if raw is None else check_error_class(raw, "error_class", task.failure_classes())


def _query_bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise InputError(f"{name}: expected true or false, got {raw[:40]!r}")
    return raw in ("true", "1")


def _snapshot(task: ManagedTask, status: int = 200) -> web.Response:
    return web.json_response(task.snapshot(), status=status, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)   # NaN is not JSON: a ValueError, a logged 500


async def _get(request: web.Request) -> web.Response:
    return _snapshot(_task(request))


async def _list(request: web.Request) -> web.Response:
    return web.json_response({"tasks": [t.snapshot() for t in request.app[AGENT_KEY]]}, dumps=_dumps)


async def _create(request: web.Request) -> web.Response:
    agent = request.app[AGENT_KEY]
    data = await _body(request, {"task", "start"})
    text = _field(data, "task", str, "the task's TOML text", required=True)
    start = _field(data, "start", bool, "true or false")
    task = await agent.create(text, start=start is not False)
    return _snapshot(task, 201)


async def _checks(request: web.Request) -> web.Response:
    agent = request.app[AGENT_KEY]
    data = await _body(request, {"task", "credentials"})
    text = _field(data, "task", str, "the task's TOML text", required=True)
    return web.json_response({"checks": await agent.check(text, _sides(data))}, dumps=_dumps)


async def _forecast(request: web.Request) -> web.Response:
    data = await _body(request, {"task", "credentials", "trial_seconds", "keep"})
    text = _field(data, "task", str, "the task's TOML text", required=True)
    creds = _sides(data)
    seconds = _field(data, "trial_seconds", (int, float), "seconds of trial copying")
    keep = _field(data, "keep", bool, "true to keep what the trial copies")
    spec = parse_task_text(text)
    answer = await forecast_task(spec, trial_seconds=20.0 if seconds is None else check_trial_seconds(seconds),
                                 keep=bool(keep), credentials=creds)
    return web.json_response(answer, dumps=_dumps)


def _sides(data: dict[str, Any]) -> dict[str, Credentials]:
    """A body's ``credentials`` per side (used for that call only)."""
    given = _field(data, "credentials", dict, "an object with source and/or destination credentials") or {}
    unknown = sorted(set(given) - {"source", "destination"})
    if unknown:
        raise InputError(f"credentials.{unknown[0]}: unknown side (source or destination)")
    return {side: _credentials(value) for side, value in given.items()}


def _credentials(raw: Any) -> Credentials:
    """Inline credentials of a test call; one sentence when they are malformed, never the values."""
    if not isinstance(raw, dict):
        raise InputError("credentials: expected an object with access_key_id and secret_access_key")
    key_id = _field(raw, "access_key_id", str, "the access key ID as text", required=True, secret=True)
    secret = _field(raw, "secret_access_key", str, "the secret as text", required=True, secret=True)
    if not key_id.strip() or not secret:
        raise InputError("credentials: the access key ID and the secret must not be empty")
    return Credentials(key_id.strip(), secret)


async def _keep_secret(request: web.Request) -> web.Response:
    """Hold credentials in this agent's memory for its lifetime (no keyring): the answer is the reference a task
    file then names; the secret is never written anywhere, and never sent back."""
    data = await _body(request, {"name", "access_key_id", "secret_access_key"})
    name = _field(data, "name", str, "a name of letters, digits, '.', '_' and '-'", required=True)
    creds = _credentials({k: v for k, v in data.items() if k != "name"})
    return web.json_response({"credentials": keep_in_memory(name, creds)}, status=201)


async def _probe(request: web.Request) -> web.Response:
    data = await _body(request, {"side", "location", "credentials"})
    side = _field(data, "side", str, "\"source\" or \"destination\"", required=True)
    table = _field(data, "location", dict, "a location table", required=True)
    raw = _field(data, "credentials", dict, "an object with access_key_id and secret_access_key")
    creds = None if raw is None else _credentials(raw)
    return web.json_response(await request.app[AGENT_KEY].probe(table, side, creds), dumps=_dumps)


async def _probe_task(request: web.Request) -> web.Response:
    """Test new credentials for one side of an existing task (its location as the task file has it), before the
    wizard keeps them where the task's reference points."""
    task = _task(request)
    data = await _body(request, {"side", "credentials"})
    side = _field(data, "side", str, "\"source\" or \"destination\"", required=True)
    creds = _credentials(_field(data, "credentials", dict, "access_key_id and secret_access_key", required=True))
    if side not in ("source", "destination"):
        raise InputError(f"side: expected \"source\" or \"destination\", got {side!r}")
    table = tomllib.loads(task.spec.to_toml())[side]
    return web.json_response(await request.app[AGENT_KEY].probe(table, side, creds), dumps=_dumps)


async def _delete(request: web.Request) -> web.Response:
    agent = request.app[AGENT_KEY]
    task_id = request.match_info["id"]
    purge = _query_bool(request, "purge")
    task = agent.get(task_id)
    async with task.control:
        kept = await agent.delete(task_id, purge)
    return web.json_response({"deleted": task_id, "journal_kept": kept})


def _control(action: str) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        task = _task(request)
        async with task.control:
            await getattr(task, action)()
        return _snapshot(task)
    return handle


async def _retry(request: web.Request) -> web.Response:
    task = _task(request)
    data = await _body(request, {"error_class"})
    cls = _field(data, "error_class", str, "an error class like \"permission\"")
    if cls:
        check_error_class(cls, "error_class", task.failure_classes())
    async with task.control:
        n = await task.retry_failed(cls or None)
    return web.json_response({"retried": n, "task": task.snapshot()}, dumps=_dumps)


async def _limits(request: web.Request) -> web.Response:
    task = _task(request)
    data = await _body(request, {"qps_limit", "bandwidth_limit"})
    if not data:
        raise InputError("give qps_limit, bandwidth_limit or both")
    qps = _field(data, "qps_limit", (int, float), "requests per second, 0 = no limit")
    if qps is not None:
        qps = check_qps(qps, "qps_limit")
    raw = _field(data, "bandwidth_limit", (int, str), "bytes per second or a text like \"50MiB\"")
    bandwidth = None if raw is None else parse_rate(raw, "bandwidth_limit")
    async with task.control:
        task.set_limits(qps, bandwidth)
    return _snapshot(task)


async def _final_pass(request: web.Request) -> web.Response:
    task = _task(request)
    data = await _body(request, {"writes_stopped"})
    if _field(data, "writes_stopped", bool, "true: writes at the source have stopped") is not True:
        raise InputError("writes_stopped: confirm with true that writes at the source have stopped: the final "
                         "pass checks every object, and a write after it would not be copied")
    async with task.control:
        await task.final_pass()
    return _snapshot(task)


async def _cutover(request: web.Request) -> web.Response:
    task = _task(request)
    if not request.can_read_body:
        raise InputError("cutover: give the settings as a JSON object (every, small_objects, small_bytes); {} "
                         "turns the timer off")
    data = await _body(request, {"every", "small_objects", "small_bytes"})
    settings = parse_cutover(data, "cutover")
    async with task.control:
        task.set_cutover(settings)
    return _snapshot(task)


async def _report(request: web.Request) -> web.Response:
    task = _task(request)
    data = await _body(request, {"lang"})
    lang = _field(data, "lang", str, "the report's language, en or zh_CN")
    async with task.control:    # no run starts while the manifest is written
        made = await write_report(task, "en" if lang is None else lang)
    return web.json_response(made, status=201, dumps=_dumps)


async def _report_file(request: web.Request) -> web.FileResponse:
    task = _task(request)
    path = report_file(task, request.match_info["name"], request.match_info["file"])
    kind = {".csv": "text/csv; charset=utf-8", ".html": "text/html; charset=utf-8"}.get(path.suffix,
                                                                                          "application/json")
    return web.FileResponse(path, headers={"Content-Type": kind,
                                           "Content-Disposition": f'attachment; filename="{path.name}"'})


async def _failures(request: web.Request) -> web.Response:
    task = _task(request)
    cls = _query_class(request, task)
    after = _query_int(request, "after", 0, 0, 2**62)
    limit = _query_int(request, "limit", 100, 1, 1000)
    rows = task.journal.failures(cls, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    classes = task.failure_classes()   # counted again only when the failed total moved, not once per page
    total = classes.get(cls, 0) if cls else sum(classes.values())
    items = [{"id": r[0], "key": r[1], "size": r[2], "error_class": r[3] or "", "error_code": r[4] or "",
              "message": r[5] or "", "attempts": r[6], "last_attempt": r[7]} for r in rows]
    return web.json_response({"items": items, "next_after": rows[-1][0] if more else None, "total": total},
                             dumps=_dumps)


async def _export(request: web.Request) -> web.StreamResponse:
    task = _task(request)
    cls = _query_class(request, task)
    name = f"{task.spec.name}-failed.csv".encode("ascii", "replace").decode().replace('"', "_")
    resp = web.StreamResponse(headers={"Content-Type": "text/csv; charset=utf-8",
                                       "Content-Disposition": f'attachment; filename="{name}"'})
    await resp.prepare(request)
    for text, _rows in task.journal.failed_csv(cls):
        await resp.write(text.encode("utf-8"))
    await resp.write_eof()
    return resp


async def _events(request: web.Request) -> web.StreamResponse:
    task = _task(request)
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                       "X-Accel-Buffering": "no"})
    await resp.prepare(request)
    if task.streams.closed:   # deleted, or the agent is stopping
        return resp
    transport = request.transport
    sub = Subscriber(lambda: transport is not None and not transport.is_closing())
    task.streams.add(sub)
    try:
        await streams.follow(sub, task.streams, resp.write)
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        return resp  # the client went away; the task does not notice
    finally:
        task.streams.discard(sub)
        with contextlib.suppress(Exception):
            await resp.write_eof()
    return resp


_PARSE_ERRORS = {400: "the request could not be read (a malformed request line, header or body)",
                 413: "the request is too large", 414: "the request's URL is too long",
                 431: "the request's headers are too large"}


class _JsonErrorHandler(RequestHandler):
    """aiohttp's own answers, to a request it could not parse (a bad request line, an over-long URL or headers)
    or after an error outside the middleware, in the API's JSON error shape instead of text/plain."""

    __slots__ = ()

    def handle_error(self, request: BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)   # logs, and refuses once an answer has begun
        if status >= 500:
            log.error("a request failed outside the API's handlers (status %d)", status, exc_info=exc)
        text = _PARSE_ERRORS.get(status, "the agent could not answer this request" if status >= 500
                                 else "the request could not be read")
        code = "internal" if status >= 500 else "bad-request"
        resp = error(status, code, text)
        resp.force_close()
        return resp


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class ApiRunner(web.AppRunner):
    """``web.AppRunner`` whose connections answer even aiohttp's own errors as the API does."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer   # same state; only the handler class it makes per connection differs
        return server
