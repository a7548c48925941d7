"""Translations: Qt .qm files beside this module, one per language (``dropin_<code>.qm``).

English is built in. Every visible string goes through ``tr()``, so a new
language is a ``pyside6-lupdate`` / Qt Linguist / ``pyside6-lrelease`` away. The
screens set their words again when the language changes (``kiosk.widgets.Words``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).parent
_installed: list[QTranslator] = []
_first_locale: list[QLocale] = []  # the locale the kiosk started with (English's)


def available() -> list[str]:
    """Language names, each in its own language, English first."""
    return [name for name, _qm in _languages(HERE)]


@cache
def _languages(folder: Path) -> tuple[tuple[str, Path | None], ...]:
    """(name, .qm file) for each language (looked for once: they come with the program)."""
    found: list[tuple[str, Path | None]] = [("English", None)]
    for qm in sorted(folder.glob("dropin_*.qm")):
        found.append((_name(qm), qm))
    return tuple(found)


def _name(qm: Path) -> str:
    code = qm.stem.removeprefix("dropin_")
    return QLocale(code).nativeLanguageName() or code


def install(app: QApplication, name: str) -> None:
    """Speak the language called ``name``: its translation in place of the last one, and
    its locale for dates (English: the locale the kiosk started with)."""
    if not _first_locale:
        _first_locale.append(QLocale())
    qm = dict(_languages(HERE)).get(name)
    for old in _installed:
        app.removeTranslator(old)
        old.deleteLater()  # (one a switch would pile up, each with its .qm, all day)
    _installed.clear()
    if qm is None:
        QLocale.setDefault(_first_locale[0])
        return
    translator = QTranslator(app)
    if translator.load(str(qm)):
        app.installTranslator(translator)
        _installed.append(translator)
        QLocale.setDefault(QLocale(qm.stem.removeprefix("dropin_")))
