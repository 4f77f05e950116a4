"""Bad input through the agent's API (a real agent process): answered 400 with the JSON error shape and one sentence,
nothing created, no credential value repeated, no NaN in any answer; aiohttp's own errors (an over-long URL, a bad
request line, headers too large) in the same JSON shape; an unexpected error a JSON 500 with a line in agent.log."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from conftest import s3_side, write_task
from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3

from wizard.agent.api import ApiRunner, make_app
from wizard.agent.tasks import Agent

PASTED = "pasted/SECRET+example/0000+not+a+real+key"   # a secret has / and +: no reference looks so
PASTED_ID = "PASTED-ACCESS-KEY-ID-EXAMPLE"


def strict_json(data: bytes) -> Any:
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in an answer")
    return json.loads(data, parse_constant=refuse)


def refused(service: AgentProcess, method: str, path: str, body: Any = None, status: int = 400,
            **kw: Any) -> str:
    resp = service.request(method, path, body, **kw)
    assert resp.status == status, (resp.status, resp.data[:300])
    assert resp.headers["Content-Type"].startswith("application/json"), resp.headers
    err = strict_json(resp.data)["error"]
    assert set(err) == {"code", "message"} and "\n" not in err["message"], err
    return str(err["message"])


def task_files(home: Path) -> list[Path]:
    """What a created task leaves: its folder under the agent's tasks, its journal and lock."""
    return sorted(p for p in home.rglob("*") if p.is_file() and ("tasks" in p.parts or "journals" in p.parts))


def toml(tmp_path: Path, source: dict[str, Any], destination: dict[str, Any], name: str = "t",
         **options: Any) -> str:
    return write_task(tmp_path / "x.toml", source, destination, name, **options).read_text(encoding="utf-8")


def test_bad_tasks_are_refused_with_nothing_created(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                                   src_bucket: str, home: Path) -> None:
    src = s3_side(s3_source, src_bucket, "env:SRC")
    other = s3_side(s3_source, "other-bucket", "env:SRC")
    folder = {"kind": "local", "path": str(tmp_path / "in")}
    good = toml(tmp_path, src, other)
    texts = [
        good.replace('name = "t"', 'name = "bad\ud800name"'),            # a lone surrogate (JSON "\ud800")
        good.replace('name = "t"', 'name = "bell\\u0007"'),              # a control character, TOML-escaped
        good.replace('name = "t"', 'name = "two\\nlines"'),
        good.replace('name = "t"', f'name = "{"x" * 201}"'),
        good.replace('bucket = "other-bucket"', 'bucket = "other\ud800"'),
        toml(tmp_path, src, s3_side(s3_source, src_bucket, "env:SRC", prefix="backup/")),   # overlap: inside
        toml(tmp_path, src, s3_side(s3_source.endpoint.replace("127.0.0.1", "localhost"), src_bucket, "env:SRC")),
        toml(tmp_path, folder, {"kind": "local", "path": str(tmp_path / "in" / "backup")}),
        toml(tmp_path, folder, folder),
        toml(tmp_path, src, s3_side(s3_source, "other-bucket", "env:NOPE_MISSING")),   # resolves to nothing
        *[toml(tmp_path, src, other, **{k: v}) for k, v in (
            ("bandwidth_limit", float("inf")), ("qps_limit", float("nan")), ("part_size", "6GiB"),
            ("part_size", float("inf")), ("multipart_threshold", "1MiB"), ("concurrency", 0),
            ("qps_limit", -1), ("bandwidth_limit", "2TiB"))],
    ]
    for text in texts:
        for path in ("/v1/tasks", "/v1/checks"):
            if path == "/v1/checks" and "NOPE_MISSING" in text:
                continue   # a check reports a side it cannot reach as a failed check, not a 400
            refused(service, "POST", path, {"task": text})
    assert task_files(home) == [] and service.call("GET", "/v1/tasks") == {"tasks": []}
    created = service.call("POST", "/v1/tasks", {"task": good, "start": False}, expect=201)
    assert created["name"] == "t" and len([p for p in task_files(home) if p.name == "task.toml"]) == 1


def test_a_pasted_secret_is_never_repeated(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                          src_bucket: str, home: Path) -> None:
    src = s3_side(s3_source, src_bucket, "env:SRC")
    answers: list[str] = []
    for reference in (PASTED, f"{PASTED_ID}:{PASTED}", f"env:{PASTED}", f"keyring:{PASTED}", f"agent:{PASTED}"):
        bad = s3_side(s3_source, "other-bucket", reference)
        for text in (toml(tmp_path, bad, src), toml(tmp_path, src, bad)):
            answers.append(refused(service, "POST", "/v1/tasks", {"task": text}))
            answers.append(refused(service, "POST", "/v1/checks", {"task": text}))
        answers.append(refused(service, "POST", "/v1/probe", {"side": "source", "location": bad}))
    good = toml(tmp_path, src, s3_side(s3_source, "other-bucket", "env:SRC"))
    for creds in ({"access_key_id": [PASTED_ID], "secret_access_key": PASTED},
                  {"access_key_id": PASTED_ID, "secret_access_key": {"s": PASTED}},
                  {"access_key_id": 1234, "secret_access_key": [PASTED]}, {"access_key_id": PASTED_ID}):
        answers.append(refused(service, "POST", "/v1/checks", {"task": good, "credentials": {"source": creds}}))
        answers.append(refused(service, "POST", "/v1/probe", {"side": "source", "location": src,
                                                              "credentials": creds}))
        answers.append(refused(service, "POST", "/v1/secrets", {"name": "n", **creds}))
    # Well-formed but wrong: the store refuses them; the answer says so without either value.
    wrong = {"access_key_id": PASTED_ID, "secret_access_key": PASTED}
    probe = service.call("POST", "/v1/probe", {"side": "source", "location": src, "credentials": wrong})
    checks = service.call("POST", "/v1/checks", {"task": good, "credentials": {"source": wrong}})
    assert probe["ok"] is False
    answers += [json.dumps(probe), json.dumps(checks)]
    assert service.stop() == 0
    logged = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in home.rglob("*.log"))
    for text in [*answers, logged, service.stderr()]:
        assert PASTED not in text and PASTED_ID not in text
    assert task_files(home) == []


def test_limits_are_checked_and_no_nan_is_ever_answered(tmp_path: Path, service: AgentProcess,
                                                        s3_source: SeaweedS3, src_bucket: str) -> None:
    text = toml(tmp_path, s3_side(s3_source, src_bucket, "env:SRC"), s3_side(s3_source, "other-bucket", "env:SRC"),
                qps_limit=5, bandwidth_limit="1MiB")
    tid = service.call("POST", "/v1/tasks", {"task": text, "start": False}, expect=201)["id"]
    path = f"/v1/tasks/{tid}/limits"
    for raw in (b'{"qps_limit": NaN}', b'{"qps_limit": Infinity}', b'{"qps_limit": -Infinity}',
                b'{"qps_limit": 1e400}', b'{"bandwidth_limit": 1e400}', b'{"bandwidth_limit": NaN}'):
        resp = service.http.request("PATCH", service.url + path, body=raw,
                                    headers={"Authorization": f"Bearer {service.token}",
                                             "Content-Type": "application/json"})
        assert resp.status == 400, (raw, resp.status, resp.data)
        assert "\n" not in strict_json(resp.data)["error"]["message"]
    for body in ({"qps_limit": -1}, {"qps_limit": 2e6}, {"qps_limit": "10"}, {"qps_limit": True},
                 {"bandwidth_limit": -1}, {"bandwidth_limit": 2**50}, {"bandwidth_limit": "6TiB"},
                 {"bandwidth_limit": "fast"}, {"bandwidth_limit": [1]}, {}):
        message = refused(service, "PATCH", path, body)
        assert message.startswith(("qps_limit: ", "bandwidth_limit: ", "give ")), message
    assert "from 0 (no limit) to 1,000,000" in refused(service, "PATCH", path, {"qps_limit": -1})
    assert "1TiB/s" in refused(service, "PATCH", path, {"bandwidth_limit": -1})
    snap = strict_json(service.request("GET", f"/v1/tasks/{tid}").data)
    assert snap["limits"] == {"qps_limit": 5, "bandwidth_limit": 1024 * 1024}
    strict_json(service.request("GET", "/v1/tasks").data)
    assert service.call("PATCH", path, {"qps_limit": 0, "bandwidth_limit": "80Mbit"})["limits"] == \
        {"qps_limit": 0, "bandwidth_limit": 10_000_000}


def test_error_classes_are_checked(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3,
                                   src_bucket: str) -> None:
    text = toml(tmp_path, s3_side(s3_source, src_bucket, "env:SRC"), s3_side(s3_source, "other-bucket", "env:SRC"))
    tid = service.call("POST", "/v1/tasks", {"task": text, "start": False}, expect=201)["id"]
    for method, path, body in (("GET", f"/v1/tasks/{tid}/failures?error_class=bogus", None),
                               ("GET", f"/v1/tasks/{tid}/failures.csv?error_class=bogus", None),
                               ("POST", f"/v1/tasks/{tid}/retry-failed", {"error_class": "bogus"})):
        message = refused(service, method, path, body)
        assert message.startswith("error_class: 'bogus' is not an error class (one of ") and "permission" in message
    assert service.call("GET", f"/v1/tasks/{tid}/failures?error_class=permission")["total"] == 0


def raw_http(service: AgentProcess, data: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("request_bytes", [
    b"GET /v1/tasks/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",                 # an over-long URL
    b"GET /v1/agent HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",        # a header too large
    b"GET /v1/agent HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n",
    b"NOT A REQUEST LINE\r\n\r\n",
    b"GET /v1/agent HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /v1/agent HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"GET /v1/agent HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_aiohttps_own_errors_answer_the_apis_json_shape(service: AgentProcess, request_bytes: bytes) -> None:
    status, headers, body = raw_http(service, request_bytes)
    assert 400 <= status < 500 and status != 401, (status, body[:200])
    assert headers["content-type"].startswith("application/json"), headers
    err = strict_json(body.split(b"\r\n", 1)[-1] if headers.get("transfer-encoding") else body)["error"]
    assert err["code"] == "bad-request" and "\n" not in err["message"]
    assert service.call("GET", "/v1/agent")["tasks"] == 0   # the agent goes on


def test_an_unexpected_error_is_a_json_500_with_a_logged_traceback(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[int, str, dict[str, Any]]:
        app = make_app(Agent(tmp_path / "agent"), "t" * 40)

        async def broken(request: web.Request) -> web.Response:
            raise ZeroDivisionError("a bug")
        app.router.add_get("/v1/broken", broken)
        async with TestClient(TestServer(app)) as client:
            resp = await client.get("/v1/broken", headers={"Authorization": "Bearer " + "t" * 40})
            return resp.status, resp.headers["Content-Type"], await resp.json()
    with caplog.at_level(logging.ERROR, logger="wizard.agent.api"):
        status, kind, body = asyncio.run(scenario())
    assert (status, kind.split(";")[0], body["error"]["code"]) == (500, "application/json", "internal")
    assert "ZeroDivisionError" in body["error"]["message"] and "\n" not in body["error"]["message"]
    logged = [r for r in caplog.records if r.name == "wizard.agent.api"]
    assert len(logged) == 1 and "GET /v1/broken" in logged[0].getMessage() and logged[0].exc_info is not None
    assert ApiRunner   # the agent serves through it (server.py), so aiohttp's own errors are JSON too
