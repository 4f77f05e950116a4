"""The journal's running totals agree with a full scan whatever sequence of writes happened."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from wizard.engine.journal import Journal, Outcome
from wizard.errors import InputError


def test_totals_follow_every_write_path(tmp_path: Path) -> None:
    rng = random.Random(7)
    j = Journal(tmp_path / "j.sqlite", "id-1", "t")
    keys = [f"k{i:04d}" for i in range(600)]
    for start in range(0, 600, 100):
        page = [(k, rng.randint(0, 5000), None, None, rng.choice(["pending", "skipped"]), None)
                for k in keys[start:start + 100]]
        j.add_page(page, keys[start + 99], start + 100, 0)
    assert j.counts() == j.counts_by_scan()
    todo = j.next_todo(0, 400)
    j.save_upload(todo[0].id, todo[0].key, "u1", 5 << 20, "etag")          # -> copying
    j.record([Outcome(t.id, rng.choice(["done", "failed"]), 1, error_class="permission") for t in todo[1:]])
    assert j.counts() == j.counts_by_scan()
    j.reset_failed("permission")
    j.add_page([(keys[5], 99_999, "e", 1.0, "pending", None)], keys[5], 601, 0)   # upsert of an existing key
    j.record([Outcome(todo[0].id, "done", 1)])
    assert j.counts() == j.counts_by_scan()
    assert sum(n for n, _ in j.counts().values()) == 600
    j.close()


def test_a_batch_is_one_transaction_all_or_nothing(tmp_path: Path) -> None:
    """The connection is in autocommit mode: a batch must still be one transaction (before, each row of a batch
    committed alone, with a lock and a WAL write each, and a failure half-way kept the first rows)."""
    j = Journal(tmp_path / "j.sqlite", "id-1", "t")
    j.add_page([(f"k{i}", 10, None, None, "pending", None) for i in range(5)], "k4", 5, 50)
    todo = j.next_todo(0)
    outcomes = [Outcome(t.id, "done", 1) for t in todo]
    outcomes[3] = Outcome(todo[3].id, "done", 1, evidence={"bad": object()})   # not JSON: the batch fails
    with pytest.raises(TypeError):
        j.record(outcomes)
    assert j.counts()["done"] == (0, 0) and not j.db.in_transaction      # nothing of the batch was kept
    with pytest.raises(RuntimeError), j.transaction():
        j.db.execute("UPDATE objects SET state = 'failed'")
        raise RuntimeError("stop half-way")
    assert j.counts()["failed"] == (0, 0) and j.counts()["pending"][0] == 5
    j.record([Outcome(t.id, "done", 1) for t in todo])
    assert j.counts()["done"] == (5, 50) == j.counts_by_scan()["done"]
    j.close()


def test_a_journal_is_bound_to_its_task(tmp_path: Path) -> None:
    Journal(tmp_path / "j.sqlite", "id-1").close()
    with pytest.raises(InputError, match="belongs to another task"):
        Journal(tmp_path / "j.sqlite", "id-2")
    (tmp_path / "not.sqlite").write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(InputError, match="cannot be opened"):
        Journal(tmp_path / "not.sqlite", "id-1")


def test_a_late_outcome_never_downgrades_done_and_one_scan_tells_the_proofs(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.sqlite", "task-x")
    j.add_page([("a", 1, None, None, "pending", None), ("b", 2, None, None, "pending", None)], "b", 2, 3)
    a, b = (t.id for t in j.next_todo(0))
    j.record([Outcome(a, "done", 1, {"size": 1, "verified": "source", "metadata_dropped": ["x"]}),
              Outcome(b, "failed", 1, None, "network", "Reset", "b: reset")])
    # The same object's second attempt (run twice at once) ends failed after the first was recorded done.
    j.record([Outcome(a, "failed", 1, None, "network", "Reset", "a: reset"),
              Outcome(b, "done", 2, {"size": 2, "verified": "size-only"})])
    assert j.state_of("a") == "done" and j.evidence("a") == {"size": 1, "verified": "source",
                                                             "metadata_dropped": ["x"]}
    assert j.state_of("b") == "done"      # failed -> done is progress
    assert j.counts()["done"] == (2, 3) == j.counts_by_scan()["done"]
    assert j.done_evidence() == ({"metadata": 1, "storage_class": 0}, {"source": 1, "size-only": 1})
    j.close()
