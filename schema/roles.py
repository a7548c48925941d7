"""PostgreSQL: a database role with only what a kiosk needs.

A kiosk signs people in, registers newcomers, takes feedback, and in staff mode
logs referrals; it never reads referral reasons or notes, feedback others left,
or the audit log. Column grants give it just the ids it needs back from an INSERT.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import schema.tables  # noqa: F401  (every table on the metadata)
from schema.errors import Refused

# Written to, never read back beyond their ids.
WRITE_ONLY = {"referral", "feedback", "audit_event"}
# Read only. Every other table (people, visits, cards, roll-ups…) is read and written.
READ_ONLY = {"timetable_slot", "closure", "setting", "alembic_version"}


def kiosk_role_statements(role: str, password: str) -> list[str]:
    """The SQL that creates (or updates) the kiosk role and its grants."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise Refused("a role name is lower-case letters, digits and _", code="role.name")
    if len(password) < 12:
        raise Refused("give the kiosk role a password of at least 12 characters",
                      code="role.password")
    quoted = password.replace("'", "''")
    tables = set(SQLModel.metadata.tables)
    out = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}'; ELSE "
        f"ALTER ROLE {role} LOGIN PASSWORD '{quoted}'; END IF; END $$",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for table in sorted(tables | {"alembic_version"}):
        if table in WRITE_ONLY:
            out.append(f"GRANT INSERT ON {table} TO {role}")
            out.append(f"GRANT SELECT (id) ON {table} TO {role}")
        elif table == "staff_user":
            # To check a PIN and count failures; never to create or rename staff.
            out.append(f"GRANT SELECT ON {table} TO {role}")
            out.append(f"GRANT UPDATE (failed_attempts, locked_until, pin_hash) ON {table} "
                       f"TO {role}")
        elif table in READ_ONLY:
            out.append(f"GRANT SELECT ON {table} TO {role}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {role}")
    return out


def create_kiosk_role(engine: Engine, role: str, password: str) -> None:
    if engine.dialect.name != "postgresql":
        raise Refused("a kiosk role is for PostgreSQL; a SQLite file has no roles",
                      code="role.sqlite")
    with engine.begin() as conn:
        for statement in kiosk_role_statements(role, password):
            conn.execute(text(statement))
