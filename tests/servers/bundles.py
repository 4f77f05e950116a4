"""The agent bundle (``packaging/build.py agent``), built once per test session for every test that needs it:
the installer tests unpack it, the remote tests deploy it over SSH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def agent_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wizard import __version__

    dist, work = tmp_path_factory.mktemp("agent-dist"), tmp_path_factory.mktemp("agent-work")
    env = {**os.environ, "PACKAGING_DIST": str(dist), "PACKAGING_WORK": str(work)}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "agent"], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    tarball = dist / f"migration-agent-{__version__}-linux-x86_64.tar.gz"
    assert tarball.exists(), done.stdout
    return tarball
