"""How this program starts its own agent again: the one command line for the wizard (which starts a local agent),
``serve --detach`` (which starts itself in the background) and local worker processes.

In a checkout or an installed package that is this Python with ``-m wizard.agent.cli``; in a PyInstaller bundle,
where ``sys.executable`` is the bundle's own program and ``-m`` means nothing, it is the ``migration-agent``
program beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def agent_command() -> list[str]:
    """The argv prefix that runs ``migration-agent`` (append its arguments)."""
    if getattr(sys, "frozen", False):
        name = "migration-agent.exe" if sys.platform == "win32" else "migration-agent"
        return [str(Path(sys.executable).resolve().with_name(name))]
    return [sys.executable, "-m", "wizard.agent.cli"]
