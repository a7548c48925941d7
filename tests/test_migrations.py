"""The Alembic revisions create exactly the tables the models describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import schema.tables  # noqa: F401
from schema import migrate
from schema.db import make_engine


def test_migrations_match_the_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(sqlite_engine) -> None:
    with sqlite_engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 10000}


def test_head_constant_is_alembics_head_and_is_current_reads_the_database(
        tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert migrate.script_head() == migrate.HEAD  # a new revision needs a new HEAD
        assert migrate.current_revision(eng) is None  # never migrated
        assert not migrate.is_current(eng)
        migrate.upgrade(eng)
        assert migrate.current_revision(eng) == migrate.HEAD
        assert migrate.is_current(eng)
        with eng.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
        assert not migrate.is_current(eng)  # behind: the programs upgrade or refuse
    finally:
        eng.dispose()


def test_kiosk_checks_migrations_without_loading_alembic() -> None:
    code = ("import sys, kiosk.app, schema.migrate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


def test_names_on_record_get_accent_free_keys_on_upgrade(tmp_path: Path) -> None:
    """0004: the search keys of everyone already on record are worked out again."""
    eng = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        migrate.upgrade(eng, "0003")
        with eng.begin() as conn:
            conn.execute(text("INSERT INTO household (id, reference, created_at) "
                              "VALUES (1, '', '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO person (id, household_id, first_name, last_name, created_at, "
                "search_name, search_last) VALUES (1, 1, 'Zoë', 'O''Neill', "
                "'2026-01-01 00:00:00', 'zoë', 'o''neill')"))
        migrate.upgrade(eng)
        with eng.begin() as conn:
            assert conn.execute(text("SELECT search_name, search_last FROM person")).one() == (
                "zoe", "oneill")
        from alembic import command

        cfg = migrate.alembic_config()
        with eng.begin() as conn:  # and back
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with eng.begin() as conn:
            assert conn.execute(text("SELECT search_name, search_last FROM person")).one() == (
                "zoë", "o'neill")
    finally:
        eng.dispose()
