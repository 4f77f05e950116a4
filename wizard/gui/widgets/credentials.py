"""Edit an existing task's credentials from the start page: for each side that holds a keyring or agent reference,
the AccessKey ID and Secret are tested by the agent against the task's own location before they are kept where the
task's reference points. A remembered entry other tasks share is replaced only after the operator confirms."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wizard.agent.client import AgentError
from wizard.gui import messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.widgets import confirm
from wizard.secrets import Credentials, remembered, store_in_keyring

OK_COLOR, ERROR_COLOR = "#2e7d32", "#c0392b"


class CredentialsDialog(QDialog):
    """One task's credentials, side by side; nothing is kept until the agent's test passed."""

    def __init__(self, link: AgentLink, task: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link, self.task = link, task
        self.setObjectName("credentials")
        self.setWindowTitle(Q.translate("CredentialsDialog", "Credentials of {name}").format(name=task["name"]))
        self.refs = {side: ref for side, ref in (task.get("credentials") or {}).items()
                     if ref.split(":", 1)[0] in ("keyring", "agent")}
        self.key_ids: dict[str, QLineEdit] = {}
        self.secrets: dict[str, QLineEdit] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        for side in self.refs:
            where = Q.translate("CredentialsDialog", "Source") if side == "source" \
                else Q.translate("CredentialsDialog", "Destination")
            key_id, secret = QLineEdit(), QLineEdit()
            secret.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(QLabel(f"<b>{where}</b>: {task.get(side, '')}"))
            form.addRow(Q.translate("CredentialsDialog", "AccessKey ID"), key_id)
            form.addRow(Q.translate("CredentialsDialog", "AccessKey Secret"), secret)
            self.key_ids[side], self.secrets[side] = key_id, secret
        layout.addLayout(form)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox()
        self.save = QPushButton(Q.translate("CredentialsDialog", "Test and save"))
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).setText(Q.translate("CredentialsDialog", "Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.save.clicked.connect(self.test_and_save)
        self._busy = False
        if not self.refs:
            self.outcome.setText(Q.translate("CredentialsDialog", "This task needs no secret (or reads it from "
                                                                 "environment variables)."))
            self.save.setEnabled(False)
        for side, ref in self.refs.items():  # what is kept today, so only the secret needs typing
            if ref.startswith("keyring:"):
                spawn(asyncio.to_thread(remembered, ref.split(":", 1)[1]),
                      lambda creds, side=side: self._prefill(side, creds))

    def _prefill(self, side: str, creds: Credentials | None) -> None:
        if creds is not None and not self.key_ids[side].text():
            self.key_ids[side].setText(creds.access_key_id)

    def _say(self, text: str, ok: bool) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(f"color: {OK_COLOR if ok else ERROR_COLOR}")

    def test_and_save(self) -> None:
        if self._busy:
            return  # the button stays enabled (and keeps the focus) while the agent answers
        typed = {side: Credentials(self.key_ids[side].text().strip(), self.secrets[side].text())
                 for side in self.refs if self.secrets[side].text()}
        if not typed or any(not c.access_key_id for c in typed.values()):
            self._say(Q.translate("CredentialsDialog", "Type the AccessKey ID and Secret to change."), False)
            return
        self._busy = True
        self._say(Q.translate("CredentialsDialog", "Testing…"), True)
        spawn(self._test_and_save(typed), lambda _r: None)

    async def _test_and_save(self, typed: dict[str, Credentials]) -> None:
        try:
            client = await self.link.client()
            for side, creds in typed.items():
                answer = await client.probe_task(self.task["id"], side, creds.access_key_id, creds.secret_access_key)
                if not answer["ok"]:
                    self._say("\n".join(("✔ " if c["ok"] else "✘ ") + messages.check_text(c)
                                        for c in answer["checks"]), False)
                    return
            for side, creds in typed.items():
                kind, name = self.refs[side].split(":", 1)
                if kind == "agent":
                    await client.keep_secret(name, creds.access_key_id, creds.secret_access_key)
                    continue
                old = await asyncio.to_thread(remembered, name)
                shared = not name.startswith("task-")
                if shared and old is not None and old != creds and not await self._replace_confirmed(name):
                    self._say(Q.translate("CredentialsDialog", "Nothing was changed."), False)
                    return
                await asyncio.to_thread(store_in_keyring, name, creds)
            self._say(Q.translate("CredentialsDialog", "Tested and saved: the task uses them from its next run "
                                                       "(Resume, or Migrate what changed)."), True)
        except AgentError as exc:
            self._say(messages.agent_error_text(exc.code, exc.message), False)
        except Exception as exc:  # the keyring refused the write
            self._say(messages.keyring_text(type(exc).__name__), False)
        finally:
            self._busy = False

    async def _replace_confirmed(self, entry: str) -> bool:
        return await confirm.confirmed(self, Q.translate("CredentialsDialog", "Replace the remembered secret?"),
                                       Q.translate("CredentialsDialog", "The remembered entry {entry} may be used by "
                                                   "other tasks too: they will use the new secret as well. Replace "
                                                   "it?").format(entry=entry),
                                       Q.translate("CredentialsDialog", "Replace"),
                                       Q.translate("CredentialsDialog", "Keep it"))
