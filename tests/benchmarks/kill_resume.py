"""Kill-and-resume soak: SIGKILL the agent at random moments of one task until it finishes, and count what each
kill made it send again.

    python tests/benchmarks/kill_resume.py                 # 10 kills, seed 1
    python tests/benchmarks/kill_resume.py --kills 20 --seed 7

Two SeaweedFS servers on 127.0.0.1 and the tests' fault proxy in front of the destination, which counts every
object written (PUT, or CompleteMultipartUpload) and every part. The task: 2,000 small objects and 6 of 24 MiB
(5 MiB parts), concurrency 32, under a bandwidth limit so a run lasts long enough to be killed several times.
Each round starts ``migration-agent run``, kills it after a random 0.3-2.5 s, and counts objects and parts
written more than once since the start. After the kills a last run finishes the task; the destination must then
hold exactly the source's bytes with no multipart upload left. Prints re-sent objects and parts per kill.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[1] / "agent")]

from conftest import s3_side, write_task  # noqa: E402
from servers.faultproxy import FaultProxy  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402
from test_run_s3 import contents, fill, uploads_left  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bandwidth", default="12MiB", help="the task's bandwidth limit (how long a run lasts)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    src = SeaweedS3(tmp / "src", access_key="srckey-0001", secret_key="srcsecret-0001").start()
    dst = SeaweedS3(tmp / "dst", access_key="dstkey-0002", secret_key="dstsecret-0002").start()
    proxy = FaultProxy(dst.endpoint).start()
    try:
        for server in (src, dst):
            server.client().create_bucket(Bucket="soak")
        objects = {f"small/{i:05d}": os.urandom(2048 + i % 500) for i in range(2000)}
        objects.update({f"big/{i}.bin": os.urandom(24 * 1024 * 1024) for i in range(6)})
        fill(src, "soak", objects)
        env = dict(os.environ, MIGRATION_WIZARD_HOME=str(tmp / "home"), SRC_ACCESS_KEY_ID=src.access_key,
                   SRC_SECRET_ACCESS_KEY=src.secret_key, DST_ACCESS_KEY_ID=dst.access_key,
                   DST_SECRET_ACCESS_KEY=dst.secret_key)
        sides = (s3_side(src, "soak", "env:SRC"), s3_side(proxy.url, "soak", "env:DST"))
        task = write_task(tmp / "t.toml", *sides, concurrency=32, part_size="5MiB", multipart_threshold="5MiB",
                          bandwidth_limit=args.bandwidth)
        cmd = [sys.executable, "-m", "wizard.agent.cli", "run", str(task), "--journal", str(tmp / "j.sqlite")]
        resent_objects, resent_parts = [], []
        for n in range(1, args.kills + 1):
            before_o = sum(max(0, c - 1) for c in proxy.writes.values())
            before_p = sum(max(0, c - 1) for c in proxy.parts.values())
            child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.3, 2.5)
            time.sleep(delay)
            if child.poll() is not None:
                print(f"round {n}: the task finished before the kill ({delay:.2f} s)")
                break
            child.send_signal(signal.SIGKILL)
            child.wait()
            time.sleep(0.3)   # let writes the proxy was forwarding land
            # What this kill's *previous* round sent twice shows up in this round: count after each run.
            resent_objects.append(sum(max(0, c - 1) for c in proxy.writes.values()) - before_o)
            resent_parts.append(sum(max(0, c - 1) for c in proxy.parts.values()) - before_p)
            print(f"round {n}: killed after {delay:.2f} s; written so far {sum(proxy.writes.values())} objects")
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        total_o = sum(max(0, c - 1) for c in proxy.writes.values())
        total_p = sum(max(0, c - 1) for c in proxy.parts.values())
        ok = r.returncode == 0 and contents(dst, "soak") == objects and not uploads_left(dst, "soak")
        print(f"kills: {len(resent_objects)}; final run exit {r.returncode}; destination byte-exact and no upload "
              f"left: {ok}")
        print(f"objects written more than once: {total_o} in all "
              f"({total_o / max(1, len(resent_objects)):.2f} per kill); parts sent again: {total_p}")
        twice = sorted(k for k, c in proxy.writes.items() if c > 1)
        if twice:
            print("written more than once:", ", ".join(twice[:20]))
        return 0 if ok else 1
    finally:
        proxy.stop()
        src.stop()
        dst.stop()


if __name__ == "__main__":
    sys.exit(main())
