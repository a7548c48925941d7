"""kiosk receipts: a kiosk's registration or head-count lands once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kiosk_receipt',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('landed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Kiosk roles made before this revision (dropin-admin kiosk-role: every role that
        # may write visits) get the new table as schema/roles.py grants it to new ones;
        # without it their registrations would wait in the outbox for ever.
        op.execute(
            "DO $$ DECLARE r record; BEGIN "
            "FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants "
            "WHERE table_schema = 'public' AND table_name = 'attendance' "
            "AND privilege_type = 'INSERT' AND grantee <> current_user "
            "AND grantee <> 'PUBLIC' LOOP "
            "EXECUTE format('GRANT SELECT, INSERT, UPDATE ON kiosk_receipt TO %I', r.grantee); "
            "END LOOP; END $$")


def downgrade() -> None:
    op.drop_table('kiosk_receipt')
