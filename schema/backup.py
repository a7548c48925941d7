"""Backups and restoring them: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

Backing up works while kiosks write:

- SQLite: the copy is made with the online backup API (``sqlite3.Connection.backup``) in
  one step, inside one read transaction on a connection of the live database. In WAL
  mode a reader never blocks writers, and the copy is the database exactly as it was
  when that read began: every transaction committed before, nothing after. It is
  written to a temporary file next to the target, switched out of WAL mode (one
  self-contained file), checked (``PRAGMA integrity_check`` and the Alembic revision),
  flushed to disk and only then renamed to the target name, so a failed or interrupted
  backup never leaves a half-written file under the name asked for.
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot), then
  ``pg_restore --list`` on the result, the same temporary-file-and-rename. The password
  goes to pg_dump in the ``PGPASSWORD`` environment variable, never on its command line.

Restoring checks the file before anything is replaced, and refuses (``Refused``, one
line) a file that is not a database, is damaged, or is not a database of this version
of Dropin; the live database is then left exactly as it was.

- SQLite: the backup API again, in reverse: from the checked file into the live
  database, through an ordinary connection to it. We do not rename a file over the
  live one: a kiosk that still has the old file open would keep writing to the old
  inode, and the old ``-wal``/``-shm`` files next to a new main file can corrupt it.
  Through the backup API the live database is replaced in one write transaction that
  goes through its own WAL: atomic (a crash half-way leaves the old database), and
  other connections (kiosks that were not stopped) see the restored database at their
  next transaction. A copy of the live database as it was is kept next to it first
  (``<name>.before-restore-<time>.sqlite3``) when it can be read.
- PostgreSQL: ``pg_restore --list`` first, then ``pg_restore --clean --if-exists
  --single-transaction --exit-on-error`` into the database: either everything is
  restored or nothing changes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, Engine, make_url

from schema.errors import Refused

BACKUP_PREFIX = "dropin-"
# dropin-20260314-021500.sqlite3 / .dump (PostgreSQL custom format)
_BACKUP_NAME = re.compile(r"^dropin-(\d{8}-\d{6})(?:-(\d+))?\.(?:sqlite3|dump)$")
PG_TIMEOUT = 3600


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    revision: str
    kind: str  # "sqlite" or "postgresql"


# --- helpers --------------------------------------------------------------------------------


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from schema.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _expected_tables() -> set[str]:
    from sqlmodel import SQLModel

    import schema.tables  # noqa: F401  (registers the tables)

    return set(SQLModel.metadata.tables) | {"alembic_version"}


def _known_revisions() -> list[str]:
    """Every revision of this version of Dropin, newest first."""
    from alembic.script import ScriptDirectory

    from schema.migrate import alembic_config

    return [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


_TABLES_AT: dict[str, set[str]] = {}


def _tables_at(revision: str) -> set[str]:
    """The tables a database at ``revision`` has: a backup taken before an upgrade is
    restored, then brought up to date (see :func:`restore`)."""
    if revision == _head_revision():
        return _expected_tables()
    if revision not in _TABLES_AT:
        from schema.db import make_engine
        from schema.migrate import upgrade

        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'at.sqlite3'}")
            try:
                upgrade(engine, revision)
                with engine.connect() as conn:
                    _TABLES_AT[revision] = {r[0] for r in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                engine.dispose()
    return _TABLES_AT[revision]


def _other_version(path: Path, found: str) -> Refused:
    return Refused(f"{path} is from another version of Dropin (schema {found}; this one "
                   f"knows {', '.join(reversed(_known_revisions()))})",
                   code="backup.other_version")


def _bring_up_to_date(url: URL) -> None:
    """After restoring a backup from before an upgrade: the upgrade, again."""
    from schema.db import make_engine
    from schema.migrate import is_current, upgrade

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        if not is_current(engine):
            upgrade(engine)
    finally:
        engine.dispose()


def _url(engine_or_url: Engine | URL | str) -> URL:
    if isinstance(engine_or_url, Engine):
        return engine_or_url.url
    return make_url(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise Refused("an in-memory database cannot be backed up or restored",
                      code="backup.in_memory")
    return Path(url.database)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _temp_next_to(target: Path, suffix: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


# --- SQLite --------------------------------------------------------------------------------


def check_sqlite_file(path: Path) -> str:
    """The Alembic revision of the Dropin SQLite database at ``path``, after checking it;
    :class:`Refused` (one line) if it is not one this version of Dropin can use."""
    path = Path(path)
    if not path.is_file():
        raise Refused(f"{path} is not a file", code="backup.not_a_file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise Refused(f"{path} cannot be opened as a database ({exc})",
                      code="backup.unreadable") from None
    try:
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as exc:
            raise Refused(f"{path} is not a usable SQLite database ({exc})",
                          code="backup.not_sqlite") from None
        if result != ["ok"]:
            raise Refused(f"{path} is damaged (integrity check: {result[0]})",
                          code="backup.damaged")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            raise Refused(f"{path} is not a Dropin database (no schema version in it)",
                          code="backup.not_dropin")
        revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        raise Refused(f"{path} is not a usable SQLite database ({exc})",
                      code="backup.not_sqlite") from None
    finally:
        conn.close()
    if len(revisions) != 1 or revisions[0] not in _known_revisions():
        raise _other_version(path, ", ".join(revisions) or "none")
    missing = _tables_at(revisions[0]) - tables
    if missing:
        raise Refused(f"{path} is not a complete Dropin database (missing: "
                      f"{', '.join(sorted(missing))})", code="backup.incomplete")
    return str(revisions[0])


def _sqlite_backup(engine: Engine, target: Path) -> BackupInfo:
    source = _sqlite_path(engine.url)
    if not source.is_file():
        raise Refused(f"there is no database at {source}", code="backup.no_database")
    tmp = _temp_next_to(target, ".part")
    try:
        raw = engine.raw_connection()
        try:
            src = raw.driver_connection
            assert isinstance(src, sqlite3.Connection)
            dst = sqlite3.connect(tmp)
            try:
                # pages=-1: all of it in one step, one read transaction, one snapshot.
                # (Step by step, every kiosk write would restart the copy.)
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            raw.close()
        revision = check_sqlite_file(tmp)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        _remove(tmp)
        raise
    return BackupInfo(target, target.stat().st_size, revision, "sqlite")


def _sqlite_restore(url: URL, path: Path) -> Path | None:
    live = _sqlite_path(url)
    check_sqlite_file(path)  # before anything is touched
    kept: Path | None = None
    if live.is_file() and live.stat().st_size > 0:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate = live.with_name(f"{live.stem}.before-restore-{stamp}.sqlite3")
        try:
            kept = _sqlite_backup_plain(live, candidate)
        except (sqlite3.Error, OSError):
            kept = None  # a damaged live database is what one restores over
    src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(live, timeout=60)
        try:
            dst.execute("PRAGMA busy_timeout = 60000")
            dst.execute("PRAGMA journal_mode = WAL")
            # One write transaction on the live database, through its WAL: atomic.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA wal_checkpoint(PASSIVE)")
            result = [r[0] for r in dst.execute("PRAGMA integrity_check(20)")]
            if result != ["ok"]:  # pragma: no cover - the file was checked just before
                raise Refused(f"the restored database failed its check: {result[0]}",
                              code="restore.check_failed")
        finally:
            dst.close()
    finally:
        src.close()
    return kept


def _sqlite_backup_plain(source: Path, target: Path) -> Path:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except BaseException:
        _remove(target)
        raise
    finally:
        src.close()
    return target


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    """A PostgreSQL client program: ``$DROPIN_PG_BINDIR``, the newest
    /usr/lib/postgresql/*/bin (Debian), else the PATH."""
    folders: list[Path] = []
    if os.environ.get("DROPIN_PG_BINDIR"):
        folders.append(Path(os.environ["DROPIN_PG_BINDIR"]))

    def version(p: Path) -> tuple[int, str]:
        name = p.parent.name
        return (int(name), name) if name.isdigit() else (0, name)

    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise Refused(f"{name} is not installed (apt-get install postgresql-client)",
                  code="backup.tool_missing")


def _pg_args_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password only in the environment."""
    env = dict(os.environ)
    args: list[str] = []
    query = {k: (v[0] if isinstance(v, tuple) else v) for k, v in url.query.items()}
    host = url.host or query.get("host")
    if host:
        args += ["--host", str(host)]
    port = url.port or query.get("port")
    if port:
        args += ["--port", str(port)]
    if url.username:
        args += ["--username", url.username]
    if not url.database:
        raise Refused("the PostgreSQL URL names no database", code="backup.no_database_name")
    args += ["--dbname", url.database]
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    if "sslmode" in query:
        env["PGSSLMODE"] = str(query["sslmode"])
    return args, env


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT,
                          check=False)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else "no message"


def _dump_revision(path: Path) -> str:
    """The schema revision a pg_dump file holds (its alembic_version row)."""
    version = _run([str(pg_tool("pg_restore")), "--data-only", "--table=alembic_version",
                    "--file=-", str(path)])
    rows = version.stdout.split("FROM stdin;", 1)[-1].split("\\.")[0]
    found = re.findall(r"^(\w+)$", rows, re.MULTILINE)
    if len(found) != 1 or found[0] not in _known_revisions():
        raise _other_version(path, ", ".join(found) or "none")
    return str(found[0])


def check_pg_dump(path: Path) -> list[str]:
    """The table names in a pg_dump custom-format file, after checking it is a Dropin dump;
    :class:`Refused` (one line) otherwise."""
    path = Path(path)
    if not path.is_file():
        raise Refused(f"{path} is not a file", code="backup.not_a_file")
    listing = _run([str(pg_tool("pg_restore")), "--list", str(path)])
    if listing.returncode != 0:
        raise Refused(f"{path} is not a usable pg_dump file ({_first_line(listing.stderr)})",
                      code="backup.not_pg_dump")
    tables = set(re.findall(r"\bTABLE DATA \S+ (\S+) ", listing.stdout))
    if "alembic_version" not in tables:
        raise Refused(f"{path} is not a Dropin backup (no schema version in it)",
                      code="backup.not_dropin")
    missing = _tables_at(_dump_revision(path)) - tables
    if missing:
        raise Refused(f"{path} is not a complete Dropin backup or is from another version "
                      f"(missing: {', '.join(sorted(missing))})", code="backup.incomplete")
    return sorted(tables)


def _pg_backup(engine: Engine, target: Path) -> BackupInfo:
    args, env = _pg_args_env(engine.url)
    tmp = _temp_next_to(target, ".part")
    try:
        done = _run([str(pg_tool("pg_dump")), "--format=custom", "--file", str(tmp), *args],
                    env)
        if done.returncode != 0:
            raise Refused(f"pg_dump failed: {_first_line(done.stderr)}",
                          code="backup.pg_dump_failed")
        check_pg_dump(tmp)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    from sqlalchemy import text

    with engine.connect() as conn:
        revision = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    return BackupInfo(target, target.stat().st_size, revision, "postgresql")


def _pg_restore(url: URL, path: Path) -> None:
    check_pg_dump(path)
    revision = _dump_revision(path)
    args, env = _pg_args_env(url)
    done = _run([str(pg_tool("pg_restore")), "--clean", "--if-exists", "--no-owner",
                 "--single-transaction", "--exit-on-error", *args, str(path)], env)
    if done.returncode != 0:
        raise Refused(f"pg_restore failed, nothing was changed: {_first_line(done.stderr)}",
                      code="restore.pg_restore_failed")
    # Tables made by a later revision are not in the dump, and pg_restore leaves them:
    # their rows are from after the backup. They go; the upgrade makes them again.
    later = _expected_tables() - _tables_at(revision)
    if later:
        from sqlalchemy import text

        from schema.db import make_engine

        engine = make_engine(url.render_as_string(hide_password=False))
        try:
            with engine.begin() as conn:
                for table in sorted(later):
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
        finally:
            engine.dispose()


# --- the public functions ------------------------------------------------------------------


def backup(engine: Engine, path: Path | str) -> BackupInfo:
    """Copy the database at ``engine`` to ``path`` (SQLite file, or a pg_dump custom-format
    file for PostgreSQL), while kiosks keep writing; the copy is checked before it gets
    its name."""
    target = Path(path)
    if target.is_dir():
        raise Refused(f"{target} is a folder; give a file name (or use --folder)",
                      code="backup.target_is_folder")
    if engine.dialect.name == "sqlite":
        return _sqlite_backup(engine, target)
    if engine.dialect.name == "postgresql":
        return _pg_backup(engine, target)
    raise Refused(f"cannot back up a {engine.dialect.name} database", code="backup.unsupported")


def restore(engine_or_url: Engine | URL | str, path: Path | str) -> Path | None:
    """Replace the database with the backup at ``path``, after checking the file.

    Refuses (``Refused``; the live database untouched) a file that is missing, damaged,
    not a Dropin database or from a version of Dropin this one does not know. A backup
    from before an upgrade is restored and then upgraded. Returns the copy of the
    previous SQLite database kept next to it (None for PostgreSQL, or if it could not
    be read)."""
    if isinstance(engine_or_url, Engine):
        engine_or_url.dispose()  # our own pooled connections must not hold anything
    url = _url(engine_or_url)
    source = Path(path)
    if url.get_backend_name() == "sqlite":
        if source.resolve() == _sqlite_path(url).resolve():
            raise Refused("that is the live database itself", code="restore.live_database")
        kept = _sqlite_restore(url, source)
        _bring_up_to_date(url)
        return kept
    if url.get_backend_name() == "postgresql":
        _pg_restore(url, source)
        _bring_up_to_date(url)
        return None
    raise Refused(f"cannot restore into a {url.get_backend_name()} database",
                  code="restore.unsupported")


def backup_name(engine: Engine, at: dt.datetime | None = None, n: int = 0) -> str:
    """``dropin-YYYYmmdd-HHMMSS.sqlite3`` (``.dump`` for PostgreSQL; ``-N`` before the
    extension for a second one in the same second): the names sort by time."""
    at = at or dt.datetime.now()
    ext = "sqlite3" if engine.dialect.name == "sqlite" else "dump"
    return f"{BACKUP_PREFIX}{at:%Y%m%d-%H%M%S}{f'-{n}' if n else ''}.{ext}"


def backup_to_folder(engine: Engine, folder: Path | str,
                     keep: int = 14) -> tuple[BackupInfo, list[Path]]:
    """A new dated backup in ``folder``, then :func:`rotate`. Returns it and the old
    backups removed."""
    if keep < 1:
        raise Refused("--keep must be at least 1", code="backup.keep")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    at = dt.datetime.now()
    n = 0
    while (folder / backup_name(engine, at, n)).exists():
        n += 1
    info = backup(engine, folder / backup_name(engine, at, n))
    return info, rotate(folder, keep)


def _age_key(p: Path) -> tuple[str, int]:
    m = _BACKUP_NAME.match(p.name)
    assert m is not None
    return m.group(1), int(m.group(2) or 0)


def rotate(folder: Path | str, keep: int = 14) -> list[Path]:
    """Remove all but the newest ``keep`` backups in ``folder`` (only files named as
    :func:`backup_name` makes them; anything else there is left alone)."""
    if keep < 1:
        raise Refused("keep must be at least 1", code="backup.keep")
    folder = Path(folder)
    if not folder.is_dir():
        return []
    ours = sorted((p for p in folder.iterdir() if p.is_file() and _BACKUP_NAME.match(p.name)),
                  key=_age_key)
    old = ours[:-keep] if len(ours) > keep else []
    for p in old:
        p.unlink(missing_ok=True)
    if old:
        _fsync_dir(folder)
    return old
