"""A rotating log file in the log folder (platformdirs) for the agent and the wizard. Messages never carry a
secret: every layer builds them from codes, keys and endpoints only."""

from __future__ import annotations

import logging
import logging.handlers

from wizard.paths import log_dir


def log_to_file(name: str, max_bytes: int, level: int = logging.INFO) -> None:
    """Send the root logger's records at ``level`` and up to ``<log folder>/<name>`` (4 files kept)."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / name, maxBytes=max_bytes, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
