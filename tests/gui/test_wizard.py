"""The wizard offscreen against a real local agent, two SeaweedFS stores, a fault-injecting proxy and a real
Secret Service: a whole walk from the start page to a finished run, export and retry of the failures, closing and
reattaching; every page's validation; the language switch; ``--smoke``."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from agent.test_run_s3 import contents, fill
from PySide6.QtWidgets import QApplication, QLineEdit, QWizard
from servers.agent_service import AgentProcess
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.bridge import AgentLink
from wizard.gui.settings import Settings
from wizard.gui.wizard import DESTINATION, MODE, OPTIONS, REVIEW, RUN, SOURCE, START

CJK = re.compile(r"[\u4e00-\u9fff]")


def fill_s3(page: Any, endpoint: str, bucket: str, key_id: str, secret: str) -> None:
    page.kind.setCurrentIndex(page.kind.findData("s3"))
    page.region.setEditText("us-east-1")
    page.endpoint.setText(endpoint)
    page.bucket.setText(bucket)
    page.key_id.setText(key_id)
    page.secret.setText(secret)


def test_whole_walk_export_retry_and_reattach(until: Any, make_wizard: Any, service: AgentProcess,
                                              s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                              dst_bucket: str, proxy: FaultProxy, home: Path, tmp_path: Path) -> None:
    objects = {f"photos/{i:03d}.jpg": os.urandom(2000 + i) for i in range(40)} | {"中文/说明.txt": "迁移".encode()}
    fill(s3_source, src_bucket, objects)
    denied = {"photos/003.jpg", "photos/017.jpg", "photos/029.jpg"}
    proxy.rules.forbidden.update(denied)

    wizard = make_wizard()
    assert wizard.currentId() == START
    until(lambda: wizard.start_page.status.text() == "", 10)
    wizard.start_page.new.click()
    assert wizard.currentId() == MODE          # where the agent runs comes first: the checks run there
    wizard.next()
    assert wizard.currentId() == SOURCE
    src = wizard.source_page
    fill_s3(src, s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
    src.test.click()
    until(lambda: src.result.text().startswith("✔"), 20)
    wizard.next()
    assert wizard.currentId() == DESTINATION
    dst = wizard.destination_page
    fill_s3(dst, proxy.url, dst_bucket, s3_dest.access_key, s3_dest.secret_key)
    dst.remember.setChecked(False)
    dst.test.click()
    until(lambda: "✔" in dst.result.text() and "✘" not in dst.result.text(), 20)
    wizard.next()
    assert wizard.currentId() == OPTIONS
    wizard.next()
    assert wizard.currentId() == REVIEW
    review = wizard.review_page
    until(lambda: review.checks.rowCount() >= 5, 20)   # access x2, write, clocks, size
    assert wizard.button(QWizard.WizardButton.CommitButton).text() == "Create and start"
    # The forecast: the source counted, a one-second trial copy removed again, no price set yet.
    review.forecast.seconds.setValue(1)
    review.forecast.start.click()
    until(lambda: review.forecast.result.text().startswith("Size: 41 files"), 60)
    text = review.forecast.result.text()
    assert "Trial: " in text and "removed again" in text and "Cost: no price set" in text, text
    assert contents(s3_dest, dst_bucket) == {}            # what the trial copied is gone again
    from wizard.gui.widgets.forecast import PriceDialog
    prices = PriceDialog(review)
    prices.currency.setText("CNY")
    prices.fields["get_per_10k"].setText("-1")
    prices.save()
    assert prices.error.text().startswith("prices.get_per_10k: ") and prices.result() == 0
    prices.fields["get_per_10k"].setText("0.01")
    prices.fields["source_traffic_per_gib"].setText("0.5")
    prices.save()
    review.forecast.show_forecast(review.forecast.found or {})
    assert "Cost: about 0.00 CNY" in review.forecast.result.text()
    assert "PUT requests, per 10,000" in review.forecast.result.text().split("Not set: ")[1]
    review.name.setText("walk")
    wizard.next()
    until(lambda: wizard.currentId() == RUN, 20)
    run = wizard.run_page
    until(lambda: run.state.property("color") == "yellow", 60)
    assert run.snap["objects"]["failed"] == 3 and run.snap["objects"]["done"] == len(objects) - 3
    until(lambda: run.model.rowCount() == 3, 10)

    out = tmp_path / "failed.csv"
    run.export_to(str(out))
    until(out.exists, 10)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["key"] for r in rows} == denied and {r["error_class"] for r in rows} == {"permission"}
    until(lambda: "Exported 3 failed files" in run.message.text(), 10)
    nowhere = tmp_path / "no-such-folder" / "failed.csv"
    run.export_to(str(nowhere))
    until(lambda: run.message.text().startswith("A local file could not be read or written. (No such file"), 10)
    assert not nowhere.parent.exists()

    proxy.clear()
    run.retry.click()
    until(lambda: run.state.property("color") == "green", 60)
    until(lambda: run.model.rowCount() == 0, 10)
    assert contents(s3_dest, dst_bucket) == objects

    # A file changes at the source: "Migrate what changed" copies it and nothing else.
    assert run.incremental.isEnabled()
    proxy.clear()
    fill(s3_source, src_bucket, {"photos/005.jpg": b"edited"})
    run.incremental.click()
    until(lambda: run.snap.get("pass") == 2 and run.state.property("color") == "green", 60)
    assert contents(s3_dest, dst_bucket)["photos/005.jpg"] == b"edited"
    assert set(proxy.writes) == {"photos/005.jpg"}
    done = run.snap["objects"]["done"]
    task_id = run.task_id
    wizard.close()

    # Reopened, the wizard lists the task and shows the agent's numbers again.
    again = make_wizard()
    until(lambda: again.start_page.model.rowCount() == 1, 10)
    again.start_page.table.selectRow(0)
    again.start_page.open.click()
    assert again.currentId() == RUN and again.run_page.task_id == task_id
    until(lambda: again.run_page.snap.get("objects", {}).get("done") == done, 10)
    assert again.run_page.state.property("color") == "green"

    # Deleting the task forgets its one-off keyring entry (destination, not remembered); the remembered one stays.
    import keyring

    from wizard.gui.models.tasks import SnapshotRole
    from wizard.secrets import SERVICE

    task = again.start_page.model.index(0, 0).data(SnapshotRole)
    refs = task["credentials"]
    assert refs["source"] == f"keyring:s3-{s3_source.access_key}" and refs["destination"].startswith("keyring:task-")
    again.start_page.delete_task(task)
    until(lambda: "deleted" in again.start_page.status.text(), 10)
    assert keyring.get_password(SERVICE, refs["destination"].split(":", 1)[1]) is None
    assert keyring.get_password(SERVICE, refs["source"].split(":", 1)[1]) is not None
    assert service.call("GET", "/v1/tasks") == {"tasks": []}

    # The secrets went to the keyring only: never into a file under the app's folders.
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (s3_source.secret_key, s3_dest.secret_key):
                assert secret.encode() not in data, path


def test_every_page_refuses_bad_input_with_a_sentence(make_wizard: Any, service: AgentProcess,
                                                      tmp_path: Path) -> None:
    wizard = make_wizard()
    wizard.start_page.new.click()
    src = wizard.source_page

    def refused(page: Any, start: str) -> None:
        before = wizard.currentId()
        wizard.next()
        assert wizard.currentId() == before
        assert page.error.text().startswith(start), page.error.text()
        assert page.error.isVisible()

    assert wizard.currentId() == MODE
    mode = wizard.mode_page
    mode.remote.setChecked(True)
    mode.host.setText("master.example")
    mode.user.setText("ops")
    mode.key_file.setText(str(tmp_path / "no-such-key"))
    mode.master_ip.setText("172.16.0.94")
    refused(mode, "The private key file does not exist")
    key = tmp_path / "id_ed25519"
    key.write_text("not a real key\n")
    mode.key_file.setText(str(key))
    mode.master_ip.setText("172.16.0.300")
    refused(mode, "The master node private IP must be an IPv4 or IPv6 address")
    mode.master_ip.setText("0.0.0.0")                 # every interface is no one server's address (the kit's rule)
    refused(mode, "The master node private IP must be an IPv4 or IPv6 address")
    mode.master_ip.setText("fd00::94")
    mode.workers.setPlainText("10.0.0.5\nworker-2.internal, bad host!")
    refused(mode, "Not a worker address (host, user@host or host:port): host!")
    mode.workers.setPlainText("10.0.0.5\nroot@worker-2.internal:99999")
    refused(mode, "Not a worker address (host, user@host or host:port): root@worker-2.internal:99999")
    mode.host.setText("-bad-")
    refused(mode, "The SSH address must be a host name or an IP address")
    assert Settings.load().mode == {} and Settings.load().masters == []    # nothing kept from refused entries
    mode.local.setChecked(True)
    wizard.next()
    assert wizard.currentId() == SOURCE

    fill_s3(src, "s3.example.com/path", "bucket-one", "AKID", "secret")
    refused(src, "The endpoint must look like")
    fill_s3(src, "https://s3.example.com", "Bad_Bucket", "AKID", "secret")
    refused(src, "The bucket name is 3-63")
    fill_s3(src, "https://s3.example.com", "bucket-one", "AKID", "")
    refused(src, "The AccessKey Secret is empty")
    src.kind.setCurrentIndex(src.kind.findData("local"))
    src.path.setText(str(tmp_path / "missing"))
    refused(src, "The folder does not exist")
    src.path.setText(str(tmp_path))
    wizard.next()
    assert wizard.currentId() == DESTINATION

    dst = wizard.destination_page
    dst.kind.setCurrentIndex(dst.kind.findData("cos"))
    dst.region.setCurrentText("ap-guangzhou")
    dst.bucket.setText("photos")
    dst.key_id.setText("AKIDxx")
    dst.secret.setText("s")
    refused(dst, "A COS bucket name ends with the account's APPID")
    dst.bucket.setText("photos-1250000000")
    wizard.next()
    assert wizard.currentId() == OPTIONS


def test_language_switch_retranslates_every_page(make_wizard: Any, service: AgentProcess,
                                                 qapp: QApplication) -> None:
    wizard = make_wizard()
    english = {pid: (wizard.page(pid).title(), wizard.page(pid).subTitle()) for pid in wizard.pageIds()}
    wizard.start_page.language.setCurrentIndex(wizard.start_page.language.findData("zh_CN"))
    qapp.processEvents()   # Qt posts the LanguageChange events
    for pid in wizard.pageIds():
        page = wizard.page(pid)
        assert CJK.search(page.title()), (pid, page.title())
        assert page.title() != english[pid][0]
        for edit in page.findChildren(QLineEdit):
            assert not edit.placeholderText() or CJK.search(edit.placeholderText()) or "://" in \
                edit.placeholderText() or "*" in edit.placeholderText(), edit.placeholderText()
    assert CJK.search(wizard.start_page.new.text())
    assert wizard.button(QWizard.WizardButton.NextButton).text() != "&Next >"   # Qt's own buttons translated too
    assert Settings.load().language == "zh_CN"
    wizard.start_page.language.setCurrentIndex(wizard.start_page.language.findData("en"))
    qapp.processEvents()
    assert wizard.start_page.new.text() == "New migration"
    assert wizard.run_page.title() == english[RUN][0]


def test_smoke_exits_zero(home: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MIGRATION_WIZARD_HOME=str(home))
    r = subprocess.run([sys.executable, "-m", "wizard.gui.app", "--smoke"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "translations loaded" in r.stdout


def test_the_wizard_starts_an_agent_that_outlives_it(loop: asyncio.AbstractEventLoop, agent_env: dict[str, str],
                                                     home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.agent.client import running_agent

    for name in ("SRC_ACCESS_KEY_ID", "SRC_SECRET_ACCESS_KEY"):   # the detached agent inherits this environment
        monkeypatch.setenv(name, agent_env[name])
    assert running_agent() is None
    link = AgentLink()

    async def first_contact() -> list[dict[str, Any]]:
        client = await link.client()
        return await client.tasks()

    assert loop.run_until_complete(first_contact()) == []
    info = running_agent()
    assert info is not None
    pid = int((home / "data" / "agent" / "agent.pid").read_text())
    assert info["pid"] == pid

    def stop(pid: int) -> None:
        os.kill(pid, 15)

        async def gone() -> None:
            for _ in range(300):
                if running_agent() is None:
                    return
                await asyncio.sleep(0.1)
        loop.run_until_complete(gone())
        assert running_agent() is None

    # The agent went away (stopped, or crashed and restarted elsewhere): the same link finds or starts one again.
    stop(pid)
    assert loop.run_until_complete(first_contact()) == []
    again = running_agent()
    assert again is not None and again["pid"] != pid
    loop.run_until_complete(link.close())
    assert running_agent() is not None, "the agent keeps running after the wizard let go of it"
    stop(again["pid"])
