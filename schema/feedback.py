"""Have your say: a concern or idea left at the kiosk, anonymous unless signed."""

from __future__ import annotations

from sqlmodel import Session

from schema import audit
from schema.clock import now_utc
from schema.errors import NotFound, Refused
from schema.tables import Feedback, FeedbackStatus, Person
from schema.text import clean_note, clean_text

TOPICS = ("Our room", "Activities", "Safety", "Housing", "Something else")


def leave_feedback(
    s: Session,
    *,
    topic: str,
    text: str,
    site_id: int | None,
    actor: str,
    person_id: int | None = None,
    given_name: str = "",
) -> Feedback:
    topic = clean_text(topic, field="topic", max_len=100, required=True)
    body = clean_note(text, field="your message", max_len=2000)
    if not body:
        raise Refused("please write a few words first")
    if person_id is not None and s.get(Person, person_id) is None:
        raise NotFound("that person is not on record")
    row = Feedback(site_id=site_id, topic=topic, text=body, person_id=person_id,
                   given_name=clean_text(given_name, field="name", max_len=100),
                   created_at=now_utc())
    s.add(row)
    s.flush()
    audit.record(s, actor=actor, action="feedback.leave", entity="feedback", entity_id=row.id)
    return row


def update_feedback(
    s: Session, *, feedback_id: int, actor: str, staff_id: int | None = None,
    status: str | None = None, reply_note: str | None = None,
) -> Feedback:
    row = s.get(Feedback, feedback_id)
    if row is None:
        raise NotFound("that feedback is not on record")
    if status is not None:
        if status not in {x.value for x in FeedbackStatus}:
            raise Refused(f"'{status}' is not a feedback status")
        row.status = status
    if reply_note is not None:
        row.reply_note = clean_note(reply_note, field="reply")
    s.add(row)
    audit.record(s, actor=actor, staff_id=staff_id, action="feedback.update",
                 entity="feedback", entity_id=feedback_id)
    return row
