"""Append-only audit trail. Details carry ids, never names, so erasure leaves none behind."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from schema.journal import record
from schema.tables import AuditEvent

__all__ = ["list_events", "record"]


def list_events(
    s: Session, *, action: str = "", start: dt.datetime | None = None,
    end: dt.datetime | None = None, limit: int = 2000,
) -> list[tuple[dt.datetime, str, str, str, int | None, str]]:
    """Newest first: (when, who, action, entity, entity id, detail)."""
    stmt = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if action:
        stmt = stmt.where(col(AuditEvent.action).contains(action, autoescape=True))
    if start is not None:
        stmt = stmt.where(col(AuditEvent.at) >= start)
    if end is not None:
        stmt = stmt.where(col(AuditEvent.at) < end)
    return [(e.at, e.actor, e.action, e.entity, e.entity_id, e.detail) for e in s.exec(stmt)]
