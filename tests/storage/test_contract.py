"""The contract every connector passes: the same tests against each store, real servers only."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from conftest import COS_ID, COS_KEY, OSS_ID, OSS_KEY, new_bucket, new_cos_bucket
from servers.seaweed import SeaweedS3

from wizard.errors import Action, StorageError
from wizard.storage.base import Store
from wizard.storage.local import LocalStore
from wizard.storage.s3 import S3Store

KEYS = ["a", "a b", "a+b", "a%b", "a-b", "a/b", "a/c/d", "a0", "b#?", "中文/文件.txt", "z" * 200]
LOCAL_KEYS = [k for k in KEYS if k != "a"]  # a folder cannot also be a file named "a"


@pytest.fixture(params=["s3", "local", "cos", "oss"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "oss":
        from wizard.storage.oss import OssStore

        gateway = request.getfixturevalue("oss_gateway")
        s: Store = OssStore(gateway.endpoint, new_bucket(request.getfixturevalue("s3_source"), "oss"), OSS_ID,
                            OSS_KEY, region="cn-hangzhou")
    elif request.param == "cos":
        from wizard.storage.cos import CosStore

        gateway = request.getfixturevalue("cos_gateway")
        s = CosStore(gateway.endpoint, new_cos_bucket(request.getfixturevalue("s3_dest")), COS_ID, COS_KEY)
    elif request.param == "s3":
        server: SeaweedS3 = request.getfixturevalue("s3_source")
        s = S3Store(server.endpoint, new_bucket(server, "contract"), server.access_key, server.secret_key)
    else:
        (tmp_path / "bucket").mkdir()
        s = LocalStore(tmp_path / "bucket")
    yield s
    asyncio.run(s.close())


async def _body(data: bytes, chunk: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(data), chunk):
        yield data[i:i + chunk]


async def _keys(store: Store, prefix: str = "", start_after: str = "") -> list[str]:
    return [o.key async for page in store.list_pages(prefix, start_after) for o in page]


async def _read(store: Store, key: str, start: int = 0, length: int | None = None) -> bytes:
    reader = await store.read(key, start, length)
    return b"".join([c async for c in reader.chunks()])


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_write_read_head_and_listing_order(store: Store) -> None:
    async def go() -> None:
        await store.check(write=True)
        keys = LOCAL_KEYS if isinstance(store, LocalStore) else KEYS
        for key in keys:
            data = key.encode() * 3
            result = await store.write(key, _body(data), len(data), md5=hashlib.md5(data).digest())
            if store.features.etag_is_md5:
                assert result.etag == hashlib.md5(data).hexdigest()
        got = await _keys(store)
        # Every key once, in the store's own consistent order: byte order for AWS and folders, SeaweedFS
        # lists a folder's keys right after the folder's name. start_after continues in that same order.
        assert sorted(got) == sorted(keys)
        if isinstance(store, LocalStore):
            assert got == sorted(keys)
        for i, key in enumerate(got[:-1]):
            if any(k.startswith(key + "/") for k in got):
                continue  # SeaweedFS skips folder "a/" after start-after "a" (a quirk of its filer); AWS does not
            assert await _keys(store, "", key) == got[i + 1:]
        assert await _keys(store, "a/") == ["a/b", "a/c/d"]
        info = await store.head("中文/文件.txt")
        assert info is not None and info.size == len("中文/文件.txt".encode()) * 3
        assert await store.head("missing") is None
        assert await _read(store, "a b") == b"a ba ba b"
        assert await _read(store, "a/c/d", 4, 3) == b"da/"
        await store.delete("a0")
        assert "a0" not in await _keys(store)
    run(go())


def test_listing_pages_past_one_thousand(store: Store) -> None:
    async def go() -> None:
        keys = [f"p/{i:05d}" for i in range(1005)]
        sem = asyncio.Semaphore(32)

        async def put(k: str) -> None:
            async with sem:
                await store.write(k, b"x", 1)
        await asyncio.gather(*(put(k) for k in keys))
        pages = [page async for page in store.list_pages("p/")]
        assert len(pages) >= 2
        assert [o.key for page in pages for o in page] == keys
        assert await _keys(store, "p/", "p/00999") == keys[1000:]
    run(go())


def test_zero_bytes_and_metadata(store: Store) -> None:
    async def go() -> None:
        await store.write("empty", b"", 0, md5=hashlib.md5(b"").digest())
        assert (await store.head("empty")).size == 0  # type: ignore[union-attr]
        assert await _read(store, "empty") == b""
        await store.write("m", b"data", 4, content_type="text/csv", metadata={"owner": "ops"})
        info = await store.head("m")
        assert info is not None
        if store.features.metadata:
            assert info.content_type == "text/csv" and info.metadata == {"owner": "ops"}
    run(go())


def test_missing_object_fails_that_object(store: Store) -> None:
    async def go() -> None:
        with pytest.raises(StorageError) as err:
            await _read(store, "nope/" + uuid.uuid4().hex)
        assert err.value.action is Action.OBJECT and err.value.error_class == "not-found"
    run(go())


def test_multipart_when_declared(store: Store) -> None:
    if not store.features.multipart:
        pytest.skip("this store declares no multipart; the engine streams one write instead")

    async def go() -> None:
        part = 5 * 1024 * 1024
        data = bytes(range(256)) * (part // 256) + b"tail"
        upload = await store.create_upload("mp/obj", content_type="application/x-test", metadata={"k": "v"})
        assert [u.key for u in await store.list_uploads("mp/")] == ["mp/obj"]
        e1 = await store.upload_part("mp/obj", upload, 1, _body(data[:part], 65536), part)
        e2 = await store.upload_part("mp/obj", upload, 2, data[part:], len(data) - part)
        assert await store.list_parts("mp/obj", upload) == {1: (e1, part), 2: (e2, 4)}
        result = await store.complete_upload("mp/obj", upload, [(1, e1), (2, e2)])
        assert result.etag == hashlib.md5(bytes.fromhex(e1) + bytes.fromhex(e2)).hexdigest() + "-2"
        assert await _read(store, "mp/obj") == data
        assert await store.list_uploads("mp/") == []
        other = await store.create_upload("mp/aborted")
        await store.abort_upload("mp/aborted", other)
        assert await store.list_uploads("mp/") == []
        assert await store.list_parts("mp/aborted", other) is None
    run(go())


def test_s3_refusals_stop_the_task(s3_source: SeaweedS3) -> None:
    async def go() -> None:
        bucket = new_bucket(s3_source, "refuse")
        wrong = S3Store(s3_source.endpoint, bucket, s3_source.access_key, "wrong-secret")
        missing = S3Store(s3_source.endpoint, "no-bucket-" + uuid.uuid4().hex[:8], s3_source.access_key,
                          s3_source.secret_key)
        try:
            for s, cls in ((wrong, "auth"), (missing, "bucket")):
                with pytest.raises(StorageError) as err:
                    await s.check(write=False)
                assert err.value.action is Action.TASK and err.value.error_class == cls
                assert "wrong-secret" not in str(err.value)
        finally:
            await wrong.close()
            await missing.close()
    run(go())


def test_s3_server_that_never_answers_stops_the_task_quickly() -> None:
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)           # accepts connections (the kernel does) and never says a word
    port = silent.getsockname()[1]

    async def go() -> None:
        store = S3Store(f"http://127.0.0.1:{port}", "bucket", "ak", "sk")
        store.check_timeout = aiohttp.ClientTimeout(total=2)   # 20 s in use; short here to keep the suite fast
        try:
            with pytest.raises(StorageError) as err:
                await store.check(write=False)
            assert err.value.action is Action.RETRY   # the runner retries a few times, then stops the task
        finally:
            await store.close()
    started = time.monotonic()
    try:
        run(go())
    finally:
        silent.close()
    assert time.monotonic() - started < 30        # not the 60 s read timeout of transfers
