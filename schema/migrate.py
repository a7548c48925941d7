"""Create or upgrade a database with the Alembic revisions (programs never call create_all).

Alembic is imported only to upgrade: checking that a database is current is one query
against ``alembic_version``, so the kiosk starts without loading Alembic at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schema.sql import Database, Db, driver_errors

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in schema/migrations/versions. tests/test_migrations.py checks it
# against Alembic's own answer, so a new revision without a new HEAD fails the tests.
HEAD = "0005"


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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` to the newest revision (or to ``revision``)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _revision(db: Db) -> str | None:
    rows = db.rows("SELECT version_num FROM alembic_version")
    return rows[0][0] if len(rows) == 1 else None


def current_revision(engine: Engine | Database) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    if isinstance(engine, Database):
        try:
            return engine.transaction(_revision, attempts=1)
        except driver_errors():  # no such table: a new, empty database
            return None
    from sqlmodel import Session

    with Session(engine) as s:
        try:
            return _revision(Db.of(s))
        except driver_errors():  # no such table: a new, empty database
            return None


def is_current(engine: Engine | Database) -> bool:
    """True when the database at ``engine`` (an engine, or the kiosk's
    :class:`~schema.sql.Database`) is at the newest revision."""
    return current_revision(engine) == HEAD
