"""The fixed vocabularies stored in the tables: roles, statuses and session kinds.

Kept apart from :mod:`schema.tables` so that the kiosk's operations can use them
without loading SQLModel.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    volunteer = "volunteer"
    staff = "staff"
    manager = "manager"


class ReferralStatus(StrEnum):
    made = "made"
    accepted = "accepted"
    completed = "completed"
    declined = "declined"
    no_response = "no response"


class FeedbackStatus(StrEnum):
    new = "new"
    read = "read"
    acted = "acted on"


class SessionKind(StrEnum):
    timetabled = "timetabled"
    one_off = "one-off"
    general = "general"
