"""Options: the same-name file policy (with the docs' advice), the migration speed limits (QPS for object storage,
bandwidth for URL lists, "no limit" included), concurrency, verification, include / exclude and storage class."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from wizard.engine.schedule import check_schedule
from wizard.errors import InputError
from wizard.gui.pages.base import TranslatedPage
from wizard.storage.mapping import CLASSES

POLICIES = ["overwrite", "skip", "skip-identical", "newer"]


class OptionsPage(TranslatedPage):
    """How to copy; ``destination_kind`` is asked for when the page is shown (storage classes differ)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.same_name = QComboBox()
        for p in POLICIES:
            self.same_name.addItem(p, p)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.qps = QSpinBox()
        self.qps.setRange(0, 100000)
        self.bandwidth = QDoubleSpinBox()
        self.bandwidth.setRange(0, 100000)
        self.bandwidth.setDecimals(1)
        self.unit = QComboBox()
        self.unit.addItems(["MiB/s", "Mbit/s"])
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 512)
        self.concurrency.setValue(32)
        self.verify = QComboBox()
        self.verify.addItem("", "checksum")
        self.verify.addItem("", "size")
        self.include = QLineEdit()
        self.exclude = QLineEdit()
        self.storage_class = QComboBox()
        # Transfer windows, one per line, in the task file's words ("mon-fri 09:00-18:00 bandwidth=20MiB").
        self.schedule = QPlainTextEdit()
        self.schedule.setTabChangesFocus(True)
        self.schedule.setFixedHeight(self.schedule.fontMetrics().lineSpacing() * 3 + 12)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        bw_row = QHBoxLayout()
        bw_row.addWidget(self.bandwidth)
        bw_row.addWidget(self.unit)
        self.labels = {n: QLabel() for n in ("same_name", "qps", "bandwidth", "concurrency", "verify", "include",
                                              "exclude", "storage_class", "schedule")}
        form = QFormLayout(self)
        form.addRow(self.labels["same_name"], self.same_name)
        form.addRow(self.advice)
        for name, field in (("qps", self.qps), ("bandwidth", bw_row), ("concurrency", self.concurrency),
                            ("verify", self.verify), ("include", self.include), ("exclude", self.exclude),
                            ("storage_class", self.storage_class), ("schedule", self.schedule)):
            form.addRow(self.labels[name], field)
        form.addRow(self.error)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("OptionsPage", "Migration options"))
        self.setSubTitle(Q.translate("OptionsPage", "What to do with files of the same name, and how fast."))
        names = [Q.translate("OptionsPage", "Overwrite (the source file replaces the destination's)"),
                 Q.translate("OptionsPage", "Skip (keep the destination's file)"),
                 Q.translate("OptionsPage", "Skip if identical"),
                 Q.translate("OptionsPage", "Overwrite if the source is newer")]
        for i, text in enumerate(names):
            self.same_name.setItemText(i, text)
        self.advice.setText(Q.translate("OptionsPage", "If the destination already holds files with the same "
                                                       "names, choose Skip. Overwrite is the default."))
        texts = {"same_name": Q.translate("OptionsPage", "Files with the same name"),
                 "qps": Q.translate("OptionsPage", "QPS limit (object storage)"),
                 "bandwidth": Q.translate("OptionsPage", "Bandwidth limit (URL list)"),
                 "concurrency": Q.translate("OptionsPage", "Files at once"),
                 "verify": Q.translate("OptionsPage", "Verification"),
                 "include": Q.translate("OptionsPage", "Only files matching"),
                 "exclude": Q.translate("OptionsPage", "Leave out files matching"),
                 "storage_class": Q.translate("OptionsPage", "Storage class"),
                 "schedule": Q.translate("OptionsPage", "Transfer windows")}
        for name, label in self.labels.items():
            label.setText(texts[name])
        no_limit = Q.translate("OptionsPage", "No limit")
        self.qps.setSpecialValueText(no_limit)
        self.bandwidth.setSpecialValueText(no_limit)
        self.verify.setItemText(0, Q.translate("OptionsPage", "Checksum (MD5 / CRC-64)"))
        self.verify.setItemText(1, Q.translate("OptionsPage", "Size only"))
        self.include.setPlaceholderText(Q.translate("OptionsPage", "globs, like *.jpg photos/*"))
        self.exclude.setPlaceholderText(Q.translate("OptionsPage", "globs, like */tmp/*"))
        self.schedule.setPlaceholderText(Q.translate("OptionsPage", "one window a line, like\nmon-fri 09:00-18:00 "
                                                                    "bandwidth=20MiB\nsat,sun 00:00-24:00 qps=off"))
        self.schedule.setToolTip(Q.translate("OptionsPage", "Limits by the agent's local time; outside every window "
                                                            "the limits above apply."))
        if self.storage_class.count():
            self.storage_class.setItemText(0, Q.translate("OptionsPage", "Same as the source (mapped by tier)"))

    def set_destination_kind(self, kind: str) -> None:
        """Offer the destination's own storage classes."""
        self.storage_class.clear()
        self.storage_class.addItem("", "")
        for name in CLASSES.get(kind, {}).values():
            if name:
                self.storage_class.addItem(name, name)
        self.retranslate()

    def bandwidth_bytes(self) -> int:
        value = self.bandwidth.value()
        return int(value * 1024 * 1024) if self.unit.currentIndex() == 0 else int(value * 1_000_000 / 8)

    @staticmethod
    def _globs(text: str) -> list[str]:
        return [g for g in text.replace(",", " ").split() if g]

    def schedule_lines(self) -> list[str]:
        return [line.strip() for line in self.schedule.toPlainText().splitlines() if line.strip()]

    def validatePage(self) -> bool:
        """The windows are checked by the task file's own rule; the sentence names the line."""
        try:
            check_schedule(self.schedule_lines(), "options.schedule")
        except InputError as exc:
            self.error.setText(str(exc))
            return False
        self.error.clear()
        return True

    def values(self) -> dict[str, Any]:
        """The [options] table of the task."""
        out: dict[str, Any] = {"same_name": self.same_name.currentData(), "qps_limit": self.qps.value(),
                               "bandwidth_limit": self.bandwidth_bytes(), "concurrency": self.concurrency.value(),
                               "verify": self.verify.currentData()}
        if self._globs(self.include.text()):
            out["include"] = self._globs(self.include.text())
        if self._globs(self.exclude.text()):
            out["exclude"] = self._globs(self.exclude.text())
        if self.storage_class.currentData():
            out["storage_class"] = self.storage_class.currentData()
        if self.schedule_lines():
            out["schedule"] = self.schedule_lines()
        return out
