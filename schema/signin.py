"""Signing in and out: by card, by person, anonymously; and who is in the room now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col, select

from schema import audit
from schema.cards import live_card
from schema.clock import local_date, now_utc
from schema.counting import note_attendance
from schema.errors import NotFound, Refused
from schema.people import display_label, household_members
from schema.tables import Attendance, Household, Person, Service
from schema.tables import Session as SessionRow
from schema.timetable import SessionOn, sessions_on_now

# A second scan within this time is the same sign-in (a double beep), not a sign-out.
RESCAN_GRACE = dt.timedelta(minutes=3)
MAX_HEADCOUNT = 30


@dataclass
class SignInResult:
    """What the kiosk needs to say "Welcome, Sam — you and 2 others are signed in"."""

    outcome: str  # "in", "out", "already", "choose"
    first_name: str = ""
    person_id: int | None = None
    household_id: int | None = None
    signed_in: list[int] = field(default_factory=list)  # person ids newly in
    signed_out: list[int] = field(default_factory=list)
    sessions: list[SessionOn] = field(default_factory=list)  # when outcome == "choose"
    has_card: bool = True

    @property
    def others(self) -> int:
        people = self.signed_in or self.signed_out
        return max(0, len(people) - 1)


def _session_row(s: Session, session_id: int) -> SessionRow:
    row = s.get(SessionRow, session_id)
    if row is None or row.cancelled:
        raise NotFound("that session is not on")
    return row


def sign_in(
    s: Session,
    *,
    person_ids: list[int],
    session_id: int,
    method: str,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
) -> list[int]:
    """Sign people into a session. Someone already in it is left as they are
    (no second attendance); someone who had signed out is signed back in.
    Returns the people who were not in before."""
    at = at or now_utc()
    row = _session_row(s, session_id)
    added: list[int] = []
    for person_id in dict.fromkeys(person_ids):
        person = s.get(Person, person_id)
        if person is None or person.merged_into_id is not None or person.anonymised_at:
            raise NotFound("that person is not on record")
        existing = s.exec(
            select(Attendance)
            .where(Attendance.person_id == person_id)
            .where(Attendance.session_id == session_id)
        ).first()
        if existing is not None:
            # Back in after signing out, the same day: the same attendance, open again.
            if existing.signed_out_at is not None and row.on_date == local_date(at):
                existing.signed_out_at = None
                s.add(existing)
                added.append(person_id)
            continue
        att = Attendance(
            session_id=session_id,
            person_id=person_id,
            household_id=person.household_id,
            site_id=row.site_id,
            service_id=row.service_id,
            local_date=row.on_date,
            signed_in_at=at,
            method=method,
            staff_id=staff_id,
        )
        s.add(att)
        s.flush()
        note_attendance(s, att)
        added.append(person_id)
    if added:
        audit.record(s, actor=actor, staff_id=staff_id, action="attendance.sign_in",
                     entity="session", entity_id=session_id, people=added, method=method)
    return added


def sign_in_anonymous(
    s: Session,
    *,
    session_id: int,
    headcount: int = 1,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
) -> Attendance:
    """A head-count for people who would rather not give their details."""
    if not 1 <= headcount <= MAX_HEADCOUNT:
        raise Refused(f"the head-count must be between 1 and {MAX_HEADCOUNT}")
    row = _session_row(s, session_id)
    att = Attendance(
        session_id=session_id,
        site_id=row.site_id,
        service_id=row.service_id,
        local_date=row.on_date,
        signed_in_at=at or now_utc(),
        headcount=headcount,
        method="anonymous",
        staff_id=staff_id,
    )
    s.add(att)
    s.flush()
    audit.record(s, actor=actor, staff_id=staff_id, action="attendance.anonymous",
                 entity="session", entity_id=session_id, headcount=headcount)
    return att


def open_attendances(
    s: Session, *, person_ids: list[int], site_id: int, at: dt.datetime
) -> list[Attendance]:
    return list(
        s.exec(
            select(Attendance)
            .where(col(Attendance.person_id).in_(person_ids))
            .where(Attendance.site_id == site_id)
            .where(Attendance.local_date == local_date(at))
            .where(col(Attendance.signed_out_at).is_(None))
        ).all()
    )


def sign_out(
    s: Session,
    *,
    person_ids: list[int],
    site_id: int,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
) -> list[int]:
    """Sign people out of everything they are in today at this site."""
    at = at or now_utc()
    rows = open_attendances(s, person_ids=person_ids, site_id=site_id, at=at)
    for att in rows:
        att.signed_out_at = at
        s.add(att)
    out = sorted({a.person_id for a in rows if a.person_id is not None})
    if out:
        audit.record(s, actor=actor, staff_id=staff_id, action="attendance.sign_out",
                     entity="site", entity_id=site_id, people=out)
    return out


def scan(
    s: Session,
    *,
    token: str,
    site_id: int,
    actor: str,
    session_id: int | None = None,
    at: dt.datetime | None = None,
) -> SignInResult:
    """What happens when a card is shown to the kiosk.

    First scan of the day signs in (into the one session on, or the chosen one);
    a repeat within a few minutes changes nothing; a scan later the same day
    signs out. A household card does this for the whole household.
    """
    at = at or now_utc()
    card = live_card(s, token)
    if card is None:
        raise NotFound("this card is not recognised — please ask a member of staff")
    if card.person_id is not None:
        person = s.get(Person, card.person_id)
        assert person is not None
        people = [person]
    else:
        household = s.get(Household, card.household_id)
        assert household is not None
        people = household_members(s, household.id)  # type: ignore[arg-type]
        if not people:
            raise NotFound("nobody is on record for this card")
        person = people[0]
    ids = [p.id for p in people if p.id is not None]
    result = SignInResult(outcome="in", first_name=person.first_name, person_id=person.id,
                          household_id=person.household_id)
    open_rows = open_attendances(s, person_ids=ids, site_id=site_id, at=at)
    if open_rows:
        latest = max(_aware(a.signed_in_at) for a in open_rows)
        if at - latest < RESCAN_GRACE:
            result.outcome = "already"
            result.signed_in = sorted({a.person_id for a in open_rows if a.person_id})
            return result
        result.outcome = "out"
        result.signed_out = sign_out(s, person_ids=ids, site_id=site_id, actor=actor, at=at)
        return result
    if session_id is None:
        on = sessions_on_now(s, site_id=site_id, at=at)
        if len(on) > 1:
            result.outcome = "choose"
            result.sessions = on
            return result
        session_id = on[0].session_id
    result.signed_in = sign_in(s, person_ids=ids, session_id=session_id, method="card",
                               actor=actor, at=at) or ids
    return result


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class InRoom:
    attendance_id: int
    person_id: int | None
    label: str
    service: str
    signed_in_at: dt.datetime
    headcount: int


def who_is_here(s: Session, *, site_id: int, at: dt.datetime | None = None) -> list[InRoom]:
    """The fire register: everyone signed in today at this site and not yet out."""
    at = at or now_utc()
    rows = s.exec(
        select(Attendance, Person, Service)
        .join(Person, col(Attendance.person_id) == col(Person.id), isouter=True)
        .join(Service, col(Attendance.service_id) == col(Service.id))
        .where(Attendance.site_id == site_id)
        .where(Attendance.local_date == local_date(at))
        .where(col(Attendance.signed_out_at).is_(None))
        .order_by(col(Attendance.signed_in_at))
    ).all()
    seen: set[int] = set()
    out: list[InRoom] = []
    for att, person, service in rows:
        if person is not None:
            if person.id in seen:
                continue
            seen.add(person.id)  # type: ignore[arg-type]
            label = f"{person.first_name} {person.last_name}".strip()
        else:
            label = "Visitor (not named)" if att.headcount == 1 else f"{att.headcount} visitors"
        out.append(InRoom(att.id, att.person_id, label, service.name,  # type: ignore[arg-type]
                          _aware(att.signed_in_at), att.headcount))
    return out


def sign_out_anonymous(s: Session, *, attendance_id: int, actor: str,
                       staff_id: int | None = None) -> None:
    """Mark an anonymous head-count as gone (fire register)."""
    s.execute(
        update(Attendance)
        .where(col(Attendance.id) == attendance_id)
        .where(col(Attendance.person_id).is_(None))
        .values(signed_out_at=now_utc())
    )
    audit.record(s, actor=actor, staff_id=staff_id, action="attendance.sign_out",
                 entity="attendance", entity_id=attendance_id)


__all__ = ["InRoom", "SignInResult", "display_label", "scan", "sign_in", "sign_in_anonymous",
           "sign_out", "who_is_here"]
