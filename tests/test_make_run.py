"""`make run` installs the package once, not every time: pip runs only when pyproject.toml is newer than the
last install (dry runs of the real Makefile in a scratch folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(folder: Path, target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_make_run_installs_only_when_pyproject_changed(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    assert "pip install -q -e '.[gui]'" in dry_run(tmp_path, "run")          # never installed: install
    stamp = tmp_path / ".venv" / ".installed"
    stamp.write_text("")
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    out = dry_run(tmp_path, "run")
    assert "pip install" not in out and "migration-wizard" in out     # installed: straight to the wizard
    os.utime(tmp_path / "pyproject.toml", (later + 10, later + 10))
    assert "pip install -q -e '.[gui]'" in dry_run(tmp_path, "run")          # dependencies changed: install again
