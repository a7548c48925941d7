"""PostgreSQL: the kiosk's role can do a kiosk's work and cannot read referrals or notes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from kiosk.app import load_config
from schema.cards import issue_card
from schema.db import make_engine, run_in_transaction
from schema.errors import Refused
from schema.feedback import leave_feedback
from schema.migrate import is_current, upgrade
from schema.people import NewPerson, register_household
from schema.referrals import active_partners, get_or_create_partner, log_referral
from schema.roles import create_kiosk_role, kiosk_role_statements
from schema.signin import scan
from schema.sql import Database
from schema.staff import check_pin, create_staff
from schema.timetable import get_or_create_site, sessions_on_now

pytestmark = pytest.mark.postgres


def test_kiosk_role_does_kiosk_work_and_reads_no_referrals(postgres_server) -> None:
    url = postgres_server.create_database()
    owner = make_engine(url)
    upgrade(owner)

    def setup(s):
        site = get_or_create_site(s, "Burns Flats", "burns-flats")
        get_or_create_partner(s, "Housing")
        create_staff(s, name="Jo", role="staff", pin="2468", actor="test")
        return site.id

    site_id = run_in_transaction(owner, setup)
    create_kiosk_role(owner, "dropin_kiosk", "a long test password")
    kiosk_url = url.replace(f"//{postgres_server.superuser}@", "//dropin_kiosk@")
    kiosk = make_engine(kiosk_url)
    at = dt.datetime(2026, 5, 12, 10, tzinfo=dt.UTC)

    def kiosk_work(s, staff):
        load_config(s, site_slug="burns-flats")
        sessions_on_now(s, site_id=site_id, at=at)
        _h, people = register_household(s, members=[NewPerson("Sam", "W", 1988)],
                                        consent_version="1", actor="kiosk")
        card = issue_card(s, person_id=people[0].id, actor="kiosk")
        scan(s, token=card.token, site_id=site_id, actor="kiosk", at=at)
        partner = active_partners(s)[0][0]
        log_referral(s, person_id=people[0].id, partner_id=partner, reason="Damp",
                     note="private note", actor="kiosk", staff_id=staff.id, at=at)
        leave_feedback(s, topic="Safety", text="private words", site_id=site_id, actor="kiosk")
        return people[0].id

    # as dropin-kiosk does it: its own connection, no SQLAlchemy
    database = Database(kiosk_url)
    try:
        assert is_current(database)
        staff = check_pin(database, pin="2468", actor="kiosk")  # (its own transactions)
        assert staff is not None
        pid = database.transaction(lambda s: kiosk_work(s, staff))
    finally:
        database.close()
    assert pid
    for sql in ("SELECT reason FROM referral", "SELECT note FROM referral",
                "SELECT outcome_note FROM referral", "SELECT text FROM feedback",
                "SELECT detail FROM audit_event", "DELETE FROM attendance",
                "INSERT INTO staff_user (name, role, pin_hash, active, failed_attempts, "
                "created_at) VALUES ('x', 'manager', 'x', true, 0, now())"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            run_in_transaction(kiosk, lambda s, q=sql: s.execute(text(q)).all())
    with owner.connect() as conn:
        assert conn.execute(text("SELECT note FROM referral")).scalar() == "private note"
    kiosk.dispose()
    owner.dispose()


def test_a_kiosk_role_made_before_an_upgrade_can_use_its_new_tables(postgres_server) -> None:
    """A kiosk role made at revision 0001 keeps registering newcomers after the upgrade
    that brought kiosk_receipt, and checking PINs after the one that brought pin_pad (the
    migrations grant them as kiosk-role would)."""
    from kiosk.app import replay
    from schema.timetable import add_one_off, get_or_create_service

    url = postgres_server.create_database()
    owner = make_engine(url)
    upgrade(owner, "0001")
    with owner.begin() as conn:  # the role as dropin-admin kiosk-role made it then
        for statement in kiosk_role_statements("old_kiosk", "a long test password"):
            if "kiosk_receipt" not in statement and "pin_pad" not in statement:
                conn.execute(text(statement))
    upgrade(owner)
    at = dt.datetime(2026, 5, 12, 10, tzinfo=dt.UTC)

    def setup(s):
        site = get_or_create_site(s, "Burns Flats", "burns-flats")
        service = get_or_create_service(s, "Coffee morning")
        session = add_one_off(s, site_id=site.id, service_id=service.id, on=at.date(),
                              start=dt.time(0), end=dt.time(23, 59), actor="test")
        return site.id, session.id

    site_id, session_id = run_in_transaction(owner, setup)
    database = Database(url.replace(f"//{postgres_server.superuser}@", "//old_kiosk@"))
    try:
        made = database.transaction(replay("kiosk", site_id)("register", {
            "members": [{"first_name": "Amira", "last_name": "K", "birth_year": 1990}],
            "postcode": None, "consent_version": "1", "session_id": session_id,
            "at": at.isoformat(), "entry": "d" * 32}))
        run_in_transaction(owner, lambda s: create_staff(s, name="Jo", role="staff",
                                                         pin="2468", actor="test"))
        assert check_pin(database, pin="1111", actor="kiosk:burns-flats") is None
        staff = check_pin(database, pin="2468", actor="kiosk:burns-flats")
        assert staff is not None and staff.name == "Jo"
    finally:
        database.close()
    assert made is not None
    with owner.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM kiosk_receipt")).scalar() == 1
    owner.dispose()


def test_kiosk_role_refuses_weak_input() -> None:
    with pytest.raises(Refused):
        kiosk_role_statements("Robert'; DROP", "a long enough password")
    with pytest.raises(Refused):
        kiosk_role_statements("dropin_kiosk", "short")
    assert any("GRANT SELECT (id) ON referral" in s
               for s in kiosk_role_statements("dropin_kiosk", "a long enough password"))
