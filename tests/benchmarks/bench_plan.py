"""Planning alone, at scale: how long the planner takes to record N objects, how much memory it needs, how
big the journal gets, and how long a restarted agent takes before it could start its first transfer.

    python tests/benchmarks/bench_plan.py                    # 1,000,000 objects
    python tests/benchmarks/bench_plan.py --objects 200000

The source is synthetic (no network, no disk): a Store whose listing generates sorted pages of 1,000
ObjectInfo. The destination is an empty local folder; with same_name = "overwrite" the planner never lists it.
Each measurement runs in its own child process so its peak RSS is its own (the parent reads it from wait4's
rusage and the child reports VmHWM from /proc/self/status).

Goals: peak RSS of the planning process <= 150 MB; restart to first transfer <= 2 s.
"""

# Nothing from wizard is imported at module level: the restart child measures from before that import.
import time

_SCRIPT_START = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RSS_GOAL_MB = 150.0
RESTART_GOAL_S = 2.0
PAGE = 1000


def vm_status(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB (0 when unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def synthetic_store_class():  # type: ignore[no-untyped-def]
    """The in-script source: defined lazily so importing this file does not import wizard."""
    from wizard.storage.base import ObjectInfo, Store

    class SyntheticStore(Store):
        """``count`` objects data/000000000.bin ... in key order, 4 KiB each, listed 1,000 per page."""

        name = "synthetic"

        def __init__(self, count: int, page: int = PAGE) -> None:
            self.count = count
            self.page = page

        @staticmethod
        def key(i: int) -> str:
            return f"data/{i:09d}.bin"

        def _first_after(self, start_after: str) -> int:
            """Index of the first key that sorts after ``start_after`` (binary search on the key order)."""
            lo, hi = 0, self.count
            while lo < hi:
                mid = (lo + hi) // 2
                if self.key(mid) <= start_after:
                    lo = mid + 1
                else:
                    hi = mid
            return lo

        async def list_pages(self, prefix: str = "", start_after: str = ""):  # type: ignore[no-untyped-def, override]
            i = self._first_after(start_after) if start_after else 0
            mtime = 1_700_000_000.0
            while i < self.count:
                end = min(i + self.page, self.count)
                page = [ObjectInfo(key=f"data/{n:09d}.bin", size=4096, etag=f"{n:032x}", mtime=mtime)
                        for n in range(i, end)]
                page = [o for o in page if o.key.startswith(prefix)] if prefix else page
                i = end
                if page:
                    yield page

        async def head(self, key: str):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        async def read(self, key: str, start: int = 0, length: int | None = None):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        async def write(self, key, body, size, *, md5=None, content_type=None, metadata=None):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        async def delete(self, key: str) -> None:
            raise NotImplementedError

    return SyntheticStore


# -- child: planning --------------------------------------------------------------------------------------------
def child_plan(objects: int, journal_path: str, dest: str, baseline: bool) -> dict[str, float]:
    import asyncio

    from wizard.engine.events import Counters
    from wizard.engine.journal import Journal
    from wizard.engine.planner import Planner
    from wizard.storage.local import LocalStore
    from wizard.task import Options

    store_cls = synthetic_store_class()
    out: dict[str, float] = {"rss_after_imports_mb": vm_status("VmRSS")}

    if baseline:
        async def drain() -> int:
            n = 0
            async for page in store_cls(objects).list_pages():
                n += len(page)
            return n
        t = time.perf_counter()
        asyncio.run(drain())
        out["source_only_s"] = time.perf_counter() - t

    async def plan() -> tuple[float, int]:
        src, dst = store_cls(objects), LocalStore(dest)
        journal = Journal(journal_path, "bench-plan-identity", "bench-plan")
        counters = Counters()
        try:
            planner = Planner(src, dst, journal, Options(), "", "", counters, asyncio.Event())
            t0 = time.perf_counter()
            await planner.run()
            elapsed = time.perf_counter() - t0
            counts = journal.counts()
        finally:
            journal.close()
        return elapsed, counts["pending"][0]

    elapsed, pending = asyncio.run(plan())
    out.update({"plan_s": elapsed, "pending": pending,
                "vmhwm_mb": vm_status("VmHWM"), "rss_end_mb": vm_status("VmRSS")})
    return out


# -- child: restart to first transfer -----------------------------------------------------------------------------
def child_restart(journal_path: str) -> dict[str, float]:
    marks: dict[str, float] = {"script_start": _SCRIPT_START}
    from wizard.engine.journal import Journal  # what the runner needs before its first copy
    marks["imported"] = time.monotonic()
    journal = Journal(journal_path, "bench-plan-identity", "bench-plan")
    marks["opened"] = time.monotonic()
    journal.counts()
    marks["counted"] = time.monotonic()
    journal.listing_state()
    marks["listing_state"] = time.monotonic()
    rows = journal.next_todo(0, 1000)
    marks["first_row"] = time.monotonic()
    journal.close()
    marks["rows"] = float(len(rows))
    marks["vmhwm_mb"] = vm_status("VmHWM")
    return marks


# -- parent ---------------------------------------------------------------------------------------------------------
def spawn(args: list[str], timeout: float) -> tuple[dict[str, float], float, float, float, float]:
    """Run this script as a child, reaped with os.wait4 for its own peak RSS and CPU; returns (its JSON answer,
    wall s, monotonic time it was started at, ru_maxrss MB, user+sys s)."""
    import threading

    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], stdout=out_file,
                                stderr=err_file, cwd=str(ROOT))
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"child {args[0]} failed with exit code {proc.returncode}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    return answer, wall, started, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def evict(path: Path) -> None:
    """Drop this one file's clean pages from the page cache, so the next reader goes to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def file_mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER GOAL"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--objects", type=int, default=1_000_000, help="objects to plan (default 1,000,000)")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip timing the synthetic listing alone (it is subtracted to show the planner's own cost)")
    p.add_argument("--restarts", type=int, default=3, help="restart measurements (default 3; the median is shown)")
    p.add_argument("--cold", action="store_true",
                   help="evict the journal's pages from the page cache (posix_fadvise) before each restart")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder with the journal")
    p.add_argument("--child-plan", nargs=3, metavar=("OBJECTS", "JOURNAL", "DEST"), help=argparse.SUPPRESS)
    p.add_argument("--child-baseline", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child-restart", metavar="JOURNAL", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child_plan:
        n, journal, dest = args.child_plan
        print(json.dumps(child_plan(int(n), journal, dest, args.child_baseline)))
        return 0
    if args.child_restart:
        print(json.dumps(child_restart(args.child_restart)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    journal = work / "journal.sqlite"
    dest = work / "dest"
    dest.mkdir()
    print(f"bench_plan: {args.objects:,} synthetic objects, journal {journal}")
    print(f"python {sys.version.split()[0]} at {sys.executable}, {os.cpu_count()} CPUs")
    try:
        child_args = ["--child-plan", str(args.objects), str(journal), str(dest)]
        if not args.no_baseline:
            child_args.append("--child-baseline")
        res, wall, _started, maxrss, cpu = spawn(child_args, timeout=3600)
        db, wal, shm = journal, Path(str(journal) + "-wal"), Path(str(journal) + "-shm")
        journal_mb = file_mb(db) + file_mb(wal) + file_mb(shm)
        peak = max(maxrss, res["vmhwm_mb"])
        rate = args.objects / res["plan_s"] if res["plan_s"] else float("inf")

        restarts = []
        for _ in range(max(1, args.restarts)):
            if args.cold:
                evict(journal)
            marks, r_wall, started, r_maxrss, _cpu = spawn(["--child-restart", str(journal)], timeout=600)
            if int(marks["rows"]) == 0:
                raise SystemExit("restart child found no pending row: the planning did not record anything")
            restarts.append((marks["first_row"] - started, started, marks, r_maxrss))
        restarts.sort(key=lambda t: t[0])
        total, started, marks, r_maxrss = restarts[len(restarts) // 2]

        print()
        print("PLANNING")
        print(f"  objects planned          {res['pending']:>14,.0f}  (asked {args.objects:,})")
        print(f"  planning wall time       {res['plan_s']:>14.2f} s")
        print(f"  objects per second       {rate:>14,.0f}")
        if "source_only_s" in res:
            own = res["plan_s"] - res["source_only_s"]
            print(f"  of which synthetic list  {res['source_only_s']:>14.2f} s  (planner + journal alone: {own:.2f} s,"
                  f" {args.objects / own if own > 0 else float('inf'):,.0f} obj/s)")
        print(f"  child process wall / CPU {wall:>14.2f} s / {cpu:.2f} s (interpreter, imports, baseline included)")
        print(f"  journal on disk          {journal_mb:>14.1f} MB  (db {file_mb(db):.1f} MB, wal {file_mb(wal):.1f} MB,"
              f" shm {file_mb(shm):.1f} MB; {journal_mb * 1e6 / max(1, args.objects):.0f} B/object)")
        print(f"  RSS after imports        {res['rss_after_imports_mb']:>14.1f} MB")
        print(f"  peak RSS (ru_maxrss)     {maxrss:>14.1f} MB  (VmHWM in the child: {res['vmhwm_mb']:.1f} MB)")
        print(f"  goal peak RSS <= {RSS_GOAL_MB:.0f} MB:  {verdict(peak <= RSS_GOAL_MB)} ({peak:.1f} MB)")
        print()
        print(f"RESTART TO FIRST TRANSFER (median of {len(restarts)}, journal "
              f"{'evicted from' if args.cold else 'warm in'} the page cache)")
        steps = [("interpreter start to script", marks["script_start"] - started),
                 ("import wizard.engine.journal", marks["imported"] - marks["script_start"]),
                 ("Journal(...) opened", marks["opened"] - marks["imported"]),
                 ("counts()", marks["counted"] - marks["opened"]),
                 ("listing_state()", marks["listing_state"] - marks["counted"]),
                 ("next_todo(0, 1000)", marks["first_row"] - marks["listing_state"])]
        for label, secs in steps:
            print(f"  {label:<30} {secs * 1000:>10.1f} ms")
        print(f"  {'total: spawn to first row':<30} {total * 1000:>10.1f} ms"
              f"   (all runs: {', '.join(f'{t:.3f}' for t, *_ in restarts)} s)")
        in_script = marks["first_row"] - marks["script_start"]
        print(f"  {'from script start (pre-import)':<30} {in_script * 1000:>10.1f} ms")
        print(f"  peak RSS of the restart child  {r_maxrss:>8.1f} MB")
        print(f"  goal restart <= {RESTART_GOAL_S:.0f} s:  {verdict(total <= RESTART_GOAL_S)} ({total:.2f} s)")
        print()
        print(f"RESULT plan {args.objects:,} objects in {res['plan_s']:.1f} s ({rate:,.0f} obj/s), "
              f"peak RSS {peak:.0f} MB (goal <= {RSS_GOAL_MB:.0f}), journal {journal_mb:.0f} MB, restart {total:.2f} s"
              f" (goal <= {RESTART_GOAL_S:.0f})")
        return 0 if peak <= RSS_GOAL_MB and total <= RESTART_GOAL_S else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            import shutil
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
