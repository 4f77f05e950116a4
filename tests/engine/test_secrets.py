"""Credential references: env and keyring resolution, each failure naming the field, no secret in any text.

The keyring here is an in-memory backend set for the test (the real Secret Service test comes with the GUI);
what is tested is our resolution and storage format, not the keyring daemon."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from wizard.errors import InputError
from wizard.secrets import SERVICE, Credentials, resolve, store_in_keyring


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_keyring_roundtrip_and_errors(memory_keyring: MemoryKeyring) -> None:
    ref = store_in_keyring("cos-migration", Credentials("AK-1", "very-secret-value"))
    assert ref == "keyring:cos-migration"
    creds = resolve(ref, "destination.credentials")
    assert (creds.access_key_id, creds.secret_access_key) == ("AK-1", "very-secret-value")
    assert "very-secret-value" not in repr(creds) + str(creds)
    with pytest.raises(InputError, match="destination.credentials: no keyring entry 'other'"):
        resolve("keyring:other", "destination.credentials")
    memory_keyring.set_password(SERVICE, "garbled", "not json")
    with pytest.raises(InputError, match="is not a Migration Wizard credential"):
        resolve("keyring:garbled", "source.credentials")


def test_env_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRC_ACCESS_KEY_ID", "AK-2")
    monkeypatch.setenv("SRC_SECRET_ACCESS_KEY", "env-secret")
    assert resolve("env:SRC", "source.credentials").secret_access_key == "env-secret"
    monkeypatch.delenv("SRC_SECRET_ACCESS_KEY")
    with pytest.raises(InputError, match="source.credentials: environment variable SRC_SECRET_ACCESS_KEY is not set"):
        resolve("env:SRC", "source.credentials")
    with pytest.raises(InputError, match='expected "env:PREFIX" or "keyring:NAME"'):
        resolve("AK-2:env-secret", "source.credentials")
