"""Verification reports an agent writes for its tasks: each in a folder of its own under the task's folder
(``reports/report-<UTC time>/``), made from the task's journal and signed with the agent's key, so that a
wizard on the laptop (directly, or through the SSH tunnel to a master) can fetch the files and open them."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.engine.journal import Journal
from wizard.errors import InputError
from wizard.report.build import SIGNATURE, SIGNED_FILES, make_report, task_of
from wizard.report.signing import AgentKey
from wizard.report.texts import LANGUAGES

if TYPE_CHECKING:
    from wizard.agent.tasks import ManagedTask

_NAME = re.compile(r"^report-\d{8}T\d{6}Z(-\d+)?$")
FILES = (*SIGNED_FILES, SIGNATURE)


def check_lang(value: Any) -> str:
    if value not in LANGUAGES:
        raise InputError(f"lang: expected one of {', '.join(LANGUAGES)}, got {str(value)[:20]!r}")
    return str(value)


async def write_report(task: ManagedTask, lang: str) -> dict[str, Any]:
    """Make and sign the report of ``task`` (the state table allows it: the task is not running); returns its
    name, its files and the signer's fingerprint."""
    task.allow("report")
    lang = check_lang(lang)
    folder = task.folder / "reports"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name, n = f"report-{stamp}", 1
    while (folder / name).exists():
        n += 1
        name = f"report-{stamp}-{n}"

    def make() -> dict[str, Any]:
        # A connection of its own: SQLite connections stay in the thread that opened them, and a manifest of
        # millions of rows is written here, off the agent's event loop.
        journal = Journal(task.st.journal, task.spec.identity(), task.spec.name)
        try:
            key = AgentKey.load_or_create()
            files = make_report(journal, task=task_of(task.spec), passes=journal.passes(), out=folder / name,
                                lang=lang, key=key)
        finally:
            journal.close()
        return {"name": name, "files": list(FILES), "fingerprint": key.fingerprint(),
                "public_key": key.public_key_text(), "objects": files.data["manifest"]["rows"],
                "ready_for_cutover": files.data["cutover"]["ready"]}
    return await asyncio.to_thread(make)


def report_file(task: ManagedTask, name: str, file: str) -> Path:
    """One file of a report this task's agent wrote; InputError for a name that is not one (no path escapes)."""
    if not _NAME.match(name) or file not in FILES:
        raise InputError(f"no report file {name[:40]}/{file[:40]}: names are report-<time>/{'|'.join(FILES)}")
    from wizard.agent.tasks import NotFound

    path = task.folder / "reports" / name / file
    if not path.is_file():
        raise NotFound(f"no report {name} for task {task.id}: make one first (POST /v1/tasks/ID/report)")
    return path
