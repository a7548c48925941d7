"""Journeys at the edges of a visit: the moment after goodbye, the next visitor arriving
while the last one's answer is on its way, a member typed but not added, cards shown where
they cannot be used. Each drives the real widgets of a kiosk on a fresh database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QPoint
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QPushButton

from kiosk.app import DEFAULT_NOTICE
from kiosk.printing import PdfFolder
from kiosk.scanner import decode_qr
from kiosk.screens.visitor import room_for_text
from schema.cards import issue_card
from schema.clock import LONDON, now_utc
from schema.db import run_in_transaction
from schema.people import NewPerson, register_household
from tests import test_kiosk, test_kiosk_messages
from tests.test_kiosk import (
    Rig,
    _an_hour_ago,
    _build,
    _database_with,
    _enter_pin,
    _family,
    _hub_staff_and_partners,
    _three_sessions_on,
)
from tests.test_kiosk_messages import _to_whos_here
from tests.test_kiosk_touch import _to_family_step

# A kiosk at 1280×800 with one session on now, on a fresh database (tests/test_kiosk.py).
engine_one, rig = test_kiosk.engine_one, test_kiosk.rig
shouting = test_kiosk_messages.shouting  # every sentence of the kiosk in capitals


def test_a_double_beep_as_you_leave_is_still_goodbye(rig: Rig) -> None:
    """Sam scans in, scans out, and the scanner beeps twice as he goes."""
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    _an_hour_ago(rig)
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Sam")
    rig.scanner.show(token)  # the same card again, a moment later
    rig.qtbot.waitUntil(lambda: rig.find("doneDetail", QLabel).text()
                        == "You're already signed out. See you soon!")
    assert rig.find("doneMessage", QLabel).text() == "Goodbye, Sam"
    assert not rig.shown("addPeopleButton")  # nobody to add to a goodbye
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL") == 0
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_welcome_does_not_name_a_sensitive_service_on_now(qtbot, tmp_path: Path) -> None:
    """Sam signs in to the beat surgery; the next person in the queue sees Welcome."""
    engine = _database_with(tmp_path, [("Police beat surgery", True), ("Coffee morning", False)])
    r = _build(qtbot, engine, tmp_path)
    try:
        on_now = r.find("onNow", QLabel)
        r.qtbot.waitUntil(lambda: on_now.text() == "On now: Coffee morning")
        _ids, token = _family(engine, ("Sam", "Wilson", 1988))
        r.scanner.show(token)
        r.wait_for(r.kiosk.what)
        police = next(b for b in r.kiosk.what.findChildren(QPushButton)
                      if b.accessibleName() == "Police beat surgery")
        r.tap(police)  # chosen on What for, before he is signed in: named there
        r.wait_for(r.kiosk.done)
        r.tap(r.find("doneButton"))
        r.wait_for(r.kiosk.welcome)
        r.qtbot.wait(200)
        assert on_now.text() == "On now: Coffee morning"
        assert "Police" not in r.visible_text()
        assert r.sql("SELECT service.name FROM attendance JOIN service "
                     "ON service.id = attendance.service_id") == "Police beat surgery"
    finally:
        r.kiosk.shutdown()


def test_the_clock_names_the_day_in_the_kiosks_language(rig: Rig) -> None:
    """The day and month on Welcome come from the kiosk's locale, not the C library."""
    clock = rig.find("clock", QLabel)
    at = dt.datetime(2026, 11, 22, 9, 5, tzinfo=LONDON)
    rig.kiosk.welcome.tick(at)
    assert clock.text() == "09:05  Sun 22 Nov"
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    try:
        rig.kiosk.welcome.tick(at)
        assert clock.text() == "09:05  dim. 22 nov."
    finally:
        QLocale.setDefault(QLocale.c())


def test_the_last_visitors_answer_does_not_land_on_the_next_visitor(rig: Rig) -> None:
    """Samira taps her name; before the kiosk has answered, Pat scans his card."""
    _family(rig.engine, ("Samira", "Wilson", 1988), card=False)
    _ids, token = _family(rig.engine, ("Pat", "Jones", 1970))
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Sam")
    rig.enter()
    rig.type("W")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    rig.tap(rig.find("result0"))  # her answer is on its way...
    rig.scanner.show(token)  # ...and Pat is at the scanner already
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Pat")
    rig.qtbot.wait(300)  # (Samira's answer has come back by now, and been dropped)
    assert rig.kiosk.current() is rig.kiosk.done
    assert not rig.shown("makeCardButton")  # Pat has a card: Samira had none
    assert "Samira" not in rig.visible_text()
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_a_card_shown_at_the_pin_pad_signs_its_visitor_in(rig: Rig) -> None:
    """The PIN pad is a screen any visitor can reach (Staff tapped by mistake): a card
    scanned there signs its visitor in, and the digits typed so far are forgotten."""
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    rig.tap(rig.find("pin_1"))
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Sam")
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1
    assert rig.kiosk.pin.pin == ""


def test_a_card_shown_in_staff_mode_gets_an_answer(rig: Rig) -> None:
    """A visitor scans while staff mode is open: she is told, and staff mode stays."""
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible())
    assert rig.kiosk.w.toast.text() == ("The kiosk is in staff mode. Please ask a member of "
                                        "staff to sign you in.")
    assert rig.kiosk.current() is rig.kiosk.staff
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 0


def test_a_card_that_does_not_scan_gets_an_answer(rig: Rig) -> None:
    """A smudged card: the scanner reads the prefix and then rubbish."""
    rig.scanner.misread.emit()
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible())
    assert rig.kiosk.w.toast.text() == "Sorry, that card didn't scan. Please try again."
    assert rig.kiosk.current() is rig.kiosk.welcome


def test_a_child_typed_in_but_not_added_comes_too(rig: Rig) -> None:
    """Amira types her daughter's name and age, then taps Next without tapping Add."""
    _to_family_step(rig, ())  # I'm new: Amira K, 34, at the household step
    rig.type("Leila")
    rig.enter()
    rig.type("6")
    rig.tap(rig.find("familyNextButton"))
    assert rig.find("privacyNotice", QLabel).isVisible()
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    assert rig.sql("SELECT group_concat(first_name, ',') FROM person") == "Amira,Leila"


def test_a_child_typed_in_with_no_age_stops_at_the_household_step(rig: Rig) -> None:
    """Amira types her daughter's name, forgets the age and taps Next."""
    _to_family_step(rig, ())  # I'm new: Amira K, 34, at the household step
    rig.type("Leila")
    rig.tap(rig.find("familyNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible())
    assert rig.kiosk.w.toast.text() == "Please add a year born or an age for Leila."
    assert not rig.find("privacyNotice", QLabel).isVisible()
    assert rig.find("memberName", QLineEdit).text() == "Leila"  # kept, to put right


def test_a_baby_typed_in_on_whos_here_is_signed_in_too(rig: Rig) -> None:
    """Lauren types her new baby's name and age, then taps Sign in without Add."""
    _to_whos_here(rig)  # Lauren Lawrence found; Gordon, her partner, not chosen
    rig.tap(rig.find("newMemberName", QLineEdit))
    rig.type("Noah")
    rig.enter()
    rig.type("0")
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    assert rig.sql("SELECT group_concat(p.first_name, ',') FROM attendance a "
                   "JOIN person p ON p.id = a.person_id") == "Lauren,Noah"
    # Her surname, as I'm new gives the family: staff can tell this Noah from another.
    assert rig.sql("SELECT last_name FROM person WHERE first_name = 'Noah'") == "Lawrence"


def test_done_thanks_someone_who_signed_in_only_another_member(rig: Rig) -> None:
    """Lauren unticks herself and signs in only Gordon."""
    _to_whos_here(rig)
    member = {b.text(): b for b in rig.kiosk.who.toggles.values()}
    rig.tap(member["Lauren"])  # off
    rig.tap(member["Gordon"])  # on
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Thank you, Lauren"
    assert rig.find("doneDetail", QLabel).text() == "1 person is signed in."


def test_the_default_privacy_notice_is_in_the_kiosks_language(shouting: None,
                                                             rig: Rig) -> None:
    """No notice of the hub's own: Amira reads the kiosk's, in the kiosk's language (here
    a translation made with lupdate and lrelease that puts every sentence in capitals)."""
    _to_family_step(rig, ())  # I'm new: Amira K, 34, at the household step
    rig.tap(rig.find("familyNextButton"))
    notice = rig.find("privacyNotice", QLabel)
    assert notice.isVisible()
    assert notice.text() == DEFAULT_NOTICE.upper()


def test_after_her_own_card_a_mother_signs_in_her_children(rig: Rig) -> None:
    """Lauren scans her personal card, then taps "Someone with you?" for Ella. Done
    counts Ella, and does not name a child on the shared screen."""
    _ids, token = _family(rig.engine, ("Lauren", "Hill", 1990), ("Ella", "Hill", 2018))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "You're signed in."
    # Asked by name: the next person in the queue does not take it for their way in.
    assert rig.find("addPeopleButton").text() == "Someone with you, Lauren? Sign them in"
    rig.tap(rig.find("addPeopleButton"))
    rig.wait_for(rig.kiosk.who)
    member = {b.text(): b for b in rig.kiosk.who.toggles.values()}
    assert member["Lauren"].isChecked() and not member["Ella"].isChecked()
    rig.tap(member["Ella"])
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Thank you, Lauren"
    assert rig.find("doneDetail", QLabel).text() == "1 person is signed in."
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 2


def test_back_from_someone_with_you_returns_to_done(rig: Rig) -> None:
    """Lauren, signed in, opens "Someone with you?" and changes her mind: Back takes her
    back to her Done, not to "find yourself", and Done then goes as usual."""
    _ids, token = _family(rig.engine, ("Lauren", "Hill", 1990), ("Ella", "Hill", 2018))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("addPeopleButton"))
    rig.wait_for(rig.kiosk.who)
    rig.tap(rig.find("whoBackButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Lauren"
    assert rig.kiosk.done_timer.isActive()
    rig.tap(rig.find("doneButton"))
    rig.wait_for(rig.kiosk.welcome)
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_a_double_tap_on_add_adds_the_baby_once(rig: Rig) -> None:
    _pat_types_his_baby_on_whos_here(rig)
    rig.tap(rig.find("newMemberYear", QLineEdit))
    rig.type("0")
    add = rig.find("addMemberButton")
    rig.tap(add)
    rig.tap(add)
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.who.toggles) == 2)
    rig.qtbot.wait(300)
    assert rig.sql("SELECT COUNT(*) FROM person WHERE first_name = 'Noah'") == 1
    assert len(rig.kiosk.who.toggles) == 2


def test_someone_with_you_keeps_an_ordinary_name_by_shortening_the_rest(rig: Rig) -> None:
    """At 1280×800 "Someone with you, Mary-Jane? Sign them in" does not fit: the name
    stays (the next in the queue must not take it for theirs) and "Sign them in" goes."""
    _ids, token = _family(rig.engine, ("Mary-Jane", "Hill", 1990))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    more = rig.find("addPeopleButton")
    assert "Mary-Jane" in more.text()
    assert more.fontMetrics().horizontalAdvance(more.text()) <= room_for_text(more)


def test_someone_with_you_leaves_out_a_name_too_long_for_its_button(rig: Rig) -> None:
    _ids, token = _family(rig.engine, ("Wolfeschlegelsteinhausenbergerdorff", "Hill", 1990))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    more = rig.find("addPeopleButton")
    assert more.text() == "Someone with you? Sign them in"
    assert more.fontMetrics().horizontalAdvance(more.text()) <= room_for_text(more)
    assert abs(more.width() * 2 - rig.find("doneButton").width() * 3) <= 5  # 3/5 and 2/5


def _pat_types_his_baby_on_whos_here(rig: Rig) -> None:
    """Pat, who lives alone on record, scans his card, taps "Someone with you?" and types
    his newborn's name on Who's here."""
    _ids, token = _family(rig.engine, ("Pat", "Jones", 1985))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("addPeopleButton"))
    rig.wait_for(rig.kiosk.who)
    rig.tap(rig.find("newMemberName", QLineEdit))
    rig.type("Noah")


def test_someone_who_lives_alone_can_add_a_new_baby_after_signing_in(rig: Rig) -> None:
    """Pat lives alone on record; today he brings his newborn son."""
    _pat_types_his_baby_on_whos_here(rig)
    rig.enter()
    rig.type("0")
    rig.enter()  # adds him
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.who.toggles) == 2)
    rig.tap(rig.find("whoNextButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneDetail", QLabel).text() == "1 person is signed in."
    assert rig.sql("SELECT group_concat(p.first_name, ',') FROM attendance a "
                   "JOIN person p ON p.id = a.person_id") == "Pat,Noah"


def _sam_without_a_card_asks_for_one(r: Rig) -> None:
    """Sam, who has no card, finds himself, is signed in and taps "Make me a card"."""
    _family(r.engine, ("Sam", "Wilson", 1988), card=False)
    r.tap(r.kiosk.welcome.sign_in_button)
    r.type("Sam")
    r.enter()
    r.type("1988")
    r.qtbot.waitUntil(lambda: r.shown("result0"))
    r.tap(r.find("result0"))
    r.wait_for(r.kiosk.done)
    r.tap(r.find("makeCardButton"))


def _printed_token(pdf: Path) -> str | None:
    """The QR code on the first page of a printed card, read back by zxing-cpp."""
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    size = document.pagePointSize(0).toSize() * 3  # ~216 dpi
    return decode_qr(document.render(0, size))


def _printed_text(pdf: Path) -> str:
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    return document.getAllText(0).text()


def test_a_new_card_comes_out_of_the_printer(qtbot, tmp_path: Path) -> None:
    """Sam has no card; on Done he taps "Make me a card". Later staff print him a new one."""
    engine = _database_with(tmp_path, [("Coffee morning", False)])
    printer = PdfFolder(tmp_path / "printed")
    r = _build(qtbot, engine, tmp_path, printer=printer)
    try:
        _sam_without_a_card_asks_for_one(r)
        r.qtbot.waitUntil(lambda: r.find("doneDetail", QLabel).text()
                          == "Your card is printing — scan it next time.")
        token = r.sql("SELECT token FROM card WHERE revoked_at IS NULL")
        assert len(printer.printed) == 1
        assert _printed_token(printer.printed[0]) == token
        # He loses it; staff issue him a new one and print it.
        _hub_staff_and_partners(engine)
        r.tap(r.find("doneButton"))
        r.tap(r.kiosk.welcome.staff_button)
        _enter_pin(r, "2468")
        r.wait_for(r.kiosk.staff)
        r.tap(r.find("staffNav_card"))
        r.pick("cardSearch", "cardResults", "Sam")
        r.tap(r.find("issueCard"))  # he has one (lost): asked first, then a new one
        r.qtbot.waitUntil(lambda: r.find("issueCard").text()
                          == "Tap again to replace the card")
        r.tap(r.find("issueCard"))
        r.qtbot.waitUntil(lambda: r.find("printCard").isEnabled())
        r.tap(r.find("printCard"))
        assert r.kiosk.w.toast.text() == "Sent to the printer."
        new = r.sql("SELECT token FROM card WHERE revoked_at IS NULL")
        assert new != token and len(printer.printed) == 2
        assert _printed_token(printer.printed[1]) == new
        # Each with his name on it, as from Done: a family's cards are told apart.
        assert all("Sam" in _printed_text(pdf) for pdf in printer.printed)
    finally:
        r.kiosk.shutdown()


def test_someone_with_you_goes_to_the_session_already_chosen(qtbot, tmp_path: Path) -> None:
    """Three sessions on: Lauren chooses the Youth club for herself, then adds Ella; Ella
    goes to the same session, and Lauren is not signed in to a second one."""
    engine = _three_sessions_on(tmp_path)
    r = _build(qtbot, engine, tmp_path)
    try:
        _ids, token = _family(engine, ("Lauren", "Hill", 1990), ("Ella", "Hill", 2018))
        r.scanner.show(token)
        r.wait_for(r.kiosk.what)
        youth = next(b for b in r.kiosk.what.findChildren(QPushButton)
                     if b.accessibleName() == "Youth club")
        r.tap(youth)
        r.wait_for(r.kiosk.done)
        r.tap(r.find("addPeopleButton"))
        r.wait_for(r.kiosk.who)
        member = {b.text(): b for b in r.kiosk.who.toggles.values()}
        r.tap(member["Ella"])
        r.tap(r.find("whoNextButton"))
        r.wait_for(r.kiosk.done)
        assert r.sql("SELECT group_concat(p.first_name || ':' || v.name, ',') FROM attendance a "
                     "JOIN person p ON p.id = a.person_id JOIN service v "
                     "ON v.id = a.service_id") == "Lauren:Youth club,Ella:Youth club"
    finally:
        r.kiosk.shutdown()


def test_a_double_tap_on_sign_in_adds_the_new_baby_once(rig: Rig) -> None:
    """Lauren types her baby's name and age and taps Sign in twice, quickly."""
    _to_whos_here(rig)
    rig.tap(rig.find("newMemberName", QLineEdit))
    rig.type("Noah")
    rig.enter()
    rig.type("0")
    sign_in = rig.find("whoNextButton")
    rig.tap(sign_in)
    rig.tap(sign_in)  # before the first tap's answer
    rig.wait_for(rig.kiosk.done)
    rig.qtbot.waitUntil(rig.kiosk.store.idle)
    assert rig.sql("SELECT COUNT(*) FROM person WHERE first_name = 'Noah'") == 1
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."


def test_a_double_tap_on_yes_registers_one_household(rig: Rig) -> None:
    """Amira taps "Yes, save my details" twice, quickly."""
    _to_family_step(rig, ())  # I'm new: Amira K, 34, at the household step
    rig.tap(rig.find("familyNextButton"))
    agree = rig.find("agreeButton")
    rig.tap(agree)
    rig.tap(agree)
    rig.wait_for(rig.kiosk.done)
    rig.qtbot.waitUntil(rig.kiosk.store.idle)
    assert rig.sql("SELECT COUNT(*) FROM household") == 1
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def _shahs(rig: Rig, *others: tuple[str, str, int]) -> tuple[list[int], str, str]:
    """Dev Shah's household (Dev, then ``others``): their ids, Dev's own card and the
    household's card."""
    ids = _family(rig.engine, ("Dev", "Shah", 1980), *others)[0]
    household = rig.sql("SELECT household_id FROM person WHERE id = :p", p=ids[0])
    dads = run_in_transaction(rig.engine, lambda s: issue_card(
        s, person_id=ids[0], actor="test").token)
    family = run_in_transaction(rig.engine, lambda s: issue_card(
        s, household_id=household, actor="test").token)
    return ids, dads, family


def test_a_household_card_after_one_of_them_left_signs_the_rest_in(rig: Rig) -> None:
    """Dad leaves with his own card; a minute later Mum scans the household card."""
    (_dad, mum), dads, family = _shahs(rig, ("Priya", "Shah", 1982))
    rig.scanner.show(dads)
    rig.wait_for(rig.kiosk.done)
    _an_hour_ago(rig)
    rig.scanner.show(dads)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Dev")
    rig.scanner.show(family)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text().startswith("Welcome"))
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL "
                   "AND person_id = :p", p=mum) == 1


def test_a_household_card_while_one_of_them_is_in_signs_the_rest_in(rig: Rig) -> None:
    """Dad came in with his own card; Mum and their son come later with the household
    card: they are signed in and Mum is greeted; Dad is not signed out. At the end of
    the day the household card signs the three of them out."""
    (dad, mum, son), dads, family = _shahs(rig, ("Priya", "Shah", 1982),
                                           ("Arun", "Shah", 2016))
    rig.scanner.show(dads)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Dev")
    rig.tap(rig.find("doneButton"))
    rig.scanner.show(family)  # within the minutes a second scan is "already in"
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Welcome, Priya")
    assert rig.find("doneDetail", QLabel).text() == "You and 1 other are signed in."
    open_ = "SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL AND person_id = :p"
    assert [rig.sql(open_, p=p) for p in (dad, mum, son)] == [1, 1, 1]
    rig.tap(rig.find("doneButton"))
    _an_hour_ago(rig)
    rig.scanner.show(family)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text().startswith("Goodbye"))
    assert [rig.sql(open_, p=p) for p in (dad, mum, son)] == [0, 0, 0]


def test_making_a_card_holds_done_until_the_card_is_shown(rig: Rig) -> None:
    """Sam (no card) taps "Make me a card": Done does not time out under him."""
    _sam_without_a_card_asks_for_one(rig)
    assert not rig.kiosk.done_timer.isActive()  # until the card is on screen
    rig.qtbot.waitUntil(lambda: not rig.find("cardQr", QLabel).pixmap().isNull())
    assert rig.kiosk.done_timer.isActive()


def _fifteen_more(rig: Rig) -> None:
    """I'm new: Amira K, 34, then fifteen more people typed in (as many as it takes)."""
    _to_family_step(rig, ())
    for i in range(15):
        rig.type(f"Kid{'abcdefghijklmnop'[i]}")
        rig.enter()
        rig.type("5")
        rig.enter()
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.visit.new_members) == 15)


def test_a_big_household_leaves_yes_and_no_thanks_on_the_privacy_page(rig: Rig) -> None:
    """Fifteen people typed in: "Who's here with you today?" takes at most three rows, and
    the notice with Yes and No thanks stays on the page at 1280 x 800 (no scrolling to
    them, which nothing on the page would hint at)."""
    _fifteen_more(rig)
    rig.tap(rig.find("familyNextButton"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 2)
    rig.qtbot.wait(50)
    window = rig.kiosk.w
    assert window.size().height() == 800
    rows = {rig.find(f"here{i}").mapTo(window, QPoint(0, 0)).y() for i in range(15)}
    assert len(rows) == 3
    for name, kind in (("privacyNotice", QLabel), ("agreeButton", QPushButton),
                       ("declineButton", QPushButton)):
        w = rig.find(name, kind)
        top = w.mapTo(window, QPoint(0, 0)).y()
        assert w.isVisible() and top >= 0 and top + w.height() <= window.height(), name
    assert min(rig.find(f"here{i}").height() for i in range(15)) >= 64


def test_a_sixteenth_member_typed_in_does_not_hold_the_visitor_up(rig: Rig) -> None:
    """Amira adds fifteen people, types a sixteenth, and taps Next."""
    _fifteen_more(rig)  # I'm new: Amira K, 34, and fifteen more
    rig.type("Zara")
    rig.tap(rig.find("familyNextButton"))
    assert rig.find("privacyNotice", QLabel).isVisible()
    assert rig.kiosk.w.toast.text() == ("That's a big household! Please ask staff to add "
                                        "the rest.")


def test_a_card_that_cannot_be_printed_is_shown_instead(tmp_path: Path) -> None:
    """A print folder that cannot be made: no card "printing", and no error."""
    (tmp_path / "a-file").write_text("")
    assert PdfFolder(tmp_path / "a-file" / "cards").print_card("DRP-X", "Sam", "Room") is False


def test_a_second_try_at_registering_keeps_the_postcode(rig: Rig) -> None:
    """The controller sends a registration twice (the first refused by the core, the
    visitor taps Yes again): both carry the postcode she typed."""
    sent: list[dict] = []
    kiosk = rig.kiosk
    kiosk.store.call_or_keep = lambda _kind, args, *_callbacks: sent.append(args)  # type: ignore[method-assign]
    kiosk.visit.then = "register"
    kiosk.visit.new_you = {"first_name": "Amira", "last_name": "K", "birth_year": 1990,
                           "phone": None, "postcode": "M40 7AA"}
    kiosk.session_chosen(1)
    kiosk.session_chosen(1)
    assert [a["postcode"] for a in sent] == ["M40 7AA", "M40 7AA"]
    assert all("postcode" not in a["members"][0] for a in sent)


def test_declining_after_typing_the_family_counts_them_all(rig: Rig) -> None:
    """Amira types in herself and two children, then declines the privacy notice: the
    head-count starts at the three of them, not at "Just me"."""
    _to_family_step(rig, (("Yusuf", "6"), ("Leila", "2")))
    rig.tap(rig.find("familyNextButton"))
    rig.tap(rig.find("declineButton"))
    rig.wait_for(rig.kiosk.count)
    assert rig.find("countValue", QLabel).text() == "Me + 2"
    rig.tap(rig.find("countConfirm"))
    rig.wait_for(rig.kiosk.done)
    assert rig.sql("SELECT SUM(headcount) FROM attendance WHERE person_id IS NULL") == 3
    assert rig.sql("SELECT COUNT(*) FROM person") == 0
    rig.tap(rig.find("doneButton"))
    rig.wait_for(rig.kiosk.welcome)
    rig.tap(rig.kiosk.welcome.new_button)
    rig.tap(rig.find("countMeButton"))  # the next visitor: just her
    rig.wait_for(rig.kiosk.count)
    assert rig.find("countValue", QLabel).text() == "Just me"


def test_a_big_family_declining_is_counted_whole(rig: Rig) -> None:
    """Amira types in fifteen more people (as many as I'm new takes), then declines:
    the head-count is all sixteen of them, and "+" goes on up to the core's limit."""
    from schema.signin import MAX_HEADCOUNT

    _fifteen_more(rig)  # I'm new: Amira K, 34, and fifteen more
    rig.tap(rig.find("familyNextButton"))
    rig.tap(rig.find("declineButton"))
    rig.wait_for(rig.kiosk.count)
    assert rig.find("countValue", QLabel).text() == "Me + 15"
    for _ in range(MAX_HEADCOUNT):
        rig.tap(rig.find("countPlus"))
    assert rig.find("countValue", QLabel).text() == f"Me + {MAX_HEADCOUNT - 1}"
    for _ in range(MAX_HEADCOUNT - 16):
        rig.tap(rig.find("countMinus"))
    rig.tap(rig.find("countConfirm"))
    rig.wait_for(rig.kiosk.done)
    assert rig.sql("SELECT SUM(headcount) FROM attendance WHERE person_id IS NULL") == 16


def _in_room(rig: Rig) -> list[str]:
    names = rig.sql("SELECT group_concat(first_name, ',') FROM (SELECT p.first_name "
                    "FROM attendance a JOIN person p ON p.id = a.person_id "
                    "WHERE a.signed_out_at IS NULL ORDER BY p.first_name)")
    return str(names).split(",") if names else []


def test_a_parent_leaving_takes_her_children_off_the_fire_register(rig: Rig) -> None:
    """Sam signs her son in with her ("Someone with you?"); when she scans to leave, he
    goes with her: the fire register must not list a child who has gone home. Only
    counted on screen, not named."""
    year = now_utc().year
    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988), ("Kai", "Wilson", year - 6))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("addPeopleButton"))
    rig.wait_for(rig.kiosk.who)
    rig.tap(rig.kiosk.who.toggles[ids[1]])
    rig.tap(rig.find("whoNextButton"))
    rig.qtbot.waitUntil(lambda: _in_room(rig) == ["Kai", "Sam"])
    _an_hour_ago(rig)
    rig.kiosk.reset()
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Sam")
    assert rig.find("doneDetail", QLabel).text() == "You and 1 child are signed out. See you soon!"
    assert _in_room(rig) == []


def test_children_stay_signed_in_with_the_other_parent_still_in_the_room(rig: Rig) -> None:
    year = now_utc().year
    ids, token = _family(rig.engine, ("Sam", "Wilson", 1988), ("Lee", "Wilson", 1986),
                         ("Kai", "Wilson", year - 6))
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("addPeopleButton"))
    rig.wait_for(rig.kiosk.who)
    for person in ids[1:]:
        rig.tap(rig.kiosk.who.toggles[person])
    rig.tap(rig.find("whoNextButton"))
    rig.qtbot.waitUntil(lambda: _in_room(rig) == ["Kai", "Lee", "Sam"])
    _an_hour_ago(rig)
    rig.kiosk.reset()
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text() == "Goodbye, Sam")
    assert rig.find("doneDetail", QLabel).text() == (
        "You're signed out. Thank you for coming — see you soon!")
    assert _in_room(rig) == ["Kai", "Lee"]


LONG_SESSIONS = [("Citizens Advice benefits and debt drop-in", False),
                 ("Coffee morning and toddler stay-and-play", False),
                 ("English conversation class (ESOL)", False), ("Youth club", False),
                 ("Housing surgery with the council", False),
                 ("Police beat surgery", True)]


def _on_screen(rig: Rig, name: str) -> bool:
    """The whole of ``name`` lies inside the window."""
    b = rig.find(name)
    left = b.mapTo(rig.kiosk.w, b.rect().topLeft())
    return left.x() >= 0 and left.x() + b.width() <= rig.kiosk.w.width()


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_long_service_names_keep_every_tile_on_screen(qtbot, tmp_path: Path, size) -> None:
    """Six sessions on, some with long names: every What for tile and every staff
    sign-in button is inside the window (which has no scroll bar), its name wrapped or
    shortened, and read whole by a screen reader."""
    engine = _database_with(tmp_path, LONG_SESSIONS)
    r = _build(qtbot, engine, tmp_path)
    try:
        r.kiosk.w.resize(*size)
        _ids, token = _family(engine, ("Sam", "Wilson", 1988))
        _hub_staff_and_partners(engine)
        r.scanner.show(token)
        r.wait_for(r.kiosk.what)
        r.qtbot.wait(50)
        for i in range(6):
            assert _on_screen(r, f"session{i}"), i
        assert r.find("session0").accessibleName() == LONG_SESSIONS[0][0]
        assert r.kiosk.w.width() == size[0]
        r.kiosk.reset()
        r.tap(r.kiosk.welcome.staff_button)
        _enter_pin(r, "2468")
        r.wait_for(r.kiosk.staff)
        r.tap(r.find("staffNav_signin"))
        r.type("Sam")
        hand = r.find("handResults", QListWidget)
        r.qtbot.waitUntil(lambda: hand.count() == 1)
        r.tap_row(hand, 0)
        r.qtbot.waitUntil(lambda: r.shown("handSession5"))
        r.qtbot.wait(50)
        for i in range(6):
            assert _on_screen(r, f"handSession{i}"), i
        assert _on_screen(r, "exitStaffButton")
    finally:
        r.kiosk.shutdown()


def test_staff_mode_opens_again_after_a_hand_sign_in_was_left_half_way(rig: Rig) -> None:
    """Staff chose a person on Sign someone in and left staff mode: the next PIN opens
    staff mode again (its session buttons, gone with the last staff member, are not
    touched again)."""
    _family(rig.engine, ("Sam", "Wilson", 1988))
    _hub_staff_and_partners(rig.engine)
    hand = rig.find("handResults", QListWidget)
    for _ in range(2):
        rig.tap(rig.kiosk.welcome.staff_button)
        _enter_pin(rig, "2468")
        rig.wait_for(rig.kiosk.staff)
        rig.tap(rig.find("staffNav_signin"))
        rig.type("Sam")
        rig.qtbot.waitUntil(lambda: hand.count() == 1)
        rig.tap_row(hand, 0)
        rig.qtbot.waitUntil(lambda: rig.shown("handSession0"))
        rig.kiosk.reset()  # staff mode left (idle, or Leave)
        rig.qtbot.wait(50)
    assert rig.kiosk.staff.hand_tiles.shown == []


def test_a_teenager_at_her_own_session_stays_when_her_mother_leaves(qtbot, tmp_path: Path) -> None:
    """Jo (15) came for the youth club on her own card, her mother Sam for the coffee
    morning: Sam's goodbye leaves Jo on the fire register."""
    engine = _database_with(tmp_path, [("Coffee morning", False), ("Youth club", False)])
    r = _build(qtbot, engine, tmp_path)
    try:
        year = now_utc().year

        def work(s):
            _h, people = register_household(
                s, members=[NewPerson("Sam", "Wilson", 1988), NewPerson("Jo", "Wilson",
                                                                         year - 15)],
                actor="test", consent_version="1")
            return [issue_card(s, person_id=p.id, actor="test").token for p in people]

        sam, jo = run_in_transaction(engine, work)
        for token, session in ((jo, "session1"), (sam, "session0")):
            r.kiosk.reset()
            r.scanner.show(token)
            r.wait_for(r.kiosk.what)
            r.tap(r.find(session))
            r.wait_for(r.kiosk.done)
        _an_hour_ago(r)
        r.kiosk.reset()
        r.scanner.show(sam)
        r.qtbot.waitUntil(lambda: r.find("doneMessage", QLabel).text() == "Goodbye, Sam")
        assert "child" not in r.find("doneDetail", QLabel).text()
        assert _in_room(r) == ["Jo"]
    finally:
        r.kiosk.shutdown()


def test_a_household_cards_goodbye_does_not_call_the_other_adults_children(rig: Rig) -> None:
    def work(s):
        h, _people = register_household(s, members=[NewPerson("Sam", "Wilson", 1988),
                                                    NewPerson("Lee", "Wilson", 1986)],
                                        actor="test", consent_version="1")
        return issue_card(s, household_id=h.id, actor="test").token

    token = run_in_transaction(rig.engine, work)
    rig.scanner.show(token)
    rig.wait_for(rig.kiosk.done)
    _an_hour_ago(rig)
    rig.kiosk.reset()
    rig.scanner.show(token)
    rig.qtbot.waitUntil(lambda: rig.find("doneMessage", QLabel).text().startswith("Goodbye"))
    assert "child" not in rig.find("doneDetail", QLabel).text()
    assert _in_room(rig) == []


def test_back_from_what_for_does_not_add_a_typed_member_twice(qtbot, tmp_path: Path) -> None:
    """Lauren types her baby into "Add someone" and taps Sign in without Add: the baby is
    added and shown; Back from What for and Sign in again does not add her a second time."""
    engine = _three_sessions_on(tmp_path)
    r = _build(qtbot, engine, tmp_path)
    try:
        _family(engine, ("Lauren", "Lawrence", 1982), ("Gordon", "Lawrence", 1979), card=False)
        r.tap(r.kiosk.welcome.sign_in_button)
        r.type("Lau")
        r.enter()
        r.type("1982")
        r.qtbot.waitUntil(lambda: r.shown("result0"))
        r.tap(r.find("result0"))
        r.wait_for(r.kiosk.who)
        r.tap(r.kiosk.who.new_name)
        r.type("Mia")
        r.tap(r.kiosk.who.new_year)
        r.type("0")
        r.tap(r.find("whoNextButton"))
        r.wait_for(r.kiosk.what)
        r.tap(r.find("whatBackButton"))
        r.wait_for(r.kiosk.who)
        assert r.kiosk.who.new_name.text() == "" and len(r.kiosk.who.toggles) == 3
        r.tap(r.find("whoNextButton"))
        r.wait_for(r.kiosk.what)
        r.tap(r.find("session0"))
        r.wait_for(r.kiosk.done)
        assert r.sql("SELECT COUNT(*) FROM person WHERE first_name = 'Mia'") == 1
    finally:
        r.kiosk.shutdown()
