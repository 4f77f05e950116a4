"""The cutover assistant against a real agent and real SeaweedFS servers: delta passes converge on a source
changed between passes (counted at a proxy in front of the source), a timer starts the next pass and stops once
a pass's change set is small, and the final pass checks every object and flags one corrupted at the destination
behind the agent's back."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from conftest import agent, s3_side, write_task
from servers.agent_service import AgentProcess
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from test_run_s3 import contents, fill
from test_service import s3_task, small

from wizard.agent.cutover import converged, parse_cutover, phase
from wizard.errors import InputError
from wizard.report.verify import verify_report

ENDED = ("completed", "completed_with_failures", "ready_for_cutover", "failed")


def source_gets(proxy: FaultProxy) -> set[str]:
    """Objects the agent read from the source (GETs of a key; listings have no key)."""
    return {key for (method, key), n in proxy.requests.items() if method == "GET" and key and n}


def test_delta_passes_converge_then_the_final_pass_checks_every_object(
        tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
        dst_bucket: str, src_proxy: FaultProxy) -> None:
    objects = small(40)
    fill(s3_source, src_bucket, objects)
    text = s3_task(tmp_path, src_proxy.url, src_bucket, s3_dest, dst_bucket)
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    first = service.wait_for(tid, *ENDED)
    assert first["state"] == "completed" and len(source_gets(src_proxy)) == 40
    assert first["cutover"]["phase"] == "syncing"
    row = first["cutover"]["passes"][0]
    assert (row["number"], row["kind"], row["listed"], row["new"], row["changed"], row["copied"]) == \
        (1, "first", 40, 40, 0, 40)

    # Pass 2, on demand: 5 objects changed and 2 new at the source since the first copy.
    changed = {f"k/{i:04d}": b"changed %d" % i for i in range(5)} | {"new/a": b"A", "new/b": b"BB"}
    fill(s3_source, src_bucket, changed)
    src_proxy.clear()
    service.call("POST", f"/v1/tasks/{tid}/incremental")
    second = service.wait_for(tid, *ENDED)
    assert source_gets(src_proxy) == set(changed)            # only the change set was read again
    row = second["cutover"]["passes"][1]
    assert (row["kind"], row["listed"], row["new"], row["changed"], row["copied"], row["failed"]) == \
        ("delta", 42, 2, 5, 7, 0)

    # The operator's measure of small: at most 1 object. Pass 2 was not small, so a timer starts pass 3.
    bad = service.request("PUT", f"/v1/tasks/{tid}/cutover", {"every": 10})
    assert bad.status == 400 and "cutover.every: a timer needs to know when to stop" in bad.json()["error"]["message"]
    armed = service.call("PUT", f"/v1/tasks/{tid}/cutover", {"every": 10, "small_objects": 1})
    assert armed["cutover"]["next_pass_at"] == armed["cutover"]["passes"][1]["finished"] + 10
    fill(s3_source, src_bucket, {"k/0010": b"one more change"})
    src_proxy.clear()
    deadline = time.time() + 60
    while time.time() < deadline:
        snap = service.call("GET", f"/v1/tasks/{tid}")
        if len(snap["cutover"]["passes"]) == 3 and snap["state"] in ENDED:
            break
        time.sleep(0.3)
    row = snap["cutover"]["passes"][2]
    assert (row["kind"], row["new"], row["changed"], row["copied"]) == ("delta", 0, 1, 1)
    assert source_gets(src_proxy) == {"k/0010"}
    assert snap["cutover"]["phase"] == "converged" and snap["cutover"]["next_pass_at"] is None   # timer stopped
    assert contents(s3_dest, dst_bucket) == contents(s3_source, src_bucket)

    # Behind the agent's back, one object at the destination is overwritten (same size, other bytes).
    s3_dest.client().put_object(Bucket=dst_bucket, Key="k/0020", Body=b"X" * 100)
    refused = service.request("POST", f"/v1/tasks/{tid}/final-pass", {})
    assert refused.status == 400 and "writes_stopped" in refused.json()["error"]["message"]
    service.call("POST", f"/v1/tasks/{tid}/final-pass", {"writes_stopped": True})
    final = service.wait_for(tid, *ENDED)
    assert final["state"] == "completed_with_failures" and final["cutover"]["phase"] == "final"
    page = service.call("GET", f"/v1/tasks/{tid}/failures")
    assert [(f["key"], f["error_class"], f["error_code"]) for f in page["items"]] == \
        [("k/0020", "mismatch", "DestinationChecksumDiffers")]
    row = final["cutover"]["passes"][3]
    assert (row["kind"], row["checked"], row["mismatched"], row["copied"]) == ("final", 42, 1, 0)

    # Retrying the flagged object copies it again: now the task is ready for the cutover.
    service.call("POST", f"/v1/tasks/{tid}/retry-failed", {})
    ready = service.wait_for(tid, *ENDED)
    assert ready["state"] == "ready_for_cutover" and ready["color"] == "green"
    assert ready["cutover"]["phase"] == "ready" and ready["actions"]["report"]
    assert contents(s3_dest, dst_bucket) == contents(s3_source, src_bucket)

    # The acceptance report, made and signed by the agent, fetched by the client the wizard uses; it verifies,
    # says the task is ready for the cutover, and lists every object in its manifest.
    async def save() -> Path:
        client = service.client()
        try:
            return await client.save_report(tid, "zh_CN", tmp_path / "acceptance")
        finally:
            await client.close()
    saved = service.run(save())
    assert verify_report(saved).ok
    html = (saved / "report.html").read_text(encoding="utf-8")
    assert "可进行业务切换" in html and 'lang="zh-CN"' in html
    with open(saved / "manifest.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 42 and {r["verified_by"].endswith("+final") for r in rows} == {True}
    assert service.request("GET", f"/v1/tasks/{tid}/report/{saved.name}/../task.toml").status in (400, 404)
    assert service.request("GET", f"/v1/tasks/{tid}/report/report-20260101T000000Z/report.html").status == 404


def test_transfer_windows_are_applied_and_shown_on_the_snapshot(
        tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
        dst_bucket: str) -> None:
    """A window covering the whole week holds the task at its limit; the snapshot names it; a limit changed by
    hand overrides it (until the window's end) and says so."""
    fill(s3_source, src_bucket, {f"big/{i}": bytes([i]) * (3 * 1024 * 1024) for i in range(4)})
    text = s3_task(tmp_path, s3_source, src_bucket, s3_dest, dst_bucket,
                   schedule=["daily 00:00-24:00 bandwidth=1MiB"])
    bad = service.request("POST", "/v1/tasks", {"task": text.replace("00:00-24:00", "09:00-25:00")})
    assert bad.status == 400 and bad.json()["error"]["message"].startswith("options.schedule[0]: ")
    tid = service.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    deadline = time.time() + 30
    while (snap := service.call("GET", f"/v1/tasks/{tid}"))["state"] not in ("running", *ENDED):
        assert time.time() < deadline
        time.sleep(0.2)
    assert snap["state"] == "running"
    window = snap["window"]
    assert (window["scheduled"], window["window"], window["bandwidth_limit"], window["override"]) == \
        (True, "daily 00:00-24:00 bandwidth=1MiB", 1024 * 1024, False)
    time.sleep(2)
    done = service.call("GET", f"/v1/tasks/{tid}")["bytes"]["done"]
    assert done < 6 * 1024 * 1024                       # about 1 MiB/s, not the servers' speed
    fast = service.call("PATCH", f"/v1/tasks/{tid}/limits", {"bandwidth_limit": 0})["window"]
    assert (fast["bandwidth_limit"], fast["override"]) == (0, True)
    assert service.wait_for(tid, *ENDED)["state"] == "completed"
    assert service.call("GET", f"/v1/tasks/{tid}")["window"]["scheduled"] is True


def test_cutover_from_the_cli(tmp_path: Path, agent_env: dict[str, str], s3_source: SeaweedS3, s3_dest: SeaweedS3,
                              src_bucket: str, dst_bucket: str) -> None:
    """The same steps headless: run, a delta pass, the final pass (refused until writes are confirmed stopped),
    the report, and its check, which fails after one byte of the manifest is changed."""
    fill(s3_source, src_bucket, small(12))
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "cli-cutover")
    assert agent("run", str(task), env=agent_env).returncode == 0
    fill(s3_source, src_bucket, {"k/0001": b"changed", "late/new": b"new"})
    r = agent("pass", str(task), env=agent_env)
    assert r.returncode == 0 and "pass 2 (delta)" in r.stderr, r.stderr
    r = agent("pass", str(task), "--final", env=agent_env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--writes-stopped" in r.stderr
    r = agent("pass", str(task), "--final", "--writes-stopped", env=agent_env)
    assert r.returncode == 0 and "ready for cutover" in r.stderr, r.stderr
    assert contents(s3_dest, dst_bucket) == contents(s3_source, src_bucket)

    r = agent("report", str(task), "-o", str(tmp_path / "report"), "--lang", "en", env=agent_env)
    assert r.returncode == 0, r.stderr
    assert "Ready for cutover" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    key = agent("report-key", env=agent_env).stdout.split("\n")[0].rsplit(" ", 1)[1]
    r = agent("verify-report", str(tmp_path / "report"), "--public-key", key, env=agent_env)
    assert r.returncode == 0 and r.stdout.startswith("OK: "), r.stdout
    manifest = tmp_path / "report" / "manifest.csv"
    data = bytearray(manifest.read_bytes())
    data[-3] ^= 0x01
    manifest.write_bytes(bytes(data))
    r = agent("verify-report", str(tmp_path / "report"), env=agent_env)
    assert r.returncode == 3 and "manifest.csv was changed after the report was signed" in r.stdout


@pytest.mark.parametrize(("data", "message"), [
    ({"every": "5m"}, "cutover.every: a timer needs to know when to stop"),
    ({"every": 3, "small_objects": 1}, "cutover.every: expected 0 (only when asked) or 10 s to 7 days"),
    ({"every": "soon", "small_objects": 1}, "cutover.every: expected 0 (only when asked)"),
    ({"every": True}, "cutover.every: expected"),
    ({"small_objects": -1}, "cutover.small_objects: expected a whole number"),
    ({"small_objects": 1.5}, "cutover.small_objects: expected a whole number"),
    ({"small_bytes": "lots"}, "cutover.small_bytes: "),
    ({"small_bytes": 0.5}, "cutover.small_bytes: expected a whole number of bytes"),
    ({"often": 1}, "cutover.often: unknown setting"),
])
def test_cutover_settings_are_refused_with_the_field_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_cutover(data)
    assert str(err.value).startswith(message), str(err.value)


def test_cutover_settings_and_convergence() -> None:
    s = parse_cutover({"every": "30m", "small_objects": 10, "small_bytes": "1MiB"})
    assert (s.every, s.small_objects, s.small_bytes) == (1800.0, 10, 1024 * 1024)
    row = {"number": 3, "new": 4, "new_bytes": 100, "changed": 6, "changed_bytes": 1024 * 1024 - 100}
    assert converged(row, s) and phase("completed", "delta", row, s) == "converged"
    assert not converged({**row, "changed": 7}, s) and not converged({**row, "new_bytes": 101}, s)
    assert phase("completed", "delta", row, parse_cutover({})) == "syncing"     # no measure set: never small
    assert phase("completed_with_failures", "final", row, s) == "final"
    assert phase("ready_for_cutover", "final", row, s) == "ready"


def test_forecast_from_the_cli(tmp_path: Path, agent_env: dict[str, str], s3_source: SeaweedS3, s3_dest: SeaweedS3,
                               src_bucket: str, dst_bucket: str) -> None:
    """`migration-agent forecast`: the size counted, a short trial removed again, the time, and the cost by the
    operator's price table (none set at first); a bad trial length is refused in one line."""
    fill(s3_source, src_bucket, small(30, 1000))
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "forecast")
    r = agent("forecast", str(task), "--trial", "1", env=agent_env)
    assert r.returncode == 0, r.stderr
    assert "size: 30 objects, 29.3 KiB (counted)" in r.stderr and "removed again" in r.stderr
    assert "cost: no price set: type the vendors' prices into " in r.stderr
    assert contents(s3_dest, dst_bucket) == {}
    prices = Path(agent_env["MIGRATION_WIZARD_HOME"]) / "config" / "prices.toml"
    prices.parent.mkdir(parents=True, exist_ok=True)
    prices.write_text('currency = "USD"\nget_per_10k = 4.0\n', encoding="utf-8")
    r = agent("forecast", str(task), "--trial", "0", "--json", env=agent_env)
    found = json.loads(r.stdout)
    assert found["trial"] is None and found["cost"]["total"] == 0.01 and "put_per_10k" in found["cost"]["unset"]
    r = agent("forecast", str(task), "--trial", "-1", env=agent_env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("migration-agent: --trial: expected seconds")
