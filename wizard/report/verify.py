"""Check a verification report folder: its signature, the files it lists, and (when pinned) who signed it.

Each failure is one sentence naming the file at fault. A folder that does not exist or a public key that is
not one is bad input (InputError); everything else is a verdict.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import InputError
from wizard.report.build import ALGORITHM, FORMAT, SIGNATURE, SIGNED_FILES, canonical, file_sha256
from wizard.report.signing import fingerprint_of, parse_public_key, signature_matches

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Verdict:
    """Whether the report verifies, the one sentence that says so, and the fingerprint of its signer ("" when
    the signature file cannot tell)."""

    ok: bool
    message: str
    fingerprint: str = ""


def verify_report(folder: Path, public_key: str | None = None) -> Verdict:
    """Verify the report in ``folder``; with ``public_key`` (base64, as ``report-key`` prints it), also that
    this key signed it."""
    pinned = parse_public_key(public_key) if public_key is not None else None
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give the report's folder")
    try:
        body = json.loads((folder / SIGNATURE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Verdict(False, f"{SIGNATURE} is missing from {folder}: the report is not signed")
    except (OSError, UnicodeDecodeError, ValueError):
        return Verdict(False, f"{SIGNATURE} is malformed: it is not a JSON file")
    parsed = _parse(body)
    if isinstance(parsed, str):
        return Verdict(False, f"{SIGNATURE} is malformed: {parsed}")
    public_raw, signature, files = parsed
    signer = fingerprint_of(public_raw)
    if not signature_matches(public_raw, signature, canonical(body)):
        return Verdict(False, f"{SIGNATURE} does not verify: its signature does not match its contents (the list "
                       "of files or their checksums was changed after signing)", signer)
    if pinned is not None and pinned != public_raw:
        return Verdict(False, f"{SIGNATURE} was signed by key {signer}, not by the expected key "
                       f"{fingerprint_of(pinned)}", signer)
    for name in SIGNED_FILES:
        path = folder / name
        if not path.is_file():
            return Verdict(False, f"{name} is missing: {SIGNATURE} lists it but it is not in {folder}", signer)
        if file_sha256(path) != files[name]:
            return Verdict(False, f"{name} was changed after the report was signed", signer)
    pin = "the expected key" if pinned is not None else "key"
    hint = "" if pinned is not None else " (give --public-key to check it is the agent's key)"
    return Verdict(True, f"the report verifies: {', '.join(SIGNED_FILES)} are as signed by {pin} {signer} at "
                   f"{body['signed_at']}{hint}", signer)


def _parse(body: Any) -> tuple[bytes, bytes, dict[str, str]] | str:
    """(public key, signature, files) from the signature file, or what is wrong with it."""
    if not isinstance(body, dict):
        return "it is not a JSON object"
    if body.get("format") != FORMAT:
        return f"its format is not {FORMAT}"
    if body.get("algorithm") != ALGORITHM:
        return f"its algorithm is not {ALGORITHM}"
    if not isinstance(body.get("signed_at"), str):
        return "it has no signed_at time"
    public_raw = _b64(body.get("public_key"), 32)
    if public_raw is None:
        return "its public_key is not an Ed25519 public key"
    if body.get("fingerprint") != fingerprint_of(public_raw):
        return "its fingerprint is not its public key's"
    signature = _b64(body.get("signature"), 64)
    if signature is None:
        return "its signature is not an Ed25519 signature"
    files = body.get("files")
    if not isinstance(files, dict):
        return "it has no list of files"
    for name in SIGNED_FILES:
        if not isinstance(files.get(name), str) or not _HEX64.match(files[name]):
            return f"it has no SHA-256 for {name}"
    return public_raw, signature, files


def _b64(value: Any, length: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == length else None
