"""Touch and screen-reader details of the kiosk: what stays reachable with the keyboard up,
what a stray tap cannot do, the on-screen keyboard's settings, and what is read out."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, QTranslator
from PySide6.QtGui import QAccessible
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget
from sqlalchemy.engine import Engine

from tests.test_kiosk import Rig, _about_you, _build, _family, _sessions_now

FAMILY = (("Yusuf", "36"), ("Leila", "6"), ("Omar", "2"), ("Noor", "12"), ("Sami", "9"),
          ("Hana", "15"))


@pytest.fixture
def rig(qtbot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[Rig]:
    """The kiosk of tests/test_kiosk.py (1280×800, one session on now) on a fresh database."""
    _sessions_now(sqlite_engine, [("Coffee morning", False)])
    r = _build(qtbot, sqlite_engine, tmp_path)
    yield r
    QApplication.instance().removeEventFilter(r.touches)
    r.kiosk.shutdown()


def _on_window(widget: QWidget) -> QRect:
    """Where ``widget`` is in the kiosk window's coordinates."""
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def _in_view(rig: Rig) -> QRect:
    """The part of the window where a screen can be seen (below the banner, above the
    keyboard when it is up)."""
    w = rig.kiosk.w
    view = _on_window(w.scroll.viewport())
    if w.keyboard.isVisible():
        view.setBottom(min(view.bottom(), _on_window(w.keyboard).top() - 1))
    return view


def _to_family_step(rig: Rig, members: tuple[tuple[str, str], ...]) -> None:
    _about_you(rig, "Amira")
    for name, age in members:
        rig.type(name)
        rig.enter()
        rig.type(age)
        rig.enter()  # adds them
    rig.qtbot.wait(50)  # the layout settles


def _chips(rig: Rig) -> list[str]:
    """The people added so far, as their chips read."""
    return [b.text() for b in rig.kiosk.w.findChildren(QPushButton)
            if re.fullmatch(r"memberRemove\d+", b.objectName()) and b.isVisible()]


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_family_step_next_is_above_the_keyboard_with_a_family_of_six(
        rig: Rig, size: tuple[int, int]) -> None:
    from kiosk.theme import stylesheet

    rig.kiosk.w.resize(*size)
    rig.kiosk.w.setStyleSheet(stylesheet(size[1]))
    _to_family_step(rig, FAMILY)
    assert _chips(rig) == [f"{name}  ✕" for name, _ in FAMILY]
    assert rig.kiosk.w.keyboard.isVisible()
    assert QApplication.focusWidget() is rig.find("memberName", QLineEdit)
    view = _in_view(rig)
    assert view.height() < size[1] - 200  # the keyboard takes the lower part
    for name, kind in (("familyNextButton", QPushButton), ("memberName", QLineEdit),
                       ("memberYear", QLineEdit), ("memberAddButton", QPushButton)):
        widget = rig.find(name, kind)
        assert widget.isVisible(), name
        assert view.contains(_on_window(widget)), (name, _on_window(widget), view)
    rig.tap(rig.find("familyNextButton"))
    assert rig.find("privacyNotice", QLabel).isVisible()


def test_a_message_goes_at_the_first_touch_once_read_and_the_touch_still_counts(
        rig: Rig) -> None:
    """A message lies over the top of the screen, where Back is. The touch that brought it
    (or a double tap's second) leaves it; the first touch after that fades it at once, so
    that Back is in sight again, and that touch still does what it was for."""
    from PySide6.QtCore import QAbstractAnimation

    from kiosk.widgets import Toast

    toast = rig.kiosk.w.toast
    rig.kiosk.say("Sorry, that card didn't scan. Please try again.", "error", ms=60_000)
    rig.tap(rig.kiosk.welcome.sign_in_button)  # at once: the message stays
    rig.wait_for(rig.kiosk.identify)
    rig.qtbot.wait(Toast.READ_MS + 50)
    fade = toast._fade
    assert fade is not None and fade.state() != QAbstractAnimation.State.Running
    assert toast.isVisible() and toast.text()
    rig.tap(rig.find("backButton"))
    rig.wait_for(rig.kiosk.welcome)  # (the touch went on to Back)
    rig.qtbot.waitUntil(lambda: not toast.isVisible() and toast.text() == "", timeout=1500)


def test_a_postcode_is_typed_in_capitals_on_the_on_screen_keyboard(rig: Rig) -> None:
    """The on-screen keyboard keeps to capitals in the postcode field (in a name field it
    drops Shift after the first letter, as in a sentence: "Sw" for a postcode)."""
    rig.tap(rig.kiosk.welcome.new_button)
    field = rig.find("newPostcode", QLineEdit)
    rig.tap(field)
    keyboard = rig.kiosk.w.keyboard
    rig.qtbot.waitUntil(keyboard.isVisible)
    rig.qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    items = keyboard.rootObject().findChildren(QQuickItem)

    def press(letter: str) -> None:
        key = next(i for i in items if str(i.property("text")).lower() == letter
                   and i.isVisible() and i.metaObject().className().startswith("Key"))
        centre = key.mapToScene(QPointF(key.width() / 2, key.height() / 2))
        rig.qtbot.mouseClick(keyboard, Qt.MouseButton.LeftButton,
                             pos=QPoint(round(centre.x()), round(centre.y())))

    for letter in "sws":
        press(letter)
    rig.qtbot.waitUntil(lambda: len(field.text()) == 3)
    assert field.text() == "SWS"


def test_a_tap_on_a_person_asks_before_removing_them(rig: Rig) -> None:
    _to_family_step(rig, FAMILY[:3])
    new = rig.kiosk.new
    leila, confirm = rig.find("memberRemove1"), rig.find("memberRemoveConfirm1")
    assert not confirm.isVisible()
    rig.tap(leila)
    rig.qtbot.wait(50)
    assert _chips(rig) == ["Yusuf  ✕", "Leila  ✕", "Omar  ✕"]  # nobody gone
    assert confirm.isVisible() and confirm.text() == "Remove Leila?"
    assert _in_view(rig).contains(_on_window(confirm))
    rig.tap(leila)  # a second tap on the chip takes the question back
    assert not confirm.isVisible()
    rig.tap(leila)
    rig.tap(rig.find("memberRemove2"))  # only one question at a time
    assert not confirm.isVisible() and rig.find("memberRemoveConfirm2").isVisible()
    # Unanswered, the question goes by itself.
    new._disarm_timer.setInterval(50)
    rig.tap(leila)
    rig.qtbot.waitUntil(lambda: not confirm.isVisible(), timeout=2000)
    assert _chips(rig) == ["Yusuf  ✕", "Leila  ✕", "Omar  ✕"]
    # Asked and answered: Leila is taken off.
    rig.tap(leila)
    rig.tap(confirm)
    rig.qtbot.waitUntil(lambda: _chips(rig) == ["Yusuf  ✕", "Omar  ✕"])
    assert [m["first_name"] for m in rig.kiosk.visit.new_members] == ["Yusuf", "Omar"]


def test_chips_are_announced_as_people_to_remove(rig: Rig) -> None:
    _to_family_step(rig, FAMILY[:1])
    assert rig.find("memberRemove0").accessibleName() == "Yusuf: tap to remove"
    assert rig.find("memberRemoveConfirm0").accessibleName() == "Remove Yusuf?"


# --- the on-screen keyboard ------------------------------------------------------------

def _keyboard_up(rig: Rig) -> QWidget:
    rig.tap(rig.kiosk.welcome.sign_in_button)
    keyboard = rig.kiosk.w.keyboard
    rig.qtbot.waitUntil(keyboard.isVisible)
    rig.qtbot.wait(100)
    return keyboard


def _qml(keyboard, expression: str) -> object:
    """The value of a QML expression in the keyboard's scene."""
    root = keyboard.rootObject()
    expr = QQmlExpression(QQmlEngine.contextForObject(root), root, expression)
    value, _undefined = expr.evaluate()
    assert not expr.hasError(), expr.error().toString()
    return value


def _qml_keyboard(keyboard) -> QQuickItem:
    """Qt's Keyboard item inside the input panel."""
    return next(i for i in keyboard.rootObject().findChildren(QQuickItem)
                if i.objectName() == "keyboard")


def _shown_keys(keyboard, kind: str) -> list[QQuickItem]:
    return [i for i in keyboard.rootObject().findChildren(QQuickItem)
            if i.metaObject().className().startswith(kind) and i.isVisible()]


def test_the_keyboard_is_english_uk_only_with_no_language_or_hide_key(rig: Rig) -> None:
    keyboard = _keyboard_up(rig)
    root = keyboard.rootObject()
    assert root.property("activeLocales") == ["en_GB"]
    assert root.property("locale") == "en_GB"
    assert _qml(keyboard, "VirtualKeyboardSettings.locale") == "en_GB"
    assert _shown_keys(keyboard, "Key_")  # the letters are there...
    # (The letters layout only: one test process builds many kiosks, and one that has
    # shown the symbols layout leaves Qt's application-wide input context changed for the
    # kiosks built after it. The function keys are set for every layout alike.)
    assert not _shown_keys(keyboard, "ChangeLanguageKey")
    assert not _shown_keys(keyboard, "HideKeyboardKey")
    # nor Qt's ⚙ on a key held down, which offers the functions without a key
    assert not [i for i in root.findChildren(QQuickItem)
                if i.property("smallText") == "\u2699"]
    assert keyboard.accessibleName() == "On-screen keyboard"


def test_the_keyboard_is_back_to_lower_case_letters_for_the_next_visitor(rig: Rig) -> None:
    keyboard = _keyboard_up(rig)
    inner = _qml_keyboard(keyboard)

    def left_in_a_state() -> None:
        inner.setProperty("symbolMode", True)
        _qml(keyboard, "InputContext.priv.shiftHandler.capsLockActive = true")
        assert inner.property("symbolMode") and _qml(keyboard, "InputContext.capsLockActive")

    def as_new() -> bool:
        return not (inner.property("symbolMode") or _qml(keyboard, "InputContext.capsLockActive")
                    or _qml(keyboard, "InputContext.shiftActive"))

    left_in_a_state()
    rig.kiosk.w.reset_keyboard()  # what the controller can ask for
    assert as_new()
    left_in_a_state()
    rig.tap(rig.kiosk.identify.back_button)  # the keyboard is put away
    rig.wait_for(rig.kiosk.welcome)
    assert not keyboard.isVisible()
    assert as_new()


def _key_tap(rig: Rig, keyboard: QWidget, key: Qt.Key) -> None:
    """A tap on the on-screen keyboard's key for ``key``."""
    item = next(i for i in keyboard.rootObject().findChildren(QQuickItem)
                if i.property("key") == key.value and i.isVisible())
    at = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
    rig.qtbot.mouseClick(keyboard, Qt.MouseButton.LeftButton, pos=at.toPoint())
    rig.qtbot.wait(20)


def test_a_name_typed_on_the_keyboard_starts_with_a_capital(rig: Rig) -> None:
    """The kiosk puts the cursor in the first-name field itself: the keyboard starts it
    with a capital letter, as it does for a field the visitor taps."""
    keyboard = _keyboard_up(rig)
    for key in (Qt.Key.Key_M, Qt.Key.Key_A, Qt.Key.Key_R):
        _key_tap(rig, keyboard, key)
    assert rig.kiosk.identify.first.text() == "Mar"
    rig.tap(rig.kiosk.identify.back_button)  # the keyboard is put away, and reset
    rig.wait_for(rig.kiosk.welcome)
    rig.tap(rig.kiosk.welcome.new_button)  # the next visitor, I'm new
    rig.qtbot.waitUntil(keyboard.isVisible)
    for key in (Qt.Key.Key_J, Qt.Key.Key_O):
        _key_tap(rig, keyboard, key)
    assert rig.kiosk.new.first.text() == "Jo"


# --- what screen readers say --------------------------------------------------------------

def test_a_message_is_announced_to_a_screen_reader_as_it_appears(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6 import QtGui

    events: list[tuple[object, QAccessible.Event]] = []
    monkeypatch.setattr(QtGui.QAccessible, "updateAccessibility",
                        staticmethod(lambda ev: events.append((ev.object(), ev.type()))))
    rig.kiosk.say("Sorry, that card didn't scan. Please try again.")
    assert (rig.kiosk.w.toast, QAccessible.Event.Alert) in events


def _announced(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface.text(QAccessible.Text.Name)


def test_the_done_message_is_announced_by_its_text(rig: Rig) -> None:
    _ids, token = _family(rig.engine, ("Mary", "Wilson", 1958))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    message = rig.find("doneMessage", QLabel)
    assert message.text() == "Welcome, Mary"
    assert message.accessibleName() in ("", message.text())
    assert _announced(message) == "Welcome, Mary"
    assert _announced(rig.find("doneDetail", QLabel)) == "You're signed in."
    for b in rig.kiosk.w.findChildren(QPushButton):
        if b.isVisible():
            assert _announced(b) == b.text().replace("\n", " "), b.objectName()


def test_the_toast_is_announced_by_its_message(rig: Rig) -> None:
    rig.kiosk.say("Please choose a topic first.")
    toast = rig.kiosk.w.toast
    assert _announced(toast) == "Please choose a topic first."
    assert toast.accessibleDescription() == "Message"


# --- translation ---------------------------------------------------------------------------

# Every source of the kiosk, as README's translation command gives them to lupdate.
SOURCES = tuple(sorted(str(p.relative_to(Path(__file__).parents[1]))
                       for p in (Path(__file__).parents[1] / "kiosk").rglob("*.py")))


def _qt_tool(name: str) -> str:
    return str(Path(sys.executable).with_name(f"pyside6-{name}"))


def shouting_translation(folder: Path) -> tuple[set[tuple[str, str]], Path]:
    """A translation of the whole kiosk with every string in capitals, made from what
    lupdate extracts from every kiosk source, released with lrelease: the (context,
    source) pairs found, and the .qm file."""
    root = Path(__file__).resolve().parent.parent
    ts = folder / "dropin_xx.ts"
    subprocess.run([_qt_tool("lupdate"), *SOURCES, "-ts", str(ts)], cwd=root, check=True,
                   capture_output=True, timeout=120)
    tree = ElementTree.parse(ts)
    found = {(c.findtext("name") or "", m.findtext("source") or "")
             for c in tree.getroot().iter("context") for m in c.iter("message")}
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        assert translation is not None
        # (capitals, but never in "%s", "%d" or "%n": they are filled in after)
        source = re.sub(r"%[SDN]", lambda m: m.group().lower(),
                        (message.findtext("source") or "").upper())
        if message.get("numerus") == "yes":  # "%n visitors": a form for each plural
            for _ in range(2):
                ElementTree.SubElement(translation, "numerusform").text = source
        else:
            translation.text = source
        translation.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8")
    qm = folder / "dropin_xx.qm"
    subprocess.run([_qt_tool("lrelease"), str(ts), "-qm", str(qm)], check=True,
                   capture_output=True, timeout=120)
    return found, qm


def test_topics_window_toast_and_keyboard_names_are_translated(qtbot, tmp_path: Path) -> None:
    """What lupdate extracts from the kiosk's widgets, and a translation made from it
    (every string in capitals) shown by them; topics are still sent in English."""
    from kiosk.screens.visitor import FeedbackScreen
    from kiosk.window import KioskWindow
    from schema import feedback

    found, qm = shouting_translation(tmp_path)
    assert {("FeedbackScreen", topic) for topic in feedback.TOPICS} <= found
    assert {("KioskWindow", "Dropin sign-in kiosk"), ("Toast", "Message"),
            ("Keyboard", "On-screen keyboard")} <= found
    app = QApplication.instance()
    translator = QTranslator()
    assert translator.load(str(qm))
    app.installTranslator(translator)
    try:
        window = KioskWindow(windowed=True)
        qtbot.addWidget(window)
        screen = FeedbackScreen(feedback.TOPICS)
        qtbot.addWidget(screen)
    finally:
        app.removeTranslator(translator)
    assert window.accessibleName() == "DROPIN SIGN-IN KIOSK"
    assert window.toast.accessibleDescription() == "MESSAGE"
    assert window.keyboard.accessibleName() == "ON-SCREEN KEYBOARD"
    safety = screen.topics["Safety"]
    assert safety.text() == "SAFETY" and safety.accessibleName() == "SAFETY"
    safety.click()
    screen.text.setPlainText("The stair light is out")
    with qtbot.waitSignal(screen.send) as sent:
        screen.send_button.click()
    assert sent.args[0] == "Safety"  # stored in English whatever the screen shows


def test_a_tap_on_a_button_leaves_the_typing_where_it_was(rig: Rig) -> None:
    """Choosing a topic while writing a concern keeps the text box and its keyboard."""
    rig.tap(rig.kiosk.welcome.feedback_button)
    rig.type("The stair light")
    box = QApplication.focusWidget()
    assert box is rig.kiosk.feedback.text
    rig.qtbot.waitUntil(rig.kiosk.w.keyboard.isVisible)
    rig.tap(rig.find("topic2"))
    rig.qtbot.wait(50)
    assert QApplication.focusWidget() is box and rig.kiosk.w.keyboard.isVisible()
    rig.type(" is out")
    assert box.toPlainText() == "The stair light is out"


def test_have_your_say_shows_the_name_field_above_the_keyboard(rig: Rig) -> None:
    """At 1280×800 with the keyboard up: the topics, the message and the optional name
    are all in view, so a visitor can see she may add her name."""
    rig.tap(rig.kiosk.welcome.feedback_button)
    rig.qtbot.waitUntil(rig.kiosk.w.keyboard.isVisible)
    rig.qtbot.wait(50)
    view = _in_view(rig)
    for name in ("topic0", "topic4", "feedbackText", "feedbackName"):
        widget = rig.kiosk.w.findChild(QWidget, name)
        assert view.contains(_on_window(widget)), name


def test_no_label_reads_a_name_or_message_as_html(rig: Rig) -> None:
    """A name stored at the office as "<b>Sam</b>" is shown as typed, not in bold."""
    from PySide6.QtCore import Qt

    labels = [lab for lab in rig.kiosk.w.findChildren(QLabel)
              if not lab.objectName().endswith("Qr")]  # the QR codes' pictures
    assert len(labels) > 20
    rich = [lab.objectName() for lab in labels
            if lab.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []
    rig.kiosk.say("<b>Sam</b>")
    assert rig.kiosk.w.toast.textFormat() == Qt.TextFormat.PlainText
