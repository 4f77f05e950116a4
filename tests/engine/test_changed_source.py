"""A source object replaced between a crash and the resume must not get old parts mixed into its copy."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import new_bucket
from servers.seaweed import SeaweedS3

from wizard.engine.copier import Copier
from wizard.engine.events import Counters
from wizard.engine.journal import Journal, Outcome
from wizard.engine.limits import Limits
from wizard.engine.shard import to_outcome
from wizard.errors import StorageError
from wizard.storage.s3 import S3Store

MiB = 1024 * 1024


def test_resume_after_source_changed_restarts_the_upload(tmp_path: Path, s3_source: SeaweedS3,
                                                         s3_dest: SeaweedS3) -> None:
    src_bucket, dst_bucket = new_bucket(s3_source, "chg"), new_bucket(s3_dest, "chg")
    v1, v2 = os.urandom(11 * MiB), os.urandom(11 * MiB)
    s3_source.client().put_object(Bucket=src_bucket, Key="obj", Body=v1)
    journal = Journal(tmp_path / "j.sqlite", "identity")
    journal.add_page([("obj", len(v1), None, None, "pending", None)], "obj", 1, len(v1))
    todo = journal.next_todo(0)[0]

    async def go() -> None:
        src = S3Store(s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
        dst = S3Store(s3_dest.endpoint, dst_bucket, s3_dest.access_key, s3_dest.secret_key)
        try:
            # A run that died after one verified part of version 1.
            head = await src.head("obj")
            assert head is not None
            upload = await dst.create_upload("obj")
            etag = await dst.upload_part("obj", upload, 1, v1[:5 * MiB], 5 * MiB)
            journal.save_upload(todo.id, "obj", upload, 5 * MiB, head.etag)
            journal.save_part(todo.id, 1, etag, 5 * MiB)
            # The source is replaced before the resume.
            s3_source.client().put_object(Bucket=src_bucket, Key="obj", Body=v2)
            copier = Copier(src, dst, journal, Limits(), Counters(), part_size=5 * MiB, threshold=5 * MiB)
            result = await copier.copy(todo)
            assert result.ok, result.error
            assert result.evidence is not None and result.evidence["reused_parts"] == 0
            assert await dst.list_uploads() == []
            with pytest.raises(StorageError) as err:       # reads pinned to the old version are refused
                await src.read("obj", 0, 10, if_match=hashlib.md5(v1).hexdigest())
            assert err.value.error_class == "changed"
        finally:
            await src.close()
            await dst.close()
    asyncio.run(go())
    body = s3_dest.client().get_object(Bucket=dst_bucket, Key="obj")["Body"].read()
    assert body == v2
    journal.close()


class ChangedWhileRead:
    """The real source store, except that just before the first read of ``key`` the object is replaced at the
    source (as a writer would while it is being copied)."""

    def __init__(self, store: S3Store, replace: Callable[[], None], key: str) -> None:
        self._store, self._replace, self._key = store, replace, key
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def read(self, key: str, *args: Any, **kwargs: Any) -> Any:
        if key == self._key and not self.reads:
            await asyncio.to_thread(self._replace)
        self.reads += 1
        return await self._store.read(key, *args, **kwargs)


@pytest.mark.parametrize("size", [4096, 12 * MiB], ids=["single", "multipart"])
def test_an_object_changed_while_it_is_copied_is_requeued_never_kept(tmp_path: Path, s3_source: SeaweedS3,
                                                                     s3_dest: SeaweedS3, size: int) -> None:
    """The read is pinned to the listed version (If-Match); the source answers 412 for the replaced object, and
    the copier takes the new version and copies that: the journal's row describes what the destination holds."""
    src_bucket, dst_bucket = new_bucket(s3_source, "chg"), new_bucket(s3_dest, "chg")
    v1, v2 = os.urandom(size), os.urandom(size + 1000)
    client = s3_source.client()
    client.put_object(Bucket=src_bucket, Key="obj", Body=v1)
    listed = client.head_object(Bucket=src_bucket, Key="obj")
    journal = Journal(tmp_path / "j.sqlite", "identity")
    journal.add_page([("obj", len(v1), listed["ETag"].strip('"'), None, "pending", None)], "obj", 1, len(v1))
    todo = journal.next_todo(0)[0]

    async def go() -> Outcome:
        real = S3Store(s3_source.endpoint, src_bucket, s3_source.access_key, s3_source.secret_key)
        src = ChangedWhileRead(real, lambda: client.put_object(Bucket=src_bucket, Key="obj", Body=v2), "obj")
        dst = S3Store(s3_dest.endpoint, dst_bucket, s3_dest.access_key, s3_dest.secret_key)
        try:
            copier = Copier(src, dst, journal, Limits(), Counters(), part_size=5 * MiB,  # type: ignore[arg-type]
                            threshold=5 * MiB)
            return to_outcome(todo, await copier.copy(todo))
        finally:
            await real.close()
            await dst.close()
    outcome = asyncio.run(go())
    assert outcome.state == "done", outcome.message
    assert outcome.evidence is not None and outcome.evidence["requeued"] == 1
    journal.record([outcome])
    assert s3_dest.client().get_object(Bucket=dst_bucket, Key="obj")["Body"].read() == v2
    assert journal.lookup(["obj"])["obj"][:2] == (len(v2), hashlib.md5(v2).hexdigest() if size < 5 * MiB
                                                  else client.head_object(Bucket=src_bucket, Key="obj")["ETag"]
                                                  .strip('"'))
    assert journal.counts()["done"] == (1, len(v2))
    journal.close()
