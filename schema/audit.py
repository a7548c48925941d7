"""Append-only audit trail. Details carry ids, never names, so erasure leaves none behind."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, col, select

from schema.clock import now_utc
from schema.tables import AuditEvent


def record(
    s: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    staff_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one audit event to the current transaction."""
    s.add(
        AuditEvent(
            at=now_utc(),
            staff_id=staff_id,
            actor=actor[:100],
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else "",
        )
    )


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
