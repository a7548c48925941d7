"""Kept sign-ins (the kiosk's outbox) land exactly once, and land somewhere: run again
after an uncertain commit they change nothing; their session cancelled since, they go to
what was on at the time. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from kiosk.app import replay
from schema.db import read_session
from schema.on_now import sessions_on_now
from schema.sql import Database
from tests.helpers import ACTOR, World, local
from tests.test_kiosk import kiosk_database

AT = local(2026, 5, 12, 10, 30)  # a Tuesday morning, with Coffee on from 9 to 5


def _count(engine: Engine, sql: str) -> int:
    with read_session(engine) as s:
        return int(s.execute(text(sql)).scalar() or 0)


def _kiosk(engine: Engine) -> tuple[World, int, Database, Callable[[str, dict[str, Any]], Any]]:
    w = World(engine)
    session = w.session(AT)
    return w, session, kiosk_database(engine), replay(ACTOR, w.site("Room"))


def _registration(session: int, entry: str | None) -> dict[str, Any]:
    args: dict[str, Any] = {
        "members": [{"first_name": "Amira", "last_name": "K", "birth_year": 1990},
                    {"first_name": "Leila", "last_name": "K", "birth_year": 2019}],
        "postcode": None, "consent_version": "1", "session_id": session,
        "at": AT.isoformat(), "replay": True}
    if entry is not None:
        args["entry"] = entry
    return args


def test_a_registration_sent_twice_makes_one_household(engine: Engine) -> None:
    _w, session, database, make = _kiosk(engine)
    try:
        args = _registration(session, "a" * 32)
        first = database.transaction(make("register", args))
        again = database.transaction(make("register", args))  # the outbox, after a crash
    finally:
        database.close()
    assert first is not None and first[2] == 2
    assert again is None
    assert _count(engine, "SELECT COUNT(*) FROM person") == 2
    assert _count(engine, "SELECT COUNT(*) FROM household") == 1
    assert _count(engine, "SELECT COUNT(*) FROM attendance") == 2
    assert _count(engine, "SELECT COUNT(*) FROM kiosk_receipt") == 1


def test_a_head_count_sent_twice_is_counted_once(engine: Engine) -> None:
    _w, session, database, make = _kiosk(engine)
    try:
        args = {"headcount": 3, "session_id": session, "at": AT.isoformat(),
                "entry": "b" * 32}
        database.transaction(make("anonymous", args))
        assert database.transaction(make("anonymous", {**args, "replay": True})) is None
        database.transaction(make("anonymous", {**args, "entry": "c" * 32}))  # another one
    finally:
        database.close()
    assert _count(engine, "SELECT SUM(headcount) FROM attendance") == 6
    assert _count(engine, "SELECT COUNT(*) FROM attendance") == 2


def test_an_entry_kept_before_receipts_still_lands(engine: Engine) -> None:
    _w, session, database, make = _kiosk(engine)
    try:
        database.transaction(make("register", _registration(session, None)))
    finally:
        database.close()
    assert _count(engine, "SELECT COUNT(*) FROM person") == 2
    assert _count(engine, "SELECT COUNT(*) FROM kiosk_receipt") == 0


def test_a_kept_sign_in_whose_session_was_cancelled_lands_on_what_was_on(
        engine: Engine) -> None:
    w, _session, database, make = _kiosk(engine)
    youth = w.session(AT, service="Youth club")
    sam = w.household("Sam")
    w.tx(lambda s: s.execute(text("UPDATE session SET cancelled = :yes WHERE id = :id"),
                             {"yes": True, "id": youth}))
    try:
        database.transaction(make("sign_in", {
            "person_ids": sam, "session_id": youth, "method": "search",
            "at": AT.isoformat(), "replay": True}))
    finally:
        database.close()
    landed = _count(engine, f"SELECT session_id FROM attendance WHERE person_id = {sam[0]}")
    assert landed and landed != youth  # not dropped: in what was on at the time
    with read_session(engine) as s:
        assert sessions_on_now(s, site_id=w.site("Room"), at=AT)[0].session_id == landed


# --- shutting down ------------------------------------------------------------------------

def test_shutting_down_finishes_the_work_on_hand_then_closes_on_the_worker_thread(
        qtbot, tmp_path, monkeypatch) -> None:
    """The kiosk closing (SIGTERM, "Close the kiosk") while a job waits on a file another
    program has locked: the job runs out its wait, the connection is closed on the
    worker's own thread (never from under a transaction), and a second shutdown (the
    kiosk's, then main's) does not wait again."""
    import sqlite3
    import threading

    from kiosk.store import Runner

    path = tmp_path / "locked.sqlite3"
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("CREATE TABLE t (x INTEGER)")
    database = Database(f"sqlite:///{path}", busy_ms=5000, attempts=1)
    closed_on: list[bool] = []  # on the UI (main) thread?
    close = database.close
    monkeypatch.setattr(database, "close", lambda: (
        closed_on.append(threading.current_thread() is threading.main_thread()), close()))
    runner = Runner(database)
    done: list[object] = []
    runner.call(lambda db: db.value("SELECT 1"), done.append)  # connected, in WAL
    qtbot.waitUntil(lambda: done == [1])
    con.execute("BEGIN IMMEDIATE")  # another program writing, for a moment yet
    runner.call(lambda db: db.run("INSERT INTO t VALUES (1)"))
    runner.call(lambda db: db.run("INSERT INTO t VALUES (2)"))  # queued behind it
    qtbot.wait(100)  # the first job is waiting for the lock
    threading.Timer(0.4, lambda: con.execute("COMMIT")).start()
    assert runner.shutdown() is True
    assert con.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    assert closed_on == [False]  # on the worker's thread, after both jobs
    assert runner.shutdown() is True and closed_on == [False]
    con.close()


def test_a_worker_stuck_past_every_time_limit_is_left_behind_not_aborted_on(
        qtbot, monkeypatch) -> None:
    """A job that will not end (a driver blocked past its own time-outs): shutting down
    interrupts it, waits a while, then says so (False) rather than waiting for ever or
    destroying a running thread (Qt would abort the process)."""
    import threading

    from kiosk.store import Runner

    release = threading.Event()
    interrupted: list[bool] = []

    class Stuck:
        def transaction(self, work, attempts=8):
            release.wait(30)
            return None

        def interrupt(self) -> None:
            interrupted.append(True)

        def close(self) -> None:
            pass

    monkeypatch.setattr(Runner, "STOP_MS", 100)
    runner = Runner(Stuck())
    runner.call(lambda _db: None)
    qtbot.wait(50)
    assert runner.shutdown() is False
    assert interrupted == [True]
    release.set()  # (the test lets it go, so that the thread ends before it is destroyed)
    qtbot.waitUntil(lambda: not runner._thread.isRunning(), timeout=5000)
