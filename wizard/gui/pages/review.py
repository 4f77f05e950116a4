"""Review: the task in a few lines, the agent's pre-flight checks (one row each, pass or fail with its sentence),
and "Create and start". Credentials go into the system keyring here, and the task file holds only references."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from wizard.errors import InputError
from wizard.gui import messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.pages.base import TranslatedPage
from wizard.gui.settings import Settings
from wizard.secrets import Credentials, store_in_keyring
from wizard.task import parse_task

Render = Callable[[str], dict[str, Any]]   # credentials-reference prefix -> the task as a dict


def to_toml(task: dict[str, Any]) -> str:
    """A task dict as TOML text, through TaskSpec so it is validated the way the agent validates it."""
    return parse_task(task, None).to_toml()


class ReviewPage(TranslatedPage):
    """The last step before the task exists."""

    def __init__(self, link: AgentLink, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link, self.settings = link, settings
        self.setCommitPage(True)
        self.name = QLineEdit()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.checks = QTableWidget(0, 3)
        self.checks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.checks.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.checks.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.rows: list[dict[str, Any]] = []
        self.checks.verticalHeader().hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.name_label = QLabel()
        form = QFormLayout()
        form.addRow(self.name_label, self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.checks)
        layout.addWidget(self.status)
        self.created: dict[str, Any] | None = None
        self._busy = False
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("ReviewPage", "Review and pre-flight checks"))
        self.setSubTitle(Q.translate("ReviewPage", "The agent checks access, write permission and clocks before "
                                                   "anything is copied."))
        self.name_label.setText(Q.translate("ReviewPage", "Task name"))
        self.checks.setHorizontalHeaderLabels([Q.translate("ReviewPage", "Check"),
                                               Q.translate("ReviewPage", "Result"),
                                               Q.translate("ReviewPage", "Details")])
        self.setButtonText(QWizard.WizardButton.CommitButton, Q.translate("ReviewPage", "Create and start"))
        if self.wizard() is not None and self.isVisible():
            self._show_summary()
            self._show_checks(self.rows)

    def _render(self) -> Render:
        return self.wizard().task_dict  # type: ignore[attr-defined, no-any-return]

    def initializePage(self) -> None:
        if not self.name.text():
            self.name.setText(time.strftime("migration-%Y%m%d-%H%M"))
        self.created = None
        self._show_summary()
        self.run_checks()

    def _show_summary(self) -> None:
        task = self._render()("keyring:pending")
        o = task["options"]
        limit = Q.translate("ReviewPage", "no limit")
        self.summary.setText("\n".join([
            Q.translate("ReviewPage", "From: {where}").format(where=_describe(task["source"])),
            Q.translate("ReviewPage", "To: {where}").format(where=_describe(task["destination"])),
            Q.translate("ReviewPage", "Same-name files: {policy}; QPS limit: {qps}; bandwidth limit: {bw}").format(
                policy=self.wizard().options_page.same_name.currentText(),  # type: ignore[attr-defined]
                qps=o["qps_limit"] or limit,
                bw=messages.human_bytes(o["bandwidth_limit"]) + "/s" if o["bandwidth_limit"] else limit)]))

    def run_checks(self) -> None:
        """Ask the agent for the pre-flight checks, with the credentials typed (kept nowhere yet)."""
        self.checks.setRowCount(0)
        self.rows = []
        self.status.setText(Q.translate("ReviewPage", "Checking…"))
        wizard = self.wizard()
        pages = [wizard.source_page, wizard.destination_page]  # type: ignore[attr-defined]

        creds = {p.side: (p.key_id.text().strip(), p.secret.text()) for p in pages if p.needs_credentials()}
        try:
            text = to_toml(self._render()("env:PENDING") | {"name": self.name.text().strip() or "check"})
        except InputError as exc:
            self.status.setText(str(exc))
            return

        async def checks() -> list[dict[str, Any]]:
            client = await self.link.client()
            return await client.checks(text, creds)

        spawn(checks(), self._show_checks, self._failed)

    def _show_checks(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.checks.setRowCount(len(rows))
        for i, row in enumerate(rows):
            result = Q.translate("ReviewPage", "Pass") if row["ok"] else Q.translate("ReviewPage", "Fail")
            for col, text in enumerate((messages.check_title(row["name"]), result, messages.check_text(row))):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setForeground(QColor("#27ae60" if row["ok"] else "#c0392b"))
                self.checks.setItem(i, col, item)
        if not rows:
            return
        ok = all(r["ok"] for r in rows)
        self.status.setText("" if ok else Q.translate("ReviewPage", "Some checks failed: go back and correct the "
                                                                    "entries, or create the task anyway."))

    def _failed(self, code: str, message: str) -> None:
        self._busy = False
        self.status.setText(messages.agent_error_text(code, message))

    # -- create and start ------------------------------------------------------------------------------------
    def validatePage(self) -> bool:
        if self.created is not None:
            return True
        name = self.name.text().strip()
        if not name:
            self.status.setText(Q.translate("ReviewPage", "Give the task a name."))
            return False
        if self._busy:
            return False
        try:
            text = to_toml(self._render()("keyring:pending") | {"name": name})
        except InputError as exc:
            self.status.setText(str(exc))
            return False
        self._busy = True
        self.status.setText(Q.translate("ReviewPage", "Creating the task…"))
        refs = self._store_credentials()
        text = to_toml(self._render()("") | {"name": name, "source": refs["source"],
                                             "destination": refs["destination"]})
        spawn(self._create(text), self._created, self._failed)
        return False

    def _store_credentials(self) -> dict[str, dict[str, Any]]:
        """Each side's secret into the system keyring; the task gets only "keyring:NAME"."""
        wizard = self.wizard()
        out = {}
        for page in (wizard.source_page, wizard.destination_page):  # type: ignore[attr-defined]
            if not page.needs_credentials():
                out[page.side] = page.table()
                continue
            key_id = page.key_id.text().strip()
            if page.remember.isChecked():
                name = f"{page.table()['kind']}-{key_id}"
                if name not in self.settings.saved_credentials:
                    self.settings.saved_credentials.append(name)
                    self.settings.save()
            else:
                name = f"task-{uuid.uuid4().hex[:12]}-{page.side}"
            ref = store_in_keyring(name, Credentials(key_id, page.secret.text()))
            out[page.side] = page.table(ref)
        return out

    async def _create(self, text: str) -> dict[str, Any]:
        client = await self.link.client()
        return await client.create_task(text)

    def _created(self, snapshot: dict[str, Any]) -> None:
        self._busy = False
        self.created = snapshot
        self.wizard().open_task(snapshot["id"])  # type: ignore[attr-defined]
        self.wizard().next()


def _describe(table: dict[str, Any]) -> str:
    if table["kind"] == "local":
        return table["path"]
    if table["kind"] == "urllist":
        return table["list"]
    return f"{table['kind']}://{table['bucket']}/{table.get('prefix', '')}  ({table['endpoint']})"
