"""Storage classes map by tier between S3, OSS and COS; what cannot be carried says why."""

from __future__ import annotations

import pytest

from wizard.storage.mapping import CLASSES, TIERS, map_storage_class, table_markdown, tier_of


@pytest.mark.parametrize(("src", "cls", "dst", "expected"), [
    ("oss", "IA", "cos", "STANDARD_IA"),
    ("oss", "Archive", "s3", "GLACIER"),
    ("cos", "DEEP_ARCHIVE", "oss", "DeepColdArchive"),
    ("s3", "GLACIER", "cos", "ARCHIVE"),
    ("s3", "standard_ia", "oss", "IA"),          # case-insensitive on the way in
    ("cos", "MAZ_STANDARD_IA", "s3", "STANDARD_IA"),
    ("oss", "Standard", "cos", None),            # the default class needs no header
    ("s3", None, "oss", None),
])
def test_mapped_by_tier(src: str, cls: str | None, dst: str, expected: str | None) -> None:
    m = map_storage_class(src, dst, cls)
    assert m.storage_class == expected and m.dropped is None


def test_missing_tier_is_recorded_not_silent() -> None:
    m = map_storage_class("oss", "cos", "ColdArchive")
    assert m.storage_class is None and m.dropped and "ColdArchive" in m.dropped
    m = map_storage_class("s3", "oss", "ONEZONE_IA")
    assert m.storage_class is None and m.dropped
    m = map_storage_class("cos", "local", "ARCHIVE")
    assert m.storage_class is None and m.dropped


def test_override_wins_and_table_lists_every_tier() -> None:
    assert map_storage_class("oss", "cos", "Archive", override="STANDARD").storage_class == "STANDARD"
    table = table_markdown()
    assert all(f"| {tier} |" in table for tier in TIERS)
    for kind, names in CLASSES.items():
        for tier, name in names.items():
            if name:
                assert tier_of(kind, name) == tier
