"""The wizard's table models and rate chart, offscreen and without a window: failures paged in from a fake agent
(100,000 of them, one page in flight at a time, a filter, a failing fetch), the task list keeping its rows, Qt's own
model tester on both models, and the chart keeping only its window of samples."""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import qasync
from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTranslator,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from wizard.agent.client import AgentUnavailable
from wizard.agent.tasks import bars
from wizard.gui.models.failures import PAGE_SIZE, FailureColumn, FailuresModel, human_size
from wizard.gui.models.tasks import TaskColumn, TaskListModel, progress_text
from wizard.gui.widgets.ratechart import MAX_SAMPLES, RateChart


def _void_calls_spend_none() -> bool:
    probe, before = QObject(), sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before


def test_the_installed_pyside_keeps_none_alive() -> None:
    """PySide6 6.12.0's wheels hand back None from every void method without a new reference (CPython gh-134989):
    on Python 3.11 the interpreter aborts after a few thousand Qt calls. pyproject.toml keeps that build out; this
    fails if such a build is installed again."""
    assert not _void_calls_spend_none()


MiB = 1024 * 1024
ROOT = QModelIndex()
H = Qt.Orientation.Horizontal
D = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def loop(qapp: QApplication, qtbot: QtBot) -> Iterator[qasync.QEventLoop]:
    """qasync's loop as this thread's running loop while qtbot drives Qt's events (in the wizard, run_until_complete
    makes it the running loop). Not ``already_running=True``: its clean-up, ``stop()``, calls QApplication.exit(),
    which outside exec() makes every later QEventLoop.exec() return at once, qtbot.waitSignal's included."""
    loop = qasync.QEventLoop(qapp)
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    asyncio._set_running_loop(loop)  # what run_forever does before it runs Qt's loop; qtbot runs Qt's loop here
    try:
        yield loop
    finally:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        qtbot.waitUntil(lambda: all(t.done() for t in tasks))
        asyncio._set_running_loop(None)
        loop.close()
    assert not errors, errors  # an exception nobody retrieved: a fetch task that crashed


CLASSES = ("permission", "not-found", "checksum", "network")


class FakeFailures:
    """The agent's failures endpoint over ``count`` synthetic failures with ids 1..count, built page by page as the
    agent pages them. A fake: these tests are about the model; tests/agent checks the real endpoint."""

    def __init__(self, count: int, delay: float = 0.002) -> None:
        self.count, self.delay = count, delay
        self.totals = Counter(CLASSES[i % 4] for i in range(1, count + 1))
        self.calls: list[tuple[int, int, str | None]] = []
        self.in_flight = self.max_in_flight = 0
        self.fail = 0  # how many of the next calls fail as if the agent had gone

    @staticmethod
    def item(i: int) -> dict[str, Any]:
        return {"id": i, "key": f"photos/{i % 97:02d}/IMG_{i:06d}.jpg", "size": i * 1537,
                "error_class": CLASSES[i % 4], "error_code": f"Code{i % 4}",
                "message": f"object {i}: " + "the destination refused it; " * (1 + i % 3),
                "attempts": 1 + i % 5, "last_attempt": 1_700_000_000.0 + i}

    async def fetch(self, after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        self.calls.append((after, limit, error_class))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)  # a round trip: a page asked for meanwhile would be in flight with it
            if self.fail:
                self.fail -= 1
                raise AgentUnavailable("the agent at http://127.0.0.1:9 does not answer (ClientConnectorError)")
            ids = (i for i in range(after + 1, self.count + 1) if error_class in (None, CLASSES[i % 4]))
            page = list(itertools.islice(ids, limit + 1))  # one more than asked, to know whether another page exists
            return {"items": [self.item(i) for i in page[:limit]],
                    "next_after": page[limit - 1] if len(page) > limit else None,
                    "total": self.count if error_class is None else self.totals[error_class]}
        finally:
            self.in_flight -= 1


def cell(model: Any, row: int, column: int, role: int = D) -> Any:
    return model.data(model.index(row, column), role)


# -- FailuresModel ----------------------------------------------------------------------------------------------
def test_pages_come_when_asked_for_one_at_a_time(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    agent = FakeFailures(100_000)
    model = FailuresModel(agent.fetch)
    assert model.rowCount() == 0 and model.canFetchMore(ROOT)
    qtbot.wait(30)
    assert agent.calls == []  # nothing is fetched before a view (here the test) asks
    model.fetchMore(ROOT)
    model.fetchMore(ROOT)  # a page is on its way: ignored
    assert model.fetching and not model.canFetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    assert model.total == 100_000 and model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE)
    qtbot.wait(30)
    assert agent.calls == [(0, PAGE_SIZE, None), (PAGE_SIZE, PAGE_SIZE, None)]  # `after`: the last row's id
    assert agent.max_in_flight == 1
    assert model.rowCount() == 2 * PAGE_SIZE


def test_a_hundred_thousand_failures(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    agent = FakeFailures(100_000, delay=0)
    model = FailuresModel(agent.fetch)
    # A view held at the bottom: it asks for more each time rows arrive.
    model.rowsInserted.connect(lambda *_: model.fetchMore(ROOT))
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 100_000, timeout=60_000)
    qtbot.wait(30)
    assert [after for after, _, _ in agent.calls] == list(range(0, 100_000, PAGE_SIZE))  # each page once
    assert agent.max_in_flight == 1
    assert not model.canFetchMore(ROOT) and not model.fetching
    model.fetchMore(ROOT)
    qtbot.wait(30)
    assert len(agent.calls) == 100_000 // PAGE_SIZE  # the end is the end
    rng = random.Random(7)
    for row in rng.sample(range(100_000), 2_000):
        item = agent.item(row + 1)
        assert cell(model, row, FailureColumn.KEY) == item["key"]
        assert cell(model, row, FailureColumn.SIZE) == human_size(item["size"])
        assert cell(model, row, FailureColumn.ERROR_CLASS, FailuresModel.RawRole) == item["error_class"]
        assert cell(model, row, FailureColumn.MESSAGE, Qt.ItemDataRole.ToolTipRole) == item["message"]
        assert cell(model, row, FailureColumn.LAST_ATTEMPT, FailuresModel.RawRole) == item["last_attempt"]
        assert cell(model, row, 0, FailuresModel.IdRole) == item["id"]
    assert cell(model, 100_000, 0) is None  # past the end


def test_cells_roles_and_headers(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    items = [{"id": 7, "key": "a/b.txt", "size": 1_572_864, "error_class": "permission", "error_code": "AccessDenied",
              "message": "the destination said: access denied " * 5, "attempts": 3, "last_attempt": 1_700_000_000.5},
             {"id": 9, "key": "c.bin", "size": -1, "error_class": "not-found", "error_code": "NoSuchKey",
              "message": "gone", "attempts": 1, "last_attempt": None}]

    async def fetch(after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        return {"items": items, "next_after": None, "total": 2}

    model = FailuresModel(fetch, class_label=lambda name: f"<{name}>")
    with qtbot.waitSignal(model.total_changed) as total:
        model.fetchMore(ROOT)
    assert total.args == [2]
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    assert not model.canFetchMore(ROOT)
    assert [cell(model, 0, c) for c in FailureColumn] == [
        "a/b.txt", "1.5 MiB", "<permission>", "AccessDenied", items[0]["message"], "3",
        datetime.fromtimestamp(1_700_000_000.5).strftime("%Y-%m-%d %H:%M:%S")]
    assert cell(model, 1, FailureColumn.SIZE) == "unknown" and cell(model, 1, FailureColumn.LAST_ATTEMPT) == ""
    assert [cell(model, 0, c, FailuresModel.RawRole) for c in FailureColumn] == [
        "a/b.txt", 1_572_864, "permission", "AccessDenied", items[0]["message"], 3, 1_700_000_000.5]
    assert cell(model, 1, FailureColumn.CODE, FailuresModel.IdRole) == 9
    assert cell(model, 0, FailureColumn.MESSAGE, Qt.ItemDataRole.ToolTipRole) == items[0]["message"]
    assert cell(model, 0, FailureColumn.CODE, Qt.ItemDataRole.ToolTipRole) is None
    assert cell(model, 0, FailureColumn.SIZE, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert [model.headerData(c, H) for c in FailureColumn] == [
        "File", "Size", "Error type", "Code", "Message", "Attempts", "Last attempt"]
    assert model.headerData(0, Qt.Orientation.Vertical) == 1  # Qt's row numbers
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(model.index(0, 0)) == 0  # a flat table
    assert not model.canFetchMore(model.index(0, 0))


@pytest.mark.parametrize(("size", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (1_572_864, "1.5 MiB"),
                                            (5 * 1024**3, "5.0 GiB"), (3 * 1024**5, "3.0 PiB"), (-1, "unknown")])
def test_human_size(qapp: QApplication, size: int, text: str) -> None:
    assert human_size(size) == text


def test_error_class_filter_resets_and_fetches_again(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    agent = FakeFailures(100_000)
    model = FailuresModel(agent.fetch)
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    with qtbot.waitSignal(model.modelReset):
        model.set_error_class("checksum")
    assert model.rowCount() == 0 and model.error_class == "checksum"
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)  # the first page of the class, without being asked
    assert agent.calls[-1] == (0, PAGE_SIZE, "checksum") and model.total == 25_000
    assert {cell(model, r, FailureColumn.ERROR_CLASS) for r in range(model.rowCount())} == {"checksum"}
    calls = len(agent.calls)
    model.set_error_class("checksum")  # the same class: nothing to do
    qtbot.wait(30)
    assert len(agent.calls) == calls and model.rowCount() == PAGE_SIZE

    # A page of the old class still on its way when the class changes never reaches the table.
    model.fetchMore(ROOT)
    assert model.fetching
    model.set_error_class("network")
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    qtbot.wait(30)
    assert model.rowCount() == PAGE_SIZE
    assert {cell(model, r, FailureColumn.ERROR_CLASS) for r in range(model.rowCount())} == {"network"}

    with qtbot.waitSignal(model.modelReset):
        model.refresh()
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    assert agent.calls[-1] == (0, PAGE_SIZE, "network")
    model.set_error_class(None)
    qtbot.waitUntil(lambda: model.total == 100_000 and model.rowCount() == PAGE_SIZE)
    assert agent.calls[-1] == (0, PAGE_SIZE, None)


def test_a_failed_fetch_is_reported_and_tried_again(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    agent = FakeFailures(1_200)
    model = FailuresModel(agent.fetch)
    agent.fail = 1
    with qtbot.waitSignal(model.fetch_failed) as failed:
        model.fetchMore(ROOT)
    assert failed.args == ["the agent at http://127.0.0.1:9 does not answer (ClientConnectorError)"]
    assert model.rowCount() == 0 and model.canFetchMore(ROOT) and not model.fetching
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)

    agent.fail = 1  # the second page fails: the first stays, the same page is asked for again
    with qtbot.waitSignal(model.fetch_failed):
        model.fetchMore(ROOT)
    assert model.rowCount() == PAGE_SIZE
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE)
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 1_200)
    assert [after for after, _, _ in agent.calls] == [0, 0, PAGE_SIZE, PAGE_SIZE, 2 * PAGE_SIZE]
    assert not model.canFetchMore(ROOT)


def test_a_malformed_page_is_a_failed_fetch(qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    async def fetch(after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        return {"items": [{"id": 1, "key": "k"}], "next_after": None, "total": 1}

    model = FailuresModel(fetch)
    with qtbot.waitSignal(model.fetch_failed):
        model.fetchMore(ROOT)
    assert model.rowCount() == 0 and model.canFetchMore(ROOT)


@pytest.mark.qt_log_level_fail("WARNING")  # Qt's C++ tester reports what it finds as warnings
@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "python-tester"])
def test_failures_model_passes_the_model_tester(qtbot: QtBot, loop: qasync.QEventLoop, qtmodeltester: Any,
                                                force_py: bool) -> None:
    agent = FakeFailures(1_234)
    model = FailuresModel(agent.fetch, class_label=str.upper)
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE)
    qtmodeltester.check(model, force_py=force_py)
    # The tester stays connected: rows arriving, a reset and a retranslation are checked as they happen.
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE)
    model.set_error_class("permission")
    qtbot.waitUntil(lambda: model.rowCount() == 308)
    model.retranslate()


# -- TaskListModel ----------------------------------------------------------------------------------------------
def snap(task_id: str, state: str = "running", *, done: int = 0, failed: int = 0, total: int = 0,
         listed: int | None = None, listing_done: bool = True, name: str | None = None,
         skipped: int = 0) -> dict[str, Any]:
    """A task snapshot in the agent's shape (``GET /v1/tasks/{id}``); its ``bars`` made by the agent's function."""
    task = _snap(task_id, state, done=done, failed=failed, total=total, listed=listed, listing_done=listing_done,
                 name=name)
    task["objects"]["skipped"] = skipped
    task["bars"] = bars(state, task)
    return task


def _snap(task_id: str, state: str, *, done: int, failed: int, total: int, listed: int | None,
          listing_done: bool, name: str | None) -> dict[str, Any]:
    return {"id": task_id, "name": name or f"task {task_id}", "identity": f"identity-{task_id}",
            "source": f"s3://source/{task_id}/", "destination": f"oss://destination/{task_id}/", "state": state,
            "color": None, "pass": 1, "created": 1.0, "started": None, "finished": None, "error": None,
            "listing": {"objects": total if listed is None else listed, "bytes": 0, "done": listing_done},
            "objects": {"total": total, "done": done, "failed": failed, "skipped": 0, "left": total - done - failed},
            "bytes": {"total": 0, "done": 0, "wire": 0, "left": 0}, "rate_objects": 0.0, "rate_bytes": 0.0,
            "eta_seconds": None, "failure_classes": {}, "limits": {"qps_limit": 0, "bandwidth_limit": 0},
            "workers": []}


class Signals:
    """What a model said: row changes, resets and changed cells."""

    def __init__(self, model: TaskListModel) -> None:
        self.events: list[tuple[Any, ...]] = []
        model.dataChanged.connect(lambda a, b, *_: self.events.append(("changed", a.row(), b.row(), a.column(),
                                                                        b.column())))
        model.rowsInserted.connect(lambda _p, first, last: self.events.append(("inserted", first, last)))
        model.rowsRemoved.connect(lambda _p, first, last: self.events.append(("removed", first, last)))
        model.rowsMoved.connect(lambda _p, first, last, _d, to: self.events.append(("moved", first, last, to)))
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.layoutChanged.connect(lambda *_: self.events.append(("layout",)))

    def take(self) -> list[tuple[Any, ...]]:
        events, self.events = self.events, []
        return events


def ids(model: TaskListModel) -> list[str]:
    return [cell(model, row, 0, TaskListModel.TaskIdRole) for row in range(model.rowCount())]


def test_set_tasks_keeps_rows(qapp: QApplication) -> None:
    model = TaskListModel()
    signals = Signals(model)
    model.set_tasks([snap("a"), snap("b"), snap("c")])
    assert ids(model) == ["a", "b", "c"] and signals.take() == [("inserted", r, r) for r in range(3)]
    b_row = QPersistentModelIndex(model.index(1, 0))

    model.set_tasks([snap("a"), snap("b"), snap("c")])
    assert signals.take() == []  # nothing changed, nothing repainted
    model.set_tasks([snap("a", done=5, total=10), snap("b"), snap("c", "paused")])
    assert signals.take() == [("changed", 0, 0, 0, len(TaskColumn) - 1), ("changed", 2, 2, 0, len(TaskColumn) - 1)]
    assert cell(model, 2, TaskColumn.STATUS) == "Paused" and b_row.row() == 1

    # "a" deleted, "d" new, "b" and "c" swapped: rows move, none is rebuilt, the selection would follow "b".
    model.set_tasks([snap("d"), snap("c", "paused"), snap("b")])
    assert ids(model) == ["d", "c", "b"] and b_row.row() == 2
    assert ("reset",) not in signals.take()
    model.set_tasks([])
    assert model.rowCount() == 0 and not b_row.isValid()


def test_update_task_changes_one_row(qapp: QApplication) -> None:
    model = TaskListModel()
    model.set_tasks([snap("a"), snap("b", total=5_000), snap("c")])
    signals = Signals(model)
    live = {**snap("b", done=1_234, total=5_000), "event": "snapshot"}  # as the client's event stream yields it
    model.update_task(live)
    assert signals.take() == [("changed", 1, 1, 0, len(TaskColumn) - 1)]
    assert cell(model, 1, TaskColumn.PROGRESS) == "1,234 / 5,000 files · 24%"
    assert "event" not in cell(model, 1, 0, TaskListModel.SnapshotRole)
    model.update_task(live)
    assert signals.take() == []
    model.update_task({"id": "b", "state": "paused"})  # a partial snapshot is merged
    assert signals.take() == [("changed", 1, 1, 0, len(TaskColumn) - 1)]
    assert cell(model, 1, TaskColumn.STATUS) == "Paused" and cell(model, 1, TaskColumn.NAME) == "task b"
    assert cell(model, 1, 0, TaskListModel.StateRole) == "paused"
    model.update_task(snap("e"))  # a task created since the list was fetched
    assert ids(model) == ["a", "b", "c", "e"] and signals.take() == [("inserted", 3, 3)]
    assert model.remove_task("a") and not model.remove_task("a")
    assert ids(model) == ["b", "c", "e"] and signals.take() == [("removed", 0, 0)]


def test_progress_and_status_texts(qapp: QApplication) -> None:
    assert progress_text(snap("a", "listing", done=10, total=40, listed=1_234, listing_done=False)) == \
        "listing: 1,234 files so far"
    assert progress_text(snap("a", done=1_234, total=5_000)) == "1,234 / 5,000 files · 24%"
    assert progress_text(snap("a", done=4_990, failed=9, total=5_000)) == "4,990 / 5,000 files · failed 9 · 99%"
    # The run page's numbers: done files of all, failures apart, never 100% while one failed.
    assert progress_text(snap("a", "completed_with_failures", done=301, failed=1, total=302)) == \
        "301 / 302 files · failed 1 · 99%"
    assert progress_text(snap("a", "completed")) == "0 / 0 files · 100%"  # everything was there already
    # Skipped files are handled files: a Skip task of 300 skipped is 300 / 300, not 0 / 0.
    assert progress_text(snap("a", "completed", skipped=300)) == "300 / 300 files · 100%"
    # A failed later pass whose listing never ended shows what is done, not "listing: 0 so far".
    assert progress_text(snap("a", "failed", done=301, total=301, listed=0, listing_done=False)) == \
        "301 / 301 files · 100%"
    assert progress_text(snap("a", "created", listing_done=False)) == ""
    states = ["created", "listing", "running", "paused", "cancelled", "completed", "completed_with_failures",
              "failed", "from-the-future"]
    model = TaskListModel()
    model.set_tasks([snap(s, s) for s in states])
    assert [cell(model, r, TaskColumn.STATUS) for r in range(len(states))] == [
        "Not started", "Listing", "Migrating", "Paused", "Cancelled", "Completed", "Completed, some files failed",
        "Could not run", "from-the-future"]
    assert cell(model, 0, TaskColumn.ROUTE) == "s3://source/created/ → oss://destination/created/"
    assert [model.headerData(c, H) for c in TaskColumn] == ["Name", "Route", "Progress", "Status", "Runs on"]


def test_status_colours(qapp: QApplication) -> None:
    model = TaskListModel()
    states = ["completed", "completed_with_failures", "failed", "running", "listing", "paused", "cancelled", "created"]
    model.set_tasks([snap(s, s) for s in states])
    colour: dict[str, QColor] = {}
    for row, state in enumerate(states):
        colour[state] = cell(model, row, TaskColumn.STATUS, Qt.ItemDataRole.ForegroundRole)
        assert cell(model, row, TaskColumn.STATUS, Qt.ItemDataRole.DecorationRole) == colour[state]
        assert cell(model, row, TaskColumn.NAME, Qt.ItemDataRole.ForegroundRole) is None  # the status alone
    assert 90 <= colour["completed"].hslHue() <= 150
    assert 30 <= colour["completed_with_failures"].hslHue() <= 50
    assert colour["failed"].hslHue() <= 10 or colour["failed"].hslHue() >= 350
    assert all(190 <= colour[s].hslHue() <= 240 for s in ("running", "listing"))
    assert all(colour[s].hslSaturation() < 20 for s in ("paused", "cancelled", "created"))


class Chinese(QTranslator):
    """A translator made in code: enough to see the models pick up the language installed."""

    WORDS = {("TaskListModel", "Status"): "状态", ("Messages", "Migrating"): "运行中",
             ("FailuresModel", "File"): "文件"}

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        return self.WORDS.get((context, source))

    def isEmpty(self) -> bool:
        return False


def test_retranslate_repaints_headers_and_cells(qtbot: QtBot, qapp: QApplication) -> None:
    model = TaskListModel()
    model.set_tasks([snap("a"), snap("b")])
    assert model.headerData(TaskColumn.STATUS, H) == "Status"
    headers: list[tuple[Any, ...]] = []
    cells: list[tuple[int, ...]] = []
    model.headerDataChanged.connect(lambda *args: headers.append(args))
    model.dataChanged.connect(lambda a, b, *_: cells.append((a.row(), a.column(), b.row(), b.column())))
    translator = Chinese()
    qapp.installTranslator(translator)
    try:
        model.retranslate()
        assert headers == [(H, 0, len(TaskColumn) - 1)]
        assert cells == [(0, 0, 1, len(TaskColumn) - 1)]  # every cell: a view repaints what it shows
        assert model.headerData(TaskColumn.STATUS, H) == "状态"
        assert cell(model, 0, TaskColumn.STATUS) == "运行中"
        failures = FailuresModel(FakeFailures(1).fetch)
        with qtbot.waitSignal(failures.headerDataChanged):
            failures.retranslate()
        assert failures.headerData(FailureColumn.KEY, H) == "文件"
    finally:
        qapp.removeTranslator(translator)
    assert QCoreApplication.translate("TaskListModel", "Status") == "Status"


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "python-tester"])
def test_task_list_passes_the_model_tester(qapp: QApplication, qtmodeltester: Any, force_py: bool) -> None:
    model = TaskListModel()
    model.set_tasks([snap("a"), snap("b", "listing", listed=7, listing_done=False), snap("c", "failed")])
    qtmodeltester.check(model, force_py=force_py)
    model.set_tasks([snap("d"), snap("c", "completed"), snap("a")])
    model.update_task(snap("a", "paused"))
    model.update_task(snap("z"))
    model.remove_task("d")
    model.retranslate()
    assert ids(model) == ["c", "a", "z"]


# -- RateChart --------------------------------------------------------------------------------------------------
def test_rate_chart_keeps_its_window_and_renders(qtbot: QtBot) -> None:
    chart = RateChart()
    qtbot.addWidget(chart)
    chart.resize(640, 320)
    for i in range(15 * 60 * 2 + 1):  # two samples a second for 15 minutes
        chart.add_sample(i * 0.5, 40 * MiB + (i % 20) * MiB, 10.0 + i % 7)
    kept = chart.samples
    assert kept[0][0] == 5 * 60 and kept[-1][0] == 15 * 60 and len(kept) == 10 * 60 * 2 + 1
    bytes_series, objects_series = chart.chart().series()
    assert bytes_series.count() == objects_series.count() == len(kept)
    assert chart.unit == "MiB/s" and bytes_series.at(0).y() == pytest.approx(40)
    x_axis = chart.chart().axes(Qt.Orientation.Horizontal)[0]
    assert (x_axis.min(), x_axis.max()) == (pytest.approx(5.0), pytest.approx(15.0))
    titles = [axis.titleText() for axis in chart.chart().axes()]
    assert "Data (MiB/s)" in titles and "Files/s" in titles
    pixmap = chart.grab()
    assert not pixmap.isNull() and (pixmap.width(), pixmap.height()) == (640, 320)
    image = pixmap.toImage()
    painted = {image.pixel(x, y) for x in range(0, 640, 8) for y in range(0, 320, 8)}
    assert len(painted) > 5  # axes, labels and lines, not a blank widget


def test_rate_chart_empty_has_whole_ticks_and_a_title_that_fits(qtbot: QtBot) -> None:
    """No data: the files axis is 0..1 in one whole step (not "0 0 0 1 1 1"); the right axis title is short
    enough for a chart on a 1366x768 screen (120 px high)."""
    chart = RateChart()
    qtbot.addWidget(chart)
    chart.resize(640, 120)
    files_axis = chart.chart().axes(Qt.Orientation.Vertical)[1]
    assert (files_axis.min(), files_axis.max(), files_axis.tickInterval()) == (0.0, 1.0, 1.0)
    chart.add_sample(0.0, 0.0, 7.0)
    assert files_axis.max() >= 7.7 and files_axis.tickInterval() in (1.0, 2.0, 5.0)
    width = chart.fontMetrics().horizontalAdvance(files_axis.titleText())
    assert width < 100, width


def test_rate_chart_units_and_bounds(qtbot: QtBot) -> None:
    chart = RateChart(window_minutes=10)
    qtbot.addWidget(chart)
    chart.add_sample(0.0, 500 * 1024, 3.0)
    assert chart.unit == "KiB/s" and chart.chart().series()[0].at(0).y() == pytest.approx(500)
    chart.add_sample(1.0, 2 * 1024**3, 3.0)  # a faster link: every point in the new unit
    assert chart.unit == "GiB/s"
    assert [p.y() for p in chart.chart().series()[0].points()] == [pytest.approx(500 / 1024**2), pytest.approx(2)]
    chart.add_sample(0.5, 1.0, 1.0)  # the clock went back: another task, a fresh chart
    assert chart.samples == [(0.5, 1.0, 1.0)]
    for i in range(12 * 60 * 10):  # ten a second, more than the agent sends: memory stays bounded anyway
        chart.add_sample(1.0 + i / 10, MiB, 1.0)
    assert len(chart.samples) == chart.chart().series()[1].count() == MAX_SAMPLES
    chart.clear()
    assert chart.samples == [] and chart.chart().series()[0].count() == 0
    chart.retranslate()
    assert chart.grab().width() > 0


def test_message_column_explains_the_class_and_keeps_the_agent_text_in_the_tooltip(
        qtbot: QtBot, loop: qasync.QEventLoop) -> None:
    page = {"items": [{"id": 1, "key": "a/b.txt", "size": 5, "error_class": "permission", "error_code": "AccessDenied",
                       "message": "writing a/b.txt: AccessDenied", "attempts": 1, "last_attempt": None}],
            "next_after": None, "total": 1}

    async def fetch(after: int, limit: int, error_class: str | None) -> dict[str, Any]:
        return page if after == 0 else {"items": [], "next_after": None, "total": 1}

    model = FailuresModel(fetch, class_label=str.upper, explain=lambda cls: f"explained {cls}")
    model.fetchMore(ROOT)
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    cell = model.index(0, FailureColumn.MESSAGE)
    assert cell.data() == "explained permission"
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "writing a/b.txt: AccessDenied"
    assert model.index(0, FailureColumn.ERROR_CLASS).data() == "PERMISSION"
