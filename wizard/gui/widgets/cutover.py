"""The run page's cutover panel: one row per pass (first copy, delta passes, final pass), a small chart of the
change each pass found, the delta-pass timer and what counts as small, the final pass and the verification
report. It shows the snapshot's ``cutover`` and the state table's ``actions``; it decides nothing itself."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wizard.units import human_bytes

MiB = 1024 * 1024
COLUMNS = 9


def kind_text(kind: str) -> str:
    return {"first": Q.translate("CutoverPanel", "First copy"), "delta": Q.translate("CutoverPanel", "Delta pass"),
            "final": Q.translate("CutoverPanel", "Final pass")}.get(kind, kind)


def phase_text(cutover: dict[str, Any]) -> str:
    """Where the cutover stands, in one sentence."""
    phase = cutover.get("phase")
    if phase == "ready":
        return Q.translate("CutoverPanel", "Ready for cutover: the final pass checked every file at the "
                                           "destination and nothing failed.")
    if phase == "final":
        check = cutover.get("check") or {}
        if check.get("total"):
            return Q.translate("CutoverPanel", "Final pass: checked {done} of {total} files at the destination, "
                                               "{bad} differ.").format(done=f"{check['done']:,}",
                                                                      total=f"{check['total']:,}",
                                                                      bad=f"{check.get('mismatched', 0):,}")
        return Q.translate("CutoverPanel", "Final pass: copy what changed, then check every file at the destination.")
    if phase == "converged":
        return Q.translate("CutoverPanel", "The last pass found little change: stop writes at the source, then "
                                           "start the final pass.")
    at = cutover.get("next_pass_at")
    if at:
        return Q.translate("CutoverPanel", "Syncing: the next delta pass starts at {time}.").format(
            time=time.strftime("%H:%M:%S", time.localtime(at)))
    return Q.translate("CutoverPanel", "Syncing: start a delta pass when you want, or set a timer.")


class PassChart(QChartView):
    """Bars of the files each pass found new or changed: they shrink as the passes converge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart().legend().hide()
        self._axis_x, self._axis_y = QBarCategoryAxis(), QValueAxis()
        self._axis_y.setLabelFormat("%.0f")
        self.chart().addAxis(self._axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart().addAxis(self._axis_y, Qt.AlignmentFlag.AlignLeft)
        self._series: QBarSeries | None = None
        self._rows: list[dict[str, Any]] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.chart().setTitle(Q.translate("CutoverPanel", "Files new or changed, per pass"))

    def show_passes(self, rows: list[dict[str, Any]]) -> None:
        if rows == self._rows:
            return
        self._rows = rows
        if self._series is not None:
            self.chart().removeSeries(self._series)
        bars = QBarSet(Q.translate("CutoverPanel", "Changed"))
        for r in rows:
            bars.append(r["new"] + r["changed"])
        self._series = QBarSeries()
        self._series.append(bars)
        self.chart().addSeries(self._series)
        self._axis_x.clear()
        self._axis_x.append([str(r["number"]) for r in rows] or ["1"])
        self._series.attachAxis(self._axis_x)
        self._series.attachAxis(self._axis_y)
        self._axis_y.setRange(0, max([r["new"] + r["changed"] for r in rows] + [1]))


class CutoverPanel(QWidget):
    """The passes, the timer, the final pass and the report; signals carry what the operator asked for."""

    apply_settings = Signal(dict)
    final_pass = Signal()
    save_report = Signal()
    delta_pass = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phase = QLabel()
        self.phase.setObjectName("phase")
        self.phase.setWordWrap(True)
        self.table = QTableWidget(0, COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.chart = PassChart()
        self.chart.setMinimumWidth(220)
        # The tab shares the run page's height with the failures table: it asks for no more than that.
        self.chart.setMinimumHeight(60)
        self.table.setMinimumHeight(60)
        self.every, self.small_objects, self.small_mib = QSpinBox(), QSpinBox(), QSpinBox()
        self.every.setRange(0, 7 * 24 * 60)
        self.small_objects.setRange(0, 10**9)
        self.small_mib.setRange(0, 10**7)
        self.every_label, self.objects_label, self.mib_label = QLabel(), QLabel(), QLabel()
        self.apply = QPushButton()
        self.delta, self.final, self.report = QPushButton(), QPushButton(), QPushButton()
        top = QHBoxLayout()
        top.addWidget(self.table, 3)
        top.addWidget(self.chart, 2)
        timer = QHBoxLayout()
        for w in (self.every_label, self.every, self.objects_label, self.small_objects, self.mib_label,
                  self.small_mib, self.apply):
            timer.addWidget(w)
        timer.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.phase, 1)
        for b in (self.delta, self.final, self.report):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addLayout(top, 1)
        layout.addLayout(timer)
        self.apply.clicked.connect(self._apply)
        self.final.clicked.connect(self.final_pass)
        self.report.clicked.connect(self.save_report)
        self.delta.clicked.connect(self.delta_pass)
        self._cutover: dict[str, Any] = {}
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([
            Q.translate("CutoverPanel", "Pass"), Q.translate("CutoverPanel", "Kind"),
            Q.translate("CutoverPanel", "Duration"), Q.translate("CutoverPanel", "Listed"),
            Q.translate("CutoverPanel", "New"), Q.translate("CutoverPanel", "Changed"),
            Q.translate("CutoverPanel", "Copied"), Q.translate("CutoverPanel", "Failed"),
            Q.translate("CutoverPanel", "Checked (differ)")])
        self.every_label.setText(Q.translate("CutoverPanel", "Delta pass every (min, 0 = when asked)"))
        self.objects_label.setText(Q.translate("CutoverPanel", "until at most files changed"))
        self.mib_label.setText(Q.translate("CutoverPanel", "and MiB changed"))
        self.small_mib.setSpecialValueText(Q.translate("CutoverPanel", "any"))
        self.apply.setText(Q.translate("CutoverPanel", "Set timer"))
        self.delta.setText(Q.translate("CutoverPanel", "Delta pass now"))
        self.final.setText(Q.translate("CutoverPanel", "Final pass…"))
        self.final.setToolTip(Q.translate("CutoverPanel", "Once writes at the source have stopped: list everything "
                                                          "again, copy what changed, check every file at the "
                                                          "destination."))
        self.report.setText(Q.translate("CutoverPanel", "Save verification report…"))
        self.chart.retranslate()
        if self._cutover:
            self.show_cutover(self._cutover, {})

    def show_cutover(self, cutover: dict[str, Any], actions: dict[str, bool]) -> None:
        """Show the snapshot's ``cutover``; the buttons follow the state table's ``actions``."""
        self._cutover = cutover
        self.phase.setText(phase_text(cutover))
        rows = cutover.get("passes") or []
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            checked = f"{r['checked']:,} ({r['mismatched']:,})" if r["kind"] == "final" else "—"
            values = (str(r["number"]), kind_text(r["kind"]), _duration(r["finished"] - r["started"]),
                      f"{r['listed']:,}", f"{r['new']:,}", f"{r['changed']:,} ({human_bytes(r['changed_bytes'])})",
                      f"{r['copied']:,} ({human_bytes(r['copied_bytes'])})", f"{r['failed']:,}", checked)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col not in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, col, item)
        self.chart.show_passes(rows)
        if actions:
            self.delta.setEnabled(bool(actions.get("incremental")))
            self.final.setEnabled(bool(actions.get("final_pass")))
            self.report.setEnabled(bool(actions.get("report")))
        settings = cutover.get("settings") or {}
        if not any(w.hasFocus() for w in (self.every, self.small_objects, self.small_mib)):
            self.every.setValue(int((settings.get("every") or 0) // 60))
            self.small_objects.setValue(int(settings.get("small_objects") or 0))
            self.small_mib.setValue(int((settings.get("small_bytes") or 0) // MiB))

    def settings(self) -> dict[str, Any]:
        """The timer settings as the agent takes them (PUT cutover); 0 MiB means bytes are not measured."""
        out: dict[str, Any] = {"every": self.every.value() * 60, "small_objects": self.small_objects.value()}
        if self.small_mib.value():
            out["small_bytes"] = self.small_mib.value() * MiB
        return out

    def _apply(self) -> None:
        self.apply_settings.emit(self.settings())


def _duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
