"""The bundle's entry point of the headless agent (PyInstaller freezes this file)."""

import multiprocessing

from wizard.agent.cli import entry

multiprocessing.freeze_support()
entry()
