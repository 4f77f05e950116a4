"""A broken symbolic link in a local source is reported, not silently left out: the store lists it, its read
fails it with a clear reason, and a real run ends with it in the failures (exit 3) while the rest is copied."""

from __future__ import annotations

import asyncio
import csv
import os
from pathlib import Path

import pytest
from conftest import agent, write_task

from wizard.errors import Action, StorageError
from wizard.storage.local import LocalStore


def test_a_broken_link_is_listed_and_its_read_says_why(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("ok")
    os.symlink(tmp_path / "gone.txt", tmp_path / "broken.txt")
    os.symlink(tmp_path / "ok.txt", tmp_path / "good-link.txt")
    store = LocalStore(tmp_path)

    async def keys() -> list[str]:
        return [o.key async for page in store.list_pages() for o in page]
    assert asyncio.run(keys()) == ["broken.txt", "good-link.txt", "ok.txt"]
    with pytest.raises(StorageError) as err:
        asyncio.run(store.read("broken.txt"))
    assert err.value.action is Action.OBJECT and err.value.code == "BrokenSymlink"
    assert "gone.txt" in err.value.message


def test_a_run_reports_the_broken_link_and_copies_the_rest(tmp_path: Path, agent_env: dict[str, str]) -> None:
    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    (source / "a.txt").write_text("a")
    os.symlink(source / "missing", source / "link")
    task = write_task(tmp_path / "t.toml", {"kind": "local", "path": str(source)},
                      {"kind": "local", "path": str(target)}, "links")
    r = agent("run", str(task), "--journal", str(tmp_path / "j.sqlite"), env=agent_env)
    assert r.returncode == 3, r.stderr
    assert (target / "a.txt").read_text() == "a" and not (target / "link").exists()
    out = tmp_path / "failed.csv"
    r = agent("export-failed", str(task), "--journal", str(tmp_path / "j.sqlite"), "-o", str(out), env=agent_env)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(row["key"], row["error_code"]) for row in rows] == [("link", "BrokenSymlink")]
