"""Make the signed verification report of a task, for its migration acceptance.

One folder holds it: ``manifest.csv`` (every object at the destination), ``report.json`` (the report's data),
``report.html`` (the same, for people) and ``SIGNATURE.json``, the SHA-256 of those three signed with the
agent's Ed25519 key. Changing any byte of any of them, or of the signature file, makes ``verify_report`` fail.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.engine.journal import Journal
from wizard.errors import InputError
from wizard.report.html import render_html
from wizard.report.manifest import ManifestSummary, write_manifest
from wizard.report.signing import AgentKey
from wizard.report.texts import texts_for
from wizard.task import TaskSpec

FORMAT = "migration-wizard-report/1"
ALGORITHM = "Ed25519"
MANIFEST, REPORT_JSON, REPORT_HTML, SIGNATURE = "manifest.csv", "report.json", "report.html", "SIGNATURE.json"
SIGNED_FILES = (MANIFEST, REPORT_JSON, REPORT_HTML)
TASK_KEYS = ("name", "source", "destination", "identity")


@dataclass(frozen=True)
class ReportFiles:
    """The report's folder and files, and the data they were made from."""

    folder: Path
    manifest: Path
    report_json: Path
    report_html: Path
    signature: Path
    data: dict[str, Any]


def make_report(journal: Journal, *, task: dict[str, str], passes: list[dict[str, Any]], out: Path, lang: str,
                key: AgentKey) -> ReportFiles:
    """Write the signed report of ``journal``'s task into the new (or empty) folder ``out``.

    ``task`` is {"name", "source", "destination", "identity"} with source and destination already described
    (never a credential); ``passes`` are the journal's pass rows. The counts and the manifest come from one
    read of the journal, so they agree even while a run records outcomes.
    """
    texts_for(lang)
    missing = [k for k in TASK_KEYS if not isinstance(task.get(k), str)]
    if missing:
        raise InputError(f"the report's task needs {', '.join(missing)} as text")
    check_output_folder(out)
    created = _make_folder(out)
    written: list[Path] = []
    try:
        written.append(out / MANIFEST)
        with journal.transaction():   # one snapshot: the totals and the manifest describe the same moment
            counts = journal.counts()
            lost, proven = journal.done_evidence()
            classes = journal.failure_classes()
            summary = write_manifest(journal, out / MANIFEST)
            # Ready for the cutover: a final pass checked every object and nothing is failed or left.
            ready = journal.pass_kind() == "final" and journal.check_finished() and not any(
                counts[s][0] for s in ("failed", "pending", "copying"))
        data = report_data(task=task, passes=passes, lang=lang, key=key, counts=counts, lost=lost, proven=proven,
                           classes=classes, summary=summary, how_to_check=f"migration-agent verify-report "
                           f"{shlex.quote(out.name)}")
        data["cutover"] = {"ready": ready, "final_pass": journal.pass_number() if ready else None}
        for name, text in ((REPORT_JSON, json.dumps(data, ensure_ascii=False, indent=1) + "\n"),
                           (REPORT_HTML, render_html(data))):
            written.append(out / name)
            with open(out / name, "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
        written.append(out / SIGNATURE)
        sign_folder(out, key, known={MANIFEST: summary.sha256})
    except BaseException:
        # Half a report must not pass for one: what this call wrote goes, the folder too if it made it.
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            out.rmdir()
        raise
    return ReportFiles(out, out / MANIFEST, out / REPORT_JSON, out / REPORT_HTML, out / SIGNATURE, data)


def report_data(*, task: dict[str, str], passes: list[dict[str, Any]], lang: str, key: AgentKey,
                counts: dict[str, tuple[int, int]], lost: dict[str, int], proven: dict[str, int],
                classes: dict[Any, int], summary: ManifestSummary, how_to_check: str) -> dict[str, Any]:
    """The report's data, as ``report.json`` holds it and ``render_html`` shows it."""
    def total(*states: str) -> dict[str, int]:
        return {"objects": sum(counts.get(s, (0, 0))[0] for s in states),
                "bytes": sum(counts.get(s, (0, 0))[1] for s in states)}

    methods = sorted(summary.methods.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return {
        "format": FORMAT,
        "lang": lang,
        "task": {k: task[k] for k in TASK_KEYS},
        "generated_at": iso_utc(time.time()),
        "passes": [_pass_row(p) for p in passes],
        "totals": {"copied": total("done"), "skipped": total("skipped"), "failed": total("failed"),
                   "left": total("pending", "copying")},
        "verified": {"methods": [{"method": m, "objects": n, "bytes": b} for m, (n, b) in methods],
                     "copied_by": dict(sorted(proven.items())), "final_checked": summary.final_checked},
        "not_carried": {"metadata": int(lost.get("metadata", 0)), "storage_class": int(lost.get("storage_class", 0))},
        "failures": {str(cls or "unknown"): n for cls, n in sorted(classes.items(), key=lambda kv: str(kv[0]))},
        "manifest": {"file": MANIFEST, "sha256": summary.sha256, "rows": summary.rows, "bytes": summary.bytes},
        "signer": {"public_key": key.public_key_text(), "fingerprint": key.fingerprint()},
        "how_to_check": how_to_check,
    }


def task_of(spec: TaskSpec) -> dict[str, str]:
    """The report's ``task``: name, identity, and each side described (kind, bucket or folder, endpoint), never
    a credential."""
    return {"name": spec.name, "identity": spec.identity(),
            **{side: loc.describe() + (f" ({loc.endpoint})" if loc.endpoint else "")
               for side, loc in (("source", spec.source), ("destination", spec.destination))}}


def sign_folder(folder: Path, key: AgentKey, known: dict[str, str] | None = None) -> dict[str, Any]:
    """Write ``SIGNATURE.json`` over the report's three files (their SHA-256 from ``known`` when the writer
    already hashed them: a manifest can be gigabytes); returns what it wrote."""
    files = {name: (known or {}).get(name) or file_sha256(folder / name) for name in SIGNED_FILES}
    body: dict[str, Any] = {"format": FORMAT, "algorithm": ALGORITHM, "public_key": key.public_key_text(),
                            "fingerprint": key.fingerprint(), "signed_at": iso_utc(time.time()), "files": files}
    body["signature"] = base64.b64encode(key.sign(canonical(body))).decode()
    (folder / SIGNATURE).write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return body


def canonical(body: dict[str, Any]) -> bytes:
    """The bytes the signature covers: the signature file's object without "signature", as canonical JSON."""
    rest = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def iso_utc(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def _pass_row(p: dict[str, Any]) -> dict[str, Any]:
    started, finished = float(p.get("started") or 0), float(p.get("finished") or 0)
    return {"number": int(p.get("number") or 0), "kind": str(p.get("kind") or ""),
            "started": iso_utc(started) if started else "", "finished": iso_utc(finished) if finished else "",
            "duration_seconds": round(max(finished - started, 0), 3) if started and finished else 0,
            **{k: int(p.get(k) or 0) for k in ("listed", "listed_bytes", "new", "new_bytes", "changed",
                                                "changed_bytes", "copied", "copied_bytes", "failed", "requeued",
                                                "checked", "mismatched")}}


def check_output_folder(out: Path) -> None:
    """The report's folder: a new one, or an empty one (InputError otherwise), so nothing unsigned lies beside
    the report."""
    if out.exists() and not out.is_dir():
        raise InputError(f"-o: {out} is a file; give a new or empty folder for the report")
    if out.is_dir() and any(out.iterdir()):
        raise InputError(f"-o: the folder {out} is not empty; give a new or empty folder, so that nothing "
                         "unsigned lies beside the report")


def _make_folder(out: Path) -> bool:
    """Make ``out`` unless it is there; True when it was made here."""
    if out.is_dir():
        return False
    try:
        out.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"-o: the folder {out} cannot be made ({exc.strerror})") from None
    return True
