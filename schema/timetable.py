"""Sites, services, the weekly timetable and the sessions it generates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from schema import audit
from schema.clock import LONDON, local_date, now_utc
from schema.errors import NotFound, Refused
from schema.tables import Closure, Service, SessionKind, Site, TimetableSlot
from schema.tables import Session as SessionRow
from schema.text import clean_text

GENERAL = "General drop-in"
DAY_START = dt.time(0, 0)
DAY_END = dt.time(23, 59)
# A session is offered from a little before it starts until a little after it ends.
EARLY = dt.timedelta(minutes=30)
LATE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SessionOn:
    session_id: int
    service_id: int
    service: str
    sensitive: bool
    start: dt.time
    end: dt.time
    kind: str


def slugify(name: str) -> str:
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in name)
    return "-".join(p for p in out.split("-") if p)[:60].strip("-") or "site"


def _by_name(rows: list[Any], name: str) -> Any:
    """The row whose name is ``name`` ignoring case — compared in Python, because SQL's
    lower() folds only ASCII letters ("ÉCOLE" and "École" would be two services)."""
    key = name.casefold()
    return next((r for r in rows if r.name == name), None) or next(
        (r for r in rows if r.name.casefold() == key), None)


def get_or_create_site(s: Session, name: str, slug: str | None = None) -> Site:
    """The site with this slug (when given) or this name; made if there is none, with a
    slug of its own (a name with no letters gets "site-2", "site-3"…)."""
    name = clean_text(name, field="site", max_len=200, required=True)
    site = s.exec(select(Site).where(Site.slug == slug)).first() if slug else None
    site = site or _by_name(list(s.exec(select(Site).order_by(col(Site.id)))), name)
    if site is None:
        base = slug or slugify(name)
        taken = set(s.exec(select(Site.slug)).all())
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base[:55]}-{n}"
        site = Site(slug=slug, name=name, created_at=now_utc())
        s.add(site)
        s.flush()
    return site


def get_or_create_service(s: Session, name: str, sensitive: bool = False) -> Service:
    name = clean_text(name, field="service", max_len=200, required=True)
    service = _by_name(list(s.exec(select(Service).order_by(col(Service.id)))), name)
    if service is None:
        service = Service(name=name, sensitive=sensitive)
        s.add(service)
        s.flush()
    return service


def site_by_slug(s: Session, slug: str) -> Site:
    site = s.exec(select(Site).where(Site.slug == slug)).first()
    if site is None:
        raise NotFound(f"there is no site called '{slug}'")
    return site


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
        raise Refused("weekday must be 0 (Monday) to 6 (Sunday)")
    if end <= start:
        raise Refused("a session must end after it starts")
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
) -> SessionRow:
    if end <= start:
        raise Refused("a session must end after it starts")
    row = SessionRow(site_id=site_id, service_id=service_id, on_date=on, start_time=start,
                     end_time=end, kind=SessionKind.one_off.value)
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="session.one_off", entity="session", entity_id=row.id)
    return row


def ensure_session(
    s: Session, *, site_id: int, service_id: int, on: dt.date, start: dt.time, end: dt.time,
    kind: str,
) -> SessionRow:
    """The session for this slot on this day, created the first time it is needed."""
    found = s.exec(
        select(SessionRow)
        .where(SessionRow.site_id == site_id)
        .where(SessionRow.service_id == service_id)
        .where(SessionRow.on_date == on)
        .where(SessionRow.start_time == start)
    ).first()
    if found:
        return found
    row = SessionRow(site_id=site_id, service_id=service_id, on_date=on, start_time=start,
                     end_time=end, kind=kind)
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:  # another kiosk made it a moment ago
        return ensure_session(s, site_id=site_id, service_id=service_id, on=on, start=start,
                              end=end, kind=kind)
    return row


def sessions_on_now(s: Session, *, site_id: int, at: dt.datetime | None = None) -> list[SessionOn]:
    """What is on at ``site_id`` now (or at ``at``): timetabled and one-off sessions whose
    time window covers the moment; "General drop-in" when nothing is."""
    at = at or now_utc()
    today = local_date(at)
    wall = at.astimezone(LONDON).replace(tzinfo=None)
    closed = s.exec(
        select(Closure).where(Closure.site_id == site_id).where(Closure.on_date == today)
    ).first()
    found: list[tuple[SessionRow, Service]] = []
    if not closed:
        slots = s.exec(
            select(TimetableSlot)
            .where(TimetableSlot.site_id == site_id)
            .where(TimetableSlot.weekday == today.weekday())
            .where(or_(col(TimetableSlot.valid_from).is_(None),
                       col(TimetableSlot.valid_from) <= today))
            .where(or_(col(TimetableSlot.valid_to).is_(None), col(TimetableSlot.valid_to) >= today))
        ).all()
        for slot in slots:
            if _covers(today, slot.start_time, slot.end_time, wall):
                row = ensure_session(s, site_id=site_id, service_id=slot.service_id, on=today,
                                     start=slot.start_time, end=slot.end_time,
                                     kind=SessionKind.timetabled.value)
                found.append((row, s.get(Service, slot.service_id)))  # type: ignore[arg-type]
    for row in s.exec(
        select(SessionRow)
        .where(SessionRow.site_id == site_id)
        .where(SessionRow.on_date == today)
        .where(SessionRow.kind == SessionKind.one_off.value)
        .where(col(SessionRow.cancelled).is_(False))
    ):
        if _covers(today, row.start_time, row.end_time, wall):
            found.append((row, s.get(Service, row.service_id)))  # type: ignore[arg-type]
    if not found:
        general = get_or_create_service(s, GENERAL)
        row = ensure_session(s, site_id=site_id, service_id=general.id,  # type: ignore[arg-type]
                             on=today, start=DAY_START, end=DAY_END,
                             kind=SessionKind.general.value)
        found.append((row, general))
    found.sort(key=lambda pair: (pair[0].start_time, pair[1].name))
    return [
        SessionOn(session_id=row.id, service_id=svc.id, service=svc.name,  # type: ignore[arg-type]
                  sensitive=svc.sensitive, start=row.start_time, end=row.end_time, kind=row.kind)
        for row, svc in found
    ]


def _covers(on: dt.date, start: dt.time, end: dt.time, wall: dt.datetime) -> bool:
    begin = dt.datetime.combine(on, start) - EARLY
    finish = dt.datetime.combine(on, end) + LATE
    return begin <= wall <= finish


def add_closure(s: Session, *, site_id: int, on: dt.date, reason: str, actor: str) -> Closure:
    row = Closure(site_id=site_id, on_date=on,
                  reason=clean_text(reason, field="reason", max_len=200))
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="closure.add", entity="closure", entity_id=row.id)
    return row
