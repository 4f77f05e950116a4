"""What every page shares: it rebuilds its texts when the language changes."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWizardPage


class TranslatedPage(QWizardPage):
    """A page whose ``retranslate`` runs again on every language switch (Qt posts LanguageChange)."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text; subclasses override."""
