"""Idle reset, screen by screen (DESIGN 4.8; README "Idle reset" and "Staff mode").

Every screen a visitor or a member of staff can reach is driven with real taps and keys
and filled with a visitor's details; then nobody touches the kiosk until its countdown
(shortened through the kiosk's config, as ``--idle`` does) runs out. The kiosk must be
back on Welcome with nothing of that visitor left anywhere in the window: no widget's
text, list item, accessible name or description, tooltip or QR code, no string held by
a screen or the controller; the on-screen keyboard put away and staff mode left.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuickWidgets import QQuickWidget
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.engine import Engine

from kiosk.app import Kiosk, Visit
from kiosk.scanner import FakeScanner, decode_qr
from schema.db import make_engine, read_session, run_in_transaction
from schema.migrate import upgrade
from schema.referrals import get_or_create_partner
from schema.staff import create_staff
from tests.test_kiosk import (
    ACTOR,
    _build,
    _family,
    _sessions_now,
    _three_sessions_on,
    takes_touches,
)

W = TypeVar("W", bound=QWidget)

IDLE_S = 1  # the countdown once the visitor has walked away (30 s and 60 s on a real kiosk)

# The visitor and their household, as typed and shown: distinctive enough that none of it
# can be found on the kiosk for any other reason.
FIRST, LAST, YEAR = "Zephyrine", "Quillfeather", 1987
PARTNER, CHILD = "Bartholomew", "Xanthippe"
POSTCODE, PHONE = "ZE2 9QX", "07700 900461"
FEEDBACK = "The lift smells of marmalade again"
REASON, NOTE = "Rising damp at Quillfeather Court", "Black mould behind the wardrobe"
STAFF, PIN = "Ottoline Pemberton", "2468"
PARTNERS = ("Food bank", "Housing")  # partner0, partner1 (listed by name)
# Looked for in every case, whatever the screen (case-insensitively).
WORDS = ("Zephyr", "Quill", PARTNER, CHILD, "Peregrina", "Ignatius", "marmalade", "wardrobe",
         "Ottoline", POSTCODE, POSTCODE.replace(" ", ""), "900461", str(YEAR))
# Made on the fly by a screen and thrown away by its reset (README's object names).
DYNAMIC = re.compile(r"(result|member|memberRemove|memberRemoveConfirm|session|handSession)"
                     r"\d+|noMatch")


@dataclass
class Station:
    """A kiosk on a fresh database, and a person in front of it."""

    kiosk: Kiosk
    scanner: FakeScanner
    engine: Engine
    qtbot: QtBot
    secrets: list[str] = field(default_factory=lambda: list(WORDS))

    # --- the visitor's details --------------------------------------------------------
    def remember(self, *texts: str) -> None:
        """Something typed or shown that must be gone after the reset."""
        self.secrets += [t for t in texts if t]

    def household(self, *members: tuple[str, str, int], card: bool = False) -> str:
        """Register a household (the first member with a card if ``card``); its token."""
        _ids, token = _family(self.engine, *members, card=card)
        self.remember(str(token))
        return str(token)

    def staff_user(self) -> None:
        run_in_transaction(self.engine, lambda s: (
            create_staff(s, name=STAFF, role="staff", pin=PIN, actor=ACTOR),
            [get_or_create_partner(s, name) for name in PARTNERS]))

    def sql(self, query: str, **params: object) -> Any:
        with read_session(self.engine) as s:
            return s.execute(text(query), params).scalar()

    # --- touching it ----------------------------------------------------------------------
    def find(self, name: str, kind: type[W]) -> W:
        found = self.kiosk.w.findChild(kind, name)
        assert found is not None, name
        return found

    def tap(self, target: str | QWidget) -> None:
        widget = self.find(target, QWidget) if isinstance(target, str) else target
        assert widget.isVisible() and widget.isEnabled(), widget.objectName()
        self.qtbot.waitUntil(lambda: takes_touches(widget))
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def tap_row(self, list_name: str, row: int = 0) -> None:
        rows = self.find(list_name, QListWidget)
        self.qtbot.waitUntil(lambda: takes_touches(rows))
        self.qtbot.waitUntil(lambda: rows.count() > row)
        self.qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton,
                              pos=rows.visualItemRect(rows.item(row)).center())

    def type(self, typed: str) -> None:
        """Key by key into the field with the focus (as the on-screen keyboard types)."""
        focus = QApplication.focusWidget()
        assert isinstance(focus, QLineEdit | QPlainTextEdit), focus
        self.qtbot.keyClicks(focus, typed)
        if len(typed) >= 4:  # (an age or a digit is no one's own)
            self.remember(typed)

    def type_into(self, name: str, typed: str) -> None:
        self.tap(name)
        assert QApplication.focusWidget() is self.find(name, QWidget), name
        self.type(typed)

    def enter(self) -> None:
        self.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    def shows(self, name: str) -> bool:
        found = self.kiosk.w.findChild(QWidget, name)
        return found is not None and found.isVisible()

    def wait_for(self, screen: QWidget) -> None:
        self.qtbot.waitUntil(lambda: self.kiosk.current() is screen, timeout=5000)

    def told(self) -> str:
        """Wait for the kiosk's message (the toast); what it says is to be forgotten too."""
        toast = self.kiosk.w.toast
        self.qtbot.waitUntil(lambda: toast.isVisible() and bool(toast.text()))
        self.remember(toast.text())
        return toast.text()


# --- what the window holds -----------------------------------------------------------------

def _where(widget: QWidget) -> str:
    return f"{type(widget).__name__} '{widget.objectName()}'"


def _model_text(view: QAbstractItemView) -> Iterator[tuple[str, str]]:
    model = view.model()
    if model is None:
        return
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole,
             Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.AccessibleDescriptionRole)

    def walk(parent: QModelIndex) -> Iterator[tuple[str, str]]:
        # (by valid indexes: a list model keeps columnCount and hasChildren private)
        row = 0
        while model.index(row, 0, parent).isValid():
            column = 0
            while (index := model.index(row, column, parent)).isValid():
                for role in roles:
                    value = model.data(index, role)
                    if value is not None:
                        yield f"{_where(view)} item {row},{column} {role.name}", str(value)
                yield from walk(index)
                column += 1
            row += 1

    yield from walk(QModelIndex())


def _keyboard_text(keyboard: QQuickWidget) -> Iterator[tuple[str, str]]:
    """Any text on the on-screen keyboard's items (keys, candidates, previews)."""
    root = keyboard.rootObject()
    for item in root.findChildren(QObject) if root is not None else []:
        for name in ("text", "displayText", "preeditText"):
            value = item.property(name)
            if isinstance(value, str) and value:
                yield f"keyboard {type(item).__name__}.{name}", value


def input_context_text(keyboard: QWidget) -> dict[str, str]:
    """What Qt Virtual Keyboard's input context last read from a text field."""
    assert isinstance(keyboard, QQuickWidget)
    root = keyboard.rootObject()
    out = {}
    for name in ("surroundingText", "preeditText", "selectedText"):
        expr = QQmlExpression(QQmlEngine.contextForObject(root), root, f"InputContext.{name}")
        value, _undefined = expr.evaluate()
        assert not expr.hasError(), expr.error().toString()
        out[name] = str(value or "")
    return out


def window_text(window: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every string held by any widget of the window, shown or not."""
    for w in [window, *window.findChildren(QWidget)]:
        where = _where(w)
        yield f"{where} accessibleName", w.accessibleName()
        yield f"{where} accessibleDescription", w.accessibleDescription()
        yield f"{where} toolTip", w.toolTip()
        yield f"{where} statusTip", w.statusTip()
        yield f"{where} whatsThis", w.whatsThis()
        yield f"{where} windowTitle", w.windowTitle()
        face = QAccessible.queryAccessibleInterface(w)
        if face is not None:  # what a screen reader would read out
            for kind in (QAccessible.Text.Name, QAccessible.Text.Description,
                         QAccessible.Text.Value, QAccessible.Text.Help):
                yield f"{where} read out ({kind.name})", face.text(kind)
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            yield f"{where} text", w.text()
        if isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit):
            yield f"{where} placeholder", w.placeholderText()
        if isinstance(w, QPlainTextEdit | QTextEdit):
            yield f"{where} text", w.toPlainText()
        if isinstance(w, QComboBox):
            yield f"{where} current", w.currentText()
            yield from ((f"{where} item {i}", w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QAbstractItemView):
            yield from _model_text(w)
        if isinstance(w, QLabel) and not w.pixmap().isNull():
            yield f"{where} picture's QR code", decode_qr(w.pixmap().toImage()) or ""
        if isinstance(w, QQuickWidget):
            yield from _keyboard_text(w)


def held_values(kiosk: Kiosk) -> Iterator[tuple[str, str]]:
    """(where, string) for every string the controller and the widgets keep in Python."""

    def walk(where: str, value: object, depth: int) -> Iterator[tuple[str, str]]:
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, QObject) or depth > 5:
            return
        elif is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                yield from walk(f"{where}.{f.name}", getattr(value, f.name), depth + 1)
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(f"{where} key", key, depth + 1)
                yield from walk(f"{where}[{key!r}]", item, depth + 1)
        elif isinstance(value, list | tuple | set | frozenset):
            for i, item in enumerate(value):
                yield from walk(f"{where}[{i}]", item, depth + 1)

    for obj in [kiosk, *kiosk.w.findChildren(QObject)]:
        for name, value in getattr(obj, "__dict__", {}).items():
            yield from walk(f"{type(obj).__name__}.{name}", value, 0)


def leftovers(st: Station) -> list[str]:
    secrets = sorted({s.casefold() for s in st.secrets if s.strip()})
    found = []
    for where, value in [*window_text(st.kiosk.w), *held_values(st.kiosk)]:
        folded = value.casefold()
        hits = [s for s in secrets if s in folded]
        if hits:
            found.append(f"{where}: {value!r} (has {hits[0]!r})")
    return found


# --- walking away ---------------------------------------------------------------------------

def walk_away(st: Station) -> float:
    """Nobody touches the kiosk any more: the countdown, shortened through the kiosk's
    config as ``--idle`` does, runs out. How long it took, in seconds."""
    k = st.kiosk
    k.cfg.idle_seconds = k.cfg.staff_idle_seconds = IDLE_S
    started = time.monotonic()
    k.idle.set_seconds(IDLE_S)
    st.qtbot.waitUntil(lambda: k.current() is k.welcome, timeout=(IDLE_S + 5) * 1000)
    return time.monotonic() - started


def assert_forgotten(st: Station) -> None:
    k = st.kiosk
    assert k.current() is k.welcome
    st.qtbot.wait(100)  # the screens' thrown-away widgets are deleted
    left = leftovers(st)
    assert not left, "left after the idle reset:\n" + "\n".join(left)
    for name in ("cardQr", "staffCardQr"):
        assert st.find(name, QLabel).pixmap().isNull(), name
    made = [w.objectName() for w in k.w.findChildren(QWidget)
            if DYNAMIC.fullmatch(w.objectName())]
    assert made == [], made
    checked = [b.objectName() for b in k.w.findChildren(QAbstractButton)
               if b.isChecked() and not k.staff.isAncestorOf(b)]
    assert checked == [], checked  # no topic, household member or tile still chosen
    assert not k.w.keyboard.isVisible()
    assert not isinstance(QApplication.focusWidget(), QLineEdit | QPlainTextEdit)
    assert not k.w.toast.isVisible() and k.w.toast.text() == ""
    # (search_seq only counts searches: emptying the find-me fields runs two, for nothing)
    assert replace(k.visit, search_seq=0) == Visit()
    # Staff mode left: the visitor's countdown again, staff mode's first page unloaded,
    # nothing chosen on it.
    assert k.idle.timer.interval() == k.cfg.idle_seconds * 1000
    assert st.find("staffWho", QLabel).text() == ""
    assert st.find("staffNav_room", QPushButton).isChecked()
    assert st.find("roomList", QListWidget).count() == 0
    assert [b.objectName() for b in k.w.findChildren(QPushButton)
            if re.fullmatch(r"partner\d+", b.objectName()) and b.isChecked()] == []
    assert st.find("followUp7", QPushButton).isChecked()  # the usual follow-up again
    assert st.find("pinDots", QLabel).text() == ""


# --- the screens, each filled as a person would ---------------------------------------------

@dataclass(frozen=True)
class Case:
    drive: Callable[[Station], QWidget]  # fills a screen; returns the screen it is on
    sessions: int = 1  # on now at the kiosk's site


CASES: dict[str, Case] = {}


def case(name: str, sessions: int = 1) -> Callable[[Callable[[Station], QWidget]],
                                                   Callable[[Station], QWidget]]:
    def register(drive: Callable[[Station], QWidget]) -> Callable[[Station], QWidget]:
        CASES[name] = Case(drive, sessions)
        return drive

    return register


def _find_me(st: Station, first: str = FIRST, hint: str = "Quill") -> None:
    st.tap("signInButton")
    st.type(first)
    st.enter()  # on to the second field
    st.type(hint)


def _found(st: Station) -> None:
    _find_me(st)
    st.qtbot.waitUntil(lambda: st.shows("result0"))
    assert st.find("result0", QPushButton).text() == f"{FIRST} Q. ({YEAR})"
    st.tap("result0")


@case("find_me_results")
def find_me_results(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    st.household((FIRST, "Quillby", 1990))
    _find_me(st)
    st.qtbot.waitUntil(lambda: st.shows("result1"))
    return st.kiosk.identify


@case("find_me_no_match")
def find_me_no_match(st: Station) -> QWidget:
    _find_me(st, "Zephyrinx", str(YEAR))
    st.qtbot.waitUntil(lambda: st.shows("noMatch"))
    return st.kiosk.identify


@case("whos_here")
def whos_here(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR), (PARTNER, LAST, 1979), (CHILD, LAST, 2016))
    _found(st)
    st.wait_for(st.kiosk.who)
    st.tap("member1")  # one more of the household came
    st.type_into("newMemberName", "Peregrina")  # a new baby, added inline
    st.enter()
    st.type("0")
    st.enter()
    st.qtbot.waitUntil(lambda: st.shows("member3"))
    st.type_into("newMemberName", "Ignatius")  # and another, half typed
    st.enter()
    st.type("2019")
    return st.kiosk.who


@case("what_for", sessions=3)
def what_for(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _found(st)
    st.wait_for(st.kiosk.what)
    assert st.shows("session2")
    return st.kiosk.what


@case("what_for_after_a_card", sessions=3)
def what_for_after_a_card(st: Station) -> QWidget:
    token = st.household((FIRST, LAST, YEAR), card=True)
    st.scanner.show(token)
    st.wait_for(st.kiosk.what)
    assert st.shows("session2")
    return st.kiosk.what


@case("done_with_a_new_card")
def done_with_a_new_card(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _found(st)
    st.wait_for(st.kiosk.done)
    assert st.find("doneMessage", QLabel).text() == f"Welcome, {FIRST}"
    st.tap("makeCardButton")
    qr = st.find("cardQr", QLabel)
    st.qtbot.waitUntil(qr.isVisible)
    token = st.sql("SELECT token FROM card")
    assert decode_qr(qr.pixmap().toImage()) == token
    st.remember(token)
    return st.kiosk.done


def _new_you(st: Station, *, contact: bool) -> None:
    st.tap("newButton")
    st.type(FIRST)
    st.enter()
    st.type(LAST)
    st.enter()
    st.type(str(YEAR))
    if contact:
        st.enter()
        st.type(POSTCODE)
        st.enter()
        st.type(PHONE)
        st.remember(PHONE.replace(" ", ""))


@case("new_you")
def new_you(st: Station) -> QWidget:
    _new_you(st, contact=False)
    return st.kiosk.new


@case("new_contact")
def new_contact(st: Station) -> QWidget:
    _new_you(st, contact=True)
    return st.kiosk.new


@case("new_contact_refused")
def new_contact_refused(st: Station) -> QWidget:
    _new_you(st, contact=False)
    st.type_into("newPostcode", "Zephyr9")
    st.tap("newNextButton")
    st.told()  # why not, and the field is left as typed, to put right
    return st.kiosk.new


def _new_family(st: Station) -> None:
    _new_you(st, contact=True)
    st.tap("newNextButton")
    st.qtbot.waitUntil(lambda: st.shows("memberName"))
    for name, age in ((PARTNER, "38"), (CHILD, "9")):
        st.type(name)
        st.enter()
        st.type(age)
        st.enter()  # adds them
    st.qtbot.waitUntil(lambda: st.shows("memberRemove1"))


@case("new_family")
def new_family(st: Station) -> QWidget:
    _new_family(st)
    st.type("Peregrina")
    st.enter()
    st.enter()  # no year or age: the kiosk asks for one
    st.told()
    st.tap("memberRemove1")  # "Remove Xanthippe?"
    assert st.shows("memberRemoveConfirm1")
    return st.kiosk.new


@case("new_consent")
def new_consent(st: Station) -> QWidget:
    _new_family(st)
    st.tap("familyNextButton")
    assert st.shows("privacyNotice")
    return st.kiosk.new


@case("just_count_me")
def just_count_me(st: Station) -> QWidget:
    st.tap("newButton")
    st.type(FIRST)  # thought better of it
    st.tap("countMeButton")
    st.wait_for(st.kiosk.count)
    st.tap("countPlus")
    st.tap("countPlus")
    assert st.find("countValue", QLabel).text() == "Me + 2"
    st.remember("Me + 2")
    return st.kiosk.count


@case("have_your_say")
def have_your_say(st: Station) -> QWidget:
    st.tap("feedbackButton")
    st.type(FEEDBACK)
    st.tap("topic2")
    st.type_into("feedbackName", f"{FIRST} Q")
    return st.kiosk.feedback


@case("staff_pin_pad")
def staff_pin_pad(st: Station) -> QWidget:
    st.staff_user()
    st.tap("staffButton")
    st.wait_for(st.kiosk.pin)
    for digit in PIN:
        st.tap(f"pin_{digit}")
    assert st.find("pinDots", QLabel).text() == "●" * len(PIN)
    st.remember(PIN, "●")
    return st.kiosk.pin


def _staff_mode(st: Station, page: str) -> None:
    st.staff_user()
    st.tap("staffButton")
    st.wait_for(st.kiosk.pin)
    for digit in PIN:
        st.tap(f"pin_{digit}")
    st.tap("pin_ok")
    st.wait_for(st.kiosk.staff)
    st.tap(f"staffNav_{page}")


@case("staff_room")
def staff_room(st: Station) -> QWidget:
    token = st.household((FIRST, LAST, YEAR), card=True)
    st.scanner.show(token)
    st.wait_for(st.kiosk.done)
    st.tap("doneButton")
    st.wait_for(st.kiosk.welcome)
    _staff_mode(st, "room")
    st.tap_row("roomList")  # chosen to sign out
    assert st.find("roomList", QListWidget).item(0).text().startswith(f"{FIRST} {LAST}")
    return st.kiosk.staff


@case("staff_sign_in_by_hand")
def staff_sign_in_by_hand(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _staff_mode(st, "signin")
    st.type("Zephyr")
    st.tap_row("handResults")
    st.qtbot.waitUntil(lambda: st.shows("handSession0"))
    assert FIRST in st.find("handChosen", QLabel).text()
    return st.kiosk.staff


@case("staff_referral")
def staff_referral(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _staff_mode(st, "referral")
    st.type("Zephyr")
    st.tap_row("referralResults")
    st.qtbot.waitUntil(lambda: st.shows("partner1"))
    st.tap("partner1")
    st.type_into("referralReason", REASON)
    st.enter()  # on to the note
    st.type(NOTE)
    st.tap("followUp14")
    assert FIRST in st.find("referralPerson", QPushButton).text()
    return st.kiosk.staff


@case("staff_card")
def staff_card(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _staff_mode(st, "card")
    st.type("Zephyr")
    st.tap_row("cardResults")
    st.tap("issueCard")
    qr = st.find("staffCardQr", QLabel)
    st.qtbot.waitUntil(lambda: not qr.pixmap().isNull())
    token = st.sql("SELECT token FROM card")
    assert decode_qr(qr.pixmap().toImage()) == token
    st.remember(token)
    return st.kiosk.staff


@case("staff_leave")
def staff_leave(st: Station) -> QWidget:
    st.household((FIRST, LAST, YEAR))
    _staff_mode(st, "signin")
    st.type("Zephyr")
    st.tap_row("handResults")
    st.tap("staffNav_leave")
    assert st.shows("quitKiosk")
    return st.kiosk.staff


# --- the tests ---------------------------------------------------------------------------------

@contextmanager
def station(qtbot: QtBot, tmp_path: Path, sessions: int = 1) -> Iterator[Station]:
    """The journeys' kiosk (tests/test_kiosk.py: 1280 x 800, 30 s idle) on a fresh database
    with one session on now, or three."""
    if sessions == 3:
        engine = _three_sessions_on(tmp_path)
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'idle.sqlite3'}")
        upgrade(engine)
        _sessions_now(engine, [("Coffee morning", False)])
    rig = _build(qtbot, engine, tmp_path)
    try:
        yield Station(rig.kiosk, rig.scanner, engine, qtbot)
    finally:
        app = QApplication.instance()
        assert app is not None
        app.removeEventFilter(rig.touches)
        rig.kiosk.shutdown()
        engine.dispose()


@pytest.mark.parametrize("name", list(CASES))
def test_idle_reset_leaves_nothing_of_the_visitor(qtbot: QtBot, tmp_path: Path,
                                                  name: str) -> None:
    with station(qtbot, tmp_path, CASES[name].sessions) as st:
        on = CASES[name].drive(st)
        assert st.kiosk.current() is on
        assert leftovers(st), "nothing to forget: the case does not test anything"
        waited = walk_away(st)
        assert waited >= IDLE_S * 0.9, waited  # the countdown brought it back, nothing else
        assert_forgotten(st)


def test_staff_mode_ends_after_its_own_idle_time(qtbot: QtBot, tmp_path: Path) -> None:
    """Staff mode counts down from ``staff_idle_seconds`` (60 s on a real kiosk), not the
    visitor's; once it has ended, visitors' screens count down from theirs again."""
    with station(qtbot, tmp_path) as st:
        k = st.kiosk
        k.cfg.staff_idle_seconds = 2
        _staff_mode(st, "room")
        started = time.monotonic()
        assert k.idle.timer.interval() == 2000
        st.qtbot.waitUntil(lambda: k.current() is k.welcome, timeout=7000)
        assert time.monotonic() - started >= 1.8
        assert k.idle.timer.interval() == k.cfg.idle_seconds * 1000 == 30_000
        assert_forgotten(st)


# The undo history of a line edit cleared with QLineEdit.clear(): what Ctrl+Z or the
# field's context menu (a right click, or a long press where the touchscreen makes one)
# would bring back. The kiosk empties fields with kiosk.widgets.forget, and its fields
# have no context menu at all.
UNDO_CASES = ("find_me_results", "whos_here", "new_family", "have_your_say", "staff_referral")


@pytest.mark.parametrize("name", UNDO_CASES)
def test_no_field_can_undo_back_to_the_last_visitor(qtbot: QtBot, tmp_path: Path,
                                                    name: str) -> None:
    with station(qtbot, tmp_path, CASES[name].sessions) as st:
        CASES[name].drive(st)
        walk_away(st)
        st.qtbot.wait(100)
        back = []  # Ctrl+Z, again and again, in every field
        for edit in st.kiosk.w.findChildren(QLineEdit):
            while edit.isUndoAvailable():
                edit.undo()
                back += [f"{_where(edit)}: {edit.text()!r}"] if edit.text() else []
        for area in st.kiosk.w.findChildren(QPlainTextEdit):
            while area.document().isUndoAvailable():
                area.undo()
                back += [f"{_where(area)}: {area.toPlainText()!r}"] if area.toPlainText() else []
        assert back == [], "undo brings back:\n" + "\n".join(back)
        fields = [*st.kiosk.w.findChildren(QLineEdit), *st.kiosk.w.findChildren(QPlainTextEdit)]
        with_menu = [_where(f) for f in fields
                     if f.contextMenuPolicy() != Qt.ContextMenuPolicy.NoContextMenu]
        assert with_menu == [], with_menu


# Qt Virtual Keyboard's input context keeps what it last read from the field being typed
# in. A field emptied while it has the focus tells it so; one that lost the focus before the
# reset (the visitor moved on to Who's here, What for, Done; staff tapped a list) did not,
# until the reset had the window stand in for an empty field (KioskWindow.forget_typing):
# "what_for", "just_count_me" and "staff_card" failed before it.


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_keyboard_keeps_nothing_typed_by_the_last_visitor(qtbot: QtBot, tmp_path: Path,
                                                              name: str) -> None:
    with station(qtbot, tmp_path, CASES[name].sessions) as st:
        CASES[name].drive(st)
        walk_away(st)
        held = input_context_text(st.kiosk.w.keyboard)
        assert held == {"surroundingText": "", "preeditText": "", "selectedText": ""}
