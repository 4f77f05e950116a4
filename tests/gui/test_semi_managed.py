"""The wizard in semi-managed mode, end to end, offscreen: real OpenSSH servers stand for the master (127.0.0.2)
and two workers (127.0.0.3, 127.0.0.4), each with its own home folder; the agent bundle is deployed to them over
SSH; SeaweedFS is the source and the destination. Host keys are confirmed in the wizard's own dialog."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PySide6.QtWidgets import QApplication, QMessageBox
from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3
from servers.sshd import Sshd, ssh_hosts
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.models.tasks import MASTER_KEY
from wizard.gui.pages.location import OK_COLOR
from wizard.gui.wizard import MODE, OPTIONS, REVIEW, RUN, SOURCE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900),
              pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server is not installed")]
OBJECTS = 2000


@pytest.fixture
def servers(tmp_path: Path, home: Path, agent_tarball: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[list[Sshd], Path]]:
    monkeypatch.setenv("MIGRATION_WIZARD_AGENT_BUNDLES", str(agent_tarball.parent))
    with ssh_hosts(tmp_path, ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) as (hosts, key):
        yield hosts, key


def s3(server: SeaweedS3) -> Any:
    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                        aws_secret_access_key=server.secret_key, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))


def listing(client: Any, bucket: str) -> dict[str, tuple[int, str]]:
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["Size"], o["ETag"])
    return out


def trust_every_host(until: Any, wizard: Any, count: int) -> list[str]:
    """Press "Trust this server" in the next ``count`` host-key dialogs; returns their texts."""
    texts: list[str] = []
    for _ in range(count):
        def box() -> QMessageBox | None:
            return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
                         and w.objectName() == "confirm" and w.text() not in texts), None)
        until(lambda: box() is not None, 60)
        found = box()
        assert found is not None
        texts.append(found.text())
        trust = next(b for b in found.buttons() if b.text() in ("Trust this server", "信任此服务器"))
        trust.click()
    return texts


def fill_mode(wizard: Any, master: Sshd, key: Path | None, workers: list[str], password: str = "") -> Any:
    mode = wizard.mode_page
    mode.remote.setChecked(True)
    mode.host.setText(master.host)
    mode.port.setValue(master.port)
    mode.user.setText(master.user)
    mode.key_file.setText(str(key) if key else "")
    mode.password.setText(password)
    mode.master_ip.setText(master.host)
    mode.workers.setPlainText("\n".join(workers))
    return mode


def fill_s3(page: Any, server: SeaweedS3, bucket: str) -> None:
    page.kind.setCurrentIndex(page.kind.findData("s3"))
    page.region.setEditText("us-east-1")
    page.endpoint.setText(server.endpoint)
    page.bucket.setText(bucket)
    page.key_id.setText(server.access_key)
    page.secret.setText(server.secret_key)
    page.remember.setChecked(False)


def no_secret_anywhere(secrets: list[str], folders: list[Path], pids: list[int]) -> None:
    """No secret in a file under ``folders`` (the servers' homes, the wizard's folder) nor in any process's command
    line, nor in the environment of the processes started on the servers."""
    for folder in folders:
        for path in folder.rglob("*"):
            # (the agent bundle's own files are skipped: the same program everywhere, written before any secret)
            if path.is_file() and not path.is_symlink() \
                    and path.relative_to(folder).parts[:2] != (".migration-wizard", "agent"):
                data = path.read_bytes()
                for s in secrets:
                    assert s.encode() not in data, f"a secret is in {path}"
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            data = cmdline.read_bytes()
        except OSError:
            continue
        for s in secrets:
            assert s.encode() not in data, f"a secret is on the command line of {cmdline.parent.name}"
    for pid in pids:
        environ = Path(f"/proc/{pid}/environ")
        if environ.exists():
            for s in secrets:
                assert s.encode() not in environ.read_bytes(), f"a secret is in the environment of {pid}"


def test_deploy_migrate_add_a_worker_and_reattach(until: Any, make_wizard: Any, service: AgentProcess,
                                                  servers: tuple[list[Sshd], Path], s3_source: SeaweedS3,
                                                  s3_dest: SeaweedS3, src_bucket: str, dst_bucket: str,
                                                  home: Path, loop: Any) -> None:
    (master, w1, w2), key = servers
    source = s3(s3_source)
    bodies = {f"photos/{i // 100:02d}/IMG_{i:05d}.jpg": hashlib.sha256(str(i).encode()).digest() * (1 + i % 40)
              for i in range(OBJECTS)}
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kv: source.put_object(Bucket=src_bucket, Key=kv[0], Body=kv[1]), bodies.items()))

    wizard = make_wizard()
    wizard.start_page.new.click()
    assert wizard.currentId() == MODE
    mode = fill_mode(wizard, master, key, [f"127.0.0.3:{w1.port}"])
    mode.test.click()
    dialogs = trust_every_host(until, wizard, 2)
    assert "127.0.0.2" in dialogs[0] and "SHA256:" in dialogs[0] and "127.0.0.3" in dialogs[1]
    until(lambda: mode.hosts.text().count("✔") == 2, 60)
    assert "logged in, x86_64, no agent yet" in mode.hosts.text()
    wizard.next()                                     # deploy and start: the keys are pinned now, no dialog
    until(lambda: wizard.currentId() == SOURCE, 240)
    assert wizard.link.where == "127.0.0.2"
    assert mode.error.text() == "The master and its workers are running."
    assert mode.error.property("ok") is True and OK_COLOR in mode.error.styleSheet()   # a success is green
    assert (master.home / ".migration-wizard" / "agent" / "migration-agent").exists()
    assert (w1.home / ".migration-wizard" / "worker.log").read_text().count("joined the cluster") >= 1

    fill_s3(wizard.source_page, s3_source, src_bucket)
    wizard.next()
    fill_s3(wizard.destination_page, s3_dest, dst_bucket)
    wizard.next()
    assert wizard.currentId() == OPTIONS
    wizard.options_page.qps.setValue(150)          # slow enough that a worker added on the run page joins in time
    wizard.next()
    assert wizard.currentId() == REVIEW
    review = wizard.review_page
    until(lambda: review.checks.rowCount() >= 5, 60)
    assert all(review.checks.item(r, 1).text() == "Pass" for r in range(review.checks.rowCount()))
    review.name.setText("semi-managed")
    wizard.next()
    until(lambda: wizard.currentId() == RUN, 60)
    run = wizard.run_page
    assert run.worker_box.isVisible()

    done_by: dict[str, int] = {}

    def note(snap: dict[str, Any]) -> None:
        for w in snap.get("workers", []):
            done_by[w["id"]] = max(done_by.get(w["id"], 0), int(w.get("objects_done") or 0))
    wizard.link.snapshot.connect(note)
    until(lambda: run.snap.get("objects", {}).get("done", 0) > 50, 180)
    run.worker_address.setText(f"127.0.0.4:{w2.port}")
    run.add_worker.click()
    trust_every_host(until, wizard, 1)
    until(lambda: "joined" in run.message.text(), 240)
    until(lambda: run.snap.get("state") in ("completed", "completed_with_failures", "failed"), 600)
    assert run.snap["state"] == "completed", run.snap
    assert len([n for n in done_by.values() if n > 0]) == 2, done_by       # the added worker took shards too
    assert listing(s3(s3_dest), dst_bucket) == listing(source, src_bucket)  # byte for byte (MD5 ETags)
    numbers = (run.snap["id"], run.snap["objects"]["done"], run.snap["bytes"]["done"])
    logs = home.parent / "server-logs"
    logs.mkdir()
    run.fetch_logs(str(logs))                         # for the operator: every server's agent log, one file each
    until(lambda: run.message.text().startswith("Saved"), 60)
    assert "joined the cluster" in (logs / "127.0.0.4-worker.log").read_text()
    assert (logs / "127.0.0.2-agent-console.log").exists() or (logs / "127.0.0.2-agent.log").exists()

    wizard.close()                                    # the wizard goes; the master and its task stay
    loop.run_until_complete(wizard.link.close())      # as the program does when its last window closed
    again = make_wizard()
    start = again.start_page
    until(lambda: any(start.model.index(r, 0).data(start.model.SnapshotRole).get(MASTER_KEY) == "127.0.0.2"
                      for r in range(start.model.rowCount())), 60)
    start.open_task(numbers[0])
    until(lambda: again.run_page.snap.get("id") == numbers[0], 60)
    snap = again.run_page.snap
    assert (snap["id"], snap["objects"]["done"], snap["bytes"]["done"]) == numbers
    assert again.link.session is not None and again.link.session.tunnel is not None   # a new tunnel

    # A master attached by the address of its API and its token (the kit's way, the port forwarded by hand: here
    # the master's 127.0.0.1 is this machine's): a wrong token is refused with a sentence, never shown.
    info = json.loads((master.home / ".local/share/migration-wizard/agent/agent.json").read_text())
    token = (master.home / ".local/share/migration-wizard/agent/token").read_text().strip()
    third = make_wizard()
    third.start_page.new.click()
    third.mode_page.attach_to(info["url"], "not-the-token-0815")
    until(lambda: third.mode_page.error.text().startswith("The agent refused the token"), 30)
    assert "not-the-token" not in third.mode_page.error.text() and third.currentId() == MODE
    third.mode_page.attach_to(info["url"], token)
    until(lambda: third.currentId() == SOURCE, 30)
    assert third.link.where == "127.0.0.1" and not third.run_page.worker_box.isVisibleTo(third.run_page)
    assert token not in (home / "config" / "settings.json").read_text()

    pids = [int(info["pid"])]
    pids += [int((w.home / ".migration-wizard" / "worker.pid").read_text()) for w in (w1, w2)]
    no_secret_anywhere([s3_source.secret_key, s3_dest.secret_key], [master.home, w1.home, w2.home, home, logs], pids)


def test_wrong_password_changed_host_key_and_a_silent_worker_are_named(
        until: Any, make_wizard: Any, service: AgentProcess, servers: tuple[list[Sshd], Path], home: Path) -> None:
    (master, _w1, _w2), key = servers
    wizard = make_wizard("zh_CN")
    wizard.start_page.new.click()
    password = "wrong-Passw0rd-4711"
    mode = fill_mode(wizard, master, None, [], password=password)
    mode.test.click()
    trust_every_host(until, wizard, 1)
    until(lambda: "✘" in mode.hosts.text(), 60)
    assert mode.hosts.text() == "✘ 127.0.0.2 拒绝登录：请检查用户名以及密码或密钥。"
    wizard.next()                                     # Next tries again, and refuses with the same sentence
    until(lambda: not mode.busy, 60)
    assert wizard.currentId() == MODE

    silent = socket.socket()
    silent.bind(("127.0.0.9", 0))
    silent.listen()                                   # accepts TCP, never says a word: a host that does not answer
    try:
        fill_mode(wizard, master, key, [f"127.0.0.9:{silent.getsockname()[1]}"])
        mode.test.click()
        until(lambda: "\n" in mode.hosts.text(), 120)
    finally:
        silent.close()
    lines = mode.hosts.text().splitlines()
    assert lines[0].startswith("✔ 127.0.0.2：已登录")
    assert lines[1] == "✘ 127.0.0.9 没有响应：请检查地址、SSH 端口和防火墙。"

    master.new_host_key()
    master.restart()                                  # the same address, another key: reinstalled, or a man in between
    mode.workers.setPlainText("")
    mode.test.click()
    until(lambda: "✘" in mode.hosts.text() and not mode.busy, 60)
    assert mode.hosts.text().startswith("✘ 127.0.0.2 的主机密钥与之前确认的不同")
    assert not list(master.home.rglob("*"))           # nothing was sent to either server
    no_secret_anywhere([password], [home, master.home], [])
