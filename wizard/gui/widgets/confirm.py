"""Confirmation before anything that cannot be undone, and the focus rule around destructive buttons.

The question is window-modal but not blocking (``open``, not ``exec``): a nested event loop would stall qasync's
coroutines (the agent's snapshots) while it is up. The safe answer is the default and has the focus, so Enter or
Escape never destroys anything; only a deliberate click or Tab to the destructive button does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget


def ask(parent: QWidget, title: str, text: str, destroy: str, keep: str, on_yes: Callable[[], None],
        on_no: Callable[[], None] | None = None) -> QMessageBox:
    """Ask before a destructive action: ``destroy`` labels the button that does it, ``keep`` the safe default
    (``on_no`` runs for it, for Escape and for closing the box)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirm")
    yes = box.addButton(destroy, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
    yes.setAutoDefault(False)
    box.setDefaultButton(no)
    box.setEscapeButton(no)

    def answered() -> None:
        if box.clickedButton() is yes:
            on_yes()
        elif on_no is not None:
            on_no()
        box.deleteLater()

    box.finished.connect(answered)
    box.open()
    no.setFocus()
    return box


async def confirmed(parent: QWidget, title: str, text: str, destroy: str, keep: str) -> bool:
    """``ask`` for a coroutine: True when the operator chose ``destroy``."""
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    ask(parent, title, text, destroy, keep, lambda: answer.set_result(True), lambda: answer.set_result(False))
    return await answer


def never_default(*buttons: QPushButton) -> None:
    """A destructive button never becomes the dialog's default, so Enter pressed anywhere cannot trigger it."""
    for button in buttons:
        button.setAutoDefault(False)
        button.setDefault(False)


def set_enabled_keeping_focus(states: Iterable[tuple[QPushButton, bool]], safe: Iterable[QWidget]) -> None:
    """Enable and disable buttons; when the focused one is disabled, focus goes to the first enabled widget of
    ``safe`` (never a destructive one), not to whatever Qt would pick next in the tab chain."""
    states = list(states)
    focus = QApplication.focusWidget()
    for button, on in states:
        if on:
            button.setEnabled(True)
    for button, on in states:
        if not on and button is focus:
            target = next((w for w in safe if w is not button and w.isEnabled() and w.isVisible()), None)
            if target is not None:
                target.setFocus()
        if not on:
            button.setEnabled(False)
