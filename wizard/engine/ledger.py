"""Where a copier records its multipart uploads and their verified parts, so a stopped copy resumes instead of
sending again what the destination already holds.

``Ledger`` is the interface the copier sees. The journal implements it on the master (and in a single-process
run); a shard run elsewhere uses ``ShardLedger``: the records the shard was given, plus every change, handed to
a callback as it happens so the master writes it into the journal (``apply``) before the shard even ends. A part
verified before a worker dies is then known to whichever worker takes the shard next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Part = tuple[str, int, "int | None"]          # (etag, size, CRC-64 of the part or None)


class Ledger(Protocol):
    def upload_for(self, object_id: int) -> tuple[str, int, str | None] | None: ...
    def parts_for(self, object_id: int) -> dict[int, Part]: ...
    def save_upload(self, object_id: int, key: str, upload_id: str, part_size: int,
                    source_etag: str | None = None) -> None: ...
    def save_part(self, object_id: int, number: int, etag: str, size: int, crc64: int | None = None) -> None: ...
    def drop_upload(self, object_id: int) -> None: ...
    def uploads(self) -> list[tuple[int, str, str]]: ...


@dataclass
class Upload:
    """One recorded multipart upload with its verified parts: plain data, it crosses process boundaries."""

    key: str
    upload_id: str
    part_size: int
    source_etag: str | None
    parts: dict[int, Part] = field(default_factory=dict)


# ("upload", id, key, upload_id, part_size, etag) | ("part", id, number, etag, size, crc) | ("drop", id)
Record = tuple[Any, ...]


class ShardLedger:
    """The ledger of a shard copied away from the journal; ``on_record`` gets each change as it happens."""

    def __init__(self, uploads: dict[int, Upload], on_record: Callable[[Record], None]) -> None:
        self._uploads = uploads
        self._on_record = on_record

    def upload_for(self, object_id: int) -> tuple[str, int, str | None] | None:
        u = self._uploads.get(object_id)
        return (u.upload_id, u.part_size, u.source_etag) if u else None

    def parts_for(self, object_id: int) -> dict[int, Part]:
        u = self._uploads.get(object_id)
        return dict(u.parts) if u else {}

    def save_upload(self, object_id: int, key: str, upload_id: str, part_size: int,
                    source_etag: str | None = None) -> None:
        self._uploads[object_id] = Upload(key, upload_id, part_size, source_etag)
        self._on_record(("upload", object_id, key, upload_id, part_size, source_etag))

    def save_part(self, object_id: int, number: int, etag: str, size: int, crc64: int | None = None) -> None:
        u = self._uploads.get(object_id)
        if u is not None:
            u.parts[number] = (etag, size, crc64)
        self._on_record(("part", object_id, number, etag, size, crc64))

    def drop_upload(self, object_id: int) -> None:
        self._uploads.pop(object_id, None)
        self._on_record(("drop", object_id))

    def uploads(self) -> list[tuple[int, str, str]]:
        return [(i, u.key, u.upload_id) for i, u in self._uploads.items()]


def recorded_uploads(ledger: Ledger, object_ids: list[int]) -> dict[int, Upload]:
    """What ``ledger`` (the journal) holds for these objects, as data a shard carries."""
    found: dict[int, Upload] = {}
    keys = {i: k for i, k, _u in ledger.uploads()}
    for object_id in object_ids:
        u = ledger.upload_for(object_id)
        if u is not None:
            found[object_id] = Upload(keys.get(object_id, ""), u[0], u[1], u[2], ledger.parts_for(object_id))
    return found


def apply(ledger: Ledger, records: list[Record]) -> None:
    """Write a shard's records into ``ledger`` (the journal), in the order they happened."""
    for r in records:
        if r[0] == "upload":
            ledger.save_upload(*r[1:])
        elif r[0] == "part":
            ledger.save_part(*r[1:])
        elif r[0] == "drop":
            ledger.drop_upload(r[1])
