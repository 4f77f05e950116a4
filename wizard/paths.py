"""Where Migration Wizard keeps its files (platformdirs): config, data (journals), logs."""

from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import PlatformDirs

APP = "migration-wizard"
_dirs = PlatformDirs(APP, appauthor=False)


def data_dir() -> Path:
    """Per-user data folder; ``MIGRATION_WIZARD_HOME`` moves every folder (tests, portable installs)."""
    home = os.environ.get("MIGRATION_WIZARD_HOME")
    return Path(home) / "data" if home else Path(_dirs.user_data_dir)


def config_dir() -> Path:
    home = os.environ.get("MIGRATION_WIZARD_HOME")
    return Path(home) / "config" if home else Path(_dirs.user_config_dir)


def log_dir() -> Path:
    home = os.environ.get("MIGRATION_WIZARD_HOME")
    return Path(home) / "logs" if home else Path(_dirs.user_log_dir)


def journal_dir() -> Path:
    return data_dir() / "journals"


def journal_path(name: str, identity: str) -> Path:
    """Where a task's journal lives by default: the CLI and the agent service both look here."""
    safe = re.sub(r"[^\w.\-]+", "_", name)[:60] or "task"
    return journal_dir() / f"{safe}-{identity}.sqlite"


def agent_dir() -> Path:
    """The agent service's folder: its tasks, token file and address file."""
    return data_dir() / "agent"
