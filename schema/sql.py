"""The operations' own way to the database: plain DB-API, no SQLAlchemy.

The kiosk's operations (sign-in, find-me, registration, referrals, cards, staff PINs)
are written once, against :class:`Db`: one open transaction on a ``sqlite3`` or
``psycopg`` connection, statements with ``:name`` parameters. The kiosk makes its own
connection with :class:`Database` and never loads SQLAlchemy (a third of a second and
~30 MiB before the first card could be read). The admin window, the command line and
the tests call the same functions with a SQLModel ``Session``: :meth:`Db.of` takes the
session's own connection, inside the session's transaction.

Values are stored as SQLAlchemy stores them, so that both sides read each other's rows:
on SQLite a date is ``YYYY-MM-DD``, a moment ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC, no
zone) and a flag 0 or 1; on PostgreSQL the driver's own types, moments as ``timestamptz``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
ENV_VAR = "DROPIN_DATABASE_URL"

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# Unique constraints that two PostgreSQL clients can race for when each first finds no
# row; done again, the work finds the row the other committed. SQLite never gets there:
# writers take the lock up front (BEGIN IMMEDIATE).
RACED_CONSTRAINTS = ("uq_attendance_person_session",)


def transient(exc: BaseException) -> bool:
    """Failures worth doing again: a busy SQLite file, a PostgreSQL serialisation
    clash or deadlock, a lost race for one of :data:`RACED_CONSTRAINTS`."""
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("database is locked", "database is busy",
                                   "could not serialize", "deadlock", *RACED_CONSTRAINTS))


def driver_errors() -> tuple[type[BaseException], ...]:
    """The DB-API error classes of the drivers loaded so far."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def driver_bugs() -> tuple[type[BaseException], ...]:
    """The DB-API errors that mean the statement or its data is at fault (a constraint,
    bad SQL, a value out of range), not the database or the way to it: trying again
    later would fail the same way."""
    errors: list[type[BaseException]] = [sqlite3.IntegrityError, sqlite3.ProgrammingError,
                                         sqlite3.DataError, sqlite3.NotSupportedError]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors += [psycopg.IntegrityError, psycopg.ProgrammingError, psycopg.DataError,
                   psycopg.NotSupportedError]
    return tuple(errors)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _pg_value(value: Any) -> Any:
    # Moments are ``timestamptz``: sent with their zone (a naive one is taken as UTC),
    # whatever zone the server or the connection is set to.
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return value


class Db:
    """One open transaction on a DB-API connection.

    Statements use ``:name`` parameters; a list or tuple value is spread out for
    ``IN :name``-style use, written ``IN (:name)``. Rows come back as tuples of what the
    driver gives: read moments, dates and flags through :meth:`moment`, :meth:`day`
    and :meth:`flag`, which accept both drivers' forms.
    """

    __slots__ = ("_fresh", "_session", "_sqlite", "dialect", "raw")

    _compiled: ClassVar[dict[tuple[Any, ...], str]] = {}  # statements as the driver wants them

    def __init__(self, raw: Any, dialect: str, session: Any = None) -> None:
        self.raw = raw
        self.dialect = dialect
        self._sqlite = dialect == "sqlite"
        self._session = session
        self._fresh = session is not None

    @classmethod
    def of(cls, s: Any) -> Db:
        """``s`` itself when it is a :class:`Db`; for a SQLModel/SQLAlchemy session, its
        own connection in its transaction (anything pending in the session is written
        first, and what the session holds is expired once this changes a row)."""
        if isinstance(s, Db):
            return s
        s.flush()
        conn = s.connection()
        return cls(conn.connection.driver_connection, conn.dialect.name, session=s)

    # --- statements ---------------------------------------------------------------

    def _execute(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        if self._session is not None and self._fresh and _changes(sql):
            self._fresh = False
            self._session.expire_all()
        conv = _sqlite_value if self._sqlite else _pg_value
        values: dict[str, Any] = {}
        spread: dict[str, int] = {}
        for key, value in (params or {}).items():
            if isinstance(value, list | tuple):
                items = list(value) or [None]  # IN (NULL) matches nothing
                spread[key] = len(items)
                for i, item in enumerate(items):
                    values[f"{key}__{i}"] = conv(item)
            else:
                values[key] = conv(value)
        if self._sqlite:
            return self.raw.execute(self._text(sql, spread) if spread else sql, values)
        cur = self.raw.cursor()
        cur.execute(self._text(sql, spread), values)  # always a mapping: "%%" reads as "%"
        return cur

    def _text(self, sql: str, spread: dict[str, int]) -> str:
        """``sql`` as the driver takes it: list parameters spread into one mark each, and
        for psycopg ``%(name)s`` marks (and a literal ``%`` doubled). Made once each."""
        key = (sql, self.dialect, tuple(sorted(spread.items())))
        found = self._compiled.get(key)
        if found is None:
            def mark(name: str) -> str:
                return f":{name}" if self._sqlite else f"%({name})s"

            def one(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in spread:
                    return ", ".join(mark(f"{name}__{i}") for i in range(spread[name]))
                return mark(name)

            found = _PARAM.sub(one, sql if self._sqlite else sql.replace("%", "%%"))
            self._compiled[key] = found
        return found

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        return list(self._execute(sql, params).fetchall())

    def row(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        return self._execute(sql, params).fetchone()

    def value(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        found = self.row(sql, params)
        return None if found is None else found[0]

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """A statement that changes rows; how many it changed."""
        return int(self._execute(sql, params).rowcount)

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """One row into ``table`` (whose key is ``id``); the new row's id."""
        columns = ", ".join(values)
        marks = ", ".join(f":{c}" for c in values)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        if self._sqlite:
            return int(self._execute(sql, values).lastrowid)
        found = self._execute(sql + " RETURNING id", values).fetchone()
        return int(found[0])

    # --- reading values back ----------------------------------------------------------

    @staticmethod
    def moment(value: Any) -> dt.datetime | None:
        """A stored moment as an aware UTC datetime (None stays None)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @staticmethod
    def day(value: Any) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value)[:10])

    @staticmethod
    def clock(value: Any) -> dt.time | None:
        if value is None or isinstance(value, dt.time):
            return value
        return dt.time.fromisoformat(str(value))

    @staticmethod
    def flag(value: Any) -> bool:
        return bool(value)


def _changes(sql: str) -> bool:
    """Whether ``sql`` may change a row an ORM session already holds: not a SELECT, nor
    a plain INSERT (a new row; an upsert's ``DO UPDATE`` may change one)."""
    head = sql.lstrip()[:6].upper()
    if head == "SELECT":
        return False
    return head != "INSERT" or "DO UPDATE" in sql.upper()


# --- where the database is ----------------------------------------------------------

def data_dir() -> Path:
    """The user data folder where the default SQLite database lives."""
    import platformdirs

    return Path(platformdirs.user_data_dir("dropin", appauthor=False))


def default_url() -> str:
    """``DROPIN_DATABASE_URL`` if set, else a SQLite file in the user data folder."""
    url = os.environ.get(ENV_VAR)
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'dropin.sqlite3'}"


# --- the kiosk's own connection ------------------------------------------------------

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
)
# The kiosk reads little and by key: no memory map, and an 8 MiB page cache, which holds
# the find-me index's hot pages (on the large benchmark database its p99 went from 5 ms
# to 3 ms against 2 MiB) and fills within the first hundred sign-ins, then stays level.
LEAN_PRAGMAS = ("PRAGMA mmap_size = 0", "PRAGMA cache_size = -8192")
ROOMY_PRAGMAS = ("PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -65536")


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///`` URL (None for any other URL)."""
    if not url.startswith("sqlite:"):
        return None
    rest = url.removeprefix("sqlite:").split("?", 1)[0]
    return rest[3:] if rest.startswith("///") else ":memory:"  # sqlite:// names no file


def postgres_conninfo(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


class Source(Protocol):
    """What runs a unit of work in one transaction: a :class:`Database`, or
    :class:`schema.db.Sessions` for work written against a SQLModel session."""

    def transaction(self, work: Callable[[Any], T], attempts: int = ...) -> T: ...

    def close(self) -> None: ...


class Database:
    """Where the kiosk's connection comes from: one connection, opened when first
    needed, used by one thread at a time (the kiosk's database worker)."""

    # A PostgreSQL connection left unused this long is tried before it is trusted with
    # work (a server restart or a dropped idle connection then costs nobody an error).
    PING_AFTER_S = 10.0

    def __init__(self, url: str, *, lean: bool = True, busy_ms: int = 10_000,
                 attempts: int = 8) -> None:
        """``busy_ms``: how long a statement waits for a lock another program holds (a
        SQLite file being written, a PostgreSQL row); ``attempts``: how many times a
        transaction is tried when it clashes. The kiosk asks for short waits (see
        ``kiosk.__main__``): a visitor's sign-in goes to the outbox rather than wait."""
        self.url = url
        self.lean = lean
        self.busy_ms = busy_ms
        self.attempts = attempts
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._raw: Any = None
        self._used = 0.0
        self._file: tuple[int, int] | None = None  # the SQLite file connected to

    def __repr__(self) -> str:
        return f"Database({self.dialect})"

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            path = sqlite_path(self.url)
            raw = sqlite3.connect(path or ":memory:", timeout=self.busy_ms / 1000,
                                  isolation_level=None, check_same_thread=False)
            try:
                for pragma in (*SQLITE_PRAGMAS, *(LEAN_PRAGMAS if self.lean else ROOMY_PRAGMAS),
                               f"PRAGMA busy_timeout = {int(self.busy_ms)}"):
                    raw.execute(pragma)
            except sqlite3.Error:
                raw.close()
                raise
            self._file = _file_id(path)
            return raw
        import psycopg

        # A server or network gone without a word (no reset): TCP keepalives and a time
        # limit on unacknowledged data end the wait in seconds, not the minutes TCP
        # would take, and the kiosk keeps the sign-in in its outbox.
        pg = psycopg.connect(postgres_conninfo(self.url), autocommit=False,
                             connect_timeout=max(2, self.busy_ms // 1000), keepalives=1,
                             keepalives_idle=10, keepalives_interval=3, keepalives_count=3,
                             tcp_user_timeout=15000)
        try:
            pg.execute(f"SET lock_timeout = {int(self.busy_ms)}")
            if self.lean:  # (a kiosk's operations are small; the admin's reports are not)
                pg.execute("SET statement_timeout = 10000")
            pg.commit()
        except psycopg.Error:
            pg.close()
            raise
        return pg

    def connection(self) -> Any:
        if self._raw is None:
            self._raw = self._connect()
        return self._raw

    def close(self) -> None:
        if self._raw is not None:
            try:
                self._raw.close()
            except driver_errors():
                pass
            self._raw = None

    def interrupt(self) -> None:
        """From another thread: end the statement under way (the kiosk shutting down
        while its worker waits on a locked file or a server gone quiet)."""
        raw = self._raw
        if raw is None:
            return
        try:
            if self.dialect == "sqlite":
                raw.interrupt()
            else:
                raw.cancel_safe(timeout=2.0)
        except Exception:  # (best effort: the connection may be gone already)
            log.warning("could not interrupt the database's work", exc_info=True)

    def transaction(self, work: Callable[[Db], T], attempts: int | None = None) -> T:
        """Run ``work`` in one writing transaction and commit; do it again after a
        transient clash (busy file, serialisation failure, lost race)."""
        attempts = attempts or self.attempts
        for attempt in range(attempts):
            try:
                return self._once(work)
            except driver_errors() as exc:
                if attempt == attempts - 1 or not transient(exc):
                    raise
                time.sleep(0.05 * (2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _alive(self) -> Any:
        """The PostgreSQL connection, tried with a ``SELECT 1`` first when it has not been
        used for a while, and replaced when that fails."""
        raw = self.connection()
        if time.monotonic() - self._used > self.PING_AFTER_S:
            try:
                raw.execute("SELECT 1")
            except driver_errors():
                self.close()
                raw = self.connection()
        return raw

    def _same_file(self) -> None:
        """The SQLite file still there, and the same one: deleted or moved away while
        the kiosk ran, it is the database gone (the sign-in is kept, not written into a
        file nobody will see again); replaced (a restore), the new one from now on."""
        if self._file is None:  # (not connected yet: a first start may create it)
            return
        path = sqlite_path(self.url)
        now = _file_id(path)
        if now != self._file:
            self.close()
            if now is None:  # (not made again, empty, by connecting)
                raise sqlite3.OperationalError(f"the database file {path} is missing")

    def _once(self, work: Callable[[Db], T]) -> T:
        sqlite = self.dialect == "sqlite"
        if sqlite:
            self._same_file()
        raw = self.connection() if sqlite else self._alive()
        try:
            if sqlite:
                raw.execute("BEGIN IMMEDIATE")
            result = work(Db(raw, self.dialect))
            raw.commit() if not sqlite else raw.execute("COMMIT")
            return result
        except BaseException:
            try:
                if not sqlite:
                    raw.rollback()
                elif raw.in_transaction:
                    raw.execute("ROLLBACK")
            except driver_errors():
                self.close()  # a broken connection: open a new one next time
            if not sqlite and _broken(raw):
                self.close()
            raise
        finally:
            self._used = time.monotonic()


def _file_id(path: str | None) -> tuple[int, int] | None:
    """The device and inode of a database file (None: in memory, or not there)."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _broken(raw: Any) -> bool:
    return bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))

