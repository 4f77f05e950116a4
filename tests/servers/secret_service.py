"""A real Secret Service for tests: gnome-keyring on a private D-Bus session bus, nothing of the user's touched.

One ``dbus-daemon`` listens on a unix socket inside a pytest temporary folder (no TCP, no service activation,
so nothing else on the machine can be started by it). ``gnome-keyring-daemon`` runs on that bus with
HOME and the XDG folders inside the same temporary folder. It is started with ``--unlock`` and a fake,
non-empty password on stdin: that is what makes it create and unlock the default "login" collection. With
no password, or an empty one, it has no default collection and creating one needs a GUI prompter, which
fails on a headless machine ("Prompt dismissed").

``secret_service`` (session) runs the daemons; ``real_keyring`` (per test) points this process at them and
selects keyring's SecretService backend explicitly, restoring the previous backend afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

NO_DESKTOP_VAR = "MIGRATION_WIZARD_NO_DESKTOP"
UNLOCK_PASSWORD = "fake-unlock-password-not-a-secret"  # non-empty on purpose, see the module docstring
BINARIES = ("dbus-daemon", "gnome-keyring-daemon")
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; keep a margin

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SecretServiceUnavailable(RuntimeError):
    """The daemons could not be started; the message says why."""


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


@dataclass
class SecretService:
    """A private session bus with gnome-keyring on it, everything kept under ``root``."""

    root: Path
    bus_address: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)
    _short_runtime: Path | None = field(default=None, repr=False)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def data_home(self) -> Path:
        return self.root / "data"

    @property
    def keyring_dir(self) -> Path:
        """Where gnome-keyring keeps its keyring files (``$XDG_DATA_HOME/keyrings``)."""
        return self.data_home / "keyrings"

    @property
    def runtime_dir(self) -> Path:
        return self._short_runtime or self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "daemons.log"

    def env(self) -> dict[str, str]:
        """The environment the daemons run in; a child process given it talks to this keyring only."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL",
                            "GNOME_KEYRING_PID")}
        env.update({"HOME": str(self.home), "XDG_DATA_HOME": str(self.data_home),
                    "XDG_CONFIG_HOME": str(self.root / "config"), "XDG_CACHE_HOME": str(self.root / "cache"),
                    "XDG_RUNTIME_DIR": str(self.runtime_dir)})
        if self.bus_address:
            env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        return env

    def start(self, timeout: float = 20.0) -> SecretService:
        for folder in (self.home, self.data_home, self.root / "config", self.root / "cache"):
            folder.mkdir(parents=True, exist_ok=True)
        runtime = self.root / "run"
        if len(str(runtime / "keyring" / "control")) > _SOCKET_PATH_MAX:
            self._short_runtime = Path(tempfile.mkdtemp(prefix="mw-ss-"))
        self.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        try:
            self._start_bus(deadline)
            self._start_keyring(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        with open(self.log, "ab") as log:
            process = subprocess.Popen(argv, env=self.env(), cwd=self.root, stderr=log, start_new_session=True,
                                       **kwargs)
        self.processes.append(process)
        return process

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def _start_bus(self, deadline: float) -> None:
        socket = self.runtime_dir / "bus"
        config = self.root / "session-bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket), encoding="utf-8")
        bus = self._spawn(["dbus-daemon", f"--config-file={config}", "--nofork", "--nosyslog", "--nopidfile",
                           "--print-address=1"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert bus.stdout is not None
        ready, _, _ = select.select([bus.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = bus.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("unix:"):
            raise SecretServiceUnavailable(f"dbus-daemon did not start a session bus: {self._log_tail()}")
        self.bus_address = line

    def _start_keyring(self, deadline: float) -> None:
        keyring = self._spawn(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets",
                               f"--control-directory={self.runtime_dir / 'keyring'}"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        assert keyring.stdin is not None
        try:
            keyring.stdin.write(UNLOCK_PASSWORD.encode())
            keyring.stdin.close()
        except BrokenPipeError:
            pass  # it exited at once; the loop below reports it with its log
        problem = "not on the bus yet"
        while time.monotonic() < deadline:
            if keyring.poll() is not None:
                raise SecretServiceUnavailable(f"gnome-keyring-daemon exited ({keyring.returncode}): "
                                               f"{self._log_tail()}")
            problem = self._default_collection_problem()
            if not problem:
                return
            time.sleep(0.1)
        raise SecretServiceUnavailable(f"gnome-keyring did not become ready ({problem}): {self._log_tail()}")

    def _default_collection_problem(self) -> str:
        """Empty once the service is on the bus with an unlocked default collection, else what is missing."""
        import secretstorage
        from secretstorage.exceptions import SecretStorageException

        try:
            with self.connection() as connection:
                if not secretstorage.check_service_availability(connection):
                    return "org.freedesktop.secrets is not on the bus"
                # by alias: get_default_collection would try to create one, which needs a GUI prompt
                if secretstorage.get_collection_by_alias(connection, "default").is_locked():
                    return "the default collection is locked"
                return ""
        except (OSError, SecretStorageException) as exc:
            return f"{type(exc).__name__}: {exc}"

    def connection(self) -> Any:
        """A jeepney connection to the private bus: the tests' own view of what the keyring holds."""
        from jeepney.io.blocking import open_dbus_connection

        return open_dbus_connection(bus=self.bus_address)

    def stored_secrets(self, attributes: dict[str, str]) -> list[str]:
        """The secrets of the items matching ``attributes``, read straight from the Secret Service."""
        import secretstorage

        with self.connection() as connection:
            return [item.get_secret().decode() for item in secretstorage.search_items(connection, attributes)]

    def stop(self) -> None:
        for process in reversed(self.processes):  # the keyring first, then its bus
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            if process.stdout:
                process.stdout.close()
        self.processes.clear()
        if self._short_runtime:
            shutil.rmtree(self._short_runtime, ignore_errors=True)


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    """gnome-keyring on a private session bus for the whole session; fails (not skips) if it is not installed."""
    missing = missing_binaries()
    if missing:
        if os.environ.get(NO_DESKTOP_VAR) == "1":
            pytest.skip(f"{' and '.join(missing)} not installed and {NO_DESKTOP_VAR}=1")
        pytest.fail(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: run "
                    f"`make setup-test` (or set {NO_DESKTOP_VAR}=1 to skip the desktop tests).", pytrace=False)
    if importlib.util.find_spec("secretstorage") is None:  # keyring's SecretService backend needs it
        pytest.fail("the secretstorage package is missing: run `make setup-test`.", pytrace=False)
    service = SecretService(tmp_path_factory.mktemp("secret-service"))
    try:
        service.start()
    except SecretServiceUnavailable as exc:
        pytest.fail(f"the test Secret Service did not start: {exc}", pytrace=False)
    yield service
    service.stop()


@pytest.fixture
def real_keyring(secret_service: SecretService, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """keyring's SecretService backend, talking to the test gnome-keyring; the previous backend comes back after."""
    import keyring
    from keyring.backends import SecretService as secret_service_backend

    previous = keyring.get_keyring()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service.bus_address)
    backend = secret_service_backend.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
