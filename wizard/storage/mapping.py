"""What carries over between S3, OSS and COS: storage classes, user metadata and Content-* headers.

Each store names its classes differently; a class is mapped by its access tier. Where the destination has
no class of that tier, the object is written in the destination's default class and the reason is returned,
so the copier can record it per object and count it in the task summary: nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

# Access tiers, from hot to cold, and each store's name for them (None: the store has no such class).
TIERS = ("standard", "infrequent", "one-zone-infrequent", "archive-instant", "archive", "cold-archive",
         "deep-archive", "intelligent")
CLASSES: dict[str, dict[str, str | None]] = {
    "s3": {"standard": "STANDARD", "infrequent": "STANDARD_IA", "one-zone-infrequent": "ONEZONE_IA",
           "archive-instant": "GLACIER_IR", "archive": "GLACIER", "cold-archive": None,
           "deep-archive": "DEEP_ARCHIVE", "intelligent": "INTELLIGENT_TIERING"},
    "oss": {"standard": "Standard", "infrequent": "IA", "one-zone-infrequent": None,
            "archive-instant": None, "archive": "Archive", "cold-archive": "ColdArchive",
            "deep-archive": "DeepColdArchive", "intelligent": None},
    "cos": {"standard": "STANDARD", "infrequent": "STANDARD_IA", "one-zone-infrequent": None,
            "archive-instant": None, "archive": "ARCHIVE", "cold-archive": None,
            "deep-archive": "DEEP_ARCHIVE", "intelligent": "INTELLIGENT_TIERING"},
}
# Names some stores also answer with, folded into a tier.
ALIASES = {"REDUCED_REDUNDANCY": "standard", "EXPRESS_ONEZONE": "standard", "MAZ_STANDARD": "standard",
           "MAZ_STANDARD_IA": "infrequent", "MAZ_INTELLIGENT_TIERING": "intelligent"}
META_PREFIX = {"s3": "x-amz-meta-", "oss": "x-oss-meta-", "cos": "x-cos-meta-"}
CONTENT_HEADERS = ("Content-Type", "Content-Encoding", "Content-Language", "Content-Disposition", "Cache-Control",
                   "Expires")


@dataclass(frozen=True)
class ClassMapping:
    """The destination class to request (None: the destination's default) and, if not carried, why."""

    storage_class: str | None
    dropped: str | None = None


def tier_of(kind: str, storage_class: str | None) -> str | None:
    """The tier of a class name as ``kind`` reports it (case-insensitive); None when unknown or absent."""
    if not storage_class:
        return None
    wanted = storage_class.upper()
    for tier, name in CLASSES.get(kind, {}).items():
        if name and name.upper() == wanted:
            return tier
    return ALIASES.get(wanted)


def map_storage_class(src_kind: str, dst_kind: str, storage_class: str | None,
                      override: str | None = None) -> ClassMapping:
    """The class to write at the destination for an object of ``storage_class`` at the source.

    ``override`` (the task's chosen destination class, in the destination's own naming) wins when given.
    """
    if override:
        return ClassMapping(override)
    if dst_kind not in CLASSES:
        return ClassMapping(None, f"storage class {storage_class} not kept: the destination has no classes"
                            if storage_class and tier_of(src_kind, storage_class) not in (None, "standard") else None)
    tier = tier_of(src_kind, storage_class)
    if tier is None or tier == "standard":
        return ClassMapping(None)
    name = CLASSES[dst_kind][tier]
    if name is None:
        return ClassMapping(None, f"storage class {storage_class} has no equivalent at {dst_kind}; "
                            "written in the default class")
    return ClassMapping(name)


def table_markdown() -> str:
    """The mapping as a Markdown table (the README shows it)."""
    rows = ["| tier | S3 | OSS | COS |", "|---|---|---|---|"]
    for tier in TIERS:
        rows.append(f"| {tier} | " + " | ".join(CLASSES[k][tier] or "—" for k in ("s3", "oss", "cos")) + " |")
    return "\n".join(rows)
