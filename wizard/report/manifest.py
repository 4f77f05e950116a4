"""The report's manifest: one CSV row per object at the destination (copied or skipped as already there), with
the checksum it can be checked by and what verified it.

The journal is read a page of ids at a time (keyset pagination), so a task of tens of millions of objects
streams through in flat memory; the same scan counts objects and bytes by verification method, which the
report shows, and the SHA-256 of the bytes written, which the signature covers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.engine.journal import Journal
from wizard.engine.verify import is_md5, multipart_count

MANIFEST_HEADER = ["key", "size", "state", "checksum_type", "checksum", "verified_by"]
PAGE = 5000
FINAL = "final"


@dataclass
class ManifestSummary:
    """What one scan of the journal found while writing the manifest."""

    rows: int = 0
    bytes: int = 0
    methods: dict[str, list[int]] = field(default_factory=dict)   # method -> [objects, bytes]
    final_checked: int = 0     # copied objects the final pass found as copied (or copied itself)
    sha256: str = ""

    def add(self, method: str, size: int, final: bool) -> None:
        count = self.methods.setdefault(method, [0, 0])
        count[0] += 1
        count[1] += max(size, 0)
        self.rows += 1
        self.bytes += max(size, 0)
        self.final_checked += final


def checksum_of(evidence: dict[str, Any], listed_etag: str | None = None) -> tuple[str, str]:
    """(checksum_type, checksum) the destination can be checked by: crc64 (16 hex digits) > md5 > etag (a
    multipart ETag) > ("", ""). ``listed_etag`` (the source's, from its listing) serves skipped objects, which
    have no evidence of their own."""
    for name in ("crc64", "dest_crc64", "source_crc64"):
        value = evidence.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return "crc64", f"{value:016x}"
        if isinstance(value, str) and value.isdigit():
            return "crc64", f"{int(value):016x}"
    for value in (evidence.get("md5"), evidence.get("source_etag"), evidence.get("dest_etag"), listed_etag):
        if isinstance(value, str) and is_md5(value):
            return "md5", value
    # A multipart ETag depends on the part layout: the destination's is the one its listing shows.
    for value in (evidence.get("dest_etag"), evidence.get("source_etag"), listed_etag):
        if isinstance(value, str) and multipart_count(value) is not None:
            return "etag", value
    return "", ""


def method_of(state: str, reason: str | None, evidence: dict[str, Any]) -> str:
    """What verified the object, without the final pass's re-check: the proofs joined by "+" (``md5+crc64``),
    ``size-only``, ``skipped:<reason>``, or ``unrecorded`` (copied before proofs were kept)."""
    if state == "skipped":
        return f"skipped:{reason or 'exists'}"
    verified = evidence.get("verified")
    if verified == "source":
        return "+".join(str(p) for p in evidence.get("proof") or []) or "source"
    if verified == "size-only":
        return "size-only"
    return "unrecorded"


def write_manifest(journal: Journal, path: Path) -> ManifestSummary:
    """Write the manifest CSV (UTF-8 with BOM, so Excel shows Chinese keys) of the copied and skipped objects;
    returns the counts by method and the file's SHA-256."""
    summary = ManifestSummary()
    digest = hashlib.sha256()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(MANIFEST_HEADER)
    with open(path, "xb") as f:
        def flush() -> None:
            data = text.getvalue().encode("utf-8")
            digest.update(data)
            f.write(data)
            text.seek(0)
            text.truncate()

        first = codecs.BOM_UTF8
        digest.update(first)
        f.write(first)
        for key, size, state, reason, etag, raw in _rows(journal):
            evidence = _evidence(raw)
            method = method_of(state, reason, evidence)
            final = state == "done" and bool(evidence.get("final_check"))
            kind, value = checksum_of(evidence, etag if state == "skipped" else None)
            writer.writerow([key, size, state, kind, value, f"{method}+{FINAL}" if final else method])
            summary.add(method, size, final)
            if text.tell() > 1 << 20:
                flush()
        flush()
    summary.sha256 = digest.hexdigest()
    return summary


def _rows(journal: Journal) -> Iterator[list[Any]]:
    """The done and skipped objects in id order, a page at a time."""
    after = 0
    while page := journal.at_destination(after, PAGE):
        for _id, *row in page:
            yield row
        after = page[-1][0]


def _evidence(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
