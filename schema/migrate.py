"""Create or upgrade a database with the Alembic revisions (programs never call create_all).

Alembic is imported only to upgrade: checking that a database is current is one query
against ``alembic_version``, so the kiosk starts without loading Alembic at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in schema/migrations/versions. tests/test_migrations.py checks it
# against Alembic's own answer, so a new revision without a new HEAD fails the tests.
HEAD = "0001"


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def script_head() -> str | None:
    """The newest revision as Alembic reads it from the revision files."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the database at ``engine`` to the newest revision."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        except DBAPIError:  # no such table: a new, empty database
            return None
    return rows[0][0] if len(rows) == 1 else None


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    return current_revision(engine) == HEAD
