"""The program's own files: compiled translations (``i18n/wizard_*.qm``), the icon (``icons/``) and the desktop
entry. They are package data: ``resource`` finds them the same way in a checkout, an installed wheel and a
PyInstaller bundle (``importlib.resources``), so no install loses the Chinese UI."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def resource(*parts: str) -> Path:
    """The path of one of the program's files (it may not exist, say a translation not built yet)."""
    ref = files(__name__).joinpath(*parts)
    with as_file(ref) as path:   # a real file already in a checkout, a wheel on disk and a onedir bundle
        return Path(path)
