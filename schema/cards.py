"""QR cards: an unguessable token per person (or household), revocable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.journal import record
from schema.sql import Db
from schema.tokens import PREFIX, TOKEN_BYTES, looks_like_token, new_token

__all__ = ["PREFIX", "TOKEN_BYTES", "CardRow", "card_for_person", "issue_card", "live_card",
           "looks_like_token", "new_token", "revoke_card"]


@dataclass(frozen=True)
class CardRow:
    """One row of the ``card`` table."""

    id: int
    token: str
    person_id: int | None
    household_id: int | None
    issued_at: dt.datetime
    revoked_at: dt.datetime | None


_CARD = "SELECT id, token, person_id, household_id, issued_at, revoked_at FROM card"


def _card(row: tuple[Any, ...]) -> CardRow:
    return CardRow(id=row[0], token=row[1], person_id=row[2], household_id=row[3],
                   issued_at=Db.moment(row[4]),  # type: ignore[arg-type]
                   revoked_at=Db.moment(row[5]))


def issue_card(
    s: Any,
    *,
    person_id: int | None = None,
    household_id: int | None = None,
    actor: str,
    staff_id: int | None = None,
) -> CardRow:
    """A new card for a person or a household; any earlier live card of theirs is revoked."""
    db = Db.of(s)
    if (person_id is None) == (household_id is None):
        raise Refused("a card is for one person or one household", code="card.owner")
    if person_id is not None:
        live = db.value("SELECT 1 FROM person WHERE id = :id AND merged_into_id IS NULL"
                        " AND anonymised_at IS NULL", {"id": person_id})
        if not live:
            raise NotFound("that person is not on record", code="person.not_found")
    else:
        live = db.value("SELECT 1 FROM household WHERE id = :id AND merged_into_id IS NULL",
                        {"id": household_id})
        if not live:
            raise NotFound("that household is not on record", code="household.not_found")
    at = now_utc()
    owner = "person_id" if person_id is not None else "household_id"
    owner_id = person_id if person_id is not None else household_id
    held = f"{owner} = :owner AND revoked_at IS NULL"
    if db.value(f"SELECT 1 FROM card WHERE {held}", {"owner": owner_id}):  # only then: an
        # UPDATE expires what an admin session holds (printing cards for everyone)
        db.run(f"UPDATE card SET revoked_at = :at WHERE {held}", {"at": at, "owner": owner_id})
    token = new_token()
    card_id = db.insert("card", {"token": token, "person_id": person_id,
                                 "household_id": household_id, "issued_at": at,
                                 "revoked_at": None})
    record(
        db,
        actor=actor,
        staff_id=staff_id,
        action="card.issue",
        entity="person" if person_id else "household",
        entity_id=person_id or household_id,
        card=card_id,
    )
    return CardRow(id=card_id, token=token, person_id=person_id, household_id=household_id,
                   issued_at=at, revoked_at=None)


def revoke_card(s: Any, *, card_id: int, actor: str, staff_id: int | None = None) -> CardRow:
    db = Db.of(s)
    found = db.row(_CARD + " WHERE id = :id", {"id": card_id})
    if found is None:
        raise NotFound("no such card", code="card.not_found")
    card = _card(found)
    if card.revoked_at is None:
        at = now_utc()
        db.run("UPDATE card SET revoked_at = :at WHERE id = :id", {"at": at, "id": card_id})
        record(db, actor=actor, staff_id=staff_id, action="card.revoke", entity="card",
               entity_id=card_id)
        card = replace(card, revoked_at=at)
    return card


def live_card(s: Any, token: str) -> CardRow | None:
    """The unrevoked card with this token, if any."""
    if not looks_like_token(token):
        return None
    found = Db.of(s).row(_CARD + " WHERE token = :token AND revoked_at IS NULL",
                         {"token": token})
    return None if found is None else _card(found)


def card_for_person(s: Any, person_id: int) -> CardRow | None:
    found = Db.of(s).row(_CARD + " WHERE person_id = :id AND revoked_at IS NULL ORDER BY id",
                         {"id": person_id})
    return None if found is None else _card(found)
