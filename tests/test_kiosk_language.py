"""The Language button: a visitor puts the kiosk in her language, every screen follows at
once (not only those built afterwards), and the next visitor finds the kiosk's first
language back. The second language here is a translation made with lupdate and lrelease
from the kiosk's own sources, with every sentence in capitals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from sqlalchemy.engine import Engine

import kiosk.i18n
from kiosk.app import DEFAULT_NOTICE
from tests.test_kiosk import Rig, _build, _family, _sessions_now
from tests.test_kiosk_touch import shouting_translation

# What the kiosk shows that is not its own words: the room's name and the clock.
DATA = {"roomName", "clock"}


@pytest.fixture
def capitals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A second language beside English (named "xx": no locale knows it), for as long as
    the test runs; the kiosk is put back in English after it."""
    folder = tmp_path / "i18n"
    folder.mkdir()
    shouting_translation(folder)
    monkeypatch.setattr(kiosk.i18n, "HERE", folder)
    assert kiosk.i18n.available() == ["English", "xx"]
    yield "xx"
    kiosk.i18n.install(QApplication.instance(), "English")


def _kiosk(qtbot, engine: Engine, tmp_path: Path, idle: int = 30) -> Iterator[Rig]:
    _sessions_now(engine, [("Coffee morning", False)])
    r = _build(qtbot, engine, tmp_path, idle=idle)
    yield r
    QApplication.instance().removeEventFilter(r.touches)
    r.kiosk.shutdown()


@pytest.fixture
def rig(qtbot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[Rig]:
    yield from _kiosk(qtbot, sqlite_engine, tmp_path)


def _words(window: QWidget) -> list[tuple[str, str]]:
    """Every text of the kiosk's own on every screen, on show or not: (object name, text)
    for labels, buttons, fields' placeholders, and every accessible name and description."""
    out: list[tuple[str, str]] = []
    for w in [window, *window.findChildren(QWidget)]:
        name = w.objectName()
        if name in DATA:
            continue
        texts = [w.accessibleName(), w.accessibleDescription()]
        if isinstance(w, QLabel | QPushButton):
            texts.append(w.text())
        if isinstance(w, QLineEdit | QPlainTextEdit):
            texts.append(w.placeholderText())
        out += [(name, t) for t in texts if t]
    return out


def _in_english(window: QWidget, *data: str) -> list[tuple[str, str]]:
    """The kiosk's words still in English (lower-case letters) in the capitals language,
    ``data`` (names, the language's own name) left out of each text."""
    out = []
    for name, text in _words(window):
        words = text
        for x in data:
            words = words.replace(x, "")
        if words != words.upper():
            out.append((name, text))
    return out


def test_every_screen_changes_language_at_once_and_back(rig: Rig, capitals: str) -> None:
    k = rig.kiosk
    before = _words(k.w)
    assert ("signInButton", "Sign in") in before and ("pinTitle", "Staff: enter your PIN") in before
    k.say("Sorry, we don't know this card. Please ask a member of staff.")  # (the last visitor's)
    rig.tap(k.welcome.language_button)
    rig.qtbot.waitUntil(lambda: k.welcome.sign_in_button.text() == "SIGN IN")
    rig.qtbot.wait(50)  # (every widget has had Qt's LanguageChange)
    assert k.welcome.language_button.text() == "LANGUAGE: xx"
    assert not k.w.toast.isVisible()  # no message left in the last language
    # Every screen, on show or not, the staff pages too:
    assert _in_english(k.w, "Coffee morning", "xx") == []
    assert k.new.notice.text() == DEFAULT_NOTICE.upper()
    assert {name for name, _text in _words(k.w)} == {name for name, _text in before}
    # A second tap: back to English, everywhere.
    rig.tap(k.welcome.language_button)
    rig.qtbot.waitUntil(lambda: k.welcome.sign_in_button.text() == "Sign in")
    rig.qtbot.wait(50)
    assert sorted(_words(k.w)) == sorted(before)


def test_a_visitor_goes_through_find_me_in_her_language(rig: Rig, capitals: str) -> None:
    """What the screens show as she goes is in her language too: the household, the
    buttons made for her answers, and Done."""
    _family(rig.engine, ("Lauren", "Hill", 1990), ("Ella", "Hill", 2018), card=False)
    k = rig.kiosk
    rig.tap(k.welcome.language_button)
    rig.qtbot.waitUntil(lambda: k.welcome.sign_in_button.text() == "SIGN IN")
    rig.tap(k.welcome.sign_in_button)
    rig.wait_for(k.identify)
    rig.type("Zzz")
    rig.enter()
    rig.type("1990")
    rig.qtbot.waitUntil(lambda: rig.shown("noMatch", QLabel))
    assert rig.find("noMatch", QLabel).text().startswith("NO MATCH YET.")
    rig.tap(rig.find("firstNameField", QLineEdit))
    for _ in range(3):
        rig.backspace()
    rig.type("Lau")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    assert rig.find("result0").accessibleName().startswith("THAT'S ME: Lauren")
    rig.tap(rig.find("result0"))
    rig.wait_for(k.who)
    assert {b.accessibleName() for b in k.who.toggles.values()} == {"Lauren IS HERE",
                                                                    "Ella IS HERE"}
    assert rig.find("whoNextButton").text() == "SIGN IN"
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(k.done)
    assert rig.find("doneMessage", QLabel).text() == "WELCOME, Lauren"
    # Her visit is over: the next visitor finds the kiosk in English.
    rig.tap(rig.find("doneButton"))
    rig.wait_for(k.welcome)
    rig.qtbot.waitUntil(lambda: k.welcome.sign_in_button.text() == "Sign in")
    assert k.welcome.language_button.text() == "Language: English"
    assert k.new.notice.text() == DEFAULT_NOTICE


def test_the_next_visitor_scanning_at_the_last_ones_done_finds_english(
        rig: Rig, capitals: str) -> None:
    """Lauren signed in in her language; Sam, next in the queue, scans his card while her
    Done is still up: his Done is in the kiosk's first language."""
    _i, lauren = _family(rig.engine, ("Lauren", "Hill", 1990))
    _j, sam = _family(rig.engine, ("Sam", "Wilson", 1988))
    k = rig.kiosk
    rig.tap(k.welcome.language_button)
    rig.qtbot.waitUntil(lambda: k.welcome.sign_in_button.text() == "SIGN IN")
    rig.scanner.show(lauren)  # (her own language stays for her card)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "WELCOME, Lauren")
    rig.scanner.show(sam)
    rig.qtbot.waitUntil(lambda: "Sam" in rig.find("doneMessage", QLabel).text())
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Sam"
    assert rig.find("doneButton").text() == "Done"


@pytest.fixture
def quick_rig(qtbot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[Rig]:
    """The kiosk with an idle time of one second."""
    yield from _kiosk(qtbot, sqlite_engine, tmp_path, idle=1)


def test_a_language_chosen_and_left_goes_back_after_the_idle_time(
        quick_rig: Rig, capitals: str) -> None:
    """A visitor chooses her language on Welcome and walks away: Welcome stays, and after
    the idle time it is in the kiosk's first language again."""
    r, welcome = quick_rig, quick_rig.kiosk.welcome
    r.tap(welcome.language_button)
    r.qtbot.waitUntil(lambda: welcome.sign_in_button.text() == "SIGN IN")
    r.qtbot.waitUntil(lambda: welcome.sign_in_button.text() == "Sign in", timeout=5000)
    assert r.kiosk.current() is welcome
    assert welcome.language_button.text() == "Language: English"
