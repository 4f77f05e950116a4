"""The start page: language (live, remembered), the task list like the vendor console's homepage, "New
migration" and "Open" to reattach to a running or finished task."""

from __future__ import annotations

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

from wizard.gui import messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.i18n import LANGUAGES
from wizard.gui.models.tasks import TaskIdRole, TaskListModel
from wizard.gui.pages.base import TranslatedPage


class StartPage(TranslatedPage):
    """Where every session begins."""

    def __init__(self, link: AgentLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = link
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
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new)
        buttons.addWidget(self.open)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.chosen = ""          # a task to open, or "" for a new migration
        self.new.clicked.connect(self._new)
        self.open.clicked.connect(self._open)
        self.table.doubleClicked.connect(lambda _i: self._open())
        self.timer = QTimer(self)
        self.timer.setInterval(2000)
        self.timer.timeout.connect(self.refresh)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("StartPage", "Migration Wizard"))
        self.setSubTitle(Q.translate("StartPage", "Migrate objects from Alibaba Cloud OSS, Amazon S3, Tencent Cloud "
                                                  "COS, local folders or URL lists into another store."))
        self.language_label.setText(Q.translate("StartPage", "Language"))
        self.new.setText(Q.translate("StartPage", "New migration"))
        self.open.setText(Q.translate("StartPage", "Open"))
        self.model.retranslate()

    def initializePage(self) -> None:
        self.chosen = ""
        self.refresh()
        self.timer.start()

    def cleanupPage(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        async def tasks() -> list[dict[str, Any]]:
            client = await self.link.client()
            return await client.tasks()

        def failed(code: str, message: str) -> None:
            self.status.setText(messages.agent_error_text(code, message))

        def shown(rows: list[dict[str, Any]]) -> None:
            self.status.clear()
            self.model.set_tasks(rows)
        spawn(tasks(), shown, failed)

    def _new(self) -> None:
        self.chosen = ""
        self.timer.stop()
        self.wizard().next()

    def _open(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.status.setText(Q.translate("StartPage", "Choose a task in the list first."))
            return
        self.open_task(str(rows[0].data(TaskIdRole)))

    def open_task(self, task_id: str) -> None:
        self.chosen = task_id
        self.timer.stop()
        self.wizard().open_task(task_id)  # type: ignore[attr-defined]
        self.wizard().next()

    def validatePage(self) -> bool:
        return True
