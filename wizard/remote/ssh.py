"""SSH connections to the servers of the semi-managed mode, on asyncssh (the field's asyncio SSH library).

- Host keys are pinned in the program's own known_hosts file (never ``~/.ssh/known_hosts``: asyncssh falls back
  to it for a falsy value). An unknown host is looked up first (``host_key``), its SHA256 fingerprint shown to
  the operator and pinned only when they confirm (``pin``); a pinned key that changed is refused with a
  sentence that says so and what to do.
- Login by key file (its passphrase, when it has one, from the keyring by the caller) or by password; an optional
  jump host (workers are often reachable only from the master).
- Every failure is a ``RemoteError``: one sentence naming the host, never a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.errors import MigrationError
from wizard.paths import config_dir

CONNECT_TIMEOUT = 15.0     # seconds for TCP + SSH handshake + login, per host
RUN_TIMEOUT = 120.0


class RemoteError(MigrationError):
    """A remote host could not be reached or used; ``code`` says why (the GUI translates it)."""

    def __init__(self, code: str, message: str, host: str = "") -> None:
        super().__init__(message)
        self.code, self.host = code, host


@dataclass(frozen=True)
class Target:
    """One server: where and how to log in. ``password`` and ``passphrase`` are values the caller took from the
    keyring for this connection; their repr is hidden."""

    host: str
    user: str
    port: int = 22
    key_file: str | None = None
    password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    jump: Target | None = None

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}" + (f":{self.port}" if self.port != 22 else "")

    def pattern(self) -> str:
        """The known_hosts pattern of this host."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"


def known_hosts_file() -> Path:
    return config_dir() / "known_hosts"


async def host_key(target: Target, timeout: float = CONNECT_TIMEOUT) -> tuple[str, str]:
    """The server's host key before it is trusted: (SHA256 fingerprint for the operator, OpenSSH public key)."""
    import asyncssh

    try:
        if target.jump is not None:
            async with await connect(target.jump, timeout=timeout) as hop:
                key = await asyncio.wait_for(asyncssh.get_server_host_key(target.host, target.port, tunnel=hop),
                                             timeout)
        else:
            key = await asyncio.wait_for(asyncssh.get_server_host_key(target.host, target.port), timeout)
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        raise _unreachable(target, exc, timeout) from None
    if key is None:
        raise RemoteError("no-host-key", f"{target.host} sent no host key", target.host)
    return key.get_fingerprint("sha256"), key.export_public_key("openssh").decode().strip()


def pin(target: Target, public_key: str) -> None:
    """Trust ``public_key`` for ``target`` from now on (the operator confirmed its fingerprint)."""
    path = known_hosts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [ln for ln in (path.read_text().splitlines() if path.exists() else [])
             if ln.split(" ", 1)[0] != target.pattern()]
    lines.append(f"{target.pattern()} {public_key}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def is_pinned(target: Target) -> bool:
    path = known_hosts_file()
    return path.exists() and any(ln.split(" ", 1)[0] == target.pattern() for ln in path.read_text().splitlines())


async def connect(target: Target, timeout: float = CONNECT_TIMEOUT) -> Any:
    """An SSH connection to a pinned host (through its jump host when it has one)."""
    import asyncssh

    if not is_pinned(target):
        raise RemoteError("not-pinned", f"{target.host}'s host key is not confirmed yet: test the connection "
                                        "and confirm its fingerprint first", target.host)
    tunnel = await connect(target.jump, timeout) if target.jump is not None else None
    options: dict[str, Any] = {"known_hosts": str(known_hosts_file()), "username": target.user,
                               "connect_timeout": timeout, "login_timeout": timeout}
    if target.key_file:
        try:
            key = asyncssh.read_private_key(target.key_file, target.passphrase)
        except (OSError, asyncssh.KeyImportError) as exc:
            raise RemoteError("bad-key", f"the key file {target.key_file} cannot be used"
                                         f"{' (wrong passphrase?)' if isinstance(exc, asyncssh.KeyImportError) else ''}"
                              , target.host) from None
        options.update(client_keys=[key], password=None)
    else:
        options.update(client_keys=None, password=target.password)
    try:
        return await asyncio.wait_for(asyncssh.connect(target.host, target.port, tunnel=tunnel,
                                                       agent_path=None, **options), timeout * 2)
    except asyncssh.HostKeyNotVerifiable:
        raise RemoteError("host-key-changed", f"{target.host}'s host key is not the one confirmed before: the "
                          "server was reinstalled or someone is in between; if you expected it, remove its line "
                          f"from {known_hosts_file()} and confirm the new fingerprint", target.host) from None
    except asyncssh.PermissionDenied:
        raise RemoteError("login-refused", f"{target.name} refused the login: check the user and the "
                          f"{'key' if target.key_file else 'password'}", target.host) from None
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        if tunnel is not None:
            tunnel.close()
        raise _unreachable(target, exc, timeout) from None


def _unreachable(target: Target, exc: BaseException, timeout: float) -> RemoteError:
    if isinstance(exc, asyncio.TimeoutError):
        return RemoteError("timeout", f"{target.host} did not answer within {timeout:.0f} s"
                           + (f" (through {target.jump.host})" if target.jump else ""), target.host)
    reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__
    return RemoteError("unreachable", f"{target.host}:{target.port} cannot be reached ({reason})", target.host)


@dataclass
class Ran:
    exit_status: int
    stdout: str
    stderr: str


async def run(conn: Any, argv: list[str], *, stdin: str | None = None, timeout: float = RUN_TIMEOUT) -> Ran:
    """Run a command (argv quoted for the remote shell); ``stdin`` is how a secret reaches a remote process (it
    is in neither its command line nor its environment)."""
    command = " ".join(shlex.quote(a) for a in argv)
    try:
        done = await asyncio.wait_for(conn.run(command, input=stdin, check=False), timeout)
    except TimeoutError:
        raise RemoteError("timeout", f"{argv[0]} did not finish within {timeout:.0f} s on the server") from None
    return Ran(done.exit_status if done.exit_status is not None else -1, str(done.stdout or ""),
               str(done.stderr or ""))


async def facts(conn: Any) -> dict[str, str]:
    """What "Test SSH connection" shows of a server: its architecture, free disk in the home folder, and the
    version of the agent deployed there ("" when none)."""
    arch = (await run(conn, ["uname", "-m"])).stdout.strip()
    # $HOME, not ~ or the session's start folder: sshd may start a session elsewhere than the home it sets.
    free = (await run(conn, ["sh", "-c", 'df -Pk "$HOME"'])).stdout.strip().splitlines()
    free_kib = free[-1].split()[3] if len(free) > 1 else ""
    version = ""
    with contextlib.suppress(RemoteError):
        got = await run(conn, ["sh", "-c", '"$HOME/.migration-wizard/agent/migration-agent" --version 2>/dev/null'])
        version = got.stdout.strip().removeprefix("migration-agent ")
    return {"arch": arch, "free_kib": free_kib, "agent_version": version}
