"""Sites, services, the weekly timetable and the sessions it generates."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from schema import audit
from schema.errors import Refused
from schema.on_now import (
    DAY_END,
    DAY_START,
    EARLY,
    GENERAL,
    LATE,
    ServiceRow,
    SessionOn,
    SessionRow,
    SiteRow,
    _covers,
    ensure_session,
    get_or_create_service,
    get_or_create_site,
    sessions_on_now,
    site_by_slug,
    slugify,
)
from schema.tables import Closure, SessionKind, TimetableSlot
from schema.tables import Session as SessionTable
from schema.text import clean_text

__all__ = ["DAY_END", "DAY_START", "EARLY", "GENERAL", "LATE", "ServiceRow", "SessionOn",
           "SessionRow", "SiteRow", "_covers", "add_closure", "add_one_off", "add_slot",
           "ensure_session", "get_or_create_service", "get_or_create_site", "sessions_on_now",
           "site_by_slug", "slugify"]


def add_slot(
    s: Session,
    *,
    site_id: int,
    service_id: int,
    weekday: int,
    start: dt.time,
    end: dt.time,
    actor: str,
    valid_from: dt.date | None = None,
) -> TimetableSlot:
    if not 0 <= weekday <= 6:
        raise Refused("weekday must be 0 (Monday) to 6 (Sunday)", code="timetable.weekday")
    if end <= start:
        raise Refused("a session must end after it starts", code="session.times")
    slot = TimetableSlot(site_id=site_id, service_id=service_id, weekday=weekday,
                         start_time=start, end_time=end, valid_from=valid_from)
    s.add(slot)
    s.flush()
    audit.record(s, actor=actor, action="timetable.add", entity="timetable_slot",
                 entity_id=slot.id)
    return slot


def add_one_off(
    s: Session, *, site_id: int, service_id: int, on: dt.date, start: dt.time, end: dt.time,
    actor: str,
) -> SessionTable:
    if end <= start:
        raise Refused("a session must end after it starts", code="session.times")
    row = SessionTable(site_id=site_id, service_id=service_id, on_date=on, start_time=start,
                     end_time=end, kind=SessionKind.one_off.value)
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="session.one_off", entity="session", entity_id=row.id)
    return row


def add_closure(s: Session, *, site_id: int, on: dt.date, reason: str, actor: str) -> Closure:
    row = Closure(site_id=site_id, on_date=on,
                  reason=clean_text(reason, field="reason", max_len=200,
                                    code="session.reason"))
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="closure.add", entity="closure", entity_id=row.id)
    return row
