"""Translations: Qt .qm files beside this module, one per language (``dropin_<code>.qm``).

English is built in. Every visible string goes through ``tr()``, so a new
language is a ``pyside6-lupdate`` / Qt Linguist / ``pyside6-lrelease`` away.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).parent
_installed: list[QTranslator] = []


def available() -> list[str]:
    """Language names, English first."""
    names = ["English"]
    for qm in sorted(HERE.glob("dropin_*.qm")):
        code = qm.stem.removeprefix("dropin_")
        names.append(QLocale(code).nativeLanguageName() or code)
    return names


def install(app: QApplication, name: str) -> None:
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    for qm in HERE.glob("dropin_*.qm"):
        code = qm.stem.removeprefix("dropin_")
        if (QLocale(code).nativeLanguageName() or code) == name:
            translator = QTranslator(app)
            if translator.load(str(qm)):
                app.installTranslator(translator)
                _installed.append(translator)
