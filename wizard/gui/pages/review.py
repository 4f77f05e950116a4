"""Review: the task in a few lines, the agent's pre-flight checks (one row each, pass or fail with its sentence),
and "Create and start". Credentials go into the system keyring here, and the task file holds only references."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from wizard.agent.client import AgentError
from wizard.errors import InputError
from wizard.gui import messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.pages.base import TranslatedPage
from wizard.gui.settings import Settings
from wizard.gui.widgets import confirm
from wizard.gui.widgets.forecast import ForecastBox
from wizard.secrets import Credentials, remembered, store_in_keyring
from wizard.task import parse_task

log = logging.getLogger(__name__)

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
        # Shown only when there is no usable keyring: the operator's choice, never made for them.
        self.agent_only = QCheckBox()
        self.agent_only.setVisible(False)
        self.keyring_problem = ""
        self.name_label = QLabel()
        self.forecast = ForecastBox()
        self.forecast.run_forecast.connect(self.run_forecast)
        form = QFormLayout()
        form.addRow(self.name_label, self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.checks)
        layout.addWidget(self.forecast)
        layout.addWidget(self.agent_only)
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
        self.agent_only.setText(Q.translate("ReviewPage", "Keep the secrets only while the agent runs (never in a "
                                                          "file; give them again after the agent restarts)"))
        self.forecast.retranslate()
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

    def run_forecast(self) -> None:
        """The agent counts the source (sampled when large) and copies for a short trial, with the credentials
        typed (kept nowhere); the cost is reckoned here, with this computer's price table."""
        wizard = self.wizard()
        pages = [wizard.source_page, wizard.destination_page]  # type: ignore[attr-defined]
        creds = {p.side: (p.key_id.text().strip(), p.secret.text()) for p in pages if p.needs_credentials()}
        try:
            text = to_toml(self._render()("env:PENDING") | {"name": self.name.text().strip() or "forecast"})
        except InputError as exc:
            self.forecast.failed(str(exc))
            return
        seconds, keep = self.forecast.seconds.value(), self.forecast.keep.isChecked()
        self.forecast.busy()

        async def call() -> dict[str, Any]:
            client = await self.link.client()
            return await client.forecast(text, seconds, keep, creds)

        spawn(call(), self.forecast.show_forecast,
              lambda code, message: self.forecast.failed(messages.agent_error_text(code, message)))

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
            to_toml(self._render()("keyring:pending") | {"name": name})   # validated before any secret is saved
        except InputError as exc:
            self.status.setText(str(exc))
            return False
        if self.keyring_problem and self._secrets_typed() and not self.agent_only.isChecked() \
                and self.link.session is None:
            self.set_keyring(self.keyring_problem)   # the sentence and the choice again; nothing is saved
            return False
        self._busy = True
        self.status.setText(Q.translate("ReviewPage", "Creating the task…"))
        spawn(self._save_and_create(name), self._created)
        return False

    def set_keyring(self, problem: str) -> None:
        """What the wizard found about the system keyring ("" usable): without one the page offers the choice."""
        self.keyring_problem = problem
        self.agent_only.setVisible(bool(problem))
        if not problem:
            self.agent_only.setChecked(False)
        elif self._secrets_typed():
            self.status.setText(messages.keyring_text(problem) + " " + Q.translate(
                "ReviewPage", "Tick the box above to create the task that way."))

    def _secrets_typed(self) -> bool:
        wizard = self.wizard()
        return any(p.needs_credentials() for p in (wizard.source_page, wizard.destination_page))  # type: ignore

    async def _save_and_create(self, name: str) -> dict[str, Any] | None:
        """Each side's secret where the operator chose (keyring, or the agent's memory), then the task. Settings
        record a remembered entry only once the task exists; every failure ends here with a sentence."""
        try:
            client = await self.link.client()
            refs, kept = {}, []
            wizard = self.wizard()
            for page in (wizard.source_page, wizard.destination_page):  # type: ignore[attr-defined]
                if not page.needs_credentials():
                    refs[page.side] = page.table()
                    continue
                creds = Credentials(page.key_id.text().strip(), page.secret.text())
                one_off = f"task-{uuid.uuid4().hex[:12]}-{page.side}"
                if self.link.session is not None or (self.keyring_problem and self.agent_only.isChecked()):
                    # A master cannot read this computer's keyring: it holds the secret in memory (sent through
                    # the SSH tunnel), and its workers get it from it over the cluster's TLS.
                    ref = await client.keep_secret(one_off, creds.access_key_id, creds.secret_access_key)
                elif page.remember.isChecked():
                    entry = f"{page.table()['kind']}-{creds.access_key_id}"
                    old = await asyncio.to_thread(remembered, entry)
                    if old is not None and old != creds and not await self._replace_confirmed(creds.access_key_id):
                        self._busy = False
                        self.status.setText(Q.translate(
                            "ReviewPage", "Nothing was changed: the remembered secret of {id} stays. Correct the "
                                          "secret, or untick \"Remember\" to use the one typed for this task only.")
                            .format(id=creds.access_key_id))
                        return None
                    ref = f"keyring:{entry}" if old == creds else \
                        await asyncio.to_thread(store_in_keyring, entry, creds)
                    kept.append(entry)
                else:
                    ref = await asyncio.to_thread(store_in_keyring, one_off, creds)
                refs[page.side] = page.table(ref)
            text = to_toml(self._render()("") | {"name": name, "source": refs["source"],
                                                 "destination": refs["destination"]})
            snapshot: dict[str, Any] = await client.create_task(text)
        except AgentError as exc:
            self._failed(exc.code, exc.message)
            return None
        except InputError as exc:
            self._failed("bad-input", str(exc))
            return None
        except Exception as exc:  # the keyring backend refused (NoKeyringError, locked, D-Bus): say so, keep nothing
            log.error("the secrets could not be saved in the system keyring: %s: %s", type(exc).__name__, exc)
            self._busy = False
            self.set_keyring(type(exc).__name__)
            return None
        for entry in kept:
            if entry not in self.settings.saved_credentials:
                self.settings.saved_credentials.append(entry)
        if kept:
            self.settings.save()
        return snapshot

    async def _replace_confirmed(self, key_id: str) -> bool:
        return await confirm.confirmed(self, Q.translate("ReviewPage", "Replace the remembered secret?"), Q.translate(
            "ReviewPage", "A different secret is remembered for {id}, and other tasks may use it. Replace it with "
                          "the one typed? Tasks that use it will then use the new one.").format(id=key_id),
            Q.translate("ReviewPage", "Replace"), Q.translate("ReviewPage", "Keep the remembered one"))

    def _created(self, snapshot: dict[str, Any] | None) -> None:
        if snapshot is None:
            return
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
