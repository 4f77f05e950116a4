"""Bad input to the cluster's commands: one sentence naming what is wrong, exit 2, nothing created."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import agent


def one_line(done: object) -> str:
    err = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 2, (done.returncode, err)  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and err.startswith("migration-agent: "), err
    return str(err)


@pytest.mark.parametrize(("args", "says"), [
    (["serve", "--cluster"], "--cluster needs --listen"),
    (["serve", "--cluster", "--listen", "0.0.0.0"], "every interface"),
    (["serve", "--cluster", "--listen", "::"], "every interface"),
    (["serve", "--cluster", "--listen", "master.example"], "expected an IP address"),
    (["serve", "--cluster", "--listen", "192.0.2.77"], "not an address of this server"),
    (["serve", "--listen", "127.0.0.2"], "add --cluster"),
    (["serve", "--cluster", "--listen", "127.0.0.2", "--cluster-port", "0"], "fixed port"),
    (["serve", "--cluster", "--listen", "127.0.0.2", "--cluster-port", "70000"], "--cluster-port: expected"),
    (["serve", "--detach", "--cluster"], "--cluster needs --listen"),
])
def test_serve_cluster_refuses_bad_input(args: list[str], says: str, agent_env: dict[str, str],
                                         home: Path) -> None:
    assert says in one_line(agent(*args, env=agent_env, timeout=60))
    assert not (home / "data" / "cluster").exists()


def test_a_worker_refuses_a_join_file_it_cannot_use(tmp_path: Path, agent_env: dict[str, str]) -> None:
    missing = tmp_path / "nope.join"
    assert "does not exist" in one_line(agent("worker", "--join", str(missing), env=agent_env))
    bad = tmp_path / "bad.join"
    bad.write_text("not json")
    assert "is not a join file" in one_line(agent("worker", "--join", str(bad), env=agent_env))
    partial = tmp_path / "partial.join"
    partial.write_text(json.dumps({"scheduler": "tls://127.0.0.2:8786", "ca": "x", "cert": "y",
                                   "key": "PRIVATE-KEY-TEXT"}))
    err = one_line(agent("worker", "--join", str(partial), "--slots", "0", env=agent_env))
    assert "--slots" in err and "PRIVATE-KEY-TEXT" not in err
    plain = tmp_path / "plain.join"
    plain.write_text(json.dumps({"scheduler": "tcp://127.0.0.2:8786", "ca": "x", "cert": "y", "key": "z"}))
    assert "tls://" in one_line(agent("worker", "--join", str(plain), env=agent_env))
    err = one_line(agent("worker", "--join", str(partial), "--listen", "0.0.0.0", env=agent_env))
    assert "every interface" in err


def test_a_join_file_needs_a_cluster_and_is_written_0600(tmp_path: Path, agent_env: dict[str, str],
                                                         home: Path) -> None:
    target = tmp_path / "w.join"
    err = one_line(agent("cluster", "join-file", "-o", str(target), env=agent_env))
    assert "no cluster on this server yet" in err and not target.exists()
    assert "is a folder" in one_line(agent("cluster", "join-file", "-o", str(tmp_path), env=agent_env))
    assert "does not exist" in one_line(agent("cluster", "join-file", "-o", str(tmp_path / "no" / "w.join"),
                                              "--listen", "127.0.0.2", env=agent_env))
    assert not (home / "data" / "cluster").exists()
    done = agent("cluster", "join-file", "-o", str(target), "--listen", "127.0.0.2", env=agent_env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    join = json.loads(target.read_text())
    assert join["scheduler"] == "tls://127.0.0.2:8786" and "PRIVATE KEY" in join["key"]
    state = home / "data" / "cluster" / "cluster.json"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    second = tmp_path / "w2.join"
    assert agent("cluster", "join-file", "-o", str(second), env=agent_env).returncode == 0
    other = json.loads(second.read_text())
    assert other["ca"] == join["ca"] and other["cert"] != join["cert"]      # one CA, a leaf per worker
