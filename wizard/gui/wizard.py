"""The wizard: one page per step, from the task list to a running migration. It composes the pages and carries
what they share (the task being built); the agent does the work and outlives the window."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget, QWizard

from wizard.gui.bridge import AgentLink, spawn
from wizard.gui.i18n import Translations
from wizard.gui.pages.location import LocationPage
from wizard.gui.pages.mode import ModePage
from wizard.gui.pages.options import OptionsPage
from wizard.gui.pages.review import ReviewPage
from wizard.gui.pages.run import RunPage
from wizard.gui.pages.start import StartPage
from wizard.gui.settings import Settings
from wizard.secrets import keyring_problem

# The mode comes first (as in the vendor console): every later check runs on the agent that will copy.
START, MODE, SOURCE, DESTINATION, OPTIONS, REVIEW, RUN = range(7)


class MigrationWizard(QWizard):
    """The main window."""

    def __init__(self, link: AgentLink, settings: Settings, translations: Translations,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link, self.settings, self.translations = link, settings, translations
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(980, 760)
        screen = self.screen()
        if screen is not None:   # a 1366x768 laptop: the window, its title bar and the taskbar fit the screen
            room = screen.availableGeometry()
            self.resize(min(980, room.width()), min(760, room.height() - 32))
        self.start_page = StartPage(link, settings)
        self.source_page = LocationPage("source", link)
        self.destination_page = LocationPage("destination", link)
        self.mode_page = ModePage(settings, link)
        self.options_page = OptionsPage()
        self.review_page = ReviewPage(link, settings)
        self.run_page = RunPage(link)
        for pid, page in ((START, self.start_page), (MODE, self.mode_page), (SOURCE, self.source_page),
                          (DESTINATION, self.destination_page),
                          (OPTIONS, self.options_page), (REVIEW, self.review_page), (RUN, self.run_page)):
            self.setPage(pid, page)
        self.setStartId(START)
        self.start_page.language.setCurrentIndex(max(0, self.start_page.language.findData(translations.language)))
        self.start_page.language.currentIndexChanged.connect(self._language_chosen)
        self.currentIdChanged.connect(self._entered)
        self.keyring_problem: str | None = None     # not known until the check below has answered
        self.retranslate()
        # A keyring backend may take a while to answer (D-Bus, an unlock prompt): asked off the GUI thread.
        spawn(asyncio.to_thread(keyring_problem), self.keyring_checked)

    def keyring_checked(self, problem: str) -> None:
        """Tell every page whether the system keyring can be used ("" yes, else the reason)."""
        self.keyring_problem = problem
        for page in (self.start_page, self.source_page, self.destination_page, self.review_page):
            page.set_keyring(problem)

    def nextId(self) -> int:
        current = self.currentId()
        if current == START:
            return RUN if self.start_page.chosen else MODE
        if current == RUN:
            return -1
        return super().nextId()

    def accept(self) -> None:
        """Finish on the run page goes back to the task list; only closing the window ends the program (the
        agent and its tasks go on either way)."""
        if self.currentId() == RUN:
            self.link.stop()
            self.restart()
            return
        super().accept()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(Q.translate("MigrationWizard", "Migration Wizard"))
        # QWizard names its buttons once; they follow the language only when set here.
        b = QWizard.WizardButton
        self.setButtonText(b.BackButton, Q.translate("MigrationWizard", "< &Back"))
        self.setButtonText(b.NextButton, Q.translate("MigrationWizard", "&Next >"))
        self.setButtonText(b.CancelButton, Q.translate("MigrationWizard", "Cancel"))
        self.setButtonText(b.FinishButton, Q.translate("MigrationWizard", "&Finish"))

    def _language_chosen(self) -> None:
        code = str(self.start_page.language.currentData())
        self.translations.apply(code)
        self.settings.language = code
        self.settings.save()

    def _entered(self, page_id: int) -> None:
        if page_id == OPTIONS:
            self.options_page.set_destination_kind(str(self.destination_page.kind.currentData()))

    def open_task(self, task_id: str) -> None:
        """Show this task on the run page (reattaching to the agent's numbers)."""
        self.run_page.open_task(task_id)

    def task_dict(self, reference: str) -> dict[str, Any]:
        """The task as the pages describe it, credentials as ``reference`` (the review page fills them in)."""
        return {"name": self.review_page.name.text().strip() or "migration",
                "source": self.source_page.table(reference or "keyring:pending"),
                "destination": self.destination_page.table(reference or "keyring:pending"),
                "options": self.options_page.values()}
