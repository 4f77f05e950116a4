"""The Chinese translation is complete and current: every string of the GUI, as pyside6-lupdate finds it in the
sources now, has a finished zh_CN translation keeping its {placeholders}, and the committed .qm is what lrelease
makes of the .ts. Plain XML, no Qt, except to compare two .qm files when their bytes differ."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "i18n" / "wizard_zh_CN.ts"
QM = ROOT / "wizard" / "resources" / "i18n" / "wizard_zh_CN.qm"
TOOLS = Path(sys.executable).parent  # the venv running the tests has PySide6's tools next to its python
HOW_TO_FIX = "run `make translations`, then translate them in i18n/wizard_zh_CN.ts (Qt Linguist or an editor)"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")

Key = tuple[str, str]  # (context, source text)


def tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: PySide6 is a dependency of the wizard (make setup installs it)"
    return str(path)


def run(*args: str) -> None:
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{Path(args[0]).name} failed:\n{done.stdout}{done.stderr}"


def messages(ts: Path) -> dict[Key, ET.Element]:
    """Every <message> of a .ts file by (context, source)."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def translations(message: ET.Element) -> list[str]:
    """The translated text, one per plural form when the message has them."""
    element = message.find("translation")
    if element is None:
        return [""]
    forms = element.findall("numerusform")
    return [f.text or "" for f in forms] if forms else [element.text or ""]


def finished(message: ET.Element) -> bool:
    element = message.find("translation")
    return element is not None and element.get("type") is None and all(t.strip() for t in translations(message))


def listed(keys: list[Key]) -> str:
    return "\n".join(f"  [{context}] {source!r}" for context, source in sorted(keys))


@pytest.fixture(scope="module")
def committed() -> dict[Key, ET.Element]:
    assert TS.exists(), f"{TS.relative_to(ROOT)} is missing: {HOW_TO_FIX}"
    return messages(TS)


@pytest.fixture(scope="module")
def in_sources(tmp_path_factory: pytest.TempPathFactory) -> set[Key]:
    """What lupdate extracts from the GUI's sources as they are now (the options of `make translations`)."""
    out = tmp_path_factory.mktemp("lupdate") / "wizard_zh_CN.ts"
    sources = sorted(str(p) for p in (ROOT / "wizard" / "gui").rglob("*.py"))
    run(tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none", "-source-language", "en",
        *sources, "-ts", str(out))
    return set(messages(out))


def test_every_string_of_the_gui_has_a_chinese_translation(in_sources: set[Key],
                                                          committed: dict[Key, ET.Element]) -> None:
    assert len(in_sources) > 100, "lupdate found almost no strings: is it reading the .py files?"
    missing = [key for key in in_sources if key not in committed]
    untranslated = [key for key in in_sources if key in committed and not finished(committed[key])]
    assert not missing and not untranslated, (
        f"{len(missing)} string(s) of the GUI are not in i18n/wizard_zh_CN.ts:\n{listed(missing)}\n"
        f"and {len(untranslated)} are in it without a finished translation:\n{listed(untranslated)}\n{HOW_TO_FIX}.")


def test_no_message_is_unfinished_empty_or_obsolete(committed: dict[Key, ET.Element]) -> None:
    bad = [key for key, message in committed.items() if not finished(message)]
    assert not bad, f"unfinished, empty, vanished or obsolete in i18n/wizard_zh_CN.ts:\n{listed(bad)}\n{HOW_TO_FIX}."


def test_translations_keep_the_placeholders(committed: dict[Key, ET.Element]) -> None:
    # Both ways: a placeholder lost shows a hole, one added makes str.format() raise KeyError in the window.
    wrong = []
    for (context, source), message in committed.items():
        wanted = set(PLACEHOLDER.findall(source))
        for text in translations(message):
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"  [{context}] {source!r} -> {text!r}: needs exactly {sorted(wanted)}")
    assert not wrong, "placeholders differ between source and translation:\n" + "\n".join(wrong)


def test_the_committed_qm_is_built_from_the_ts(tmp_path: Path, committed: dict[Key, ET.Element]) -> None:
    assert QM.exists(), f"{QM.relative_to(ROOT)} is missing: run `make translations`"
    fresh = tmp_path / "wizard_zh_CN.qm"
    run(tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(fresh))
    if fresh.read_bytes() == QM.read_bytes():  # lrelease writes the same bytes for the same .ts
        return
    # Another Qt version may lay the file out differently: then what counts is that both translate alike.
    from PySide6.QtCore import QTranslator

    old, new = QTranslator(), QTranslator()
    assert old.load(str(QM)) and new.load(str(fresh))
    stale = [key for key in committed if old.translate(*key) != new.translate(*key)]
    assert not stale, (f"wizard/resources/i18n/wizard_zh_CN.qm is older than i18n/wizard_zh_CN.ts for:\n"
                       f"{listed(stale)}\n"
                       "run `make translations` and commit the .qm")
