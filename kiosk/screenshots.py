"""Render every kiosk screen at 1280×800 and 1920×1080 into docs/screenshots/.

``make screenshots`` runs this under Xvfb on a fresh demo database, with two
one-off sessions on "now" so the choice of session is shown too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

SIZES = ((1280, 800), (1920, 1080))


def prepare(url: str) -> tuple[str, str]:
    """A demo database with two sessions on now at the first site; returns the card tokens
    of two regulars, the second signed in 40 minutes ago."""
    from sqlmodel import select

    from schema.cards import issue_card
    from schema.clock import LONDON, now_utc
    from schema.db import make_engine, run_in_transaction
    from schema.demo import load_demo
    from schema.migrate import upgrade
    from schema.signin import sign_in
    from schema.tables import Card, Person, Site
    from schema.timetable import add_one_off, get_or_create_service

    engine = make_engine(url)
    upgrade(engine)
    load_demo(engine, seed=1)

    def sessions(s):
        site = s.exec(select(Site).order_by(Site.id)).first()
        now = now_utc().astimezone(LONDON)
        start = max(dt.time(0, 0), (now - dt.timedelta(hours=1)).time()) \
            if now.hour >= 1 else dt.time(0, 0)
        end = dt.time(23, 59)
        made = []
        for name in ("Coffee morning", "Housing surgery"):
            service = get_or_create_service(s, name)
            made.append(add_one_off(s, site_id=site.id, service_id=service.id, on=now.date(),
                                    start=start, end=end, actor="screenshots"))
        first_session = made[0].id
        regulars = s.exec(select(Person).where(Person.birth_year < 1990)
                          .order_by(Person.id).limit(2)).all()
        tokens = []
        for person in regulars:
            card = s.exec(select(Card).where(Card.person_id == person.id)
                          .where(Card.revoked_at.is_(None))).first()
            tokens.append(card.token if card else issue_card(s, person_id=person.id,
                                                             actor="screenshots").token)
        # The second came in 40 minutes ago: their card now signs them out (Goodbye).
        sign_in(s, person_ids=[regulars[1].id], session_id=first_session, method="card",
                actor="screenshots", at=now_utc() - dt.timedelta(minutes=40))
        return tokens[0], tokens[1]

    tokens = run_in_transaction(engine, sessions)
    engine.dispose()
    return tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    from kiosk import process

    process.prepare()
    from PySide6.QtWidgets import QApplication

    from schema.db import make_engine

    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dropin-shots-"))
    app = QApplication([])
    for width, height in SIZES:  # a fresh demo database for each size
        url = f"sqlite:///{tmp / f'demo-{width}.sqlite3'}"
        token, leaver = prepare(url)
        engine = make_engine(url)
        _shoot_all(app, engine, tmp, (token, leaver), args.out, width, height)
        engine.dispose()
    print(f"screenshots written to {args.out}")
    # Leave without Python's final garbage collection racing Qt's own teardown.
    os._exit(0)


def _shoot_all(app, engine, tmp: Path, tokens: tuple[str, str], out: Path, width: int,
               height: int) -> None:
    """Walk through every screen at one size, saving a picture of each."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QPushButton

    from kiosk.__main__ import create
    from kiosk.scanner import FakeScanner
    from kiosk.theme import stylesheet

    def settle(ms: int = 700) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    token, leaver = tokens
    fake = FakeScanner()
    k = create(app, engine.url.render_as_string(hide_password=False), site=None,
               windowed=True, outbox=tmp / f"outbox-{width}.jsonl", readers=[fake])
    k.cfg.done_seconds = 60
    k.w.resize(width, height)
    k.w.setStyleSheet(stylesheet(height))
    k.w.show()
    k.w.activateWindow()
    settle(1200)

    def shot(name: str, action: Callable[[], object] | None = None, ms: int = 700) -> None:
        if action:
            action()
        settle(ms)
        k.w.grab().save(str(out / f"kiosk-{name}-{width}x{height}.png"))

    def tap(name: str) -> None:
        k.w.findChild(QPushButton, name).click()

    shot("welcome")
    shot("find-me", lambda: (k.welcome.sign_in_button.click(),
                             k.identify.first.setText("Sam"), k.identify.hint.setFocus()))
    k.reset()
    first = _adult_with_family(engine)
    shot("find-me-no-match", lambda: (k.go(k.identify), k.identify.first.setText("Zebedee"),
                                      k.identify.hint.setText("1950")))
    k.reset()
    shot("find-me-results", lambda: (k.go(k.identify), k.identify.first.setText(first[0]),
                                     k.identify.hint.setText(first[1])))
    shot("whos-here", lambda: tap("result0"), 900)
    shot("what-for", lambda: k.who.next_button.click(), 900)
    shot("done", lambda: tap("session0"), 900)
    k.reset()
    k.go(k.identify)  # the same visitor again, by name: in already, so "Sign me out"
    k.identify.first.setText(first[0])
    k.identify.hint.setText(first[1])
    settle(700)
    shot("find-me-already-in", lambda: tap("result0"), 900)
    k.reset()
    shot("card-scan-choice", lambda: fake.show(token), 900)
    tap("session0")
    settle(600)
    k.reset()
    shot("card-scan-again", lambda: fake.show(token), 900)  # "Hello again": already in
    k.reset()
    shot("goodbye", lambda: fake.show(leaver), 900)  # in since 40 minutes ago: signs out
    k.reset()
    shot("new-you", lambda: (k.welcome.new_button.click(), k.new.first.setText("Amira"),
                             k.new.last.setText("K"), k.new.year.setText("1991")))
    shot("new-household", lambda: (k.new.you_next.click(), k.new_add_member("Yusuf", "6"),
                                   k.new_add_member("Leila", "2")))
    shot("new-consent", lambda: k.new.family_next.click())
    k.new.agree_button.click()
    settle(600)
    shot("new-done-card-offer", lambda: tap("session0"), 900)
    shot("new-card", lambda: tap("makeCardButton"), 900)
    k.reset()
    shot("count-me", lambda: (k.go(k.count), k.count.plus.click(), k.count.plus.click()))
    k.reset()
    shot("have-your-say", lambda: (k.welcome.feedback_button.click(),
                                   k.feedback.topics["Safety"].click(),
                                   k.feedback.text.setPlainText(
                                       "The light on the stairs by the lift is out.")))
    k.reset()
    shot("staff-pin", lambda: (k.welcome.staff_button.click(), tap("pin_1"), tap("pin_2")))
    shot("staff-room", lambda: (tap("pin_3"), tap("pin_4"), tap("pin_ok")), 1500)
    shot("staff-referral", lambda: (k.staff.show_page("referral"),
                                    k.staff.ref_picker.field.setText(first[0])), 1200)
    shot("staff-referral-partner",
         lambda: k.staff.ref_picker.list.itemClicked.emit(k.staff.ref_picker.list.item(0)))
    shot("staff-referral-reason", lambda: (k.staff.partner_group.buttons()[0].click(),
                                           k.staff.reason.setText("Damp in the bedroom")))
    shot("staff-hand-sign-in", lambda: (k.staff.show_page("signin"),
                                        k.staff.hand_picker.field.setText(first[0])), 1200)
    shot("staff-card", lambda: (k.staff.show_page("card"),
                                k.staff.card_picker.field.setText(first[0])), 1200)
    shot("staff-leave", lambda: k.staff.show_page("leave"))
    k.reset()
    shot("unknown-card", lambda: fake.show("DRP-AAAAAAAAAAAAAAAAAAAAAAAAAA"), 900)
    k.reset()
    # The database goes away: the sign-in is kept in the outbox and a banner says so.
    from schema.sql import Database

    working = k.store.database
    k.store.set_database(Database(f"sqlite:///{tmp / 'gone' / 'x.sqlite3'}"))
    # (as on a morning she arrives: not signed in here yet today, so, with two sessions on
    # a moment ago, she is asked which)
    k.cards_today.left(token)
    fake.show(token)
    settle(900)
    shot("offline", lambda: tap("session0"), 900)
    k.store.set_database(working)
    k.reset()
    k.shutdown()
    k.w.close()


def _adult_with_family(engine) -> tuple[str, str]:
    """First name and surname initial of an adult who lives with others."""
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT p.first_name, p.last_name FROM person p WHERE p.birth_year < 1995 AND "
            "(SELECT COUNT(*) FROM person q WHERE q.household_id = p.household_id) >= 3 "
            "ORDER BY p.id LIMIT 1")).one()
    return row[0], row[1][:2]


if __name__ == "__main__":
    raise SystemExit(main())
