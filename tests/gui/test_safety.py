"""The controls that can destroy work, against a real agent and SeaweedFS: the run page enables only what the
agent's snapshot allows (a cancelled task offers no Resume), Cancel task and Delete ask first with the safe
answer as the default, and keyboard focus never lands on a destructive button by itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agent.test_run_s3 import contents, fill
from conftest import s3_side, write_task
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.wizard import RUN, SOURCE

MiB = 1024 * 1024


def slow_task(tmp_path: Path, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
              dst_bucket: str, objects: dict[str, bytes], name: str = "slow") -> str:
    fill(s3_source, src_bucket, objects)
    path = write_task(tmp_path / f"{name}.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), name, bandwidth_limit="2MiB", concurrency=2)
    return str(service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"])


def open_boxes(page: Any) -> list[QMessageBox]:
    return [b for b in page.findChildren(QMessageBox, "confirm") if b.isVisible()]


def confirm_box(page: Any) -> QMessageBox:
    boxes = open_boxes(page)
    assert len(boxes) == 1, boxes
    return boxes[0]


def buttons_of(box: QMessageBox) -> tuple[QPushButton, QPushButton]:
    """(the destructive button, the safe one)."""
    destroy = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    keep = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    assert isinstance(destroy, QPushButton) and isinstance(keep, QPushButton)
    return destroy, keep


def test_run_page_follows_the_agents_actions_and_focus_stays_safe(
        until: Any, make_wizard: Any, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    objects = {f"big/{i}": os.urandom(3 * MiB) for i in range(4)}
    tid = slow_task(tmp_path, service, s3_source, s3_dest, src_bucket, dst_bucket, objects)
    wizard = make_wizard()
    wizard.activateWindow()
    wizard.start_page.open_task(tid)
    assert wizard.currentId() == RUN
    run = wizard.run_page
    until(lambda: run.snap.get("state") == "running" and run.pause.isEnabled())
    assert not run.resume.isEnabled() and run.cancel.isEnabled() and not run.incremental.isEnabled()
    assert not run.cancel.autoDefault() and not run.cancel.isDefault()

    # Pause: the Pause button loses its use; focus goes to Resume, not to Cancel task.
    run.pause.setFocus()
    QTest.keyClick(run.pause, Qt.Key.Key_Space)
    until(lambda: run.snap.get("state") == "paused" and run.resume.isEnabled())
    assert QApplication.focusWidget() is run.resume
    assert not run.pause.isEnabled() and run.snap["actions"]["resume"]
    # Resume: focus goes to Pause.
    QTest.keyClick(run.resume, Qt.Key.Key_Space)
    until(lambda: run.snap.get("state") in ("listing", "running") and run.pause.isEnabled())
    assert QApplication.focusWidget() is run.pause

    # Cancel task asks first; Enter and Escape keep the task.
    run.cancel.click()
    box = confirm_box(run)
    destroy, keep = buttons_of(box)
    until(lambda: QApplication.focusWidget() is keep, 5)     # once the window manager has activated it
    assert box.defaultButton() is keep and not destroy.isDefault()
    QTest.keyClick(box, Qt.Key.Key_Return)
    until(lambda: not open_boxes(run))
    run.cancel.click()
    QTest.keyClick(confirm_box(run), Qt.Key.Key_Escape)
    assert service.call("GET", f"/v1/tasks/{tid}")["state"] in ("listing", "running")

    # Confirmed, the task is cancelled for good: the page offers no Resume, only a new pass by name.
    run.cancel.setFocus()
    run.cancel.click()
    buttons_of(confirm_box(run))[0].click()
    until(lambda: run.snap.get("state") == "cancelled")
    assert not run.resume.isEnabled() and not run.pause.isEnabled() and not run.cancel.isEnabled()
    assert run.incremental.isEnabled()
    assert QApplication.focusWidget() is not run.cancel
    assert service.request("POST", f"/v1/tasks/{tid}/resume").status == 409

    # The pass the operator asks for by name finishes the copy.
    service.call("PATCH", f"/v1/tasks/{tid}/limits", {"bandwidth_limit": 0})
    run.incremental.click()
    until(lambda: run.snap.get("state") == "completed", 60)
    assert contents(s3_dest, dst_bucket) == objects
    assert not run.retry.isEnabled() and not run.resume.isEnabled() and run.incremental.isEnabled()


def test_delete_asks_first_and_test_connection_keeps_the_focus(
        until: Any, make_wizard: Any, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    tid = slow_task(tmp_path, service, s3_source, s3_dest, src_bucket, dst_bucket, {"a": b"a"}, name="small")
    service.wait_for(tid, "completed")
    wizard = make_wizard()
    wizard.activateWindow()
    start = wizard.start_page
    until(lambda: start.model.rowCount() == 1)
    assert not start.delete.autoDefault() and not start.delete.isDefault()
    start.table.selectRow(0)
    start.delete.click()
    box = confirm_box(start)
    destroy, keep = buttons_of(box)
    until(lambda: QApplication.focusWidget() is keep, 5)
    assert box.defaultButton() is keep and not destroy.isDefault()
    QTest.keyClick(box, Qt.Key.Key_Return)
    until(lambda: not open_boxes(start))
    assert service.call("GET", f"/v1/tasks/{tid}")["id"] == tid      # Enter kept it
    start.delete.click()
    buttons_of(confirm_box(start))[0].click()
    until(lambda: "deleted" in start.status.text())
    assert service.call("GET", "/v1/tasks") == {"tasks": []}

    # "Test connection" keeps the focus while the agent answers and after: Enter cannot leave the page.
    start.new.click()
    wizard.next()
    assert wizard.currentId() == SOURCE
    src = wizard.source_page
    src.kind.setCurrentIndex(src.kind.findData("local"))
    src.path.setText(str(tmp_path))
    wizard.activateWindow()
    src.test.setFocus()
    until(lambda: QApplication.focusWidget() is src.test, 5)
    QTest.keyClick(src.test, Qt.Key.Key_Space)
    assert QApplication.focusWidget() is src.test
    until(lambda: src.result.text().startswith("✔"))
    assert QApplication.focusWidget() is src.test and wizard.currentId() == SOURCE
    assert "2e7d32" in src.result.styleSheet()
    # An edit makes the answer stale: it goes.
    src.path.setText(str(tmp_path / "missing"))
    assert src.result.text() == ""
    src.test.click()
    assert "does not exist" in src.error.text()
