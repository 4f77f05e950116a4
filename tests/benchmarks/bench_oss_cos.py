"""An OSS -> COS run through the test gateways (real oss2 and cos-python-sdk-v5 on the agent's side), timed.

    python tests/benchmarks/bench_oss_cos.py [--small 1000] [--large 4]

Two SeaweedFS servers; the OSS gateway in front of the source, the COS gateway in front of the destination,
both in this process (their CPU is part of the picture: they verify signatures and compute CRC-64 of every
object). Prints objects/s and MB/s of `migration-agent run`, and checks the copy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from servers.cos_gateway import CosGateway  # noqa: E402
from servers.oss_gateway import OssGateway  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402

OSS_ID, OSS_KEY = "bench-oss-id", "bench-oss-secret"
COS_ID, COS_KEY = "bench-cos-id", "bench-cos-secret"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", type=int, default=1000, help="objects of 64 KiB (default 1000)")
    p.add_argument("--large", type=int, default=4, help="objects of 32 MiB (default 4)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-oss-cos-"))
    src, dst = SeaweedS3(work / "src").start(), SeaweedS3(work / "dst").start()
    oss, cos = OssGateway(src, OSS_ID, OSS_KEY).start(), CosGateway(dst, COS_ID, COS_KEY).start()
    try:
        src.client().create_bucket(Bucket="bench-src")
        dst.client().create_bucket(Bucket="bench-1250000000")
        objects = {f"small/{i:05d}.bin": os.urandom(64 * 1024) for i in range(args.small)}
        objects.update({f"large/{i}.bin": os.urandom(32 * 1024 * 1024) for i in range(args.large)})
        client = src.client()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda kv: client.put_object(Bucket="bench-src", Key=kv[0], Body=kv[1]), objects.items()))
        total = sum(len(v) for v in objects.values())
        task = work / "task.toml"
        task.write_text(f'name = "bench"\n[source]\nkind = "oss"\nendpoint = "{oss.endpoint}"\nregion = "cn-hangzhou"\n'
                        f'bucket = "bench-src"\ncredentials = "env:OSS"\n[destination]\nkind = "cos"\n'
                        f'endpoint = "{cos.endpoint}"\nregion = "ap-guangzhou"\nbucket = "bench-1250000000"\n'
                        f'credentials = "env:COS"\n[options]\nconcurrency = 32\n', encoding="utf-8")
        env = dict(os.environ, OSS_ACCESS_KEY_ID=OSS_ID, OSS_SECRET_ACCESS_KEY=OSS_KEY, COS_ACCESS_KEY_ID=COS_ID,
                   COS_SECRET_ACCESS_KEY=COS_KEY, MIGRATION_WIZARD_HOME=str(work / "home"))
        before = os.times()
        start = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "wizard.agent.cli", "run", str(task), "--journal",
                              str(work / "j.sqlite")], env=env, capture_output=True, text=True)
        wall = time.monotonic() - start
        after = os.times()
        if run.returncode != 0:
            print(run.stderr)
            return 1
        listed = dst.client().list_objects_v2(Bucket="bench-1250000000", MaxKeys=1000)
        count = listed.get("KeyCount", 0)
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        print(f"OSS -> COS through the gateways: {len(objects):,} objects, {total / 1e6:,.0f} MB "
              f"({args.small} x 64 KiB + {args.large} x 32 MiB)")
        print(f"  wall {wall:.2f} s: {len(objects) / wall:,.0f} objects/s, {total / wall / 1e6:,.1f} MB/s; "
              f"agent CPU {cpu:.2f} s; first page at the destination holds {count} keys")
        return 0
    finally:
        oss.stop()
        cos.stop()
        src.stop()
        dst.stop()


if __name__ == "__main__":
    sys.exit(main())
