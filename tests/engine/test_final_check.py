"""The final pass's check of every copied object, against real SeaweedFS servers and a real folder: objects
changed or removed at the destination behind the agent's back are flagged (class ``mismatch``), the others are
marked as checked, whether the destination lists ETags (a listing joined with the journal) or not (a folder:
each file looked at, its MD5 read back)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from agent.test_run_s3 import fill
from conftest import new_bucket
from servers.seaweed import SeaweedS3

from wizard.engine.journal import Journal
from wizard.engine.runner import Runner
from wizard.storage.local import LocalStore
from wizard.storage.s3 import S3Store
from wizard.task import parse_task_text


def spec_text(src: SeaweedS3, bucket: str, destination: str) -> str:
    return (f'name = "final"\n[source]\nkind = "s3"\nendpoint = "{src.endpoint}"\nbucket = "{bucket}"\n'
            f'prefix = "data/"\ncredentials = "env:SRC"\n[destination]\n{destination}')


def run(spec: Any, make_src: Any, make_dst: Any, journal: Journal) -> Any:
    async def go() -> Any:
        runner = Runner(spec, make_src(), make_dst(), journal)
        try:
            return await runner.run()
        finally:
            await runner.src.close()
            await runner.dst.close()
    return asyncio.run(go())


def test_the_final_check_flags_what_changed_at_an_object_store(tmp_path: Path, s3_source: SeaweedS3,
                                                               s3_dest: SeaweedS3) -> None:
    src_bucket, dst_bucket = new_bucket(s3_source, "fin"), new_bucket(s3_dest, "fin")
    fill(s3_source, src_bucket, {f"data/{i:03d}": os.urandom(200) for i in range(30)} | {"other/x": b"not ours"})
    spec = parse_task_text(spec_text(s3_source, src_bucket, f'kind = "s3"\nendpoint = "{s3_dest.endpoint}"\n'
                                     f'bucket = "{dst_bucket}"\nprefix = "copy/"\ncredentials = "env:DST"\n'))
    journal = Journal(tmp_path / "j.sqlite", spec.identity())

    def src() -> S3Store:
        return S3Store(s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)

    def dst() -> S3Store:
        return S3Store(s3_dest.endpoint, dst_bucket, s3_dest.access_key, s3_dest.secret_key)
    assert run(spec, src, dst, journal).status == "completed"
    client = s3_dest.client()
    client.put_object(Bucket=dst_bucket, Key="copy/data/004", Body=os.urandom(200))     # same size, other bytes
    client.delete_object(Bucket=dst_bucket, Key="copy/data/017")
    client.put_object(Bucket=dst_bucket, Key="copy/data/999", Body=b"someone else's")   # not the task's: ignored
    journal.begin_pass("final")
    summary = run(spec, src, dst, journal)
    assert summary.status == "completed_with_failures"
    flagged = {(row[1], row[3], row[4]) for row in journal.failures()}
    assert flagged == {("data/004", "mismatch", "DestinationChecksumDiffers"),
                       ("data/017", "mismatch", "DestinationMissing")}
    row = journal.passes()[-1]
    assert (row["kind"], row["checked"], row["mismatched"], row["copied"]) == ("final", 30, 2, 0)
    assert all(journal.evidence(f"data/{i:03d}")["final_check"] == "ok" for i in range(30) if i not in (4, 17))
    journal.reset_failed()
    assert run(spec, src, dst, journal).status == "ready_for_cutover"   # the retry copies them, verified
    assert journal.evidence("data/004")["final_check"] == "copied"
    journal.close()


def test_the_final_check_reads_back_a_folders_files(tmp_path: Path, s3_source: SeaweedS3) -> None:
    src_bucket = new_bucket(s3_source, "finl")
    fill(s3_source, src_bucket, {f"data/{i:03d}": os.urandom(300) for i in range(12)})
    folder = tmp_path / "dst"
    spec = parse_task_text(spec_text(s3_source, src_bucket, f'kind = "local"\npath = "{folder}"\n'))
    journal = Journal(tmp_path / "j.sqlite", spec.identity())

    def src() -> S3Store:
        return S3Store(s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
    assert run(spec, src, lambda: LocalStore(folder, create=True), journal).status == "completed"
    (folder / "data" / "003").write_bytes(os.urandom(300))       # same size: only the MD5 read back tells
    journal.begin_pass("final")
    assert run(spec, src, lambda: LocalStore(folder), journal).status == "completed_with_failures"
    assert [(row[1], row[4]) for row in journal.failures()] == [("data/003", "DestinationChecksumDiffers")]
    assert journal.passes()[-1]["checked"] == 12
    journal.close()
