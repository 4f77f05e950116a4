"""Credential references through a real Secret Service: gnome-keyring on a private bus, no fake backend.

Every value here is a made-up test value. The keyring lives in a pytest temporary folder (see
tests/servers/secret_service.py); the user's own keyring and session bus are never touched.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import SecretService as secret_service_backend
from servers.secret_service import SecretService

from wizard.errors import InputError
from wizard.secrets import SERVICE, Credentials, resolve, store_in_keyring


def entry_name(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:10]}"


def stored_payload(service: SecretService, name: str) -> dict[str, Any]:
    """What gnome-keyring holds for ``name``, read over D-Bus without the keyring package."""
    secrets = service.stored_secrets({"service": SERVICE, "username": name})
    assert len(secrets) == 1, f"expected one item for {name!r}, found {len(secrets)}"
    payload: dict[str, Any] = json.loads(secrets[0])
    return payload


def file_bytes(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_store_then_resolve_through_gnome_keyring(secret_service: SecretService, real_keyring: Any) -> None:
    assert isinstance(keyring.get_keyring(), secret_service_backend.Keyring)
    name = entry_name("roundtrip")
    ref = store_in_keyring(name, Credentials("AKFAKE-ROUNDTRIP-0001", "fake-secret-roundtrip-0001"))
    assert ref == f"keyring:{name}"
    creds = resolve(ref, "source.credentials")
    assert (creds.access_key_id, creds.secret_access_key) == ("AKFAKE-ROUNDTRIP-0001", "fake-secret-roundtrip-0001")
    assert stored_payload(secret_service, name) == {"access_key_id": "AKFAKE-ROUNDTRIP-0001",
                                                     "secret_access_key": "fake-secret-roundtrip-0001"}


def test_no_file_holds_the_secret_in_plain_text(secret_service: SecretService, real_keyring: Any, home: Path,
                                                tmp_path: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    keyring_file = secret_service.keyring_dir / "login.keyring"
    before = keyring_file.read_bytes()
    secret = "FAKE-plaintext-canary-不是密钥-0002"
    name = entry_name("at-rest")
    store_in_keyring(name, Credentials("AKFAKE-AT-REST-0002", secret))
    deadline = time.monotonic() + 10
    while keyring_file.read_bytes() == before:  # the item must really have reached the file being scanned
        assert time.monotonic() < deadline, "gnome-keyring did not write the new item to login.keyring"
        time.sleep(0.05)
    assert stored_payload(secret_service, name)["secret_access_key"] == secret

    needles = {secret.encode("utf-8"), json.dumps(secret)[1:-1].encode("ascii"), b"FAKE-plaintext-canary",
               "FAKE-plaintext-canary".encode("utf-16-le")}
    # secret_service.root holds the keyring data folder, the daemon's HOME and its runtime folder; tmp_path holds
    # this test's MIGRATION_WIZARD_HOME.
    assert all(folder.is_dir() for folder in (secret_service.keyring_dir, secret_service.home, home))
    assert home.is_relative_to(tmp_path) and secret_service.home.is_relative_to(secret_service.root)
    scanned = {**file_bytes(secret_service.root), **file_bytes(tmp_path)}
    assert keyring_file in scanned
    leaks = sorted(str(path) for path, data in scanned.items() if any(n in data for n in needles))
    assert not leaks, f"the secret is readable in plain text in: {leaks}"


def test_missing_entry_names_the_field(real_keyring: Any) -> None:
    name = entry_name("absent")
    with pytest.raises(InputError) as caught:
        resolve(f"keyring:{name}", "destination.credentials")
    assert str(caught.value) == f"destination.credentials: no keyring entry {name!r} under service 'migration-wizard'"


def test_chinese_and_symbols_round_trip(secret_service: SecretService, real_keyring: Any) -> None:
    access_key_id = "AK测试-ÄÖ-#0003"
    secret = "假的密钥/不是真的 ✓ €$%^&*()[]{}<>\"'\\|`~ 😀 tab\tend"
    name = entry_name("unicode")
    store_in_keyring(name, Credentials(access_key_id, secret))
    creds = resolve(f"keyring:{name}", "source.credentials")
    assert (creds.access_key_id, creds.secret_access_key) == (access_key_id, secret)
    assert stored_payload(secret_service, name) == {"access_key_id": access_key_id, "secret_access_key": secret}
