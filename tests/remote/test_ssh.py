"""SSH to the servers of the semi-managed mode against real OpenSSH servers on 127.0.0.2 (the master) and
127.0.0.3 (a worker), each with its own host key and home folder."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.sshd import Sshd, free_port, keygen

from wizard.remote.ssh import RemoteError, Target, connect, facts, host_key, is_pinned, known_hosts_file, pin, run

pytestmark = pytest.mark.skipif(not shutil.which("sshd") and not Path("/usr/sbin/sshd").exists(),
                                reason="openssh-server is not installed (tests/setup/debian-packages.sh installs it)")


@pytest.fixture
def servers(tmp_path: Path, home: Path) -> Iterator[tuple[Sshd, Sshd, Path]]:
    key = keygen(tmp_path / "client_ed25519")
    master = Sshd(tmp_path / "master", "127.0.0.2", key.with_suffix(".pub"))
    worker = Sshd(tmp_path / "worker", "127.0.0.3", key.with_suffix(".pub"))
    for s in (master, worker):
        s.folder.mkdir()
        s.start()
    yield master, worker, key
    for s in (master, worker):
        s.stop()


def target(s: Sshd, key: Path | None, **kw: object) -> Target:
    return Target(s.host, s.user, s.port, key_file=str(key) if key else None, **kw)  # type: ignore[arg-type]


async def trust(t: Target) -> str:
    fingerprint, public = await host_key(t)
    pin(t, public)
    return fingerprint


def refusal(coro: Coroutine[Any, Any, Any]) -> RemoteError:
    """The RemoteError ``coro`` ends with (it must end with one)."""
    with pytest.raises(RemoteError) as err:
        asyncio.run(coro)
    return err.value


def test_a_host_is_pinned_after_its_fingerprint_and_then_used(servers: tuple[Sshd, Sshd, Path]) -> None:
    master, _worker, key = servers
    t = target(master, key)

    async def go() -> tuple[str, dict[str, str], str]:
        with pytest.raises(RemoteError) as unconfirmed:
            await connect(t)
        assert unconfirmed.value.code == "not-pinned"
        fingerprint = await trust(t)
        async with await connect(t) as conn:
            about = await facts(conn)
            home = (await run(conn, ["sh", "-c", "echo $HOME"])).stdout.strip()
        return fingerprint, about, home
    fingerprint, about, home = asyncio.run(go())
    assert fingerprint.startswith("SHA256:")
    assert is_pinned(t) and f"[127.0.0.2]:{master.port} ssh-ed25519 " in known_hosts_file().read_text()
    assert oct(known_hosts_file().stat().st_mode)[-3:] == "600"
    assert about["arch"] and int(about["free_kib"]) > 0 and about["agent_version"] == ""
    assert home == str(master.home)                     # each host its own home folder


def test_a_changed_host_key_is_refused_with_a_sentence(servers: tuple[Sshd, Sshd, Path]) -> None:
    master, _worker, key = servers
    t = target(master, key)
    asyncio.run(trust(t))
    master.new_host_key()
    master.restart()
    refused = refusal(connect(t))
    assert refused.code == "host-key-changed"
    assert "127.0.0.2's host key is not the one confirmed before" in str(refused)


def test_a_wrong_password_and_a_host_that_does_not_answer_are_named(servers: tuple[Sshd, Sshd, Path]) -> None:
    master, _worker, _key = servers
    t = target(master, None, password="not-the-password-1234")
    asyncio.run(trust(t))
    refused = refusal(connect(t))
    assert refused.code == "login-refused" and "not-the-password" not in str(refused)
    assert "refused the login" in str(refused)
    unreachable = refusal(host_key(Target("127.0.0.5", "ops", free_port("127.0.0.5"))))
    assert unreachable.code == "unreachable" and "127.0.0.5" in str(unreachable)


def test_a_worker_is_reached_through_the_master_and_a_secret_goes_by_stdin(
        servers: tuple[Sshd, Sshd, Path]) -> None:
    master, worker, key = servers
    via = target(worker, key, jump=target(master, key))
    secret = "wk-SECRET-value-7"

    async def go() -> tuple[str, str]:
        await trust(via.jump)  # type: ignore[arg-type]
        await trust(via)
        async with await connect(via) as conn:
            echoed = await run(conn, ["sh", "-c", "read s; echo got ${#s}; cat /proc/$$/cmdline"], stdin=secret + "\n")
            home = (await run(conn, ["sh", "-c", "echo $HOME"])).stdout.strip()
        return echoed.stdout, home
    out, home = asyncio.run(go())
    assert out.startswith(f"got {len(secret)}") and secret not in out   # read from stdin, not in argv
    assert home == str(worker.home)
    assert secret not in master.log() + worker.log()
    master.forwarding = False      # the same target with a master that forwards nothing: it went through it
    master.restart()
    blocked = refusal(connect(via))
    assert blocked.code == "unreachable" and "127.0.0.3" in str(blocked)


def test_the_tunnel_reaches_a_port_on_the_servers_loopback_and_reopens_when_the_link_drops(
        servers: tuple[Sshd, Sshd, Path]) -> None:
    import socket
    import threading

    from wizard.remote.tunnel import Tunnel

    master, _worker, key = servers
    t = target(master, key)
    asyncio.run(trust(t))
    listener = socket.socket()                       # a service on the "master's" loopback only
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.sendall(b"hello from the master\n")
            conn.close()
    threading.Thread(target=serve, daemon=True).start()

    async def read(local: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", local)
        data = await reader.read(100)
        writer.close()
        return data

    async def go() -> tuple[bytes, bytes, int, int, int]:
        async with Tunnel(t, port) as tunnel:
            first = await read(tunnel.port)
            before = tunnel.port
            assert master.drop_sessions() >= 1       # the SSH connection drops
            for _ in range(100):
                if tunnel.reopened:
                    break
                await asyncio.sleep(0.1)
            second = await read(tunnel.port)
            return first, second, before, tunnel.port, tunnel.reopened
    try:
        first, second, before, after, reopened = asyncio.run(go())
    finally:
        listener.close()
    assert first == second == b"hello from the master\n"
    assert reopened >= 1 and after == before          # the same local port: a client's URL stays valid
