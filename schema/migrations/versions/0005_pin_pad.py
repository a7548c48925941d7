"""pin_pad: wrong PINs counted, and the lock kept, per kiosk rather than per staff user

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pin_pad',
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('actor')
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Kiosk roles made before this revision get the new table as schema/roles.py
        # grants it to new ones (see 0002): without it no PIN could be checked.
        op.execute(
            "DO $$ DECLARE r record; BEGIN "
            "FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants "
            "WHERE table_schema = 'public' AND table_name = 'attendance' "
            "AND privilege_type = 'INSERT' AND grantee <> current_user "
            "AND grantee <> 'PUBLIC' LOOP "
            "EXECUTE format('GRANT SELECT, INSERT, UPDATE ON pin_pad TO %I', r.grantee); "
            "END LOOP; END $$")


def downgrade() -> None:
    op.drop_table('pin_pad')
