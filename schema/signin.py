"""Signing in and out: by card, by person, anonymously; and who is in the room now.

The card scan, sign-in and sign-out run SQLAlchemy Core statements on the session's own
connection (same transaction): no ORM objects, no flush, a handful of statements. A
kiosk scan is on the visitor's clock, and the ORM's bookkeeping cost several times
what SQLite itself spends. Anything the caller still has pending in the session is
flushed first, and attendance rows held in the session's identity map are expired when
these statements change them, so ORM callers see what was written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from schema import audit
from schema.cards import looks_like_token
from schema.clock import local_date, now_utc
from schema.counting import note_attendance
from schema.errors import NotFound, Refused
from schema.people import display_label, household_members
from schema.tables import Attendance, AuditEvent, Card, Person, Service
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


# --- the Core statements (built once; SQLAlchemy caches their compiled form) ------------

_ATT = Attendance.__table__  # type: ignore[attr-defined]
_CARD = Card.__table__  # type: ignore[attr-defined]
_PERSON = Person.__table__  # type: ignore[attr-defined]
_SESSION = SessionRow.__table__  # type: ignore[attr-defined]
_AUDIT = AuditEvent.__table__  # type: ignore[attr-defined]

_CARD_LOOKUP = (
    select(_CARD.c.person_id, _CARD.c.household_id, _PERSON.c.first_name,
           _PERSON.c.household_id.label("person_household_id"), _PERSON.c.merged_into_id,
           _PERSON.c.anonymised_at)
    .select_from(_CARD.outerjoin(_PERSON, _PERSON.c.id == _CARD.c.person_id))
    .where(_CARD.c.token == bindparam("token"), _CARD.c.revoked_at.is_(None))
    .limit(1)
)
_SESSION_ROW = select(_SESSION.c.site_id, _SESSION.c.service_id, _SESSION.c.on_date,
                      _SESSION.c.cancelled).where(_SESSION.c.id == bindparam("session_id"))
_PEOPLE = select(_PERSON.c.id, _PERSON.c.household_id, _PERSON.c.merged_into_id,
                 _PERSON.c.anonymised_at).where(_PERSON.c.id.in_(bindparam("ids",
                                                                          expanding=True)))
# Everyone's attendances today at the site, open or not: answers both "already in?" and
# "signed out of this session earlier, back again?" in one read.
_TODAY_AT_SITE = select(_ATT.c.id, _ATT.c.person_id, _ATT.c.session_id, _ATT.c.signed_in_at,
                        _ATT.c.signed_out_at).where(
    _ATT.c.person_id.in_(bindparam("ids", expanding=True)),
    _ATT.c.site_id == bindparam("site_id"),
    _ATT.c.local_date == bindparam("on"),
)
_IN_SESSION = select(_ATT.c.id, _ATT.c.person_id, _ATT.c.session_id, _ATT.c.signed_in_at,
                     _ATT.c.signed_out_at).where(
    _ATT.c.person_id.in_(bindparam("ids", expanding=True)),
    _ATT.c.session_id == bindparam("session_id"),
)
_INSERT_ATTENDANCE = insert(_ATT)
_SET_SIGNED_OUT = (
    update(_ATT).where(_ATT.c.id.in_(bindparam("ids", expanding=True)))
    .values(signed_out_at=bindparam("out_at", type_=_ATT.c.signed_out_at.type))
)
_INSERT_AUDIT = insert(_AUDIT)


@dataclass(frozen=True)
class _Row:
    """One attendance as the sign-in path reads it."""

    id: int
    person_id: int | None
    session_id: int
    signed_in_at: dt.datetime
    signed_out_at: dt.datetime | None


def _conn(s: Session) -> Connection:
    """The session's connection, after writing out anything the caller left pending."""
    s.flush()
    return s.connection()


def _rows(conn: Connection, stmt: Any, params: dict[str, Any]) -> list[_Row]:
    return [_Row(*r) for r in conn.execute(stmt, params)]


def _expire(s: Session, attendance_ids: Sequence[int]) -> None:
    """Attendance objects the caller holds for these rows read the new values next time."""
    if not s.identity_map:
        return
    for att_id in attendance_ids:
        obj = s.identity_map.get(identity_key(Attendance, att_id))
        if obj is not None:
            s.expire(obj, ["signed_out_at"])


def _audit(conn: Connection, *, actor: str, action: str, entity: str, entity_id: int | None,
           staff_id: int | None = None, **detail: Any) -> None:
    """An audit event, as :func:`schema.audit.record` writes it, in one INSERT."""
    conn.execute(_INSERT_AUDIT, {
        "at": now_utc(), "staff_id": staff_id, "actor": actor[:100], "action": action,
        "entity": entity, "entity_id": entity_id,
        "detail": json.dumps(detail, default=str, sort_keys=True) if detail else "",
    })


def _session_row(conn: Connection, session_id: int) -> Any:
    row = conn.execute(_SESSION_ROW, {"session_id": session_id}).first()
    if row is None or row.cancelled:
        raise NotFound("that session is not on")
    return row


def _sign_in(
    s: Session,
    conn: Connection,
    *,
    person_ids: list[int],
    session_id: int,
    row: Any,
    method: str,
    actor: str,
    staff_id: int | None,
    at: dt.datetime,
    households: dict[int, int] | None = None,
    today: list[_Row] | None = None,
    site_id: int | None = None,
) -> list[int]:
    """:func:`sign_in` once the session row is read. ``households`` (person -> household)
    when the people are already known to be live; ``today`` when their attendances today
    at ``site_id`` have been read (they include any in this session if it is today's)."""
    wanted = list(dict.fromkeys(person_ids))
    if households is None:
        households = {}
        for pid, household, merged, anonymised in conn.execute(_PEOPLE, {"ids": wanted}):
            if merged is None and not anonymised:
                households[pid] = household
        if any(pid not in households for pid in wanted):
            raise NotFound("that person is not on record")
    if today is not None and row.on_date == local_date(at) and row.site_id == site_id:
        existing = [r for r in today if r.session_id == session_id]
    else:
        existing = _rows(conn, _IN_SESSION, {"ids": wanted, "session_id": session_id})
    by_person = {r.person_id: r for r in existing}
    added: list[int] = []
    reopen: list[int] = []
    for person_id in wanted:
        found = by_person.get(person_id)
        if found is not None:
            # Back in after signing out, the same day: the same attendance, open again.
            if found.signed_out_at is not None and row.on_date == local_date(at):
                reopen.append(found.id)
                added.append(person_id)
            continue
        att = SimpleNamespace(
            session_id=session_id, person_id=person_id, household_id=households[person_id],
            site_id=row.site_id, service_id=row.service_id, local_date=row.on_date,
            signed_in_at=at, signed_out_at=None, headcount=1, method=method,
            staff_id=staff_id, withdrawn_at=None)
        conn.execute(_INSERT_ATTENDANCE, vars(att))
        note_attendance(s, att)  # type: ignore[arg-type]
        added.append(person_id)
    if reopen:
        conn.execute(_SET_SIGNED_OUT, {"ids": reopen, "out_at": None})
        _expire(s, reopen)
    if added:
        _audit(conn, actor=actor, staff_id=staff_id, action="attendance.sign_in",
               entity="session", entity_id=session_id, people=added, method=method)
    return added


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
    conn = _conn(s)
    row = _session_row(conn, session_id)
    return _sign_in(s, conn, person_ids=person_ids, session_id=session_id, row=row,
                    method=method, actor=actor, staff_id=staff_id, at=at)


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
    row = s.get(SessionRow, session_id)
    if row is None or row.cancelled:
        raise NotFound("that session is not on")
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
    """The attendances (ORM objects) of these people today at this site, not signed out."""
    return list(
        s.exec(
            orm_select(Attendance)
            .where(col(Attendance.person_id).in_(person_ids))
            .where(Attendance.site_id == site_id)
            .where(Attendance.local_date == local_date(at))
            .where(col(Attendance.signed_out_at).is_(None))
        ).all()
    )


def _sign_out_rows(s: Session, conn: Connection, rows: list[_Row], *, site_id: int,
                   actor: str, staff_id: int | None, at: dt.datetime) -> list[int]:
    if rows:
        ids = [r.id for r in rows]
        conn.execute(_SET_SIGNED_OUT, {"ids": ids, "out_at": at})
        _expire(s, ids)
    out = sorted({r.person_id for r in rows if r.person_id is not None})
    if out:
        _audit(conn, actor=actor, staff_id=staff_id, action="attendance.sign_out",
               entity="site", entity_id=site_id, people=out)
    return out


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
    conn = _conn(s)
    today = _rows(conn, _TODAY_AT_SITE, {"ids": list(person_ids), "site_id": site_id,
                                         "on": local_date(at)})
    return _sign_out_rows(s, conn, [r for r in today if r.signed_out_at is None],
                          site_id=site_id, actor=actor, staff_id=staff_id, at=at)


def scan(
    s: Session,
    *,
    token: str,
    site_id: int,
    actor: str,
    session_id: int | None = None,
    at: dt.datetime | None = None,
    on_now: list[SessionOn] | None = None,
) -> SignInResult:
    """What happens when a card is shown to the kiosk.

    First scan of the day signs in (into the one session on, or the chosen one);
    a repeat within a few minutes changes nothing; a scan later the same day
    signs out. A household card does this for the whole household.

    ``on_now``: what :func:`schema.timetable.sessions_on_now` said a moment ago (the
    kiosk keeps it for a minute). It is only a shortcut: a session in it that is no
    longer on (cancelled since, or yesterday's) is looked up afresh.
    """
    at = at or now_utc()
    if not looks_like_token(token):
        raise NotFound("this card is not recognised — please ask a member of staff")
    conn = _conn(s)
    card = conn.execute(_CARD_LOOKUP, {"token": token}).first()
    if card is None:
        raise NotFound("this card is not recognised — please ask a member of staff")
    households: dict[int, int] | None = None
    if card.person_id is not None:
        ids = [card.person_id]
        first_name, person_id, household_id = (card.first_name, card.person_id,
                                               card.person_household_id)
    else:
        people = household_members(s, card.household_id)
        if not people:
            raise NotFound("nobody is on record for this card")
        ids = [p.id for p in people if p.id is not None]
        first_name, person_id, household_id = (people[0].first_name, people[0].id,
                                               people[0].household_id)
        households = {p.id: p.household_id for p in people}  # type: ignore[misc]
    result = SignInResult(outcome="in", first_name=first_name, person_id=person_id,
                          household_id=household_id)
    today_on = local_date(at)
    today = _rows(conn, _TODAY_AT_SITE, {"ids": ids, "site_id": site_id, "on": today_on})
    open_rows = [r for r in today if r.signed_out_at is None]
    if open_rows:
        latest = max(_aware(r.signed_in_at) for r in open_rows)
        if at - latest < RESCAN_GRACE:
            result.outcome = "already"
            result.signed_in = sorted({r.person_id for r in open_rows if r.person_id})
            return result
        result.outcome = "out"
        result.signed_out = _sign_out_rows(s, conn, open_rows, site_id=site_id, actor=actor,
                                           staff_id=None, at=at)
        return result
    row = None
    if session_id is None:
        on: list[SessionOn] | None
        if on_now is not None:
            on = on_now
            if len(on) == 1:
                row = conn.execute(_SESSION_ROW, {"session_id": on[0].session_id}).first()
                if row is None or row.cancelled or row.on_date != today_on:
                    on, row = None, None  # stale: ask the timetable again
        else:
            on = None
        if on is None:
            on = sessions_on_now(s, site_id=site_id, at=at)
        if len(on) > 1:
            result.outcome = "choose"
            result.sessions = on
            return result
        session_id = on[0].session_id
    if row is None:
        row = _session_row(conn, session_id)
    if households is None:
        # A person's card: the person must still be on record to be signed in.
        if card.merged_into_id is not None or card.anonymised_at:
            raise NotFound("that person is not on record")
        households = {card.person_id: card.person_household_id}
    result.signed_in = _sign_in(s, conn, person_ids=ids, session_id=session_id, row=row,
                                method="card", actor=actor, staff_id=None, at=at,
                                households=households, today=today, site_id=site_id) or ids
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
        orm_select(Attendance, Person, Service)
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
