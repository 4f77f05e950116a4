"""Languages: the app's own translations (``wizard/resources/i18n/wizard_*.qm``, built by ``make translations``) and
Qt's own (``qtbase_*.qm``) for the standard buttons. Switching installs new translators; Qt then sends every
widget a LanguageChange event and the pages retranslate themselves."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from wizard.resources import resource

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def qm_folders() -> list[Path]:
    """Where compiled translations are: the package's own data (a checkout, a wheel or a bundle alike)."""
    return [resource("i18n")]


def default_language() -> str:
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


class Translations:
    """The translators installed in the application; ``apply`` switches language live."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.language = "en"
        self._installed: list[QTranslator] = []

    def apply(self, language: str) -> bool:
        """Switch to ``language``; returns False when its translation file is missing (English is shown)."""
        for translator in self._installed:
            self.app.removeTranslator(translator)
        self._installed.clear()
        self.language = language if language in LANGUAGES else "en"
        if self.language == "en":
            return True
        ours = QTranslator(self.app)
        found = any(ours.load(f"wizard_{self.language}", str(folder)) for folder in qm_folders())
        if found:
            self.app.installTranslator(ours)
            self._installed.append(ours)
        qt = QTranslator(self.app)
        if qt.load(f"qtbase_{self.language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            self.app.installTranslator(qt)
            self._installed.append(qt)
        return found
