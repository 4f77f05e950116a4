"""The bundle's entry point of the wizard (PyInstaller freezes this file)."""

from wizard.gui.app import entry

entry()
