"""Referral partners and referrals: staff send a person to a partner organisation."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from schema import audit
from schema.clock import local_date, now_utc
from schema.counting import note_support
from schema.errors import NotFound, Refused
from schema.tables import Person, Referral, ReferralPartner, ReferralStatus
from schema.text import clean_note, clean_text

STATUSES = [s.value for s in ReferralStatus]


def get_or_create_partner(s: Session, name: str, kind: str = "") -> ReferralPartner:
    """The partner called ``name`` (compared case-insensitively), made if there is none."""
    name = clean_text(name, field="partner", max_len=200, required=True)
    partner = s.exec(select(ReferralPartner).where(ReferralPartner.name == name)).first()
    if partner is None:
        # Case-insensitively in Python: SQL's lower() folds only ASCII letters (SQLite, and
        # PostgreSQL in the C locale), so "ÉCOLE" would miss "École" and, asked twice,
        # break the unique name. Partners are few; reading their names is cheap.
        key = name.casefold()
        partner = next((p for p in s.exec(select(ReferralPartner).order_by(
            col(ReferralPartner.id))) if p.name.casefold() == key), None)
    if partner is None:
        partner = ReferralPartner(name=name, kind=clean_text(kind, field="kind", max_len=100))
        s.add(partner)
        s.flush()
    return partner


def log_referral(
    s: Session,
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
) -> Referral:
    """Record that staff referred this person to a partner. Counts as support."""
    at = at or now_utc()
    person = s.get(Person, person_id)
    if person is None or person.merged_into_id is not None or person.anonymised_at:
        raise NotFound("that person is not on record")
    if s.get(ReferralPartner, partner_id) is None:
        raise NotFound("that partner is not on record")
    on = local_date(at)
    if follow_up_on is not None and follow_up_on < on:
        raise Refused("the follow-up date is in the past")
    referral = Referral(
        person_id=person_id,
        household_id=person.household_id,
        partner_id=partner_id,
        site_id=site_id,
        service_id=service_id,
        reason=clean_text(reason, field="reason", max_len=200, required=True),
        note=clean_note(note),
        made_at=at,
        local_date=on,
        follow_up_on=follow_up_on,
        made_by_id=staff_id,
        updated_at=at,
    )
    s.add(referral)
    s.flush()
    note_support(s, person_id=person_id, household_id=person.household_id, on=on)
    audit.record(s, actor=actor, staff_id=staff_id, action="referral.log", entity="referral",
                 entity_id=referral.id, person=person_id, partner=partner_id)
    return referral


def update_referral(
    s: Session,
    *,
    referral_id: int,
    actor: str,
    staff_id: int | None = None,
    status: str | None = None,
    outcome_note: str | None = None,
    follow_up_on: dt.date | str | None = "",
) -> Referral:
    referral = s.get(Referral, referral_id)
    if referral is None:
        raise NotFound("that referral is not on record")
    if status is not None:
        if status not in STATUSES:
            raise Refused(f"'{status}' is not a referral status")
        referral.status = status
    if outcome_note is not None:
        referral.outcome_note = clean_note(outcome_note, field="outcome note")
    if follow_up_on != "":
        referral.follow_up_on = follow_up_on  # type: ignore[assignment]
    referral.updated_at = now_utc()
    s.add(referral)
    audit.record(s, actor=actor, staff_id=staff_id, action="referral.update",
                 entity="referral", entity_id=referral_id, status=referral.status)
    return referral
