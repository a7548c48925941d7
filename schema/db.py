"""Engines and sessions: SQLite (embedded default) or PostgreSQL via psycopg 3."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

ENV_VAR = "DROPIN_DATABASE_URL"
T = TypeVar("T")
WRITE_OPTION = "dropin_write"


def data_dir() -> Path:
    """The user data folder where the default SQLite database lives."""
    return Path(platformdirs.user_data_dir("dropin", appauthor=False))


def default_url() -> str:
    """``DROPIN_DATABASE_URL`` if set, else a SQLite file in the user data folder."""
    url = os.environ.get(ENV_VAR)
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'dropin.sqlite3'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cur.execute("PRAGMA busy_timeout = 10000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA secure_delete = ON")
    cur.execute("PRAGMA mmap_size = 1073741824")
    cur.execute("PRAGMA cache_size = -65536")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # A writing transaction takes the write lock up front (BEGIN IMMEDIATE), so two
    # writers queue on busy_timeout instead of failing when a read upgrades to a write.
    # Reports stay deferred and never hold kiosks up.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _lean_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The kiosk reads little and by key: no memory map and a 2 MiB page cache keep it small
    # (the operating system's file cache holds the rest; an 8 MiB cache cost 6 MiB more
    # resident memory and no measurable scan time on the large benchmark database).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA mmap_size = 0")
    cur.execute("PRAGMA cache_size = -2048")
    cur.close()


def make_engine(url: str | None = None, *, lean: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: :func:`default_url`) with Dropin's settings.

    ``lean``: for the kiosk, which only signs people in: SQLite keeps no memory map and
    a 2 MiB page cache instead of 64 MiB (reports want the big ones).
    """
    url = url or default_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        # check_same_thread off: the pool hands a connection to one thread at a time
        # (the kiosk runs its database work on a worker thread).
        engine = create_engine(
            url, connect_args={"timeout": 10, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if lean:
            event.listen(engine, "connect", _lean_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# Unique constraints that two clients can race for when each first finds no row: on
# PostgreSQL (read committed) both insert and the second fails. Done again, the work
# finds the row the other committed (signing someone in twice is "already in").
# SQLite never gets here: writers take the lock up front (BEGIN IMMEDIATE).
RACED_CONSTRAINTS = ("uq_attendance_person_session",)


def _transient(exc: BaseException) -> bool:
    """Failures worth retrying: a busy SQLite file, a PostgreSQL serialisation clash, a
    lost race for one of :data:`RACED_CONSTRAINTS`."""
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        s in text
        for s in ("database is locked", "database is busy", "could not serialize", "deadlock",
                  *RACED_CONSTRAINTS)
    )


def run_in_transaction(engine: Engine, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work`` in one transaction, committing at the end; retry transient clashes."""
    for attempt in range(attempts):
        try:
            writer = engine.execution_options(**{WRITE_OPTION: True})
            with Session(writer, expire_on_commit=False) as session:
                result = work(session)
                session.commit()
                return result
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts - 1 or not _transient(exc):
                raise
            time.sleep(0.05 * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
