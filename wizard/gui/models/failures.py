"""The failed objects of one task as a table model. Rows are paged in from the agent, 500 at a time, when the view
scrolls to the end of what it has (Qt's ``canFetchMore`` / ``fetchMore``); a page is fetched by an asyncio task on
qasync's loop, so the GUI thread never waits for the agent and 100,000 failures scroll without stalling.

The model knows no HTTP. It is given a coroutine function ``fetch(after, limit, error_class)`` that returns the
agent's failures page; in the wizard that is the agent client::

    model = FailuresModel(lambda after, limit, cls: client.failures(task_id, cls, after, limit))
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from wizard.units import human_bytes

Fetch = Callable[[int, int, str | None], Awaitable[dict[str, Any]]]
"""``fetch(after, limit, error_class)``: the agent's page of failures with ids above ``after`` (0: from the first),
at most ``limit`` of them, of one error class or all (None): ``{"items": [...], "next_after": int | None,
"total": int}``."""

PAGE_SIZE = 500
RawRole = int(Qt.ItemDataRole.UserRole) + 1  # the column's value as the agent sent it: for sorting and export
IdRole = int(Qt.ItemDataRole.UserRole) + 2  # the failure's id in the task's journal


class FailureColumn(IntEnum):
    """The table's columns, in order; a column's number is also where its value sits in a stored row."""

    KEY = 0
    SIZE = 1
    ERROR_CLASS = 2
    CODE = 3
    MESSAGE = 4
    ATTEMPTS = 5
    LAST_ATTEMPT = 6


_ID = len(FailureColumn)  # the failure's id is kept after the columns' values
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def human_size(size: int) -> str:
    """Bytes as people read them (1536 -> "1.5 KiB"); a negative size is one the source did not tell."""
    if size < 0:
        return QCoreApplication.translate("FailuresModel", "unknown")
    # IEC symbols are not translated: they read the same in every language the wizard ships, and the limits the
    # user types ("50MiB") use them too.
    return human_bytes(size)


def local_time(timestamp: float | None) -> str:
    """Seconds since the epoch as local "YYYY-MM-DD HH:MM:SS"; empty when there is no time."""
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _header(column: FailureColumn) -> str:
    # One literal translate() call per label, so pyside6-lupdate finds every one of them.
    match column:
        case FailureColumn.KEY:
            return QCoreApplication.translate("FailuresModel", "File")
        case FailureColumn.SIZE:
            return QCoreApplication.translate("FailuresModel", "Size")
        case FailureColumn.ERROR_CLASS:
            return QCoreApplication.translate("FailuresModel", "Error type")
        case FailureColumn.CODE:
            return QCoreApplication.translate("FailuresModel", "Code")
        case FailureColumn.MESSAGE:
            return QCoreApplication.translate("FailuresModel", "Message")
        case FailureColumn.ATTEMPTS:
            return QCoreApplication.translate("FailuresModel", "Attempts")
        case FailureColumn.LAST_ATTEMPT:
            return QCoreApplication.translate("FailuresModel", "Last attempt")


def _row(item: dict[str, Any]) -> tuple[Any, ...]:
    # A tuple takes less than half the memory of a dict. Class and code are interned: 100,000 failures share a few.
    last = item["last_attempt"]
    return (str(item["key"]), int(item["size"]), sys.intern(str(item["error_class"])),
            sys.intern(str(item["error_code"])), str(item["message"]), int(item["attempts"]),
            None if last is None else float(last), int(item["id"]))


class FailuresModel(QAbstractTableModel):
    """The failed objects of one task, paged in from the agent as the view reaches them; one page in flight at most."""

    # The roles again, so a page can write ``FailuresModel.RawRole`` as Qt's own roles are written.
    RawRole, IdRole = RawRole, IdRole

    fetch_failed = Signal(str)  # why a page did not come; the next fetchMore asks for the same page again
    total_changed = Signal(int)  # the number of failures (of the chosen class) the agent holds

    def __init__(self, fetch: Fetch, class_label: Callable[[str], str] | None = None,
                 parent: QObject | None = None, explain: Callable[[str], str] | None = None,
                 describe: Callable[[str, str], str] | None = None) -> None:
        """``class_label`` names an error class; ``explain`` gives the sentence shown in the message column (the
        agent's own message, in English, stays in the tooltip and in the export); ``describe(code, message)`` is a
        translated sentence for the store's code, or "", put above the agent's message in the tooltip."""
        super().__init__(parent)
        self._fetch = fetch
        self._class_label = class_label
        self._explain = explain
        self._describe = describe
        self._error_class: str | None = None
        self._rows: list[tuple[Any, ...]] = []
        self._next_after: int | None = 0  # None: the agent said there is no further page
        self._total = 0
        self._pending: asyncio.Future[None] | None = None
        self._generation = 0  # bumped by every reset, so a page asked for before it is dropped when it comes

    # -- what the views ask ---------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        """The rows fetched so far (not the total: that is ``total``)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        """The number of columns (``FailureColumn``)."""
        return 0 if parent.isValid() else len(FailureColumn)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """A cell: its text, tooltip, alignment, or with ``RawRole`` / ``IdRole`` the raw value or the id."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == self.RawRole:
            return row[column]
        if role == self.IdRole:
            return row[_ID]
        if role == Qt.ItemDataRole.ToolTipRole and column in (FailureColumn.KEY, FailureColumn.MESSAGE):
            # The view elides long keys and messages; the tooltip shows them whole, translated where a code is known.
            said = self._describe(str(row[FailureColumn.CODE]), str(row[column])) \
                if column == FailureColumn.MESSAGE and self._describe is not None else ""
            return f"{said}\n{row[column]}" if said else row[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (FailureColumn.SIZE, FailureColumn.ATTEMPTS):
            return _RIGHT
        return None

    def _display(self, row: tuple[Any, ...], column: int) -> str:
        if column == FailureColumn.SIZE:
            return human_size(row[column])
        if column == FailureColumn.ATTEMPTS:
            return str(row[column])
        if column == FailureColumn.LAST_ATTEMPT:
            return local_time(row[column])
        if column == FailureColumn.ERROR_CLASS and self._class_label is not None:
            return self._class_label(row[column])
        if column == FailureColumn.MESSAGE and self._explain is not None:
            return self._explain(row[FailureColumn.ERROR_CLASS])
        return str(row[column])

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The translated column titles; row numbers as Qt gives them."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(FailureColumn):
            return _header(FailureColumn(section))
        return super().headerData(section, orientation, role)

    # -- paging ---------------------------------------------------------------------------------------------------
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        """True when the agent has more and no page is on its way (views ask again once the rows arrive)."""
        return not parent.isValid() and self._next_after is not None and self._pending is None

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        """Start fetching the next page and return at once; does nothing while a page is on its way."""
        after = self._next_after
        if parent.isValid() or after is None or self._pending is not None:
            return
        self._pending = asyncio.ensure_future(self._fetch_page(self._generation, after, self._error_class))

    async def _fetch_page(self, generation: int, after: int, error_class: str | None) -> None:
        try:
            page = await self._fetch(after, PAGE_SIZE, error_class)
            rows = [_row(item) for item in page["items"]]
            next_after, total = page["next_after"], int(page["total"])
        except Exception as exc:  # the agent gone, an HTTP error, a malformed page: say so and stay usable
            if shiboken6.isValid(self) and generation == self._generation:
                self._pending = None
                self.fetch_failed.emit(str(exc) or type(exc).__name__)
            return
        # The model may have been reset (another filter) or deleted (its dialog closed) while the page was coming.
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        # Cleared before the rows go in, so a view reacting to them may already ask for the next page.
        self._pending = None
        # An empty page ends the list whatever it says, so a view held at the bottom cannot ask forever.
        self._next_after = None if not rows or next_after is None else int(next_after)
        if total != self._total:
            self._total = total
            self.total_changed.emit(total)
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    # -- what the page calls ------------------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """How many failures (of the chosen class) the agent holds, as its last page said."""
        return self._total

    @property
    def error_class(self) -> str | None:
        """The error class shown, or None for all."""
        return self._error_class

    @property
    def fetching(self) -> bool:
        """True while a page is on its way."""
        return self._pending is not None

    def set_error_class(self, error_class: str | None) -> None:
        """Show only failures of this class (None: all): the rows go and the first page is fetched again."""
        if error_class == self._error_class:
            return
        self._error_class = error_class
        self.refresh()

    def refresh(self) -> None:
        """Start again from the first page, for when the task's failures changed (a retry, a new pass)."""
        self.beginResetModel()
        if self._pending is not None:
            self._pending.cancel()  # its page would belong to the old list; the generation check drops it anyway
            self._pending = None
        self._generation += 1
        self._rows = []
        self._next_after = 0
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def retranslate(self) -> None:
        """Render the headers and cells again in the language just installed."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(FailureColumn) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(FailureColumn) - 1))
