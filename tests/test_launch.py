"""The agent's command line: ``python -m`` in a checkout or a venv, the program beside the bundle when frozen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wizard.launch import agent_command


def test_in_a_venv_it_is_this_python_with_the_module() -> None:
    assert agent_command() == [sys.executable, "-m", "wizard.agent.cli"]


def test_frozen_it_is_the_agent_program_beside_the_bundles_executable(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "opt" / "migration-wizard"
    bundle.mkdir(parents=True)
    (bundle / "migration-wizard").write_text("")
    link = tmp_path / "usr-bin-migration-wizard"
    link.symlink_to(bundle / "migration-wizard")      # started through /usr/bin's link, as the .deb installs it
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(link))
    assert agent_command() == [str(bundle / "migration-agent")]
