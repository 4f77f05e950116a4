"""Clear words, against a real agent: a local folder's test says what was proven (no AccessKey to accept), an
S3 store's test names the AccessKey; the semi-managed page's "saved" line is not red like its problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from servers.agent_service import AgentProcess
from servers.seaweed import SeaweedS3
from test_wizard import fill_s3
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.pages.location import ERROR_COLOR, OK_COLOR
from wizard.gui.wizard import MODE


def test_a_local_folder_is_not_an_accepted_accesskey(until: Any, make_wizard: Any, service: AgentProcess,
                                                     s3_source: SeaweedS3, src_bucket: str, tmp_path: Path) -> None:
    wizard = make_wizard()
    wizard.start_page.new.click()
    src = wizard.source_page
    src.kind.setCurrentIndex(src.kind.findData("local"))
    src.path.setText(str(tmp_path))
    src.test.click()
    until(lambda: src.result.text().startswith("✔"), 20)
    assert "AccessKey" not in src.result.text()
    assert "The source folder exists and can be read." in src.result.text()
    fill_s3(src, s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
    src.kind.setCurrentIndex(src.kind.findData("s3"))
    src.test.click()
    until(lambda: src.result.text().startswith("✔"), 20)
    assert "Source reachable, AccessKey accepted." in src.result.text()


def test_a_refused_mode_entry_is_red(make_wizard: Any, service: AgentProcess, tmp_path: Path) -> None:
    wizard = make_wizard()
    wizard.start_page.new.click()
    assert wizard.currentId() == MODE
    mode = wizard.mode_page
    mode.remote.setChecked(True)
    mode.host.setText("master.example")
    mode.user.setText("ops")
    mode.master_ip.setText("172.16.0.300")
    key = tmp_path / "id_ed25519"
    key.write_text("not a real key\n")
    mode.key_file.setText(str(key))
    wizard.next()
    assert wizard.currentId() == MODE
    assert mode.error.property("ok") is False and ERROR_COLOR in mode.error.styleSheet()
    assert OK_COLOR not in mode.error.styleSheet()


def test_a_closed_port_names_host_and_port(until: Any, make_wizard: Any, service: AgentProcess) -> None:
    import socket
    with socket.socket() as s:      # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    wizard = make_wizard()
    wizard.start_page.new.click()
    src = wizard.source_page
    fill_s3(src, f"http://127.0.0.1:{port}", "bucket-one", "AKID", "secret")
    src.test.click()
    until(lambda: src.result.text().startswith("✘"), 60)
    assert src.result.text() == (f"✘ Cannot connect to 127.0.0.1:{port} (connection refused): check the Endpoint "
                                 "and the port."), src.result.text()


def test_a_second_task_for_one_route_is_warned_and_refused_by_name(until: Any, make_wizard: Any,
                                                                   service: AgentProcess, tmp_path: Path) -> None:
    from conftest import write_task
    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    target.mkdir()
    (source / "a.txt").write_text("a")
    path = write_task(tmp_path / "first.toml", {"kind": "local", "path": str(source)},
                      {"kind": "local", "path": str(target)}, "照片迁移")
    service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)
    wizard = make_wizard()
    wizard.start_page.new.click()
    wizard.next()
    for page, folder in ((wizard.source_page, source), (wizard.destination_page, target)):
        page.kind.setCurrentIndex(page.kind.findData("local"))
        page.path.setText(str(folder))
        wizard.next()
    wizard.next()
    review = wizard.review_page
    sentence = ("The task \u201c照片迁移\u201d already migrates this source into this destination: open it from the "
                "task list, or delete it first.")
    rows = review.checks

    def warned() -> bool:
        return any(rows.item(r, c) is not None and rows.item(r, c).text() == sentence
                   for r in range(rows.rowCount()) for c in range(rows.columnCount()))

    until(warned, 20)
    review.name.setText("second")
    wizard.next()
    until(lambda: review.status.text() == sentence, 20)


def test_pages_asking_together_share_one_client_and_nothing_is_left_unclosed(
        loop: Any, agent_env: dict[str, str], home: Path, monkeypatch: Any, caplog: Any) -> None:
    """At start, with no agent running, the pages ask for it at once: one agent started, one client, its session
    closed with the link (each asker used to start and open its own: "Unclosed client session" in wizard.log)."""
    import asyncio
    import gc
    import logging
    import os

    from wizard.agent.client import running_agent
    from wizard.gui.bridge import AgentLink

    for name in ("SRC_ACCESS_KEY_ID", "SRC_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, agent_env[name])
    assert running_agent() is None
    link = AgentLink()

    async def together() -> list[Any]:
        clients = await asyncio.gather(*(link.client() for _ in range(5)))
        await asyncio.gather(*(c.tasks() for c in clients))
        await link.close()
        return clients

    caplog.set_level(logging.ERROR, logger="asyncio")
    try:
        clients = loop.run_until_complete(together())
        assert all(c is clients[0] for c in clients)
        del clients
        gc.collect()
        loop.run_until_complete(asyncio.sleep(0))
        assert "Unclosed client session" not in caplog.text
    finally:
        info = running_agent()
        if info is not None:
            os.kill(int(info["pid"]), 15)

            async def gone() -> None:
                for _ in range(300):
                    if running_agent() is None:
                        return
                    await asyncio.sleep(0.1)
            loop.run_until_complete(gone())


def test_finish_returns_to_the_task_list(until: Any, make_wizard: Any, service: AgentProcess,
                                         tmp_path: Path) -> None:
    from conftest import write_task
    from PySide6.QtWidgets import QWizard

    from wizard.gui.wizard import RUN, START

    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    (source / "a.txt").write_text("a")
    path = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(source)},
                      {"kind": "local", "path": str(target)}, "finish-me")
    tid = str(service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"])
    service.wait_for(tid, "completed")
    wizard = make_wizard()
    wizard.start_page.open_task(tid)
    assert wizard.currentId() == RUN
    until(lambda: wizard.run_page.snap.get("state") == "completed", 20)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.currentId() == START and wizard.isVisible()
    until(lambda: wizard.start_page.model.rowCount() == 1, 10)
    assert wizard.link.following == ""
    wizard.start_page.open_task(tid)             # and the task opens again from there
    assert wizard.currentId() == RUN


def test_s3_path_style_is_a_visible_option(until: Any, make_wizard: Any, service: AgentProcess,
                                           s3_source: SeaweedS3, src_bucket: str) -> None:
    wizard = make_wizard()
    wizard.start_page.new.click()
    src = wizard.source_page
    fill_s3(src, s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
    assert src.path_style.isVisibleTo(src) and src.labels["path_style"].text() == "URL style"
    assert "path_style" not in src.table()                      # automatic: the store decides
    src.path_style.setCurrentIndex(src.path_style.findData("path"))
    assert src.table()["path_style"] is True
    src.test.click()
    until(lambda: src.result.text().startswith("✔"), 20)
    src.path_style.setCurrentIndex(src.path_style.findData("virtual"))
    assert src.table()["path_style"] is False and src.result.text() == ""   # a changed entry clears the answer
    src.kind.setCurrentIndex(src.kind.findData("oss"))
    assert not src.path_style.isVisibleTo(src) and "path_style" not in src.table()


def test_the_run_page_fits_1366x768(until: Any, make_wizard: Any, service: AgentProcess, tmp_path: Path) -> None:
    """On a 1366x768 screen (taskbar and title bar take about 70 px): Finish is inside the window and the
    failures table shows five rows."""
    from conftest import write_task
    from PySide6.QtWidgets import QApplication, QWizard

    from wizard.gui.pages.run import FAILURE_ROWS

    source = tmp_path / "src"
    source.mkdir()
    for i in range(8):
        os_link = source / f"broken-{i}"
        os_link.symlink_to(tmp_path / f"missing-{i}")
    path = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(source)},
                      {"kind": "local", "path": str(tmp_path / "dst")}, "fits")
    tid = str(service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"])
    service.wait_for(tid, "completed_with_failures")
    wizard = make_wizard()
    wizard.resize(1366, 768 - 70)
    wizard.start_page.open_task(tid)
    run = wizard.run_page
    until(lambda: run.model.rowCount() == 8, 20)
    QApplication.processEvents()
    assert wizard.height() <= 768 - 70 and wizard.minimumSizeHint().height() <= 768 - 70
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isVisible()
    bottom = finish.mapTo(wizard, finish.rect().bottomLeft()).y()
    assert bottom <= wizard.height()
    table = run.failures
    rows = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows >= FAILURE_ROWS, rows


def test_the_file_dialog_speaks_chinese(qapp: Any) -> None:
    """Qt's own file dialog in the Chinese UI: every label translated (qtbase leaves two in English, ours fill them)."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    from wizard.gui.i18n import Translations

    translations = Translations(qapp)
    assert translations.apply("zh_CN")
    try:
        for mode in (QFileDialog.AcceptMode.AcceptSave, QFileDialog.AcceptMode.AcceptOpen):
            dialog = QFileDialog(None, "x")
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
            dialog.setAcceptMode(mode)
            labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
            assert labels and not [t for t in labels if t.isascii()], labels
            dialog.deleteLater()
    finally:
        translations.apply("en")


def test_one_word_for_one_thing() -> None:
    """Files, 文件: never "objects" / "对象" for what is migrated (对象存储, object storage: product names)."""
    import re

    root = Path(__file__).resolve().parents[2] / "i18n"
    english = re.findall(r"<source>(.*?)</source>", (root / "wizard_en.ts").read_text(encoding="utf-8"))
    chinese = re.findall(r"<translation>(.*?)</translation>", (root / "wizard_zh_CN.ts").read_text(encoding="utf-8"))
    assert [s for s in english if re.search(r"\bobjects?\b", s.replace("object storage", ""), re.I)] == []
    assert [s for s in chinese if "对象" in s.replace("对象存储", "")] == []


def test_failure_tooltips_are_translated_where_a_code_is_known(qapp: Any, loop: Any) -> None:
    from PySide6.QtCore import QModelIndex, Qt

    from wizard.gui import messages
    from wizard.gui.models.failures import FailureColumn, FailuresModel

    items = [{"id": 1, "key": "link", "size": 0, "error_class": "io", "error_code": "BrokenSymlink",
              "message": "link: a symbolic link to 'gone', which cannot be read", "attempts": 1, "last_attempt": None},
             {"id": 2, "key": "b", "size": 1, "error_class": "network", "error_code": "ConnectionRefused",
              "message": "PUT b: cannot connect to 127.0.0.1:9 (refused)", "attempts": 5, "last_attempt": None},
             {"id": 3, "key": "c", "size": 1, "error_class": "other", "error_code": "Weird",
              "message": "something else", "attempts": 1, "last_attempt": None}]

    async def fetch(after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        return {"items": items if after == 0 else [], "next_after": None, "total": 3}

    model = FailuresModel(fetch, explain=messages.error_class_text, describe=messages.code_text)
    model.fetchMore(QModelIndex())
    loop.run_until_complete(__import__("asyncio").sleep(0.2))
    assert model.rowCount() == 3
    tips = [model.index(r, FailureColumn.MESSAGE).data(Qt.ItemDataRole.ToolTipRole) for r in range(3)]
    assert tips[0] == ("The file is a symbolic link whose target does not exist.\n"
                       "link: a symbolic link to 'gone', which cannot be read")
    assert tips[1].startswith("Cannot connect to 127.0.0.1:9 (connection refused): check the Endpoint")
    assert tips[2] == "something else"      # no code known: the agent's words alone


def test_a_failed_pass_shows_its_done_files_not_listing_so_far(qapp: Any, loop: Any) -> None:
    from test_models import snap

    from wizard.gui.bridge import AgentLink
    from wizard.gui.pages.run import RunPage

    page = RunPage(AgentLink())
    page.task_id = "a"
    page.show_snapshot(snap("a", "failed", done=301, total=301, listed=0, listing_done=False))
    assert page.listing.text() == "" and page.objects.format() == "301 / 301 files"
    assert "after listing" not in page.rates.text() and "not running" in page.rates.text()
    page.show_snapshot(snap("a", "listing", done=3, total=10, listed=10, listing_done=False))
    assert page.listing.text() == "Listing: 10 files found so far" and "after listing" in page.rates.text()
    page.deleteLater()
