"""Mode selection: the agent on this computer, or semi-managed (an agent on a master server in the source cloud,
reached over SSH, with worker servers). "Test SSH connection" reaches every server (host keys confirmed on
screen the first time), Next deploys and starts the agents with visible progress, and from then on every page
talks to the master's agent. "Export deployment kit" is the way for servers this computer cannot reach."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wizard.errors import InputError
from wizard.gui import masters, messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.pages.base import TranslatedPage
from wizard.gui.pages.location import ERROR_COLOR, OK_COLOR
from wizard.gui.settings import Settings
from wizard.gui.widgets import confirm
from wizard.remote.direct import DirectMaster
from wizard.remote.kit import check_master_ip
from wizard.remote.session import HostReport, Login, MasterSession, valid_host, worker_target
from wizard.remote.ssh import RemoteError, Target, pin


class ModePage(TranslatedPage):
    """Where the agent runs."""

    def __init__(self, settings: Settings, link: AgentLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings, self.link = settings, link
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
        self.test = QPushButton()
        self.kit = QPushButton()
        self.attach = QPushButton()
        self.hosts = QLabel()            # one line per server: what "Test SSH connection" found
        self.hosts.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.step = QLabel()
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
        buttons = QHBoxLayout()
        buttons.addWidget(self.test)
        buttons.addWidget(self.kit)
        buttons.addWidget(self.attach)
        buttons.addStretch(1)
        form.addRow(buttons)
        layout = QVBoxLayout(self)
        for widget in (self.local, self.remote, self.box, self.hosts, self.step, self.progress, self.error):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.busy = False
        self.ready: dict[str, Any] | None = None    # the entries the running master was brought up with
        self.remote.toggled.connect(self._mode_changed)
        self.browse.clicked.connect(self._browse)
        self.test.clicked.connect(self.test_connection)
        self.kit.clicked.connect(self._ask_kit)
        self.attach.clicked.connect(self._ask_attach)
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
                 "password": Q.translate("ModePage", "Password, or the key's passphrase"),
                 "master_ip": Q.translate("ModePage", "Master node private IP"),
                 "workers": Q.translate("ModePage", "Worker servers (one per line)")}
        for name, label in self.labels.items():
            label.setText(texts[name])
        self.browse.setText(Q.translate("ModePage", "Browse…"))
        self.master_ip.setPlaceholderText(Q.translate("ModePage", "the address workers use, like 172.16.0.94"))
        self.password.setPlaceholderText(Q.translate("ModePage", "kept in the system keyring"))
        self.workers.setPlaceholderText(Q.translate("ModePage", "172.16.0.95\nroot@172.16.0.96:2222\n(the same "
                                                                "login as the master unless a line names its own)"))
        self.test.setText(Q.translate("ModePage", "Test SSH connection"))
        self.kit.setText(Q.translate("ModePage", "Export deployment kit…"))
        self.attach.setText(Q.translate("ModePage", "Attach by address…"))
        self.attach.setToolTip(Q.translate("ModePage", "A master started by hand whose API port you forward "
                                                       "yourself: its address and token (never saved)."))
        self.kit.setToolTip(Q.translate("ModePage", "For servers this computer cannot reach: an archive with the "
                                                    "agent, start scripts and a README to run on the master and "
                                                    "each worker."))

    def _mode_changed(self) -> None:
        self.box.setEnabled(self.remote.isChecked())
        self.hosts.setVisible(self.remote.isChecked())
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

    def worker_lines(self) -> list[str]:
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
        if self._master_ip_problem():
            return self._master_ip_problem()
        login = Login(self.user.text().strip(), self.port.value(), key)
        for line in self.worker_lines():
            try:
                worker_target(line, login)
            except RemoteError:
                return Q.translate("ModePage", "Not a worker address (host, user@host or host:port): {host}"
                                   ).format(host=line)
        return ""

    def _master_ip_problem(self) -> str:
        """The master's private IP by the one rule the CLI's kit uses too (an address, not 0.0.0.0 or multicast)."""
        try:
            check_master_ip(self.master_ip.text())
        except InputError:
            return Q.translate("ModePage", "The master node private IP must be an IPv4 or IPv6 address.")
        return ""

    def values(self) -> dict[str, Any]:
        """What is kept in the settings (never the password: it goes to the keyring)."""
        return {"host": self.host.text().strip(), "port": self.port.value(), "user": self.user.text().strip(),
                "key_file": str(Path(self.key_file.text().strip()).expanduser()) if self.key_file.text().strip()
                else "", "master_ip": self.master_ip.text().strip(), "workers": self.worker_lines()}

    # -- reaching the servers --------------------------------------------------------------------------------
    async def _session(self) -> tuple[MasterSession, list[Target]]:
        """A session for what the form says (the password typed, else the one kept in the keyring)."""
        entry = self.values()
        session = await asyncio.to_thread(masters.session_of, entry, self.password.text())   # reads the keyring
        if not self.key_file.text().strip() and not session.master.password:
            raise RemoteError("no-secret", Q.translate("ModePage", "Give a private key file or a password."))
        return session, masters.workers_of(entry, session.login())

    def test_connection(self) -> None:
        """Reach every server, confirming unknown host keys on screen, and show what each one is."""
        problem = self.problem()
        self._say(problem, ok=False)
        if problem or self.busy:
            return
        self.busy = True

        async def go() -> bool:
            session, workers = await self._session()
            return await self._reach(session, workers)
        spawn(go(), self._idle, self._failed)

    async def _reach(self, session: MasterSession, workers: list[Target]) -> bool:
        self.hosts.setText(Q.translate("ModePage", "Connecting…"))
        reports = []
        for target in (session.master, *workers):
            try:
                pending = await session.pending_key(target)
            except RemoteError as exc:      # not reached at all (directly, nor through the master): named
                reports.append(HostReport(target.host, error=exc))
                continue
            if pending is not None:
                where, fingerprint, key = pending
                if not await self.fingerprint_confirmed(where.host, fingerprint):
                    self.hosts.setText(Q.translate("ModePage", "Nothing was sent to {host}: its host key was not "
                                                               "confirmed.").format(host=where.host))
                    return False
                pin(where, key)
            reports.append(await session.test(target))
        self.hosts.setText("\n".join(self.report_text(r) for r in reports))
        return all(r.ok for r in reports)

    async def fingerprint_confirmed(self, host: str, fingerprint: str) -> bool:
        return await confirm.confirmed(self, Q.translate("ModePage", "Confirm the server's host key"), Q.translate(
            "ModePage", "This is the first connection to {host}. Its host key fingerprint is\n\n{fingerprint}\n\n"
                        "Compare it with the one the server shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"
                        " on the server). Trust this server from now on?").format(host=host, fingerprint=fingerprint),
            Q.translate("ModePage", "Trust this server"), Q.translate("ModePage", "Cancel"))

    @staticmethod
    def report_text(r: HostReport) -> str:
        if r.error is not None:
            return "✘ " + messages.remote_text(r.error.code, str(r.error), r.error.host or r.host)
        free = messages.human_bytes(r.free_kib * 1024)
        agent = Q.translate("ModePage", "agent {version}").format(version=r.agent_version) if r.agent_version \
            else Q.translate("ModePage", "no agent yet")
        via = Q.translate("ModePage", " (through {host})").format(host=r.via) if r.via else ""
        return "✔ " + Q.translate("ModePage", "{host}{via}: logged in, {arch}, {agent}, {free} free").format(
            host=r.host, via=via, arch=r.arch, agent=agent, free=free)

    # -- Next: deploy and start ------------------------------------------------------------------------------
    def validatePage(self) -> bool:
        if self.local.isChecked():
            self.link.use_local()
            return True
        if self.ready is not None and self.ready == self.values() and self.link.session is not None:
            return True
        problem = self.problem()
        self._say(problem, ok=False)
        if problem or self.busy:
            return False
        self.busy = True
        spawn(self._bring_up(), self._brought_up, self._failed)
        return False

    async def _bring_up(self) -> bool:
        session, workers = await self._session()
        if not await self._reach(session, workers):
            return False
        self.progress.setValue(0)
        self.progress.show()
        await session.bring_up(workers, self._step)
        entry = self.values()
        if self.password.text():
            try:
                await asyncio.to_thread(masters.keep_secret, entry["user"], entry["host"], self.password.text())
            except Exception as exc:  # no usable keyring: the secret stays in this session's memory only
                self._say(messages.keyring_text(type(exc).__name__), ok=False)
        self.settings.mode = entry
        masters.remember(self.settings, entry)
        self.link.use_remote(session)
        self.ready = entry
        return True

    def _step(self, host: str, step: str, fraction: float) -> None:
        texts = {"connect": Q.translate("ModePage", "Connecting to {host}…"),
                 "upload": Q.translate("ModePage", "Uploading the agent to {host}…"),
                 "start": Q.translate("ModePage", "Starting the agent on {host}…"),
                 "ready": Q.translate("ModePage", "The agent on {host} is running.")}
        self.step.setText(texts.get(step, step).format(host=host))
        self.progress.setValue(int(fraction * 100))

    def _brought_up(self, ok: bool) -> None:
        self.busy = False
        self.progress.hide()
        if ok:
            self._say(Q.translate("ModePage", "The master and its workers are running."), ok=True)
            self.wizard().next()

    def _idle(self, _ok: bool) -> None:
        self.busy = False

    def _failed(self, code: str, message: str) -> None:
        self.busy = False
        self.progress.hide()
        self.step.clear()
        self._say(messages.agent_error_text(code, message) if code != "remote:no-secret" else message, ok=False)

    # -- the manual deployment kit ---------------------------------------------------------------------------
    def _ask_kit(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, Q.translate("ModePage", "Export deployment kit"))
        if folder:
            self.export_kit(folder)

    def export_kit(self, folder: str) -> None:
        """The kit for the master IP typed, into ``folder``; the page says where it went."""
        if self._master_ip_problem():
            self._say(self._master_ip_problem(), ok=False)
            return

        async def build() -> Path:
            from wizard.remote.bundle import find_bundle
            from wizard.remote.kit import build_kit

            return await asyncio.to_thread(build_kit, Path(folder), find_bundle("x86_64"),
                                           self.master_ip.text().strip())

        def built(path: Path) -> None:
            self._say(Q.translate("ModePage", "Wrote {path}: unpack it on the master and follow its README.")
                      .format(path=path), ok=True)
        spawn(build(), built, self._failed)

    # -- attaching by address and token (a master started from the kit, its port forwarded by the operator) --
    def _ask_attach(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(Q.translate("ModePage", "Attach by address"))
        address, token = QLineEdit("http://127.0.0.1:"), QLineEdit()
        token.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(dialog)
        form.addRow(Q.translate("ModePage", "Agent API address"), address)
        form.addRow(Q.translate("ModePage", "Token"), token)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        dialog.accepted.connect(lambda: self.attach_to(address.text(), token.text()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def attach_to(self, address: str, token: str) -> None:
        """Work with the master's agent at ``address``: asked first (a wrong token is refused by the agent), then
        on to the next page. Nothing is saved: the token is a secret."""
        try:
            master = DirectMaster(address, token)
        except InputError as exc:
            self._say(str(exc), ok=False)
            return

        async def reach() -> DirectMaster:
            about = await (await master.client()).agent()
            if not about.get("cluster"):
                await master.close()
                raise InputError(f"the agent at {master.url} is not the master of a cluster (serve --cluster)")
            return master

        def reached(found: DirectMaster) -> None:
            self.remote.setChecked(True)
            self.link.use_remote(found)
            self.ready = self.values()
            self._say(Q.translate("ModePage", "Attached to the master's agent at {address}.")
                      .format(address=found.url), ok=True)
            self.wizard().next()
        spawn(reach(), reached, self._failed)

    def _say(self, text: str, ok: bool) -> None:
        """A problem is red; a success is green (property ``ok`` for tests)."""
        self.error.setText(text)
        self.error.setProperty("ok", ok)
        self.error.setStyleSheet(f"color: {OK_COLOR if ok else ERROR_COLOR}")
