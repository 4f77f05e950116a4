"""The agent's report-signing key: one Ed25519 key per agent, kept in its data folder.

A customer pins the public key (``migration-agent report-key`` prints it) and checks every report against it.
The private key stays in ``report-ed25519.pem`` (PKCS8 PEM, mode 0600, in a 0700 folder); no message, repr
or log shows it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from filelock import FileLock

from wizard.errors import InputError
from wizard.paths import data_dir

KEY_FILE = "report-ed25519.pem"
log = logging.getLogger(__name__)


def default_folder() -> Path:
    """Where the agent keeps its report-signing key."""
    return data_dir() / "signing"


def fingerprint_of(public_raw: bytes) -> str:
    """``SHA256:`` and the first 16 bytes of the key's SHA-256, in groups of two bytes: short enough to read
    out over the phone, long enough that no one makes a key to match."""
    digest = hashlib.sha256(public_raw).hexdigest()[:32]
    return "SHA256:" + ":".join(digest[i:i + 4] for i in range(0, 32, 4))


def parse_public_key(text: str, where: str = "--public-key") -> bytes:
    """The raw 32 bytes of a public key given as base64 (what ``public_key_text`` prints); InputError otherwise."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InputError(f"{where}: not an Ed25519 public key (expected the base64 text of 32 bytes that "
                         "`migration-agent report-key` prints)")
    return raw


def signature_matches(public_raw: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by the key ``public_raw``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


class AgentKey:
    """The agent's report-signing key pair; only ``sign`` uses the private half."""

    def __init__(self, private: Ed25519PrivateKey, path: Path | None = None) -> None:
        """Wrap a key; most callers want ``load_or_create``."""
        self._private = private
        self.path = path
        self.public_raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                            serialization.PublicFormat.Raw)

    @classmethod
    def load_or_create(cls, folder: Path | None = None) -> AgentKey:
        """The key in ``folder`` (default: the agent's data folder), made on first use.

        Two processes making it at once end with one key: creation is under a lock, the file appears whole
        (written to a temporary file opened O_EXCL 0600, then renamed), and both read back what the file holds.
        """
        folder = folder if folder is not None else default_folder()
        path = folder / KEY_FILE
        _private_folder(folder)
        if not path.exists():
            with FileLock(str(folder / f"{KEY_FILE}.lock"), mode=0o600):
                if not path.exists():
                    _write_new_key(path)
        return cls(_read_key(path), path)

    def public_key_text(self) -> str:
        """The public key as base64 of its raw 32 bytes: what a customer pins."""
        return base64.b64encode(self.public_raw).decode()

    def fingerprint(self) -> str:
        """A short, readable digest of the public key."""
        return fingerprint_of(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``."""
        return self._private.sign(data)

    def __repr__(self) -> str:
        # The default repr would name the private key object; show only what may be shown.
        return f"AgentKey({self.fingerprint()})"


def _private_folder(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)   # mkdir's mode is masked by the umask, and the folder may predate us
    except OSError as exc:
        raise InputError(f"the signing key's folder {folder} cannot be made ({exc.strerror})") from None


def _write_new_key(path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("made the report-signing key %s (%s)", path, AgentKey(key).fingerprint())


def _read_key(path: Path) -> Ed25519PrivateKey:
    if os.name == "posix" and path.stat().st_mode & 0o077:
        # Someone widened it (a restore, a copy): the key is ours to keep private, so narrow it again.
        log.warning("the report-signing key %s was readable by others; set it to mode 0600", path)
        os.chmod(path, 0o600)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        # Never the file's content in the message: it is (or was meant to be) a private key.
        raise InputError(f"the report-signing key {path} is not an unencrypted Ed25519 private key: move it "
                         "away and a new key is made (reports signed with the old one then need its public key)")
    return key
