"""A real OpenSSH server for the tests (Debian's openssh-server), started on a loopback address of its own with
its own host keys, config and authorized key; the system's sshd (if any) is never touched.

Sessions get ``HOME`` set to this server's own folder (``SetEnv``), so each host of a test (a master on
127.0.0.2, a worker on 127.0.0.3) has a home folder of its own although the same user logs in."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def keygen(path: Path, kind: str = "ed25519") -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
    return path


class Sshd:
    """``Sshd(folder, "127.0.0.2", client_key_pub).start()``; ``new_host_key()`` then ``restart()`` stands for a
    reinstalled server."""

    def __init__(self, folder: Path, host: str, authorized: Path) -> None:
        self.folder, self.host = folder, host
        self.home = folder / "home"
        self.port = free_port(host)
        self.user = getpass.getuser()
        self.authorized = authorized
        self.proc: subprocess.Popen[bytes] | None = None
        self.forwarding = True          # False: this host is no jump host (AllowTcpForwarding no)

    def new_host_key(self) -> None:
        key = self.folder / "host_ed25519"
        for p in (key, key.with_suffix(".pub")):
            p.unlink(missing_ok=True)
        keygen(key)

    def start(self) -> Sshd:
        self.home.mkdir(parents=True, exist_ok=True)
        if not (self.folder / "host_ed25519").exists():
            self.new_host_key()
        Path("/run/sshd").mkdir(exist_ok=True)     # sshd's privilege-separation folder
        config = self.folder / "sshd_config"
        config.write_text(
            f"ListenAddress {self.host}:{self.port}\nHostKey {self.folder / 'host_ed25519'}\n"
            f"PidFile {self.folder / 'sshd.pid'}\nAuthorizedKeysFile {self.authorized}\nStrictModes no\n"
            "PermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM no\n"
            f"SetEnv HOME={self.home}\nAllowTcpForwarding {'yes' if self.forwarding else 'no'}\nLogLevel VERBOSE\n"
            "Subsystem sftp internal-sftp\n")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                                     stderr=open(self.folder / "sshd.log", "ab"))  # noqa: SIM115
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                assert self.proc.poll() is None, (self.folder / "sshd.log").read_text()
                assert time.monotonic() < deadline, "sshd did not listen"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def drop_sessions(self) -> int:
        """Kill every session of this server (its per-connection sshd processes): the link drops."""
        assert self.proc is not None
        killed = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                os.kill(int(stat.parent.name), 9)
                killed += 1
        return killed

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return (self.folder / "sshd.log").read_text(errors="replace")


def environ_without_agent() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}


def gone(pid: int, wait: float = 20.0) -> bool:
    """The process ended (an exited one not reaped by its new parent counts as ended)."""
    import psutil

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.2)
    return False


def kill_pid(text: str) -> None:
    try:
        os.kill(int(text.strip()), signal.SIGKILL)
    except (ValueError, OSError):
        pass


def pids_under(home: Path) -> list[int]:
    """The processes the agent started on a "server": its pid files and the agent's address file."""
    found = [p.read_text().strip() for p in home.rglob("*.pid")]
    found += [str(json.loads(p.read_text()).get("pid", "")) for p in home.rglob("agent.json")]
    return [int(p) for p in found if p.isdigit()]


@contextlib.contextmanager
def ssh_hosts(folder: Path, ips: list[str]) -> Iterator[tuple[list[Sshd], Path]]:
    """One sshd per loopback address, each with its own home, all taking one new client key; afterwards the sshds
    stop and nothing started on those "servers" outlives them."""
    folder.mkdir(parents=True, exist_ok=True)
    key = keygen(folder / "client_ed25519")
    hosts = [Sshd(folder / f"host-{ip}", ip, key.with_suffix(".pub")) for ip in ips]
    try:
        for h in hosts:
            h.folder.mkdir()
            h.start()
        yield hosts, key
    finally:
        for h in hosts:
            h.stop()
            for pid in pids_under(h.home):
                kill_pid(str(pid))
