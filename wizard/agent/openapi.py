"""The agent's HTTP API described as OpenAPI 3.0; served at ``/v1/openapi.json`` and checked against the live
agent by schemathesis in the tests, so the document and the handlers cannot drift apart."""

from __future__ import annotations

from typing import Any

from wizard import __version__
from wizard.agent.tasks import ACTION_NAMES
from wizard.engine.journal import PASS_COLUMNS
from wizard.task import QPS_MAX, RATE_MAX

STATES = ["created", "queued", "listing", "running", "paused", "cancelled", "completed", "completed_with_failures",
          "ready_for_cutover", "failed"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


INT = {"type": "integer", "minimum": 0}
NUM = {"type": "number", "minimum": 0}
STR = {"type": "string"}
TIME = {"type": "number", "nullable": True, "description": "seconds since the epoch"}
COUNTS = _obj(["objects", "bytes"], objects=INT, bytes=INT)

SCHEMAS: dict[str, Any] = {
    "Error": _obj(["error"], error=_obj(["code", "message"], code=STR, message={
        "type": "string", "description": "one sentence naming what is wrong; never a secret"})),
    "TaskError": {**_obj(["error_class", "code", "message"], error_class=STR, code=STR, message=STR),
                  "nullable": True},
    "Limits": _obj(["qps_limit", "bandwidth_limit"],
                   qps_limit={**NUM, "description": "requests per second for the task, 0 = no limit"},
                   bandwidth_limit={**INT, "description": "bytes per second, 0 = no limit"}),
    "Worker": _obj(["id", "host", "state", "objects_in_flight", "rate_objects", "rate_bytes", "last_heartbeat"],
                   id=STR, host=STR, state={"type": "string", "enum": ["busy", "idle"]}, objects_in_flight=INT,
                   rate_objects=NUM, rate_bytes=NUM,
                   objects_done={**INT, "description": "objects this worker copied in this run (cluster only)"},
                   last_heartbeat={**TIME, "description": "the worker's last report for this task (null: this "
                                   "agent itself, or no report yet)"}),
    "Cluster": {**_obj(["mode", "scheduler", "workers", "waiting"], mode={"type": "string", "enum": ["cluster"]},
                       scheduler={"type": "string", "description": "tls://MASTER_PRIVATE_IP:PORT"}, workers=INT,
                       waiting={"type": "boolean", "description": "the task runs but no worker has joined"},
                       message={"type": "string", "description": "why the task waits"}),
                "nullable": True, "description": "null in local mode (this agent copies)"},
    "Task": _obj(
        ["id", "name", "identity", "source", "destination", "credentials", "state", "color", "pass", "created",
         "started", "finished", "error", "listing", "objects", "bytes", "rate_objects", "rate_bytes", "eta_seconds",
         "failure_classes", "attempts", "actions", "bars", "limits", "workers", "cluster", "cutover", "window"],
        id=STR, name=STR, identity={"type": "string", "description": "the same for the same source, destination "
                                    "and filters"},
        source=STR, destination=STR, state={"type": "string", "enum": STATES},
        credentials={"type": "object", "additionalProperties": STR,
                     "description": "each side's credential reference (env:/keyring:), never a secret"},
        color={"type": "string", "enum": ["green", "yellow", "red"], "nullable": True,
               "description": "green: completed, all copied or skipped (or ready for the cutover); yellow: "
                              "completed, some failed; red: could not run"},
        **{"pass": {"type": "integer", "minimum": 1, "description": "1, then 2 and up for incremental passes"}},
        created={"type": "number"}, started=TIME, finished=TIME, error=_ref("TaskError"),
        listing=_obj(["objects", "bytes", "done"], objects=INT, bytes=INT, done={"type": "boolean"}),
        objects=_obj(["total", "done", "failed", "skipped", "left"], total=INT, done=INT, failed=INT, skipped=INT,
                     left=INT),
        bytes=_obj(["total", "done", "wire", "left", "skipped"], total=INT, done=INT, wire=INT, left=INT,
                   skipped=INT),
        rate_objects=NUM, rate_bytes=NUM,
        eta_seconds={"type": "number", "nullable": True, "description": "null until listing has ended"},
        failure_classes={"type": "object", "additionalProperties": INT},
        attempts={**_obj(["attempts", "retried_objects", "retries"], attempts=INT, retried_objects=INT,
                         retries=INT),
                  "description": "over the task's life: attempts for recorded outcomes, objects that needed more "
                                 "than one, requests retried after transient faults (objects, parts, listing)"},
        actions={**_obj(list(ACTION_NAMES), **{a: {"type": "boolean"} for a in ACTION_NAMES}),
                 "additionalProperties": False,
                 "description": "what the task's state allows now (the agent answers 409 to the rest); clients "
                                "enable only these controls"},
        bars={**_obj(["objects", "bytes", "listing"],
                     objects=_obj(["done", "failed", "total"], done=INT, failed=INT, total=INT),
                     bytes=_obj(["done", "total"], done=INT, total=INT), listing={"type": "boolean"}),
              "description": "what every view shows as progress: done counts copied and skipped files, total "
                             "all files of the task (skipped included); listing is true only while a run lists"},
        last_run={**_obj(["kind", "pass", "copied", "skipped", "failed", "unchanged", "retried", "finished"],
                         kind={"type": "string", "enum": ["run", "retry", "pass", "final"]}, **{"pass": INT},
                         copied=INT, skipped=INT, failed=INT, unchanged=INT, retried=INT,
                         finished={"type": "number"}),
                  "nullable": True,
                  "description": "what the last run that ended did: files copied, skipped and failed by it (for a "
                                 "retry: still failing of the retried), for a pass the files found unchanged"},
        limits=_ref("Limits"), cutover=_ref("Cutover"), window=_ref("Window"),
        workers={"type": "array", "items": _ref("Worker")}, cluster=_ref("Cluster")),
    "Pass": _obj(list(PASS_COLUMNS), **{c: INT for c in PASS_COLUMNS if c not in ("kind", "started", "finished")},
                 kind={"type": "string", "enum": ["first", "delta", "final"]}, started={"type": "number"},
                 finished={"type": "number"}),
    "CutoverSettings": _obj([], every={"oneOf": [NUM, STR], "nullable": True,
                                       "description": "seconds between delta passes (or \"30m\", \"2h\"); 0, "
                                                      "null or absent = only when asked"},
                            small_objects={**INT, "nullable": True, "description": "a pass that finds at most this "
                                           "many new or changed objects is small"},
                            small_bytes={"oneOf": [INT, STR], "nullable": True,
                                         "description": "at most these bytes new or changed (or \"1GiB\")"}),
    "Cutover": _obj(["phase", "pass_kind", "settings", "next_pass_at", "passes", "check"],
                    phase={"type": "string", "enum": ["syncing", "converged", "final", "ready"],
                           "description": "syncing: delta passes go on; converged: the last pass's change set is "
                                          "small, start the final pass; final: it runs (or ended with failures); "
                                          "ready: ready for the cutover"},
                    pass_kind={"type": "string", "enum": ["first", "delta", "final"]},
                    settings=_ref("CutoverSettings"), next_pass_at=TIME,
                    passes={"type": "array", "items": _ref("Pass")},
                    check={**_obj(["done", "mismatched"], done=INT, mismatched=INT,
                                  total={**INT, "nullable": True}),
                           "nullable": True, "description": "the final pass's check of every object at the "
                                                            "destination"}),
    "Window": _obj(["scheduled", "window", "qps_limit", "bandwidth_limit", "until", "override"],
                   scheduled={"type": "boolean", "description": "the task has transfer windows (options.schedule)"},
                   window={"type": "string", "nullable": True, "description": "the window in force, as written "
                           "in the task file; null between windows (the task's own limits hold)"},
                   qps_limit=NUM, bandwidth_limit=INT,
                   until={**TIME, "description": "when the limits next change (null: never)"},
                   override={"type": "boolean", "description": "a limit changed by hand holds until `until`"}),
    "ForecastRequest": _obj(["task"], task={"type": "string", "description": "a task's TOML text (it need not exist)"},
                            credentials={**_obj([], source=_ref("Credentials"), destination=_ref("Credentials")),
                                         "additionalProperties": False},
                            trial_seconds={**NUM, "maximum": 300, "default": 20,
                                           "description": "seconds of trial copying (0: none)"},
                            keep={"type": "boolean", "default": False,
                                  "description": "keep what the trial copied (else it is removed)"}),
    "Forecast": _obj(["estimate", "trial", "time", "sizes", "notes"],
                     estimate=_obj(["objects", "objects_margin", "bytes", "bytes_margin", "exact", "method",
                                    "requests"], objects=INT, objects_margin={**INT, "nullable": True}, bytes=INT,
                                   bytes_margin={**INT, "nullable": True}, exact={"type": "boolean"},
                                   method={"type": "string", "enum": ["exact", "folders", "lower-bound"]},
                                   requests=INT, folders=INT, sampled=INT),
                     trial={"type": "object", "nullable": True}, time={"type": "object", "nullable": True},
                     sizes={"type": "object"}, notes={"type": "array", "items": STR}),
    "ReportRequest": _obj([], lang={"type": "string", "enum": ["en", "zh_CN"], "default": "en"}),
    "Report": _obj(["name", "files", "fingerprint", "public_key", "objects", "ready_for_cutover"],
                   name={"type": "string", "description": "the report's folder, report-<UTC time>"},
                   files={"type": "array", "items": STR}, fingerprint=STR, public_key=STR, objects=INT,
                   ready_for_cutover={"type": "boolean"}),
    "FinalPassRequest": _obj(["writes_stopped"], writes_stopped={"type": "boolean", "enum": [True],
                             "description": "the operator confirms that writes at the source have stopped"}),
    "TaskList": _obj(["tasks"], tasks={"type": "array", "items": _ref("Task")}),
    "NewTask": _obj(["task"], task={"type": "string", "description": "the task file's TOML text (credentials "
                                    "as env:/keyring: references, absolute local paths)"},
                    start={"type": "boolean", "default": True}),
    "Credentials": _obj(["access_key_id", "secret_access_key"], access_key_id=STR, secret_access_key=STR),
    "CheckRequest": _obj(["task"], task={"type": "string", "description": "a task's TOML text"},
                         credentials={**_obj([], source=_ref("Credentials"), destination=_ref("Credentials")),
                                      "additionalProperties": False,
                                      "description": "used for this call only instead of the task's references"}),
    "Check": _obj(["name", "ok", "message", "error_class", "code", "detail"], name=STR, ok={"type": "boolean"},
                  message=STR, error_class=STR, code=STR, detail={"type": "object"}),
    "ProbeRequest": _obj(["side", "location"], side={"type": "string", "enum": ["source", "destination"]},
                         location={"type": "object", "description": "a [source]/[destination] table as JSON"},
                         credentials={**_ref("Credentials")}),
    "SecretRequest": _obj(["name", "access_key_id", "secret_access_key"],
                          name={"type": "string", "pattern": "^[A-Za-z0-9_.\\-]+$"}, access_key_id=STR,
                          secret_access_key=STR),
    "SecretKept": _obj(["credentials"], credentials={"type": "string", "description": "agent:NAME, the reference "
                                                     "a task file names; held in memory until the agent stops"}),
    "TaskProbeRequest": _obj(["side", "credentials"], side={"type": "string", "enum": ["source", "destination"]},
                             credentials=_ref("Credentials")),
    "Probe": _obj(["ok", "checks"], ok={"type": "boolean"}, checks={"type": "array", "items": _ref("Check")}),
    "Checks": _obj(["checks"], checks={"type": "array", "items": _ref("Check")}),
    "Failure": _obj(["id", "key", "size", "error_class", "error_code", "message", "attempts", "last_attempt"],
                    id=INT, key=STR, size={"type": "integer"}, error_class=STR, error_code=STR, message=STR,
                    attempts=INT, last_attempt=TIME),
    "FailurePage": _obj(["items", "next_after", "total"], items={"type": "array", "items": _ref("Failure")},
                        next_after={"type": "integer", "nullable": True,
                                    "description": "pass as `after` for the next page; null at the end"},
                        total=INT),
    "RetryRequest": _obj([], error_class={"type": "string", "description": "only failures of this class"}),
    "Retried": _obj(["retried", "task"], retried=INT, task=_ref("Task")),
    "LimitsPatch": {"type": "object", "minProperties": 1, "properties": {
        "qps_limit": {**NUM, "maximum": QPS_MAX, "description": "0 = no limit"},
        "bandwidth_limit": {"oneOf": [{**INT, "maximum": RATE_MAX},
                                      {"type": "string", "description": "like \"50MiB\", \"80Mbit\"; <= 1TiB/s"}]}}},
    "Deleted": _obj(["deleted", "journal_kept"], deleted=STR, journal_kept={"type": "boolean"}),
    "Agent": _obj(["version", "pid", "started", "tasks"], version=STR, pid=INT, started={"type": "number"},
                  tasks=INT, streams={**INT, "description": "event streams connected now"},
                  connections={"type": "object", "nullable": True, "description": "store connections all tasks "
                               "share (from the open-file limit); a task that does not fit waits queued",
                               "properties": {"total": INT, "free": INT}},
                  cluster={**_obj(["scheduler", "workers"], scheduler=STR,
                                  workers={"type": "array", "items": _ref("Worker")}),
                           "nullable": True, "description": "the cluster this agent is the master of (serve "
                           "--cluster): its scheduler and the workers connected now; null in local mode"}),
}

_ERRORS = {"400": _json(_ref("Error"), "bad input: the message names the field"),
           "401": _json(_ref("Error"), "missing or wrong bearer token"),
           "500": _json(_ref("Error"), "an unexpected error (code internal): one sentence here, the traceback "
                                       "in the agent's log")}
_NOT_FOUND = {"404": _json(_ref("Error"), "no such task")}
_CONFLICT = {"409": _json(_ref("Error"), "not possible in the task's state; the message says why")}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_CLASS = {"name": "error_class", "in": "query", "required": False, "schema": {"type": "string"},
          "description": "only failures of this error class"}


def _op(op_id: str, summary: str, ok: dict[str, Any], *, code: str = "200", body: str | None = None,
        params: list[dict[str, Any]] | None = None, task: bool = True, conflict: bool = False,
        body_required: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "summary": summary, "responses": {code: ok, **_ERRORS}}
    if task:
        op["responses"].update(_NOT_FOUND)
    if conflict:
        op["responses"].update(_CONFLICT)
    if params or task:
        op["parameters"] = (_ID if task else []) + (params or [])
    if body:
        op["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": _ref(body)}}}
    return op


TASK = _json(_ref("Task"), "the task's snapshot")

PATHS: dict[str, Any] = {
    "/v1/openapi.json": {"get": _op("openapi", "This document", _json({"type": "object"}, "OpenAPI 3.0"),
                                    task=False)},
    "/v1/agent": {"get": _op("agent", "The agent: version, pid, when it started",
                             _json(_ref("Agent"), "the agent"), task=False)},
    "/v1/tasks": {
        "get": _op("listTasks", "Every task, oldest first", _json(_ref("TaskList"), "the tasks"), task=False),
        "post": _op("createTask", "Create a task from its TOML text, started unless start is false", TASK,
                    code="201", body="NewTask", task=False, conflict=True)},
    "/v1/checks": {"post": _op("checks", "Pre-flight checks of a task (it need not exist): access, write "
                               "permission, clock, size estimate", _json(_ref("Checks"), "one row per check"),
                               body="CheckRequest", task=False)},
    "/v1/forecast": {"post": _op("forecast", "Forecast a task before it starts: objects and bytes from a sampled "
                                 "listing with a 95% margin, a short trial copy, and the time that gives",
                                 _json(_ref("Forecast"), "the forecast"), body="ForecastRequest", task=False)},
    "/v1/probe": {"post": _op("probe", "Test one side before a task exists: reachable, credentials accepted, "
                              "bucket present, and for a destination a write probe", _json(_ref("Probe"), "checks"),
                              body="ProbeRequest", task=False)},
    "/v1/secrets": {"post": _op("keepSecret", "Hold credentials in the agent's memory only, for its lifetime (when "
                                "there is no usable keyring); never written to a file, never sent back",
                                _json(_ref("SecretKept"), "the reference"), code="201", body="SecretRequest",
                                task=False)},
    "/v1/tasks/{id}": {
        "get": _op("getTask", "One task's snapshot", TASK),
        "delete": _op("deleteTask", "Forget a task (stopped first, uploads aborted); the journal is kept unless "
                      "purge is true", _json(_ref("Deleted"), "deleted"),
                      params=[{"name": "purge", "in": "query", "required": False,
                               "schema": {"type": "boolean", "default": False}}])},
    "/v1/tasks/{id}/events": {"get": _op(
        "taskEvents", "Server-Sent Events: `snapshot` 2-4 times a second while something changes, and discrete "
        "events (`object_failed`, `task_finished`, `state`, `limits`, `lagged`, `deleted`)",
        {"description": "an endless text/event-stream", "content": {"text/event-stream": {"schema": STR}}})},
    "/v1/tasks/{id}/failures": {"get": _op(
        "listFailures", "A page of failed objects, oldest first", _json(_ref("FailurePage"), "a page"),
        params=[_CLASS, {"name": "after", "in": "query", "required": False, "schema": {**INT, "default": 0}},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}])},
    "/v1/tasks/{id}/failures.csv": {"get": _op(
        "exportFailures", "The failed-files CSV (UTF-8 with BOM; key,size,error_class,error_code,message,attempts,"
        "last_attempt)", {"description": "CSV", "content": {"text/csv": {"schema": STR}}}, params=[_CLASS])},
    "/v1/tasks/{id}/retry-failed": {"post": _op(
        "retryFailed", "Copy the failed objects again (all, or one error class)", _json(_ref("Retried"), "queued"),
        body="RetryRequest", body_required=False, conflict=True)},
    "/v1/tasks/{id}/probe": {"post": _op(
        "probeTask", "Test new credentials for one side of this task (used for this call only, kept nowhere)",
        _json(_ref("Probe"), "checks"), body="TaskProbeRequest")},
    "/v1/tasks/{id}/pause": {"post": _op("pauseTask", "Stop cleanly; resume goes on where it stood", TASK,
                                         conflict=True)},
    "/v1/tasks/{id}/resume": {"post": _op("resumeTask", "Run a created, paused or red task (a cancelled one is "
                                          "not resumed: cancel stops for good)", TASK,
                                          conflict=True)},
    "/v1/tasks/{id}/cancel": {"post": _op("cancelTask", "Stop for good; no multipart upload is left behind", TASK,
                                          conflict=True)},
    "/v1/tasks/{id}/limits": {"patch": _op("setLimits", "Change qps_limit and bandwidth_limit while it runs", TASK,
                                           body="LimitsPatch")},
    "/v1/tasks/{id}/final-pass": {"post": _op(
        "finalPass", "The last pass, once writes at the source have stopped: list everything, copy what changed, "
        "check every object at the destination; the task ends ready_for_cutover when nothing failed", TASK,
        body="FinalPassRequest", conflict=True)},
    "/v1/tasks/{id}/cutover": {"put": _op(
        "setCutover", "Delta passes on a timer until a pass's change set is small", TASK,
        body="CutoverSettings")},
    "/v1/tasks/{id}/report": {"post": _op(
        "makeReport", "Write and sign the verification report (manifest.csv, report.json, report.html, "
        "SIGNATURE.json) in the task's folder; the task must not be running", _json(_ref("Report"), "made"),
        code="201", body="ReportRequest", body_required=False, conflict=True)},
    "/v1/tasks/{id}/report/{name}/{file}": {"get": _op(
        "reportFile", "One file of a report made before", {"description": "the file", "content": {
            "text/html": {"schema": STR}, "text/csv": {"schema": STR},
            "application/json": {"schema": {"type": "object"}}}},
        params=[{"name": "name", "in": "path", "required": True, "schema": STR},
                {"name": "file", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": ["manifest.csv", "report.json", "report.html",
                                                       "SIGNATURE.json"]}}])},
    "/v1/tasks/{id}/incremental": {"post": _op(
        "incrementalPass", "Migrate what changed since the last pass: new objects, changed objects and failed ones",
        TASK, conflict=True)},
}


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Migration Wizard agent", "version": __version__,
                 "description": "Tasks that outlive their clients: create, follow, pause, resume, cancel, retry "
                                "failed files, export them, change limits live. Every request needs the bearer "
                                "token from the agent's token file (`migration-agent token`)."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
