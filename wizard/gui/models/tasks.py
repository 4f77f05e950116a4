"""The start page's task list, like the vendor consoles' home page: one row per task the agent holds, with its
route, progress and coloured status. Rows are the agent's task snapshots (``GET /v1/tasks``, and the ``snapshot``
events of a task's stream) as plain dictionaries.

Rows keep their identity: a refreshed list updates rows in place, so selection and scroll position survive it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from wizard.gui.messages import state_text

TaskIdRole = int(Qt.ItemDataRole.UserRole) + 1  # the task's id
SnapshotRole = int(Qt.ItemDataRole.UserRole) + 2  # the whole snapshot, as the agent sent it
StateRole = int(Qt.ItemDataRole.UserRole) + 3  # the raw state, for filters and sorting
MASTER_KEY = "_master"     # added to a remote task's snapshot by the start page: the master's host


class TaskColumn(IntEnum):
    """The table's columns, in order."""

    NAME = 0
    ROUTE = 1
    PROGRESS = 2
    STATUS = 3
    AGENT = 4      # where the task runs: this computer, or a master server's address


# Mid tones, readable as text on light and dark backgrounds alike.
_GREEN, _AMBER, _RED, _BLUE, _GREY = "#2e7d32", "#c77c02", "#c62828", "#1e6fc8", "#808080"
_STATE_COLORS = {"completed": _GREEN, "ready_for_cutover": _GREEN, "completed_with_failures": _AMBER, "failed": _RED,
                 "running": _BLUE, "listing": _BLUE, "paused": _GREY, "cancelled": _GREY, "created": _GREY,
                 "queued": _GREY}


def state_color(state: str) -> QColor:
    """The colour of a task state: green, amber, red for the end states, blue while running, grey otherwise."""
    return QColor(_STATE_COLORS.get(state, _GREY))


def progress_numbers(task: dict[str, Any]) -> tuple[int, int, int, bool]:
    """(done, failed, total, listing) of a snapshot's ``bars``: the one set of numbers the task list and the run
    page show. Done counts copied and skipped files; ``listing`` is true only while a run is still listing."""
    bars = task.get("bars") or {}
    o = bars.get("objects") or {}
    return int(o.get("done", 0)), int(o.get("failed", 0)), int(o.get("total", 0)), bool(bars.get("listing"))


def progress_text(task: dict[str, Any]) -> str:
    """How far a task is: files so far while listing, then files done of all there are, failures, a percentage."""
    done, failed, total, listing = progress_numbers(task)
    if task.get("state") == "created" and not total and not (task.get("listing") or {}).get("objects"):
        return ""  # never started: nothing to count yet
    if listing:
        # Until listing ends the total grows, so a percentage would promise what is not known.
        return QCoreApplication.translate("TaskListModel", "listing: {count} files so far").format(
            count=f"{int((task.get('listing') or {}).get('objects', 0)):,}")
    # Rounded down, so 100% means all of them copied or skipped, and never "almost".
    percent = done * 100 // total if total else 100
    if failed:
        return QCoreApplication.translate("TaskListModel", "{done} / {total} files · failed {failed} · {percent}%"
                                          ).format(done=f"{done:,}", total=f"{total:,}", failed=f"{failed:,}",
                                                   percent=percent)
    return QCoreApplication.translate("TaskListModel", "{done} / {total} files · {percent}%").format(
        done=f"{done:,}", total=f"{total:,}", percent=percent)


def _header(column: TaskColumn) -> str:
    match column:
        case TaskColumn.NAME:
            return QCoreApplication.translate("TaskListModel", "Name")
        case TaskColumn.ROUTE:
            return QCoreApplication.translate("TaskListModel", "Route")
        case TaskColumn.PROGRESS:
            return QCoreApplication.translate("TaskListModel", "Progress")
        case TaskColumn.STATUS:
            return QCoreApplication.translate("TaskListModel", "Status")
        case TaskColumn.AGENT:
            return QCoreApplication.translate("TaskListModel", "Runs on")


class TaskListModel(QAbstractTableModel):
    """The agent's tasks, one row each, kept in step with the agent's list and live snapshots."""

    # The roles again, so a page can write ``TaskListModel.TaskIdRole`` as Qt's own roles are written.
    TaskIdRole, SnapshotRole, StateRole = TaskIdRole, SnapshotRole, StateRole

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[dict[str, Any]] = []

    # -- what the views ask ---------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        """The number of tasks."""
        return 0 if parent.isValid() else len(self._tasks)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        """The number of columns (``TaskColumn``)."""
        return 0 if parent.isValid() else len(TaskColumn)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A cell: its text, the status colour (text and swatch), or with the custom roles the task's raw data."""
        if not index.isValid() or index.row() >= len(self._tasks):
            return None
        task, column = self._tasks[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(task, column)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole) and column == TaskColumn.STATUS:
            return state_color(str(task.get("state", "")))
        if role == self.TaskIdRole:
            return task["id"]
        if role == self.SnapshotRole:
            return task
        if role == self.StateRole:
            return task.get("state", "")
        return None

    def _text(self, task: dict[str, Any], column: int) -> str:
        if column == TaskColumn.NAME:
            return str(task.get("name", ""))
        if column == TaskColumn.ROUTE:
            return QCoreApplication.translate("TaskListModel", "{source} → {destination}").format(
                source=task.get("source", ""), destination=task.get("destination", ""))
        if column == TaskColumn.PROGRESS:
            return progress_text(task)
        if column == TaskColumn.AGENT:
            return str(task.get(MASTER_KEY) or QCoreApplication.translate("TaskListModel", "This computer"))
        return state_text(str(task.get("state", "")))

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The translated column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(TaskColumn):
            return _header(TaskColumn(section))
        return super().headerData(section, orientation, role)

    # -- keeping up with the agent --------------------------------------------------------------------------------
    def row_of(self, task_id: str, start: int = 0) -> int | None:
        """The row showing this task, or None."""
        # A linear search: an agent holds tens of tasks, not thousands.
        return next((row for row in range(start, len(self._tasks)) if self._tasks[row]["id"] == task_id), None)

    def set_tasks(self, tasks: Iterable[dict[str, Any]]) -> None:
        """Show exactly these tasks in this order; a task already shown keeps its row, updated in place."""
        wanted: dict[str, dict[str, Any]] = {}
        for task in tasks:
            wanted.setdefault(task["id"], task)  # a repeated id would make two rows of one task
        for row in range(len(self._tasks) - 1, -1, -1):  # bottom up, so the rows still to look at keep numbers
            if self._tasks[row]["id"] not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._tasks[row]
                self.endRemoveRows()
        for row, (task_id, task) in enumerate(wanted.items()):
            # Rows above ``row`` are in place already, so the task is at ``row``, further down, or new.
            here = self.row_of(task_id, row)
            if here is None:
                self.beginInsertRows(QModelIndex(), row, row)
                self._tasks.insert(row, task)
                self.endInsertRows()
                continue
            if here != row:
                self.beginMoveRows(QModelIndex(), here, here, QModelIndex(), row)
                self._tasks.insert(row, self._tasks.pop(here))
                self.endMoveRows()
            self._replace(row, task)

    def update_task(self, snapshot: dict[str, Any]) -> None:
        """Update one task's row from a live snapshot (a partial one is merged); an unknown task gets a new row."""
        fields = {key: value for key, value in snapshot.items() if key != "event"}  # the client's stream tag
        row = self.row_of(fields["id"])
        if row is None:
            self.beginInsertRows(QModelIndex(), len(self._tasks), len(self._tasks))
            self._tasks.append(fields)
            self.endInsertRows()
        else:
            self._replace(row, {**self._tasks[row], **fields})

    def remove_task(self, task_id: str) -> bool:
        """Drop a task's row (the agent deleted it); False when it was not shown."""
        row = self.row_of(task_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._tasks[row]
        self.endRemoveRows()
        return True

    def _replace(self, row: int, task: dict[str, Any]) -> None:
        # Snapshots come 3 times a second while a task runs; an unchanged one must not repaint anything.
        if task != self._tasks[row]:
            self._tasks[row] = task
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(TaskColumn) - 1))

    def retranslate(self) -> None:
        """Render the headers and cells again in the language just installed."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(TaskColumn) - 1)
        if self._tasks:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._tasks) - 1, len(TaskColumn) - 1))
