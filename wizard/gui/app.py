"""``migration-wizard``: the composition root. Qt application, qasync loop, settings, translations, a rotating
log (no secret in it), the agent link, and the wizard window. ``--smoke`` opens it offscreen, loads the
translations, switches language once and exits 0: a check for installers and CI."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from wizard.logs import log_to_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="migration-wizard", description="The Migration Wizard desktop app.")
    parser.add_argument("--smoke", action="store_true", help="open offscreen, load translations, exit 0")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="language for this run")
    args = parser.parse_args(argv)
    if args.smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                                                   or os.environ.get("QT_QPA_PLATFORM")):
        sys.stderr.write("migration-wizard: no display (DISPLAY and WAYLAND_DISPLAY are not set): run it in a "
                         "desktop session, or use the headless `migration-agent`\n")
        return 2
    try:
        import qasync
        from PySide6.QtWidgets import QApplication
    except ImportError:
        sys.stderr.write("migration-wizard: the wizard's GUI libraries (PySide6, qasync) are not installed: "
                         "pip install 'migration-wizard[gui]' (the headless migration-agent needs none)\n")
        return 2

    from wizard.gui.bridge import AgentLink
    from wizard.gui.i18n import Translations, default_language
    from wizard.gui.settings import Settings
    from wizard.gui.wizard import MigrationWizard

    log_to_file("wizard.log", 2 * 1024 * 1024)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Migration Wizard")
    app.setDesktopFileName("migration-wizard")    # the desktop entry (and its icon) the .deb installs
    from PySide6.QtGui import QIcon

    from wizard.resources import resource
    app.setWindowIcon(QIcon(str(resource("icons", "migration-wizard.svg"))))
    settings = Settings.load()
    translations = Translations(app)
    loaded = translations.apply(args.lang or settings.language or default_language())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    link = AgentLink()
    window = MigrationWizard(link, settings, translations)
    if args.smoke:
        window.show()
        app.processEvents()
        zh = translations.apply("zh_CN")
        app.processEvents()
        title = window.start_page.new.text()
        translations.apply("en")
        app.processEvents()
        window.close()
        ok = zh and loaded is not False and title != window.start_page.new.text()
        print(f"smoke: window opened, translations {'loaded' if ok else 'MISSING'} ({title} / "
              f"{window.start_page.new.text()})")
        return 0 if ok else 1
    done = asyncio.Event()
    app.lastWindowClosed.connect(done.set)
    window.show()
    with loop:
        loop.run_until_complete(done.wait())
        loop.run_until_complete(link.close())   # the agent itself keeps running
    return 0


def entry() -> None:
    """GUI-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
