"""The speed table: migration-agent beside rclone on every workload, same servers, same data, one run.

    python tests/benchmarks/bench_table.py                         # every row, 3 runs of each tool after a warm-up
    python tests/benchmarks/bench_table.py --rows s3-small,oss-cos --runs 5
    python tests/benchmarks/bench_table.py --local-files 20000     # a quicker local -> local row

Rows (``--rows``, comma separated):
  s3-small   S3 -> S3, 2,000 objects of 4 KiB               (two SeaweedFS servers)
  s3-large   S3 -> S3, 4 objects of 64 MiB
  local      local folder -> local folder, 200,000 files of 100 bytes in 200 folders (``--local-files``)
  local-s3   local folder -> S3, 10,000 files of 4 KiB in 100 folders
  s3-64k     S3 -> S3, 1,000 objects of 64 KiB               (the CPU reference for the next row)
  oss-cos    OSS -> COS, the same 1,000 objects of 64 KiB, through the test gateways, which run in a process of
             their own (tests/benchmarks/gateways.py) so the agent's CPU is measured apart from theirs. rclone has
             no native OSS or COS protocol (it speaks S3 to both clouds), and the gateways verify only the
             native signatures, so its column is the same copy S3 -> S3 on the same two servers.

The tools take turns (agent, rclone, then rclone, agent, ...), every run into a fresh bucket or folder, the agent
with a fresh journal; medians are shown. Measured per run by os.wait4 on the child (started by a small launcher,
see LAUNCHER): wall time, user + sys CPU (also per 1,000 objects), peak RSS; and the servers' CPU meanwhile.
After every run the destination must hold what the source holds.

rclone comes from Debian: ``apt-get install -y rclone``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parent))

import bench_copy as common  # noqa: E402
from bench_local import make_source, same_tree  # noqa: E402
from servers.seaweed import SeaweedS3  # noqa: E402

RUN_TIMEOUT = 1800.0
ROWS = ("s3-small", "s3-large", "local", "local-s3", "s3-64k", "oss-cos")
OSS_ID, OSS_KEY = "bench-oss-id", "bench-oss-secret-0003"
COS_ID, COS_KEY = "bench-cos-id", "bench-cos-secret-0004"
APPID = "1250000000"


@dataclass
class Measure:
    wall: float
    cpu: float
    rss_mb: float
    servers_cpu: float = 0.0


@dataclass
class Row:
    name: str
    title: str
    count: int
    runs: dict[str, list[Measure]] = field(default_factory=lambda: {"agent": [], "rclone": []})
    note: str = ""

    def median(self, tool: str, attr: str) -> float:
        values = [getattr(m, attr) for m in self.runs[tool]]
        return statistics.median(values) if values else float("nan")


# A process forked from this one (large: boto3, the fill data) and then exec'ed keeps this one's peak RSS as its
# own ru_maxrss on Linux (the kernel carries the old memory's high-water mark across exec). So every measured
# command is started by a small launcher whose fork gives the command a fresh count; the launcher reports the
# command's exit code, wall time, CPU and peak RSS on a pipe.
LAUNCHER = """
import json, os, sys, time
fd = int(sys.argv[1])
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
os.write(fd, json.dumps([os.waitstatus_to_exitcode(status), time.perf_counter() - start,
                         usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024]).encode())
"""


def timed(cmd: list[str], env: dict[str, str], log: Path) -> tuple[int, Measure]:
    read, write = os.pipe()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(write), *cmd], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, pass_fds=(write,))
        os.close(write)
        killer = threading.Timer(RUN_TIMEOUT, proc.kill)
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
    with os.fdopen(read) as pipe:
        text = pipe.read()
    if not text:
        return proc.returncode or 1, Measure(float("nan"), float("nan"), float("nan"))
    code, wall, cpu, rss = json.loads(text)
    return code, Measure(wall, cpu, rss)


def location(kind: str, **fields: str) -> str:
    return f'kind = "{kind}"\n' + "".join(f"{k} = {common.toml_str(v)}\n" for k, v in fields.items())


class Table:
    def __init__(self, args: argparse.Namespace, work: Path, agent: str, rclone: str) -> None:
        self.args, self.work, self.agent, self.rclone = args, work, agent, rclone
        self.seq = 0
        self.servers: list[SeaweedS3] = []
        self.gateways: subprocess.Popen[str] | None = None
        self.endpoints: dict[str, str] = {}

    # -- set-up ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.src = SeaweedS3(self.work / "weed-src", access_key="bench-src-key",
                             secret_key="bench-src-secret-0001").start()
        self.servers.append(self.src)
        self.dst = SeaweedS3(self.work / "weed-dst", access_key="bench-dst-key",
                             secret_key="bench-dst-secret-0002").start()
        self.servers.append(self.dst)
        base = dict(os.environ, MIGRATION_WIZARD_HOME=str(self.work / "agent-home"))
        base.pop("AWS_CA_BUNDLE", None)
        self.agent_env = {**base, "SRC_ACCESS_KEY_ID": self.src.access_key,
                          "SRC_SECRET_ACCESS_KEY": self.src.secret_key,
                          "DST_ACCESS_KEY_ID": self.dst.access_key, "DST_SECRET_ACCESS_KEY": self.dst.secret_key,
                          "OSS_ACCESS_KEY_ID": OSS_ID, "OSS_SECRET_ACCESS_KEY": OSS_KEY,
                          "COS_ACCESS_KEY_ID": COS_ID, "COS_SECRET_ACCESS_KEY": COS_KEY}
        self.rclone_env = common.rclone_env(base, self.src, self.dst)
        self.rclone_conf = self.work / "rclone.conf"
        self.rclone_conf.write_text("")
        print(f"  source {self.src.endpoint}, destination {self.dst.endpoint}")

    def start_gateways(self) -> None:
        if self.gateways is not None:
            return
        spec = {"oss": {"upstream": {"endpoint": self.src.endpoint, "access_key": self.src.access_key,
                                     "secret_key": self.src.secret_key}, "id": OSS_ID, "key": OSS_KEY},
                "cos": {"upstream": {"endpoint": self.dst.endpoint, "access_key": self.dst.access_key,
                                     "secret_key": self.dst.secret_key}, "id": COS_ID, "key": COS_KEY}}
        self.gateways = subprocess.Popen([sys.executable, str(HERE.parent / "gateways.py")], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        assert self.gateways.stdin is not None and self.gateways.stdout is not None
        self.gateways.stdin.write(json.dumps(spec) + "\n")
        self.gateways.stdin.flush()
        self.endpoints = json.loads(self.gateways.stdout.readline())
        print(f"  OSS gateway {self.endpoints['oss']}, COS gateway {self.endpoints['cos']} (pid {self.gateways.pid})")

    def stop(self) -> None:
        if self.gateways is not None and self.gateways.stdin is not None:
            self.gateways.stdin.close()
            self.gateways.wait(30)
        for s in self.servers:
            s.stop()

    # -- one run --------------------------------------------------------------------------------------------
    def _agent(self, source: str, destination: str) -> tuple[list[str], dict[str, str]]:
        self.seq += 1
        task = self.work / f"task-{self.seq:03d}.toml"
        task.write_text(f'name = "bench-{self.seq}"\n\n[source]\n{source}\n[destination]\n{destination}\n'
                        f"[options]\nconcurrency = {self.args.concurrency}\n", encoding="utf-8")
        journal = self.work / f"journal-{self.seq:03d}.sqlite"
        return [self.agent, "run", str(task), "--journal", str(journal), *self.args.agent_arg], self.agent_env

    def _rclone(self, source: str, destination: str) -> tuple[list[str], dict[str, str]]:
        self.seq += 1
        return ([self.rclone, "copy", "--transfers", str(self.args.concurrency), "--checkers",
                 str(self.args.concurrency), "--config", str(self.rclone_conf), source, destination],
                self.rclone_env)

    def measure(self, row: Row, tool: str, command: tuple[list[str], dict[str, str]], check: Callable[[], str],
                counted: bool) -> bool:
        cmd, env = command
        log = self.work / f"{self.seq:03d}-{tool}-{row.name}.log"
        before = self.servers_cpu()
        code, m = timed(cmd, env, log)
        m.servers_cpu = self.servers_cpu() - before
        problem = f"exit code {code}" if code else check()
        print(f"    {tool:<6} {m.wall:8.2f} s wall {m.cpu:8.2f} CPU-s {m.rss_mb:7.0f} MB "
              f" servers {m.servers_cpu:6.2f} CPU-s"
              f"  {'ok' if not problem else 'FAILED: ' + problem}{'' if counted else '  (warm-up)'}", flush=True)
        if problem:
            print("\n".join("    | " + line for line in log.read_text(errors="replace").splitlines()[-40:]))
            return False
        if counted:
            row.runs[tool].append(m)
        return True

    def servers_cpu(self) -> float:
        """CPU seconds used so far by the servers (SeaweedFS, and the gateways when they run)."""
        pids = [s.process.pid for s in self.servers if s.process is not None]
        if self.gateways is not None:
            pids.append(self.gateways.pid)
        return sum(common.process_cpu(pid) for pid in pids)

    def rounds(self, row: Row, one: Callable[[str, bool], bool]) -> int:
        failures = 0
        for _ in range(self.args.warmup):
            for tool in ("rclone", "agent"):
                failures += not one(tool, False)
        for i in range(self.args.runs):
            for tool in (("agent", "rclone") if i % 2 == 0 else ("rclone", "agent")):
                failures += not one(tool, True)
        return failures

    # -- the rows -------------------------------------------------------------------------------------------
    def bucket_row(self, row: Row, wl: common.Workload, native: bool = False) -> int:
        """Bucket to bucket; ``native``: the agent reads OSS and writes COS through the gateways (same servers)."""
        if not wl.bucket:
            common.fill_source(self.src, wl)
        if native:
            self.start_gateways()

        def one(tool: str, counted: bool) -> bool:
            if native:   # a COS bucket carries its APPID; the gateway maps it to the upstream bucket of that name
                bucket = f"{tool[:2]}-{uuid.uuid4().hex[:10]}-{APPID}"
                self.dst.client().create_bucket(Bucket=bucket)
            else:
                bucket = common.fresh_bucket(self.dst, f"{tool[:2]}-{row.name}")
            if tool == "rclone":
                command = self._rclone(f"src:{wl.bucket}", f"dst:{bucket}")
            elif native:
                command = self._agent(location("oss", endpoint=self.endpoints["oss"], bucket=wl.bucket,
                                               region="cn-hangzhou", credentials="env:OSS"),
                                      location("cos", endpoint=self.endpoints["cos"], bucket=bucket,
                                               region="ap-guangzhou", credentials="env:COS"))
            else:
                command = self._agent(location("s3", endpoint=self.src.endpoint, bucket=wl.bucket,
                                               credentials="env:SRC"),
                                      location("s3", endpoint=self.dst.endpoint, bucket=bucket,
                                               credentials="env:DST"))
            try:
                return self.measure(row, tool, command, lambda: self.bucket_holds(bucket, wl.count,
                                                                                   wl.count * wl.size), counted)
            finally:
                common.drop_bucket(self.dst, bucket)
        return self.rounds(row, one)

    def local_row(self, row: Row, files: int, per_folder: int, size: int, to_s3: bool) -> int:
        source = self.work / f"{row.name}-src"
        t = time.monotonic()
        make_source(source, files, per_folder, size)
        for path in source.rglob("*"):
            if path.is_file():   # the first read of a new file updates its atime (relatime): no tool pays it
                path.read_bytes()
        print(f"  made and read once {files:,} files of {size} bytes in {source} in {time.monotonic() - t:.1f} s")

        def one(tool: str, counted: bool) -> bool:
            if to_s3:
                bucket = common.fresh_bucket(self.dst, f"{tool[:2]}-{row.name}")
                target = location("s3", endpoint=self.dst.endpoint, bucket=bucket, credentials="env:DST")
                rclone_target = f"dst:{bucket}"

                def check() -> str:
                    return self.bucket_holds(bucket, files, files * size)
            else:   # a new folder each run: deleting 200,000 files makes this machine's disk busy for a while
                folder = self.work / f"{row.name}-dst-{uuid.uuid4().hex[:8]}"
                target = location("local", path=str(folder))
                rclone_target = str(folder)

                def check() -> str:
                    return "" if same_tree(source, folder) else "the copy differs from the source"
            command = (self._agent(location("local", path=str(source)), target) if tool == "agent"
                       else self._rclone(str(source), rclone_target))
            try:
                return self.measure(row, tool, command, check, counted)
            finally:
                if to_s3:
                    common.drop_bucket(self.dst, bucket)
        return self.rounds(row, one)

    def bucket_holds(self, bucket: str, count: int, size: int) -> str:
        n, got = common.count_objects(self.dst, bucket)
        return "" if (n, got) == (count, size) else f"destination holds {n} objects / {got} bytes, expected " \
                                                    f"{count} / {size}"


def report(rows: list[Row]) -> None:
    print()
    head = (f"{'workload':<44} {'rclone wall':>11} {'agent wall':>10} {'ratio':>6}   {'rclone CPU':>10} "
            f"{'agent CPU':>9} {'ratio':>6}   {'CPU-s/1k obj':>13}   {'RSS MB':>11}   {'servers CPU':>13}")
    print(head)
    print("-" * len(head))
    for r in rows:
        rw, aw = r.median("rclone", "wall"), r.median("agent", "wall")
        rc, ac = r.median("rclone", "cpu"), r.median("agent", "cpu")
        per_k = f"{rc / r.count * 1000:.2f} / {ac / r.count * 1000:.2f}"
        rss = f"{r.median('rclone', 'rss_mb'):.0f} / {r.median('agent', 'rss_mb'):.0f}"
        servers = f"{r.median('rclone', 'servers_cpu'):.1f} / {r.median('agent', 'servers_cpu'):.1f}"
        print(f"{r.title:<44} {rw:>9.2f} s {aw:>8.2f} s {aw / rw:>6.2f}   {rc:>8.2f} s {ac:>7.2f} s {ac / rc:>6.2f}"
              f"   {per_k:>13}   {rss:>11}   {servers:>13}")
        if r.note:
            print(f"{'':<4}{r.note}")
    print("(medians; CPU is user + sys of the client process; CPU-s/1k obj, RSS and the servers' CPU-s during the "
          "run are rclone / agent; the machine's cores are shared by client and servers)")
    for r in rows:
        print(f"RATIO {r.name} wall {r.median('agent', 'wall') / r.median('rclone', 'wall'):.2f} "
              f"cpu {r.median('agent', 'cpu') / r.median('rclone', 'cpu'):.2f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default=",".join(ROWS), help=f"rows to run (default all: {','.join(ROWS)})")
    p.add_argument("--runs", type=int, default=3, help="measured runs of each tool per row (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds of both tools per row first (default 1)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="agent options.concurrency and rclone --transfers/--checkers (default 32)")
    p.add_argument("--local-files", type=int, default=200_000, help="files of the local -> local row")
    p.add_argument("--agent-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for `migration-agent run` (repeatable), e.g. --agent-arg=--processes=0")
    p.add_argument("--agent", help="the migration-agent command to measure (default: the one beside this Python)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args()
    wanted = [r.strip() for r in args.rows.split(",") if r.strip()]
    if unknown := [r for r in wanted if r not in ROWS]:
        p.error(f"unknown row {unknown[0]!r}; rows are {', '.join(ROWS)}")
    rclone, agent = shutil.which("rclone"), args.agent or common.find_agent()
    if not rclone or not agent:
        print("bench_table: needs rclone (apt-get install -y rclone) and migration-agent (the project's venv)",
              file=sys.stderr)
        return 2
    version = subprocess.run([rclone, "version"], capture_output=True, text=True).stdout.splitlines()[:1]
    work = Path(tempfile.mkdtemp(prefix="bench-table-"))
    print(f"bench_table: rows {', '.join(wanted)}; {args.runs} runs per tool after {args.warmup} warm-up round(s); "
          f"concurrency {args.concurrency}; {os.cpu_count()} CPUs; {' '.join(version)}; agent {agent}"
          f"{' ' + ' '.join(args.agent_arg) if args.agent_arg else ''}\n  work folder {work}")
    table = Table(args, work, agent, rclone)
    rows: list[Row] = []
    failures = 0
    k64 = common.Workload("k64", 1000, 64 * common.KiB)
    try:
        table.start()
        for name in wanted:
            print(f"\n-- {name}")
            if name == "s3-small":
                row = Row(name, "S3 -> S3, 2,000 x 4 KiB", 2000)
                failures += table.bucket_row(row, common.Workload("small", 2000, 4 * common.KiB))
            elif name == "s3-large":
                row = Row(name, "S3 -> S3, 4 x 64 MiB", 4)
                failures += table.bucket_row(row, common.Workload("large", 4, 64 * common.MiB))
            elif name == "local":
                row = Row(name, f"local -> local, {args.local_files:,} x 100 B", args.local_files)
                failures += table.local_row(row, args.local_files, 1000, 100, to_s3=False)
            elif name == "local-s3":
                row = Row(name, "local -> S3, 10,000 x 4 KiB", 10_000)
                failures += table.local_row(row, 10_000, 100, 4 * common.KiB, to_s3=True)
            elif name == "s3-64k":
                row = Row(name, "S3 -> S3, 1,000 x 64 KiB", 1000)
                failures += table.bucket_row(row, k64)
            else:
                row = Row(name, "OSS -> COS, 1,000 x 64 KiB (gateways apart)", 1000,
                          note="rclone column: the same copy S3 -> S3 (rclone has no native OSS/COS protocol)")
                failures += table.bucket_row(row, k64, native=True)
            rows.append(row)
    finally:
        table.stop()
        report([r for r in rows if r.runs["agent"] and r.runs["rclone"]])   # before the slow clean-up
        if args.keep or failures:
            print(f"\nkept {work}")
        else:
            print(f"\nremoving {work} (hundreds of thousands of files take a while here)", flush=True)
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
