"""A semi-managed setup driven as the wizard drives it (``wizard.remote.session``), on real OpenSSH servers: the
master on 127.0.0.2, workers on 127.0.0.3 and 127.0.0.4, each with its own home folder. Host keys confirmed one
by one, the agent deployed and started, a worker added and removed, the session closed and a new one reaching the
same master through a new tunnel; a worker that does not answer is named."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.sshd import Sshd, gone, ssh_hosts

from wizard.remote.session import Login, MasterSession, worker_target
from wizard.remote.ssh import RemoteError, pin

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server is not installed")]


@pytest.fixture
def servers(tmp_path: Path, home: Path, agent_tarball: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[list[Sshd], Login]]:
    monkeypatch.setenv("MIGRATION_WIZARD_AGENT_BUNDLES", str(agent_tarball.parent))
    with ssh_hosts(tmp_path, ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) as (hosts, key):
        yield hosts, Login(hosts[0].user, hosts[0].port, str(key))


def test_worker_lines_take_their_own_user_and_port() -> None:
    login = Login("ops", 2222, "/k")
    assert (worker_target("10.0.0.5", login).host, worker_target("10.0.0.5", login).port) == ("10.0.0.5", 2222)
    t = worker_target("root@10.0.0.6:22", login)
    assert (t.user, t.host, t.port, t.key_file) == ("root", "10.0.0.6", 22, "/k")
    assert worker_target("[fd00::7]:2200", login).host == "fd00::7"
    for bad in ("a b", "host:99999", "user@"):
        with pytest.raises(RemoteError):
            worker_target(bad, login)


def test_bring_up_add_remove_and_reattach(servers: tuple[list[Sshd], Login]) -> None:
    (master, w1, w2), login = servers
    m = login.target(master.host)
    workers = [worker_target(f"{w.host}:{w.port}", login) for w in (w1, w2)]
    steps: list[tuple[str, str]] = []

    async def go() -> tuple[list[str], list[str], list[int], str, str]:
        session = MasterSession(m, "127.0.0.2")
        for t in (m, *workers):                      # the wizard shows each fingerprint; the operator confirms
            pending = await session.pending_key(t)
            assert pending is not None and pending[1].startswith("SHA256:")
            pin(pending[0], pending[2])
            assert await session.pending_key(t) is None
        reports = [await session.test(t) for t in (m, *workers)]
        assert all(r.ok and r.arch == "x86_64" and r.agent_version == "" and r.free_kib > 0 for r in reports)
        api = await session.bring_up(workers[:1], lambda h, s, _f: steps.append((h, s)))
        client = await session.client()
        first = [w["host"] for w in (await client.agent())["cluster"]["workers"]]
        await session.add_worker(workers[1])
        counts = [len((await client.agent())["cluster"]["workers"])]
        await session.remove_worker(workers[0])
        for _ in range(100):
            counts.append(len((await client.agent())["cluster"]["workers"]))
            if counts[-1] == 1:
                break
            await asyncio.sleep(0.2)
        await session.close()                        # the wizard closed: the master goes on
        again = MasterSession(m, "127.0.0.2")
        await again.bring_up(workers[1:])                # the worker there runs already: not a second one
        await asyncio.sleep(2)
        about = await (await again.client()).agent()
        hosts_now = [w["id"] for w in about["cluster"]["workers"]]
        await again.close()
        return first, hosts_now, counts, api["pid"], str(about["pid"])

    first, hosts_now, counts, pid, pid_again = asyncio.run(go())
    assert len(first) == 1
    assert counts[0] == 2 and counts[-1] == 1                # added, then removed while the master ran
    assert len(hosts_now) == 1 and pid == pid_again          # the same master, reached through a new tunnel
    assert ("127.0.0.2", "upload") in steps and ("127.0.0.3", "ready") in steps
    assert gone(int((w1.home / ".migration-wizard" / "worker.pid").read_text()))


def test_a_worker_that_does_not_answer_is_named(servers: tuple[list[Sshd], Login]) -> None:
    (master, _w1, _w2), login = servers
    silent = socket.socket()
    silent.bind(("127.0.0.9", 0))
    silent.listen()                                  # accepts the TCP connection, never says a word
    m = login.target(master.host)

    async def go() -> tuple[bool, str, str]:
        session = MasterSession(m, "127.0.0.2", timeout=2.0)
        pending = await session.pending_key(m)
        assert pending is not None
        pin(pending[0], pending[2])
        report = await session.test(worker_target(f"127.0.0.9:{silent.getsockname()[1]}", login))
        assert report.error is not None
        return report.ok, report.error.code, str(report.error)

    try:
        ok, code, text = asyncio.run(go())
    finally:
        silent.close()
    assert not ok and code == "timeout"
    assert text.startswith("127.0.0.9 did not answer") and "through 127.0.0.2" in text
