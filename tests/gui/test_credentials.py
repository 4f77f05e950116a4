"""Credentials in the wizard, against a real agent and SeaweedFS: without a usable keyring the wizard says so in one
sentence, offers to keep the secrets only while the agent runs, never hangs and records nothing that did not
happen; an agent without keyring access names that reason; a remembered AccessKey ID brings its secret back, and
a different secret for it is never written without the operator confirming (the older task keeps running)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from agent.test_run_s3 import contents, fill
from conftest import s3_side, write_task
from keyring.backends import fail
from PySide6.QtWidgets import QMessageBox, QPushButton
from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.settings import Settings
from wizard.gui.wizard import DESTINATION, REVIEW, RUN, SOURCE
from wizard.logs import log_to_file
from wizard.paths import log_dir
from wizard.secrets import SERVICE, Credentials, store_in_keyring


@pytest.fixture
def no_keyring(agent_env: dict[str, str], home: Path) -> Iterator[AgentProcess]:
    """The wizard and its agent on a machine without a usable keyring (keyring's own "fail" backend)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    proc = AgentProcess(dict(agent_env, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"), home).start()
    try:
        yield proc
    finally:
        keyring.set_keyring(previous)
        if proc.proc is not None and proc.proc.poll() is None:
            proc.stop()


@pytest.fixture
def wizard_log(home: Path) -> Iterator[Path]:
    """wizard.log as the app writes it (the root logger's rotating file)."""
    root = logging.getLogger()
    before = list(root.handlers)
    log_to_file("wizard.log", 1024 * 1024)
    yield log_dir() / "wizard.log"
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def fill_s3(page: Any, endpoint: str, bucket: str, key_id: str, secret: str, prefix: str = "") -> None:
    page.kind.setCurrentIndex(page.kind.findData("s3"))
    page.region.setEditText("us-east-1")
    page.endpoint.setText(endpoint)
    page.bucket.setText(bucket)
    page.prefix.setText(prefix)
    page.key_id.setText(key_id)
    page.secret.setText(secret)


def to_review(wizard: Any, until: Any) -> Any:
    while wizard.currentId() != REVIEW:
        before = wizard.currentId()
        wizard.next()
        assert wizard.currentId() != before, (before, getattr(wizard.currentPage(), "error", None))
    until(lambda: wizard.review_page.checks.rowCount() >= 3, 30)
    return wizard.review_page


def test_no_keyring_one_sentence_a_choice_no_hang_nothing_recorded(
        until: Any, make_wizard: Any, no_keyring: AgentProcess, wizard_log: Path, s3_dest: SeaweedS3,
        dst_bucket: str, tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    files = {f"{i}.jpg": bytes([i]) * 1000 for i in range(5)}
    for name, data in files.items():
        (folder / name).write_bytes(data)

    wizard = make_wizard()
    start = wizard.start_page
    until(lambda: start.keyring_note.isVisible())
    assert start.keyring_note.text().startswith("No usable system keyring (NoKeyringError): secrets can be kept "
                                                "only while the agent runs")
    start.new.click()
    wizard.next()                               # the mode page: the agent on this computer
    src = wizard.source_page
    src.kind.setCurrentIndex(src.kind.findData("local"))
    src.path.setText(str(folder))
    wizard.next()
    assert wizard.currentId() == DESTINATION
    dst = wizard.destination_page
    fill_s3(dst, s3_dest.endpoint, dst_bucket, s3_dest.access_key, s3_dest.secret_key)
    assert not dst.remember.isEnabled() and not dst.remember.isChecked()
    review = to_review(wizard, until)
    assert review.agent_only.isVisible() and not review.agent_only.isChecked()

    # A keyring that looked usable when the wizard started and fails when written (locked, gone): the save is
    # tried, fails with the sentence and the choice, is logged, and nothing is recorded.
    wizard.keyring_checked("")
    dst.remember.setChecked(True)
    assert not review.agent_only.isVisible()
    wizard.next()
    until(lambda: review.agent_only.isVisible(), 10)
    assert wizard.currentId() == REVIEW and not review._busy
    assert review.status.text().startswith("No usable system keyring (NoKeyringError)")
    assert "Creating the task" not in review.status.text()
    assert Settings.load().saved_credentials == []
    assert "NoKeyringError" in wizard_log.read_text(encoding="utf-8")
    assert no_keyring.call("GET", "/v1/tasks") == {"tasks": []}
    # Without the choice, pressing again only says it again.
    wizard.next()
    assert wizard.currentId() == REVIEW and review.status.text().startswith("No usable system keyring")

    review.agent_only.setChecked(True)
    wizard.next()
    until(lambda: wizard.currentId() == RUN, 20)
    until(lambda: wizard.run_page.snap.get("state") == "completed", 60)
    assert contents(s3_dest, dst_bucket) == files
    task = no_keyring.call("GET", "/v1/tasks")["tasks"][0]
    assert task["credentials"]["destination"].startswith("agent:task-")
    assert Settings.load().saved_credentials == []
    for path in home.rglob("*"):
        if path.is_file():
            assert s3_dest.secret_key.encode() not in path.read_bytes(), path


def test_an_agent_without_keyring_access_names_that_reason(
        until: Any, make_wizard: Any, no_keyring: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    path = write_task(tmp_path / "k.toml", s3_side(s3_source, src_bucket, "keyring:s3-somebody"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "needs-keyring")
    tid = no_keyring.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"]
    snap = no_keyring.wait_for(tid, "failed")
    assert snap["error"]["error_class"] == "keyring" and "keyring is not available" in snap["error"]["message"]
    wizard = make_wizard()
    wizard.start_page.open_task(tid)
    run = wizard.run_page
    until(lambda: run.snap.get("state") == "failed")
    assert "The agent cannot read the system keyring: unlock or install one" in run.state.text()
    assert "incomplete" not in run.state.text()


def test_a_remembered_secret_is_filled_in_and_never_replaced_unasked(
        until: Any, make_wizard: Any, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    fill(s3_source, src_bucket, {"a.txt": b"a", "b.txt": b"b"})
    entry = f"s3-{s3_dest.access_key}"
    store_in_keyring(entry, Credentials(s3_dest.access_key, s3_dest.secret_key))
    settings = Settings.load()
    settings.saved_credentials = [entry]
    settings.save()
    old = write_task(tmp_path / "old.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                     s3_side(s3_dest, dst_bucket, f"keyring:{entry}", prefix="old/"), "old")
    old_id = service.call("POST", "/v1/tasks", {"task": old.read_text()}, expect=201)["id"]
    service.wait_for(old_id, "completed")

    wizard = make_wizard()
    wizard.start_page.new.click()
    wizard.next()
    assert wizard.currentId() == SOURCE
    fill_s3(wizard.source_page, s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
    wizard.source_page.remember.setChecked(False)
    wizard.next()
    dst = wizard.destination_page
    fill_s3(dst, s3_dest.endpoint, dst_bucket, "", "", prefix="new/")
    dst.key_id.setText(s3_dest.access_key)
    dst.key_id.editingFinished.emit()
    until(lambda: dst.secret.text() == s3_dest.secret_key, 10)
    assert dst.remember.isChecked() and dst.note.text() == "The remembered secret of this AccessKey ID was filled in."

    dst.secret.setText("a-wrong-secret")
    review = to_review(wizard, until)
    wizard.next()

    def box() -> QMessageBox | None:
        shown = [b for b in review.findChildren(QMessageBox, "confirm") if b.isVisible()]
        return shown[0] if shown else None
    until(lambda: box() is not None, 10)
    question = box()
    assert question is not None
    keep = next(b for b in question.buttons() if question.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    assert isinstance(keep, QPushButton) and question.defaultButton() is keep
    keep.click()
    until(lambda: review.status.text().startswith("Nothing was changed"), 10)
    assert wizard.currentId() == REVIEW
    assert keyring.get_password(SERVICE, entry) is not None
    assert service.call("GET", "/v1/tasks")["tasks"][0]["id"] == old_id and len(service.call(
        "GET", "/v1/tasks")["tasks"]) == 1
    # The older task still runs with the remembered secret.
    fill(s3_source, src_bucket, {"c.txt": b"c"})
    service.call("POST", f"/v1/tasks/{old_id}/incremental")
    assert service.wait_for(old_id, "completed", "completed_with_failures", "failed")["state"] == "completed"
    assert contents(s3_dest, dst_bucket, "old/") == {"old/a.txt": b"a", "old/b.txt": b"b", "old/c.txt": b"c"}

    # Unticked, the typed secret belongs to the new task alone; the remembered one is untouched.
    dst.remember.setChecked(False)
    wizard.next()
    until(lambda: wizard.currentId() == RUN, 20)
    new = next(t for t in service.call("GET", "/v1/tasks")["tasks"] if t["id"] != old_id)
    assert new["credentials"]["destination"].startswith("keyring:task-")
    from wizard.secrets import resolve
    assert resolve(f"keyring:{entry}", "x").secret_access_key == s3_dest.secret_key


def test_a_tasks_credentials_are_edited_from_the_start_page_and_tested_first(
        until: Any, make_wizard: Any, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    fill(s3_source, src_bucket, {"a.txt": b"a"})
    entry = "task-0123456789ab-destination"
    store_in_keyring(entry, Credentials(s3_dest.access_key, "an-old-wrong-secret"))
    path = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, f"keyring:{entry}"), "edit-me")
    tid = service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"]
    assert service.wait_for(tid, "failed")["error"]["error_class"] == "auth"

    wizard = make_wizard()
    start = wizard.start_page
    until(lambda: start.model.rowCount() == 1)
    from wizard.gui.models.tasks import SnapshotRole
    dialog = start.edit_credentials(start.model.index(0, 0).data(SnapshotRole))
    assert list(dialog.refs) == ["destination"]
    until(lambda: dialog.key_ids["destination"].text() == s3_dest.access_key, 10)   # prefilled from the keyring
    dialog.secrets["destination"].setText("still-wrong")
    dialog.save.click()
    until(lambda: dialog.outcome.text().startswith("✘"), 20)
    assert "c0392b" in dialog.outcome.styleSheet()
    from wizard.secrets import resolve
    assert resolve(f"keyring:{entry}", "x").secret_access_key == "an-old-wrong-secret"   # a failed test keeps nothing

    dialog.secrets["destination"].setText(s3_dest.secret_key)
    dialog.save.click()
    until(lambda: dialog.outcome.text().startswith("Tested and saved"), 20)
    assert resolve(f"keyring:{entry}", "x").secret_access_key == s3_dest.secret_key
    service.call("POST", f"/v1/tasks/{tid}/resume")
    assert service.wait_for(tid, "completed", "completed_with_failures", "failed")["state"] == "completed"
    assert contents(s3_dest, dst_bucket) == {"a.txt": b"a"}
