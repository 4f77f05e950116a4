"""The task journal: one SQLite database (WAL) per task, the single source of truth for resuming.

It holds the listing cursor (the last source key whose decision is recorded), one row per object with its
state (pending; copying, once a multipart upload is recorded; done; skipped; failed) and evidence, and the
multipart uploads in progress with their verified parts. Every write is a short transaction, so a SIGKILL
at any moment leaves a consistent journal: at most the objects that were being copied, and not yet recorded,
are copied again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock
from filelock import Timeout as LockTimeout

from wizard.errors import InputError, TaskBusy

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS objects(
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    etag TEXT,
    mtime REAL,
    state TEXT NOT NULL,
    reason TEXT,
    error_class TEXT,
    error_code TEXT,
    message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt REAL,
    evidence TEXT,
    ref TEXT
);
CREATE INDEX IF NOT EXISTS objects_todo ON objects(id) WHERE state IN ('pending', 'copying');
CREATE INDEX IF NOT EXISTS objects_failed ON objects(error_class, id) WHERE state = 'failed';
-- Running totals per state, kept by triggers so that every path that writes objects keeps them right and a
-- restart reads them in O(1) instead of scanning millions of rows.
CREATE TABLE IF NOT EXISTS totals(state TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0,
                                  bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT OR IGNORE INTO totals(state) VALUES ('pending'), ('copying'), ('done'), ('skipped'), ('failed');
CREATE TRIGGER IF NOT EXISTS objects_added AFTER INSERT ON objects BEGIN
    UPDATE totals SET n = n + 1, bytes = bytes + max(NEW.size, 0) WHERE state = NEW.state;
END;
CREATE TRIGGER IF NOT EXISTS objects_removed AFTER DELETE ON objects BEGIN
    UPDATE totals SET n = n - 1, bytes = bytes - max(OLD.size, 0) WHERE state = OLD.state;
END;
CREATE TRIGGER IF NOT EXISTS objects_changed AFTER UPDATE OF state, size ON objects
WHEN OLD.state != NEW.state OR OLD.size != NEW.size BEGIN
    UPDATE totals SET n = n - 1, bytes = bytes - max(OLD.size, 0) WHERE state = OLD.state;
    UPDATE totals SET n = n + 1, bytes = bytes + max(NEW.size, 0) WHERE state = NEW.state;
END;
CREATE TABLE IF NOT EXISTS dest_index(key TEXT PRIMARY KEY, size INTEGER NOT NULL, etag TEXT, mtime REAL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads(object_id INTEGER PRIMARY KEY, key TEXT NOT NULL, upload_id TEXT NOT NULL,
                                   part_size INTEGER NOT NULL, created REAL NOT NULL, source_etag TEXT);
-- One row per pass over the source (the first copy, each delta pass, the final pass), as it stands at the end
-- of its last run: what the cutover table and the verification report show.
CREATE TABLE IF NOT EXISTS passes(number INTEGER PRIMARY KEY, kind TEXT NOT NULL, started REAL NOT NULL,
                                  finished REAL NOT NULL, listed INTEGER NOT NULL, listed_bytes INTEGER NOT NULL,
                                  new INTEGER NOT NULL, new_bytes INTEGER NOT NULL, changed INTEGER NOT NULL,
                                  changed_bytes INTEGER NOT NULL, copied INTEGER NOT NULL,
                                  copied_bytes INTEGER NOT NULL, failed INTEGER NOT NULL,
                                  requeued INTEGER NOT NULL, checked INTEGER NOT NULL, mismatched INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parts(object_id INTEGER NOT NULL, number INTEGER NOT NULL, etag TEXT NOT NULL,
                                 size INTEGER NOT NULL, crc64 TEXT, PRIMARY KEY(object_id, number));
"""
STATES = ("pending", "copying", "done", "skipped", "failed")
PASS_KINDS = ("first", "delta", "final")
PASS_COLUMNS = ("number", "kind", "started", "finished", "listed", "listed_bytes", "new", "new_bytes", "changed",
                "changed_bytes", "copied", "copied_bytes", "failed", "requeued", "checked", "mismatched")
_DELTA_KEYS = ("pass_new", "pass_new_bytes", "pass_changed", "pass_changed_bytes")
_CHECK_KEYS = ("check_done", "check_mismatched", "checked")
CSV_HEADER = ["key", "size", "error_class", "error_code", "message", "attempts", "last_attempt"]


@dataclass(slots=True)
class Todo:
    """An object waiting to be copied, as the planner recorded it."""

    id: int
    key: str
    size: int
    etag: str | None
    mtime: float | None
    attempts: int
    ref: str | None = None      # where the source finds it when the key alone does not say (a URL list's URL)
    maybe_sent: bool = False    # an earlier run may have sent it without recording so: look at the destination first


@dataclass(slots=True)
class Outcome:
    """What happened to one object, recorded in a batch."""

    id: int
    state: str
    attempts: int
    evidence: dict[str, Any] | None = None
    error_class: str | None = None
    error_code: str | None = None
    message: str | None = None
    # The source version copied when it is not the one listed (it changed and was requeued): (size, etag, mtime)
    version: tuple[int, str | None, float | None] | None = None


class Journal:
    """One task's journal file. Not thread-safe: the runner uses it from its event loop only."""

    def __init__(self, path: str | Path, identity: str | None, name: str = "") -> None:
        """Open (or create) the journal for the task ``identity``; None opens an existing one as it is."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-16000")   # 16 MB: enough, and memory stays flat
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"journal {self.path} cannot be opened: {exc}") from None
        stored = self.get("identity")
        if identity is None:
            if stored is None:
                raise InputError(f"{self.path} is not a task journal")
        elif stored is None:
            self._set_many({"identity": identity, "name": name, "created": str(time.time()),
                            "cursor": "", "listing_done": "0", "listed_objects": "0", "listed_bytes": "0"})
        elif stored != identity:
            raise InputError(f"journal {self.path} belongs to another task (its source, destination or filters "
                             "differ); give this task a new name or another --journal")

    def close(self) -> None:
        self.unlock()
        self.db.close()

    # -- one run at a time ------------------------------------------------------------------------------------
    _lock: FileLock | None = None

    def lock(self) -> None:
        """Take the journal for one run; TaskBusy when another process (a CLI run, an agent) holds it.

        The lock is the OS's (flock on POSIX, a locked byte on Windows: ``filelock``), so it goes away with the
        process however it ends, kill -9 included. The holder's pid is kept in the journal for the message.
        """
        if self._lock is not None:
            return
        lock = FileLock(f"{self.path}.lock", timeout=0, mode=0o600)
        try:
            lock.acquire()
        except LockTimeout:
            holder = self.get("locked_by") or ""
            raise TaskBusy(f"task {self.get('name') or ''!r} is already running in another process"
                           + (f" (pid {holder})" if holder.isdigit() else "")
                           + ": stop it first, or follow it with `migration-agent status`") from None
        self.set_meta("locked_by", str(os.getpid()))
        self._lock = lock

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction (the connection is in autocommit mode, where ``with db:`` begins none and every
        statement, every row of an executemany, committed alone: a lock and WAL write per row); nested ones join
        the outer one."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta -------------------------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_many(self, values: dict[str, str]) -> None:
        with self.transaction():
            self.db.executemany("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                                values.items())

    def set_meta(self, key: str, value: str) -> None:
        self._set_many({key: value})

    def listing_state(self) -> tuple[str, bool, int, int]:
        """(cursor, listing done, objects listed, bytes listed)."""
        return (self.get("cursor") or "", self.get("listing_done") == "1",
                int(self.get("listed_objects") or 0), int(self.get("listed_bytes") or 0))

    # -- planning -----------------------------------------------------------------------------------------
    def add_page(self, rows: Iterable[tuple[Any, ...]], cursor: str, listed_objects: int, listed_bytes: int,
                 delta: tuple[int, int, int, int] | None = None) -> None:
        """Record one listing page's decisions (key, size, etag, mtime, state, reason[, ref]) and move the cursor;
        ``delta`` (new objects, their bytes, changed objects, their bytes) adds to this pass's change set in the
        same transaction, so a pass cut by a crash counts each page once."""
        rows = [r if len(r) == 7 else (*r, None) for r in rows]
        with self.transaction():
            if delta and any(delta):
                self.db.executemany("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET "
                                    "v = CAST(v AS INTEGER) + CAST(excluded.v AS INTEGER)",
                                    [(k, str(n)) for k, n in zip(_DELTA_KEYS, delta, strict=True) if n])
            self.db.executemany(
                "INSERT INTO objects(key, size, etag, mtime, state, reason, ref) VALUES(?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET size = excluded.size, etag = excluded.etag, mtime = excluded.mtime,"
                " ref = excluded.ref,"
                " state = excluded.state, reason = excluded.reason, error_class = NULL, error_code = NULL,"
                " message = NULL, attempts = 0, evidence = NULL", rows)
            self.db.executemany("UPDATE meta SET v = ? WHERE k = ?",
                                [(cursor, "cursor"), (str(listed_objects), "listed_objects"),
                                 (str(listed_bytes), "listed_bytes")])

    def pass_number(self) -> int:
        """1 for the first pass over the source, 2 and up for incremental passes."""
        return int(self.get("pass") or 1)

    def pass_kind(self) -> str:
        """first | delta | final: what the current pass is."""
        return self.get("pass_kind") or "first"

    def pass_started(self) -> float:
        return float(self.get("pass_started") or self.get("created") or 0)

    def begin_pass(self, kind: str = "delta") -> int:
        """Start a delta pass (or the final one): the source is listed again from the start and compared with
        what the journal recorded (the planner does that); returns the new pass number."""
        if kind not in PASS_KINDS[1:]:
            raise ValueError(f"pass kind {kind!r}")
        number = self.pass_number() + 1
        with self.transaction():
            self.db.execute("DELETE FROM dest_index")
            self.db.executemany("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                                [("pass", str(number)), ("cursor", ""), ("listing_done", "0"), ("dest_cursor", ""),
                                 ("listed_objects", "0"), ("listed_bytes", "0"), ("dest_indexed", "0"),
                                 ("pass_started", str(time.time())), ("pass_kind", kind),
                                 *((k, "0") for k in (*_DELTA_KEYS, *_CHECK_KEYS))])
        return number

    def end_pass(self, check: tuple[int, int] | None = None) -> dict[str, Any]:
        """Write the current pass's row as it stands now (each run of the pass rewrites it): listed, the change
        set the planner counted, what was copied, failed or requeued since the pass began, and ``check`` (objects
        the final pass checked at the destination, mismatches found); returns the row."""
        since = self.pass_started()
        tried = {state: (n, b) for state, n, b in self.db.execute(
            "SELECT state, count(*), coalesce(sum(max(size, 0)), 0) FROM objects WHERE last_attempt >= ? "
            "GROUP BY state", (since,))}
        requeued = self.db.execute("SELECT count(*) FROM objects WHERE last_attempt >= ? AND "
                                   "json_extract(evidence, '$.requeued') > 0", (since,)).fetchone()[0]
        _cursor, _done, listed, listed_bytes = self.listing_state()
        before = self.pass_row(self.pass_number())
        row = {"number": self.pass_number(), "kind": self.pass_kind(), "started": since, "finished": time.time(),
               "listed": listed, "listed_bytes": listed_bytes,
               **{k[5:]: int(self.get(k) or 0) for k in _DELTA_KEYS},
               "copied": tried.get("done", (0, 0))[0], "copied_bytes": tried.get("done", (0, 0))[1],
               "failed": tried.get("failed", (0, 0))[0], "requeued": requeued,
               "checked": 0, "mismatched": 0}
        if check is not None:
            row["checked"], row["mismatched"] = check
        elif before is not None:   # a later run of the pass (a retry of its failed files) keeps what it found
            row["checked"], row["mismatched"] = before["checked"], before["mismatched"]
        with self.transaction():
            self.db.execute(f"INSERT OR REPLACE INTO passes({', '.join(PASS_COLUMNS)}) VALUES "
                            f"({', '.join('?' * len(PASS_COLUMNS))})", [row[c] for c in PASS_COLUMNS])
        return row

    # -- the final pass's check ------------------------------------------------------------------------------
    def check_finished(self) -> bool:
        return self.get("checked") == "1"

    def copied_before(self, since: float) -> int:
        """How many copied objects the check has to look at: those not copied since ``since``."""
        return int(self.db.execute("SELECT count(*) FROM objects WHERE state = 'done' AND last_attempt < ?",
                                   (since,)).fetchone()[0])

    def check_counts_now(self, since: float, number: int) -> tuple[int, int]:
        """(objects the check of pass ``number`` found as copied, objects it flagged), from the rows themselves:
        what a resumed check starts from."""
        done = self.db.execute("SELECT count(*) FROM objects WHERE state = 'done' AND last_attempt < ? AND "
                               "json_extract(evidence, '$.final_pass') = ?", (since, number)).fetchone()[0]
        bad = self.db.execute("SELECT count(*) FROM objects WHERE state = 'failed' AND error_class = 'mismatch' "
                              "AND last_attempt >= ?", (since,)).fetchone()[0]
        return int(done), int(bad)

    def copied_for(self, keys: list[str], since: float) -> dict[str, tuple[int, int, dict[str, Any], int]]:
        """The copied objects among ``keys`` not copied since ``since``: key -> (id, size, evidence, the final
        pass that last found it, 0 if none)."""
        out: dict[str, tuple[int, int, dict[str, Any], int]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, oid, size, evidence in self.db.execute(
                    f"SELECT key, id, size, evidence FROM objects WHERE key IN ({marks}) AND state = 'done' AND "
                    "last_attempt < ?", (*chunk, since)):
                ev = json.loads(evidence) if evidence else {}
                out[key] = (oid, size, ev, int(ev.get("final_pass") or 0))
        return out

    def unchecked_rows(self, since: float, number: int, after_id: int,
                       limit: int) -> list[tuple[int, str, int, dict[str, Any]]]:
        """A page of copied objects (not copied since ``since``) the check of pass ``number`` has not found yet:
        (id, key, size, evidence)."""
        rows = self.db.execute("SELECT id, key, size, evidence FROM objects WHERE state = 'done' AND "
                               "last_attempt < ? AND id > ? AND coalesce(json_extract(evidence, '$.final_pass'), 0) "
                               "!= ? ORDER BY id LIMIT ?", (since, after_id, number, limit))
        return [(i, k, s, json.loads(e) if e else {}) for i, k, s, e in rows]

    def record_check(self, ok: list[int], bad: list[tuple[int, str, str]], number: int, done: int,
                     mismatched: int) -> None:
        """One batch of the check of pass ``number``: the objects found as copied say so in their evidence; the
        ones gone or changed at the destination fail (class ``mismatch``) so a retry copies them again. This is
        the one place a done object becomes failed: not a late outcome, but the destination shown to differ."""
        with self.transaction():
            self.db.executemany("UPDATE objects SET evidence = json_set(coalesce(evidence, '{}'), '$.final_check', "
                                "'ok', '$.final_pass', ?) WHERE id = ?", [(number, i) for i in ok])
            self.db.executemany("UPDATE objects SET state = 'failed', error_class = 'mismatch', error_code = ?, "
                                "message = ?, last_attempt = ?, evidence = json_set(coalesce(evidence, '{}'), "
                                "'$.final_check', ?) WHERE id = ? AND state = 'done'",
                                [(code, message, time.time(), code, i) for i, code, message in bad])
            self.db.executemany("UPDATE meta SET v = ? WHERE k = ?",
                                [(str(done), "check_done"), (str(mismatched), "check_mismatched")])

    def finish_check(self) -> None:
        """The check is complete."""
        with self.transaction():
            self.mark_final_copies()
            self.set_meta("checked", "1")

    def mark_final_copies(self) -> None:
        """Objects copied during the final pass (its own copies, and retries of what its check flagged) were
        verified as they were copied: their evidence says so, as the check's does for the others."""
        self.db.execute("UPDATE objects SET evidence = json_set(coalesce(evidence, '{}'), '$.final_check', "
                        "'copied') WHERE state = 'done' AND last_attempt >= ? AND "
                        "json_extract(evidence, '$.final_check') IS NULL", (self.pass_started(),))

    def check_counts(self) -> tuple[int, int]:
        """(objects checked, mismatches) of the current pass's check."""
        return int(self.get("check_done") or 0), int(self.get("check_mismatched") or 0)

    def passes(self) -> list[dict[str, Any]]:
        """Every pass that has ended a run, oldest first."""
        cols = ", ".join(PASS_COLUMNS)
        return [dict(zip(PASS_COLUMNS, r, strict=True))
                for r in self.db.execute(f"SELECT {cols} FROM passes ORDER BY number")]

    def pass_row(self, number: int) -> dict[str, Any] | None:
        cols = ", ".join(PASS_COLUMNS)
        r = self.db.execute(f"SELECT {cols} FROM passes WHERE number = ?", (number,)).fetchone()
        return dict(zip(PASS_COLUMNS, r, strict=True)) if r else None

    def lookup(self, keys: list[str]) -> dict[str, tuple[int, str | None, float | None, str]]:
        """What the journal recorded for ``keys``: key -> (size, etag, mtime, state)."""
        out: dict[str, tuple[int, str | None, float | None, str]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, size, etag, mtime, state in self.db.execute(
                    f"SELECT key, size, etag, mtime, state FROM objects WHERE key IN ({marks})", chunk):
                out[key] = (size, etag, mtime, state)
        return out

    def finish_listing(self) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM dest_index")
            self.db.execute("UPDATE meta SET v = '1' WHERE k = 'listing_done'")

    # The destination's listing, indexed by key: stores do not agree on listing order (SeaweedFS lists a
    # folder's keys right after the folder's name, AWS in byte order), so the join looks keys up here
    # instead of trusting both listings to be sorted alike.
    def dest_index_ready(self) -> bool:
        return self.get("dest_indexed") == "1"

    def reset_dest_index(self) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM dest_index")
            self.db.execute("DELETE FROM meta WHERE k IN ('dest_indexed', 'dest_cursor')")

    def add_dest_page(self, rows: Iterable[tuple[str, int, str | None, float | None]], cursor: str = "") -> None:
        """Index one destination page; ``cursor`` (its last key, as listed) is where a cut listing goes on."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO dest_index VALUES(?, ?, ?, ?)", rows)
            if cursor:
                self.db.execute("INSERT INTO meta(k, v) VALUES('dest_cursor', ?) ON CONFLICT(k) DO UPDATE SET "
                                "v = excluded.v", (cursor,))

    def finish_dest_index(self) -> None:
        self._set_many({"dest_indexed": "1", "dest_cursor": ""})

    def known_keys(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` the journal already holds."""
        out: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(k for (k,) in self.db.execute(f"SELECT key FROM objects WHERE key IN ({marks})", chunk))
        return out

    def dest_lookup(self, keys: list[str]) -> dict[str, tuple[int, str | None, float | None]]:
        """The indexed destination objects among ``keys`` (relative keys), as key -> (size, etag, mtime)."""
        out: dict[str, tuple[int, str | None, float | None]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, size, etag, mtime in self.db.execute(
                    f"SELECT key, size, etag, mtime FROM dest_index WHERE key IN ({marks})", chunk):
                out[key] = (size, etag, mtime)
        return out

    # -- copying --------------------------------------------------------------------------------------------
    def next_todo(self, after_id: int, limit: int = 1000) -> list[Todo]:
        rows = self.db.execute(
            "SELECT id, key, size, etag, mtime, attempts, ref FROM objects WHERE state IN ('pending', 'copying') "
            "AND id > ? ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
        return [Todo(*r) for r in rows]

    def record(self, outcomes: list[Outcome], retries: int = 0) -> None:
        """Record a batch of outcomes in one transaction, with the records of the multipart uploads the done
        ones completed (kept until now, so a stop between completing an upload and recording it never loses that
        it completed) and the retries made since the last batch."""
        if not outcomes and not retries:
            return
        now = time.time()
        ended = [(o.id,) for o in outcomes if o.state == "done"]   # a failed one's upload is aborted by the copier
        retried = sum(1 for o in outcomes if o.attempts > 1)
        with self.transaction():
            # A late outcome (an attempt that ran twice, a stale worker) never turns a done object back.
            self.db.executemany(
                "UPDATE objects SET state = ?, attempts = attempts + ?, last_attempt = ?, evidence = ?, "
                "error_class = ?, error_code = ?, message = ? WHERE id = ? AND (state != 'done' OR ?1 = 'done')",
                [(o.state, o.attempts, now, json.dumps(o.evidence, ensure_ascii=False) if o.evidence else None,
                  o.error_class, o.error_code, o.message, o.id) for o in outcomes])
            # A requeued object's row describes the version that was copied, so the next pass compares with it.
            self.db.executemany("UPDATE objects SET size = ?, etag = ?, mtime = ? WHERE id = ? AND state = 'done'",
                                [(*o.version, o.id) for o in outcomes if o.version and o.state == "done"])
            self.db.executemany("DELETE FROM parts WHERE object_id = ?", ended)
            self.db.executemany("DELETE FROM uploads WHERE object_id = ?", ended)
            for name, add in (("attempts", sum(o.attempts for o in outcomes)), ("retried_objects", retried),
                              ("retries", retries)):
                if add:
                    self.db.execute("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET "
                                    "v = CAST(v AS INTEGER) + CAST(excluded.v AS INTEGER)", (name, str(add)))

    def outcomes_since(self, since: float) -> dict[str, int]:
        """Objects by state whose last attempt was at or after ``since`` (what a run, a retry or a pass did)."""
        rows = self.db.execute("SELECT state, COUNT(*) FROM objects WHERE last_attempt >= ? GROUP BY state",
                               (since,)).fetchall()
        return {state: n for state, n in rows}

    def attempt_totals(self) -> dict[str, int]:
        """Over the task's life: attempts made for recorded outcomes, objects that needed more than one, and
        requests retried after a transient fault (objects, parts, listing pages)."""
        return {name: int(self.get(name) or 0) for name in ("attempts", "retried_objects", "retries")}

    def counts(self) -> dict[str, tuple[int, int]]:
        """state -> (objects, bytes)."""
        out = {s: (0, 0) for s in STATES}
        for state, n, size in self.db.execute("SELECT state, n, bytes FROM totals"):
            out[state] = (n, size)
        return out

    def counts_by_scan(self) -> dict[str, tuple[int, int]]:
        """The same as ``counts`` by a full scan (slow on big tasks): the check of the running totals."""
        out = {s: (0, 0) for s in STATES}
        for state, n, size in self.db.execute("SELECT state, count(*), coalesce(sum(size), 0) FROM objects "
                                              "GROUP BY state"):
            out[state] = (n, size)
        return out

    def done_evidence(self) -> tuple[dict[str, int], dict[str, int]]:
        """From one scan of the copied objects: how many lost what the destination cannot keep (metadata/headers,
        storage class), and how many were proven how ("source", "size-only"; "unrecorded" before proofs were kept)."""
        rows = self.db.execute(
            "SELECT coalesce(json_extract(evidence, '$.verified'), 'unrecorded'), count(*), "
            "count(json_extract(evidence, '$.metadata_dropped')), "
            "count(json_extract(evidence, '$.storage_class_dropped')) "
            "FROM objects WHERE state = 'done' GROUP BY 1").fetchall()
        lost = {"metadata": sum(r[2] for r in rows), "storage_class": sum(r[3] for r in rows)}
        return lost, {r[0]: r[1] for r in rows}

    def not_carried(self) -> dict[str, int]:
        """How many copied objects lost something the destination cannot keep: metadata/headers, storage class."""
        return self.done_evidence()[0]

    def verification(self) -> dict[str, int]:
        """Copied objects by what proved them: against a value the source published, or their size only."""
        return self.done_evidence()[1]

    def failure_classes(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT error_class, count(*) FROM objects WHERE state = 'failed' "
                                    "GROUP BY error_class").fetchall())

    def failures(self, error_class: str | None = None, after_id: int = 0,
                 limit: int = 1000) -> list[tuple[Any, ...]]:
        """A page of failed objects: (id, key, size, error_class, error_code, message, attempts, last_attempt)."""
        sql = ("SELECT id, key, size, error_class, error_code, message, attempts, last_attempt FROM objects "
               "WHERE state = 'failed' AND id > ?")
        args: list[Any] = [after_id]
        if error_class:
            sql += " AND error_class = ?"
            args.append(error_class)
        return self.db.execute(sql + " ORDER BY id LIMIT ?", (*args, limit)).fetchall()

    def iter_failures(self, error_class: str | None = None) -> Iterator[tuple[Any, ...]]:
        after = 0
        while page := self.failures(error_class, after):
            yield from page
            after = page[-1][0]

    def reset_failed(self, error_class: str | None = None) -> int:
        """Failed objects (all, or one class) become pending again; returns how many. Their attempts are kept:
        the failures table and the export count every attempt an object had, retries of failed files included."""
        sql = "UPDATE objects SET state = 'pending' WHERE state = 'failed'"
        with self.transaction():
            if error_class:
                return self.db.execute(sql + " AND error_class = ?", (error_class,)).rowcount
            return self.db.execute(sql).rowcount

    def export_failed(self, path: str | Path, error_class: str | None = None) -> int:
        """Write the failed-files CSV (UTF-8 with BOM, so Excel shows Chinese keys); returns rows written."""
        n = 0
        with open(path, "w", encoding="utf-8", newline="") as f:
            for text, rows in self.failed_csv(error_class):
                f.write(text)
                n += rows
        return n

    def failed_csv(self, error_class: str | None = None) -> Iterator[tuple[str, int]]:
        """The failed-files CSV in pieces (text, rows in it), a page of failures at a time; the first piece
        carries the BOM and the header."""
        out = io.StringIO()
        out.write(codecs.BOM_UTF8.decode())
        w = csv.writer(out)
        w.writerow(CSV_HEADER)
        after = 0
        while page := self.failures(error_class, after):
            for _id, key, size, cls, code, msg, attempts, last in page:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last)) if last else ""
                w.writerow([key, size, cls, code, msg, attempts, stamp])
            after = page[-1][0]
            yield out.getvalue(), len(page)
            out.seek(0)
            out.truncate()
        if out.tell():
            yield out.getvalue(), 0

    def at_destination(self, after_id: int, limit: int) -> list[tuple[Any, ...]]:
        """A page of the objects the task put or found at the destination (done, skipped), for the manifest:
        (id, key, size, state, reason, etag, evidence)."""
        return self.db.execute("SELECT id, key, size, state, reason, etag, evidence FROM objects WHERE id > ? AND "
                               "state IN ('done', 'skipped') ORDER BY id LIMIT ?", (after_id, limit)).fetchall()

    def evidence(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT evidence FROM objects WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def state_of(self, key: str) -> str | None:
        row = self.db.execute("SELECT state FROM objects WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- multipart uploads ----------------------------------------------------------------------------------
    def save_upload(self, object_id: int, key: str, upload_id: str, part_size: int,
                    source_etag: str | None = None) -> None:
        with self.transaction():
            # A stale attempt (a worker that ran a shard twice) never turns a done object back into work.
            if not self.db.execute("UPDATE objects SET state = 'copying' WHERE id = ? AND state != 'done'",
                                   (object_id,)).rowcount:
                return
            self.db.execute("DELETE FROM parts WHERE object_id = ?", (object_id,))
            self.db.execute("INSERT OR REPLACE INTO uploads VALUES(?, ?, ?, ?, ?, ?)",
                            (object_id, key, upload_id, part_size, time.time(), source_etag))

    def upload_for(self, object_id: int) -> tuple[str, int, str | None] | None:
        """(upload id, part size, the source ETag its parts were read from)."""
        row = self.db.execute("SELECT upload_id, part_size, source_etag FROM uploads WHERE object_id = ?",
                              (object_id,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def save_part(self, object_id: int, number: int, etag: str, size: int, crc64: int | None = None) -> None:
        with self.transaction():   # only for an upload still recorded (not one a done outcome has closed)
            self.db.execute("INSERT OR REPLACE INTO parts SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM uploads "
                            "WHERE object_id = ?)", (object_id, number, etag, size,
                                                     None if crc64 is None else str(crc64), object_id))

    def parts_for(self, object_id: int) -> dict[int, tuple[str, int, int | None]]:
        """Verified parts: number -> (etag, size, CRC-64 of the part or None)."""
        # CRC-64 values need all 64 bits: SQLite integers are signed, so they are kept as text.
        return {n: (e, s, None if c is None else int(c)) for n, e, s, c in self.db.execute(
            "SELECT number, etag, size, crc64 FROM parts WHERE object_id = ?", (object_id,))}

    def drop_upload(self, object_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM parts WHERE object_id = ?", (object_id,))
            self.db.execute("DELETE FROM uploads WHERE object_id = ?", (object_id,))

    def uploads(self) -> list[tuple[int, str, str]]:
        """(object_id, key, upload_id) of every upload still recorded."""
        return self.db.execute("SELECT object_id, key, upload_id FROM uploads").fetchall()
