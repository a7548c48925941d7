"""The audit trail's writer, on plain DB-API: details carry ids, never names."""

from __future__ import annotations

import json
from typing import Any

from schema.clock import now_utc
from schema.sql import Db


def record(
    s: Any,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    staff_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one audit event to the current transaction (``s``: a Db or a Session)."""
    Db.of(s).insert("audit_event", {  # a new row: what a session holds stays as it is
        "at": now_utc(),
        "staff_id": staff_id,
        "actor": actor[:100],
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": json.dumps(detail, default=str, sort_keys=True) if detail else "",
    })
