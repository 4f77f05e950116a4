"""A planner resumed from its cursor plans every remaining key exactly once, on any store's listing order."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import new_bucket
from servers.seaweed import SeaweedS3

from wizard.engine.events import Counters
from wizard.engine.journal import Journal
from wizard.engine.planner import Planner
from wizard.storage.local import LocalStore
from wizard.storage.s3 import S3Store
from wizard.task import Options

KEYS = ["a", "a/b", "a/c/d", "a b", "b", "c/x"]


def test_resume_from_a_cursor_that_is_also_a_folder_name(tmp_path: Path, s3_source: SeaweedS3) -> None:
    bucket = new_bucket(s3_source, "resume")
    client = s3_source.client()
    for key in KEYS:
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    journal = Journal(tmp_path / "j.sqlite", "identity")
    # A run that died right after recording the page that ended with "a".
    journal.add_page([("a", 1, None, None, "done", None)], "a", 1, 1)

    async def go() -> None:
        src = S3Store(s3_source.endpoint, bucket, s3_source.access_key, s3_source.secret_key)
        dst = LocalStore(tmp_path / "dst")
        try:
            await Planner(src, dst, journal, Options(), "", "", Counters(), asyncio.Event()).run()
        finally:
            await src.close()
    asyncio.run(go())
    rows = journal.db.execute("SELECT key, state FROM objects ORDER BY key").fetchall()
    assert sorted(k for k, _ in rows) == sorted(KEYS)
    assert dict(rows)["a"] == "done"                       # what was done before stays done
    assert journal.counts() == journal.counts_by_scan()
    assert journal.counts()["pending"][0] == len(KEYS) - 1
    journal.close()
