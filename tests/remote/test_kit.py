"""The manual deployment kit: what the archive holds (and never holds), and the kit really run without SSH: a
"master" and a "worker", each with its own home folder on this machine (master on 127.0.0.2, worker on
127.0.0.3), started by the kit's scripts, a local-folder task copied by the worker, both stopped by stop.sh."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.cluster import free_port
from servers.sshd import gone, pids_under

from wizard import __version__
from wizard.agent.client import AgentClient
from wizard.errors import InputError
from wizard.remote.kit import build_kit, check_task
from wizard.task import parse_task_text

pytestmark = pytest.mark.timeout(600)
MEMBERS = {"start-master.sh", "start-worker.sh", "stop.sh", "kit.json", "README.en.md", "README.zh_CN.md"}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
END = ("completed", "completed_with_failures", "failed", "cancelled")


def s3_task(credentials: str = "env:SRC", comment: str = "") -> str:
    return (f"name = \"kit\"\n{comment}\n[source]\nkind = \"s3\"\nendpoint = \"http://127.0.0.1:9000\"\n"
            f"bucket = \"photos\"\ncredentials = \"{credentials}\"\n\n[destination]\nkind = \"local\"\n"
            "path = \"/srv/out\"\n")


def members(kit: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(kit) as tar:
        return {m.name: m for m in tar.getmembers()}


def read(kit: Path, name: str) -> bytes:
    with tarfile.open(kit) as tar:
        f = tar.extractfile(f"migration-kit/{name}")
        assert f is not None
        return f.read()


@pytest.mark.slow
def test_the_kit_holds_the_bundle_scripts_and_readmes_and_no_secret(tmp_path: Path, home: Path,
                                                                    agent_tarball: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    kit = build_kit(out, agent_tarball, "172.16.0.94", 9786, s3_task(comment=f"# my key: {SECRET}"))
    assert kit == out / f"migration-kit-{__version__}-linux-x86_64.tar.gz"
    assert [p.name for p in out.iterdir()] == [kit.name]        # no temporary file left beside it
    found = members(kit)
    assert set(found) == {"migration-kit"} | {f"migration-kit/{n}" for n in
                                              MEMBERS | {"task.toml", agent_tarball.name}}
    assert found["migration-kit"].isdir()
    for name, info in found.items():
        if info.isfile():
            want = 0o755 if name.endswith(".sh") else 0o644
            assert info.mode == want, name
            data = read(kit, name.removeprefix("migration-kit/"))
            assert b"PRIVATE KEY" not in data, name
            assert SECRET.encode() not in data, name
        assert not name.endswith((".join", ".key", ".pem", ".crt")), name
    bundle = read(kit, agent_tarball.name)
    assert hashlib.sha256(bundle).digest() == hashlib.sha256(agent_tarball.read_bytes()).digest()   # as it is
    about = json.loads(read(kit, "kit.json"))
    assert {k: about[k] for k in ("version", "arch", "master_ip", "cluster_port")} == {
        "version": __version__, "arch": "x86_64", "master_ip": "172.16.0.94", "cluster_port": 9786}
    assert about["created"].endswith("+00:00")
    task = read(kit, "task.toml").decode()
    assert parse_task_text(task).source.credentials == "env:SRC"      # rewritten from its fields: no comment
    for script in ("start-master.sh", "start-worker.sh", "stop.sh"):
        text = read(kit, script).decode()
        assert text.startswith("#!/bin/sh\n") and "set -eu" in text and '"$HOME' in text
        assert subprocess.run(["sh", "-n", "-c", text]).returncode == 0, script
    master = read(kit, "start-master.sh").decode()
    assert "--listen \"$MASTER_IP\" --cluster-port \"$PORT\" --detach" in master
    assert "MASTER_IP='172.16.0.94'" in master and "PORT='9786'" in master
    for readme, words in (("README.en.md", ("Master Node Private IP", "Attach by address", "bandwidth_limit",
                                            "tc qdisc", "TCP 9786", "lower one wins")),
                          ("README.zh_CN.md", ("主节点内网IP", "按地址连接", "bandwidth_limit", "tc qdisc",
                                               "TCP 9786"))):
        text = read(kit, readme).decode()
        for w in words:
            assert w in text, (readme, w)
    without = build_kit(out, agent_tarball, "172.16.0.94")            # same name: replaced, no task this time
    assert without == kit and "migration-kit/task.toml" not in members(kit)
    assert "PORT='8786'" in read(kit, "start-master.sh").decode()


@pytest.mark.parametrize("text, field", [
    (s3_task(SECRET), "source.credentials"),
    (s3_task(f"env:{SECRET}"), "source.credentials"),
    (s3_task().replace("http://127.0.0.1:9000", f"http://AKID:{SECRET}@127.0.0.1:9000"), "source.endpoint"),
    (s3_task().replace("[destination]", f"secret_access_key = \"{SECRET}\"\n[destination]"),
     "source.secret_access_key"),
])
def test_a_task_with_a_secret_is_refused_naming_the_field_not_the_value(text: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        check_task(text)
    assert field in str(caught.value) and SECRET not in str(caught.value)


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIGRATION_WIZARD_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "wizard.agent.cli", "cluster", "kit", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", ["bad-ip", "wildcard-ip", "bad-port", "secret", "no-folder"])
def test_bad_input_of_cluster_kit_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, home: Path,
                                                                           case: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    bundle = tmp_path / f"migration-agent-{__version__}-linux-x86_64.tar.gz"
    bundle.write_bytes(b"not read before the arguments are checked")
    task = tmp_path / "task.toml"
    task.write_text(s3_task(SECRET), encoding="utf-8")
    args = {"bad-ip": ["--master-ip", "172.16.0.300"], "wildcard-ip": ["--master-ip", "0.0.0.0"],
            "bad-port": ["--master-ip", "172.16.0.94", "--cluster-port", "70000"],
            "secret": ["--master-ip", "172.16.0.94", "--task", str(task)],
            "no-folder": ["--master-ip", "172.16.0.94"]}[case]
    target = str(out / "missing") if case == "no-folder" else str(out)
    done = run_cli("-o", target, "--bundle", str(bundle), *args, home=home)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert {"bad-ip": "--master-ip", "wildcard-ip": "--master-ip", "bad-port": "--cluster-port",
            "secret": "source.credentials", "no-folder": "-o"}[case] in done.stderr
    assert SECRET not in done.stderr
    assert list(out.iterdir()) == []


def test_without_a_bundle_cluster_kit_exits_1_saying_how_to_make_one(tmp_path: Path, home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.remote import bundle

    if any((d / bundle.bundle_name("x86_64")).is_file() for d in bundle.bundle_dirs()[1:]):
        pytest.skip("a checkout's dist/ holds the agent bundle")
    monkeypatch.setenv("MIGRATION_WIZARD_AGENT_BUNDLES", str(tmp_path / "none"))
    done = run_cli("-o", str(tmp_path), "--master-ip", "172.16.0.94", home=home)
    assert done.returncode == 1 and "make agent-bundle" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- the kit run for real ---------------------------------------------------------------------------------------


def server_env(home: Path) -> dict[str, str]:
    """A server's environment: its own HOME and nothing of the test's folders (no MIGRATION_WIZARD_HOME, no XDG_*
    variables: the agent's platformdirs folders land under this HOME)."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
    return {**keep, "HOME": str(home), "TMPDIR": str(home / "tmp")}


def sh(script: Path, *args: str, home: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(script), *args], env=server_env(home), cwd=home, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Two "servers": a folder each with its home folder; whatever the kit started there is killed after."""
    pair = tmp_path / "master", tmp_path / "worker"
    for folder in pair:
        (folder / "home").mkdir(parents=True)
    yield pair
    for folder in pair:
        for pid in pids_under(folder / "home"):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


async def copy_through_the_master(url: str, token: str, src: Path, dst: Path) -> tuple[dict[str, Any],
                                                                                         dict[str, int]]:
    """Create and run a local-folder task on the master; what each worker row said it copied, at most."""
    text = (f"name = \"kit-copy\"\n[source]\nkind = \"local\"\npath = {json.dumps(str(src))}\n[destination]\n"
            f"kind = \"local\"\npath = {json.dumps(str(dst))}\n[options]\nbandwidth_limit = \"150KB\"\n")
    seen: dict[str, int] = {}
    async with AgentClient(url, token) as client:
        task = await client.create_task(text)
        deadline = time.monotonic() + 180
        while True:
            snap = await client.task(task["id"])
            for row in snap["workers"]:
                seen[row["host"]] = max(seen.get(row["host"], 0), row.get("objects_done", 0))
            if snap["state"] in END:
                return snap, seen
            assert time.monotonic() < deadline, snap
            await asyncio.sleep(0.1)


@pytest.mark.slow
def test_the_kit_starts_a_master_and_a_worker_that_copies_and_stop_ends_both(
        tmp_path: Path, home: Path, agent_tarball: Path, servers: tuple[Path, Path]) -> None:
    master, worker = servers
    mhome, whome = master / "home", worker / "home"
    real_home_had = (Path.home() / ".migration-wizard").exists()
    port = free_port("127.0.0.2")
    kit = build_kit(tmp_path, agent_tarball, "127.0.0.2", port)
    for folder in servers:
        with tarfile.open(kit) as tar:
            tar.extractall(folder, filter="data")
    mkit, wkit = master / "migration-kit", worker / "migration-kit"

    started = sh(mkit / "start-master.sh", home=mhome)
    assert started.returncode == 0, started.stderr + started.stdout
    assert f"tls://127.0.0.2:{port}" in started.stdout and "Attach by address" in started.stdout
    join = mkit / "worker.join"
    assert oct(join.stat().st_mode)[-3:] == "600"
    data = mhome / ".local" / "share" / "migration-wizard" / "agent"     # platformdirs under the master's HOME
    info = json.loads((data / "agent.json").read_text())
    token = (data / "token").read_text().strip()
    again = sh(mkit / "start-master.sh", home=mhome)                    # runs already: found, not started twice
    assert again.returncode == 0 and "runs already" in again.stdout, again.stderr

    early = sh(wkit / "start-worker.sh", "127.0.0.3", home=whome)      # no join file beside it yet
    assert early.returncode == 1 and "no worker.join" in early.stderr, early.stderr
    shutil.copy(join, wkit / "worker.join")
    joined = sh(wkit / "start-worker.sh", "127.0.0.3", home=whome)
    assert joined.returncode == 0, joined.stderr + joined.stdout
    log = (whome / ".migration-wizard" / "worker.log").read_text()
    assert "joined the cluster" in log and "tls://127.0.0.3:" in log
    worker_pid = int((whome / ".migration-wizard" / "worker.pid").read_text())
    assert oct((whome / ".migration-wizard" / "worker.join").stat().st_mode)[-3:] == "600"

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    files = {f"f/{i:03d}.bin": os.urandom(3000 + i) for i in range(150)}
    for key, body in files.items():
        (src / key).parent.mkdir(parents=True, exist_ok=True)
        (src / key).write_bytes(body)
    snap, seen = asyncio.run(copy_through_the_master(info["url"], token, src, dst))
    assert snap["state"] == "completed", snap
    assert snap["cluster"]["mode"] == "cluster"
    assert seen.get("127.0.0.3", 0) > 0, seen                           # the worker copied the shards
    assert {str(p.relative_to(dst)): p.read_bytes() for p in dst.rglob("*") if p.is_file()} == files

    for folder, home_of in ((wkit, whome), (mkit, mhome)):
        stopped = sh(folder / "stop.sh", home=home_of)
        assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stderr + stopped.stdout
    for pid in (worker_pid, int(info["pid"])):
        assert gone(pid), pid
    assert not (whome / ".migration-wizard" / "worker.pid").exists()
    assert "no agent of this kit runs here" in sh(mkit / "stop.sh", home=mhome).stdout
    assert (Path.home() / ".migration-wizard").exists() == real_home_had     # only the servers' homes were used
