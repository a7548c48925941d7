"""Engines and sessions: SQLite (embedded default) or PostgreSQL via psycopg 3."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

from schema.sql import (  # noqa: F401  (their old home)
    ENV_VAR,
    ROOMY_PRAGMAS,
    SQLITE_PRAGMAS,
    data_dir,
    default_url,
    driver_errors,
    transient,
)

T = TypeVar("T")
WRITE_OPTION = "dropin_write"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    for pragma in (*SQLITE_PRAGMAS, *ROOMY_PRAGMAS):
        dbapi_conn.execute(pragma)


def _sqlite_begin(conn: Any) -> None:
    # A writing transaction takes the write lock up front (BEGIN IMMEDIATE), so two
    # writers queue on busy_timeout instead of failing when a read upgrades to a write.
    # Reports stay deferred and never hold kiosks up.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: :func:`default_url`) with Dropin's settings (the
    kiosk connects on its own: :class:`schema.sql.Database`)."""
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
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def run_in_transaction(engine: Engine, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work`` in one transaction, committing at the end; retry transient clashes
    (raised by SQLAlchemy, or by the driver itself under an operation of
    :mod:`schema.sql` on the session's connection)."""
    retry: tuple[type[BaseException], ...] = (OperationalError, DBAPIError, *driver_errors())
    for attempt in range(attempts):
        try:
            writer = engine.execution_options(**{WRITE_OPTION: True})
            with Session(writer, expire_on_commit=False) as session:
                result = work(session)
                session.commit()
                return result
        except retry as exc:
            if attempt == attempts - 1 or not transient(exc):
                raise
            time.sleep(0.05 * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


class Sessions:
    """Work written against a SQLModel session, run the way the kiosk's runner runs its
    :class:`schema.sql.Database` work (the admin window's worker thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def transaction(self, work: Callable[[Session], T], attempts: int = 8) -> T:
        return run_in_transaction(self.engine, work, attempts)

    def close(self) -> None:
        """The engine's pool belongs to whoever made the engine."""


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
