"""CRC-64/XZ (ECMA-182, reflected), the checksum OSS and COS publish as ``x-oss-hash-crc64ecma`` and
``x-cos-hash-crc64ecma``: computed incrementally while streaming, and combined across multipart parts.

Backed by anycrc (C, measured about 6.9 GB/s here against 0.3 GB/s for crcmod, the module oss2 uses), so the
checksum is never what limits a copy.
"""

from __future__ import annotations

import anycrc

_MODEL = anycrc.Model("CRC64-XZ")


def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The CRC of ``data``, continuing from ``crc`` (the CRC of the bytes before it)."""
    return int(_MODEL.calc(data, crc)) if crc else int(_MODEL.calc(data))


def combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC of A followed by B from the CRCs of A and B and B's length (for multipart objects)."""
    return int(_MODEL.combine(crc_a, crc_b, length_b))


class Crc64:
    """An incremental CRC-64/XZ, fed chunk by chunk; ``value`` is the CRC so far (0 for no bytes)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self.value = crc64(data, self.value)


def parse_header(value: str | None) -> int | None:
    """A ``x-oss-/x-cos-hash-crc64ecma`` header (decimal) as an int; None when absent or garbled."""
    try:
        return int(value) if value else None
    except ValueError:
        return None
