"""Deploying the agent bundle over SSH and starting a master and a worker with it: real OpenSSH servers on
127.0.0.2 (the master) and 127.0.0.3 (a worker), each with its own home folder; the master's API reached
through an SSH local port forward, as the wizard will."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.sshd import Sshd, free_port, gone, ssh_hosts

from wizard import __version__
from wizard.remote.deploy import agent_version, deploy, join_file, logs, start_master, start_worker, stop
from wizard.remote.ssh import Target, connect, host_key, pin

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600),
              pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server is not installed")]


@pytest.fixture
def hosts(tmp_path: Path, home: Path) -> Iterator[tuple[Sshd, Sshd, Path]]:
    with ssh_hosts(tmp_path, ["127.0.0.2", "127.0.0.3"]) as ((master, worker), key):
        yield master, worker, key


def test_deploy_is_idempotent_and_a_master_and_worker_start_and_stop(hosts: tuple[Sshd, Sshd, Path],
                                                                     agent_tarball: Path) -> None:
    master, worker, key = hosts
    m = Target(master.host, master.user, master.port, key_file=str(key))
    w = Target(worker.host, worker.user, worker.port, key_file=str(key))
    cluster_port = free_port("127.0.0.2")
    sent: list[int] = []
    api_pid: list[str] = []

    async def go() -> tuple[dict[str, object], dict[str, str]]:
        for t in (m, w):
            pin(t, (await host_key(t))[1])
        async with await connect(m) as mc, await connect(w) as wc:
            assert await agent_version(mc) == ""
            assert await deploy(mc, "127.0.0.2", agent_tarball, __version__, lambda s, t: sent.append(s)) is True
            assert await deploy(mc, "127.0.0.2", agent_tarball, __version__) is False     # there already
            assert await deploy(wc, "127.0.0.3", agent_tarball, __version__) is True
            api = await start_master(mc, "127.0.0.2", "127.0.0.2", cluster_port)
            api_pid.append(api["pid"])
            again = await start_master(mc, "127.0.0.2", "127.0.0.2", cluster_port)      # found running
            assert again["url"] == api["url"]
            await start_worker(wc, "127.0.0.3", await join_file(mc), "127.0.0.3")
            port = int(api["url"].rsplit(":", 1)[1])
            tunnel = await mc.forward_local_port("127.0.0.1", 0, "127.0.0.1", port)
            try:
                url = f"http://127.0.0.1:{tunnel.get_port()}/v1/agent"
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api['token']}"})
                about: dict[str, object] = {}
                for _ in range(50):
                    about = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request).read()))
                    if about["cluster"] and about["cluster"]["workers"]:  # type: ignore[index]
                        break
                    await asyncio.sleep(0.2)
            finally:
                tunnel.close()
            await stop(wc, "worker")
            await stop(mc, "master")
            return about, await logs(wc)
    about, worker_logs = asyncio.run(go())
    assert sent and sent[-1] == agent_tarball.stat().st_size
    cluster = about["cluster"]
    assert cluster["scheduler"] == f"tls://127.0.0.2:{cluster_port}"  # type: ignore[index]
    assert [row["host"] for row in cluster["workers"]] == ["127.0.0.3"]  # type: ignore[index]
    assert "joined the cluster" in worker_logs["worker.log"]
    for pid in (int((worker.home / ".migration-wizard" / "worker.pid").read_text()), int(api_pid[0])):
        assert gone(pid), pid                   # stopped, both
    assert (master.home / ".migration-wizard" / "agent" / "migration-agent").exists()
    join = worker.home / ".migration-wizard" / "worker.join"
    assert oct(join.stat().st_mode)[-3:] == "600"
    assert not (master.home / ".migration-wizard" / "worker.join").exists()   # handed over, not left behind
    assert not (Path.home() / ".migration-wizard").exists()    # only the servers' own home folders were used
    assert not (Path.home() / "worker.pid").exists()
