"""QR cards: an unguessable token per person (or household), revocable."""

from __future__ import annotations

from sqlmodel import Session, col, select

from schema import audit
from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.tables import Card, Household, Person
from schema.tokens import PREFIX, TOKEN_BYTES, looks_like_token, new_token

__all__ = ["PREFIX", "TOKEN_BYTES", "card_for_person", "issue_card", "live_card",
           "looks_like_token", "new_token", "revoke_card"]


def issue_card(
    s: Session,
    *,
    person_id: int | None = None,
    household_id: int | None = None,
    actor: str,
    staff_id: int | None = None,
) -> Card:
    """A new card for a person or a household; any earlier live card of theirs is revoked."""
    if (person_id is None) == (household_id is None):
        raise Refused("a card is for one person or one household")
    if person_id is not None:
        person = s.get(Person, person_id)
        if person is None or person.merged_into_id or person.anonymised_at:
            raise NotFound("that person is not on record")
    else:
        household = s.get(Household, household_id)
        if household is None or household.merged_into_id:
            raise NotFound("that household is not on record")
    at = now_utc()
    for old in s.exec(
        select(Card)
        .where(Card.person_id == person_id if person_id else Card.household_id == household_id)
        .where(col(Card.revoked_at).is_(None))
    ):
        old.revoked_at = at
        s.add(old)
    card = Card(token=new_token(), person_id=person_id, household_id=household_id, issued_at=at)
    s.add(card)
    s.flush()
    audit.record(
        s,
        actor=actor,
        staff_id=staff_id,
        action="card.issue",
        entity="person" if person_id else "household",
        entity_id=person_id or household_id,
        card=card.id,
    )
    return card


def revoke_card(s: Session, *, card_id: int, actor: str, staff_id: int | None = None) -> Card:
    card = s.get(Card, card_id)
    if card is None:
        raise NotFound("no such card")
    if card.revoked_at is None:
        card.revoked_at = now_utc()
        s.add(card)
        audit.record(s, actor=actor, staff_id=staff_id, action="card.revoke", entity="card",
                     entity_id=card_id)
    return card


def live_card(s: Session, token: str) -> Card | None:
    """The unrevoked card with this token, if any."""
    if not looks_like_token(token):
        return None
    return s.exec(
        select(Card).where(Card.token == token).where(col(Card.revoked_at).is_(None))
    ).first()


def card_for_person(s: Session, person_id: int) -> Card | None:
    return s.exec(
        select(Card).where(Card.person_id == person_id).where(col(Card.revoked_at).is_(None))
    ).first()
