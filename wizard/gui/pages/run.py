"""The run page: progress of objects and bytes (listing apart until it ends), a rate chart, ETA, per-worker rows,
the failures table paged in from the agent, Pause / Resume / Cancel, limits changed live, retry of failed files
(all or one class), export of the failed list, and the final status colour. Closing leaves the agent running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wizard.gui import masters, messages
from wizard.gui.bridge import AgentLink, payload, spawn
from wizard.gui.models.failures import FailureColumn, FailuresModel
from wizard.gui.models.tasks import progress_numbers, state_color
from wizard.gui.pages.base import TranslatedPage
from wizard.gui.widgets import confirm
from wizard.gui.widgets.cutover import CutoverPanel
from wizard.gui.widgets.ratechart import RateChart
from wizard.remote.session import MasterSession, worker_target
from wizard.remote.ssh import RemoteError, pin

REFRESH_EVERY = 5.0     # seconds between reloads of the failures table while failures keep coming


def duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


FAILURE_ROWS = 5    # failures the table shows without scrolling, whatever the window's height


def summary_text(last: dict[str, Any]) -> str:
    """One translated line of what a run did (the snapshot's ``last_run``)."""
    n = {k: f"{int(last.get(k, 0)):,}" for k in ("copied", "skipped", "failed", "unchanged", "retried", "pass")}
    if last.get("kind") == "retry":
        return Q.translate("RunPage", "Retry finished: of {retried} failed files, {copied} copied, {failed} still "
                                      "failing.").format(**n)
    if last.get("kind") == "pass":
        return Q.translate("RunPage", "Pass {pass} finished: {copied} files copied, {unchanged} unchanged, "
                                      "{skipped} skipped, {failed} failed.").format(**n)
    return Q.translate("RunPage", "Run finished: {copied} files copied, {skipped} skipped, {failed} failed."
                       ).format(**n)


class RunPage(TranslatedPage):
    """Follows one task of the agent."""

    def __init__(self, link: AgentLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = link
        self.task_id = ""
        self.snap: dict[str, Any] = {}
        self._t0 = time.monotonic()
        self._refreshed = 0.0
        self._shown = 0          # failures in the journal when the table was last loaded
        self._summary_of: float | None = None   # the last_run whose summary the message line shows
        self.state = QLabel()
        self.state.setObjectName("state")
        self.listing = QLabel()
        self.objects = QProgressBar()
        self.bytes = QProgressBar()
        self.rates = QLabel()
        self.chart = RateChart()
        # Sized so the page, the wizard's header and its buttons fit a 1366x768 screen (FAILURE_ROWS rows of
        # failures always visible, the chart takes what is left).
        self.chart.setMinimumHeight(120)
        self.workers = QTableWidget(0, 4)
        self.workers.verticalHeader().hide()
        self.workers.setMaximumHeight(self.workers.horizontalHeader().sizeHint().height()
                                      + self.workers.verticalHeader().defaultSectionSize() + 6)
        self.workers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Semi-managed mode: worker servers added (deployed and started) or removed while the task runs.
        self.worker_box = QWidget()
        self.worker_address = QLineEdit()
        self.add_worker, self.remove_worker, self.server_logs = QPushButton(), QPushButton(), QPushButton()
        confirm.never_default(self.remove_worker)
        worker_row = QHBoxLayout(self.worker_box)
        worker_row.setContentsMargins(0, 0, 0, 0)
        for part in (self.worker_address, self.add_worker, self.remove_worker, self.server_logs):
            worker_row.addWidget(part)
        self.worker_box.hide()
        self.pause, self.resume, self.cancel = QPushButton(), QPushButton(), QPushButton()
        self.incremental = QPushButton()
        confirm.never_default(self.cancel)
        self.qps = QSpinBox()
        self.qps.setRange(0, 100000)
        self.bandwidth = QSpinBox()
        self.bandwidth.setRange(0, 100000)
        self.apply_limits = QPushButton()
        self.retry_class = QComboBox()
        self.retry = QPushButton()
        self.export = QPushButton()
        self.failures = QTableView()
        self.model = FailuresModel(self._fetch_failures, class_label=messages.class_label,
                                   explain=messages.error_class_text, describe=messages.code_text)
        self.failures.setModel(self.model)
        self.failures.setWordWrap(False)
        self.failures.verticalHeader().hide()
        header = self.failures.horizontalHeader()
        header.setStretchLastSection(False)
        # Rows arrive page by page, so widths are set, not measured; the message takes what is left.
        for column, width in ((FailureColumn.KEY, 260), (FailureColumn.SIZE, 80), (FailureColumn.ERROR_CLASS, 130),
                              (FailureColumn.CODE, 110), (FailureColumn.ATTEMPTS, 70),
                              (FailureColumn.LAST_ATTEMPT, 150)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(FailureColumn.MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.failures.verticalHeader().setDefaultSectionSize(self.failures.fontMetrics().height() + 6)  # compact rows
        self.failures.setMinimumHeight(header.sizeHint().height() + FAILURE_ROWS
                                       * self.failures.verticalHeader().defaultSectionSize() + 4)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.window_label = QLabel()        # the transfer window in force (the task's weekly schedule)
        self.window_label.setObjectName("window")
        self.cutover = CutoverPanel()
        self.tabs = QTabWidget()
        self.limits_box = QGroupBox()
        self.failures_box = QWidget()     # a tab of its own: the tab's title names it
        self.qps_label, self.bw_label = QLabel(), QLabel()
        grid = QGridLayout()
        grid.addWidget(self.state, 0, 0, 1, 2)
        grid.addWidget(self.listing, 1, 0, 1, 2)
        grid.addWidget(self.objects, 2, 0)
        grid.addWidget(self.bytes, 2, 1)
        grid.addWidget(self.rates, 3, 0, 1, 2)
        controls = QHBoxLayout()     # the controls and the limits share one row: height is what is short
        for b in (self.pause, self.resume, self.cancel, self.incremental):
            controls.addWidget(b)
        controls.addWidget(self.limits_box, 1)
        limits = QHBoxLayout(self.limits_box)
        for w in (self.qps_label, self.qps, self.bw_label, self.bandwidth, self.apply_limits, self.window_label):
            limits.addWidget(w)
        fail_bar = QHBoxLayout()
        fail_bar.addWidget(self.retry_class)
        fail_bar.addWidget(self.retry)
        fail_bar.addWidget(self.export)
        fail_layout = QVBoxLayout(self.failures_box)
        fail_layout.setContentsMargins(4, 4, 4, 4)
        fail_layout.addLayout(fail_bar)
        fail_layout.addWidget(self.failures)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)   # the wizard frames the page already
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.chart, 2)
        layout.addWidget(self.workers)
        layout.addWidget(self.worker_box)
        layout.addLayout(controls)
        self.tabs.addTab(self.failures_box, "")
        self.tabs.addTab(self.cutover, "")
        layout.addWidget(self.tabs, 2)
        layout.addWidget(self.message)
        self.pause.clicked.connect(lambda: self._control("pause"))
        self.resume.clicked.connect(lambda: self._control("resume"))
        self.cancel.clicked.connect(self._ask_cancel)
        self.incremental.clicked.connect(lambda: self._control("incremental"))
        self.apply_limits.clicked.connect(self._apply_limits)
        self.add_worker.clicked.connect(lambda: self.change_workers(add=True))
        self.remove_worker.clicked.connect(lambda: self.change_workers(add=False))
        self.server_logs.clicked.connect(self._ask_logs)
        self.retry.clicked.connect(self._retry)
        self.export.clicked.connect(self._export)
        self.retry_class.currentIndexChanged.connect(self._filter)
        self.cutover.apply_settings.connect(self._set_cutover)
        self.cutover.final_pass.connect(self._ask_final_pass)
        self.cutover.save_report.connect(self._ask_report)
        self.cutover.delta_pass.connect(lambda: self._control("incremental"))
        link.snapshot.connect(self.show_snapshot)
        link.happened.connect(self._on_event)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("RunPage", "Migration progress"))
        self.setSubTitle(Q.translate("RunPage", "The agent does the work: closing this window does not stop the "
                                                "migration, and opening the task again shows it where it is."))
        self.pause.setText(Q.translate("RunPage", "Pause"))
        self.resume.setText(Q.translate("RunPage", "Resume"))
        self.cancel.setText(Q.translate("RunPage", "Cancel task"))
        self.incremental.setText(Q.translate("RunPage", "Migrate what changed"))
        self.incremental.setToolTip(Q.translate("RunPage", "An incremental pass: list the source again and copy new "
                                                           "files and files changed since they were migrated."))
        self.limits_box.setTitle(Q.translate("RunPage", "Migration speed limit"))
        self.qps_label.setText(Q.translate("RunPage", "QPS"))
        self.bw_label.setText(Q.translate("RunPage", "Bandwidth (MiB/s)"))
        no_limit = Q.translate("RunPage", "No limit")
        self.qps.setSpecialValueText(no_limit)
        self.bandwidth.setSpecialValueText(no_limit)
        self.apply_limits.setText(Q.translate("RunPage", "Apply"))
        self.worker_address.setPlaceholderText(Q.translate("RunPage", "worker server address (host, user@host or "
                                                                      "host:port)"))
        self.add_worker.setText(Q.translate("RunPage", "Add worker"))
        self.remove_worker.setText(Q.translate("RunPage", "Remove worker"))
        self.server_logs.setText(Q.translate("RunPage", "Server logs…"))
        self.server_logs.setToolTip(Q.translate("RunPage", "Fetch the agents' logs from the master and its workers "
                                                           "into a folder."))
        self.tabs.setTabText(0, Q.translate("RunPage", "Failed files"))
        self.tabs.setTabText(1, Q.translate("RunPage", "Cutover and acceptance"))
        self.cutover.retranslate()
        self.retry.setText(Q.translate("RunPage", "Retry failed files"))
        self.export.setText(Q.translate("RunPage", "Export failed list"))
        self.workers.setHorizontalHeaderLabels([Q.translate("RunPage", "Worker"), Q.translate("RunPage", "State"),
                                                Q.translate("RunPage", "Files in progress"),
                                                Q.translate("RunPage", "Speed")])
        self.chart.retranslate()
        self._fill_classes(self.snap.get("failure_classes", {}))
        if self.snap:
            self.show_snapshot(self.snap)

    # -- following -------------------------------------------------------------------------------------------
    def open_task(self, task_id: str) -> None:
        """Reattach to a task: its numbers come from the agent, whatever this window saw before."""
        self.task_id = task_id
        self.snap = {}
        self._t0 = time.monotonic()
        self._shown = -1
        self._summary_of = None
        self.message.clear()
        self.model.refresh()
        remote = self.link.session is not None
        self.worker_box.setVisible(isinstance(self.link.session, MasterSession))    # workers need SSH
        rows = 4 if remote else 1        # a cluster's workers; locally the agent itself
        self.workers.setMaximumHeight(self.workers.horizontalHeader().sizeHint().height()
                                      + rows * self.workers.verticalHeader().defaultSectionSize() + 6)
        self.link.follow(task_id)

    async def _fetch_failures(self, after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        client = await self.link.client()
        return await client.failures(self.task_id, error_class, after, limit)

    def show_snapshot(self, snap: dict[str, Any]) -> None:
        snap = payload(snap)
        if snap.get("id") != self.task_id:
            return
        # The journal's count (failure_classes), not the live counter: the table pages from the journal, which
        # records outcomes in batches a moment after the counter moves.
        recorded = sum(snap.get("failure_classes", {}).values())
        self.snap = snap
        state, color = snap["state"], snap.get("color")
        text = messages.state_text(state)
        if snap.get("error"):
            text += " — " + messages.error_class_text(snap["error"]["error_class"])
        self.state.setText(f"{snap['name']}: {text}")
        self.state.setStyleSheet(f"font-weight: bold; color: {state_color(state).name()}")
        self.state.setProperty("color", color or "")
        o, lst = snap["objects"], snap["listing"]
        # The bars read the snapshot's ``bars``, as the task list does (skipped files count as handled).
        done, failed, total, listing = progress_numbers(snap)
        bb = (snap.get("bars") or {}).get("bytes") or {"done": 0, "total": 0}
        # "so far" only while a run lists: a failed or paused pass whose listing stopped shows the counts below.
        self.listing.setText(Q.translate("RunPage", "Listing: {n} files found so far").format(n=f"{lst['objects']:,}")
                             if listing else Q.translate("RunPage", "Listing finished: {n} files").format(
                                 n=f"{lst['objects']:,}") if lst["done"] else "")
        self.objects.setMaximum(max(total, 1))
        self.objects.setValue(min(done + failed, max(total, 1)) if total else 0)
        self.objects.setFormat(Q.translate("RunPage", "{done} / {total} files").format(
            done=f"{done:,}", total=f"{total:,}"))
        scale = max(bb["total"], 1) / 1_000_000 if bb["total"] > 1_000_000 else 1.0
        self.bytes.setMaximum(int(max(bb["total"], 1) / scale))
        self.bytes.setValue(int(min(bb["done"], max(bb["total"], 1)) / scale) if bb["total"] else 0)
        self.bytes.setFormat(f"{messages.human_bytes(bb['done'])} / {messages.human_bytes(bb['total'])}")
        eta = snap.get("eta_seconds")
        if eta is not None:
            left = duration(eta)
        elif listing or not lst["done"] and state in ("listing", "running", "queued"):
            left = Q.translate("RunPage", "after listing")
        elif state in ("listing", "running", "queued"):
            left = Q.translate("RunPage", "measuring…")
        else:
            left = Q.translate("RunPage", "— (not running)")
        self.rates.setText(Q.translate("RunPage", "{speed}/s · {files} files/s · skipped {skipped} · failed {failed}"
                                                  " · time left: {eta}").format(
            speed=messages.human_bytes(snap["rate_bytes"]), files=f"{snap['rate_objects']:,.0f}",
            skipped=f"{o['skipped']:,}", failed=f"{o['failed']:,}", eta=left))
        if state in ("listing", "running"):   # a paused or finished task draws no flat line of zeros
            self.chart.add_sample(time.monotonic() - self._t0, snap["rate_bytes"], snap["rate_objects"])
        self.workers.setRowCount(len(snap["workers"]))
        for i, w in enumerate(snap["workers"]):
            busy = Q.translate("RunPage", "busy") if w["state"] == "busy" else Q.translate("RunPage", "idle")
            for col, value in enumerate((w["host"], busy, str(w["objects_in_flight"]),
                                         messages.human_bytes(w["rate_bytes"]) + "/s")):
                self.workers.setItem(i, col, QTableWidgetItem(value))
        active = state in ("listing", "running")
        # What the state allows comes from the agent's one table (the snapshot's ``actions``); nothing is decided
        # here. A button that loses its use hands the focus to a safe one, never to Cancel task by itself.
        actions = snap.get("actions") or {}
        confirm.set_enabled_keeping_focus(
            ((self.pause, bool(actions.get("pause"))), (self.resume, bool(actions.get("resume"))),
             (self.cancel, bool(actions.get("cancel"))), (self.incremental, bool(actions.get("incremental"))),
             (self.retry, bool(actions.get("retry_failed"))), (self.export, o["failed"] > 0)),
            safe=(self.resume, self.pause, self.incremental, self.retry_class, self.failures))
        if not self.qps.hasFocus() and not self.bandwidth.hasFocus():
            self.qps.setValue(int(snap["limits"]["qps_limit"]))
            self.bandwidth.setValue(int(snap["limits"]["bandwidth_limit"] / (1024 * 1024)))
        self._fill_classes(snap.get("failure_classes", {}))
        self._show_summary(snap, active)
        self._show_window(snap.get("window"))
        if snap.get("cutover"):
            self.cutover.show_cutover(snap["cutover"], actions)
        # New failures reload the table, at most every few seconds while it runs (a reload loses the scroll).
        now = time.monotonic()
        if recorded != self._shown and (not active or now - self._refreshed > REFRESH_EVERY):
            self._refreshed, self._shown = now, recorded
            self.model.refresh()

    def _show_summary(self, snap: dict[str, Any], active: bool) -> None:
        """Once a run has ended, say what it did; this replaces "Retrying N failed files" when the retry ends."""
        last = snap.get("last_run")
        if active or not last or last.get("finished") == self._summary_of:
            return
        self._summary_of = last.get("finished")
        self.message.setText(summary_text(last))

    def _show_window(self, window: dict[str, Any] | None) -> None:
        """The transfer window in force, when the task has a weekly schedule."""
        if not window or not window.get("scheduled"):
            self.window_label.clear()
            return
        until = window.get("until")
        limit = messages.human_bytes(window["bandwidth_limit"]) + "/s" if window["bandwidth_limit"] else \
            Q.translate("RunPage", "no limit")
        text = (Q.translate("RunPage", "Window {window}: {limit}") if window.get("window") else
                Q.translate("RunPage", "Outside the windows: {limit}")).format(window=window.get("window") or "",
                                                                               limit=limit)
        if until:
            text += " " + Q.translate("RunPage", "until {time}").format(
                time=time.strftime("%a %H:%M", time.localtime(until)))
        self.window_label.setText(text)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") in ("lagged", "task_finished"):
            self.model.refresh()

    def _fill_classes(self, classes: dict[str, int]) -> None:
        wanted = [""] + sorted(classes)
        current = [self.retry_class.itemData(i) for i in range(self.retry_class.count())]
        labels = [Q.translate("RunPage", "All failed files")] + [
            f"{messages.class_label(c)} ({classes[c]:,})" for c in sorted(classes)]
        if current != wanted:
            chosen = self.retry_class.currentData()
            self.retry_class.blockSignals(True)
            self.retry_class.clear()
            for data, label in zip(wanted, labels, strict=True):
                self.retry_class.addItem(label, data)
            self.retry_class.setCurrentIndex(max(0, wanted.index(chosen) if chosen in wanted else 0))
            self.retry_class.blockSignals(False)
        else:
            for i, label in enumerate(labels):
                self.retry_class.setItemText(i, label)

    # -- workers (semi-managed mode) -----------------------------------------------------------------------
    def change_workers(self, add: bool) -> None:
        """Deploy and start a worker at the address typed, or stop it (its shards go to the others); the
        master's settings entry keeps the list for next time."""
        session, line = self.link.session, self.worker_address.text().strip()
        if not isinstance(session, MasterSession) or not line:
            self.message.setText(Q.translate("RunPage", "Type the worker server's address first."))
            return
        settings = self.wizard().settings  # type: ignore[attr-defined]
        entry = next((m for m in settings.masters if m.get("host") == session.master.host), None)
        try:
            target = worker_target(line, session.login())
        except RemoteError:
            self.message.setText(Q.translate("RunPage", "Not a worker address (host, user@host or host:port): "
                                                        "{host}").format(host=line))
            return

        async def call() -> str:
            if add:
                pending = await session.pending_key(target)
                if pending is not None:
                    mode_page = self.wizard().mode_page  # type: ignore[attr-defined]
                    if not await mode_page.fingerprint_confirmed(pending[0].host, pending[1]):
                        return Q.translate("RunPage", "Nothing was sent to {host}: its host key was not "
                                                      "confirmed.").format(host=target.host)
                    pin(pending[0], pending[2])
                self.message.setText(Q.translate("RunPage", "Deploying and starting the worker on {host}…")
                                     .format(host=target.host))
                await session.add_worker(target)
            else:
                await session.remove_worker(target)
            if entry is not None:
                kept = [w for w in entry.get("workers", []) if w != line]
                masters.remember(settings, {**entry, "workers": kept + [line] if add else kept})
            return (Q.translate("RunPage", "Worker {host} joined: it takes shards now.") if add else Q.translate(
                "RunPage", "Worker {host} stopped: its shards go to the other servers.")).format(host=target.host)
        spawn(call(), self.message.setText, self._say)

    def _ask_logs(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, Q.translate("RunPage", "Server logs…"))
        if folder:
            self.fetch_logs(folder)

    def fetch_logs(self, folder: str) -> None:
        """The agents' logs of the master and every worker of this session, one file each: HOST-NAME."""
        session = self.link.session
        if not isinstance(session, MasterSession):
            return

        async def fetch() -> int:
            written = 0
            for target in (session.master, *session.workers.values()):
                for name, text in (await session.logs(target)).items():
                    path = Path(folder) / f"{target.host}-{name}"
                    await asyncio.to_thread(path.write_text, text, "utf-8")
                    written += 1
            return written
        spawn(fetch(), lambda n: self.message.setText(
            Q.translate("RunPage", "Saved {n} log files in {folder}.").format(n=n, folder=folder)), self._say)

    # -- controls --------------------------------------------------------------------------------------------
    def _say(self, code: str, message: str) -> None:
        self.message.setText(messages.agent_error_text(code, message))

    def _ask_cancel(self) -> None:
        confirm.ask(self, Q.translate("RunPage", "Cancel task"), Q.translate(
            "RunPage", "Cancel task {name} for good? It cannot be resumed; multipart uploads under way are removed "
                       "at the destination, files already copied stay.").format(name=self.snap.get("name", "")),
                    Q.translate("RunPage", "Cancel task"), Q.translate("RunPage", "Keep the task"),
                    lambda: self._control("cancel"))

    def _control(self, action: str) -> None:
        async def call() -> dict[str, Any]:
            client = await self.link.client()
            return await getattr(client, action)(self.task_id)  # type: ignore[no-any-return]
        self.message.clear()
        spawn(call(), self.show_snapshot, self._say)

    def _set_cutover(self, settings: dict[str, Any]) -> None:
        async def call() -> dict[str, Any]:
            client = await self.link.client()
            return await client.set_cutover(self.task_id, settings)
        spawn(call(), self.show_snapshot, self._say)

    def _ask_final_pass(self) -> None:
        confirm.ask(self, Q.translate("RunPage", "Final pass"), Q.translate(
            "RunPage", "Have writes to the source stopped? The final pass lists the source again, copies what "
                       "changed and checks every file at the destination; a file written after it starts may be "
                       "missed."), Q.translate("RunPage", "Writes have stopped: start"),
                    Q.translate("RunPage", "Not yet"), lambda: self._control("final_pass"))

    def _ask_report(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, Q.translate("RunPage", "Save verification report…"))
        if folder:
            self.save_report_to(folder)

    def save_report_to(self, folder: str, open_it: bool = True) -> None:
        """The agent writes and signs the report; it is saved in a folder of its own under ``folder`` and opened
        in the browser, in the wizard's language."""
        language = getattr(getattr(self.wizard(), "translations", None), "language", "en")

        async def call() -> Path:
            client = await self.link.client()
            return await client.save_report(self.task_id, language, folder)

        def saved(path: Path) -> None:
            self.message.setText(Q.translate("RunPage", "Verification report saved in {path}: report.html, "
                                                        "manifest.csv and their signature.").format(path=path))
            if open_it:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path / "report.html")))
        spawn(call(), saved, self._say)

    def _apply_limits(self) -> None:
        async def call() -> dict[str, Any]:
            client = await self.link.client()
            return await client.set_limits(self.task_id, self.qps.value(), self.bandwidth.value() * 1024 * 1024)
        spawn(call(), self.show_snapshot, self._say)

    def _filter(self) -> None:
        self.model.set_error_class(self.retry_class.currentData() or None)

    def _retry(self) -> None:
        cls = self.retry_class.currentData() or None

        async def call() -> dict[str, Any]:
            client = await self.link.client()
            return await client.retry_failed(self.task_id, cls)

        def done(answer: dict[str, Any]) -> None:
            self.message.setText(Q.translate("RunPage", "Retrying {n} failed files.").format(
                n=f"{answer['retried']:,}"))
            self.show_snapshot(answer["task"])
            self.model.refresh()
        spawn(call(), done, self._say)

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, Q.translate("RunPage", "Export failed list"),
                                              f"{self.snap.get('name', 'task')}-failed.csv", "CSV (*.csv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        cls = self.retry_class.currentData() or None

        async def call() -> int:
            client = await self.link.client()
            return await client.export_failed(self.task_id, path, cls)

        spawn(call(), lambda n: self.message.setText(Q.translate("RunPage", "Exported {n} failed files to {path}.")
                                                     .format(n=f"{n:,}", path=path)), self._say)
