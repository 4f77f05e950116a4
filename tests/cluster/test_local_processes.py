"""``run --processes N``: the same shards in N local worker processes (every core of one machine)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import agent, s3_side, write_task
from servers.seaweed import SeaweedS3

sys.path.insert(0, str(Path(__file__).parent.parent / "agent"))   # the agent tests' helpers
from test_run_s3 import contents, uploads_left  # noqa: E402
from test_service_load import fill_fast  # noqa: E402

MiB = 1024 * 1024


def test_run_with_local_worker_processes_copies_everything_and_resumes(
        tmp_path: Path, agent_env: dict[str, str], s3_source: SeaweedS3, s3_dest: SeaweedS3, src_bucket: str,
        dst_bucket: str) -> None:
    data = {f"o/{i:04d}": f"object {i}".encode() * (1 + i % 50) for i in range(700)}
    data["big/one"] = bytes(range(256)) * (40 * 4096)        # 40 MiB: multipart
    fill_fast(s3_source, src_bucket, data)
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      s3_side(s3_dest, dst_bucket, "env:DST"), "local-procs", multipart_threshold="8MiB",
                      part_size="5MiB")
    done = agent("run", str(task), "--processes", "2", env=agent_env)
    assert done.returncode == 0, done.stderr
    assert "completed in" in done.stderr
    assert contents(s3_dest, dst_bucket) == data
    assert uploads_left(s3_dest, dst_bucket) == []
    status = agent("status", str(task), env=agent_env)
    assert " done: 701 objects" in status.stdout, status.stdout
    again = agent("run", str(task), "--processes", "2", env=agent_env)   # nothing left: nothing sent again
    assert again.returncode == 0, again.stderr


def test_processes_out_of_range_is_one_sentence_and_runs_nothing(tmp_path: Path, agent_env: dict[str, str],
                                                                  s3_source: SeaweedS3, src_bucket: str) -> None:
    task = write_task(tmp_path / "t.toml", s3_side(s3_source, src_bucket, "env:SRC"),
                      {"kind": "local", "path": str(tmp_path / "out")}, "bad-procs")
    for value in ("-1", "100000"):
        done = agent("run", str(task), "--processes", value, env=agent_env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "--processes" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()
