"""Core operations: cards, scanning, find-me privacy, staff PINs, referrals, feedback, audit."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from schema.cards import issue_card, live_card, new_token, revoke_card
from schema.db import Sessions, read_session, run_in_transaction
from schema.errors import LockedOut, NotFound, Refused
from schema.feedback import leave_feedback, update_feedback
from schema.people import NewPerson, find_me, register_household, update_person
from schema.referrals import (
    get_or_create_partner,
    log_referral,
    set_partner_active,
    update_referral,
)
from schema.signin import is_in, leave, scan, sign_in, sign_out, who_is_here
from schema.sql import Db
from schema.staff import FAIL_DELAY_S, MAX_FAILURES, check_pin, create_staff
from schema.tables import AuditEvent, Card, Consent, Feedback, Person, Referral
from schema.timetable import GENERAL, add_closure, add_slot, sessions_on_now
from tests.helpers import ACTOR, World, local


def test_tokens_are_random_and_scanner_safe() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in tokens:
        # QR alphanumeric mode and keyboard-wedge safe: A-Z, 2-7 only after the prefix.
        assert re.fullmatch(r"DRP-[A-Z2-7]{26}", token), token


def test_card_issue_revoke_and_scan(engine) -> None:
    w = World(engine)
    site = w.site("Room")
    sam, _kai = w.household("Sam", "Kai", years=(1988, 2019))
    card = w.tx(lambda s: issue_card(s, person_id=sam, actor=ACTOR))
    assert re.fullmatch(r"DRP-[A-Z2-7]{26}", card.token)
    at = local(2026, 5, 12, 10)

    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR, at=at))
    assert (r.outcome, r.first_name, r.signed_in, r.others) == ("in", "Sam", [sam], 0)
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(seconds=20)))
    assert r.outcome == "already"
    with read_session(engine) as s:
        assert [x.label for x in who_is_here(s, site_id=site, at=at)] == ["Sam Test"]
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(hours=2)))
    assert (r.outcome, r.signed_out) == ("out", [sam])
    with read_session(engine) as s:
        assert who_is_here(s, site_id=site, at=at) == []
    # The scanner beeps twice as Sam leaves: still out, nothing written.
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(hours=2, seconds=30)))
    assert (r.outcome, r.signed_out, r.signed_in) == ("already_out", [sam], [])
    with read_session(engine) as s:
        assert who_is_here(s, site_id=site, at=at) == []
    # Back after lunch: the same attendance, open again.
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(hours=3)))
    assert (r.outcome, r.signed_in) == ("in", [sam])
    with read_session(engine) as s:
        assert [x.label for x in who_is_here(s, site_id=site, at=at)] == ["Sam Test"]
    # The scanner beeps twice as he comes back: still in (the grace runs from his return,
    # not from the morning).
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(hours=3, seconds=30)))
    assert r.outcome == "already"
    # Staff sign him out from the fire register by mistake; his scan a minute later
    # signs him straight back in (the grace is for his own goodbye, not theirs).
    jo = w.tx(lambda s: create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR).id)
    w.tx(lambda s: sign_out(s, person_ids=[sam], site_id=site, actor=ACTOR, staff_id=jo,
                            at=at + dt.timedelta(hours=4)))
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                            at=at + dt.timedelta(hours=4, minutes=1)))
    assert (r.outcome, r.signed_in) == ("in", [sam])
    w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                        at=at + dt.timedelta(hours=5)))

    # A new card revokes the old one; a revoked card is not recognised.
    card2 = w.tx(lambda s: issue_card(s, person_id=sam, actor=ACTOR))
    with pytest.raises(NotFound):
        w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR, at=at))
    w.tx(lambda s: revoke_card(s, card_id=card2.id, actor=ACTOR))
    with read_session(engine) as s:
        assert live_card(s, card2.token) is None
        assert live_card(s, "Robert'); DROP TABLE card;--") is None


def test_household_card_signs_in_the_family_and_asks_which_session(engine) -> None:
    w = World(engine)
    site = w.site("Room")
    coffee, youth = w.service("Coffee"), w.service("Youth club")
    people = w.household("Amy", "Ben", "Cy")
    household = w.last_household
    for service in (coffee, youth):
        w.tx(lambda s, sv=service: add_slot(s, site_id=site, service_id=sv, weekday=1,
                                              start=dt.time(10), end=dt.time(12), actor=ACTOR))
    card = w.tx(lambda s: issue_card(s, household_id=household, actor=ACTOR))
    at = local(2026, 5, 12, 10, 30)  # a Tuesday
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR, at=at))
    assert r.outcome == "choose"
    assert [x.service for x in r.sessions] == ["Coffee", "Youth club"]
    r = w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR, at=at,
                            session_id=r.sessions[1].session_id))
    assert (r.outcome, sorted(r.signed_in), r.others) == ("in", sorted(people), 2)


def _coffee_morning_and_youth_club(w: World) -> int:
    """A room with a coffee morning (10-12) and a youth club (18-20) every Tuesday."""
    site = w.site("Room")
    coffee, youth = w.service("Coffee"), w.service("Youth club")
    for service, start, end in ((coffee, 10, 12), (youth, 18, 20)):
        w.tx(lambda s, sv=service, a=start, b=end: add_slot(
            s, site_id=site, service_id=sv, weekday=1, start=dt.time(a), end=dt.time(b),
            actor=ACTOR))
    return site


def _scans_on(w: World, site: int, day: tuple[int, int, int]) -> Callable[..., Any]:
    """A card shown at ``site`` on ``day`` at an hour and minute: the scan's result."""
    def scan_at(token: str, hour: int, minute: int = 0) -> Any:
        return w.tx(lambda s: scan(s, token=token, site_id=site, actor=ACTOR,
                                   at=local(*day, hour, minute)))

    return scan_at


def test_a_scan_after_the_session_is_long_over_is_a_return_not_a_goodbye(engine) -> None:
    """Hamza came to the coffee morning (10-12) and left without scanning out. At 19:44,
    for the youth club, his card signs him in, not out: the morning's attendance is taken
    to have ended with its session, and the fire register lists only people whose session
    is still on (or ended within the half hour it counts as on). Half an hour after the
    end is still a goodbye."""
    w = World(engine)
    site = _coffee_morning_and_youth_club(w)
    (hamza,) = w.household("Hamza")
    card = w.tx(lambda s: issue_card(s, person_id=hamza, actor=ACTOR))
    (blessing,) = w.household("Blessing")
    card_b = w.tx(lambda s: issue_card(s, person_id=blessing, actor=ACTOR))
    tuesday = (2026, 5, 12)
    scan_at = _scans_on(w, site, tuesday)

    assert scan_at(card.token, 10, 5).outcome == "in"
    assert scan_at(card_b.token, 10, 20).outcome == "in"
    assert scan_at(card_b.token, 12, 25).outcome == "out"  # just after the end: goodbye
    with read_session(engine) as s:
        assert [r.person_id for r in who_is_here(s, site_id=site,
                                                 at=local(*tuesday, 12, 20))] == [hamza]
        assert who_is_here(s, site_id=site, at=local(*tuesday, 19, 45)) == []
    r = scan_at(card.token, 19, 44)
    assert (r.outcome, r.signed_in) == ("in", [hamza])
    with read_session(engine) as s:
        rows = s.execute(text(
            "SELECT sv.name, a.signed_out_at FROM attendance a JOIN service sv "
            "ON sv.id = a.service_id WHERE a.person_id = :p ORDER BY a.id"),
            {"p": hamza}).all()
        (here,) = who_is_here(s, site_id=site, at=local(*tuesday, 19, 45))
    assert [name for name, _out in rows] == ["Coffee", "Youth club"]
    morning_out = Db.moment(rows[0][1])
    assert morning_out == local(*tuesday, 12, 0) and rows[1][1] is None
    assert (here.person_id, here.service) == (hamza, "Youth club")
    assert scan_at(card.token, 19, 45).outcome == "already"  # the same card again at once


def test_signing_in_at_another_room_signs_out_of_the_first(engine) -> None:
    """Ayesha signs in at Burns Flats, forgets to sign out, and scans her card at Moss Lane
    an hour later: she is in at Moss Lane and out of Burns Flats (from that moment), so
    that Burns Flats' fire register does not list her. Her return to Burns Flats later
    signs her back in there and out of Moss Lane."""
    w = World(engine)
    burns, moss = w.site("Burns Flats"), w.site("Moss Lane")
    (ayesha,) = w.household("Ayesha")
    card = w.tx(lambda s: issue_card(s, person_id=ayesha, actor=ACTOR))
    at = local(2026, 5, 12, 10)

    def scan_at(site: int, later: dt.timedelta):
        return w.tx(lambda s: scan(s, token=card.token, site_id=site, actor=ACTOR,
                                   at=at + later))

    def here(site: int, later: dt.timedelta) -> list[int | None]:
        with read_session(engine) as s:
            return [x.person_id for x in who_is_here(s, site_id=site, at=at + later)]

    assert scan_at(burns, dt.timedelta(0)).outcome == "in"
    hour = dt.timedelta(hours=1)
    r = scan_at(moss, hour)
    assert (r.outcome, r.signed_in) == ("in", [ayesha])
    assert here(burns, hour) == [] and here(moss, hour) == [ayesha]
    with read_session(engine) as s:
        out_at = s.execute(text("SELECT signed_out_at FROM attendance WHERE site_id = :b"),
                           {"b": burns}).scalar()
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = "
                              "'attendance.sign_out'")).scalar() == 1
    assert Db.moment(out_at) == at + hour
    r = scan_at(burns, 3 * hour)
    assert (r.outcome, r.signed_in) == ("in", [ayesha])
    assert here(burns, 3 * hour) == [ayesha] and here(moss, 3 * hour) == []
    with read_session(engine) as s:
        audits = s.execute(text("SELECT entity_id FROM audit_event WHERE action = "
                                "'attendance.sign_out' ORDER BY id")).scalars().all()
    assert audits == [burns, moss]  # (each the room she left)

    # A sign-in kept in Moss Lane's outbox, sent late with its own time (before she came
    # back to Burns Flats): it does not close the visit she has begun since, and its own
    # visit ends when that one began. She is on one register, the right one.
    moss_session = w.session(at, site="Moss Lane")
    w.tx(lambda s: sign_in(s, person_ids=[ayesha], session_id=moss_session, method="card",
                           actor=ACTOR, at=at + 2 * hour))
    assert here(burns, 4 * hour) == [ayesha] and here(moss, 4 * hour) == []
    with read_session(engine) as s:
        late_out = s.execute(text("SELECT signed_out_at FROM attendance "
                                  "WHERE session_id = :s"), {"s": moss_session}).scalar()
    assert Db.moment(late_out) == at + 3 * hour


def test_someone_without_a_card_signs_herself_out_as_a_second_scan_would(engine) -> None:
    """Joanne has no card: found by name, she leaves with her son as a card's second scan
    would have it; asked again, she is out already. Nothing of anyone else changes."""
    w = World(engine)
    site = w.site("Room")
    joanne, kai = w.household("Joanne", "Kai", years=(1951, 2020))
    (pat,) = w.household("Pat")
    at = local(2026, 5, 12, 10)
    w.attend([joanne, kai, pat], at)
    later = at + dt.timedelta(hours=1)
    assert w.tx(lambda s: is_in(s, person_id=joanne, site_id=site, at=later))
    r = w.tx(lambda s: leave(s, person_id=joanne, site_id=site, actor=ACTOR, at=later))
    assert (r.outcome, r.signed_out, r.children_out) == ("out", [joanne, kai], 1)
    assert not w.tx(lambda s: is_in(s, person_id=joanne, site_id=site, at=later))
    r = w.tx(lambda s: leave(s, person_id=joanne, site_id=site, actor=ACTOR, at=later))
    assert (r.outcome, r.signed_out) == ("already_out", [])
    with read_session(engine) as s:
        assert [x.person_id for x in who_is_here(s, site_id=site, at=later)] == [pat]


def test_a_parent_leaving_takes_her_child_when_the_other_adult_left_hours_ago(engine) -> None:
    """Lee came to the coffee morning (10-12) and never scanned out. In the evening Sam
    brings Kai (6) to the youth club (18-20) and scans out at 19:30: Lee's morning visit
    is taken to have ended with its session, so nobody of theirs is left with Kai, and he
    goes off the fire register with his mother. Someone whose age is not known is not
    taken to be an adult: a child is never signed out because of them."""
    w = World(engine)
    site = _coffee_morning_and_youth_club(w)
    sam, lee, kai = w.household("Sam", "Lee", "Kai", years=(1988, 1986, 2020))
    card_sam = w.tx(lambda s: issue_card(s, person_id=sam, actor=ACTOR))
    card_lee = w.tx(lambda s: issue_card(s, person_id=lee, actor=ACTOR))
    tuesday = (2026, 5, 12)
    scan_at = _scans_on(w, site, tuesday)

    assert scan_at(card_lee.token, 10, 5).outcome == "in"
    evening = scan_at(card_sam.token, 18, 5)
    assert evening.outcome == "in"
    w.tx(lambda s: sign_in(s, person_ids=[kai], session_id=evening.session_id,
                           method="hand", actor=ACTOR, at=local(*tuesday, 18, 6)))
    r = scan_at(card_sam.token, 19, 30)
    assert (r.outcome, r.signed_out, r.children_out) == ("out", [sam, kai], 1)
    with read_session(engine) as s:
        assert who_is_here(s, site_id=site, at=local(*tuesday, 19, 31)) == []

    # A grown-up of unknown age (no birth year, no age band) leaving: the child stays.
    alex, mo = w.household("Alex", "Mo", years=(None, 2021))
    card_alex = w.tx(lambda s: issue_card(s, person_id=alex, actor=ACTOR))
    assert scan_at(card_alex.token, 18, 10).outcome == "in"
    w.tx(lambda s: sign_in(s, person_ids=[mo], session_id=evening.session_id,
                           method="hand", actor=ACTOR, at=local(*tuesday, 18, 11)))
    r = scan_at(card_alex.token, 19, 40)
    assert (r.outcome, r.signed_out, r.children_out) == ("out", [alex], 0)
    with read_session(engine) as s:
        assert [x.person_id for x in who_is_here(s, site_id=site,
                                                 at=local(*tuesday, 19, 41))] == [mo]


def test_sessions_on_now_timetable_general_and_closure(engine) -> None:
    w = World(engine)
    site = w.site("Room")
    coffee = w.service("Coffee")
    w.tx(lambda s: add_slot(s, site_id=site, service_id=coffee, weekday=0,
                            start=dt.time(10), end=dt.time(12), actor=ACTOR))
    monday = dt.date(2026, 5, 11)
    with read_session(engine) as s:
        assert [x.service for x in sessions_on_now(s, site_id=site, at=local(2026, 5, 11, 9, 45))
                ] == ["Coffee"]
        assert [x.service for x in sessions_on_now(s, site_id=site, at=local(2026, 5, 11, 15))
                ] == [GENERAL]
        assert [x.service for x in sessions_on_now(s, site_id=site, at=local(2026, 5, 12, 11))
                ] == [GENERAL]
    # Monday the 18th's coffee morning called off (its session marked cancelled): it is
    # not offered, and the room is a general drop-in that morning.
    w.tx(lambda s: sessions_on_now(s, site_id=site, at=local(2026, 5, 18, 10, 30)))
    w.tx(lambda s: s.execute(text("UPDATE session SET cancelled = :yes WHERE on_date = :on"),
                             {"yes": True, "on": dt.date(2026, 5, 18)}))
    with read_session(engine) as s:
        assert [x.service for x in sessions_on_now(s, site_id=site, at=local(2026, 5, 18, 11))
                ] == [GENERAL]
    w.tx(lambda s: add_closure(s, site_id=site, on=monday, reason="Bank holiday", actor=ACTOR))
    with read_session(engine) as s:
        assert [x.service for x in sessions_on_now(s, site_id=site, at=local(2026, 5, 11, 11))
                ] == [GENERAL]
    with pytest.raises(Refused):
        w.tx(lambda s: add_slot(s, site_id=site, service_id=coffee, weekday=0,
                                start=dt.time(12), end=dt.time(10), actor=ACTOR))


def test_find_me_privacy(engine) -> None:
    w = World(engine)

    def reg(s):
        register_household(s, members=[NewPerson("Samantha", "Wilson", 1988),
                                       NewPerson("Sammy", "Wilson", 2015)], actor=ACTOR)
        for i in range(8):
            register_household(s, members=[NewPerson("Sam", f"Walker{i}", 1980 + i)], actor=ACTOR)
        register_household(s, members=[NewPerson("Sam", "O'Neill_%", 1990)], actor=ACTOR)
        register_household(s, members=[NewPerson("Samira", "Khan", None)], actor=ACTOR)
    w.tx(reg)
    with read_session(engine) as s:
        assert find_me(s, first_name="Sa", hint="W") == []  # under 3 letters
        assert find_me(s, first_name="Sam", hint="") == []  # a first name alone is not enough
        many = find_me(s, first_name="sam", hint="w")
        assert len(many) == 5
        assert all(len(m.label.split()) == 3 and m.label.split()[1].endswith(".") for m in many)
        (only,) = find_me(s, first_name="Samantha", hint="1988")
        assert only.label == "Samantha W. (1988)"
        # A child is never listed, whatever is typed.
        assert find_me(s, first_name="Sammy", hint="2015") == []
        assert find_me(s, first_name="Sammy", hint="wil") == []
        # Nor anyone whose age is not known: they may be a child.
        assert find_me(s, first_name="Samira", hint="kha") == []
        # LIKE wildcards typed by a visitor are plain characters.
        assert find_me(s, first_name="Sa%", hint="w") == []
        assert [m.label for m in find_me(s, first_name="sam", hint="o'neill_%")] == [
            "Sam O. (1990)"]


def test_register_refuses_bad_input_and_changes_nothing(engine) -> None:
    w = World(engine)
    for members, postcode in [
        ([NewPerson("")], None),
        ([NewPerson("Ann", birth_year=1800)], None),
        ([NewPerson("Ann\x00")], None),
        ([NewPerson("A" * 101)], None),
        ([NewPerson("Ann", phone="call me")], None),
        ([NewPerson("Ann")], "NOT A POSTCODE"),
        ([], None),
    ]:
        with pytest.raises(Refused):
            w.tx(lambda s, m=members, p=postcode: register_household(
                s, members=m, postcode=p, actor=ACTOR))
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM person")).scalar() == 0
        assert s.execute(text("SELECT COUNT(*) FROM household")).scalar() == 0
        assert s.execute(text("SELECT COUNT(*) FROM audit_event")).scalar() == 0


def test_register_with_consent_and_edit(engine) -> None:
    w = World(engine)

    def reg(s):
        h, people = register_household(
            s, members=[NewPerson("Zoë", "Åberg", 1990, phone="07700 900123"),
                        NewPerson("Li", "", 2020)],
            postcode="m40 7ab", consent_version="2026-01", actor=ACTOR)
        return h.postcode, h.postcode_district, [p.id for p in people]
    postcode, district, ids = w.tx(reg)
    assert (postcode, district) == ("M40 7AB", "M40")
    w.tx(lambda s: update_person(s, person_id=ids[1], last_name="Åberg", actor=ACTOR))
    with read_session(engine) as s:
        people = s.exec(select(Person).order_by(Person.id)).all()
        assert [(p.first_name, p.last_name, p.phone) for p in people] == [
            ("Zoë", "Åberg", "07700900123"), ("Li", "Åberg", None)]
        assert len(s.exec(select(Consent)).all()) == 2


def test_referral_log_and_update(engine) -> None:
    w = World(engine)
    (pat,) = w.household("Pat")
    at = local(2026, 6, 1)

    def log(s):
        partner = get_or_create_partner(s, "Housing")
        return log_referral(s, person_id=pat, partner_id=partner.id, reason="Damp in flat",
                            note="Mould in the back bedroom.\nKids coughing.",
                            follow_up_on=dt.date(2026, 6, 15), actor=ACTOR, at=at).id
    rid = w.tx(log)
    w.tx(lambda s: update_referral(s, referral_id=rid, status="accepted", actor=ACTOR))
    with pytest.raises(Refused):
        w.tx(lambda s: update_referral(s, referral_id=rid, status="lost", actor=ACTOR))
    w.tx(lambda s: update_referral(s, referral_id=rid, status="completed",
                                   outcome_note="Repairs booked", actor=ACTOR))
    with read_session(engine) as s:
        ref = s.get(Referral, rid)
        assert (ref.status, ref.outcome_note, ref.note.count("\n")) == (
            "completed", "Repairs booked", 1)
    with pytest.raises(Refused):
        w.tx(lambda s: log_referral(s, person_id=pat, partner_id=1, reason="", actor=ACTOR))


def test_a_partner_off_the_list_takes_no_new_referrals(engine) -> None:
    w = World(engine)
    (pat,) = w.household("Pat")
    partner = w.tx(lambda s: get_or_create_partner(s, "Food bank").id)
    w.tx(lambda s: set_partner_active(s, partner_id=partner, active=False, actor=ACTOR))
    with pytest.raises(Refused) as refused:
        w.tx(lambda s: log_referral(s, person_id=pat, partner_id=partner, reason="Food",
                                    actor=ACTOR))
    assert refused.value.code == "partner.inactive"
    # An old record (an import) still goes to the partner it went to at the time.
    w.tx(lambda s: log_referral(s, person_id=pat, partner_id=partner, reason="Food",
                                actor=ACTOR, at=local(2025, 3, 1), past=True))
    w.tx(lambda s: set_partner_active(s, partner_id=partner, active=True, actor=ACTOR))
    w.tx(lambda s: log_referral(s, person_id=pat, partner_id=partner, reason="Food",
                                actor=ACTOR))
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM referral")).scalar() == 2
    with pytest.raises(NotFound):
        w.tx(lambda s: set_partner_active(s, partner_id=999, active=False, actor=ACTOR))


def test_feedback_anonymous_unless_named(engine) -> None:
    w = World(engine)
    site = w.site("Room")
    fid = w.tx(lambda s: leave_feedback(s, topic="Safety", text="The stair light is out",
                                        site_id=site, actor=ACTOR).id)
    with pytest.raises(Refused):
        w.tx(lambda s: leave_feedback(s, topic="Safety", text="   ", site_id=site, actor=ACTOR))
    w.tx(lambda s: update_feedback(s, feedback_id=fid, status="acted on",
                                   reply_note="Reported to caretaker", actor=ACTOR))
    with read_session(engine) as s:
        (fb,) = s.exec(select(Feedback)).all()
        assert (fb.person_id, fb.given_name, fb.status) == (None, "", "acted on")


def test_staff_pin_lockout(engine) -> None:
    """Five wrong PINs in a row lock the kiosk's PIN pad for five minutes; the fifth is
    told so at once. A wrong PIN names nobody, so it is the pad that is locked: the same
    staff sign in at another room's kiosk, or in the admin window, meanwhile. In the admin
    window, where the user is chosen first, wrong PINs lock that user."""
    w = World(engine)
    w.tx(lambda s: create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR))
    with read_session(engine) as s:
        (stored,) = s.execute(text("SELECT pin_hash FROM staff_user")).scalars()
    assert stored.startswith("$argon2id$") and "m=19456,t=2" in stored and "2468" not in stored
    at = local(2026, 6, 1)
    pad, other_pad = "kiosk:burns-flats", "kiosk:moss-lane"
    assert check_pin(Sessions(engine), pin="2468", actor=pad, at=at).name == "Jo"
    started = time.monotonic()
    for _ in range(MAX_FAILURES - 1):
        assert check_pin(Sessions(engine), pin="0000", actor=pad, at=at) is None
    with pytest.raises(LockedOut) as fifth:  # the one that locks it says so
        check_pin(Sessions(engine), pin="0000", actor=pad, at=at)
    assert fifth.value.params["until"] == at + dt.timedelta(minutes=5)
    assert time.monotonic() - started >= MAX_FAILURES * FAIL_DELAY_S  # rate limited
    with pytest.raises(LockedOut):  # even the right PIN, for five minutes
        check_pin(Sessions(engine), pin="2468", actor=pad, at=at + dt.timedelta(minutes=4))
    meanwhile = at + dt.timedelta(minutes=1)
    assert check_pin(Sessions(engine), pin="2468", actor=other_pad, at=meanwhile).name == "Jo"
    jo = check_pin(Sessions(engine), pin="2468", actor="admin", at=meanwhile, staff_id=1)
    assert jo is not None and jo.name == "Jo"
    later = at + dt.timedelta(minutes=6)
    assert check_pin(Sessions(engine), pin="2468", actor=pad, at=later).name == "Jo"
    # The count starts again after a right PIN: four more wrong ones do not lock the pad.
    for _ in range(MAX_FAILURES - 1):
        assert check_pin(Sessions(engine), pin="0000", actor=pad, at=later) is None
    assert check_pin(Sessions(engine), pin="2468", actor=pad, at=later).name == "Jo"

    # The admin window: five wrong PINs for Jo lock Jo (everywhere), not the kiosks' pads.
    for _ in range(MAX_FAILURES - 1):
        assert check_pin(Sessions(engine), pin="0000", actor="admin", at=later,
                         staff_id=jo.id) is None
    with pytest.raises(LockedOut):
        check_pin(Sessions(engine), pin="0000", actor="admin", at=later, staff_id=jo.id)
    with pytest.raises(LockedOut):
        check_pin(Sessions(engine), pin="2468", actor=pad, at=later)
    with read_session(engine) as s:
        assert s.execute(text("SELECT failed_attempts FROM pin_pad WHERE actor = :a"),
                         {"a": pad}).scalar() == 0
        locks = s.execute(text("SELECT actor, entity FROM audit_event WHERE action = "
                               "'staff.locked' ORDER BY id")).all()
    assert [tuple(x) for x in locks] == [(pad, "pin_pad"), ("admin", "staff_user")]

    with pytest.raises(Refused):
        w.tx(lambda s: create_staff(s, name="Al", role="staff", pin="12", actor=ACTOR))
    with pytest.raises(Refused):
        w.tx(lambda s: create_staff(s, name="Al", role="boss", pin="1234", actor=ACTOR))


def test_a_pin_is_checked_with_no_lock_held_on_the_database(engine, monkeypatch) -> None:
    """argon2 and a wrong PIN's delay take ~0.6 s: meanwhile another kiosk or the admin
    window on the same database can still write (it waits at most 50 ms here)."""
    import schema.staff as staff_module
    from schema.sql import Database

    w = World(engine)
    w.tx(lambda s: create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR))
    url = engine.url.render_as_string(hide_password=False)
    other = Database(url, busy_ms=50, attempts=1)
    writes: list[str] = []

    def another_writer(when: str) -> None:
        other.transaction(lambda db: db.run("UPDATE staff_user SET name = name"))
        writes.append(when)

    verify, sleep = staff_module._verified, staff_module.time.sleep

    def verifying(pin_hash: str, pin: str) -> bool:
        another_writer("while the hash is checked")
        return verify(pin_hash, pin)

    def delaying(seconds: float) -> None:
        another_writer("during a wrong PIN's delay")
        sleep(seconds)

    monkeypatch.setattr(staff_module, "_verified", verifying)
    monkeypatch.setattr(staff_module.time, "sleep", delaying)
    try:
        assert check_pin(Sessions(engine), pin="1111", actor=ACTOR) is None
        assert check_pin(Sessions(engine), pin="2468", actor=ACTOR).name == "Jo"
    finally:
        other.close()
    assert writes == ["while the hash is checked", "during a wrong PIN's delay",
                      "while the hash is checked"]
    with read_session(engine) as s:  # the wrong PIN counted, then the right one cleared it
        assert s.execute(text("SELECT failed_attempts FROM pin_pad")).scalar() == 0
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = "
                              "'staff.login_failed'")).scalar() == 1


def test_a_pin_right_but_for_a_user_locked_or_deactivated_meanwhile_lets_nobody_in(
        engine, monkeypatch) -> None:
    """The hash is checked outside a transaction: what happened to the user meanwhile
    (another kiosk's wrong PINs locked her, a manager made her inactive) is read again."""
    import schema.staff as staff_module

    w = World(engine)
    w.tx(lambda s: create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR))
    verify = staff_module._verified
    at = local(2026, 6, 1)
    meanwhile = [("UPDATE staff_user SET locked_until = :until",
                  {"until": at + dt.timedelta(minutes=5)}),
                 ("UPDATE staff_user SET active = :no", {"no": False})]

    def verifying(pin_hash: str, pin: str) -> bool:
        sql, params = meanwhile.pop(0)
        w.tx(lambda s: Db.of(s).run(sql, params))
        return verify(pin_hash, pin)

    monkeypatch.setattr(staff_module, "_verified", verifying)
    with pytest.raises(LockedOut):
        check_pin(Sessions(engine), pin="2468", actor=ACTOR, at=at)
    w.tx(lambda s: s.execute(text("UPDATE staff_user SET locked_until = NULL")))
    assert check_pin(Sessions(engine), pin="2468", actor=ACTOR, at=at) is None


def test_every_change_is_audited_and_the_audit_is_append_only(engine) -> None:
    w = World(engine)
    (ann,) = w.household("Ann")
    w.attend([ann], local(2026, 2, 1))
    w.tx(lambda s: issue_card(s, person_id=ann, actor=ACTOR))
    with read_session(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["household.register", "attendance.sign_in", "card.issue"]
        assert "Ann" not in " ".join(e.detail for e in s.exec(select(AuditEvent)))
    for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            run_in_transaction(engine, lambda s, q=sql: s.execute(text(q)))
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM audit_event")).scalar() == 3
        assert s.exec(select(Card)).one().person_id == ann


def test_schema_never_imports_qt() -> None:
    code = (
        "import sys, importlib, pkgutil, schema\n"
        "for m in pkgutil.walk_packages(schema.__path__, 'schema.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.startswith(('PySide6', 'shiboken6')))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_likely_duplicates_queue_and_merge(engine) -> None:
    from schema.people import likely_duplicates, merge_people, person_history

    w = World(engine)
    (jon,) = w.household("Jonathan", years=(1985,))
    (jonny,) = w.household("Jonathon", years=(1985,))  # typed two ways
    (amy,) = w.household("Amy", years=(1990,))
    (amy2,) = w.household("Amy", years=(1990,))  # same name and year, two households
    kid, kid_twice = w.household("Leo", "Leoo", years=(2019, 2019))  # one household
    w.household("Amy", years=(1991,))  # a different year: someone else
    w.attend([jonny], local(2026, 2, 1))
    with read_session(engine) as s:
        pairs = {(p.keep_id, p.merge_id): p.reason for p in likely_duplicates(s)}
    assert pairs == {
        (jon, jonny): "the same name typed two ways, same year of birth",
        (amy, amy2): "same name and year of birth in two households",
        (kid, kid_twice): "similar names in one household",
    }
    w.tx(lambda s: merge_people(s, keep_id=jon, merge_id=jonny, actor=ACTOR))
    with read_session(engine) as s:
        assert person_history(s, jon)["attendance"] == 1
        assert (jon, jonny) not in {(p.keep_id, p.merge_id) for p in likely_duplicates(s)}
