"""Append-only audit trail. Details carry ids, never names, so erasure leaves none behind."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

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
