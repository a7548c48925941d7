"""Kiosk journeys: real widgets driven with qtbot on a fresh database, touches counted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine

from kiosk.__main__ import create
from kiosk.app import Kiosk
from kiosk.scanner import FakeScanner
from schema.cards import issue_card
from schema.clock import LONDON, now_utc
from schema.db import make_engine, read_session, run_in_transaction
from schema.people import NewPerson, register_household
from schema.referrals import get_or_create_partner
from schema.sql import Database
from schema.staff import create_staff
from schema.timetable import add_one_off, get_or_create_service, get_or_create_site
from schema.tokens import new_token

ACTOR = "test"
GOALS = {"card": 1, "find-me": 7, "family of four": 40}


class TouchCounter(QObject):
    """Counts presses that reach the kiosk window, and keys typed (one touch each)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            touched = isinstance(obj, QAbstractButton | QLineEdit | QPlainTextEdit) or (
                isinstance(obj, QWidget) and isinstance(obj.parent(), QListWidget))
            self.count += touched
        elif event.type() == QEvent.Type.KeyPress and isinstance(obj, QLineEdit | QPlainTextEdit):
            self.count += 1
        return False


def takes_touches(widget: QWidget) -> bool:
    """A touch on ``widget`` reaches it: neither it nor a parent lets touches through
    (staff mode's referral steps do for a moment after each change: a double tap's
    second touch must not land on the next step)."""
    w: QWidget | None = widget
    while w is not None:
        if w.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents):
            return False
        w = w.parentWidget()
    return True


@dataclass
class Rig:
    kiosk: Kiosk
    scanner: FakeScanner
    engine: Engine
    qtbot: object
    touches: TouchCounter
    site_id: int

    # --- driving the kiosk like a person -----------------------------------------------
    def tap(self, widget: QWidget) -> None:
        assert widget.isVisible() and widget.isEnabled(), widget.objectName()
        self.qtbot.waitUntil(lambda: takes_touches(widget))  # as a person would
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def find(self, name: str, kind: type = QPushButton) -> QWidget:
        found = self.kiosk.w.findChild(kind, name)
        assert found is not None, name
        return found

    def shown(self, name: str, kind: type = QPushButton) -> bool:
        found = self.kiosk.w.findChild(kind, name)
        return found is not None and found.isVisible()

    def type(self, text_: str) -> None:
        """Type into the focused field, a key per character (the on-screen keyboard)."""
        focus = QApplication.focusWidget()
        assert isinstance(focus, QLineEdit | QPlainTextEdit), focus
        self.qtbot.keyClicks(focus, text_)

    def enter(self) -> None:
        focus = QApplication.focusWidget()
        self.qtbot.keyClick(focus, Qt.Key.Key_Return)

    def backspace(self) -> None:
        self.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backspace)

    def tap_row(self, rows: QListWidget, row: int) -> None:
        """Tap one line of a list (staff mode's people and the fire register)."""
        self.qtbot.waitUntil(lambda: takes_touches(rows))
        self.qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton,
                              pos=rows.visualItemRect(rows.item(row)).center())

    def pick(self, field: str, results: str, typed: str) -> None:
        """Staff mode's person search: tap ``field``, type, and tap the one match."""
        self.tap(self.find(field, QLineEdit))
        self.type(typed)
        rows = self.find(results, QListWidget)
        self.qtbot.waitUntil(lambda: rows.count() == 1)
        self.tap_row(rows, 0)

    def wait_for(self, screen: QWidget, timeout: int = 5000) -> None:
        self.qtbot.waitUntil(lambda: self.kiosk.current() is screen, timeout=timeout)

    def visible_text(self) -> str:
        """The strings a person standing at the kiosk can see now."""
        return self.all_text(shown_only=True)

    def all_text(self, *, shown_only: bool = False) -> str:
        """Every string held by any widget of the window (or only those on show)."""
        out = []
        for w in self.kiosk.w.findChildren(QWidget):
            if shown_only and not w.isVisible():
                continue
            if isinstance(w, QLabel | QAbstractButton | QLineEdit):
                out.append(w.text())
            elif isinstance(w, QPlainTextEdit):
                out.append(w.toPlainText())
            elif isinstance(w, QListWidget):
                out += [w.item(i).text() for i in range(w.count())]
        return "\n".join(out)

    def sql(self, query: str, **params: object) -> object:
        with read_session(self.engine) as s:
            return s.execute(text(query), params).scalar()


def _sessions_now(engine: Engine, names: list[tuple[str, bool]]) -> int:
    def work(s):
        site = get_or_create_site(s, "Burns Flats Community Room", "burns-flats")
        today = now_utc().astimezone(LONDON).date()
        for name, sensitive in names:
            service = get_or_create_service(s, name, sensitive=sensitive)
            add_one_off(s, site_id=site.id, service_id=service.id, on=today,
                        start=dt.time(0, 0), end=dt.time(23, 59), actor=ACTOR)
        return site.id

    return run_in_transaction(engine, work)


def kiosk_database(engine: Engine) -> Database:
    """The kiosk's own connection to the database at ``engine``."""
    return Database(engine.url.render_as_string(hide_password=False))


def _database_with(tmp_path: Path, sessions: list[tuple[str, bool]]) -> Engine:
    """A fresh database whose room has these sessions on now: (service, sensitive)."""
    from schema.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'room.sqlite3'}")
    upgrade(engine)
    _sessions_now(engine, sessions)
    return engine


def _three_sessions_on(tmp_path: Path) -> Engine:
    """A fresh database with three sessions on now (none of them sensitive)."""
    return _database_with(
        tmp_path, [("Coffee morning", False), ("Housing surgery", False), ("Youth club", False)])


def _build(qtbot, engine: Engine, tmp_path: Path, idle: int = 30,
           printer: object = None) -> Rig:
    fake = FakeScanner()
    app = QApplication.instance()
    k = create(app, kiosk_database(engine), site=None, windowed=True, idle_seconds=idle,
               outbox=tmp_path / "outbox.jsonl", readers=[fake], printer=printer)
    k.cfg.done_seconds = 60
    qtbot.addWidget(k.w)
    k.w.resize(1280, 800)
    k.w.show()
    qtbot.waitExposed(k.w)
    k.w.activateWindow()
    qtbot.waitUntil(k.w.isActiveWindow)
    touches = TouchCounter()
    app.installEventFilter(touches)
    return Rig(k, fake, engine, qtbot, touches, k.cfg.site_id)


@pytest.fixture
def engine_one(tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with one session on now."""
    from schema.migrate import upgrade

    eng = make_engine(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}")
    upgrade(eng)
    _sessions_now(eng, [("Coffee morning", False)])
    yield eng
    eng.dispose()


@pytest.fixture
def rig(qtbot, engine_one: Engine, tmp_path: Path) -> Iterator[Rig]:
    r = _build(qtbot, engine_one, tmp_path)
    yield r
    QApplication.instance().removeEventFilter(r.touches)
    r.kiosk.shutdown()


@pytest.fixture
def rig3(qtbot, tmp_path: Path) -> Iterator[Rig]:
    """The kiosk with three sessions on now."""
    r = _build(qtbot, _three_sessions_on(tmp_path), tmp_path)
    yield r
    QApplication.instance().removeEventFilter(r.touches)
    r.kiosk.shutdown()


def _family(engine: Engine, *members: tuple[str, str, int], card: bool = True) -> list[int]:
    def work(s):
        _h, people = register_household(
            s, members=[NewPerson(f, last, y) for f, last, y in members], actor=ACTOR,
            consent_version="1")
        token = issue_card(s, person_id=people[0].id, actor=ACTOR).token if card else ""
        return [p.id for p in people], token

    return run_in_transaction(engine, work)


def _an_hour_ago(r: Rig) -> None:
    """Everyone in the room came in an hour ago (a scan now is a goodbye)."""
    then = (now_utc() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    run_in_transaction(r.engine, lambda s: s.execute(
        text("UPDATE attendance SET signed_in_at = :t, changed_at = :t"), {"t": then}))


def test_card_sign_in_with_one_session_needs_no_touch(rig: Rig) -> None:
    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    rig.touches.count = 0
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Sam"
    assert rig.find("doneDetail", QLabel).text() == "You're signed in."
    assert rig.touches.count == 0
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p", p=ids[0]) == 1


def test_card_sign_in_with_three_sessions_needs_one_touch(qtbot, tmp_path: Path) -> None:
    engine = _three_sessions_on(tmp_path)
    r = _build(qtbot, engine, tmp_path)
    try:
        ids, token = _family(engine, ("Sam", "Wilson", 1988), ("Kai", "Wilson", 2016))
        r.touches.count = 0
        r.scanner.show(token)
        r.wait_for(r.kiosk.what)
        # It was his card that was read: the question says so.
        assert r.find("whatTitle", QLabel).text() == "Sam, what are you here for today?"
        assert "Housing surgery" in r.find("session1").text()
        r.tap(r.find("session1"))
        r.wait_for(r.kiosk.done)
        assert r.touches.count == 1 <= GOALS["card"]
        assert r.find("doneMessage", QLabel).text() == "Welcome, Sam"
        assert r.sql("SELECT s.name FROM attendance a JOIN service s ON s.id = a.service_id "
                     "WHERE a.person_id = :p", p=ids[0]) == "Housing surgery"
    finally:
        r.kiosk.shutdown()


def test_a_kept_scan_refused_when_sent_is_still_counted(rig: Rig, tmp_path: Path,
                                                         caplog) -> None:
    """Sam's card is scanned while the database is away ("Thank you!"), and revoked in the
    office before the kiosk can send it: his visit was confirmed on screen, so it is
    counted, as one person without a name, not dropped. The log says why by the refusal's
    code (the core's words may carry what a visitor typed)."""
    from schema.cards import card_for_person, revoke_card

    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    store = rig.kiosk.store
    store._retry.setInterval(200)
    store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Thank you!"
    run_in_transaction(rig.engine, lambda s: revoke_card(
        s, card_id=card_for_person(s, ids[0]).id, actor=ACTOR))
    store.set_database(kiosk_database(rig.engine))
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id IS NOT NULL") == 0
    assert rig.sql("SELECT SUM(headcount) FROM attendance WHERE person_id IS NULL") == 1
    (refused,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused == "outbox entry scan refused: card.unknown"


def _scanned_while_away(r: Rig, tmp_path: Path, token: str) -> None:
    """The database goes away and the card ``token`` is scanned: three sessions were on a
    moment ago, so What for asks which."""
    r.qtbot.waitUntil(lambda: len(r.kiosk.on_now_remembered()) == 3)
    r.kiosk.store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    r.scanner.show(token)
    r.wait_for(r.kiosk.what)


def test_a_card_scanned_with_the_database_away_still_asks_what_for(
        rig3: Rig, tmp_path: Path) -> None:
    """Three sessions on and the database away: Sam is asked which session, from what was
    on a moment ago, and his visit lands there once it is back (not on the first one)."""
    r, engine = rig3, rig3.engine
    ids, token = _family(engine, ("Sam", "Wilson", 1988))
    store = r.kiosk.store
    store._retry.setInterval(200)
    _scanned_while_away(r, tmp_path, token)
    assert "Housing surgery" in r.find("session1").text()
    r.tap(r.find("session1"))
    r.wait_for(r.kiosk.done)
    assert r.find("doneMessage", QLabel).text() == "Thank you!"
    # (A retry may have had the kept scan on its way meanwhile: his answer is applied
    # once that send has failed.)
    r.qtbot.waitUntil(store.idle)
    (kept,) = store.outbox.entries()  # the one with his answer, not the first one
    assert kept["kind"] == "scan" and kept["args"]["session_id"] is not None
    store.set_database(kiosk_database(engine))
    r.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert r.sql("SELECT s.name FROM attendance a JOIN service s ON s.id = a.service_id "
                 "WHERE a.person_id = :p", p=ids[0]) == "Housing surgery"
    # Asked again and walking away instead: the visit still lands (on the first one).
    _ids2, token2 = _family(engine, ("Kai", "Brown", 1990))
    _scanned_while_away(r, tmp_path, token2)
    r.kiosk.reset()  # the idle reset
    assert len(store.outbox) == 1
    store.set_database(kiosk_database(engine))
    r.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert r.sql("SELECT COUNT(*) FROM attendance") == 2


def test_welcome_goes_on_showing_what_is_on_while_the_database_is_away(
        rig3: Rig, tmp_path: Path) -> None:
    """The minute's "On now" refresh finds the database away: Welcome keeps what was on a
    little while ago, rather than "Drop in: everyone welcome" during three sessions."""
    r = rig3
    on_now = r.kiosk.welcome.on_now
    r.qtbot.waitUntil(lambda: "Youth club" in on_now.text())
    r.kiosk.store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    shown: list[list[str]] = []
    set_on_now = r.kiosk.welcome.set_on_now
    r.kiosk.welcome.set_on_now = lambda names: (shown.append(names), set_on_now(names))
    r.kiosk.on_now_timer.setInterval(50)  # (the next minute, sooner)
    r.qtbot.waitUntil(lambda: len(shown) >= 2, timeout=3000)
    assert on_now.text() == "On now: Coffee morning · Housing surgery · Youth club"


def test_leaving_with_the_database_away_is_a_goodbye_not_what_for(
        rig3: Rig, tmp_path: Path) -> None:
    """Sam came in this morning (this kiosk signed him in); the database is away when he
    leaves, with three sessions on: his card is a goodbye, not "What are you here for
    today?", and the kept scan signs him out once the database is back. Shown again at
    once it is "Thank you!" (it changes nothing); a card never signed in here is asked."""
    r = rig3
    ids, token = _family(r.engine, ("Sam", "Wilson", 1988))
    store = r.kiosk.store
    store._retry.setInterval(200)
    r.qtbot.waitUntil(lambda: len(r.kiosk.on_now_remembered()) == 3)
    r.scanner.show(token)
    r.wait_for(r.kiosk.what)
    r.tap(r.find("session0"))
    r.qtbot.waitUntil(lambda: r.find("doneMessage", QLabel).text() == "Welcome, Sam")
    _an_hour_ago(r)
    came, whose = r.kiosk.cards_today._in[token]
    r.kiosk.cards_today._in[token] = (came - 3600, whose)  # (and so the kiosk remembers it)
    r.tap(r.find("doneButton"))
    r.kiosk.store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    r.scanner.show(token)
    r.qtbot.waitUntil(lambda: r.kiosk.current() is r.kiosk.done)
    assert r.find("doneMessage", QLabel).text() == "Goodbye!"
    assert len(store.outbox) == 1
    r.tap(r.find("doneButton"))
    _ids2, token2 = _family(r.engine, ("Kai", "Brown", 1990))
    r.scanner.show(token2)  # never signed in here: asked which session
    r.wait_for(r.kiosk.what)
    r.tap(r.find("session0"))
    r.wait_for(r.kiosk.done)
    r.tap(r.find("doneButton"))
    r.scanner.show(token2)  # the same card again at once
    r.qtbot.waitUntil(lambda: r.kiosk.current() is r.kiosk.done)
    assert r.find("doneMessage", QLabel).text() == "Thank you!"
    store.set_database(kiosk_database(r.engine))
    r.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert r.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                 "AND signed_out_at IS NOT NULL", p=ids[0]) == 1
    assert r.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL") == 1  # Kai


def test_the_database_back_while_a_kept_scan_waits_for_its_session(
        rig3: Rig, tmp_path: Path) -> None:
    """Sam's scan was kept, and he is choosing a session, when the database comes back and
    the kept scan lands (on the first session on). His choice then does not send the scan
    again, which would sign him straight out: his visit stands, and he is thanked."""
    r, engine = rig3, rig3.engine
    ids, token = _family(engine, ("Sam", "Wilson", 1988))
    store = r.kiosk.store
    store._retry.setInterval(100)
    _scanned_while_away(r, tmp_path, token)
    _kept_an_hour_ago(store)  # (so that a second scan would be a goodbye)
    store.set_database(kiosk_database(engine))
    r.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    r.tap(r.find("session1"))
    r.wait_for(r.kiosk.done)
    assert r.find("doneMessage", QLabel).text() == "Thank you!"
    r.qtbot.wait(300)
    assert r.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p", p=ids[0]) == 1
    assert r.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL") == 1


class _SlowlyAway:
    """A database away that takes its time to say so (a server that does not answer)."""

    def transaction(self, work: Any) -> Any:
        import sqlite3
        import time

        time.sleep(0.6)
        raise sqlite3.OperationalError("unable to open database file")

    def close(self) -> None:
        pass


def test_a_session_chosen_while_the_kept_scan_is_being_tried_again_is_kept(
        rig3: Rig, tmp_path: Path) -> None:
    """Sam's scan was kept and he is choosing a session while the kiosk tries to send the
    scan again, to a database still away. His choice is not lost: the scan is kept again
    with it, in its place, and lands there once the database is back."""
    r, engine = rig3, rig3.engine
    ids, token = _family(engine, ("Sam", "Wilson", 1988))
    store = r.kiosk.store
    store._retry.setInterval(60_000)
    _scanned_while_away(r, tmp_path, token)
    store.set_database(_SlowlyAway())  # type: ignore[arg-type]
    store.drain()
    assert store._draining  # on its way while he taps
    r.tap(r.find("session1"))
    r.wait_for(r.kiosk.done)
    assert r.find("doneMessage", QLabel).text() == "Thank you!"
    r.qtbot.waitUntil(lambda: not store._draining, timeout=5000)
    (kept,) = store.outbox.entries()
    assert kept["args"]["session_id"] is not None
    store.set_database(kiosk_database(engine))
    store.drain()
    r.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert r.sql("SELECT s.name FROM attendance a JOIN service s ON s.id = a.service_id "
                 "WHERE a.person_id = :p", p=ids[0]) == "Housing surgery"


def test_a_card_with_nothing_timetabled_signs_in_to_general_drop_in(
        qtbot, tmp_path: Path) -> None:
    """A visitor scans their card when no session is on: they are in, at General drop-in."""
    from schema.signin import who_is_here

    engine = _database_with(tmp_path, [])
    r = _build(qtbot, engine, tmp_path)
    try:
        ids, token = _family(engine, ("Sam", "Wilson", 1988))
        qtbot.waitUntil(lambda: "Drop in: everyone welcome" in r.visible_text())
        r.scanner.show(token)
        r.wait_for(r.kiosk.done)
        assert r.find("doneMessage", QLabel).text() == "Welcome, Sam"
        assert r.find("doneDetail", QLabel).text() == "You're signed in."
        with read_session(engine) as s:
            here = who_is_here(s, site_id=r.site_id)
        assert [(x.person_id, x.service) for x in here] == [(ids[0], "General drop-in")]
    finally:
        r.kiosk.shutdown()


def test_a_whole_name_stored_as_a_first_name_shows_only_its_first_word(rig: Rig) -> None:
    """Names typed at the office or imported may hold a surname in the first-name field;
    the shared screen shows its first word, by card and by Find me."""
    _ids, token = _family(rig.engine, ("Amira Khan", "", 1985), ("Yusuf Khan", "", 1987))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Amira"
    assert "Khan" not in rig.visible_text()
    rig.tap(rig.find("doneButton"))
    rig.wait_for(rig.kiosk.welcome)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Yus")
    rig.enter()
    rig.type("1987")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    assert rig.find("result0").text() == "Yusuf (1987)"
    rig.tap(rig.find("result0"))
    rig.wait_for(rig.kiosk.who)  # the household, to choose who is here
    assert "Khan" not in rig.visible_text()
    assert {b.text() for b in rig.kiosk.who.toggles.values()} == {"Amira", "Yusuf"}


def test_find_me_single_person_in_seven_touches(rig: Rig) -> None:
    ids, _ = _family(rig.engine, ("Samira", "Wilson", 1988), card=False)
    rig.touches.count = 0
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Sam")
    rig.enter()  # on to the second field
    rig.type("W")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    assert rig.find("result0").text() == "Samira W. (1988)"
    rig.tap(rig.find("result0"))
    rig.wait_for(rig.kiosk.done)
    assert rig.touches.count == 7 <= GOALS["find-me"]
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Samira"
    # No card yet: one is offered, shown as a QR code, and it works next time.
    rig.tap(rig.find("makeCardButton"))
    rig.qtbot.waitUntil(lambda: rig.find("cardQr", QLabel).isVisible())
    token = rig.sql("SELECT token FROM card WHERE person_id = :p", p=ids[0])
    from kiosk.scanner import decode_qr

    assert decode_qr(rig.find("cardQr", QLabel).pixmap().toImage()) == token


def _pick_by_name(rig: Rig, first: str, hint: str) -> None:
    """Welcome: Sign in, the first name and the hint typed, the first match tapped."""
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type(first)
    rig.enter()
    rig.type(hint)
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    rig.tap(rig.find("result0"))


def test_find_me_for_someone_already_in_offers_sign_me_out(rig: Rig) -> None:
    """Samira has no card to scan again as she leaves: found by name while she is in, she
    is told so and offered "Sign me out" (not signed in a second time); tapping it says
    goodbye and takes her off the fire register."""
    ids, _ = _family(rig.engine, ("Samira", "Wilson", 1988), card=False)

    def find_samira() -> None:
        _pick_by_name(rig, "Sam", "W")
        rig.wait_for(rig.kiosk.done)

    find_samira()
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Samira"
    assert not rig.shown("signOutButton")
    rig.kiosk.reset()
    find_samira()
    assert rig.find("doneMessage", QLabel).text() == "Hello again, Samira"
    assert rig.find("doneDetail", QLabel).text() == (
        "You're already signed in today. Leaving? Tap Sign me out.")
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1
    assert rig.shown("addPeopleButton")
    # Her name on it: the next in the queue does not take it for theirs.
    assert rig.find("signOutButton").text() == "Sign me out, Samira"
    rig.tap(rig.find("signOutButton"))
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Samira")
    assert rig.find("doneDetail", QLabel).text() == (
        "You're signed out. Thank you for coming — see you soon!")
    assert not rig.shown("signOutButton")
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                   "AND signed_out_at IS NULL", p=ids[0]) == 0
    rig.kiosk.reset()
    find_samira()  # out now: a return signs her in again
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Samira"


def test_a_card_holder_who_left_by_name_is_not_told_goodbye_by_her_card_offline(
        rig: Rig, tmp_path: Path) -> None:
    """Samira came in with her card an hour ago and signs out through Find me. Back later
    with the database away, her card is a sign-in kept for later ("Thank you!"), not a
    goodbye: the kiosk knows she left."""
    _ids, token = _family(rig.engine, ("Samira", "Wilson", 1988))
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Samira")
    came, whose = rig.kiosk.cards_today._in[token]
    rig.kiosk.cards_today._in[token] = (came - 3600, whose)
    rig.kiosk.reset()
    _pick_by_name(rig, "Sam", "W")
    rig.qtbot.waitUntil(lambda: rig.shown("signOutButton"))
    rig.tap(rig.find("signOutButton"))
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Samira")
    rig.kiosk.reset()
    rig.kiosk.store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.kiosk.current() is rig.kiosk.done, timeout=5000)
    assert rig.find("doneMessage", QLabel).text() == "Thank you!"


def test_on_screen_keyboard_types_into_the_focused_field(rig: Rig) -> None:
    """Find-me by touch alone: the embedded Qt Virtual Keyboard's keys, pressed where they
    are drawn, type into the field that has focus and the search answers."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtQuick import QQuickItem

    _family(rig.engine, ("Samira", "Wilson", 1988), card=False)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    keyboard = rig.kiosk.w.keyboard
    rig.qtbot.waitUntil(keyboard.isVisible)
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit) and field.objectName() == "firstNameField"
    items = keyboard.rootObject().findChildren(QQuickItem)

    def press(letter: str) -> None:
        key = next(i for i in items if i.property("text") == letter and i.isVisible()
                   and i.metaObject().className().startswith("Key"))
        centre = key.mapToScene(QPointF(key.width() / 2, key.height() / 2))
        rig.qtbot.mouseClick(keyboard, Qt.MouseButton.LeftButton,
                             pos=QPoint(round(centre.x()), round(centre.y())))

    for letter in "sam":
        press(letter)
    rig.qtbot.waitUntil(lambda: field.text().lower() == "sam")
    rig.tap(rig.find("hintField", QLineEdit))
    press("w")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    assert rig.find("result0").text() == "Samira W. (1988)"


def test_find_me_family_picks_who_is_here(rig: Rig) -> None:
    ids, _ = _family(rig.engine, ("Lauren", "Lawrence", 1982), ("Gordon", "Lawrence", 1979),
                     ("Ella", "Lawrence", 2015), card=False)
    rig.touches.count = 0
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Lau")
    rig.enter()
    rig.type("1982")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    rig.tap(rig.find("result0"))
    rig.wait_for(rig.kiosk.who)
    toggles = rig.kiosk.who.toggles
    assert [b.text() for b in toggles.values()] == ["Ella", "Gordon", "Lauren"][::-1] or \
        sorted(b.text() for b in toggles.values()) == ["Ella", "Gordon", "Lauren"]
    assert toggles[ids[0]].isChecked() and not toggles[ids[1]].isChecked()
    rig.tap(toggles[ids[2]])  # Ella came too
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    assert rig.touches.count == 12
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 2


def test_new_family_of_four(rig: Rig) -> None:
    rig.touches.count = 0
    _about_you(rig, "Amira")
    for name, age in (("Yusuf", "36"), ("Leila", "6"), ("Omar", "2")):
        rig.type(name)
        rig.enter()
        rig.type(age)
        rig.enter()  # adds them
    rig.qtbot.wait(10)
    assert [b.text() for b in rig.kiosk.w.findChildren(QPushButton)
            if b.objectName().startswith("memberRemove") and b.isVisible()] == [
        "Yusuf  ✕", "Leila  ✕", "Omar  ✕"]
    rig.tap(rig.find("familyNextButton"))
    assert rig.find("privacyNotice", QLabel).isVisible()
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Amira"
    assert rig.find("doneDetail", QLabel).text() == "You and 3 others are signed in."
    assert rig.touches.count == 38 <= GOALS["family of four"]
    this_year = now_utc().year
    with read_session(rig.engine) as s:
        people = s.execute(text("SELECT first_name, last_name, birth_year, household_id "
                                "FROM person ORDER BY id")).all()
        assert [(p[0], p[1], p[2]) for p in people] == [
            ("Amira", "K", this_year - 34), ("Yusuf", "K", this_year - 36),
            ("Leila", "K", this_year - 6), ("Omar", "K", this_year - 2)]
        assert len({p[3] for p in people}) == 1
        assert s.execute(text("SELECT COUNT(*) FROM attendance")).scalar() == 4
        assert s.execute(text("SELECT COUNT(*) FROM consent")).scalar() == 4


def test_new_visitor_with_a_bad_year_gets_a_message_and_nothing_is_saved(rig: Rig) -> None:
    rig.tap(rig.kiosk.welcome.new_button)
    rig.type("Amira")
    rig.enter()
    rig.enter()
    rig.type("1800")
    rig.tap(rig.find("newNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible())
    # the kiosk's own words for the core's "year.impossible", not the core's English
    assert rig.kiosk.w.toast.text() == ("1800 can't be a year of birth. Please type a year "
                                        "like 1988, or an age like 34.")
    assert rig.kiosk.new.step == 0
    assert rig.sql("SELECT COUNT(*) FROM person") == 0


def test_everyone_registered_gives_a_year_or_an_age(rig: Rig) -> None:
    """Find me never lists children, nor anyone whose age is not known: the kiosk asks for
    a year or an age for the visitor and for every member added."""
    rig.tap(rig.kiosk.welcome.new_button)
    rig.type("Amira")
    rig.enter()
    rig.type("K")
    rig.tap(rig.find("newNextButton"))
    rig.qtbot.waitUntil(lambda: "year you were born" in rig.kiosk.w.toast.text())
    assert rig.kiosk.new.step == 0
    rig.tap(rig.find("newBirthYear", QLineEdit))
    rig.type("34")
    rig.tap(rig.find("newNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 1)
    rig.type("Leila")
    rig.enter()
    rig.enter()  # no year or age
    rig.qtbot.waitUntil(lambda: "year born or an age for Leila" in rig.kiosk.w.toast.text())
    assert rig.kiosk.visit.new_members == []
    assert not any(b.isVisible() for b in rig.kiosk.w.findChildren(QPushButton)
                   if b.objectName().startswith("memberRemove"))
    rig.type("6")
    rig.enter()
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.visit.new_members) == 1)
    assert rig.sql("SELECT COUNT(*) FROM person") == 0


def test_just_count_me_is_anonymous(rig: Rig) -> None:
    rig.tap(rig.kiosk.welcome.new_button)
    rig.tap(rig.find("countMeButton"))
    rig.wait_for(rig.kiosk.count)
    rig.tap(rig.find("countPlus"))
    rig.tap(rig.find("countPlus"))
    assert rig.find("countValue", QLabel).text() == "Me + 2"
    rig.tap(rig.find("countConfirm"))
    rig.wait_for(rig.kiosk.done)
    assert rig.sql("SELECT headcount FROM attendance WHERE person_id IS NULL") == 3
    assert rig.sql("SELECT COUNT(*) FROM person") == 0


def test_the_fire_register_words_head_counts_itself(rig: Rig) -> None:
    for plus in (2, 0):
        rig.tap(rig.kiosk.welcome.new_button)
        rig.tap(rig.find("countMeButton"))
        rig.wait_for(rig.kiosk.count)
        for _ in range(plus):
            rig.tap(rig.find("countPlus"))
        rig.tap(rig.find("countConfirm"))
        rig.wait_for(rig.kiosk.done)
        rig.tap(rig.find("doneButton"))
        rig.wait_for(rig.kiosk.welcome)
    run_in_transaction(rig.engine, lambda s: create_staff(s, name="Jo", role="volunteer",
                                                          pin="1357", actor=ACTOR))
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "1357")
    room = rig.find("roomList", QListWidget)
    rig.qtbot.waitUntil(lambda: room.count() == 2)
    rows = sorted(room.item(i).text().split("  ·  ")[0] for i in range(room.count()))
    assert rows == ["3 visitors", "Visitor (not named)"]


def test_second_scan_later_signs_out(rig: Rig) -> None:
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("doneButton"))
    rig.wait_for(rig.kiosk.welcome)
    rig.scanner.show(token)  # a double beep: still just signed in
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You're already signed in today."
    # Back to sign in the children she came with, after Done went by: offered again.
    assert rig.find("addPeopleButton").isVisible()
    _an_hour_ago(rig)
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Sam")
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NOT NULL") == 1
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_sensitive_service_is_never_named_after_sign_in(qtbot, tmp_path: Path) -> None:
    engine = _database_with(tmp_path, [("Police beat surgery", True)])
    r = _build(qtbot, engine, tmp_path)
    try:
        _ids, token = _family(engine, ("Sam", "Wilson", 1988))
        r.scanner.show(token)
        r.wait_for(r.kiosk.done)
        shown = r.visible_text()
        assert "Welcome, Sam" in shown
        assert "Police" not in shown and "surgery" not in shown.lower()
    finally:
        r.kiosk.shutdown()


def _answered(rig: Rig) -> list[str]:
    """Find me's results on show, once every search typed so far has been answered."""
    rig.qtbot.waitUntil(rig.kiosk.store.idle)
    return [b.text() for b in rig.kiosk.w.findChildren(QPushButton)
            if b.objectName().startswith("result") and b.isVisible()]


def _double_tap(rig: Rig, widget: QWidget) -> None:
    """Two touches on the spot where ``widget`` is, 120 ms apart, as a finger does: the
    window sends each to whatever is there by then."""
    rig.qtbot.waitUntil(lambda: takes_touches(widget))
    window = rig.kiosk.w.windowHandle()
    spot = widget.mapTo(rig.kiosk.w, widget.rect().center())
    rig.qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=spot)
    rig.qtbot.wait(120)
    rig.qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=spot)


def _attendances(engine: Engine) -> int:
    with read_session(engine) as s:
        return s.execute(text("SELECT count(*) FROM attendance")).scalar_one()


def test_a_double_tap_does_not_land_on_the_next_screen(rig3: Rig) -> None:
    """The second touch of a double tap on Yes (I'm new) would fall on a session tile of
    What for, on "That's everyone" on "Just count me", on Welcome's I'm new on a key of
    the keyboard: the screen that has just come lets it through to nothing."""
    rig = rig3
    _double_tap(rig, rig.kiosk.welcome.new_button)
    assert rig.kiosk.current() is rig.kiosk.new
    rig.qtbot.wait(50)
    assert rig.kiosk.new.first.text() == ""  # no stray letter from the keyboard
    _type_about_you(rig)
    rig.tap(rig.find("newNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 1)
    _double_tap(rig, rig.find("familyNextButton"))
    rig.qtbot.wait(50)
    assert rig.kiosk.current() is rig.kiosk.new and rig.kiosk.new.step == 2  # not Count me
    _double_tap(rig, rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.what)
    rig.qtbot.wait(200)
    assert rig.kiosk.current() is rig.kiosk.what  # the visitor chooses her session
    assert _attendances(rig.engine) == 0
    rig.tap(rig.find("session1"))
    rig.wait_for(rig.kiosk.done)
    assert _attendances(rig.engine) == 1


def _type_about_you(rig: Rig, first: str = "Amira", last: str = "K",
                    year: str = "34") -> None:
    """I'm new's first step, typed key by key as a visitor does (Next not tapped)."""
    rig.type(first)
    rig.enter()
    rig.type(last)
    rig.enter()
    rig.type(year)


def _about_you(rig: Rig, first: str, last: str = "K", year: str = "34") -> None:
    """I'm new: the visitor's first step, typed key by key; then Next."""
    rig.tap(rig.kiosk.welcome.new_button)
    _type_about_you(rig, first, last, year)
    rig.tap(rig.find("newNextButton"))


def _new_household(rig: Rig, *members: tuple[str, str]) -> None:
    """I'm new, typed as a visitor does: Amira K, 34, then each member (name, age) added,
    then "That's everyone": the privacy step is on show."""
    _about_you(rig, "Amira")
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 1)
    for name, age in members:
        rig.type(name)
        rig.enter()
        rig.type(age)
        rig.enter()
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.visit.new_members) == len(members))
    rig.tap(rig.find("familyNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 2)


def test_back_on_what_for_and_count_me_goes_one_step_back_with_everything_kept(
        rig3: Rig) -> None:
    """A newcomer on What for taps Back to check her child's age: she is on the privacy
    step again, her family still there, not on Welcome with everything gone."""
    rig = rig3
    _new_household(rig, ("Leila", "6"))
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.what)
    rig.tap(rig.find("whatBackButton"))
    rig.wait_for(rig.kiosk.new)
    assert rig.kiosk.new.step == 2
    assert [m["first_name"] for m in rig.kiosk.visit.new_members] == ["Leila"]
    # Count me, and back from it: the same.
    rig.tap(rig.find("declineButton"))
    rig.wait_for(rig.kiosk.count)
    rig.tap(rig.find("countBackButton"))
    rig.wait_for(rig.kiosk.new)
    assert rig.kiosk.new.step == 2
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.what)
    rig.tap(rig.find("session0"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    assert _attendances(rig.engine) == 2


def test_a_new_family_signs_in_only_those_here_today(rig: Rig) -> None:
    """Amira lives with Yusuf, at work today, and Leila, who came with her: all three are
    registered, and the two here are signed in (the fire register, the counts)."""
    _new_household(rig, ("Yusuf", "36"), ("Leila", "6"))
    assert rig.find("hereTitle", QLabel).text() == "Who's here with you today?"
    here = [rig.find(f"here{i}") for i in range(2)]
    assert [b.text() for b in here] == ["Yusuf", "Leila"] and all(b.isChecked() for b in here)
    assert rig.find("agreeButton").text() == "Yes, save our details and sign us in"
    rig.tap(here[0])  # Yusuf is at work
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    assert rig.sql("SELECT COUNT(*) FROM person") == 3
    assert rig.sql("SELECT group_concat(p.first_name, ',') FROM attendance a "
                   "JOIN person p ON p.id = a.person_id") == "Amira,Leila"


def test_search_privacy_on_screen(rig: Rig) -> None:
    """A visitor searches Find me: nothing under 3 letters, at most 5 adults shown as
    "Sam W. (1988)", and a child never, even when the child is the only match."""
    for i in range(7):
        _family(rig.engine, ("Sam", f"Walker{i}", 1980 + i), card=False)
    _family(rig.engine, ("Sally", "Wright", 1990), ("Samuel", "Wright", 2017), card=False)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Sa")
    rig.enter()
    rig.type("W")
    assert _answered(rig) == []  # under 3 letters: nothing
    rig.tap(rig.kiosk.identify.first)
    rig.type("m")
    rig.qtbot.waitUntil(lambda: rig.shown("result4"))
    results = _answered(rig)
    assert len(results) == 5
    assert all(t.split()[1].endswith(".") and len(t.split()[1]) == 2 for t in results), results
    assert "Walker" not in rig.visible_text()
    # "Samu" + "W": nobody but the child, Samuel Wright (2017), could match.
    rig.tap(rig.kiosk.identify.first)
    rig.type("u")
    assert _answered(rig) == []
    assert rig.shown("noMatch", QLabel)  # the search was answered: with nobody
    # Nor by his year of birth.
    rig.tap(rig.kiosk.identify.hint)
    rig.backspace()
    rig.type("2017")
    assert _answered(rig) == []
    assert rig.shown("noMatch", QLabel)
    assert "Samuel" not in rig.all_text() and "Wright" not in rig.all_text()


def test_find_me_with_the_database_away_says_so_once_and_not_to_the_next_visitor(
        rig: Rig, tmp_path: Path) -> None:
    store = rig.kiosk.store
    _ids, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    said: list[str] = []
    toast = rig.kiosk.w.toast
    shown = toast.show_message

    def say(text: str, **how: Any) -> None:
        said.append(text)
        shown(text, **how)

    toast.show_message = say  # type: ignore[method-assign]
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Sam")
    rig.enter()
    rig.type("198")  # (half a year: not searched yet)
    assert said == []
    rig.type("8")
    rig.qtbot.waitUntil(lambda: len(said) == 1 and store.idle(), timeout=5000)
    assert said == ["Finding names isn't working just now. Please show your card, or ask "
                    "a member of staff."]
    rig.tap(rig.kiosk.identify.first)
    rig.type("m")  # another key, another search: not said again
    rig.qtbot.waitUntil(store.idle, timeout=5000)
    assert len(said) == 1
    # The visitor gives up; the next one scans her card: the fields emptied for her ask
    # nothing of the database, and nothing of the last visitor's is said to her.
    said.clear()
    rig.scanner.show(pat)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!"
                        and store.idle(), timeout=5000)
    rig.qtbot.wait(100)
    assert said == []


def test_no_match_is_not_said_while_a_year_is_half_typed(rig: Rig) -> None:
    _family(rig.engine, ("Zanele", "Okafor", 1990), card=False)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Zanele")
    rig.enter()
    for digit in "199":
        rig.type(digit)
        assert _answered(rig) == []
        assert not rig.shown("noMatch", QLabel), rig.kiosk.identify.hint.text()
    rig.type("0")
    assert _answered(rig) == ["Zanele O. (1990)"]
    rig.backspace()
    rig.type("1")  # a whole year, and nobody: now it is said
    assert _answered(rig) == []
    assert rig.shown("noMatch", QLabel)


def test_idle_reset_forgets_everything(qtbot, engine_one: Engine, tmp_path: Path) -> None:
    r = _build(qtbot, engine_one, tmp_path, idle=1)
    try:
        _family(engine_one, ("Zanele", "Okafor", 1990), card=False)
        r.tap(r.kiosk.welcome.sign_in_button)
        r.type("Zanele")
        r.enter()
        r.type("Oka")
        r.qtbot.waitUntil(lambda: r.shown("result0"))
        assert "Zanele O. (1990)" in r.visible_text()
        r.wait_for(r.kiosk.welcome, timeout=4000)
        r.qtbot.wait(100)
        everything = r.all_text()
        assert "Zanele" not in everything and "Oka" not in everything
        # The same for the new-visitor form and Have your say.
        r.tap(r.kiosk.welcome.feedback_button)
        r.type("My neighbour Zanele")
        r.wait_for(r.kiosk.welcome, timeout=4000)
        r.qtbot.wait(100)
        assert "Zanele" not in r.all_text()
    finally:
        r.kiosk.shutdown()


def _hub_staff_and_partners(engine: Engine) -> None:
    """Jo, hub staff with PIN 2468, and two partners to refer to."""
    run_in_transaction(engine, lambda s: (
        create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR),
        get_or_create_partner(s, "Housing"), get_or_create_partner(s, "Food bank")))


def _enter_pin(rig: Rig, pin: str) -> None:
    for digit in pin:
        rig.tap(rig.find(f"pin_{digit}"))
    rig.tap(rig.find("pin_ok"))


def test_staff_pin_lockout(rig: Rig) -> None:
    run_in_transaction(rig.engine, lambda s: create_staff(s, name="Jo", role="staff",
                                                          pin="2468", actor=ACTOR))
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    # OK with fewer than a PIN's 4 digits (a double tap on OK, a child at the pad) is
    # not a try: it counts against no one, however often.
    for _ in range(6):
        _enter_pin(rig, "")
    _enter_pin(rig, "246")
    rig.qtbot.wait(100)
    rig.qtbot.waitUntil(rig.kiosk.store.idle)
    assert rig.sql("SELECT COUNT(*) FROM pin_pad") == 0
    assert rig.sql("SELECT MAX(failed_attempts) FROM staff_user") == 0
    assert "●●●" in rig.find("pinDots", QLabel).text()  # still there, to finish
    rig.tap(rig.find("pin_clear"))
    for _ in range(4):
        _enter_pin(rig, "1111")
        rig.qtbot.waitUntil(lambda: "didn't work" in rig.kiosk.w.toast.text())
        rig.kiosk.w.toast.clear_now()
    _enter_pin(rig, "1111")  # the fifth: the pad says at once that it is locked
    rig.qtbot.waitUntil(lambda: "locked" in rig.kiosk.w.toast.text())
    rig.kiosk.w.toast.clear_now()
    assert rig.sql("SELECT MAX(failed_attempts) FROM staff_user") == 0  # (Jo is not)
    _enter_pin(rig, "2468")  # the right PIN, but the pad is locked now
    rig.qtbot.waitUntil(lambda: "locked" in rig.kiosk.w.toast.text())
    assert rig.kiosk.current() is rig.kiosk.pin
    assert "●" not in rig.find("pinDots", QLabel).text()


def _refer_pat(rig: Rig) -> None:
    """Staff mode: the referral page, with Pat found and chosen; the partners on show."""
    rig.tap(rig.find("staffNav_referral"))
    rig.pick("referralSearch", "referralResults", "Pat")
    rig.qtbot.waitUntil(lambda: rig.shown("partner1"))


def test_referral_logged_from_staff_mode(rig: Rig) -> None:
    ids, _ = _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.touches.count = 0
    _refer_pat(rig)  # 1. the person
    rig.tap(rig.find("partner1"))  # 2. the partner: Housing (partners are listed by name)
    assert QApplication.focusWidget() is rig.find("referralReason", QLineEdit)
    rig.type("Damp")  # 3. the reason (4. the note is optional)
    rig.tap(rig.find("saveReferral"))
    rig.qtbot.waitUntil(lambda: "Referral saved" in rig.kiosk.w.toast.text())
    assert rig.touches.count <= 13
    with read_session(rig.engine) as s:
        row = s.execute(text("SELECT r.person_id, p.name, r.reason, r.status, r.follow_up_on, "
                             "r.made_by_id FROM referral r JOIN referral_partner p "
                             "ON p.id = r.partner_id")).one()
    today = now_utc().astimezone(LONDON).date()
    assert row[:4] == (ids[0], "Housing", "Damp", "made")
    assert str(row[4]) == str(today + dt.timedelta(days=7)) and row[5] is not None
    # Referrals never appear on the visitor's screens.
    rig.tap(rig.find("exitStaffButton"))
    rig.wait_for(rig.kiosk.welcome)
    assert "Damp" not in rig.all_text()


def test_database_away_mid_sign_in_keeps_it_in_the_outbox(rig: Rig, tmp_path: Path) -> None:
    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    store = rig.kiosk.store
    store._retry.setInterval(200)
    broken = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite3'}")
    store.set_database(broken)
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Thank you!"
    assert rig.kiosk.w.banner.isVisible()
    assert len(store.outbox) == 1
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 0
    (kept,) = store.outbox.entries()
    rig.qtbot.wait(600)  # retries fail while it is away
    assert len(store.outbox) == 1
    back = kiosk_database(rig.engine)
    store.set_database(back)
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    rig.qtbot.waitUntil(lambda: not rig.kiosk.w.banner.isVisible())
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p", p=ids[0]) == 1
    # The same entry sent again (a crash after its commit, before the outbox line went):
    # it changes nothing, and above all does not sign Sam out.
    again = back.transaction(store._replay(kept["kind"], {**kept["args"], "replay": True}))
    assert again.outcome == "already"
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL") == 1


def _kept_while_away(rig: Rig, tmp_path: Path, *tokens: str) -> Any:
    """The database goes away and each card in ``tokens`` is scanned in turn: each visit
    is kept ("Thank you!"). The kiosk's store, its retries left to the test."""
    store = rig.kiosk.store
    store._retry.setInterval(60_000)  # (sent when the test says)
    store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    for token in tokens:
        rig.kiosk.reset()
        rig.scanner.show(token)
        rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!")
    return store


def _kept_an_hour_ago(store: Any) -> None:
    """The kept sign-ins were made an hour ago (the database was away that long)."""
    import json

    then = (now_utc() - dt.timedelta(hours=1)).isoformat()
    lines = [json.loads(x) for x in store.outbox.path.read_text().splitlines()]
    store.outbox.path.write_text("".join(
        json.dumps({**e, "args": {**e["args"], "at": then}}) + "\n" for e in lines))


def _sent_slowly(store: Any, seconds: float) -> None:
    """Each sign-in takes a while on the database thread (a busy server)."""
    import time

    replay = store._replay

    def slow(kind: str, args: dict[str, Any]) -> Any:
        work = replay(kind, args)

        def slowly(db: Any) -> Any:
            time.sleep(seconds)
            return work(db)

        return slowly

    store._replay = slow


def test_kept_sign_ins_land_before_one_made_while_they_are_sent(
        rig: Rig, tmp_path: Path) -> None:
    """Sam came in while the database was away. It is back, three kept visits are being
    sent, and Sam, leaving, scans again: his arrival lands first, so his scan says
    goodbye (sent after it, it would have signed him in, and his arrival then out)."""
    _pat, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    _kai, kai = _family(rig.engine, ("Kai", "Brown", 1990))
    sam_ids, sam = _family(rig.engine, ("Sam", "Wilson", 1988))
    store = _kept_while_away(rig, tmp_path, pat, kai, sam)
    assert len(store.outbox) == 3
    _kept_an_hour_ago(store)
    _sent_slowly(store, 0.2)
    store.set_database(kiosk_database(rig.engine))
    store.drain()
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 2, timeout=3000)  # Pat's has landed
    rig.kiosk.reset()
    rig.scanner.show(sam)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Sam",
                        timeout=5000)
    assert len(store.outbox) == 0
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 3
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                   "AND signed_out_at IS NOT NULL", p=sam_ids[0]) == 1


def test_a_sign_in_waits_behind_kept_ones_not_yet_sent(rig: Rig, tmp_path: Path) -> None:
    """The kiosk starts again with visits kept from before; a card scanned before they
    are sent is kept behind them (not run ahead), and everything lands in order."""
    _pat, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    sam_ids, sam = _family(rig.engine, ("Sam", "Wilson", 1988))
    store = _kept_while_away(rig, tmp_path, sam)
    _kept_an_hour_ago(store)
    store.set_database(kiosk_database(rig.engine))
    store._set_available(True)  # as at a start: the database is thought to be there
    assert store.unsent()
    rig.kiosk.reset()
    rig.scanner.show(sam)  # leaving, before his arrival has been sent
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!")
    assert len(store.outbox) == 2
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 0
    rig.kiosk.reset()
    store.drain()
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                   "AND signed_out_at IS NOT NULL", p=sam_ids[0]) == 1
    rig.scanner.show(pat)  # nothing kept now: straight in
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Pat")


class _StandIn:
    """A database put in the kiosk's place for a test: the real one behind it, with a
    behaviour of its own in ``transaction``."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner

    def transaction(self, work: Any) -> Any:
        return self.inner.transaction(work)

    def close(self) -> None:
        self.inner.close()


class _Tried(_StandIn):
    """A database that counts the transactions tried on it."""

    def __init__(self, inner: Database) -> None:
        super().__init__(inner)
        self.tries = 0

    def transaction(self, work: Any) -> Any:
        self.tries += 1
        return self.inner.transaction(work)


def test_kept_visits_sent_to_a_database_still_away_wait_out_one_failure(
        rig: Rig, tmp_path: Path) -> None:
    """The database is still away when the kept visits are sent: the first finds out, and
    the others are not tried (each would wait out a time-out); all are kept, and all
    land, in order, once it is back."""
    tokens = [_family(rig.engine, (name, "Jones", 1970))[1] for name in ("Pat", "Kai", "Mo")]
    store = rig.kiosk.store
    store._retry.setInterval(60_000)
    away = _Tried(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    store.set_database(away)  # type: ignore[arg-type]
    for token in tokens:
        rig.kiosk.reset()
        rig.scanner.show(token)
        rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!")
    rig.qtbot.waitUntil(store.idle)
    away.tries = 0
    store.drain()
    rig.qtbot.waitUntil(lambda: not store._draining, timeout=5000)
    assert away.tries == 1 and len(store.outbox) == 3
    store.set_database(kiosk_database(rig.engine))
    store.drain()
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    with read_session(rig.engine) as s:
        names = s.execute(text("SELECT p.first_name FROM attendance a JOIN person p "
                               "ON p.id = a.person_id ORDER BY a.id")).scalars().all()
    assert names == ["Pat", "Kai", "Mo"]


class _LockedOnce(_StandIn):
    """A database locked for its next transaction once ``armed`` (another program holds
    the SQLite write lock for half a second), then free again."""

    def __init__(self, inner: Database) -> None:
        super().__init__(inner)
        self.armed = False

    def transaction(self, work: Any) -> Any:
        if self.armed:
            import sqlite3
            import time

            self.armed = False
            time.sleep(0.5)  # (the busy time-out)
            raise sqlite3.OperationalError("database is locked")
        return self.inner.transaction(work)


def test_a_sign_in_behind_kept_ones_that_do_not_land_is_kept_behind_them(
        rig: Rig, tmp_path: Path) -> None:
    """Sam's arrival was kept. It is being sent when Sam, leaving, scans again; the send
    meets a locked database, which is free again a moment later. His goodbye is not sent
    ahead of his arrival: it is kept behind it, and both land in order."""
    sam_ids, sam = _family(rig.engine, ("Sam", "Wilson", 1988))
    store = _kept_while_away(rig, tmp_path, sam)
    _kept_an_hour_ago(store)
    locked = _LockedOnce(kiosk_database(rig.engine))
    store.set_database(locked)  # type: ignore[arg-type]
    rig.qtbot.waitUntil(store.idle)
    store._set_available(True)  # (as after a start)
    locked.armed = True
    store.drain()
    rig.kiosk.reset(refresh=False)
    rig.scanner.show(sam)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!"
                        and store.idle(), timeout=5000)
    assert len(store.outbox) == 2
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 0
    store.drain()
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                   "AND signed_out_at IS NOT NULL", p=sam_ids[0]) == 1


def test_an_entry_that_cannot_be_sent_is_set_aside_not_in_the_way(
        rig: Rig, tmp_path: Path) -> None:
    """Outbox entries the kiosk cannot send (edited by hand, or of a later version) are
    moved to a file beside the outbox; the entries around them land, and sign-ins run
    again."""
    import json

    _pat, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    store = _kept_while_away(rig, tmp_path, pat)
    odd = [{"id": "odd", "kind": "scan", "args": {"token": "DRP-X", "at": "half past ten"}},
           {"id": "new", "kind": "sign_out", "args": {"token": "DRP-Y"}}]  # (a later version's)
    with store.outbox.path.open("a") as fh:
        fh.writelines(json.dumps(x) + "\n" for x in odd)
    store.outbox._ids += ["odd", "new"]
    store.set_database(kiosk_database(rig.engine))
    store.drain()
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert not store.unsent() and not store._draining
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1
    # Neither was taken for a refusal (the first would have become a head-count).
    assert [json.loads(x) for x in store.outbox.aside.read_text().splitlines()] == odd


class _Refusing(_StandIn):
    """A database that refuses one kind of statement for good (a constraint the kept
    entry breaks), and runs everything else."""

    def __init__(self, inner: Database, poisoned: list[Any]) -> None:
        super().__init__(inner)
        self.poisoned = poisoned

    def transaction(self, work: Any) -> Any:
        import sqlite3

        if getattr(work, "work", work) in self.poisoned:
            raise sqlite3.IntegrityError("UNIQUE constraint failed: attendance.receipt")
        return self.inner.transaction(work)


def test_an_entry_the_database_refuses_for_good_is_set_aside_not_retried_for_ever(
        rig: Rig, tmp_path: Path) -> None:
    """A kept sign-in whose statements break a constraint would fail the same way every
    five seconds, with every later sign-in kept behind it: it is set aside, and the rest
    land."""
    import json

    (_p, pat), (_k, kai) = (_family(rig.engine, (n, "Jones", 1970)) for n in ("Pat", "Kai"))
    store = _kept_while_away(rig, tmp_path, pat, kai)
    first = store.outbox.entries()[0]
    replay, poison = store._replay, []

    def marking(kind: str, args: dict[str, Any]) -> Any:
        work = replay(kind, args)
        if args.get("token") == pat:
            poison.append(work)
        return work

    store._replay = marking
    back = kiosk_database(rig.engine)
    store.set_database(_Refusing(back, poison))  # type: ignore[arg-type]
    store.drain()  # (the work for Pat's entry is made before any is sent)
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    assert store.available and not store.unsent()
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1  # Kai's
    assert [json.loads(x)["id"] for x in store.outbox.aside.read_text().splitlines()] == [
        first["id"]]
    # Staff are told where they look, the fire register, so that someone puts it right.
    store.set_database(back)
    run_in_transaction(rig.engine, lambda s: create_staff(s, name="Jo", role="staff",
                                                          pin="2468", actor=ACTOR))
    rig.kiosk.reset()
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    note = rig.find("setAsideNote", QLabel)
    rig.qtbot.waitUntil(note.isVisible)
    assert note.text() == (
        "This kiosk holds 1 sign-in that it could not send to the database. Please tell "
        "whoever looks after Dropin: it is in the file outbox.set-aside in the kiosk's data "
        "folder.")
    rig.tap(rig.find("exitStaffButton"))
    rig.wait_for(rig.kiosk.welcome)
    assert note.text() == "" and note.isHidden()


def test_a_sign_in_that_cannot_be_kept_is_not_confirmed(rig: Rig, tmp_path: Path) -> None:
    """The database away and the outbox not writable (a full disk, a folder made read
    only): the visitor is not told her visit is saved, but to ask staff."""
    _ids, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    store = rig.kiosk.store
    store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))

    def full(*_a: Any, **_k: Any) -> str:
        raise OSError(28, "No space left on device")

    store.outbox.add = full  # type: ignore[method-assign]
    rig.scanner.show(pat)
    rig.qtbot.waitUntil(lambda: "ask a member of staff" in rig.kiosk.w.toast.text(),
                        timeout=5000)
    assert rig.kiosk.current() is not rig.kiosk.done
    assert not rig.kiosk.visit.busy  # (she may try again)
    rig.kiosk.reset()
    rig.scanner.show(pat)  # known to be away now: kept at once, or told at once
    rig.qtbot.waitUntil(lambda: "ask a member of staff" in rig.kiosk.w.toast.text())
    assert rig.kiosk.current() is not rig.kiosk.done


def test_a_second_kiosk_on_the_same_outbox_is_refused(rig: Rig, tmp_path: Path) -> None:
    """Two kiosk processes writing one outbox would lose each other's kept sign-ins: the
    second is refused at once, with a message that says why; once the first has closed,
    a kiosk may start on it."""
    from kiosk.store import OutboxInUse, Store

    path = rig.kiosk.store.outbox.path
    with pytest.raises(OutboxInUse, match="another kiosk is already running"):
        Store(kiosk_database(rig.engine), path, rig.kiosk.store._replay)
    rig.kiosk.store.shutdown()
    again = Store(kiosk_database(rig.engine), path, rig.kiosk.store._replay)
    again.shutdown()


def test_a_database_file_deleted_while_the_kiosk_runs_is_the_database_gone(
        rig: Rig, tmp_path: Path) -> None:
    """Someone tidies the wrong folder: the SQLite file goes while the kiosk has it open.
    A sign-in is not written into the deleted file (lost when the kiosk stops): it is
    kept, and lands once the file is put back (a restore)."""
    import shutil
    import sqlite3

    _ids, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    _kai_ids, kai = _family(rig.engine, ("Kai", "Jones", 1972))
    rig.scanner.show(pat)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Pat")
    db = tmp_path / "kiosk.sqlite3"
    saved = tmp_path / "saved.sqlite3"
    with sqlite3.connect(db) as src, sqlite3.connect(saved) as dst:
        src.backup(dst)
    for name in ("kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    store = rig.kiosk.store
    store._retry.setInterval(200)
    rig.kiosk.reset()
    rig.scanner.show(kai)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!",
                        timeout=5000)
    assert len(store.outbox) == 1 and not store.available
    assert not db.exists()  # (not made again, empty)
    shutil.copy(saved, db)  # put back
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
    with sqlite3.connect(db) as con:  # (the test's own engine still has the old file)
        assert con.execute("SELECT COUNT(*) FROM attendance").fetchone() == (2,)


def test_sign_ins_kept_every_few_seconds_do_not_put_off_the_next_try(
        rig: Rig, tmp_path: Path) -> None:
    """The database is away and visitors keep coming: each kept sign-in leaves the retry
    countdown running rather than starting it again."""
    store = rig.kiosk.store
    store._retry.setInterval(3000)
    store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    tokens = [_family(rig.engine, (name, "Jones", 1970))[1] for name in ("Pat", "Kai")]
    rig.scanner.show(tokens[0])
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Thank you!")
    rig.qtbot.wait(1500)
    left = store._retry.remainingTime()
    assert 0 < left < 2000
    rig.kiosk.reset()
    rig.scanner.show(tokens[1])
    rig.qtbot.waitUntil(lambda: len(store.outbox) == 2)
    assert store._retry.remainingTime() <= left


def test_a_locked_database_keeps_the_visitor_waiting_no_more_than_a_moment(
        qtbot, engine_one: Engine, tmp_path: Path) -> None:
    """Another program holds the SQLite file's write lock (a long import): the visitor is
    told "One moment…", the sign-in goes to the outbox after the kiosk's short wait, the
    next one is kept at once, and both land once the lock is gone."""
    import sqlite3

    ids, token = _family(engine_one, ("Sam", "Wilson", 1988))
    _ids2, token2 = _family(engine_one, ("Pat", "Jones", 1970))
    url = engine_one.url.render_as_string(hide_password=False)
    fake = FakeScanner()
    k = create(QApplication.instance(), Database(url, busy_ms=400, attempts=2), site=None,
               windowed=True, outbox=tmp_path / "outbox.jsonl", readers=[fake])
    qtbot.addWidget(k.w)
    k.w.resize(1280, 800)
    k.w.show()
    k.slow_timer.setInterval(300)
    k.store._retry.setInterval(300)
    qtbot.waitUntil(k.store.idle)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        fake.show(token)
        qtbot.waitUntil(lambda: k.w.toast.text() == "One moment…", timeout=2000)
        qtbot.waitUntil(lambda: k.current() is k.done, timeout=5000)
        assert k.done.message.text() == "Thank you!"
        assert not k.w.toast.isVisible()  # "One moment…" is over: not left on top of Done
        assert len(k.store.outbox) == 1
        k.reset()
        fake.show(token2)  # kept at once: nobody waits on the locked file again
        qtbot.waitUntil(lambda: k.current() is k.done, timeout=250)
        assert len(k.store.outbox) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: len(k.store.outbox) == 0, timeout=5000)
    with read_session(engine_one) as s:
        assert s.execute(text("SELECT COUNT(*) FROM attendance")).scalar() == 2
        assert s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p"),
                         {"p": ids[0]}).scalar() == 1
    k.shutdown()


def test_database_away_the_visitor_still_chooses_the_session(qtbot, tmp_path: Path) -> None:
    engine = _three_sessions_on(tmp_path)
    r = _build(qtbot, engine, tmp_path)
    try:
        ids, _ = _family(engine, ("Lauren", "Lawrence", 1982), ("Gordon", "Lawrence", 1979),
                         card=False)
        qtbot.waitUntil(lambda: r.kiosk.on_now_cached() is not None)
        r.tap(r.kiosk.welcome.sign_in_button)
        r.type("Lau")
        r.enter()
        r.type("1982")
        qtbot.waitUntil(lambda: r.shown("result0"))
        r.tap(r.find("result0"))
        r.wait_for(r.kiosk.who)
        store = r.kiosk.store  # the database goes away while she chooses who came
        store._retry.setInterval(200)
        store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
        r.tap(r.find("whoNextButton"))
        r.wait_for(r.kiosk.what)  # from what was on a moment ago
        assert "Housing surgery" in r.find("session1").text()
        r.tap(r.find("session1"))
        r.wait_for(r.kiosk.done)
        assert r.find("doneMessage", QLabel).text() == "Thank you!"
        assert len(store.outbox) == 1
        store.set_database(kiosk_database(engine))
        qtbot.waitUntil(lambda: len(store.outbox) == 0, timeout=5000)
        assert r.sql("SELECT s.name FROM attendance a JOIN service s ON s.id = a.service_id "
                     "WHERE a.person_id = :p", p=ids[0]) == "Housing surgery"
    finally:
        r.kiosk.shutdown()


def test_kiosk_mode_cannot_be_closed(qtbot, engine_one: Engine, tmp_path: Path) -> None:
    """Outside --windowed: close (Alt+F4, a stray close) is refused and Escape is eaten by
    the window; leaving kiosk mode from staff mode lets it close."""
    from PySide6.QtGui import QCloseEvent, QKeyEvent

    k = create(QApplication.instance(), kiosk_database(engine_one), site=None,
               windowed=False, outbox=tmp_path / "outbox.jsonl", readers=[FakeScanner()])
    qtbot.addWidget(k.w)
    k.w.show()
    qtbot.waitExposed(k.w)
    try:
        assert not k.w.close()
        assert k.w.isVisible()
        closing = QCloseEvent()
        QApplication.sendEvent(k.w, closing)  # what the window manager sends for Alt+F4
        assert not closing.isAccepted() and k.w.isVisible()
        escape = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape,
                           Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(k.w, escape)
        assert escape.isAccepted()  # taken by the kiosk (an ordinary window ignores it)
        assert k.w.isVisible()
    finally:
        k.shutdown()  # as leaving kiosk mode does
    assert k.w.close()


def _assert_touchable(rig: Rig, state: str) -> None:
    """Every button and text field on show has an accessible name and is 64 px tall."""
    rig.qtbot.wait(50)  # laid out
    for b in rig.kiosk.w.findChildren(QPushButton):
        if b.isVisible():
            assert b.accessibleName(), (state, b.objectName())
            assert b.height() >= 64, (state, b.objectName(), b.height())
    for e in rig.kiosk.w.findChildren(QLineEdit):
        if e.isVisible():
            assert e.accessibleName() and e.height() >= 64, (state, e.objectName())


def test_every_control_has_an_accessible_name_and_touch_size(qtbot, tmp_path: Path) -> None:
    """A visitor goes through every screen, empty and filled in (results, a household,
    three sessions, a card offered): every control can be named and touched."""
    r = _build(qtbot, _three_sessions_on(tmp_path), tmp_path)
    try:
        _family(r.engine, ("Lauren", "Lawrence", 1982), ("Gordon", "Lawrence", 1979),
                ("Ella", "Lawrence", 2015), card=False)
        k = r.kiosk
        _assert_touchable(r, "Welcome")
        r.tap(k.welcome.feedback_button)
        r.type("The stair light is out")
        r.tap(r.find("topic2"))
        _assert_touchable(r, "Have your say, filled in")
        r.tap(r.find("feedbackBackButton"))
        r.tap(k.welcome.new_button)
        _assert_touchable(r, "I'm new: about you")
        r.type("Amira")
        r.enter()
        r.type("K")
        r.enter()
        r.type("34")
        r.tap(r.find("newNextButton"))
        r.type("Leila")
        r.enter()
        r.type("6")
        r.enter()
        r.qtbot.waitUntil(lambda: r.shown("memberRemove0"))
        r.tap(r.find("memberRemove0"))  # asks "Remove Leila?"
        _assert_touchable(r, "I'm new: the household")
        r.tap(r.find("familyNextButton"))
        _assert_touchable(r, "I'm new: privacy")
        r.tap(r.find("declineButton"))
        r.wait_for(k.count)
        r.tap(r.find("countPlus"))
        _assert_touchable(r, "Just count me")
        r.tap(r.find("countBackButton"))
        r.wait_for(k.new)  # (back to the privacy step, then step by step to Welcome)
        for _ in range(3):
            r.tap(r.find("newBackButton"))
        r.wait_for(k.welcome)
        r.tap(k.welcome.sign_in_button)
        _assert_touchable(r, "Find me")
        r.type("Lau")
        r.enter()
        r.type("1982")
        r.qtbot.waitUntil(lambda: r.shown("result0"))
        _assert_touchable(r, "Find me with results")
        r.tap(r.find("result0"))
        r.wait_for(k.who)
        r.tap(r.find("newMemberName", QLineEdit))
        r.type("Ava")
        r.enter()
        r.type("0")
        r.enter()  # a new baby, added to the household
        r.qtbot.waitUntil(lambda: len(k.who.toggles) == 4 and r.shown("member3"))
        _assert_touchable(r, "Who's here")
        r.tap(r.find("whoNextButton"))
        r.wait_for(k.what)
        assert r.shown("session2")
        _assert_touchable(r, "What for, three sessions")
        r.tap(r.find("session0"))
        r.wait_for(k.done)
        assert r.shown("makeCardButton")
        _assert_touchable(r, "Done, a card offered")
        r.tap(r.find("makeCardButton"))
        r.qtbot.waitUntil(lambda: r.find("cardQr", QLabel).isVisible())
        _assert_touchable(r, "Done, the card shown")
        for area in k.w.findChildren(QListWidget):
            assert area.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    finally:
        r.kiosk.shutdown()


def test_every_staff_control_has_an_accessible_name_and_touch_size(rig: Rig) -> None:
    """Staff go through every page of staff mode, each filled in: every control can be
    named and touched."""
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _hub_staff_and_partners(rig.engine)
    rig.scanner.show(token)  # someone in the room
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("doneButton"))
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    rig.tap(rig.find("pin_2"))
    _assert_touchable(rig, "PIN pad")
    rig.tap(rig.find("pin_clear"))
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    room = rig.find("roomList", QListWidget)
    rig.qtbot.waitUntil(lambda: room.count() == 1)
    rig.tap_row(room, 0)
    _assert_touchable(rig, "In the room")
    rig.tap(rig.find("staffNav_signin"))
    rig.tap(rig.find("handSearch", QLineEdit))
    rig.type("Pat")
    hand = rig.find("handResults", QListWidget)
    rig.qtbot.waitUntil(lambda: hand.count() == 1 and rig.shown("handSession0"))
    rig.tap_row(hand, 0)
    _assert_touchable(rig, "Sign someone in")
    _refer_pat(rig)
    rig.tap(rig.find("partner0"))
    _assert_touchable(rig, "Log a referral")
    rig.tap(rig.find("staffNav_card"))
    rig.pick("cardSearch", "cardResults", "Pat")
    rig.tap(rig.find("issueCard"))
    rig.qtbot.waitUntil(lambda: not rig.find("staffCardQr", QLabel).pixmap().isNull())
    _assert_touchable(rig, "Issue a card")
    rig.tap(rig.find("staffNav_leave"))
    _assert_touchable(rig, "Leave kiosk mode")


def test_the_language_button_says_english_is_all_for_now(rig: Rig) -> None:
    """A visitor taps Language on Welcome: with English the only language, they are told
    so and that staff can help, and Welcome stays as it was."""
    from kiosk.i18n import available

    assert available() == ["English"]  # no translation installed yet
    rig.tap(rig.kiosk.welcome.language_button)
    rig.qtbot.waitUntil(rig.kiosk.w.toast.isVisible)
    assert rig.kiosk.w.toast.text() == ("This kiosk speaks English for now. Staff can help "
                                        "in other languages.")
    assert rig.kiosk.current() is rig.kiosk.welcome
    assert rig.kiosk.welcome.language_button.text() == "Language: English"
    assert rig.kiosk.welcome.sign_in_button.text() == "Sign in"


def test_have_your_say_is_anonymous_unless_named(rig: Rig) -> None:
    rig.tap(rig.kiosk.welcome.feedback_button)
    rig.type("The stair light is out again")
    rig.tap(rig.find("feedbackSend"))
    rig.qtbot.waitUntil(lambda: "choose a topic" in rig.kiosk.w.toast.text())
    assert rig.sql("SELECT COUNT(*) FROM feedback") == 0
    rig.tap(rig.find("topic2"))  # Safety
    rig.tap(rig.find("feedbackSend"))
    rig.wait_for(rig.kiosk.done)
    with read_session(rig.engine) as s:
        row = s.execute(text("SELECT topic, text, person_id, given_name, status "
                             "FROM feedback")).one()
    assert tuple(row) == ("Safety", "The stair light is out again", None, "", "new")


def test_enter_in_the_message_goes_on_to_the_name(rig: Rig) -> None:
    """Jo types her message, presses Enter and types her name: the name goes in the name
    field, not inside the message (which would no longer be anonymous)."""
    rig.tap(rig.kiosk.welcome.feedback_button)
    rig.type("More chairs please")
    rig.enter()
    rig.type("Jo")
    assert rig.find("feedbackText", QPlainTextEdit).toPlainText() == "More chairs please"
    assert rig.find("feedbackName", QLineEdit).text() == "Jo"


def test_staff_fire_register_hand_sign_in_and_idle_exit(rig: Rig) -> None:
    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    others, _ = _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    run_in_transaction(rig.engine, lambda s: create_staff(s, name="Jo", role="volunteer",
                                                          pin="1357", actor=ACTOR))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("doneButton"))
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "1357")
    rig.wait_for(rig.kiosk.staff)
    room = rig.find("roomList", QListWidget)
    rig.qtbot.waitUntil(lambda: room.count() == 1)
    assert room.item(0).text().startswith("Sam Wilson")
    # Sign Pat in by hand.
    rig.tap(rig.find("staffNav_signin"))
    rig.type("Pat")
    hand = rig.find("handResults", QListWidget)
    rig.qtbot.waitUntil(lambda: hand.count() == 1)
    rig.tap_row(hand, 0)
    rig.qtbot.waitUntil(lambda: rig.shown("handSession0"))
    rig.tap(rig.find("handSession0"))
    rig.qtbot.waitUntil(lambda: "Signed in" in rig.kiosk.w.toast.text())
    assert rig.sql("SELECT method FROM attendance WHERE person_id = :p", p=others[0]) == "staff"
    # A volunteer logs referrals too (DESIGN: "hub staff / volunteer").
    rig.tap(rig.find("staffNav_referral"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.staff.page == "referral")
    assert "hub staff" not in rig.kiosk.w.toast.text()
    # The fire register: sign Sam out.
    rig.tap(rig.find("staffNav_room"))
    rig.qtbot.waitUntil(lambda: room.count() == 2)
    sam_row = next(i for i in range(room.count()) if room.item(i).text().startswith("Sam"))
    rig.tap_row(room, sam_row)
    assert rig.kiosk.cards_today.since(token) is not None
    rig.tap(rig.find("signOutSelected"))
    rig.qtbot.waitUntil(lambda: room.count() == 1)
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                   "AND signed_out_at IS NOT NULL", p=ids[0]) == 1
    # His card is out for the kiosk too: shown with the database away, it is an arrival.
    assert rig.kiosk.cards_today.since(token) is None
    # Staff mode ends by itself when nobody touches it.
    rig.kiosk.idle.set_seconds(1)
    rig.wait_for(rig.kiosk.welcome, timeout=4000)
    assert "Pat Jones" not in rig.all_text()


def test_postcode_and_phone_can_be_switched_off(qtbot, engine_one: Engine,
                                                tmp_path: Path) -> None:
    from schema.settings import set_setting

    for key in ("collect_postcode", "collect_phone"):
        run_in_transaction(engine_one, lambda s, k=key: set_setting(s, key=k, value="no",
                                                                     actor=ACTOR))
    r = _build(qtbot, engine_one, tmp_path)
    try:
        r.tap(r.kiosk.welcome.new_button)
        assert r.kiosk.new.first.isVisible()
        assert not r.kiosk.new.postcode.isVisible() and not r.kiosk.new.phone.isVisible()
    finally:
        r.kiosk.shutdown()


def test_card_scanned_while_the_kiosk_starts_is_kept_and_signed_in(
        qtbot, engine_one: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The staged start of ``dropin-kiosk``: Welcome is on screen and the wedge scanner
    listening before the database layer is loaded. A card read then is kept, and signed in
    once the kiosk is ready; nothing of the token reaches the focused widget."""
    from kiosk.__main__ import Startup, parse_args

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the outbox's folder
    ids, token = _family(engine_one, ("Sam", "Wilson", 1988))
    url = engine_one.url.render_as_string(hide_password=False)
    app = QApplication.instance()
    # The loading after the first paint is held back until the card has been read (here
    # the database layer is imported already, and the kiosk would be up in a moment).
    load = Startup._after_paint
    monkeypatch.setattr(Startup, "_after_paint", lambda self: None)
    start = Startup(app, parse_args(["--database", url, "--windowed", "--no-camera",
                                     "--size", "1280x800"]))
    qtbot.addWidget(start.window)
    try:
        # The scanner listens from Welcome's first paint: no key reaches a window before.
        qtbot.waitUntil(lambda: start._listening, timeout=5000)
        target = QApplication.focusWidget() or start.welcome
        qtbot.keyClicks(target, token)
        qtbot.keyClick(target, Qt.Key.Key_Return)
        assert start.queued == [token]
        assert start.kiosk is None and start.thread is None
        load(start)
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        kiosk = start.kiosk
        qtbot.waitUntil(lambda: kiosk.current() is kiosk.done, timeout=10_000)
        message = kiosk.w.findChild(QLabel, "doneMessage")
        assert message.text() == "Welcome, Sam"
        assert start.queued == []
        with read_session(engine_one) as s:
            assert s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p"),
                             {"p": ids[0]}).scalar() == 1
    finally:
        if start.kiosk is not None:
            start.kiosk.shutdown()
        else:
            app.removeEventFilter(start.scanner)
        if start.thread is not None:
            start.thread.join(10)
        if start.database is not None:
            start.database.close()


def _start(qtbot, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kiosk.__main__ import Startup, parse_args

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the outbox's folder
    url = engine.url.render_as_string(hide_password=False)
    start = Startup(QApplication.instance(), parse_args(
        ["--database", url, "--windowed", "--no-camera", "--size", "1280x800"]))
    qtbot.addWidget(start.window)
    return start


def _stop(start: Any) -> None:
    if start.kiosk is not None:
        start.kiosk.shutdown()
    else:
        QApplication.instance().removeEventFilter(start.scanner)
    if start.thread is not None:
        start.thread.join(10)
    if start.database is not None:
        start.database.close()


def _start_on(qtbot, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from kiosk.__main__ import Startup, parse_args

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # outbox, noted settings
    monkeypatch.setattr(Startup, "RETRY_MS", 200)
    start = Startup(QApplication.instance(), parse_args(
        ["--database", url, "--windowed", "--no-camera", "--size", "1280x800"]))
    qtbot.addWidget(start.window)
    return start


def test_a_kiosk_started_with_its_database_away_signs_people_in_all_the_same(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The room's PC switched on after the kiosk, a share not mounted yet: the kiosk
    starts with the site's settings noted at its last start, says it is working offline,
    keeps a card scanned in its outbox, and sends it once the database is there."""
    from schema.migrate import upgrade

    folder = tmp_path / "share"
    folder.mkdir()
    url = f"sqlite:///{folder / 'dropin.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    _sessions_now(engine, [("Coffee morning", False)])
    ids, token = _family(engine, ("Sam", "Wilson", 1988))
    engine.dispose()
    start = _start_on(qtbot, url, tmp_path, monkeypatch)  # a day when all was well
    try:
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        room = start.kiosk.cfg.room_name
    finally:
        _stop(start)
    folder.rename(tmp_path / "unmounted")
    start = _start_on(qtbot, url, tmp_path, monkeypatch)
    try:
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        kiosk = start.kiosk
        assert start.code is None and kiosk.cfg.room_name == room
        banner = kiosk.w.findChild(QLabel, "offlineText")
        assert kiosk.w.banner.isVisible() and banner.text().startswith("Working offline")
        target = QApplication.focusWidget() or kiosk.w
        qtbot.keyClicks(target, token)
        qtbot.keyClick(target, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: kiosk.current() is kiosk.done, timeout=10_000)
        assert kiosk.done.message.text() == "Thank you!"
        assert [e["args"]["token"] for e in kiosk.store.outbox.entries()] == [token]
        (tmp_path / "unmounted").rename(folder)  # back
        qtbot.waitUntil(lambda: not len(kiosk.store.outbox), timeout=20_000)
        assert not kiosk.w.banner.isVisible()
    finally:
        _stop(start)
    engine = make_engine(url)
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p"),
                         {"p": ids[0]}).scalar() == 1
    engine.dispose()


def test_a_kiosk_that_never_reached_its_database_waits_for_it_instead_of_quitting(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No start has ever reached this database: Welcome says signing in will open once
    the system is reached; a card or a touch is told so (nothing is confirmed, nothing
    kept); the kiosk tries again every few seconds and is ready once the database is."""
    folder = tmp_path / "share"
    url = f"sqlite:///{folder / 'dropin.sqlite3'}"
    start = _start_on(qtbot, url, tmp_path, monkeypatch)
    try:
        banner = start.window.findChild(QLabel, "offlineText")
        qtbot.waitUntil(lambda: start.window.banner.isVisible(), timeout=30_000)
        assert banner.text().startswith("Getting ready")
        assert start.kiosk is None and start.code is None
        target = QApplication.focusWidget() or start.welcome
        qtbot.keyClicks(target, new_token())
        qtbot.keyClick(target, Qt.Key.Key_Return)
        toast = start.window.toast
        assert toast.isVisible() and "isn't open yet" in toast.text()
        assert start.queued == []
        toast.hide()
        qtbot.mouseClick(start.welcome.sign_in_button, Qt.MouseButton.LeftButton)
        assert toast.isVisible() and "isn't open yet" in toast.text()
        qtbot.wait(600)  # a few tries later, still waiting
        assert start.kiosk is None and start.code is None
        folder.mkdir()  # the share is there: a new database is made and the kiosk is up
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        assert not start.window.banner.isVisible()
        assert start.kiosk.current() is start.kiosk.welcome
    finally:
        _stop(start)


def test_the_keyboard_is_built_once_the_started_kiosk_is_quiet(
        qtbot, engine_one: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The staged start leaves the on-screen keyboard (~0.3 s on the UI thread) until
    Welcome has been quiet for a second, so a card read at once is not held up by it."""
    start = _start(qtbot, engine_one, tmp_path, monkeypatch)
    try:
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        assert not start.window.has_keyboard()  # ready for a card before the keyboard
        qtbot.waitUntil(start.window.has_keyboard, timeout=15_000)
        assert start.kiosk.current() is start.kiosk.welcome
        assert not start.window.keyboard.isVisible()
    finally:
        _stop(start)


def test_a_text_field_opened_before_the_quiet_moment_gets_the_keyboard_at_once(
        qtbot, engine_one: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = _start(qtbot, engine_one, tmp_path, monkeypatch)
    try:
        qtbot.waitUntil(lambda: start.kiosk is not None, timeout=30_000)
        kiosk = start.kiosk
        assert not start.window.has_keyboard()
        qtbot.mouseClick(kiosk.welcome.sign_in_button, Qt.MouseButton.LeftButton)
        assert kiosk.current() is kiosk.identify
        assert start.window.has_keyboard()
        qtbot.waitUntil(start.window.keyboard.isVisible)
    finally:
        _stop(start)


def test_welcome_is_painted_before_pyside6_sets_up_its_qt_namespace(tmp_path: Path) -> None:
    """PySide6 sets up every enum of its ``Qt`` namespace on the first use of any, ~30 ms
    of a ~300 ms start. ``dropin-kiosk`` paints Welcome without it (kiosk.widgets), its
    card scanner listening from that paint on."""
    import json
    import os
    import subprocess
    import sys
    import textwrap

    url = f"sqlite:///{tmp_path / 'dropin.sqlite3'}"
    script = textwrap.dedent(f"""
        import json, sys
        import kiosk.__main__ as entry

        seen = {{}}

        class Startup(entry.Startup):
            def __init__(self, app, args):
                from PySide6.QtCore import QObject, QTimer
                outer = self

                class Watch(QObject):  # installed last, so called before Startup's own
                    def eventFilter(self, obj, event):
                        if event.type() == event.Type.Paint and not seen:
                            core = sys.modules["PySide6.QtCore"].__dict__
                            seen["qt_namespace"] = "Qt" in core
                            seen["sqlalchemy"] = "sqlalchemy" in sys.modules
                            seen["listening_before"] = outer._listening
                            QTimer.singleShot(0, lambda: seen.setdefault(
                                "listening_after", outer._listening))
                            QTimer.singleShot(50, outer.quit)
                        return False

                super().__init__(app, args)
                self._test_watch = Watch()
                self.welcome.installEventFilter(self._test_watch)

        entry.Startup = Startup
        entry.main(["--database", {url!r}, "--windowed", "--no-camera"])
        print(json.dumps(seen))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "XDG_DATA_HOME": str(tmp_path / "data")})
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"qt_namespace": False, "sqlalchemy": False, "listening_before": False,
                    "listening_after": True}


def test_the_kiosk_window_has_no_frame_outside_windowed_mode(qtbot) -> None:
    from kiosk.window import KioskWindow

    kiosk_mode = KioskWindow(windowed=False, keyboard=False)
    qtbot.addWidget(kiosk_mode)
    assert kiosk_mode.windowHandle().flags() & Qt.WindowType.FramelessWindowHint
    windowed = KioskWindow(windowed=True, keyboard=False)
    qtbot.addWidget(windowed)
    windowed.create()
    assert not windowed.windowHandle().flags() & Qt.WindowType.FramelessWindowHint


def test_settings_made_by_enum_key_take_effect(qtbot, engine_one: Engine,
                                               tmp_path: Path) -> None:
    """What Welcome's widgets set through Qt's property system (see kiosk.widgets)."""
    from kiosk import scanner

    return_key, enter_key = scanner._ENTER_KEYS
    assert return_key == Qt.Key.Key_Return and enter_key == Qt.Key.Key_Enter
    modifiers = {k.value for k in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Meta,
                                   Qt.Key.Key_Alt, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock,
                                   Qt.Key.Key_AltGr)}
    assert modifiers == scanner._MODIFIER_KEYS
    r = _build(qtbot, engine_one, tmp_path)
    try:
        w = r.kiosk.welcome
        assert w.clock.alignment() == (Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
        for b in [*w.buttons(), *r.kiosk.w.findChildren(QPushButton)]:
            assert b.focusPolicy() == Qt.FocusPolicy.NoFocus, b.objectName()
        for b in w.buttons():
            assert b.cursor().shape() == Qt.CursorShape.PointingHandCursor, b.objectName()
        area = r.kiosk.w.scroll
        assert area.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        assert area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        assert not area.viewport().autoFillBackground()  # theme.qss: the window paints
        assert r.kiosk.w.toast.alignment() == Qt.AlignmentFlag.AlignCenter
    finally:
        r.kiosk.shutdown()


def test_staff_are_told_in_staff_words_when_the_database_is_away(
        rig: Rig, tmp_path: Path) -> None:
    """Not "please ask a member of staff" to the member of staff."""
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.kiosk.store.set_database(Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    rig.tap(rig.find("staffNav_signin"))
    rig.qtbot.waitUntil(lambda: "paper register" in rig.kiosk.w.toast.text(), timeout=5000)
    assert "ask a member of staff" not in rig.kiosk.w.toast.text()


def test_staff_search_says_when_nobody_or_more_than_it_lists_match(rig: Rig) -> None:
    for i in range(22):
        _family(rig.engine, ("Sam", f"Walker{i:02d}", 1980 + i % 10), card=False)
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.tap(rig.find("staffNav_signin"))
    hand = rig.find("handResults", QListWidget)
    rig.type("Sam")
    rig.qtbot.waitUntil(lambda: hand.count() == 21)
    assert hand.item(20).text() == "More people match: add a surname, an initial or a year born"
    assert not hand.item(20).flags() & Qt.ItemFlag.ItemIsEnabled
    rig.type(" Zed")
    rig.qtbot.waitUntil(lambda: hand.count() == 1 and hand.item(0).data(
        Qt.ItemDataRole.UserRole) is None)
    assert hand.item(0).text() == "Nobody found by that name"
    rig.tap_row(hand, 0)  # a note, not a person: nothing happens
    rig.qtbot.wait(100)
    assert rig.kiosk.staff.hand_person is None


def test_the_fire_register_lists_people_by_name(rig: Rig) -> None:
    """A roll is called by name: the register is in order of names, head-counts last,
    not in the order people came in."""
    tokens = [_family(rig.engine, (first, last, 1980))[1]
              for first, last in (("Zara", "Ali"), ("Adam", "Reid"), ("Mo", "Farah"))]
    for token in tokens:
        rig.kiosk.reset()
        rig.scanner.show(token)
        rig.wait_for(rig.kiosk.done)
    rig.kiosk.reset()
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    room = rig.find("roomList", QListWidget)
    rig.qtbot.waitUntil(lambda: room.count() == 3)
    assert [room.item(i).text().split("  ·  ")[0] for i in range(3)] == [
        "Adam Reid", "Mo Farah", "Zara Ali"]


def test_an_outbox_that_cannot_be_rewritten_is_tried_again_later_not_at_once(
        rig: Rig, tmp_path: Path) -> None:
    """A landed entry the outbox cannot take off (a folder made read-only lets the file
    grow but no new file be made): it waits for the next try, instead of being sent
    again and again at once."""
    _ids, pat = _family(rig.engine, ("Pat", "Jones", 1970))
    store = _kept_while_away(rig, tmp_path, pat)
    tried = _Tried(kiosk_database(rig.engine))
    store.set_database(tried)  # type: ignore[arg-type]

    def read_only(*_a: Any, **_k: Any) -> None:
        raise OSError(30, "Read-only file system")

    store.outbox._write = read_only  # type: ignore[method-assign]
    store.drain()
    rig.qtbot.wait(1000)
    assert tried.tries <= 2  # (it landed once; a second send changes nothing)
    assert store._retry.isActive()
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_a_visitor_is_asked_if_she_is_still_there_before_the_idle_reset(rig: Rig) -> None:
    """A slow reader on I'm new: before everything typed is forgotten she is asked, and a
    touch keeps it; with no touch the kiosk goes back to Welcome as before."""
    idle = rig.kiosk.idle
    idle.warn_s = 0.6
    rig.tap(rig.kiosk.welcome.new_button)
    rig.type("Amira")
    idle.set_seconds(1.5)  # (30 s, and 10 s of warning, at this test's pace)
    toast = rig.kiosk.w.toast
    rig.qtbot.waitUntil(lambda: toast.isVisible() and toast.text() == (
        "Still there? Touch the screen to carry on."), timeout=3000)
    assert rig.kiosk.current() is rig.kiosk.new
    rig.tap(rig.kiosk.new.first)  # a touch: carrying on
    rig.qtbot.wait(1000)
    assert rig.kiosk.current() is rig.kiosk.new and rig.kiosk.new.first.text() == "Amira"
    rig.wait_for(rig.kiosk.welcome, timeout=4000)  # and then nobody: forgotten
    assert rig.kiosk.new.first.text() == ""
