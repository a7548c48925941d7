"""The demo data set: believable, complete, deterministic, and only for an empty database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from schema.counting import Period, report
from schema.db import Sessions, make_engine, read_session, run_in_transaction
from schema.demo import load_demo
from schema.errors import Refused
from schema.migrate import upgrade
from schema.people import NewPerson, register_household
from schema.staff import check_pin
from schema.tables import (
    Attendance,
    Card,
    Consent,
    Feedback,
    Household,
    Person,
    Referral,
    Service,
    Setting,
    Site,
    TimetableSlot,
)

TODAY = dt.date(2026, 3, 18)
LAST_MONTH = Period.month(2026, 2)


def figures(engine: Engine, period: Period) -> dict[str, object]:
    with read_session(engine) as s:
        rep = report(s, period)
    out = rep.to_json()
    out["by_age_band"] = {k: v.as_dict() for k, v in rep.by_age_band.items()}
    out["by_district"] = {k: v.as_dict() for k, v in rep.by_district.items()}
    out["by_status"] = rep.referrals.by_status
    return out


def count(engine: Engine, table: type) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def test_demo_is_believable_and_deterministic(engine: Engine, tmp_path: Path) -> None:
    summary = load_demo(engine, seed=1, today=TODAY)

    # 60 households, and 3 people typed in twice as households of their own.
    assert summary["households"] == count(engine, Household) == 63
    assert summary["typed_twice"] == 3
    assert 130 <= summary["people"] == count(engine, Person) <= 170
    assert summary["attendances"] + summary["referrals"] > 1000
    with read_session(engine) as s:
        sites = {site.slug: site.name for site in s.exec(select(Site))}
        assert sites == {"burns-flats": "Burns Flats Community Room",
                         "moss-lane": "Moss Lane Hub"}
        sensitive = set(s.exec(select(Service.name).where(col(Service.sensitive))).all())
        assert sensitive == {"Police beat surgery", "Mental-health café"}
        assert len(s.exec(select(Service)).all()) == 7
        assert {slot.site_id for slot in s.exec(select(TimetableSlot))} == {1, 2}
        years = [y for y in s.exec(select(Person.birth_year)).all() if y is not None]
        assert min(TODAY.year - y for y in years) <= 2  # babies
        assert max(TODAY.year - y for y in years) >= 75  # pensioners
        postcodes = s.exec(select(Household.postcode_district)).all()
        assert None in postcodes
        assert {d for d in postcodes if d} <= {"M40", "M9", "M8", "M14", "M15", "M16"}
        assert set(s.exec(select(Referral.status)).all()) == {
            "made", "accepted", "completed", "declined", "no response"}
        anonymous = s.exec(select(func.sum(Attendance.headcount))
                           .where(col(Attendance.person_id).is_(None))).one()
        assert anonymous == summary["anonymous_visits"] > 0
        first, last = s.exec(select(func.min(Attendance.local_date),
                                    func.max(Attendance.local_date))).one()
        assert (TODAY - first).days >= 175 and last <= TODAY
        assert set(s.exec(select(Feedback.status)).all()) == {"new", "read", "acted on"}
        assert count(engine, Card) >= 60 and count(engine, Consent) >= 100
        settings = {row.key: row.value for row in s.exec(select(Setting))}
        assert settings["privacy_notice_version"] == "2026-01"
        assert settings["room_name"] == "Burns Flats Community Room"
        assert "privacy_notice_text" in settings
    assert count(engine, Feedback) == summary["feedback"] > 5

    # The demo PINs work, each for its own role.
    for pin, role in (("1234", "manager"), ("2468", "staff"), ("1357", "volunteer")):
        user = check_pin(Sessions(engine), pin=pin, actor="t")
        assert user is not None and user.role == role

    # Last month looks like a busy community room.
    feb = figures(engine, LAST_MONTH)
    assert 30 <= feb["families"] <= 60  # type: ignore[operator]
    assert 50 <= feb["individuals"] <= 150  # type: ignore[operator]
    assert feb["anonymous_visits"] > 0  # type: ignore[operator]
    assert {"Police beat surgery", "Mental-health café"} <= set(feb["by_service"])  # type: ignore[arg-type]
    assert len(feb["by_site"]) == 2  # type: ignore[arg-type]

    # The same seed and day give the same figures on a second (SQLite) database.
    other = make_engine(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    upgrade(other)
    try:
        assert load_demo(other, seed=1, today=TODAY) == summary
        assert figures(other, LAST_MONTH) == feb
        half = Period(TODAY - dt.timedelta(days=182), TODAY)
        assert figures(other, half) == figures(engine, half)
    finally:
        other.dispose()

    with pytest.raises(Refused, match="already has people"):
        load_demo(engine, seed=1, today=TODAY)
    assert count(engine, Household) == 63


def test_demo_refuses_a_database_with_people(engine: Engine) -> None:
    run_in_transaction(engine, lambda s: register_household(
        s, members=[NewPerson("Sam", "Wilson", 1988)], actor="t"))
    with pytest.raises(Refused, match="already has people"):
        load_demo(engine, seed=2, today=TODAY)
    assert count(engine, Person) == 1
    assert count(engine, Site) == 0
