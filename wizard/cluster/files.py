"""The cluster's files on the master (its CA and the scheduler's address, in the agent's data folder) and the
join file a worker starts from.

A join file is JSON, mode 0600: the scheduler's address, the cluster's CA certificate and a worker certificate
with its key. It holds no storage credential: workers receive those from the master over the cluster's TLS
connection and keep them in memory only.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.cluster.certs import KeyPair, issue, new_ca
from wizard.errors import InputError
from wizard.paths import data_dir

DEFAULT_PORT = 8786      # the scheduler's port on the master (Dask's usual one); workers connect to it
JOIN_VERSION = 1


def cluster_dir() -> Path:
    return data_dir() / "cluster"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the first byte), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_listen(address: str, where: str = "--listen") -> str:
    """An IP address of this machine to listen on (the master's private IP), never a wildcard."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise InputError(f"{where}: expected an IP address of this server, like 172.16.0.94, got {address!r}") \
            from None
    if ip.is_unspecified:
        raise InputError(f"{where}: {address} would listen on every interface; give the private IP that workers "
                         "reach this server at")
    with socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET) as s:
        try:
            s.bind((address, 0))
        except OSError:
            raise InputError(f"{where}: {address} is not an address of this server") from None
    return address


@dataclass(frozen=True)
class Cluster:
    """What the master knows of its cluster: id, scheduler address, CA and its own certificate."""

    id: str
    host: str
    port: int
    ca: KeyPair
    master: KeyPair

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tls://{host}:{self.port}"

    def join(self, name: str = "worker") -> dict[str, Any]:
        """A join file's content, with a worker certificate issued now."""
        leaf = issue(self.ca, f"{name}-{secrets.token_hex(3)}")
        return {"version": JOIN_VERSION, "cluster": self.id, "scheduler": self.address, "ca": self.ca.cert,
                "cert": leaf.cert, "key": leaf.key}


def load_or_create(host: str | None = None, port: int | None = None) -> Cluster:
    """The master's cluster: made the first time (a new CA), its address changed when ``host``/``port`` say
    another. The CA key stays on the master (0600); a new address keeps the CA, so join files stay valid only
    when the address does."""
    folder = cluster_dir()
    state_file = folder / "cluster.json"
    state: dict[str, Any] = {}
    if state_file.exists():
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except ValueError:
            raise InputError(f"{state_file} is damaged; move it away to make a new cluster") from None
    if not state and host is None:
        raise InputError("no cluster on this server yet: start one with "
                         "migration-agent serve --cluster --listen MASTER_PRIVATE_IP")
    if not state:
        cluster_id = secrets.token_hex(4)
        ca = new_ca(cluster_id)
        state = {"id": cluster_id, "ca": {"cert": ca.cert, "key": ca.key}}
    ca = KeyPair(state["ca"]["cert"], state["ca"]["key"])
    host = host or state["host"]
    port = port or state.get("port") or DEFAULT_PORT
    if state.get("host") != host or state.get("port") != port or "master" not in state:
        master = issue(ca, "master", [host])
        state.update(host=host, port=port, master={"cert": master.cert, "key": master.key})
        write_private(state_file, json.dumps(state, indent=1))
    return Cluster(state["id"], host, int(port), ca, KeyPair(state["master"]["cert"], state["master"]["key"]))


def route_to(address: str) -> str:
    """This machine's address on the way to ``address`` (tls://HOST:PORT): what the master reaches a worker at."""
    host, _, port = address.removeprefix("tls://").rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:   # a UDP "connect" sends nothing: it only picks a route
        s.connect((host, int(port)))
        return str(s.getsockname()[0])


def read_join(path: Path) -> dict[str, Any]:
    """A join file's content, checked; InputError names what is wrong (never its key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"--join: {path} does not exist; write one on the master with "
                         "migration-agent cluster join-file -o worker.join") from None
    except OSError as exc:
        raise InputError(f"--join: {path} cannot be read ({exc.strerror})") from None
    try:
        join = json.loads(text)
        if not isinstance(join, dict):
            raise ValueError
    except ValueError:
        raise InputError(f"--join: {path} is not a join file (JSON written by migration-agent cluster "
                         "join-file)") from None
    missing = [k for k in ("scheduler", "ca", "cert", "key") if not isinstance(join.get(k), str)]
    if missing:
        raise InputError(f"--join: {path} lacks {', '.join(missing)}; write it again on the master")
    if not join["scheduler"].startswith("tls://"):
        raise InputError(f"--join: {path}: the scheduler address must be tls://HOST:PORT")
    return join


# Dask settings for every process of a cluster: encryption required, and none of the diagnostics nobody reads
# here (a statistical profiler sampling every thread each 10 ms, GIL polling), which cost the copy CPU.
DASK_SETTINGS: dict[str, Any] = {
    "distributed.comm.require-encryption": True,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
}


def security(ca: str, leaf: KeyPair) -> Any:
    """Dask's Security for one side of the cluster: TLS both ways with certificates of the cluster's CA,
    encryption required (a plain TCP peer or one without such a certificate is refused)."""
    from distributed.security import Security

    return Security(require_encryption=True, tls_ca_file=ca, tls_client_cert=leaf.cert, tls_client_key=leaf.key,
                    tls_scheduler_cert=leaf.cert, tls_scheduler_key=leaf.key, tls_worker_cert=leaf.cert,
                    tls_worker_key=leaf.key)
