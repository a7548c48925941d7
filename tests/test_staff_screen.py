"""Staff mode's pages: they fit the screen, Enter moves on, taps say why, and reset forgets."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QRegion
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)
from sqlalchemy import text

from kiosk.screens.staff import StaffScreen
from kiosk.screens.visitor import room_for_text
from kiosk.theme import stylesheet
from schema.db import read_session, run_in_transaction
from schema.referrals import get_or_create_partner, set_partner_active
from schema.signin import sign_in
from schema.staff import create_staff
from tests import test_kiosk as journeys
from tests.test_kiosk import (
    ACTOR,
    Rig,
    _enter_pin,
    _family,
    _hub_staff_and_partners,
    _sessions_now,
    takes_touches,
)

# The kiosk journeys' fixtures: a kiosk at 1280 x 800 on a fresh database, one session on.
engine_one = journeys.engine_one
rig = journeys.rig

SIZES = [(1280, 800), (1920, 1080)]
# The demo's partners: one name too long for a third of the page on one line.
PARTNERS = ("Housing", "ASB team", "Beat team", "Council", "Mental-health services",
            "Food bank", "Citizens Advice")


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def sized(request: pytest.FixtureRequest, rig: Rig) -> Rig:
    """The kiosk at each screen size, styled for that size as on the real screen."""
    width, height = request.param
    window = rig.kiosk.w
    window.setStyleSheet(stylesheet(height))
    window.resize(width, height)
    rig.qtbot.waitUntil(lambda: window.size() == QSize(width, height))
    return rig


def _staff_mode(rig: Rig, role: str = "staff") -> None:
    run_in_transaction(rig.engine, lambda s: (
        create_staff(s, name="Jo", role=role, pin="2468", actor=ACTOR),
        [get_or_create_partner(s, name) for name in PARTNERS]))
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)


def _in_sight(rig: Rig, widget: QWidget) -> bool:
    """All of ``widget`` is on the screen: in the window, not scrolled away, not under the
    on-screen keyboard."""
    window = rig.kiosk.w
    view = window.scroll.viewport()
    seen = QRect(view.mapTo(window, QPoint(0, 0)), view.size()) & window.rect()
    # ...nor clipped by an area of its own that is too small (Qt's visible region)
    whole = (QRegion(widget.rect()) - widget.visibleRegion()).isEmpty()
    return widget.isVisible() and whole and seen.contains(
        QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()))


def _where(rig: Rig, widget: QWidget) -> str:
    top = widget.mapTo(rig.kiosk.w, QPoint(0, 0))
    return (f"{widget.objectName()} at y={top.y()}..{top.y() + widget.height()} in a "
            f"{rig.kiosk.w.width()}x{rig.kiosk.w.height()} window, keyboard "
            f"{'up' if rig.kiosk.w.keyboard.isVisible() else 'down'}")


def _assert_in_sight(rig: Rig, *names: str) -> None:
    for name in names:
        widget = rig.find(name, QWidget)
        assert _in_sight(rig, widget), _where(rig, widget)


def _pick(rig: Rig, list_name: str, typed: str) -> None:
    """Type into the focused search field and tap the one match."""
    rig.type(typed)
    results = rig.find(list_name, QListWidget)
    rig.qtbot.waitUntil(lambda: results.count() == 1 and typed in results.item(0).text())
    rig.tap_row(results, 0)


def _staff_text(rig: Rig) -> str:
    """Every string held by the staff screen's widgets, shown or not."""
    out = []
    for w in rig.kiosk.staff.findChildren(QWidget):
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            out.append(w.text())
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
    return "\n".join(out)


def _touch_sized(rig: Rig) -> None:
    """Every button and text field on show in staff mode is at least 64 px tall."""
    for w in rig.kiosk.staff.findChildren(QWidget):
        if isinstance(w, QPushButton | QLineEdit) and w.isVisible():
            assert w.height() >= 64, (w.objectName(), w.height())


def _settle(rig: Rig, *, keyboard: bool) -> None:
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.keyboard.isVisible() is keyboard)
    rig.qtbot.wait(50)  # the page scrolls to the field on the next turn of the event loop


def test_referral_steps_each_fit_with_and_without_the_keyboard(sized: Rig) -> None:
    """Person, then partner, then reason and note (the issue's order), each step in sight:
    the typing steps above the keyboard, the partners with the whole page."""
    rig = sized
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    # 1. The person: the search has the focus and the keyboard is up.
    assert QApplication.focusWidget() is rig.find("referralSearch", QLineEdit)
    _settle(rig, keyboard=True)
    assert "1." in rig.find("referralChosen", QLabel).text()
    _assert_in_sight(rig, "referralChosen", "referralSearch", "exitStaffButton")
    assert not rig.shown("referralReason", QLineEdit) and not rig.shown("partner0")
    _pick(rig, "referralResults", "Pat")
    # 2. The partner: nothing to type, so the keyboard goes and every partner is in sight.
    _settle(rig, keyboard=False)
    assert "2." in rig.find("referralChosen", QLabel).text()
    assert rig.find("referralPerson", QPushButton).text() == "‹ Pat Jones (1970)"
    _assert_in_sight(rig, "referralPerson", "exitStaffButton",
                     *(f"staffNav_{key}" for key in StaffScreen.PAGES),
                     *(f"partner{i}" for i in range(len(PARTNERS))))
    assert not rig.shown("referralReason", QLineEdit) and not rig.shown("referralPartner")
    _touch_sized(rig)
    rig.tap(rig.find("partner5"))  # Housing (partners are listed by name)
    # 3. The reason has the focus; it, the note, the follow-up and Save are above the
    # keyboard, with the person and the partner chosen.
    assert QApplication.focusWidget() is rig.find("referralReason", QLineEdit)
    _settle(rig, keyboard=True)
    assert not rig.shown("referralChosen", QLabel)  # the fields say "3." and "4."
    assert rig.find("referralReason", QLineEdit).placeholderText().startswith("3.")
    assert rig.find("referralNote", QLineEdit).placeholderText().startswith("4.")
    assert rig.find("referralPartner", QPushButton).text() == "‹ To: Housing"
    _assert_in_sight(rig, "referralPerson", "referralPartner", "referralReason",
                     "referralNote", "followUp0", "followUp7", "followUp14", "saveReferral")
    _touch_sized(rig)
    rig.type("Damp")
    rig.enter()
    assert QApplication.focusWidget() is rig.find("referralNote", QLineEdit)
    _settle(rig, keyboard=True)
    _assert_in_sight(rig, "referralNote", "saveReferral")


def test_a_long_list_of_partners_scrolls_within_the_page(rig: Rig) -> None:
    run_in_transaction(rig.engine, lambda s: [
        get_or_create_partner(s, f"Partner number {i:02d} of the borough") for i in range(14)])
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Pat")
    rig.qtbot.waitUntil(lambda: rig.shown(f"partner{len(PARTNERS) + 13}"))
    _settle(rig, keyboard=False)
    _assert_in_sight(rig, "partner0", "referralPerson", "staffNav_leave")
    area = rig.find("partnerArea", QWidget)
    assert _in_sight(rig, area), _where(rig, area)
    assert area.width() >= rig.find("partner0").width() * 3  # three to a row, not wider
    last = rig.find(f"partner{len(PARTNERS) + 13}", QWidget)
    assert not _in_sight(rig, last)  # 21 partners: the last rows scroll by finger


def test_referral_in_the_issues_order_with_enter_and_changes_of_mind(rig: Rig) -> None:
    """Pick Pat, Food bank, type the reason, Enter, the note; then go back and choose
    Sam and Housing instead: the step buttons go back, nothing typed is lost, Enter on
    the note saves."""
    ids, _ = _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    sam, _ = _family(rig.engine, ("Sam", "Wilson", 1988), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Pat")
    rig.tap(rig.find("partner4"))  # Food bank
    rig.type("Damp")
    rig.enter()
    note = rig.find("referralNote", QLineEdit)
    assert QApplication.focusWidget() is note
    rig.type("Mould in the bedroom")
    # A change of partner: back to the partners, then straight back to the reason.
    rig.tap(rig.find("referralPartner"))
    assert rig.shown("partner0") and not rig.shown("referralReason", QLineEdit)
    assert rig.kiosk.staff.partner_group.checkedButton() is rig.find("partner4")
    rig.tap(rig.find("partner5"))  # Housing
    assert rig.find("referralPartner", QPushButton).text() == "‹ To: Housing"
    # A change of person: the search comes back; the partner is kept.
    rig.tap(rig.find("referralPerson"))
    search = rig.find("referralSearch", QLineEdit)
    assert QApplication.focusWidget() is search
    for _ in "Pat":
        rig.backspace()
    _pick(rig, "referralResults", "Sam")
    assert QApplication.focusWidget() is rig.find("referralReason", QLineEdit)
    assert rig.find("referralReason", QLineEdit).text() == "Damp"
    rig.tap(note)
    rig.enter()
    rig.qtbot.waitUntil(lambda: "Referral saved" in rig.kiosk.w.toast.text())
    with read_session(rig.engine) as s:
        row = s.execute(text("SELECT r.person_id, p.name, r.reason, r.note FROM referral r "
                             "JOIN referral_partner p ON p.id = r.partner_id")).one()
    assert tuple(row) == (sam[0], "Housing", "Damp", "Mould in the bedroom")
    assert ids[0] != sam[0]
    # Ready for the next one: nobody, no partner, empty fields, the search up.
    assert QApplication.focusWidget() is search and search.text() == ""
    assert not rig.shown("referralPerson") and not rig.shown("referralPartner")
    assert rig.find("referralReason", QLineEdit).text() == ""
    assert rig.kiosk.staff.partner_group.checkedButton() is None


def _double_tap(rig: Rig, widget: QWidget, at: QPoint | None = None) -> None:
    """Two touches 30 ms apart at one spot, through the window as a touchscreen gives
    them: the second lands on whatever is there by then."""
    where = widget.mapTo(rig.kiosk.w, at if at is not None else widget.rect().center())
    handle = rig.kiosk.w.windowHandle()
    for delay in (-1, 30):
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         where, delay)


def test_a_double_tap_does_one_step(rig: Rig) -> None:
    """A double tap on the person, a partner or Save, or Enter on the note and then Save:
    each does its one thing, and nothing on the next step is touched unseen."""
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    staff = rig.kiosk.staff
    rig.tap(rig.find("staffNav_referral"))
    rig.type("Pat")
    results = rig.find("referralResults", QListWidget)
    rig.qtbot.waitUntil(lambda: results.count() == 1)
    rig.qtbot.waitUntil(lambda: len(staff.partner_group.buttons()) == len(PARTNERS))
    _double_tap(rig, results.viewport(), results.visualItemRect(results.item(0)).center())
    rig.qtbot.wait(100)
    assert staff.ref_steps.currentIndex() == 1 and staff.ref_partner is None
    last = rig.find(f"partner{len(PARTNERS) - 1}")  # the bottom row: over the follow-ups
    rig.qtbot.waitUntil(lambda: takes_touches(last) and _in_sight(rig, last))
    _double_tap(rig, last)
    rig.qtbot.wait(100)
    assert staff.ref_steps.currentIndex() == 2
    assert staff.follow_group.checkedId() == 7  # as it was
    rig.type("Damp")
    save = rig.find("saveReferral")
    rig.qtbot.waitUntil(lambda: takes_touches(save))
    _double_tap(rig, save)
    rig.qtbot.waitUntil(lambda: "Referral saved" in rig.kiosk.w.toast.text())
    rig.qtbot.wait(300)
    assert rig.sql("SELECT COUNT(*) FROM referral") == 1
    # The next one: Enter on the note saves, and a tap on Save straight after does not.
    _pick(rig, "referralResults", "Pat")
    rig.tap(rig.find("partner0"))
    rig.type("Rent")
    rig.enter()
    rig.enter()
    rig.qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    rig.qtbot.waitUntil(lambda: rig.sql("SELECT COUNT(*) FROM referral") == 2)
    rig.qtbot.wait(300)
    assert rig.sql("SELECT COUNT(*) FROM referral") == 2
    assert save.isEnabled()


def test_a_partner_taken_off_the_list_meanwhile(rig: Rig) -> None:
    """Staff are typing the reason for a Food bank referral when a manager takes Food
    bank off the list: Save says so and saves nothing; on the page's next load the
    partners come back without it, and the reason typed is kept for another partner."""
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Pat")
    rig.tap(rig.find("partner4"))  # Food bank
    rig.type("Damp")
    food_bank = rig.kiosk.staff.ref_partner
    run_in_transaction(rig.engine, lambda s: set_partner_active(
        s, partner_id=food_bank, active=False, actor=ACTOR))
    rig.tap(rig.find("saveReferral"))
    rig.qtbot.waitUntil(lambda: "no longer on the list" in rig.kiosk.w.toast.text())
    assert rig.sql("SELECT COUNT(*) FROM referral") == 0
    rig.tap(rig.find("staffNav_room"))
    rig.tap(rig.find("staffNav_referral"))
    rig.qtbot.waitUntil(lambda: rig.shown("partner0") and not rig.shown("referralPartner"))
    names = [b.accessibleName() for b in rig.kiosk.staff.partner_group.buttons()]
    assert "Food bank" not in names and len(names) == len(PARTNERS) - 1
    rig.tap(rig.find("partner4"))  # Housing, now fifth
    assert rig.find("referralReason", QLineEdit).text() == "Damp"
    rig.tap(rig.find("saveReferral"))
    rig.qtbot.waitUntil(lambda: "Referral saved" in rig.kiosk.w.toast.text())
    assert rig.sql("SELECT p.name FROM referral r JOIN referral_partner p "
                   "ON p.id = r.partner_id") == "Housing"


def test_long_names_are_shortened_on_their_buttons(sized: Rig) -> None:
    rig = sized
    long_partner = "The Borough Housing Options, Homelessness Prevention and " * 3
    run_in_transaction(rig.engine, lambda s: get_or_create_partner(s, long_partner))
    _family(rig.engine, ("Maximiliana-Josephine", "Featherstonehaugh-Cholmondeley-Smythe",
                         1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Maximiliana")
    tile = next(b for b in rig.kiosk.staff.partner_group.buttons()
                if b.accessibleName() == long_partner.strip())
    rig.tap(tile)
    rig.qtbot.wait(50)
    for b in (tile, rig.find("referralPerson", QPushButton),
              rig.find("referralPartner", QPushButton)):
        room = room_for_text(b)
        for line in b.text().split("\n"):
            assert b.fontMetrics().horizontalAdvance(line) <= room, (b.objectName(), line)
        assert b.text().endswith("…"), b.text()
    crumb = rig.find("referralPartner", QPushButton)
    assert crumb.text().startswith("‹ To: The Borough")
    assert long_partner.strip() in crumb.accessibleName()
    assert "Featherstonehaugh-Cholmondeley-Smythe" in rig.find(
        "referralPerson", QPushButton).accessibleName()


def test_save_with_no_reason_says_so_and_saves_nothing(rig: Rig) -> None:
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Pat")
    rig.tap(rig.find("partner0"))
    rig.tap(rig.find("saveReferral"))
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible())
    rig.qtbot.wait(200)
    assert rig.sql("SELECT COUNT(*) FROM referral") == 0
    assert rig.shown("referralReason", QLineEdit)  # still on the step, to put it right


def test_no_partners_yet_says_who_adds_them(rig: Rig) -> None:
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    run_in_transaction(rig.engine, lambda s: create_staff(
        s, name="Jo", role="staff", pin="2468", actor=ACTOR))
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Pat")
    rig.qtbot.waitUntil(lambda: rig.shown("noPartners", QLabel))
    assert "admin window" in rig.find("noPartners", QLabel).text()
    assert not rig.shown("partnerArea", QWidget)


def test_card_page_shows_the_qr_beside_the_buttons(sized: Rig) -> None:
    rig = sized
    ids, _ = _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_card"))
    _pick(rig, "cardResults", "Pat")
    rig.tap(rig.find("issueCard"))
    qr = rig.find("staffCardQr", QLabel)
    rig.qtbot.waitUntil(lambda: not qr.pixmap().isNull())
    rig.qtbot.waitUntil(lambda: not rig.kiosk.w.keyboard.isVisible())
    rig.qtbot.wait(50)
    assert rig.sql("SELECT COUNT(*) FROM card WHERE person_id = :p", p=ids[0]) == 1
    _assert_in_sight(rig, "staffCardQr", "issueCard", "printCard", "cardChosen",
                     "exitStaffButton", *(f"staffNav_{key}" for key in StaffScreen.PAGES))
    assert qr.pixmap().height() <= qr.height()


def test_replacing_a_card_takes_a_second_tap_and_a_double_tap_issues_one(rig: Rig) -> None:
    """Pat has a card (made on Done a moment ago). Staff tap Issue a new card: asked first,
    as her old card would stop working; nothing changes. Tapped again in time, one new
    card, even for a double tap; the old one stops working."""
    ids, old = _family(rig.engine, ("Pat", "Jones", 1970))
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_card"))
    _pick(rig, "cardResults", "Pat")
    issue = rig.find("issueCard")
    rig.tap(issue)
    rig.qtbot.waitUntil(lambda: issue.text() == "Tap again to replace the card")
    assert rig.kiosk.w.toast.text() == ("Pat Jones (1970) has a card already. A new one "
                                        "stops the old one working: tap again to issue it.")
    live = "SELECT COUNT(*) FROM card WHERE person_id = :p AND revoked_at IS NULL"
    assert rig.sql("SELECT COUNT(*) FROM card WHERE person_id = :p", p=ids[0]) == 1
    rig.tap(issue)
    rig.tap(issue)  # a double tap, before the first one's answer
    qr = rig.find("staffCardQr", QLabel)
    rig.qtbot.waitUntil(lambda: not qr.pixmap().isNull())
    rig.qtbot.waitUntil(rig.kiosk.store.idle)
    assert rig.sql("SELECT COUNT(*) FROM card WHERE person_id = :p", p=ids[0]) == 2
    assert rig.sql(live, p=ids[0]) == 1
    assert rig.sql("SELECT revoked_at IS NOT NULL FROM card WHERE token = :t", t=old) == 1
    assert issue.text() == "Issue a new card"


def test_taps_with_nobody_chosen_say_what_to_do_first(rig: Rig) -> None:
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_card"))
    rig.tap(rig.find("issueCard"))
    card_chosen = rig.find("cardChosen", QLabel)
    assert card_chosen.isVisible()
    assert "First choose who the card is for" in card_chosen.text()
    rig.qtbot.wait(200)
    assert rig.sql("SELECT COUNT(*) FROM card") == 0
    rig.tap(rig.find("staffNav_signin"))
    rig.qtbot.waitUntil(lambda: rig.shown("handSession0"))
    rig.tap(rig.find("handSession0"))
    hand_chosen = rig.find("handChosen", QLabel)
    assert hand_chosen.isVisible()
    assert "First choose who to sign in" in hand_chosen.text()
    rig.qtbot.wait(200)
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 0
    # Choosing the person puts the prompt back to what it says normally.
    _pick(rig, "handResults", "Pat")
    assert hand_chosen.text().startswith("Sign in Pat Jones")


def test_leaving_staff_mode_forgets_sessions_room_count_and_follow_up(rig: Rig) -> None:
    _sessions_now(rig.engine, [("Police beat surgery", True)])
    _ids, token = _family(rig.engine, ("Sam", "Wilson", 1988))
    rig.scanner.show(token)  # (the kiosk read "on now" before the surgery was added)
    rig.wait_for(rig.kiosk.done)
    rig.tap(rig.find("doneButton"))
    rig.wait_for(rig.kiosk.welcome)
    _staff_mode(rig)
    count = rig.find("roomCount", QLabel)
    rig.qtbot.waitUntil(lambda: "in the room" in count.text())
    said = count.text()
    rig.tap(rig.find("staffNav_signin"))
    rig.qtbot.waitUntil(lambda: "Police beat surgery" in _staff_text(rig))
    rig.tap(rig.find("staffNav_referral"))
    _pick(rig, "referralResults", "Sam")
    rig.tap(rig.find("partner0"))
    rig.tap(rig.find("followUp14"))
    rig.tap(rig.find("exitStaffButton"))
    rig.wait_for(rig.kiosk.welcome)
    rig.qtbot.waitUntil(lambda: "Police beat surgery" not in _staff_text(rig))
    assert "in the room" not in _staff_text(rig)
    assert count.text() == ""
    assert rig.kiosk.staff.follow_group.checkedId() == 7
    assert said == "1 person in the room"


def test_the_fire_register_does_not_name_a_sensitive_service(rig: Rig) -> None:
    """Staff mode is on the room's shared screen: beside a visitor's name the register
    says "Private session", not "Police beat surgery"."""
    _sessions_now(rig.engine, [("Police beat surgery", True)])
    ids, _token = _family(rig.engine, ("Sam", "Wilson", 1988))
    police = rig.sql("SELECT s.id FROM session s JOIN service v ON v.id = s.service_id "
                     "WHERE v.name = 'Police beat surgery'")
    run_in_transaction(rig.engine, lambda s: sign_in(
        s, person_ids=ids, session_id=police, method="hand", actor=ACTOR))
    _staff_mode(rig)
    room = rig.find("roomList", QListWidget)
    rig.qtbot.waitUntil(lambda: room.count() == 1)
    name, _time, service = room.item(0).text().split("  ·  ")
    assert (name, service) == ("Sam Wilson", "Private session")
    assert "Police" not in _staff_text(rig)


def test_the_room_count_says_person_or_people(qtbot) -> None:
    screen = StaffScreen()
    qtbot.addWidget(screen)
    count = screen.room_count
    screen.show_room([], 0, 0)
    assert count.text() == "Nobody in the room"
    screen.show_room([(1, "Sam Wilson")], 1, 0)
    assert count.text() == "1 person in the room"
    screen.show_room([(1, "Sam Wilson"), (2, "Pat Jones")], 2, 0)
    assert count.text() == "2 people in the room"
    screen.show_room([(1, "Sam Wilson"), (2, "2 people")], 1, 2)
    assert count.text() == "3 people in the room (2 not named)"
    screen.show_room([(2, "someone")], 0, 1)
    assert count.text() == "1 person in the room (1 not named)"



def test_print_waits_for_a_card_and_leaving_says_what_closing_does(rig: Rig) -> None:
    """(With a printer, Print prints: tests/test_kiosk_visits.py.)"""
    printer_available = rig.kiosk.printer().available
    _family(rig.engine, ("Pat", "Jones", 1970), card=False)
    _staff_mode(rig)
    rig.tap(rig.find("staffNav_card"))
    assert not rig.find("printCard").isEnabled()  # nothing to print yet
    _pick(rig, "cardResults", "Pat")
    assert not rig.find("printCard").isEnabled()
    rig.tap(rig.find("issueCard"))
    qr = rig.find("staffCardQr", QLabel)
    rig.qtbot.waitUntil(lambda: not qr.pixmap().isNull())
    assert rig.find("printCard").isEnabled() == printer_available()
    if not printer_available():
        assert rig.kiosk.w.toast.text() == ("New card issued. Any old card no longer works. "
                                            "No printer is set up: they can take a photo of "
                                            "the code.")
    rig.tap(rig.find("staffNav_leave"))
    leave = rig.find("leaveText", QLabel)
    assert "DROPIN_KIOSK_RESTARTS" not in os.environ  # not its service: closed stays closed
    assert leave.text().endswith("It will not start again until someone starts it.")
    rig.kiosk.staff.set_restarts(True)  # as the kiosk says under its system service
    assert "starts again by itself in a few seconds" in leave.text()


def test_closing_the_kiosk_takes_a_second_tap(rig: Rig) -> None:
    """One tap on "Close the kiosk" (a slip, a volunteer exploring) only asks; a second
    within a few seconds closes; left alone, the question goes."""
    st = rig.kiosk.staff
    st.quit_kiosk.disconnect(rig.kiosk.quit)  # (the test's process stays up)
    closed: list[bool] = []
    st.quit_kiosk.connect(lambda: closed.append(True))
    _hub_staff_and_partners(rig.engine)
    rig.tap(rig.kiosk.welcome.staff_button)
    _enter_pin(rig, "2468")
    rig.wait_for(rig.kiosk.staff)
    rig.tap(rig.find("staffNav_leave"))
    quit_button = rig.find("quitKiosk")
    rig.tap(quit_button)
    assert closed == [] and quit_button.text() == "Tap again to close the kiosk"
    st._quit.timer.setInterval(100)
    st._quit.timer.start()
    rig.qtbot.waitUntil(lambda: quit_button.text() == "Close the kiosk")
    rig.tap(quit_button)
    rig.tap(quit_button)
    assert closed == [True]


def test_whos_here_keeps_its_way_on_in_sight_and_puts_the_keyboard_away(sized: Rig) -> None:
    """Lauren adds her baby on Who's here: Sign in is in sight while she types (in the
    header, not under the keyboard); once the baby is added the keyboard goes; and the
    digit pad's own hide key puts it away, not to pop straight back."""
    from PySide6.QtGui import QGuiApplication

    from tests.test_kiosk_messages import _to_whos_here

    rig = sized
    _to_whos_here(rig)
    rig.tap(rig.find("newMemberName", QLineEdit))
    rig.type("Noah")
    rig.enter()
    rig.type("0")
    keyboard = rig.kiosk.w.keyboard
    rig.qtbot.waitUntil(keyboard.isVisible)
    rig.qtbot.wait(50)
    _assert_in_sight(rig, "whoNextButton", "newMemberYear")
    rig.enter()  # Add
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.who.toggles) == 3)
    rig.qtbot.waitUntil(lambda: not keyboard.isVisible())
    _assert_in_sight(rig, "whoNextButton", "member2")
    rig.tap(rig.find("newMemberYear", QLineEdit))
    rig.qtbot.waitUntil(keyboard.isVisible)
    QGuiApplication.inputMethod().hide()  # what the pad's hide key does
    rig.qtbot.waitUntil(lambda: not keyboard.isVisible())
    rig.qtbot.wait(100)
    assert not keyboard.isVisible() and not rig.find("newMemberYear", QLineEdit).hasFocus()
