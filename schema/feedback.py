"""Have your say: a concern or idea left at the kiosk, anonymous unless signed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.journal import record
from schema.kinds import FeedbackStatus
from schema.sql import Db
from schema.text import clean_note, clean_text

TOPICS = ("Our room", "Activities", "Safety", "Housing", "Something else")


@dataclass(frozen=True)
class FeedbackRow:
    """One row of the ``feedback`` table."""

    id: int
    site_id: int | None
    topic: str
    text: str
    person_id: int | None
    given_name: str
    created_at: dt.datetime
    status: str
    reply_note: str


_FEEDBACK = ("SELECT id, site_id, topic, text, person_id, given_name, created_at, status,"
             " reply_note FROM feedback")


def _feedback(row: tuple[Any, ...]) -> FeedbackRow:
    return FeedbackRow(id=row[0], site_id=row[1], topic=row[2], text=row[3], person_id=row[4],
                       given_name=row[5], created_at=Db.moment(row[6]),  # type: ignore[arg-type]
                       status=row[7], reply_note=row[8])


def leave_feedback(
    s: Any,
    *,
    topic: str,
    text: str,
    site_id: int | None,
    actor: str,
    person_id: int | None = None,
    given_name: str = "",
) -> FeedbackRow:
    db = Db.of(s)
    topic = clean_text(topic, field="topic", max_len=100, required=True, code="feedback.topic")
    body = clean_note(text, field="your message", max_len=2000, code="feedback.message")
    if not body:
        raise Refused("please write a few words first", code="feedback.empty")
    if person_id is not None and db.value("SELECT 1 FROM person WHERE id = :id",
                                          {"id": person_id}) is None:
        raise NotFound("that person is not on record", code="person.not_found")
    values: dict[str, Any] = {
        "site_id": site_id, "topic": topic, "text": body, "person_id": person_id,
        "given_name": clean_text(given_name, field="name", max_len=100, code="feedback.name"),
        "created_at": now_utc(), "status": FeedbackStatus.new.value, "reply_note": "",
    }
    feedback_id = db.insert("feedback", values)
    record(db, actor=actor, action="feedback.leave", entity="feedback", entity_id=feedback_id)
    return FeedbackRow(id=feedback_id, **values)


def update_feedback(
    s: Any, *, feedback_id: int, actor: str, staff_id: int | None = None,
    status: str | None = None, reply_note: str | None = None,
) -> FeedbackRow:
    db = Db.of(s)
    found = db.row(_FEEDBACK + " WHERE id = :id", {"id": feedback_id})
    if found is None:
        raise NotFound("that feedback is not on record", code="feedback.not_found")
    row = _feedback(found)
    if status is not None:
        if status not in {x.value for x in FeedbackStatus}:
            raise Refused(f"'{status}' is not a feedback status", code="feedback.status",
                          status=status)
    else:
        status = row.status
    reply = (row.reply_note if reply_note is None
             else clean_note(reply_note, field="reply", code="feedback.reply"))
    db.run("UPDATE feedback SET status = :status, reply_note = :reply WHERE id = :id",
           {"status": status, "reply": reply, "id": feedback_id})
    record(db, actor=actor, staff_id=staff_id, action="feedback.update",
           entity="feedback", entity_id=feedback_id)
    return FeedbackRow(id=row.id, site_id=row.site_id, topic=row.topic, text=row.text,
                       person_id=row.person_id, given_name=row.given_name,
                       created_at=row.created_at, status=status, reply_note=reply)
