"""The shard seam: plain data in and out (it survives pickling, as it does on its way to a Dask worker), the
shard's ledger handing on every record as it happens, the journal taking those records without reopening done
objects, and the master's handlers: a late or doubled report counts once, one worker's throttling brakes all."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path

from wizard.cluster.files import Cluster
from wizard.cluster.master import Master
from wizard.engine.journal import Journal, Outcome, Todo
from wizard.engine.ledger import ShardLedger, apply, recorded_uploads
from wizard.engine.limits import Limits
from wizard.engine.runner import Runner
from wizard.engine.shard import Control, CopySettings, Shard, cut, run_shard
from wizard.storage.local import LocalStore
from wizard.task import parse_task_text

GiB = 1024 ** 3


def todo(i: int, size: int = 10) -> Todo:
    return Todo(i, f"k{i}", size, None, None, 0)


def test_shards_hold_at_most_a_thousand_objects_or_ten_gigabytes() -> None:
    rows = [todo(i, 1) for i in range(1, 2501)]
    assert [len(s) for s in cut(rows)] == [1000, 1000, 500]
    assert [len(s) for s in cut(rows, 300)] == [300] * 8 + [100]
    big = [todo(1, 6 * GiB), todo(2, 6 * GiB), todo(3, 3 * GiB), todo(4, 20 * GiB), todo(5, 1)]
    assert [[t.id for t in s] for s in cut(big)] == [[1], [2, 3], [4], [5]]   # one larger object goes alone
    assert cut([]) == []


def test_a_shard_ledger_hands_on_each_record_and_the_journal_applies_them(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.sqlite", "id", "t")
    j.add_page([(f"k{i}", 100, None, None, "pending", None) for i in range(3)], "k2", 3, 300)
    ids = [t.id for t in j.next_todo(0)]
    j.save_upload(ids[0], "k0", "up-0", 5, "e0")
    j.save_part(ids[0], 1, "p1", 5, 77)
    given = recorded_uploads(j, ids)
    assert set(given) == {ids[0]} and given[ids[0]].parts == {1: ("p1", 5, 77)}
    seen: list[tuple[object, ...]] = []
    ledger = ShardLedger(pickle.loads(pickle.dumps(given)), seen.append)
    assert ledger.parts_for(ids[0]) == {1: ("p1", 5, 77)}
    ledger.save_part(ids[0], 2, "p2", 5, None)
    ledger.save_upload(ids[1], "k1", "up-1", 5, "e1")
    ledger.save_part(ids[1], 1, "q1", 5, 2 ** 64 - 1)       # all 64 bits of a CRC-64 survive
    ledger.drop_upload(ids[0])
    assert [r[0] for r in seen] == ["part", "upload", "part", "drop"]
    apply(j, seen)
    assert j.upload_for(ids[0]) is None and j.upload_for(ids[1]) == ("up-1", 5, "e1")
    assert j.parts_for(ids[1]) == {1: ("q1", 5, 2 ** 64 - 1)}
    # A stale attempt's records for an object already done change nothing: it is not reopened.
    j.record([Outcome(ids[2], "done", 1)])
    apply(j, [("upload", ids[2], "k2", "late", 5, "e2"), ("part", ids[2], 1, "x", 5, None)])
    assert j.state_of("k2") == "done" and j.upload_for(ids[2]) is None and j.parts_for(ids[2]) == {}
    assert [t.id for t in j.next_todo(0)] == ids[:2]


def test_a_shard_is_plain_data_and_runs_the_same_anywhere(tmp_path: Path) -> None:
    src_dir, dst_dir = tmp_path / "src", tmp_path / "dst"
    src_dir.mkdir()
    for i in range(30):
        (src_dir / f"f{i:02d}").write_bytes(b"x" * i)
    todos = [Todo(i + 1, f"f{i:02d}", i, None, None, 0) for i in range(30)]
    shard = Shard("run-1", 7, todos, CopySettings(concurrency=4), {})
    shard = pickle.loads(pickle.dumps(shard))
    outcomes: list[Outcome] = []

    async def go() -> object:
        src, dst = LocalStore(str(src_dir)), LocalStore(str(dst_dir), create=True)
        for s in (src, dst):
            await s.open()
        try:
            return await run_shard(shard, src, dst, Limits(), "tok", on_outcome=outcomes.append)
        finally:
            for s in (src, dst):
                await s.close()
    result = pickle.loads(pickle.dumps(asyncio.run(go())))
    assert sorted(o.id for o in result.outcomes) == list(range(1, 31))  # type: ignore[attr-defined]
    assert {o.state for o in result.outcomes} == {"done"} and len(outcomes) == 30  # type: ignore[attr-defined]
    assert result.handed_back == [] and result.fatal is None  # type: ignore[attr-defined]
    assert result.counters["wire_bytes"] == sum(range(30))  # type: ignore[attr-defined]
    assert all((dst_dir / f"f{i:02d}").read_bytes() == b"x" * i for i in range(30))


def test_a_draining_shard_hands_back_what_it_has_not_started(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    for i in range(5):
        (tmp_path / "src" / f"f{i}").write_bytes(b"y")
    control = Control()
    control.draining = True
    shard = Shard("r", 1, [Todo(i + 1, f"f{i}", 1, None, None, 0) for i in range(5)], CopySettings(), {})

    async def go() -> object:
        src, dst = LocalStore(str(tmp_path / "src")), LocalStore(str(tmp_path / "dst"), create=True)
        return await run_shard(shard, src, dst, Limits(), "t", control=control)
    result = asyncio.run(go())
    assert result.handed_back == [1, 2, 3, 4, 5] and result.outcomes == []  # type: ignore[attr-defined]


def _runner(tmp_path: Path, qps: float) -> Runner:
    (tmp_path / "s").mkdir(exist_ok=True)
    spec = parse_task_text(f'name = "m"\n[source]\nkind = "local"\npath = "{tmp_path / "s"}"\n'
                           f'[destination]\nkind = "local"\npath = "{tmp_path / "d"}"\n')
    j = Journal(tmp_path / "j.sqlite", spec.identity(), "m")
    j.add_page([(f"k{i}", 5, None, None, "pending", None) for i in range(4)], "k3", 4, 20)
    return Runner(spec, LocalStore(str(tmp_path / "s")), LocalStore(str(tmp_path / "d"), create=True), j,
                  limits=Limits(qps))


def test_the_master_counts_a_doubled_report_once_and_shares_limits_and_brakes(tmp_path: Path) -> None:
    runner = _runner(tmp_path, qps=90)
    master = Master(Cluster("c", "127.0.0.1", 0, None, None))  # type: ignore[arg-type]
    b = master.bind(runner, "", {})
    e = b.entry(runner.journal.next_todo(0))
    first = master._begin(b.run, e.number, "a", "w1")
    assert first["qps"] == 90 and not first["stop"] and first["maybe_sent"] is False
    again = master._begin(b.run, e.number, "b", "w2")      # Dask ran it again elsewhere
    assert again["maybe_sent"] is True
    one = [[1, "done", 1, {"size": 5}, None, None, None]]          # an outcome as it travels
    master._report(b.run, e.number, "a", "w1", one, [], {"wire_bytes": 5, "in_flight": 1})
    lease = master._report(b.run, e.number, "b", "w2", one, [], {"wire_bytes": 5})
    assert runner.counters.done_objects == 1                       # the same outcome twice counts once
    assert runner.counters.wire_bytes == 10 and runner.counters.in_flight == 1
    assert lease["qps"] == 45                                       # two workers copying: half each
    assert lease["hold"] == 0
    master._report(b.run, e.number, "a", "w1", [], [], {"wire_bytes": 5}, throttled=1)
    other = master._report(b.run, e.number, "b", "w2", [], [], {"wire_bytes": 5})
    assert other["hold"] > 0                                        # w1 was told to slow down: w2 brakes too
    b.settle(e)
    assert runner.counters.in_flight == 0
    assert master._report(b.run, e.number, "a", "w1", [], [], {})["stop"] is True   # a settled shard stops
    master.unbind(b)
    assert master._begin(b.run, 99, "c", "w1") == {"stop": True}
    runner.journal.close()
