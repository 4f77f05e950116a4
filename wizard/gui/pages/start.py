"""The start page: language (live, remembered), the task list like the vendor console's homepage (the tasks of
the agent on this computer and of every master server brought up before, each reached through its own SSH tunnel),
"New migration" and "Open" to reattach to a running or finished task."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wizard.agent.client import AgentError
from wizard.gui import masters, messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.i18n import LANGUAGES
from wizard.gui.models.tasks import MASTER_KEY, SnapshotRole, TaskListModel
from wizard.gui.pages.base import TranslatedPage
from wizard.gui.settings import Settings
from wizard.gui.widgets import confirm
from wizard.gui.widgets.credentials import CredentialsDialog
from wizard.remote.ssh import RemoteError
from wizard.secrets import forget_keyring_entry


class StartPage(TranslatedPage):
    """Where every session begins."""

    def __init__(self, link: AgentLink, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link, self.settings = link, settings
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language_label = QLabel()
        self.model = TaskListModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.new = QPushButton()
        self.open = QPushButton()
        self.credentials = QPushButton()
        self.delete = QPushButton()
        confirm.never_default(self.delete)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setObjectName("keyring")
        self.keyring_note.setStyleSheet("color: #c77c02")
        self.keyring_note.hide()
        self._keyring_problem = ""
        top = QHBoxLayout()
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new)
        buttons.addWidget(self.open)
        buttons.addWidget(self.credentials)
        buttons.addStretch(1)
        buttons.addWidget(self.delete)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.keyring_note)
        self.chosen = ""          # a task to open, or "" for a new migration
        self._refreshing = False
        self.new.clicked.connect(self._new)
        self.open.clicked.connect(self._open)
        self.credentials.clicked.connect(self._edit_credentials)
        self.delete.clicked.connect(self._ask_delete)
        self.table.doubleClicked.connect(lambda _i: self._open())
        self.timer = QTimer(self)
        self.timer.setInterval(2000)
        self.timer.timeout.connect(self.refresh)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("StartPage", "Migration Wizard"))
        self.setSubTitle(Q.translate("StartPage", "Migrate files from Alibaba Cloud OSS, Amazon S3, Tencent Cloud "
                                                  "COS, local folders or URL lists into another store."))
        self.language_label.setText(Q.translate("StartPage", "Language"))
        self.new.setText(Q.translate("StartPage", "New migration"))
        self.open.setText(Q.translate("StartPage", "Open"))
        self.credentials.setText(Q.translate("StartPage", "Credentials…"))
        self.credentials.setToolTip(Q.translate("StartPage", "Change the AccessKey of the chosen task; it is tested "
                                                             "before it is kept."))
        self.delete.setText(Q.translate("StartPage", "Delete"))
        self.model.retranslate()
        self.set_keyring(getattr(self, "_keyring_problem", ""))

    def set_keyring(self, problem: str) -> None:
        """Say at once, on the first page, that there is no usable keyring and what that means."""
        self._keyring_problem = problem
        self.keyring_note.setText(messages.keyring_text(problem) if problem else "")
        self.keyring_note.setVisible(bool(problem))

    def initializePage(self) -> None:
        self.chosen = ""
        self.refresh()
        self.timer.start()

    def cleanupPage(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """The tasks of every agent: this computer's, then each remembered master's (a master that cannot be
        reached is named below the list; the others still show)."""
        if self._refreshing:          # a master slow to answer: the next tick waits for this one
            return
        self._refreshing = True

        async def tasks() -> tuple[list[dict[str, Any]], list[str]]:
            rows: list[dict[str, Any]] = []
            problems: list[str] = []
            try:
                rows += await (await self.link.local_client()).tasks()
            except AgentError as exc:
                problems.append(messages.agent_error_text(exc.code, exc.message))
            for entry in self.settings.masters:
                try:
                    session = self.link.sessions.get(entry["host"])
                    if session is None:
                        session = await asyncio.to_thread(masters.session_of, entry)
                        self.link.sessions[entry["host"]] = session
                    client = await session.client()
                    rows += [{**t, MASTER_KEY: entry["host"]} for t in await client.tasks()]
                except AgentError as exc:
                    problems.append(messages.agent_error_text(exc.code, exc.message))
                except RemoteError as exc:
                    problems.append(messages.remote_text(exc.code, str(exc)))
            return rows, problems

        def shown(answer: tuple[list[dict[str, Any]], list[str]]) -> None:
            self._refreshing = False
            rows, problems = answer
            self.status.setText("\n".join(problems))
            self.model.set_tasks(rows)

        def failed(code: str, message: str) -> None:
            self._refreshing = False
            self.status.setText(messages.agent_error_text(code, message))
        spawn(tasks(), shown, failed)

    def _new(self) -> None:
        self.chosen = ""
        self.timer.stop()
        self.wizard().next()

    def _open(self) -> None:
        task = self._selected()
        if task is not None:
            self.open_task(str(task["id"]))

    def _selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.status.setText(Q.translate("StartPage", "Choose a task in the list first."))
            return None
        return rows[0].data(SnapshotRole)  # type: ignore[no-any-return]

    def _edit_credentials(self) -> None:
        task = self._selected()
        if task is not None:
            self.edit_credentials(task)

    def edit_credentials(self, task: dict[str, Any]) -> CredentialsDialog:
        """The chosen task's credentials in a window-modal dialog (not blocking: the agent's answers keep coming)."""
        dialog = CredentialsDialog(self.link, task, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _ask_delete(self) -> None:
        task = self._selected()
        if task is None:
            return
        confirm.ask(self, Q.translate("StartPage", "Delete"), Q.translate(
            "StartPage", "Delete task {name}? A running migration stops; files already copied stay at the "
                         "destination.").format(name=task["name"]),
                    Q.translate("StartPage", "Delete"), Q.translate("StartPage", "Keep the task"),
                    lambda: self.delete_task(task))

    def delete_task(self, task: dict[str, Any]) -> None:
        """Delete a task in the agent, then the one-off keyring entries it alone used (remembered ones stay)."""
        self.link.select(task.get(MASTER_KEY) or "")

        async def call() -> None:
            client = await self.link.client()
            await client.delete_task(task["id"])

        def done(_result: None) -> None:
            for ref in task.get("credentials", {}).values():
                if ref.startswith("keyring:task-"):
                    forget_keyring_entry(ref)
            self.model.remove_task(task["id"])
            self.status.setText(Q.translate("StartPage", "Task {name} deleted.").format(name=task["name"]))

        spawn(call(), done, lambda code, message: self.status.setText(messages.agent_error_text(code, message)))

    def open_task(self, task_id: str, where: str | None = None) -> None:
        """Show a task on the run page; ``where`` is its master's host ("" this computer, None: as listed)."""
        if where is None:
            row = self.model.row_of(task_id)
            where = str(self.model.index(row, 0).data(SnapshotRole).get(MASTER_KEY) or "") if row is not None else ""
        self.link.select(where)
        self.chosen = task_id
        self.timer.stop()
        self.wizard().open_task(task_id)  # type: ignore[attr-defined]
        self.wizard().next()

    def validatePage(self) -> bool:
        return True
