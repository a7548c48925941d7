"""Referral partners and referrals: staff send a person to a partner organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from schema.clock import local_date, now_utc
from schema.errors import NotFound, Refused
from schema.journal import record
from schema.kinds import ReferralStatus
from schema.rollup import note_support
from schema.sql import Db
from schema.text import clean_note, clean_text

STATUSES = [s.value for s in ReferralStatus]


@dataclass(frozen=True)
class PartnerRow:
    """One row of the ``referral_partner`` table."""

    id: int
    name: str
    kind: str
    active: bool


@dataclass(frozen=True)
class ReferralRow:
    """One row of the ``referral`` table."""

    id: int
    person_id: int
    household_id: int
    partner_id: int
    site_id: int | None
    service_id: int | None
    reason: str
    note: str
    status: str
    outcome_note: str
    made_at: dt.datetime
    local_date: dt.date
    follow_up_on: dt.date | None
    made_by_id: int | None
    updated_at: dt.datetime


_PARTNER = "SELECT id, name, kind, active FROM referral_partner"
_REFERRAL = ("SELECT id, person_id, household_id, partner_id, site_id, service_id, reason, note,"
             " status, outcome_note, made_at, local_date, follow_up_on, made_by_id, updated_at"
             " FROM referral")


def _partner(row: tuple[Any, ...]) -> PartnerRow:
    return PartnerRow(id=row[0], name=row[1], kind=row[2], active=Db.flag(row[3]))


def _referral(row: tuple[Any, ...]) -> ReferralRow:
    return ReferralRow(
        id=row[0], person_id=row[1], household_id=row[2], partner_id=row[3], site_id=row[4],
        service_id=row[5], reason=row[6], note=row[7], status=row[8], outcome_note=row[9],
        made_at=Db.moment(row[10]), local_date=Db.day(row[11]),  # type: ignore[arg-type]
        follow_up_on=Db.day(row[12]), made_by_id=row[13],
        updated_at=Db.moment(row[14]))  # type: ignore[arg-type]


def get_or_create_partner(s: Any, name: str, kind: str = "") -> PartnerRow:
    """The partner called ``name`` (compared case-insensitively), made if there is none."""
    db = Db.of(s)
    name = clean_text(name, field="partner", max_len=200, required=True, code="partner.name")
    found = db.row(_PARTNER + " WHERE name = :name", {"name": name})
    if found is not None:
        return _partner(found)
    # Case-insensitively in Python: SQL's lower() folds only ASCII letters (SQLite, and
    # PostgreSQL in the C locale), so "ÉCOLE" would miss "École" and, asked twice,
    # break the unique name. Partners are few; reading their names is cheap.
    key = name.casefold()
    partner = next((p for p in map(_partner, db.rows(_PARTNER + " ORDER BY id"))
                    if p.name.casefold() == key), None)
    if partner is not None:
        return partner
    db.run("INSERT INTO referral_partner (name, kind, active) VALUES (:name, :kind, :active)"
           " ON CONFLICT (name) DO NOTHING",
           {"name": name, "active": True,
            "kind": clean_text(kind, field="kind", max_len=100, code="partner.kind")})
    return _partner(db.row(_PARTNER + " WHERE name = :name", {"name": name}))  # type: ignore[arg-type]


def set_partner_active(s: Any, *, partner_id: int, active: bool, actor: str,
                       staff_id: int | None = None) -> PartnerRow:
    """Take a partner off the list of those referred to (it closed, or stopped taking
    referrals), or put it back. Its past referrals stay as they are."""
    db = Db.of(s)
    found = db.row(_PARTNER + " WHERE id = :id", {"id": partner_id})
    if found is None:
        raise NotFound("that partner is not on record", code="partner.not_found")
    db.run("UPDATE referral_partner SET active = :active WHERE id = :id",
           {"active": active, "id": partner_id})
    record(db, actor=actor, staff_id=staff_id, action="partner.active",
           entity="referral_partner", entity_id=partner_id, active=active)
    return replace(_partner(found), active=active)


def active_partners(s: Any) -> list[tuple[int, str]]:
    """The active referral partners, (id, name), in name order."""
    return [(r[0], r[1]) for r in Db.of(s).rows(
        "SELECT id, name FROM referral_partner WHERE active = :yes ORDER BY name, id",
        {"yes": True})]


def log_referral(
    s: Any,
    *,
    person_id: int,
    partner_id: int,
    reason: str,
    note: str = "",
    follow_up_on: dt.date | None = None,
    site_id: int | None = None,
    service_id: int | None = None,
    actor: str,
    staff_id: int | None = None,
    at: dt.datetime | None = None,
    past: bool = False,
) -> ReferralRow:
    """Record that staff referred this person to a partner. Counts as support.

    A partner taken off the list takes no new referrals; ``past`` records one made before
    (an import of old records), to whichever partner it went to."""
    db = Db.of(s)
    at = at or now_utc()
    household_id = db.value("SELECT household_id FROM person WHERE id = :id"
                            " AND merged_into_id IS NULL AND anonymised_at IS NULL",
                            {"id": person_id})
    if household_id is None:
        raise NotFound("that person is not on record", code="person.not_found")
    active = db.value("SELECT active FROM referral_partner WHERE id = :id", {"id": partner_id})
    if active is None:
        raise NotFound("that partner is not on record", code="partner.not_found")
    if not active and not past:
        raise Refused("that partner is no longer taking referrals (a manager took it off the "
                      "list)", code="partner.inactive")
    on = local_date(at)
    if follow_up_on is not None and follow_up_on < on:
        raise Refused("the follow-up date is in the past", code="referral.follow_up_past")
    values: dict[str, Any] = {
        "person_id": person_id,
        "household_id": household_id,
        "partner_id": partner_id,
        "site_id": site_id,
        "service_id": service_id,
        "reason": clean_text(reason, field="reason", max_len=200, required=True,
                             code="referral.reason"),
        "note": clean_note(note, code="referral.note"),
        "status": ReferralStatus.made.value,
        "outcome_note": "",
        "made_at": at,
        "local_date": on,
        "follow_up_on": follow_up_on,
        "made_by_id": staff_id,
        "updated_at": at,
    }
    referral_id = db.insert("referral", values)
    note_support(db, person_id=person_id, household_id=household_id, on=on)
    record(db, actor=actor, staff_id=staff_id, action="referral.log", entity="referral",
           entity_id=referral_id, person=person_id, partner=partner_id)
    return ReferralRow(id=referral_id, **values)


def update_referral(
    s: Any,
    *,
    referral_id: int,
    actor: str,
    staff_id: int | None = None,
    status: str | None = None,
    outcome_note: str | None = None,
    follow_up_on: dt.date | str | None = "",
) -> ReferralRow:
    db = Db.of(s)
    found = db.row(_REFERRAL + " WHERE id = :id", {"id": referral_id})
    if found is None:
        raise NotFound("that referral is not on record", code="referral.not_found")
    old = _referral(found)
    if status is not None and status not in STATUSES:
        raise Refused(f"'{status}' is not a referral status", code="referral.status",
                      status=status)
    new = replace(
        old,
        status=old.status if status is None else status,
        outcome_note=(old.outcome_note if outcome_note is None
                      else clean_note(outcome_note, field="outcome note",
                                      code="referral.outcome")),
        follow_up_on=old.follow_up_on if follow_up_on == "" else Db.day(follow_up_on),
        updated_at=now_utc(),
    )
    db.run("UPDATE referral SET status = :status, outcome_note = :outcome_note,"
           " follow_up_on = :follow_up_on, updated_at = :updated_at WHERE id = :id",
           {"status": new.status, "outcome_note": new.outcome_note,
            "follow_up_on": new.follow_up_on, "updated_at": new.updated_at, "id": referral_id})
    record(db, actor=actor, staff_id=staff_id, action="referral.update",
           entity="referral", entity_id=referral_id, status=new.status)
    return new
