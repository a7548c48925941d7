"""schema.sql: the operations' plain DB-API way to the database, on SQLite and PostgreSQL,
and a kiosk that runs every flow without loading SQLAlchemy."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from schema import migrate
from schema.clock import LONDON
from schema.db import make_engine, read_session, run_in_transaction
from schema.signin import sign_in
from schema.sql import Database, Db, sqlite_path
from schema.tables import Attendance, Site
from schema.timetable import add_one_off, get_or_create_service, get_or_create_site
from tests.helpers import ACTOR, World

ROOT = Path(__file__).resolve().parent.parent


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_values_round_trip_and_read_the_same_through_sqlalchemy(engine: Engine) -> None:
    at = dt.datetime(2026, 7, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)  # summer time in London
    database = Database(_url(engine))
    try:
        if database.dialect == "postgresql":  # a server away from UTC must not shift it
            database.transaction(lambda db: db.run("SET TIME ZONE 'Europe/London'"))
        site_id = database.transaction(lambda db: db.insert(
            "site", {"slug": "round", "name": "Round 50% room", "created_at": at}))
        got = database.transaction(lambda db: db.row(
            "SELECT name, created_at FROM site WHERE id = :id AND name LIKE '%50%%'",
            {"id": site_id}))
    finally:
        database.close()
    assert got is not None
    assert got[0] == "Round 50% room"
    assert Db.moment(got[1]) == at
    with read_session(engine) as s:
        site = s.get(Site, site_id)
        assert site is not None
        assert site.created_at == at  # the ORM reads what Db wrote


def test_a_percent_sign_in_a_statement_is_sent_as_written(engine: Engine) -> None:
    database = Database(_url(engine))
    try:
        got = database.transaction(lambda db: (db.value("SELECT '50%'"),
                                               db.value("SELECT '50%' || :x", {"x": "!"})))
    finally:
        database.close()
    assert got == ("50%", "50%!")


@pytest.mark.postgres
def test_a_postgresql_connection_dropped_while_idle_is_replaced(postgres_server: object) -> None:
    url = postgres_server.create_database()  # type: ignore[attr-defined]
    engine = make_engine(url)
    database = Database(url)
    try:
        pid = database.transaction(lambda db: db.value("SELECT pg_backend_pid()"))
        with engine.connect() as conn:  # the server ends the kiosk's connection
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        database._used -= Database.PING_AFTER_S + 1  # as after a quiet spell at the kiosk
        again = database.transaction(lambda db: db.value("SELECT pg_backend_pid()"))
    finally:
        database.close()
        engine.dispose()
    assert again != pid  # a new connection did the work, and no error reached the kiosk


@pytest.mark.postgres
def test_a_kiosk_connection_to_postgresql_gives_up_on_a_silent_server(
        postgres_server: object) -> None:
    """TCP keepalives and a time limit on unacknowledged data (a server gone without a
    word), and for a kiosk a limit on any one statement: a sign-in waits seconds, not
    minutes, before it goes to the outbox."""
    url = postgres_server.create_database()  # type: ignore[attr-defined]
    kiosk, office = Database(url, lean=True), Database(url, lean=False)
    try:
        params = kiosk.connection().info.get_parameters()
        assert params["keepalives"] == "1" and params["tcp_user_timeout"] == "15000"
        assert kiosk.transaction(lambda db: db.value("SHOW statement_timeout")) == "10s"
        assert office.transaction(lambda db: db.value("SHOW statement_timeout")) == "0"
    finally:
        kiosk.close()
        office.close()


def test_a_new_database_has_no_privacy_notice_of_its_own(engine: Engine) -> None:
    """(The kiosk then shows its default one, in its own language: tests/test_kiosk_visits.)"""
    from kiosk.app import load_config
    from schema.settings import set_setting

    database = Database(_url(engine))
    try:
        first = database.transaction(lambda db: load_config(db, site_slug=None))
        run_in_transaction(engine, lambda s: set_setting(
            s, key="privacy_notice_text", value="Our own words.", actor=ACTOR))
        second = database.transaction(lambda db: load_config(db, site_slug=None))
    finally:
        database.close()
    assert first.notice_text == ""
    assert second.notice_text == "Our own words."


def test_list_parameters_spread_and_an_empty_list_matches_nothing(engine: Engine) -> None:
    seed = World(engine)
    ids = seed.household("P0", "P1", "P2", "P3")
    database = Database(_url(engine))
    try:
        def read(db: Db) -> tuple[list[int], list[int], list[int]]:
            sql = "SELECT id FROM person WHERE id IN (:ids) AND first_name <> :x ORDER BY id"
            return ([r[0] for r in db.rows(sql, {"ids": ids[:3], "x": "P0"})],
                    [r[0] for r in db.rows(sql, {"ids": (ids[3],), "x": ""})],
                    [r[0] for r in db.rows(sql, {"ids": [], "x": ""})])
        three, one, none = database.transaction(read)
    finally:
        database.close()
    assert three == ids[1:3]
    assert one == [ids[3]]
    assert none == []


def test_a_failed_transaction_leaves_nothing_and_the_next_one_works(engine: Engine) -> None:
    database = Database(_url(engine))
    now = dt.datetime.now(dt.UTC)

    def half(db: Db) -> None:
        db.insert("site", {"slug": "half", "name": "Half", "created_at": now})
        raise RuntimeError("stop")

    try:
        with pytest.raises(RuntimeError):
            database.transaction(half)
        database.transaction(lambda db: db.insert(
            "site", {"slug": "whole", "name": "Whole", "created_at": now}))
    finally:
        database.close()
    with read_session(engine) as s:
        assert [x.slug for x in s.exec(select(Site))] == ["whole"]


def test_an_operation_on_a_session_writes_in_its_transaction_and_expires_what_it_holds(
        engine: Engine) -> None:
    seed = World(engine)
    [pid] = seed.household("Sam")
    at = dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)
    sid = seed.session(at)
    seed.attend([pid], at)

    def again(s) -> tuple[dt.datetime | None, dt.datetime | None]:
        att = s.exec(select(Attendance)).one()
        before = att.signed_out_at
        Db.of(s).run("UPDATE attendance SET signed_out_at = :t WHERE id = :id",
                      {"t": at, "id": att.id})
        return before, att.signed_out_at  # the ORM object reads the new value

    before, after = run_in_transaction(engine, again)
    assert before is None
    assert after is not None and after.replace(tzinfo=dt.UTC) == at

    def undone(s) -> None:
        sign_in(s, person_ids=[pid], session_id=sid, method="staff", actor=ACTOR, at=at)
        s.rollback()  # the operation's rows go with the session's transaction

    run_in_transaction(engine, undone)
    with read_session(engine) as s:
        assert len(s.exec(select(Attendance)).all()) == 1


def test_is_current_on_the_kiosks_own_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    database = Database(url)
    try:
        assert not migrate.is_current(database)  # no alembic_version table yet
        eng = make_engine(url)
        migrate.upgrade(eng)
        eng.dispose()
        assert migrate.is_current(database)
    finally:
        database.close()


def test_sqlite_path_reads_the_url_forms() -> None:
    assert sqlite_path("sqlite:///rel/x.sqlite3") == "rel/x.sqlite3"
    assert sqlite_path("sqlite:////abs/x.sqlite3") == "/abs/x.sqlite3"
    assert sqlite_path("sqlite:///x.sqlite3?timeout=3") == "x.sqlite3"
    assert sqlite_path("sqlite://") == ":memory:"
    assert sqlite_path("postgresql://u@h/db") is None


def test_the_kiosk_runs_every_flow_without_sqlalchemy(engine: Engine, tmp_path: Path) -> None:
    """A kiosk process signs in by card, finds, registers a family, takes feedback, lets
    staff in, logs a referral and issues a card, and never imports SQLAlchemy, SQLModel,
    pydantic or Alembic (they would cost it a second and tens of MiB at start-up)."""
    from schema.cards import issue_card
    from schema.people import NewPerson, register_household
    from schema.referrals import get_or_create_partner
    from schema.staff import create_staff

    now = dt.datetime.now(dt.UTC)

    def setup(s) -> tuple[str, int, int]:
        site = get_or_create_site(s, "Burns Court", "burns")
        service = get_or_create_service(s, "Coffee morning")
        add_one_off(s, site_id=site.id, service_id=service.id,
                    on=now.astimezone(LONDON).date(), start=dt.time(0, 0),
                    end=dt.time(23, 59), actor=ACTOR)
        _household, members = register_household(
            s, members=[NewPerson("Samira", "Wilson", 1988)], postcode=None, actor=ACTOR,
            consent_version="1")
        card = issue_card(s, person_id=members[0].id, actor=ACTOR)
        partner = get_or_create_partner(s, "Housing team")
        create_staff(s, name="Jo", role="staff", pin="2468", actor=ACTOR)
        return card.token, members[0].id, partner.id

    token, person_id, partner_id = run_in_transaction(engine, setup)
    script = textwrap.dedent(f"""
        import json, sys, time
        from kiosk import process
        process.prepare()
        from PySide6.QtWidgets import QApplication
        app = QApplication([sys.argv[0]])
        from kiosk.__main__ import create
        k = create(app, {_url(engine)!r}, site="burns", windowed=True, readers=[],
                   outbox=__import__("pathlib").Path({str(tmp_path / "outbox.jsonl")!r}))

        def settle():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                app.processEvents()
                if k.store.idle():
                    return
                time.sleep(0.005)
            raise SystemExit("the store never went idle")

        k.on_token({token!r}); settle()
        k.reset(); settle()
        k.find_me("Sam", "1988"); settle()
        k.picked({person_id}); settle()
        k.reset(); settle()
        k.send_feedback("Our room", "More chairs please", ""); settle()
        k.check_pin("2468"); settle()
        for page in ("room", "signin", "referral"):
            k.staff_page(page); settle()
        k.staff_log_referral({person_id}, {partner_id}, "Damp in the flat", "", 0); settle()
        k.staff_issue_card({person_id}, replace=True); settle()  # (she has one)
        k.staff_search("wil", k.staff.ref_picker); settle()
        k.shutdown()
        heavy = sorted({{m.split(".")[0] for m in sys.modules}}
                       & {{"sqlalchemy", "sqlmodel", "pydantic", "alembic"}})
        print(json.dumps(heavy))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "XDG_DATA_HOME": str(tmp_path / "data")})
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
    with read_session(engine) as s:
        from schema.tables import Card, Feedback, Referral

        assert len(s.exec(select(Attendance)).all()) == 1
        assert len(s.exec(select(Feedback)).all()) == 1
        assert len(s.exec(select(Referral)).all()) == 1
        assert len(s.exec(select(Card).where(Card.person_id == person_id)).all()) == 2
