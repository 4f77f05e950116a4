"""The masters the wizard has brought up, as the settings remember them (addresses only), made into sessions again:
the SSH password or key passphrase comes from the system keyring, where the mode page kept it."""

from __future__ import annotations

import re
from typing import Any

from wizard.gui.settings import Settings
from wizard.remote.session import Login, MasterSession, worker_target
from wizard.remote.ssh import Target
from wizard.secrets import Credentials, remembered, store_in_keyring


def secret_entry(user: str, host: str) -> str:
    """The keyring entry of one server login (a keyring name holds letters, digits, '.', '_' and '-')."""
    return "ssh-" + re.sub(r"[^A-Za-z0-9_.\-]", "_", f"{user}-{host}")


def keep_secret(user: str, host: str, secret: str) -> None:
    store_in_keyring(secret_entry(user, host), Credentials(user, secret))


def kept_secret(user: str, host: str) -> str:
    """The password or passphrase kept for this login ("" when none is, or there is no keyring). Blocking."""
    creds = remembered(secret_entry(user, host))
    return creds.secret_access_key if creds is not None else ""


def login_of(entry: dict[str, Any], typed: str = "") -> Login:
    secret = typed or kept_secret(entry["user"], entry["host"])
    return Login(entry["user"], int(entry.get("port", 22)), entry.get("key_file", ""), secret)


def session_of(entry: dict[str, Any], typed: str = "") -> MasterSession:
    """A session of the master ``entry`` describes (nothing is connected yet). Blocking: reads the keyring."""
    login = login_of(entry, typed)
    return MasterSession(login.target(entry["host"]), entry["master_ip"], int(entry.get("cluster_port", 8786)))


def workers_of(entry: dict[str, Any], login: Login) -> list[Target]:
    return [worker_target(line, login) for line in entry.get("workers", [])]


def remember(settings: Settings, entry: dict[str, Any]) -> None:
    """Keep this master in the settings (one entry per SSH address, the newest first)."""
    settings.masters = [entry] + [m for m in settings.masters if m.get("host") != entry["host"]]
    settings.save()
