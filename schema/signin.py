"""Signing in and out: by card, by person, anonymously; and who is in the room now.

Plain SQL on the operation's :class:`~schema.sql.Db` (the kiosk's own connection, or an
admin session's): a kiosk scan is on the visitor's clock, and a handful of statements
straight to the driver is what SQLite itself costs. A SQLModel session passed in is
flushed first and expired once these statements write, so ORM callers see what was
written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from schema.clock import LONDON, local_date, now_utc
from schema.errors import NotFound, Refused
from schema.journal import record
from schema.on_now import LATE, SessionOn, SessionRow, session_by_id, sessions_on_now
from schema.residents import ADULT_AGE, CHILD_BANDS, display_label, household_members
from schema.rollup import note_attendance
from schema.sql import Db
from schema.tokens import looks_like_token

# A second scan within this time is the same sign-in or sign-out (a double beep, a card
# held to the camera a moment too long), not the opposite.
RESCAN_GRACE = dt.timedelta(minutes=3)
MAX_HEADCOUNT = 30


@dataclass
class SignInResult:
    """What the kiosk needs to say "Welcome, Sam — you and 2 others are signed in"."""

    outcome: str  # "in", "out", "already" (in), "already_out", "choose"
    first_name: str = ""
    person_id: int | None = None
    household_id: int | None = None
    signed_in: list[int] = field(default_factory=list)  # person ids newly in
    signed_out: list[int] = field(default_factory=list)
    children_out: int = 0  # of signed_out: children who went with the parent leaving
    sessions: list[SessionOn] = field(default_factory=list)  # when outcome == "choose"
    has_card: bool = True
    session_id: int | None = None  # the session signed in to (outcome "in")

    @property
    def others(self) -> int:
        people = self.signed_in or self.signed_out
        return max(0, len(people) - 1)


# --- the statements -------------------------------------------------------------------

_CARD_LOOKUP = (
    "SELECT card.person_id, card.household_id, person.first_name, person.household_id, "
    "person.merged_into_id, person.anonymised_at "
    "FROM card LEFT OUTER JOIN person ON person.id = card.person_id "
    "WHERE card.token = :token AND card.revoked_at IS NULL LIMIT 1"
)
_PEOPLE = ("SELECT id, household_id, merged_into_id, anonymised_at FROM person "
           "WHERE id IN (:ids)")
_ATTENDANCE_COLUMNS = "id, person_id, session_id, signed_in_at, signed_out_at, changed_at"
# Everyone's attendances today at the site, open or not: answers both "already in?" and
# "signed out of this session earlier, back again?" in one read.
_TODAY_AT_SITE = ("SELECT a.id, a.person_id, a.session_id, a.signed_in_at, a.signed_out_at, "
                  "a.changed_at, s.end_time FROM attendance a "
                  "JOIN session s ON s.id = a.session_id WHERE a.person_id IN (:ids) "
                  "AND a.site_id = :site_id AND a.local_date = :on")
_IN_SESSION = (f"SELECT {_ATTENDANCE_COLUMNS} FROM attendance WHERE person_id IN (:ids) "
               "AND session_id = :session_id")
_SET_SIGNED_OUT = "UPDATE attendance SET signed_out_at = :out_at WHERE id IN (:ids)"
# The visitor's own sign-out, or a return the same day: changed_at says when (the grace of
# a second scan is measured from it; a sign-out by staff leaves it alone).
_VISITOR_SIGNED_OUT = ("UPDATE attendance SET signed_out_at = :out_at, changed_at = :out_at "
                       "WHERE id IN (:ids)")
_BACK_IN = "UPDATE attendance SET signed_out_at = NULL, changed_at = :at WHERE id IN (:ids)"
# Signed in at one room: out of any other room they were still in today (nobody is in two
# rooms; the other room's fire register must not list them). See _leave_other_sites.
_AT_OTHER_SITES = ("SELECT a.id, a.person_id, a.site_id, a.signed_in_at, a.signed_out_at, "
                   "a.changed_at, s.end_time FROM attendance a "
                   "JOIN session s ON s.id = a.session_id WHERE a.person_id IN (:ids) "
                   "AND a.local_date = :on AND a.site_id <> :site_id")
_WHO_IS_HERE = (
    "SELECT attendance.id, attendance.person_id, attendance.signed_in_at, "
    "attendance.headcount, person.first_name, person.last_name, service.name, "
    "session.end_time, service.sensitive "
    "FROM attendance LEFT OUTER JOIN person ON person.id = attendance.person_id "
    "JOIN service ON service.id = attendance.service_id "
    "JOIN session ON session.id = attendance.session_id "
    "WHERE attendance.site_id = :site_id AND attendance.local_date = :on "
    "AND attendance.signed_out_at IS NULL ORDER BY attendance.signed_in_at, attendance.id"
)


@dataclass(frozen=True)
class _Row:
    """One attendance as the sign-in path reads it."""

    id: int
    person_id: int | None
    session_id: int
    signed_in_at: dt.datetime
    signed_out_at: dt.datetime | None
    changed_at: dt.datetime | None  # the latest sign-in, return or own sign-out
    ends: dt.time | None = None  # its session's end (read with today's attendances)

    def last_in(self) -> dt.datetime:
        """When the person came in, or back in, most recently."""
        return max(self.signed_in_at, self.changed_at or self.signed_in_at)

    def left_by_themselves(self) -> bool:
        """Signed out by their own scan (not by staff from the fire register)."""
        return (self.signed_out_at is not None and self.changed_at is not None
                and self.changed_at >= self.signed_out_at)


@dataclass(frozen=True)
class _New:
    """A new named attendance, as :func:`schema.rollup.note_attendance` reads it."""

    person_id: int
    household_id: int
    site_id: int
    service_id: int
    local_date: dt.date


def _rows(db: Db, sql: str, params: dict[str, Any]) -> list[_Row]:
    return [_Row(r[0], r[1], r[2], Db.moment(r[3]),  # type: ignore[arg-type]
                 Db.moment(r[4]), Db.moment(r[5]), Db.clock(r[6]) if len(r) > 6 else None)
            for r in db.rows(sql, params)]


def session_over(on: dt.date, ends: dt.time | None, at: dt.datetime) -> bool:
    """Whether a session of day ``on`` ending at ``ends`` is over at ``at``, by more than
    the half hour it counts as on after its end (a general drop-in, to 23:59, is over
    only once the day is). Someone signed in to it and not out is taken to have left at
    its end: a scan later that day is a return, not a goodbye, and the fire register
    no longer lists them."""
    return ends is not None and at > _session_end(on, ends) + LATE


def _session_end(on: dt.date, ends: dt.time) -> dt.datetime:
    return dt.datetime.combine(on, ends, tzinfo=LONDON).astimezone(dt.UTC)


def _session_row(db: Db, session_id: int) -> SessionRow:
    row = session_by_id(db, session_id)
    if row is None or row.cancelled:
        raise NotFound("that session is not on", code="session.not_on")
    return row


def _sign_in(
    db: Db,
    *,
    person_ids: list[int],
    session_id: int,
    row: SessionRow,
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
        for pid, household, merged, anonymised in db.rows(_PEOPLE, {"ids": wanted}):
            if merged is None and not anonymised:
                households[pid] = household
        if any(pid not in households for pid in wanted):
            raise NotFound("that person is not on record", code="person.not_found")
    if today is not None and row.on_date == local_date(at) and row.site_id == site_id:
        existing = [r for r in today if r.session_id == session_id]
    else:
        existing = _rows(db, _IN_SESSION, {"ids": wanted, "session_id": session_id})
    by_person = {r.person_id: r for r in existing}
    added: list[int] = []
    reopen: list[int] = []
    visits: dict[int, int] = {}  # person -> the attendance they are in now
    for person_id in wanted:
        found = by_person.get(person_id)
        if found is not None:
            # Back in after signing out, the same day: the same attendance, open again.
            if found.signed_out_at is not None and row.on_date == local_date(at):
                reopen.append(found.id)
                visits[person_id] = found.id
                added.append(person_id)
            continue
        new = _New(person_id, households[person_id], row.site_id, row.service_id, row.on_date)
        visits[person_id] = db.insert("attendance", {
            "session_id": session_id, "person_id": person_id, "household_id": new.household_id,
            "site_id": row.site_id, "service_id": row.service_id, "local_date": row.on_date,
            "signed_in_at": at, "signed_out_at": None, "changed_at": at, "headcount": 1,
            "method": method, "staff_id": staff_id})
        note_attendance(db, new)
        added.append(person_id)
    if reopen:
        db.run(_BACK_IN, {"ids": reopen, "at": at})
    if added and row.on_date == local_date(at):
        _leave_other_sites(db, visits, row, actor=actor, staff_id=staff_id, at=at)
    if added:
        record(db, actor=actor, staff_id=staff_id, action="attendance.sign_in",
               entity="session", entity_id=session_id, people=added, method=method)
    return added


def _leave_other_sites(db: Db, visits: dict[int, int], row: SessionRow, *, actor: str,
                       staff_id: int | None, at: dt.datetime) -> None:
    """The people just signed in at ``row``'s site at ``at`` (``visits``: person -> that
    attendance) are out of any other site they were still in today: from ``at``, or from their
    session's end if that is long over (as a scan there would have it); audited for each
    site they left. A sign-in sent late from an outbox, older than a visit begun at
    another site since, closes nothing there: its own visits end when that one began."""
    found = db.rows(_AT_OTHER_SITES, {"ids": list(visits), "on": row.on_date,
                                      "site_id": row.site_id})
    by_site: dict[int, set[int]] = {}
    since: dict[int, dt.datetime] = {}  # person -> first visit elsewhere begun after ``at``
    for att_id, person_id, site_id, signed_in, signed_out, changed, ends in found:
        began = [t for t in (Db.moment(signed_in), Db.moment(changed)) if t is not None]
        for t in began:
            if t > at:
                since[person_id] = min(t, since.get(person_id, t))
        if signed_out is not None or max(began) > at:
            continue
        end = Db.clock(ends)
        out = (_session_end(row.on_date, end)
               if end is not None and session_over(row.on_date, end, at) else at)
        db.run(_SET_SIGNED_OUT, {"ids": [att_id], "out_at": out})
        by_site.setdefault(site_id, set()).add(person_id)
    for site_id, left in sorted(by_site.items()):
        record(db, actor=actor, staff_id=staff_id, action="attendance.sign_out",
               entity="site", entity_id=site_id, people=sorted(left),
               reason="signed in at another site")
    for person_id, left_at in sorted(since.items()):
        db.run(_SET_SIGNED_OUT, {"ids": [visits[person_id]], "out_at": left_at})
    if since:
        record(db, actor=actor, staff_id=staff_id, action="attendance.sign_out",
               entity="site", entity_id=row.site_id, people=sorted(since),
               reason="signed in at another site since")


def sign_in(
    s: Db | Any,
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
    db = Db.of(s)
    row = _session_row(db, session_id)
    return _sign_in(db, person_ids=person_ids, session_id=session_id, row=row,
                    method=method, actor=actor, staff_id=staff_id, at=at)


def sign_in_anonymous(
    s: Db | Any,
    *,
    session_id: int,
    headcount: int = 1,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
) -> int:
    """A head-count for people who would rather not give their details; the new
    attendance's id."""
    if not 1 <= headcount <= MAX_HEADCOUNT:
        raise Refused(f"the head-count must be between 1 and {MAX_HEADCOUNT}",
                      code="headcount.invalid", most=MAX_HEADCOUNT)
    db = Db.of(s)
    row = _session_row(db, session_id)
    attendance_id = db.insert("attendance", {
        "session_id": session_id, "person_id": None, "household_id": None,
        "site_id": row.site_id, "service_id": row.service_id, "local_date": row.on_date,
        "signed_in_at": at or now_utc(), "signed_out_at": None, "headcount": headcount,
        "method": "anonymous", "staff_id": staff_id})
    record(db, actor=actor, staff_id=staff_id, action="attendance.anonymous",
           entity="session", entity_id=session_id, headcount=headcount)
    return attendance_id


def _sign_out_rows(db: Db, rows: list[_Row], *, site_id: int, actor: str,
                   staff_id: int | None, at: dt.datetime) -> list[int]:
    if rows:
        db.run(_SET_SIGNED_OUT if staff_id is not None else _VISITOR_SIGNED_OUT,
               {"ids": [r.id for r in rows], "out_at": at})
    out = sorted({r.person_id for r in rows if r.person_id is not None})
    if out:
        record(db, actor=actor, staff_id=staff_id, action="attendance.sign_out",
               entity="site", entity_id=site_id, people=out)
    return out


def sign_out(
    s: Db | Any,
    *,
    person_ids: list[int],
    site_id: int,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
) -> list[int]:
    """Sign people out of everything they are in today at this site."""
    at = at or now_utc()
    db = Db.of(s)
    today = _rows(db, _TODAY_AT_SITE, {"ids": list(person_ids), "site_id": site_id,
                                       "on": local_date(at)})
    return _sign_out_rows(db, [r for r in today if r.signed_out_at is None],
                          site_id=site_id, actor=actor, staff_id=staff_id, at=at)


def _is_child(person: Any, year: int) -> bool:
    if person.birth_year is not None:
        return year - person.birth_year < ADULT_AGE
    return person.age_band in CHILD_BANDS


def _known_adult(person: Any, year: int) -> bool:
    """Of age by a birth year or an age band on record (not just: not known to be a
    child)."""
    if person.birth_year is not None:
        return year - person.birth_year >= ADULT_AGE
    return person.age_band is not None and person.age_band not in CHILD_BANDS


def _children_left_behind(db: Db, household_id: int, leaving: int, sessions: set[int],
                          site_id: int, at: dt.datetime) -> list[_Row]:
    """The open visits of the household's children in the sessions ``leaving`` (an adult)
    is leaving, when no other adult of the household is still in: a child she brought
    does not stay on in the room alone, and a fire register must not list them after
    they have gone home with her. A child in a session of their own (the youth club
    while she was at the coffee morning) is left as they are, and so are all of them
    while another adult of theirs is still in."""
    year = local_date(at).year
    members = household_members(db, household_id)
    others = [m.id for m in members if m.id != leaving]
    by_id = {m.id: m for m in members}
    me = by_id.get(leaving)
    # Whose age is not on record is not taken for a grown-up: a child is signed out with
    # someone only when that someone is known to be an adult.
    if not others or me is None or not _known_adult(me, year):
        return []
    open_rows = _in_now(db, others, site_id, at)
    if any(not _is_child(by_id[r.person_id], year) for r in open_rows
           if r.person_id in by_id):
        return []  # (another grown-up of theirs, or someone of unknown age, is still here)
    return [r for r in open_rows if r.person_id in by_id and r.session_id in sessions
            and _is_child(by_id[r.person_id], year)]


def scan(
    s: Db | Any,
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
        raise NotFound("this card is not recognised — please ask a member of staff",
                       code="card.unknown")
    db = Db.of(s)
    card = db.row(_CARD_LOOKUP, {"token": token})
    if card is None:
        raise NotFound("this card is not recognised — please ask a member of staff",
                       code="card.unknown")
    card_person, card_household, card_first, person_household, merged, anonymised = card
    households: dict[int, int] | None = None
    if card_person is not None:
        ids = [card_person]
        first_name, person_id, household_id = card_first, card_person, person_household
    else:
        people = household_members(db, card_household)
        if not people:
            raise NotFound("nobody is on record for this card", code="card.no_one")
        ids = [p.id for p in people]
        first_name, person_id, household_id = (people[0].first_name, people[0].id,
                                               people[0].household_id)
        households = {p.id: p.household_id for p in people}
    result = SignInResult(outcome="in", first_name=first_name, person_id=person_id,
                          household_id=household_id)
    today_on = local_date(at)
    today = _rows(db, _TODAY_AT_SITE, {"ids": ids, "site_id": site_id, "on": today_on})
    open_rows = [r for r in today if r.signed_out_at is None]
    over = [r for r in open_rows if session_over(today_on, r.ends, at)]
    if over:
        # In since a session long over, never signed out: taken to have left at its end
        # (as staff would mark it from the register). This scan is a return.
        closed = {r.id: replace(r, signed_out_at=_session_end(today_on, r.ends))  # type: ignore[arg-type]
                  for r in over}
        for r in closed.values():
            db.run(_SET_SIGNED_OUT, {"ids": [r.id], "out_at": r.signed_out_at})
        record(db, actor=actor, action="attendance.sign_out", entity="site",
               entity_id=site_id, people=sorted({r.person_id for r in over if r.person_id}),
               reason="session over")
        today = [closed.get(r.id, r) for r in today]
        open_rows = [r for r in today if r.signed_out_at is None]
    in_now = {r.person_id for r in open_rows}
    if card_person is None and open_rows and not in_now >= set(ids):
        # A household card while some of the family are in already (one came earlier
        # with a card of their own, or was signed in by staff): the rest are arriving.
        # They are signed in, and greeted; those in stay in.
        ids = [pid for pid in ids if pid not in in_now]
        arriving = next(p for p in people if p.id == ids[0])
        result.first_name, result.person_id = arriving.first_name, arriving.id
        open_rows = []
    if open_rows:
        latest = max(r.last_in() for r in open_rows)
        if at - latest < RESCAN_GRACE:
            result.outcome = "already"
            result.signed_in = sorted({r.person_id for r in open_rows if r.person_id})
            return result
        result.outcome = "out"
        if card_person is not None:
            children = _children_left_behind(db, household_id, card_person,
                                             {r.session_id for r in open_rows}, site_id, at)
            result.children_out = len({r.person_id for r in children})
            open_rows += children
        result.signed_out = _sign_out_rows(db, open_rows, site_id=site_id, actor=actor,
                                           staff_id=None, at=at)
        return result
    # Everyone on the card signed out a moment ago: the same card again is the same
    # goodbye, not a return (a household card after one of them left is a sign-in).
    left = [r for r in today if r.left_by_themselves()
            and at - r.signed_out_at < RESCAN_GRACE]  # type: ignore[operator]
    if left and {r.person_id for r in left} >= set(ids):
        result.outcome = "already_out"
        result.signed_out = sorted({r.person_id for r in left if r.person_id})
        return result
    row: SessionRow | None = None
    if session_id is None:
        on: list[SessionOn] | None
        if on_now is not None:
            on = on_now
            if len(on) == 1:
                row = session_by_id(db, on[0].session_id)
                if row is None or row.cancelled or row.on_date != today_on:
                    on, row = None, None  # stale: ask the timetable again
        else:
            on = None
        if on is None:
            on = sessions_on_now(db, site_id=site_id, at=at)
        if len(on) > 1:
            result.outcome = "choose"
            result.sessions = on
            return result
        session_id = on[0].session_id
    if row is None:
        row = _session_row(db, session_id)
    if households is None:
        # A person's card: the person must still be on record to be signed in.
        if merged is not None or anonymised:
            raise NotFound("that person is not on record", code="person.not_found")
        households = {card_person: person_household}
    result.signed_in = _sign_in(db, person_ids=ids, session_id=session_id, row=row,
                                method="card", actor=actor, staff_id=None, at=at,
                                households=households, today=today, site_id=site_id) or ids
    result.session_id = session_id
    return result


def _in_now(db: Db, people: list[int], site_id: int, at: dt.datetime) -> list[_Row]:
    """The people's visits at the site that are open now: not signed out, and not in a
    session long over (taken to have ended with it, as :func:`scan` has it)."""
    on = local_date(at)
    return [r for r in _rows(db, _TODAY_AT_SITE, {"ids": people, "site_id": site_id,
                                                  "on": on})
            if r.signed_out_at is None and not session_over(on, r.ends, at)]


def is_in(s: Db | Any, *, person_id: int, site_id: int, at: dt.datetime | None = None) -> bool:
    """Whether the person is signed in at the site now."""
    return bool(_in_now(Db.of(s), [person_id], site_id, at or now_utc()))


def leave(s: Db | Any, *, person_id: int, site_id: int, actor: str,
          at: dt.datetime | None = None) -> SignInResult:
    """Someone without a card signing herself out (found by name): what a card's second
    scan does. Her children in the sessions she is leaving go with her when no other
    grown-up of theirs is still in (see :func:`_children_left_behind`). Outcome "out", or
    "already_out" when she is not in (signed out meanwhile, by staff say)."""
    at = at or now_utc()
    db = Db.of(s)
    result = SignInResult(outcome="already_out", person_id=person_id)
    open_rows = _in_now(db, [person_id], site_id, at)
    if not open_rows:
        return result
    household_id = db.value("SELECT household_id FROM person WHERE id = :id",
                            {"id": person_id})
    children = _children_left_behind(db, household_id, person_id,
                                     {r.session_id for r in open_rows}, site_id, at)
    result.outcome, result.household_id = "out", household_id
    result.children_out = len({r.person_id for r in children})
    result.signed_out = _sign_out_rows(db, open_rows + children, site_id=site_id, actor=actor,
                                       staff_id=None, at=at)
    return result


@dataclass(frozen=True)
class InRoom:
    """One line of the fire register. ``label`` is the person's full name, or "" for an
    anonymous head-count (each program words that in its own language)."""

    attendance_id: int
    person_id: int | None
    label: str
    service: str
    signed_in_at: dt.datetime
    headcount: int
    sensitive: bool = False  # the service is one not named on a shared screen


def who_is_here(s: Db | Any, *, site_id: int, at: dt.datetime | None = None) -> list[InRoom]:
    """The fire register: everyone signed in today at this site and not yet out."""
    at = at or now_utc()
    db = Db.of(s)
    seen: set[int] = set()
    out: list[InRoom] = []
    today = local_date(at)
    for att_id, person_id, signed_in_at, headcount, first, last, service, ends, sensitive in (
            db.rows(_WHO_IS_HERE, {"site_id": site_id, "on": today})):
        if session_over(today, Db.clock(ends), at):
            continue  # (taken to have left at its end: see session_over)
        if person_id is not None:
            if person_id in seen:
                continue
            seen.add(person_id)
            label = f"{first} {last}".strip()
        else:
            label = ""
        out.append(InRoom(att_id, person_id, label, service,
                          Db.moment(signed_in_at), headcount,  # type: ignore[arg-type]
                          Db.flag(sensitive)))
    return out


def sign_out_anonymous(s: Db | Any, *, attendance_id: int, actor: str,
                       staff_id: int | None = None) -> None:
    """Mark an anonymous head-count as gone (fire register)."""
    db = Db.of(s)
    db.run("UPDATE attendance SET signed_out_at = :at WHERE id = :id AND person_id IS NULL",
           {"at": now_utc(), "id": attendance_id})
    record(db, actor=actor, staff_id=staff_id, action="attendance.sign_out",
           entity="attendance", entity_id=attendance_id)


def attendance_people(s: Db | Any, attendance_ids: list[int]) -> list[tuple[int, int | None]]:
    """(attendance id, person id or None) for these attendances (the fire register's
    "sign out" reads who each line is)."""
    return [(r[0], r[1]) for r in Db.of(s).rows(
        "SELECT id, person_id FROM attendance WHERE id IN (:ids)", {"ids": attendance_ids})]


__all__ = ["InRoom", "SignInResult", "attendance_people", "display_label", "scan", "sign_in",
           "sign_in_anonymous", "sign_out", "who_is_here"]
