"""Running out of open files is classed as this machine's problem, wrapped or not, and waited out."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from wizard.errors import Action, StorageError
from wizard.storage.openfiles import out_of_files, retry_when_out_of_files


def _connector_error(code: int) -> aiohttp.ClientConnectorError:
    key = ConnectionKey("127.0.0.1", 1, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(code, "Too many open files"))


def test_emfile_is_recognised_wrapped_or_not() -> None:
    assert out_of_files(OSError(errno.EMFILE, "x")) and out_of_files(OSError(errno.ENFILE, "x"))
    assert out_of_files(_connector_error(errno.EMFILE))
    try:
        try:
            raise OSError(errno.EMFILE, "x")
        except OSError:
            raise RuntimeError("an SDK's own error") from None
    except RuntimeError as exc:
        assert out_of_files(exc)              # found as the context of what the SDK raised
    assert not out_of_files(_connector_error(errno.ECONNREFUSED))


def test_a_connection_attempt_waits_for_files_then_gives_a_local_retryable_error() -> None:
    calls = [0]

    async def send() -> str:
        calls[0] += 1
        if calls[0] < 3:
            raise _connector_error(errno.EMFILE)
        return "answer"
    assert asyncio.run(retry_when_out_of_files(send, "PUT k")) == "answer" and calls[0] == 3

    async def never() -> str:
        raise _connector_error(errno.EMFILE)
    with pytest.raises(StorageError) as err:
        asyncio.run(retry_when_out_of_files(never, "PUT k", wait=0.2))
    assert (err.value.action, err.value.error_class) == (Action.RETRY, "local")


def test_local_small_and_large_reads_and_writes_leave_no_descriptor_open(tmp_path: Path) -> None:
    """Small files are read and written with plain os calls in one go: each descriptor is closed at once, so
    200,000 files do not run out of them (a leak here failed every file after the first 20,000 once)."""
    import asyncio
    import os

    from wizard.storage.local import SMALL, LocalStore

    src, dst = tmp_path / "src", tmp_path / "dst"
    for i in range(300):
        (src / f"d{i % 3}").mkdir(parents=True, exist_ok=True)
        (src / f"d{i % 3}" / f"f{i}").write_bytes(b"x" * (i + (SMALL + 1 if i % 100 == 0 else 0)))
    a, b = LocalStore(src), LocalStore(dst, create=True)

    async def copy_all() -> None:
        async for page in a.list_pages():
            for info in page:
                reader = await a.read(info.key)
                data = b"".join([c async for c in reader.chunks()])
                await reader.close()
                await b.write(info.key, data, len(data))

    before = len(os.listdir("/proc/self/fd"))
    asyncio.run(copy_all())
    assert len(os.listdir("/proc/self/fd")) <= before
    assert sorted(p.relative_to(dst) for p in dst.rglob("f*")) == sorted(p.relative_to(src) for p in src.rglob("f*"))
    assert all((dst / p.relative_to(src)).read_bytes() == p.read_bytes() for p in src.rglob("f*"))
