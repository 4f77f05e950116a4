"""CRC-64/XZ throughput as the copier feeds it: 256 KiB chunks, incremental, plus part combination.

    python tests/benchmarks/bench_crc64.py [--mib 512]

Prints MB/s for wizard.crc64 (anycrc) and, when installed, for crcmod (what oss2 uses), on the same bytes.
"""

from __future__ import annotations

import argparse
import os
import time

from wizard.crc64 import Crc64, combine, crc64

CHUNK = 256 * 1024


def rate(label: str, seconds: float, nbytes: int) -> None:
    print(f"  {label:<34} {nbytes / seconds / 1e6:>9,.0f} MB/s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mib", type=int, default=512, help="bytes to checksum, in MiB (default 512)")
    args = p.parse_args()
    block = os.urandom(64 * 1024 * 1024)
    total = args.mib * 1024 * 1024
    print(f"CRC-64/XZ over {args.mib} MiB in {CHUNK // 1024} KiB chunks")
    c = Crc64()
    start = time.perf_counter()
    done = 0
    while done < total:
        view = memoryview(block)
        for i in range(0, len(block), CHUNK):
            c.update(view[i:i + CHUNK])
        done += len(block)
    rate("wizard.crc64 (anycrc), incremental", time.perf_counter() - start, done)
    start = time.perf_counter()
    parts = [crc64(block[i:i + 8 * 1024 * 1024]) for i in range(0, len(block), 8 * 1024 * 1024)]
    whole = parts[0]
    for part in parts[1:]:
        whole = combine(whole, part, 8 * 1024 * 1024)
    assert whole == crc64(block)
    rate("8 MiB parts, then combined", time.perf_counter() - start, len(block))
    try:
        import crcmod  # type: ignore[import-untyped]
    except ImportError:
        print("  crcmod not installed: pip install crcmod to compare")
        return
    fn = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    start = time.perf_counter()
    value = 0
    for i in range(0, len(block), CHUNK):
        value = fn(block[i:i + CHUNK], value)
    assert value == crc64(block)
    rate("crcmod (oss2's), incremental", time.perf_counter() - start, len(block))


if __name__ == "__main__":
    main()
