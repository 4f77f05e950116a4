"""migration-agent against rclone, copying the same data between two real SeaweedFS servers on loopback.

    python tests/benchmarks/bench_copy.py                          # both workloads, 3 runs of each tool
    python tests/benchmarks/bench_copy.py --workload small --runs 5

Workloads: ``small`` is 2,000 objects of 4 KiB, ``large`` is 4 objects of 64 MiB (random bytes). The source
bucket of each is filled once with boto3. Every run copies into a fresh destination bucket (and the agent gets
a fresh journal). One untimed warm-up round of each tool comes first (``--warmup``), then the tools take turns
(agent, rclone, then rclone, agent, ...) so neither always runs on a warmer server. Measured per run: wall
time, and the client's CPU (user + sys of the child, from os.wait4); the servers' CPU is shown for context.
After every run the destination must hold as many objects (and bytes) as the source.

rclone comes from Debian: ``apt-get install -y rclone``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from servers.seaweed import SeaweedS3  # noqa: E402

KiB, MiB = 1024, 1024 * 1024
RUN_TIMEOUT = 900.0


@dataclass
class Workload:
    name: str
    count: int
    size: int
    bucket: str = ""

    def describe(self) -> str:
        unit = f"{self.size // MiB} MiB" if self.size >= MiB else f"{self.size // KiB} KiB"
        return f"{self.count:,} objects x {unit}"


@dataclass
class Run:
    tool: str
    wall: float
    cpu: float
    server_cpu: float
    ok: bool
    note: str = ""


@dataclass
class Results:
    runs: list[Run] = field(default_factory=list)

    def of(self, tool: str) -> list[Run]:
        return [r for r in self.runs if r.tool == tool and r.ok]


# -- servers and data -------------------------------------------------------------------------------------------
def process_cpu(pid: int) -> float:
    """user + sys seconds of one process (and its reaped children) from /proc; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in fields[11:15]) / ticks   # utime, stime, cutime, cstime


def servers_cpu(servers: list[SeaweedS3]) -> float:
    return sum(process_cpu(s.process.pid) for s in servers if s.process is not None)


def fill_source(server: SeaweedS3, wl: Workload) -> None:
    client = server.client()
    wl.bucket = f"src-{wl.name}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=wl.bucket)
    t = time.monotonic()
    if wl.size < MiB:
        def put(i: int) -> None:
            client.put_object(Bucket=wl.bucket, Key=f"small/{i:06d}.bin", Body=os.urandom(wl.size))
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(put, range(wl.count)))
    else:
        for i in range(wl.count):   # one PUT each: the source ETags are plain MD5s
            client.put_object(Bucket=wl.bucket, Key=f"large/{i:03d}.bin", Body=os.urandom(wl.size))
    n, size = count_objects(server, wl.bucket)
    if (n, size) != (wl.count, wl.count * wl.size):
        raise SystemExit(f"source bucket {wl.bucket} holds {n} objects / {size} bytes after filling, expected "
                         f"{wl.count} / {wl.count * wl.size}")
    print(f"  filled {server.endpoint}/{wl.bucket}: {wl.describe()} in {time.monotonic() - t:.1f} s")


def count_objects(server: SeaweedS3, bucket: str) -> tuple[int, int]:
    n = size = 0
    for page in server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            n += 1
            size += o["Size"]
    return n, size


def fresh_bucket(server: SeaweedS3, stem: str) -> str:
    """A new, empty bucket whose storage is already allocated (SeaweedFS grows volumes on a collection's
    first write; that one-time cost would otherwise land on whichever tool writes first)."""
    name = f"{stem}-{uuid.uuid4().hex[:10]}"
    client = server.client()
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="warmup", Body=b"x")
    client.delete_object(Bucket=name, Key="warmup")
    return name


def drop_bucket(server: SeaweedS3, bucket: str) -> None:
    """Empty and delete a destination bucket so later runs find the server as the earlier ones did."""
    client = server.client()
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [{"Key": o["Key"]} for o in page.get("Contents", [])]
    for i in range(0, len(keys), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": keys[i:i + 1000], "Quiet": True})
    try:
        client.delete_bucket(Bucket=bucket)
    except Exception as exc:  # noqa: BLE001 - a leftover bucket does not spoil the measurement
        print(f"    (could not delete bucket {bucket}: {exc})")


# -- timed children -----------------------------------------------------------------------------------------------
def timed(cmd: list[str], env: dict[str, str], log: Path) -> tuple[int, float, float]:
    """Run a child with stdout and stderr into ``log``; returns (exit code, wall s, user+sys CPU s)."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        killer = threading.Timer(RUN_TIMEOUT, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime


def rclone_env(base: dict[str, str], src: SeaweedS3, dst: SeaweedS3) -> dict[str, str]:
    """``base`` with rclone remotes ``src:`` and ``dst:`` for the two servers (secrets in the environment only)."""
    env = dict(base)
    for remote, server in (("SRC", src), ("DST", dst)):
        env.update({
            f"RCLONE_CONFIG_{remote}_TYPE": "s3", f"RCLONE_CONFIG_{remote}_PROVIDER": "Other",
            f"RCLONE_CONFIG_{remote}_ENDPOINT": server.endpoint,
            f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": server.access_key,
            f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": server.secret_key,
            f"RCLONE_CONFIG_{remote}_REGION": "us-east-1"})
    return env


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_task(path: Path, src: SeaweedS3, src_bucket: str, dst: SeaweedS3, dst_bucket: str,
               concurrency: int) -> None:
    path.write_text(
        f"name = {toml_str(path.stem)}\n\n"
        f"[source]\nkind = \"s3\"\nendpoint = {toml_str(src.endpoint)}\nbucket = {toml_str(src_bucket)}\n"
        f"credentials = \"env:SRC\"\n\n"
        f"[destination]\nkind = \"s3\"\nendpoint = {toml_str(dst.endpoint)}\nbucket = {toml_str(dst_bucket)}\n"
        f"credentials = \"env:DST\"\n\n"
        f"[options]\nconcurrency = {concurrency}\n", encoding="utf-8")


class Bench:
    def __init__(self, src: SeaweedS3, dst: SeaweedS3, work: Path, agent: str, rclone: str,
                 concurrency: int) -> None:
        self.src, self.dst, self.work = src, dst, work
        self.agent, self.rclone, self.concurrency = agent, rclone, concurrency
        self.rclone_conf = work / "rclone.conf"
        self.rclone_conf.write_text("")
        base = dict(os.environ)
        base["MIGRATION_WIZARD_HOME"] = str(work / "agent-home")
        self.agent_env = {**base,
                          "SRC_ACCESS_KEY_ID": src.access_key, "SRC_SECRET_ACCESS_KEY": src.secret_key,
                          "DST_ACCESS_KEY_ID": dst.access_key, "DST_SECRET_ACCESS_KEY": dst.secret_key}
        self.rclone_env = rclone_env(base, src, dst)
        self.seq = 0

    def one(self, tool: str, wl: Workload, label: str = "") -> Run:
        self.seq += 1
        bucket = fresh_bucket(self.dst, f"{'ag' if tool == 'agent' else 'rc'}-{wl.name}")
        log = self.work / f"{self.seq:03d}-{tool}-{wl.name}.log"
        if tool == "agent":
            task = self.work / f"task-{self.seq:03d}.toml"
            write_task(task, self.src, wl.bucket, self.dst, bucket, self.concurrency)
            journal = self.work / f"journal-{self.seq:03d}.sqlite"
            cmd, env = [self.agent, "run", str(task), "--journal", str(journal)], self.agent_env
        else:
            cmd = ["env", "-u", "AWS_CA_BUNDLE", self.rclone, "copy", "--transfers", str(self.concurrency),
                   "--checkers", str(self.concurrency), "--config", str(self.rclone_conf),
                   f"src:{wl.bucket}", f"dst:{bucket}"]
            env = self.rclone_env
        server_before = servers_cpu([self.src, self.dst])
        code, wall, cpu = timed(cmd, env, log)
        server = servers_cpu([self.src, self.dst]) - server_before
        n, size = count_objects(self.dst, bucket)
        ok, note = True, ""
        if code != 0:
            ok, note = False, f"exit code {code}"
        elif (n, size) != (wl.count, wl.count * wl.size):
            ok, note = False, (f"destination holds {n} objects / {size} bytes, expected {wl.count} / "
                               f"{wl.count * wl.size}")
        status = "ok" if ok else f"FAILED ({note})"
        print(f"    {tool:<6} run {self.seq:>3}: wall {wall:7.2f} s  cpu {cpu:6.2f} s  servers cpu {server:6.2f} s"
              f"  -> {n:,} objects  {status}{'  (' + label + ', not counted)' if label else ''}")
        if not ok:
            text = log.read_text(errors="replace")
            print(f"    ---- {tool} output ({log}) ----")
            print("\n".join("    | " + line for line in text.rstrip().splitlines()[-60:]))
            print("    ----")
        drop_bucket(self.dst, bucket)
        return Run(tool, wall, cpu, server, ok, note)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(wl: Workload, res: Results) -> str:
    agent, rclone = res.of("agent"), res.of("rclone")
    rows = [("migration-agent", agent), ("rclone", rclone)]
    print()
    print(f"== {wl.name}: {wl.describe()} ({wl.count * wl.size / MiB:,.1f} MiB), "
          f"{len(agent)} + {len(rclone)} good runs ==")
    print(f"  {'tool':<16} {'median wall s':>14} {'median CPU s':>13} {'server CPU s':>13} {'obj/s':>9} "
          f"{'MiB/s':>8}   walls")
    for name, runs in rows:
        w = median([r.wall for r in runs])
        print(f"  {name:<16} {w:>14.2f} {median([r.cpu for r in runs]):>13.2f} "
              f"{median([r.server_cpu for r in runs]):>13.2f} {wl.count / w:>9,.0f} "
              f"{wl.count * wl.size / MiB / w:>8,.1f}   {', '.join(f'{r.wall:.2f}' for r in runs)}")
    failed = [r for r in res.runs if not r.ok]
    if failed:
        print(f"  failed runs: {', '.join(f'{r.tool} ({r.note})' for r in failed)}")
    ratio = median([r.wall for r in agent]) / median([r.wall for r in rclone]) if agent and rclone else float("nan")
    print(f"  ratio migration-agent / rclone, median wall: {ratio:.2f}")
    return (f"RATIO {wl.name} {ratio:.2f} wall, cpu agent {median([r.cpu for r in agent]):.1f} s vs rclone "
            f"{median([r.cpu for r in rclone]):.1f} s")


def find_agent() -> str | None:
    beside = Path(sys.executable).parent / "migration-agent"
    return str(beside) if beside.exists() else shutil.which("migration-agent")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="runs of each tool per workload (default 3)")
    p.add_argument("--workload", choices=("small", "large", "both"), default="both")
    p.add_argument("--warmup", type=int, default=1,
                   help="untimed rounds of both tools per workload before the measured runs (default 1)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="agent options.concurrency and rclone --transfers/--checkers (default 32)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (server data, logs, journals)")
    args = p.parse_args()

    rclone = shutil.which("rclone")
    if not rclone:
        print("bench_copy: rclone is not on PATH. Install it from Debian with:\n\n"
              "    apt-get update && apt-get install -y rclone\n", file=sys.stderr)
        return 2
    agent = find_agent()
    if not agent:
        print("bench_copy: migration-agent not found beside this Python or on PATH; run with the project's venv "
              "(pip install -e .[test])", file=sys.stderr)
        return 2
    version = subprocess.run([rclone, "version"], capture_output=True, text=True).stdout.splitlines()[:1]
    workloads = [w for w in (Workload("small", 2000, 4 * KiB), Workload("large", 4, 64 * MiB))
                 if args.workload in (w.name, "both")]

    work = Path(tempfile.mkdtemp(prefix="bench-copy-"))
    print(f"bench_copy: {', '.join(w.name for w in workloads)}; {args.runs} runs per tool after {args.warmup} "
          f"warm-up round(s); concurrency "
          f"{args.concurrency}; {os.cpu_count()} CPUs; {' '.join(version)}; agent {agent}")
    print(f"  work folder {work}")
    servers: list[SeaweedS3] = []
    lines: list[str] = []
    failures = 0
    try:
        src = SeaweedS3(work / "weed-src", access_key="bench-src-key", secret_key="bench-src-secret-0001").start()
        servers.append(src)
        dst = SeaweedS3(work / "weed-dst", access_key="bench-dst-key", secret_key="bench-dst-secret-0002").start()
        servers.append(dst)
        print(f"  source {src.endpoint}, destination {dst.endpoint}")
        bench = Bench(src, dst, work, agent, rclone, args.concurrency)
        for wl in workloads:
            print(f"\n-- {wl.name}: {wl.describe()}")
            fill_source(src, wl)
            for _ in range(args.warmup):
                for tool in ("rclone", "agent"):
                    run = bench.one(tool, wl, label="warm-up")
                    if not run.ok:
                        failures += 1
            res = Results()
            for i in range(args.runs):
                order = ("agent", "rclone") if i % 2 == 0 else ("rclone", "agent")
                for tool in order:
                    res.runs.append(bench.one(tool, wl))
            failures += sum(not r.ok for r in res.runs)
            lines.append(report(wl, res))
    finally:
        for s in servers:
            s.stop()
        if args.keep or failures:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    for line in lines:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
