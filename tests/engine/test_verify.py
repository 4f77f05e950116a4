"""The proofs' building blocks without a network: whole-object digests from parts arriving out of order within a
bounded buffer, multipart ETags for a part layout, and the S3 checksum algorithms against their check values."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random

import pytest

from wizard.engine.verify import (
    OrderedFeed,
    PartedMD5,
    checksum_hasher,
    composite_etag,
    encoded,
    full_object_checksum,
    multipart_count,
)


def chunks_of(data: bytes, part: int, chunk: int) -> list[list[tuple[int, bytes]]]:
    """The data cut into parts, each a list of (offset, chunk)."""
    out = []
    for start in range(0, len(data), part):
        piece = data[start:start + part]
        out.append([(start + i, piece[i:i + chunk]) for i in range(0, len(piece), chunk)])
    return out


async def feed_concurrently(feed: OrderedFeed, parts: list[list[tuple[int, bytes]]], seed: int) -> None:
    rng = random.Random(seed)

    async def send(part: list[tuple[int, bytes]]) -> None:
        for offset, chunk in part:
            await asyncio.sleep(rng.random() / 1000)
            await feed.feed(offset, chunk)
    await asyncio.gather(*(send(p) for p in parts))


@pytest.mark.parametrize("seed", range(5))
def test_parts_out_of_order_hash_to_the_whole_objects_md5(seed: int) -> None:
    data = os.urandom(300_000)
    md5 = hashlib.md5()
    feed = OrderedFeed([md5], limit=40_000)
    high = [0]
    original = feed.feed

    async def watched(offset: int, chunk: bytes) -> None:
        await original(offset, chunk)
        high[0] = max(high[0], feed._buffered)
    feed.feed = watched  # type: ignore[method-assign]
    asyncio.run(feed_concurrently(feed, chunks_of(data, 70_000, 9_000), seed))
    assert not feed.tainted and feed.pos == len(data)
    assert md5.hexdigest() == hashlib.md5(data).hexdigest()
    assert high[0] <= 40_000     # chunks ahead of the hashed position never exceed the bound


def test_a_resent_part_taints_the_feed_and_releases_waiting_senders() -> None:
    data = os.urandom(100_000)
    parts = chunks_of(data, 50_000, 10_000)

    async def scenario() -> OrderedFeed:
        feed = OrderedFeed([hashlib.md5()], limit=10_000)
        await feed.feed(*parts[0][0])               # part 1's first chunk is hashed
        blocked = asyncio.ensure_future(asyncio.gather(*(feed.feed(o, c) for o, c in parts[1])))
        await asyncio.sleep(0.01)
        assert not blocked.done()                  # part 2 waits: the buffer holds one chunk
        await feed.feed(*parts[0][0])               # part 1 sent again from its start
        await asyncio.wait_for(blocked, 1)          # nobody is left waiting
        return feed
    assert asyncio.run(scenario()).tainted


def test_parted_md5_is_the_multipart_etag_of_that_layout() -> None:
    data = os.urandom(5 * 1024 * 1024 * 2 + 123)
    part = 5 * 1024 * 1024
    expected = composite_etag(hashlib.md5(data[i:i + part]).hexdigest() for i in range(0, len(data), part))
    parted = PartedMD5(part)
    for i in range(0, len(data), 777_777):    # chunk edges that never meet the part edges
        parted.update(data[i:i + 777_777])
    assert parted.etag() == expected and multipart_count(expected) == 3
    whole = PartedMD5(len(data))
    whole.update(data)
    assert whole.etag() == composite_etag([hashlib.md5(data).hexdigest()])
    assert multipart_count(hashlib.md5(data).hexdigest()) is None


@pytest.mark.parametrize(("algorithm", "check"), [
    ("crc32", 0xCBF43926), ("crc32c", 0xE3069283), ("crc64nvme", 0xAE8B14860A799888)])
def test_crc_algorithms_give_their_check_values(algorithm: str, check: int) -> None:
    h = checksum_hasher(algorithm)
    h.update(b"1234")
    h.update(b"56789")
    width = 8 if algorithm == "crc64nvme" else 4
    assert encoded(h) == base64.b64encode(check.to_bytes(width, "big")).decode()


def test_sha_checksums_and_which_value_is_used() -> None:
    h = checksum_hasher("sha256")
    h.update(b"hello")
    assert encoded(h) == "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="   # as SeaweedFS published it
    assert full_object_checksum({"sha256": "x", "crc32": "y"}) == ("crc32", "y")   # the cheapest first
    assert full_object_checksum({"crc32": "abc-3"}) is None    # composite: depends on the part layout
    assert full_object_checksum(None) is None
