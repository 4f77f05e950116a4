"""A source object replaced between a crash and the resume must not get old parts mixed into its copy."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest
from conftest import new_bucket
from servers.seaweed import SeaweedS3

from wizard.engine.copier import Copier
from wizard.engine.events import Counters
from wizard.engine.journal import Journal
from wizard.engine.limits import Limits
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
