"""Credential references: ``env:PREFIX`` and ``keyring:NAME``, resolved at the last moment, never logged.

A task file holds only the reference. ``env:SRC`` reads SRC_ACCESS_KEY_ID and SRC_SECRET_ACCESS_KEY;
``keyring:NAME`` reads the system keyring entry NAME under the service ``migration-wizard`` (a JSON object
with ``access_key_id`` and ``secret_access_key``), which the wizard writes when the operator ticks "Remember".
``agent:NAME`` reads a secret the agent holds in its memory only, for its lifetime (the operator's choice when
there is no usable keyring): never written to a file, gone when the agent stops.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from wizard.errors import InputError

SERVICE = "migration-wizard"
_REF = re.compile(r"^(env|keyring|agent):([A-Za-z0-9_.\-]+)$")
_KINDS = ("env", "keyring", "agent")
_IN_MEMORY: dict[str, Credentials] = {}   # agent:NAME, this process only


class KeyringUnavailable(InputError):
    """No usable system keyring in this process; ``reason`` names the backend's complaint (never a secret)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class SecretNotHeld(InputError):
    """An ``agent:NAME`` secret this agent does not hold (it was restarted since): the operator enters it again."""


@dataclass(frozen=True)
class Credentials:
    """An access key pair. Its repr and str never show the secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)

    def __str__(self) -> str:
        return f"Credentials({self.access_key_id[:4]}…)"


def check_reference(ref: object, where: str) -> str:
    """Validate the form of a reference (without resolving it); the error names the field and never repeats
    the value: what is not a reference is often a pasted secret. (A well-formed reference is a name, and shows.)"""
    if ref == "":
        raise InputError(f"{where}: is required (\"env:PREFIX\" or \"keyring:NAME\")")
    if not isinstance(ref, str) or not _REF.match(ref):
        kind = ref.split(":", 1)[0] if isinstance(ref, str) and ":" in ref else ""
        raise InputError(f"{where}: expected \"env:PREFIX\" or \"keyring:NAME\", not a key or a secret itself "
                         "(the value given is not shown)" if kind not in _KINDS
                         else f"{where}: the name after \"{kind}:\" may hold only letters, digits, '.', '_' and "
                         "'-' (the value given is not shown)")
    return ref


def resolve(ref: str, where: str) -> Credentials:
    """Turn a reference into credentials, or raise InputError naming the field and what is missing."""
    kind, name = check_reference(ref, where).split(":", 1)
    if kind == "env":
        key_var, secret_var = f"{name}_ACCESS_KEY_ID", f"{name}_SECRET_ACCESS_KEY"
        missing = [v for v in (key_var, secret_var) if not os.environ.get(v)]
        if missing:
            raise InputError(f"{where}: environment variable {' and '.join(missing)} "
                             f"{'is' if len(missing) == 1 else 'are'} not set")
        return Credentials(os.environ[key_var], os.environ[secret_var])
    if kind == "agent":
        if name not in _IN_MEMORY:
            raise SecretNotHeld(f"{where}: the secret {name!r} was kept only while the agent ran, and this agent does "
                             "not hold it (it was restarted): enter the credentials again")
        return _IN_MEMORY[name]
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        raise InputError(f"{where}: the keyring package is not installed") from None
    try:
        raw = keyring.get_password(SERVICE, name)
    except (KeyringError, RuntimeError) as exc:
        raise KeyringUnavailable(f"{where}: the system keyring is not available to the agent "
                                 f"({type(exc).__name__})", type(exc).__name__) from None
    if raw is None:
        raise InputError(f"{where}: no keyring entry {name!r} under service {SERVICE!r}")
    try:
        data = json.loads(raw)
        return Credentials(str(data["access_key_id"]), str(data["secret_access_key"]))
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{where}: keyring entry {name!r} is not a Migration Wizard credential") from None


def keyring_problem() -> str:
    """Why this process cannot use the system keyring ("" when it can): the backend's error class, or
    "NoKeyringError" when keyring found none. A read of an absent entry, so nothing is written."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return "ImportError"
    try:
        keyring.get_password(SERVICE, "keyring-probe")
    except (KeyringError, RuntimeError, OSError) as exc:
        return type(exc).__name__
    return ""


def keep_in_memory(name: str, creds: Credentials) -> str:
    """Hold credentials in this process only (the agent, for its lifetime); return the ``agent:NAME`` reference."""
    check_reference(f"agent:{name}", "name")
    _IN_MEMORY[name] = creds
    return f"agent:{name}"


def remembered(name: str) -> Credentials | None:
    """The credentials a keyring entry holds, or None when it is absent, unreadable or there is no keyring."""
    try:
        return resolve(f"keyring:{name}", "credentials")
    except InputError:
        return None


def store_in_keyring(name: str, creds: Credentials) -> str:
    """Save credentials under ``name`` in the system keyring; return the reference to put in a task."""
    import keyring

    keyring.set_password(SERVICE, name, json.dumps({"access_key_id": creds.access_key_id,
                                                     "secret_access_key": creds.secret_access_key}))
    return f"keyring:{name}"


def forget_keyring_entry(ref: str) -> bool:
    """Remove a ``keyring:NAME`` entry (a task's one-off credentials when its task is deleted); False if absent."""
    kind, name = check_reference(ref, "credentials").split(":", 1)
    if kind != "keyring":
        return False
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        return False
    return True
