"""CRC-64/XZ: the standard check value, incremental feeding and part combination."""

from __future__ import annotations

import os

from wizard.crc64 import Crc64, combine, crc64


def reference(data: bytes) -> int:
    """Bit-by-bit CRC-64/XZ straight from its definition (reflected poly, init and xorout all ones)."""
    poly = 0xC96C5795D7870F42
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFFFFFFFFFF


def test_check_value_and_reference() -> None:
    assert crc64(b"123456789") == 0x995DC9BBDF1939FA
    data = os.urandom(3000)
    assert crc64(data) == reference(data)
    assert crc64(b"") == 0


def test_incremental_and_combined_parts_agree_with_the_whole() -> None:
    data = os.urandom(1 << 20)
    c = Crc64()
    for i in range(0, len(data), 65537):
        c.update(data[i:i + 65537])
    assert c.value == crc64(data)
    parts = [data[:300_000], data[300_000:700_000], data[700_000:]]
    whole = crc64(parts[0])
    for part in parts[1:]:
        whole = combine(whole, crc64(part), len(part))
    assert whole == crc64(data)
