"""Mode selection: the agent on this computer, or semi-managed (an agent on a master server in the source cloud,
reached over SSH, with worker servers). The semi-managed entries are validated and kept now; launching the
remote agent comes later, and the page says so."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wizard.gui.pages.base import TranslatedPage
from wizard.gui.pages.location import ERROR_COLOR, OK_COLOR
from wizard.gui.settings import Settings

class ModePage(TranslatedPage):
    """Where the agent runs."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.local = QRadioButton()
        self.remote = QRadioButton()
        self.local.setChecked(True)
        self.box = QGroupBox()
        self.host, self.user, self.key_file, self.password, self.master_ip = (QLineEdit() for _ in range(5))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(22)
        self.browse = QPushButton()
        self.workers = QPlainTextEdit()
        self.workers.setMaximumHeight(90)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOR}")
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_file)
        key_row.addWidget(self.browse)
        self.labels = {n: QLabel() for n in ("host", "port", "user", "key", "password", "master_ip", "workers")}
        form = QFormLayout(self.box)
        for name, field in (("host", self.host), ("port", self.port), ("user", self.user), ("key", key_row),
                            ("password", self.password), ("master_ip", self.master_ip), ("workers", self.workers)):
            form.addRow(self.labels[name], field)
        layout = QVBoxLayout(self)
        for widget in (self.local, self.remote, self.box, self.notice, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.remote.toggled.connect(self._mode_changed)
        self.browse.clicked.connect(self._browse)
        self._load()
        self.retranslate()
        self._mode_changed()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("ModePage", "Mode selection"))
        self.setSubTitle(Q.translate("ModePage", "Where the migration agent runs."))
        self.local.setText(Q.translate("ModePage", "Agent on this computer"))
        self.remote.setText(Q.translate("ModePage", "Semi-managed: agent on a master server in the source cloud, "
                                                    "with worker servers"))
        self.box.setTitle(Q.translate("ModePage", "Master server (SSH)"))
        texts = {"host": Q.translate("ModePage", "SSH address"), "port": Q.translate("ModePage", "SSH port"),
                 "user": Q.translate("ModePage", "User"), "key": Q.translate("ModePage", "Private key file"),
                 "password": Q.translate("ModePage", "Password (if no key)"),
                 "master_ip": Q.translate("ModePage", "Master node private IP"),
                 "workers": Q.translate("ModePage", "Worker servers (one per line)")}
        for name, label in self.labels.items():
            label.setText(texts[name])
        self.browse.setText(Q.translate("ModePage", "Browse…"))
        self.master_ip.setPlaceholderText(Q.translate("ModePage", "the address workers use, like 172.16.0.94"))
        self.notice.setText(Q.translate("ModePage", "Remote launching is not available yet: your entries are "
                                                    "checked and saved, but to migrate now choose \"Agent on this "
                                                    "computer\".") if self.remote.isChecked() else "")

    def _mode_changed(self) -> None:
        self.box.setEnabled(self.remote.isChecked())
        self.error.clear()
        self.retranslate()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, Q.translate("ModePage", "Private key file"))
        if path:
            self.key_file.setText(path)

    def _load(self) -> None:
        m = self.settings.mode
        self.host.setText(m.get("host", ""))
        self.port.setValue(int(m.get("port", 22)))
        self.user.setText(m.get("user", ""))
        self.key_file.setText(m.get("key_file", ""))
        self.master_ip.setText(m.get("master_ip", ""))
        self.workers.setPlainText("\n".join(m.get("workers", [])))

    def worker_hosts(self) -> list[str]:
        return [w.strip() for w in re.split(r"[\s,;]+", self.workers.toPlainText()) if w.strip()]

    def problem(self) -> str:
        """The first wrong entry of the semi-managed form, translated; "" when all is well."""
        if not valid_host(self.host.text().strip()):
            return Q.translate("ModePage", "The SSH address must be a host name or an IP address.")
        if not self.user.text().strip():
            return Q.translate("ModePage", "The SSH user is empty.")
        key = self.key_file.text().strip()
        if key and not Path(key).expanduser().is_file():
            return Q.translate("ModePage", "The private key file does not exist.")
        if not key and not self.password.text():
            return Q.translate("ModePage", "Give a private key file or a password.")
        try:
            ipaddress.ip_address(self.master_ip.text().strip())
        except ValueError:
            return Q.translate("ModePage", "The master node private IP must be an IPv4 or IPv6 address.")
        bad = [w for w in self.worker_hosts() if not valid_host(w)]
        if bad:
            return Q.translate("ModePage", "Not a host name or IP address: {host}").format(host=bad[0])
        return ""

    def values(self) -> dict[str, Any]:
        """What is kept in the settings (never the password: it goes to the keyring)."""
        return {"host": self.host.text().strip(), "port": self.port.value(), "user": self.user.text().strip(),
                "key_file": self.key_file.text().strip(), "master_ip": self.master_ip.text().strip(),
                "workers": self.worker_hosts()}

    def validatePage(self) -> bool:
        if self.local.isChecked():
            return True
        problem = self.problem()
        if problem:
            self._say(problem, ok=False)
            return False
        self.settings.mode = self.values()
        if self.password.text():
            from wizard.secrets import Credentials, store_in_keyring

            store_in_keyring(f"ssh-{self.values()['user']}-{self.values()['host']}",
                             Credentials(self.values()["user"], self.password.text()))
        self.settings.save()
        self._say(Q.translate("ModePage", "Saved. Remote launching is not available yet: choose "
                                          "\"Agent on this computer\" to migrate now."), ok=True)
        return False

    def _say(self, text: str, ok: bool) -> None:
        """A problem is red; "saved" is not a failure, so it is green (property ``ok`` for tests)."""
        self.error.setText(text)
        self.error.setProperty("ok", ok)
        self.error.setStyleSheet(f"color: {OK_COLOR if ok else ERROR_COLOR}")
