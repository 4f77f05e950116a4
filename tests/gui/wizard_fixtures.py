"""Fixtures the wizard's tests share, imported by each test module (``from wizard_fixtures import *_fixture``;
a conftest.py here would shadow the top one that other tests import as ``conftest``): qasync's loop on the test's
QApplication, a wait that keeps that loop running, a real agent on the test Secret Service,
and wizards that are closed and let go of afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from servers.agent_service import AgentProcess
from servers.secret_service import SecretService

from wizard.gui.bridge import AgentLink
from wizard.gui.i18n import Translations
from wizard.gui.settings import Settings
from wizard.gui.wizard import MigrationWizard


@pytest.fixture(name="loop")
def loop_fixture(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """qasync's loop on the test's QApplication: coroutines the pages start run while qtbot waits."""
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(name="until")
def until_fixture(loop: asyncio.AbstractEventLoop) -> Any:
    """Wait for a condition with qasync's loop running (qtbot.waitUntil spins Qt but leaves asyncio stopped,
    and aiohttp needs a running loop)."""
    def wait(condition: Any, timeout: float = 20) -> None:
        async def poll() -> None:
            while not condition():
                await asyncio.sleep(0.05)
        loop.run_until_complete(asyncio.wait_for(poll(), timeout))
    return wait


@pytest.fixture(name="service")
def service_fixture(agent_env: dict[str, str], home: Path, secret_service: SecretService,
            real_keyring: Any) -> Iterator[AgentProcess]:
    """A real agent that resolves keyring references in the same test Secret Service as the wizard."""
    env = dict(agent_env, DBUS_SESSION_BUS_ADDRESS=secret_service.bus_address,
               PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
    proc = AgentProcess(env, home).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.stop()


@pytest.fixture(name="make_wizard")
def make_wizard_fixture(qtbot: Any, qapp: QApplication, loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    made: list[MigrationWizard] = []

    def make(language: str = "en") -> MigrationWizard:
        translations = Translations(qapp)
        translations.apply(language)
        wizard = MigrationWizard(AgentLink(), Settings.load(), translations)
        qtbot.addWidget(wizard)
        wizard.show()
        made.append(wizard)
        return wizard
    yield make
    for wizard in made:
        wizard.link.stop()
        loop.run_until_complete(wizard.link.close())
        wizard.translations.apply("en")
