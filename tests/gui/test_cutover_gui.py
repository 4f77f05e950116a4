"""The run page's cutover tab against a real agent and SeaweedFS: every pass gets its row, the timer settings
go to the agent, the final pass asks first (writes stopped?) and flags a file changed at the destination behind
the agent's back, a retry makes the task ready for cutover, and the signed report is saved and verifies. The
options page checks transfer windows by the task file's rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.test_run_s3 import contents, fill
from conftest import s3_side, write_task
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3
from test_safety import buttons_of, confirm_box, open_boxes
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.wizard import RUN
from wizard.report.verify import verify_report

ENDED = ("completed", "completed_with_failures", "ready_for_cutover")


def test_passes_final_pass_and_report_from_the_run_page(
        until: Any, make_wizard: Any, service: AgentProcess, s3_source: SeaweedS3, s3_dest: SeaweedS3,
        src_bucket: str, dst_bucket: str, tmp_path: Path) -> None:
    objects = {f"k/{i:03d}": b"%03d" % i * 30 for i in range(20)}
    fill(s3_source, src_bucket, objects)
    path = write_task(tmp_path / "cut.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "cutover")
    tid = service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"]
    wizard = make_wizard()
    wizard.start_page.open_task(tid)
    assert wizard.currentId() == RUN
    run = wizard.run_page
    panel = run.cutover
    until(lambda: run.snap.get("state") == "completed" and panel.table.rowCount() == 1)
    run.tabs.setCurrentWidget(panel)
    assert panel.table.item(0, 1).text() == "First copy" and panel.table.item(0, 4).text() == "20"

    fill(s3_source, src_bucket, {"k/001": b"changed", "new/x": b"new"})
    panel.delta.click()
    until(lambda: run.snap.get("state") == "completed" and panel.table.rowCount() == 2)
    assert [panel.table.item(1, c).text() for c in (1, 4)] == ["Delta pass", "1"]
    assert panel.table.item(1, 5).text().startswith("1 ")

    panel.every.setValue(30)
    panel.small_objects.setValue(5)
    panel.apply.click()
    until(lambda: (run.snap.get("cutover") or {}).get("settings", {}).get("every") == 1800)
    assert run.snap["cutover"]["settings"]["small_objects"] == 5 and run.snap["cutover"]["next_pass_at"] is None
    assert "final pass" in panel.phase.text()          # 2 changed files <= 5: converged, no timer needed

    # The final pass asks first; the safe answer keeps everything as it is.
    s3_dest.client().put_object(Bucket=dst_bucket, Key="k/007", Body=b"Z" * 90)
    panel.final.click()
    QTest.keyClick(confirm_box(run), Qt.Key.Key_Escape)
    until(lambda: not open_boxes(run))
    assert service.call("GET", f"/v1/tasks/{tid}")["cutover"]["pass_kind"] == "delta"
    panel.final.click()
    buttons_of(confirm_box(run))[0].click()
    until(lambda: run.snap.get("state") == "completed_with_failures" and panel.table.rowCount() == 3, 60)
    assert panel.table.item(2, 8).text() == "21 (1)"
    until(lambda: run.model.rowCount() == 1)
    run.retry.click()
    until(lambda: run.snap.get("state") == "ready_for_cutover")
    assert run.state.text().endswith("Ready for cutover") and panel.phase.text().startswith("Ready for cutover")
    assert contents(s3_dest, dst_bucket) == contents(s3_source, src_bucket)

    run.save_report_to(str(tmp_path / "reports"), open_it=False)
    until(lambda: "Verification report saved" in run.message.text())
    saved = next((tmp_path / "reports").iterdir())
    assert verify_report(saved).ok and 'lang="en"' in (saved / "report.html").read_text(encoding="utf-8")


def test_options_page_checks_transfer_windows(make_wizard: Any, service: AgentProcess) -> None:
    wizard = make_wizard()
    options = wizard.options_page
    options.schedule.setPlainText("mon-fri 09:00-18:00 bandwidth=20MiB\nsat,sun 00:00-24:00 qps=off")
    assert options.validatePage() and options.values()["schedule"] == [
        "mon-fri 09:00-18:00 bandwidth=20MiB", "sat,sun 00:00-24:00 qps=off"]
    options.schedule.setPlainText("mon-fry 09:00-18:00 bandwidth=20MiB")
    assert not options.validatePage()
    assert options.error.text().startswith("options.schedule[0]: ") and "mon-fry" in options.error.text()
    options.schedule.setPlainText("daily 08:00-10:00 qps=5\nmon 09:00-09:30 qps=1")
    assert not options.validatePage() and "overlaps" in options.error.text()
