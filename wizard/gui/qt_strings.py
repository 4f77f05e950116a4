"""Strings of Qt's own widgets that Qt's Chinese translation (qtbase_zh_CN.qm) leaves in English. Listed here
so `make translations` puts them in our .ts under Qt's own context; Qt asks every installed translator, so ours
fills what qtbase lacks (the file dialog's "Look in" and "Files of type" labels)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

QT_GAPS = (
    ("QFileDialog", QT_TRANSLATE_NOOP("QFileDialog", "&Look in:")),
    ("QFileDialog", QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:")),
)
