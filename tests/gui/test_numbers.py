"""Numbers that are true, against a real agent, SeaweedFS and a fault proxy: every number the task list and the
run page show equals the journal's and the destination bucket's, for a task with failures resumed under a
10 requests/s limit, a retry of its failures and a Skip task; rates and ETA after resume stay within the limit."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from agent.test_run_s3 import contents, fill
from conftest import s3_side, write_task
from servers.agent_service import AgentProcess
from servers.faultproxy import FaultProxy
from servers.seaweed import SeaweedS3
from wizard_fixtures import loop_fixture, make_wizard_fixture, service_fixture, until_fixture  # noqa: F401

from wizard.gui.models.failures import FailureColumn
from wizard.gui.models.tasks import TaskColumn


def journal_counts(home: Path, task_id: str) -> dict[str, tuple[int, int]]:
    """state -> (objects, bytes), read from the task's journal file itself."""
    state = next(json.loads(p.read_text()) for p in home.rglob("state.json")
                 if json.loads(p.read_text())["id"] == task_id)
    db = sqlite3.connect(f"file:{state['journal']}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT state, COUNT(*), COALESCE(SUM(size), 0) FROM objects GROUP BY state").fetchall()
    finally:
        db.close()
    return {s: (n, b) for s, n, b in rows}


def human(n: int) -> str:
    from wizard.gui import messages
    return messages.human_bytes(n)


def shown(wizard: Any) -> dict[str, Any]:
    """Every number the two views show for the open task."""
    run, start = wizard.run_page, wizard.start_page
    model = start.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(0) == run.snap["name"])
    return {"row": model.index(row, TaskColumn.PROGRESS).data(0), "objects": run.objects.format(),
            "objects_bar": (run.objects.value(), run.objects.maximum()), "bytes": run.bytes.format(),
            "rates": run.rates.text(), "listing": run.listing.text()}


def assert_true_numbers(wizard: Any, until: Any, home: Path, task_id: str, dest: dict[str, bytes]) -> None:
    counts = journal_counts(home, task_id)
    done, skipped, failed = (counts.get(s, (0, 0)) for s in ("done", "skipped", "failed"))
    total = done[0] + skipped[0] + failed[0] + sum(counts.get(s, (0, 0))[0] for s in ("pending", "copying"))
    total_bytes = done[1] + skipped[1] + failed[1]
    handled = done[0] + skipped[0]
    assert handled == len(dest) or skipped[0]        # what is done is in the bucket
    wizard.start_page.refresh()
    percent = handled * 100 // total if total else 100
    row = (f"{handled:,} / {total:,} files · failed {failed[0]:,} · {percent}%" if failed[0]
           else f"{handled:,} / {total:,} files · {percent}%")
    until(lambda: shown(wizard)["row"] == row, 10)
    s = shown(wizard)
    assert s["objects"] == f"{handled:,} / {total:,} files"
    assert s["objects_bar"] == (handled + failed[0], max(total, 1))
    assert s["bytes"] == f"{human(done[1] + skipped[1])} / {human(total_bytes)}"
    assert f"skipped {skipped[0]:,} · failed {failed[0]:,}" in s["rates"]
    assert "after listing" not in s["rates"] and "so far" not in s["listing"]


def test_numbers_equal_the_journal_and_the_bucket(until: Any, make_wizard: Any, service: AgentProcess,
                                                  s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                                  dst_bucket: str, proxy: FaultProxy, home: Path,
                                                  tmp_path: Path) -> None:
    objects = {f"photos/{i:03d}.jpg": os.urandom(20_000 + i) for i in range(60)}
    fill(s3_source, src_bucket, objects)
    denied = {"photos/007.jpg", "photos/041.jpg"}
    proxy.rules.forbidden.update(denied)
    path = write_task(tmp_path / "limited.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(proxy.url, dst_bucket, "env:DST"), "limited", qps_limit=10, concurrency=2)
    tid = str(service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"])

    wizard = make_wizard()
    wizard.start_page.open_task(tid)
    run = wizard.run_page
    until(lambda: run.snap.get("state") == "running" and run.snap["objects"]["done"] >= 10, 60)
    before = run.snap["bars"]["bytes"]["done"]
    run.pause.click()
    until(lambda: run.snap.get("state") == "paused", 30)
    # Paused with listing finished: no "after listing", bytes where they were, the done count from the journal.
    assert run.snap["bars"]["bytes"]["done"] >= before
    assert "after listing" not in run.rates.text()
    until(lambda: run.snap["objects"]["done"] == journal_counts(home, tid)["done"][0], 10)
    # Paused: the chart draws no flat line of zeros while the snapshots keep coming.
    drawn = len(run.chart.samples)
    later = time.monotonic() + 1.5
    until(lambda: time.monotonic() > later, 5)
    assert len(run.chart.samples) == drawn

    # Resumed under 10 requests/s: what earlier runs did is no rate, and no ETA promises more than the limit.
    run.resume.click()
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        if run.snap.get("state") in ("listing", "running"):
            seen.append(run.snap)
        return run.snap.get("state") == "completed_with_failures"

    until(finished, 120)
    assert seen
    for snap in seen:
        assert snap["rate_objects"] <= 10.0, snap["rate_objects"]
        left = snap["objects"]["left"]
        if snap["eta_seconds"] is not None and left:
            assert snap["eta_seconds"] >= left / 10.0 - 0.1, (snap["eta_seconds"], left)
    landed = contents(s3_dest, dst_bucket)
    assert set(landed) == set(objects) - denied
    assert_true_numbers(wizard, until, home, tid, landed)

    # Retried, the still-denied files show the journal's attempts (both passes), and the numbers hold.
    until(lambda: run.model.rowCount() == 2, 10)
    run.retry.click()
    until(lambda: run.snap.get("state") == "completed_with_failures" and run.snap["attempts"]["attempts"] >= 62, 60)
    run.model.refresh()
    until(lambda: run.model.rowCount() == 2 and
          all(run.model.index(r, FailureColumn.ATTEMPTS).data(0) in ("2", 2) for r in range(2)), 10)
    assert_true_numbers(wizard, until, home, tid, contents(s3_dest, dst_bucket))
    # The pass summary replaces "Retrying 2 failed files" once the retry has ended.
    until(lambda: run.message.text() == "Retry finished: of 2 failed files, 0 copied, 2 still failing.", 10)

    # The proxy lets them through: the retry copies both, the line says so.
    proxy.rules.forbidden.clear()
    run.retry.click()
    until(lambda: run.message.text() == "Retry finished: of 2 failed files, 2 copied, 0 still failing.", 60)
    assert run.snap["state"] == "completed" and contents(s3_dest, dst_bucket) == objects
    assert_true_numbers(wizard, until, home, tid, objects)

    # Migrate what changed: one file edited, one new; the rest unchanged.
    fill(s3_source, src_bucket, {"photos/005.jpg": b"edited", "photos/new.jpg": b"new"})
    run.incremental.click()
    until(lambda: run.message.text() == "Pass 2 finished: 2 files copied, 59 unchanged, 0 skipped, 0 failed.", 60)
    landed = contents(s3_dest, dst_bucket)
    assert landed["photos/005.jpg"] == b"edited" and len(landed) == 61
    assert_true_numbers(wizard, until, home, tid, landed)


def test_a_skip_task_counts_its_skipped_files(until: Any, make_wizard: Any, service: AgentProcess,
                                              s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
                                              dst_bucket: str, home: Path, tmp_path: Path) -> None:
    objects = {f"s/{i:03d}": os.urandom(1000 + i) for i in range(30)}
    fill(s3_source, src_bucket, objects)
    fill(s3_dest, dst_bucket, objects)
    path = write_task(tmp_path / "skip.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "skipper", same_name="skip")
    tid = str(service.call("POST", "/v1/tasks", {"task": path.read_text()}, expect=201)["id"])
    service.wait_for(tid, "completed")
    wizard = make_wizard()
    wizard.start_page.open_task(tid)
    until(lambda: wizard.run_page.snap.get("state") == "completed", 20)
    assert journal_counts(home, tid)["skipped"][0] == 30
    assert_true_numbers(wizard, until, home, tid, contents(s3_dest, dst_bucket))
    assert shown(wizard)["row"] == "30 / 30 files · 100%"
    assert wizard.run_page.objects.value() == 30 == wizard.run_page.objects.maximum()
