"""The source and destination pages: kind, region / endpoint presets, bucket, prefix, AccessKey (masked, kept in
the system keyring when asked), and a connection test that runs on the agent without freezing the window."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from wizard.errors import InputError
from wizard.gui import messages
from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.pages.base import TranslatedPage
from wizard.secrets import Credentials, remembered
from wizard.task import parse_location

OSS_REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou",
               "cn-chengdu", "cn-hongkong", "ap-southeast-1", "us-west-1", "eu-central-1"]
COS_REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-nanjing",
               "ap-hongkong", "ap-singapore", "na-siliconvalley", "eu-frankfurt"]
S3_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-1"]
OK_COLOR, ERROR_COLOR = "#2e7d32", "#c0392b"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_COS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9\-]*-\d{5,}$")


def endpoint_for(kind: str, region: str, internal: bool) -> str:
    """The vendor's endpoint for a region (OSS internal endpoints for an agent inside Alibaba Cloud)."""
    if kind == "oss":
        return f"https://oss-{region}{'-internal' if internal else ''}.aliyuncs.com"
    if kind == "cos":
        return f"https://cos.{region}.myqcloud.com"
    if kind == "s3":
        return f"https://s3.{region}.amazonaws.com" + (".cn" if region.startswith("cn-") else "")
    return ""


class LocationPage(TranslatedPage):
    """One side of the task; ``side`` is "source" or "destination"."""

    def __init__(self, side: str, link: AgentLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side, self.link = side, link
        self.kind = QComboBox()
        kinds = ["oss", "s3", "cos", "local", "urllist"] if side == "source" else ["cos", "oss", "s3", "local"]
        for k in kinds:
            self.kind.addItem(k, k)
        self.region = QComboBox()
        self.region.setEditable(True)
        self.internal = QCheckBox()
        self.endpoint = QLineEdit()
        # S3 addressing: automatic picks path style for IP addresses and non-AWS hosts (MinIO, SeaweedFS, ...).
        self.path_style = QComboBox()
        for value in ("auto", "path", "virtual"):
            self.path_style.addItem(value, value)
        self.bucket = QLineEdit()
        self.prefix = QLineEdit()
        self.path = QLineEdit()
        self.browse = QPushButton()
        self.key_id = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox()
        self.remember.setChecked(True)
        self.note = QLabel()         # what the page did by itself (a remembered secret filled in)
        self.note.setWordWrap(True)
        self.keyring_problem = ""
        self.test = QPushButton()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b")
        self.error.setObjectName("error")
        self.path_row = path_row = QHBoxLayout()
        path_row.addWidget(self.path)
        path_row.addWidget(self.browse)
        self.answer: dict[str, Any] | None = None    # the last connection test, shown again in a new language
        self.form = QFormLayout(self)
        self.labels = {name: QLabel() for name in ("kind", "region", "endpoint", "path_style", "bucket", "prefix",
                                                    "path", "key_id", "secret")}
        for name, field in (("kind", self.kind), ("region", self.region), ("", self.internal),
                            ("endpoint", self.endpoint), ("path_style", self.path_style), ("bucket", self.bucket),
                            ("prefix", self.prefix),
                            ("path", path_row), ("key_id", self.key_id), ("secret", self.secret),
                            ("", self.remember), ("", self.note), ("", self.test), ("", self.result), ("", self.error)):
            if name:
                self.form.addRow(self.labels[name], field)
            else:
                self.form.addRow(field)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.region.currentTextChanged.connect(self._fill_endpoint)
        self.internal.toggled.connect(self._fill_endpoint)
        self.browse.clicked.connect(self._browse)
        self.test.clicked.connect(self.test_connection)
        self.key_id.editingFinished.connect(self._fill_remembered)
        self._testing = False
        self._offered_internal = False
        self._advance = False           # Next is waiting for the agent's answer about a path
        self._checked_path: tuple[str, str] | None = None   # a path the copying agent found (semi-managed mode)
        # A test's answer speaks of what was typed then: an edit makes it stale, so it goes.
        for edit in (self.endpoint, self.bucket, self.prefix, self.key_id, self.secret, self.path):
            edit.textChanged.connect(lambda _t: self._entries_changed())
        self.region.currentTextChanged.connect(lambda _t: self._entries_changed())
        self.path_style.currentIndexChanged.connect(lambda _i: self._entries_changed())
        self.retranslate()
        self._kind_changed()

    # -- language --------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        if self.side == "source":
            self.setTitle(Q.translate("LocationPage", "Source"))
            self.setSubTitle(Q.translate("LocationPage", "Where the files are now."))
        else:
            self.setTitle(Q.translate("LocationPage", "Destination"))
            self.setSubTitle(Q.translate("LocationPage", "Where the files go. A COS bucket name ends with the "
                                                         "APPID, like photos-1250000000.") if self._kind() == "cos"
                             else Q.translate("LocationPage", "Where the files go."))
        names = {"oss": Q.translate("LocationPage", "Alibaba Cloud OSS"),
                 "s3": Q.translate("LocationPage", "Amazon S3 / S3-compatible"),
                 "cos": Q.translate("LocationPage", "Tencent Cloud COS"),
                 "local": Q.translate("LocationPage", "Local folder"),
                 "urllist": Q.translate("LocationPage", "URL list file")}
        for i in range(self.kind.count()):
            self.kind.setItemText(i, names[self.kind.itemData(i)])
        texts = {"kind": Q.translate("LocationPage", "Storage type"), "region": Q.translate("LocationPage", "Region"),
                 "endpoint": Q.translate("LocationPage", "Endpoint"),
                 "path_style": Q.translate("LocationPage", "URL style"),
                 "bucket": Q.translate("LocationPage", "Bucket"),
                 "prefix": Q.translate("LocationPage", "Prefix (optional)"),
                 "path": Q.translate("LocationPage", "Folder") if self._kind() != "urllist"
                 else Q.translate("LocationPage", "URL list file"),
                 "key_id": Q.translate("LocationPage", "AccessKey ID") if self._kind() != "cos"
                 else Q.translate("LocationPage", "SecretId"),
                 "secret": Q.translate("LocationPage", "AccessKey Secret") if self._kind() != "cos"
                 else Q.translate("LocationPage", "SecretKey")}
        for name, label in self.labels.items():
            label.setText(texts[name])
        styles = {"auto": Q.translate("LocationPage", "Automatic (path style for IP addresses and non-AWS hosts)"),
                  "path": Q.translate("LocationPage", "Path style (endpoint/bucket/key)"),
                  "virtual": Q.translate("LocationPage", "Virtual-hosted style (bucket.endpoint/key)")}
        for i in range(self.path_style.count()):
            self.path_style.setItemText(i, styles[self.path_style.itemData(i)])
        self.internal.setText(Q.translate("LocationPage", "The agent runs inside Alibaba Cloud: use the internal "
                                                          "endpoint (no traffic fees)"))
        self.remember.setText(Q.translate("LocationPage", "Remember in the system keyring"))
        self.test.setText(Q.translate("LocationPage", "Test write permission") if self.side == "destination"
                          else Q.translate("LocationPage", "Test connection"))
        self.browse.setText(Q.translate("LocationPage", "Browse…"))
        if self.answer is not None:
            self._tested(self.answer)

    # -- fields ----------------------------------------------------------------------------------------------
    def _kind(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        kind = self._kind()
        store = kind in ("oss", "s3", "cos")
        # Whole form rows are shown or hidden, so a hidden field leaves no gap.
        for field in (self.region, self.endpoint, self.bucket, self.key_id, self.secret, self.remember):
            self.form.setRowVisible(field, store)
        self.form.setRowVisible(self.internal, kind == "oss" and self.side == "source")
        self.form.setRowVisible(self.path_style, kind == "s3")
        self.form.setRowVisible(self.path_row, not store)
        self.form.setRowVisible(self.prefix, kind != "urllist")
        self.region.blockSignals(True)
        self.region.clear()
        self.region.addItems({"oss": OSS_REGIONS, "cos": COS_REGIONS, "s3": S3_REGIONS}.get(kind, []))
        self.region.blockSignals(False)
        self._fill_endpoint()
        self.result.clear()
        self.answer = None
        self.error.clear()
        self.retranslate()
        self.completeChanged.emit()

    def initializePage(self) -> None:
        """In semi-managed mode the master runs in the source cloud: an OSS source is offered its internal
        endpoint (ticked once, the operator may untick it), and folders are the master's."""
        remote = self.link.session is not None
        if remote and self.side == "source" and not self._offered_internal:
            self._offered_internal = True
            self.internal.setChecked(True)
        self.note.setText(Q.translate("LocationPage", "Folders and URL lists are on the master server {host}; the "
                                                      "checks run there.").format(host=self.link.where)
                          if remote and not self.needs_credentials() else "")

    def set_keyring(self, problem: str) -> None:
        """Without a usable keyring there is nothing to remember in: the box is off and says why."""
        self.keyring_problem = problem
        self.remember.setEnabled(not problem)
        if problem:
            self.remember.setChecked(False)
        self.remember.setToolTip(messages.keyring_text(problem) if problem else "")

    def _fill_remembered(self) -> None:
        """A remembered AccessKey ID brings its secret back (when the secret field is still empty)."""
        entry = f"{self._kind()}-{self.key_id.text().strip()}"
        settings = getattr(self.wizard(), "settings", None)
        if not self.needs_credentials() or self.secret.text() or settings is None \
                or entry not in settings.saved_credentials:
            return
        key_id = self.key_id.text().strip()

        def filled(creds: Credentials | None) -> None:
            if creds is not None and not self.secret.text() and self.key_id.text().strip() == key_id:
                self.secret.setText(creds.secret_access_key)
                self.remember.setChecked(True)
                self.note.setText(Q.translate("LocationPage", "The remembered secret of this AccessKey ID was "
                                                              "filled in."))
        spawn(asyncio.to_thread(remembered, entry), filled)

    def _entries_changed(self) -> None:
        self._checked_path = None
        self.error.clear()
        self.note.clear()
        if not self._testing:
            self.result.clear()
            self.answer = None

    def _fill_endpoint(self) -> None:
        region = self.region.currentText().strip()
        if region:
            self.endpoint.setText(endpoint_for(self._kind(), region, self.internal.isChecked()))

    def _browse(self) -> None:
        if self._kind() == "urllist":
            path, _ = QFileDialog.getOpenFileName(self, Q.translate("LocationPage", "URL list file"))
        else:
            path = QFileDialog.getExistingDirectory(self, Q.translate("LocationPage", "Folder"))
        if path:
            self.path.setText(path)

    def table(self, credentials: str = "keyring:pending") -> dict[str, Any]:
        """This side as a task-file table (credentials as a reference)."""
        kind = self._kind()
        if kind == "local":
            return {"kind": kind, "path": self.path.text().strip()}
        if kind == "urllist":
            return {"kind": kind, "list": self.path.text().strip()}
        table: dict[str, Any] = {"kind": kind, "endpoint": self.endpoint.text().strip(),
                                 "bucket": self.bucket.text().strip(), "credentials": credentials}
        if self.prefix.text().strip():
            table["prefix"] = self.prefix.text().strip()
        region = self.region.currentText().strip()
        if region and kind in ("oss", "cos", "s3"):
            table["region"] = region
        style = self.path_style.currentData()
        if kind == "s3" and style != "auto":
            table["path_style"] = style == "path"
        return table

    def needs_credentials(self) -> bool:
        return self._kind() in ("oss", "s3", "cos")

    def problem(self) -> str:
        """The first thing wrong with what was typed, as one translated sentence; "" when all is well."""
        kind = self._kind()
        if kind in ("local", "urllist"):
            text = self.path.text().strip()
            if not text:
                return Q.translate("LocationPage", "Choose a folder.") if kind == "local" \
                    else Q.translate("LocationPage", "Choose the URL list file.")
            if not Path(text).is_absolute():
                return Q.translate("LocationPage", "Give the full path, starting at the root of the disk.")
            if self.link.session is not None:    # the folder is on the master: its agent checks it (Next, Test)
                return ""
            if kind == "urllist" and not Path(text).is_file():
                return Q.translate("LocationPage", "The URL list file does not exist.")
            if kind == "local" and self.side == "source" and not Path(text).is_dir():
                return Q.translate("LocationPage", "The folder does not exist.")
            return ""
        parts = urlsplit(self.endpoint.text().strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            return Q.translate("LocationPage", "The endpoint must look like https://oss-cn-hangzhou.aliyuncs.com "
                                               "(scheme and host, no path).")
        bucket = self.bucket.text().strip()
        if kind == "cos" and not _COS_BUCKET.match(bucket):
            return Q.translate("LocationPage", "A COS bucket name ends with the account's APPID, like "
                                               "photos-1250000000.")
        if not _BUCKET.match(bucket):
            return Q.translate("LocationPage", "The bucket name is 3-63 lower-case letters, digits, dots and "
                                               "hyphens.")
        if not self.key_id.text().strip():
            return Q.translate("LocationPage", "The SecretId is empty.") if kind == "cos" \
                else Q.translate("LocationPage", "The AccessKey ID is empty.")
        if not self.secret.text():
            return Q.translate("LocationPage", "The SecretKey is empty.") if kind == "cos" \
                else Q.translate("LocationPage", "The AccessKey Secret is empty.")
        try:
            parse_location(self.table(), self.side, None)
        except InputError as exc:  # rarer rules (an OSS endpoint that does not name its region, ...)
            return str(exc)
        return ""

    def validatePage(self) -> bool:
        problem = self.problem()
        self.error.setText(problem)
        if problem:
            return False
        if self.link.session is None or self.needs_credentials():
            return True
        # A folder or URL list on the master: its agent says whether it is there, then the page goes on.
        if self._checked_path == (self._kind(), self.path.text().strip()):
            return True
        self._advance = True
        self.test_connection()
        return False

    # -- connection test -------------------------------------------------------------------------------------
    def test_connection(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        if problem or self._testing:
            return
        # The button stays enabled while the agent answers (a click then does nothing): disabling it would move
        # the focus to the wizard's Back button, and Enter would leave the page.
        self._testing = True
        self.result.setStyleSheet("")
        self.result.setText(Q.translate("LocationPage", "Testing…"))
        table = self.table()
        table.pop("credentials", None)

        async def probe() -> dict[str, Any]:
            client = await self.link.client()
            if self.needs_credentials():
                return await client.probe(self.side, table, self.key_id.text().strip(), self.secret.text())
            return await client.probe(self.side, table)

        spawn(probe(), self._tested, self._test_failed)

    def _tested(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self._testing = False
        advance, self._advance = self._advance, False
        if answer["ok"] and not self.needs_credentials() and self.link.session is not None:
            self._checked_path = (self._kind(), self.path.text().strip())
            if advance:                    # Next asked, and the master's agent found it: on to the next page
                self.wizard().next()
        lines = [("✔ " if c["ok"] else "✘ ") + messages.check_text(c) for c in answer["checks"]]
        self.result.setText("\n".join(lines))
        self.result.setProperty("ok", answer["ok"])
        self.result.setStyleSheet(f"color: {OK_COLOR if answer['ok'] else ERROR_COLOR}")

    def _test_failed(self, code: str, message: str) -> None:
        self._testing = False
        self._advance = False
        self.result.setText("✘ " + messages.agent_error_text(code, message))
        self.result.setProperty("ok", False)
        self.result.setStyleSheet(f"color: {ERROR_COLOR}")
