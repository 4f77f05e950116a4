"""Running out of open files is classed as this machine's problem, wrapped or not, and waited out."""

from __future__ import annotations

import asyncio
import errno

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
