"""Journeys at the edges of a visit: the moment after goodbye, the next visitor arriving
while the last one's answer is on its way, a member typed but not added, cards shown where
they cannot be used. Each drives the real widgets of a kiosk on a fresh database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel, QPushButton
from sqlalchemy import text

from schema.clock import LONDON, now_utc
from schema.db import make_engine, run_in_transaction
from tests import test_kiosk
from tests.test_kiosk import Rig, _build, _family, _sessions_now

# A kiosk at 1280×800 with one session on now, on a fresh database (tests/test_kiosk.py).
engine_one, rig = test_kiosk.engine_one, test_kiosk.rig


def _an_hour_ago(r: Rig) -> None:
    """Everyone in the room signed in an hour ago (a scan now is a goodbye)."""
    then = (now_utc() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    run_in_transaction(r.engine, lambda s: s.execute(
        text("UPDATE attendance SET signed_in_at = :t"), {"t": then}))


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
    assert rig.sql("SELECT COUNT(*) FROM attendance WHERE signed_out_at IS NULL") == 0
    assert rig.sql("SELECT COUNT(*) FROM attendance") == 1


def test_welcome_does_not_name_a_sensitive_service_on_now(qtbot, tmp_path: Path) -> None:
    """Sam signs in to the beat surgery; the next person in the queue sees Welcome."""
    from schema.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'sensitive.sqlite3'}")
    upgrade(engine)
    _sessions_now(engine, [("Police beat surgery", True), ("Coffee morning", False)])
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
