"""What is on now: sites, services and today's sessions, on plain DB-API.

The kiosk asks :func:`sessions_on_now` every few minutes; the admin window, the
importer and the tests reach the same functions through :mod:`schema.timetable` with a
SQLModel session. Rows come back as small frozen dataclasses, not ORM objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from schema.clock import LONDON, local_date, now_utc
from schema.errors import NotFound
from schema.kinds import SessionKind
from schema.sql import Db
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


@dataclass(frozen=True)
class SiteRow:
    id: int
    slug: str
    name: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ServiceRow:
    id: int
    name: str
    sensitive: bool
    active: bool


@dataclass(frozen=True)
class SessionRow:
    """One row of the ``session`` table."""

    id: int
    site_id: int
    service_id: int
    on_date: dt.date
    start_time: dt.time
    end_time: dt.time
    kind: str
    cancelled: bool


_SITE = "SELECT id, slug, name, created_at FROM site"
_SERVICE = "SELECT id, name, sensitive, active FROM service"
_SESSION = ("SELECT id, site_id, service_id, on_date, start_time, end_time, kind, cancelled "
            "FROM session")


def _site(row: tuple[Any, ...]) -> SiteRow:
    return SiteRow(id=row[0], slug=row[1], name=row[2],
                   created_at=Db.moment(row[3]))  # type: ignore[arg-type]


def _service(row: tuple[Any, ...]) -> ServiceRow:
    return ServiceRow(id=row[0], name=row[1], sensitive=Db.flag(row[2]),
                      active=Db.flag(row[3]))


def _session(row: tuple[Any, ...]) -> SessionRow:
    return SessionRow(id=row[0], site_id=row[1], service_id=row[2],
                      on_date=Db.day(row[3]),  # type: ignore[arg-type]
                      start_time=Db.clock(row[4]), end_time=Db.clock(row[5]),  # type: ignore[arg-type]
                      kind=row[6], cancelled=Db.flag(row[7]))


def session_by_id(s: Any, session_id: int) -> SessionRow | None:
    """One row of the ``session`` table, or None."""
    found = Db.of(s).row(_SESSION + " WHERE id = :id", {"id": session_id})
    return None if found is None else _session(found)


def slugify(name: str) -> str:
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in name)
    return "-".join(p for p in out.split("-") if p)[:60].strip("-") or "site"


def _by_name(rows: list[Any], name: str) -> Any:
    """The row whose name is ``name`` ignoring case — compared in Python, because SQL's
    lower() folds only ASCII letters ("ÉCOLE" and "École" would be two services)."""
    key = name.casefold()
    return next((r for r in rows if r.name == name), None) or next(
        (r for r in rows if r.name.casefold() == key), None)


def get_or_create_site(s: Any, name: str, slug: str | None = None) -> SiteRow:
    """The site with this slug (when given) or this name; made if there is none, with a
    slug of its own (a name with no letters gets "site-2", "site-3"…)."""
    db = Db.of(s)
    name = clean_text(name, field="site", max_len=200, required=True, code="site.name")
    found = db.row(_SITE + " WHERE slug = :slug", {"slug": slug}) if slug else None
    if found is not None:
        return _site(found)
    site = _by_name([_site(r) for r in db.rows(_SITE + " ORDER BY id")], name)
    if site is not None:
        return site
    base = slug or slugify(name)
    taken = {r[0] for r in db.rows("SELECT slug FROM site")}
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:55]}-{n}"
    # Two kiosks starting at once may both make the first site: the second finds the
    # first's row by its slug.
    db.run("INSERT INTO site (slug, name, created_at) VALUES (:slug, :name, :at) "
           "ON CONFLICT (slug) DO NOTHING", {"slug": slug, "name": name, "at": now_utc()})
    return _site(db.row(_SITE + " WHERE slug = :slug", {"slug": slug}))  # type: ignore[arg-type]


def get_or_create_service(s: Any, name: str, sensitive: bool = False) -> ServiceRow:
    db = Db.of(s)
    name = clean_text(name, field="service", max_len=200, required=True, code="service.name")
    service = _by_name([_service(r) for r in db.rows(_SERVICE + " ORDER BY id")], name)
    if service is not None:
        return service
    db.run("INSERT INTO service (name, sensitive, active) VALUES (:name, :sensitive, :active) "
           "ON CONFLICT (name) DO NOTHING", {"name": name, "sensitive": sensitive, "active": True})
    return _service(db.row(_SERVICE + " WHERE name = :name", {"name": name}))  # type: ignore[arg-type]


def site_by_slug(s: Any, slug: str) -> SiteRow:
    found = Db.of(s).row(_SITE + " WHERE slug = :slug", {"slug": slug})
    if found is None:
        raise NotFound(f"there is no site called '{slug}'", code="site.not_found", slug=slug)
    return _site(found)


def ensure_session(
    s: Any, *, site_id: int, service_id: int, on: dt.date, start: dt.time, end: dt.time,
    kind: str,
) -> SessionRow:
    """The session for this slot on this day, created the first time it is needed."""
    db = Db.of(s)
    key = {"site": site_id, "service": service_id, "on": on, "start": start}
    where = (" WHERE site_id = :site AND service_id = :service AND on_date = :on"
             " AND start_time = :start")
    found = db.row(_SESSION + where, key)
    if found is None:
        # Another kiosk may make it a moment ago: its row (uq_session_slot) then stands
        # and is read back, without failing this transaction.
        db.run("INSERT INTO session (site_id, service_id, on_date, start_time, end_time, kind,"
               " cancelled) VALUES (:site, :service, :on, :start, :end, :kind, :cancelled)"
               " ON CONFLICT (site_id, service_id, on_date, start_time) DO NOTHING",
               {**key, "end": end, "kind": kind, "cancelled": False})
        found = db.row(_SESSION + where, key)
    return _session(found)  # type: ignore[arg-type]


def sessions_on_now(s: Any, *, site_id: int, at: dt.datetime | None = None) -> list[SessionOn]:
    """What is on at ``site_id`` now (or at ``at``): timetabled and one-off sessions whose
    time window covers the moment; "General drop-in" when nothing is."""
    db = Db.of(s)
    at = at or now_utc()
    today = local_date(at)
    wall = at.astimezone(LONDON).replace(tzinfo=None)
    closed = db.value("SELECT 1 FROM closure WHERE site_id = :site AND on_date = :on",
                      {"site": site_id, "on": today})
    found: list[tuple[SessionRow, ServiceRow]] = []
    services: dict[int, ServiceRow] = {}

    def service(service_id: int) -> ServiceRow:
        if service_id not in services:
            services[service_id] = _service(db.row(  # type: ignore[arg-type]
                _SERVICE + " WHERE id = :id", {"id": service_id}))
        return services[service_id]

    if not closed:
        slots = db.rows(
            "SELECT service_id, start_time, end_time FROM timetable_slot"
            " WHERE site_id = :site AND weekday = :weekday"
            " AND (valid_from IS NULL OR valid_from <= :on)"
            " AND (valid_to IS NULL OR valid_to >= :on) ORDER BY id",
            {"site": site_id, "weekday": today.weekday(), "on": today})
        for service_id, start_raw, end_raw in slots:
            start, end = Db.clock(start_raw), Db.clock(end_raw)
            if _covers(today, start, end, wall):  # type: ignore[arg-type]
                row = ensure_session(db, site_id=site_id, service_id=service_id, on=today,
                                     start=start, end=end,  # type: ignore[arg-type]
                                     kind=SessionKind.timetabled.value)
                if not row.cancelled:  # (called off for today: not on, not offered)
                    found.append((row, service(service_id)))
    for raw in db.rows(
        _SESSION + " WHERE site_id = :site AND on_date = :on AND kind = :kind"
        " AND cancelled = :no ORDER BY id",
        {"site": site_id, "on": today, "kind": SessionKind.one_off.value, "no": False},
    ):
        row = _session(raw)
        if _covers(today, row.start_time, row.end_time, wall):
            found.append((row, service(row.service_id)))
    if not found:
        general = get_or_create_service(db, GENERAL)
        row = ensure_session(db, site_id=site_id, service_id=general.id, on=today,
                             start=DAY_START, end=DAY_END, kind=SessionKind.general.value)
        found.append((row, general))
    found.sort(key=lambda pair: (pair[0].start_time, pair[1].name))
    return [
        SessionOn(session_id=row.id, service_id=svc.id, service=svc.name,
                  sensitive=svc.sensitive, start=row.start_time, end=row.end_time, kind=row.kind)
        for row, svc in found
    ]


def _covers(on: dt.date, start: dt.time, end: dt.time, wall: dt.datetime) -> bool:
    begin = dt.datetime.combine(on, start) - EARLY
    finish = dt.datetime.combine(on, end) + LATE
    return begin <= wall <= finish
