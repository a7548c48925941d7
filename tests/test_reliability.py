"""Never lose a sign-in (issue 5, points 10-12): crash test, concurrent kiosks, backups.

Sizes (CI runs the defaults; smaller for a quick local run):
    DROPIN_CRASH_KILLS    SIGKILLs of the writer (default 200; README long run: 1000)
    DROPIN_STORM_SIGNINS  sign-ins on each of SQLite and PostgreSQL (default 5000: 10 000
                          in all)
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from admin.cli import main as cli_main
from bench.crash import run_crash
from bench.storm import check_storm, confirmed_now, prepare, run_storm, start_storm
from schema.backup import backup, check_sqlite_file, restore, rotate
from schema.db import make_engine, run_in_transaction
from schema.errors import Refused
from schema.migrate import is_current, upgrade
from schema.people import NewPerson, register_household
from schema.signin import sign_in

CRASH_KILLS = int(os.environ.get("DROPIN_CRASH_KILLS", "200"))
STORM_SIGNINS = int(os.environ.get("DROPIN_STORM_SIGNINS", "5000"))


def _say(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n  {line}", flush=True)


def _pairs(url: str) -> set[tuple[int, int]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT person_id, session_id FROM attendance "
                                 "WHERE person_id IS NOT NULL")).all()
    engine.dispose()
    return {(int(p), int(s)) for p, s in rows}


def _sign_in_new(engine: Engine, session_id: int, name: str) -> tuple[int, int]:
    def work(s: object) -> int:
        _, people = register_household(s, members=[NewPerson(name, "Test", 1980)],  # type: ignore
                                       actor="test")
        pid = people[0].id
        assert pid is not None
        sign_in(s, person_ids=[pid], session_id=session_id, method="card",  # type: ignore
                actor="test")
        return pid

    return run_in_transaction(engine, work), session_id


def _fingerprint(db: Path) -> str:
    h = hashlib.sha256()
    for p in (db, Path(f"{db}-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


# --- 10. crash test --------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_never_loses_a_confirmed_sign_in(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    seed = int(os.environ.get("DROPIN_CRASH_SEED", random.randrange(1_000_000)))
    figures = run_crash(f"sqlite:///{tmp_path / 'crash.sqlite3'}", CRASH_KILLS, seed=seed)
    _say(capsys, f"{figures} (seed {seed})")
    assert figures.kills == CRASH_KILLS >= 1
    assert figures.missing == 0 and figures.integrity == "ok"
    assert figures.confirmed >= CRASH_KILLS  # the writers did get work done between kills


# --- 11. concurrent kiosks -----------------------------------------------------------------


@pytest.mark.slow
def test_four_kiosks_and_an_admin_on_one_sqlite_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    figures = run_storm(f"sqlite:///{tmp_path / 'storm.sqlite3'}", kiosks=4, admins=1,
                        signins=STORM_SIGNINS, outdir=tmp_path / "logs")
    _say(capsys, str(figures))
    assert figures.errors == 0 and figures.signins == STORM_SIGNINS
    assert figures.admin_ops > 0


@pytest.mark.slow
@pytest.mark.postgres
def test_ten_clients_on_postgresql(postgres_server: object, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = postgres_server.create_database()  # type: ignore[attr-defined]
    figures = run_storm(url, kiosks=10, admins=1, signins=STORM_SIGNINS,
                        outdir=tmp_path / "logs")
    _say(capsys, str(figures))
    assert figures.errors == 0 and figures.signins == STORM_SIGNINS


# --- 12. backups ---------------------------------------------------------------------------


@pytest.mark.slow
def test_backups_during_a_write_storm_restore_intact(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    logs = tmp_path / "logs"
    proc = start_storm(url, logs, kiosks=3, admins=1, signins=1_000_000)
    live = make_engine(url)
    checked = 0
    try:
        deadline = time.monotonic() + 60
        while len(confirmed_now(logs)) < 50:
            assert proc.poll() is None, "the kiosks stopped"
            assert time.monotonic() < deadline, "the kiosks wrote nothing"
            time.sleep(0.05)
        for i in range(4):
            before = confirmed_now(logs)
            copy = tmp_path / f"backup-{i}.sqlite3"
            info = backup(live, copy)
            assert info.path == copy and not list(tmp_path.glob(".backup-*"))
            fresh = tmp_path / f"restored-{i}.sqlite3"
            restore(f"sqlite:///{fresh}", copy)
            assert check_sqlite_file(fresh)
            con = sqlite3.connect(fresh)
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            con.close()
            restored = _pairs(f"sqlite:///{fresh}")
            assert before <= restored, f"backup {i} lost {len(before - restored)} sign-ins"
            checked += len(before)
            time.sleep(0.3)
    finally:
        (logs / "stop").touch()
        code = proc.wait(timeout=120)
        live.dispose()
    assert code == 0
    figures = check_storm(url, logs, 0.0, 3)
    _say(capsys, f"backups during a write storm: 4 backups taken while {figures.kiosks} kiosks "
         f"wrote {figures.signins} sign-ins; each restored intact, {checked} sign-ins "
         "confirmed before a backup checked in its copy")


@pytest.fixture
def small_db(tmp_path: Path) -> Iterator[tuple[str, Engine, list[tuple[int, int]]]]:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    setup = prepare(url, regulars=2, sessions=1)
    engine = make_engine(url)
    done = [_sign_in_new(engine, setup["sessions"][0], f"Person {i}") for i in range(5)]
    yield url, engine, done
    engine.dispose()


def test_restore_refuses_bad_files_and_changes_nothing(
        small_db: tuple[str, Engine, list[tuple[int, int]]], tmp_path: Path) -> None:
    url, engine, done = small_db
    good = tmp_path / "good.sqlite3"
    backup(engine, good)
    engine.dispose()
    data = good.read_bytes()

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(os.urandom(len(data)))
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(data[: len(data) // 2])
    scribbled = tmp_path / "scribbled.sqlite3"  # pages in the middle overwritten
    page = 4096
    scribbled.write_bytes(data[: 3 * page] + os.urandom(4 * page) + data[7 * page:])
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.commit()
    con.close()
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(data)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    con.commit()
    con.close()
    missing = tmp_path / "missing.sqlite3"

    live = Path(engine.url.database or "")
    before = _fingerprint(live)
    for bad in (garbage, truncated, scribbled, empty, other, newer, missing, live):
        with pytest.raises(Refused) as refused:
            restore(url, bad)
        message = str(refused.value)
        assert message and "\n" not in message, message
        assert _fingerprint(live) == before, bad.name
    assert not list(tmp_path.glob("*before-restore*"))
    assert set(done) <= _pairs(url)

    # And the good one does restore: what was signed in after it is gone again.
    later = _sign_in_new(make_engine(url), done[0][1], "After")
    kept = restore(url, good)
    assert kept is not None and later in _pairs(f"sqlite:///{kept}")
    assert _pairs(url) == set(done)
    assert check_sqlite_file(live)


def test_backup_and_restore_commands(small_db: tuple[str, Engine, list[tuple[int, int]]],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, engine, done = small_db
    out = tmp_path / "by-hand.sqlite3"
    assert cli_main(["--database", url, "backup", "-o", str(out)]) == 0
    assert "Backup written" in capsys.readouterr().out
    folder = tmp_path / "nightly"
    for _ in range(4):
        assert cli_main(["--database", url, "backup", "--folder", str(folder), "--keep",
                         "2"]) == 0
    assert len(list(folder.glob("dropin-*.sqlite3"))) == 2
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 1000)
    capsys.readouterr()
    assert cli_main(["--database", url, "restore", str(garbage), "--yes"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dropin-admin: ") and err.count("\n") == 1
    _sign_in_new(engine, done[0][1], "After")
    assert cli_main(["--database", url, "restore", str(out), "--yes"]) == 0
    assert _pairs(url) == set(done)
    with make_engine(url).connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_event WHERE action LIKE "
                                    "'backup.%'")).scalars().all()
    assert "backup.restore" in actions


def test_rotate_keeps_the_newest_and_nothing_else(tmp_path: Path) -> None:
    names = [f"dropin-2026010{d}-020000.sqlite3" for d in range(1, 8)]
    names += ["dropin-20260107-020000-1.sqlite3", "dropin-20260101-020000.dump"]
    for n in [*names, "notes.txt", "dropin.sqlite3", "dropin-latest.sqlite3"]:
        (tmp_path / n).write_text("x")
    removed = rotate(tmp_path, keep=3)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["dropin-20260106-020000.sqlite3", "dropin-20260107-020000-1.sqlite3",
                    "dropin-20260107-020000.sqlite3", "dropin-latest.sqlite3",
                    "dropin.sqlite3", "notes.txt"]
    assert len(removed) == 6
    with pytest.raises(Refused):
        rotate(tmp_path, keep=0)


@pytest.mark.postgres
def test_postgresql_backup_and_restore_round_trip(postgres_server: object,
                                                  tmp_path: Path) -> None:
    url = postgres_server.create_database()  # type: ignore[attr-defined]
    setup = prepare(url, regulars=2, sessions=1)
    engine = make_engine(url)
    done = {_sign_in_new(engine, setup["sessions"][0], f"Person {i}") for i in range(5)}
    dump = tmp_path / "dropin.dump"
    info = backup(engine, dump)
    assert info.kind == "postgresql" and dump.stat().st_size > 0
    later = _sign_in_new(engine, setup["sessions"][0], "After")
    assert later in _pairs(url)

    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"PGDMP" + os.urandom(5000))
    for bad in (garbage, tmp_path / "missing.dump"):
        with pytest.raises(Refused):
            restore(engine, bad)
    assert _pairs(url) == done | {later}

    restore(engine, dump)
    assert _pairs(url) == done
    fresh = postgres_server.create_database()  # type: ignore[attr-defined]
    restore(fresh, dump)
    assert _pairs(fresh) == done
    fresh_engine = make_engine(fresh)
    upgrade(fresh_engine)  # at head already: nothing to do, no error
    _sign_in_new(fresh_engine, setup["sessions"][0], "New")  # sequences restored too
    fresh_engine.dispose()
    engine.dispose()


def _backup_from_before_the_upgrade(url: str, path: Path) -> None:
    """A database at revision 0001 (before kiosk_receipt) with Amira in it, backed up."""
    old = make_engine(url)
    upgrade(old, "0001")
    run_in_transaction(old, lambda s: register_household(
        s, members=[NewPerson("Amira", "K", 1990)], actor="test"))
    info = backup(old, path)
    assert info.revision == "0001"
    old.dispose()


def _restored_and_upgraded(url: str) -> None:
    restored = make_engine(url)
    try:
        assert is_current(restored)
        with restored.connect() as conn:
            assert conn.execute(text("SELECT first_name FROM person")).scalar() == "Amira"
            assert conn.execute(text("SELECT COUNT(*) FROM kiosk_receipt")).scalar() == 0
    finally:
        restored.dispose()


def test_a_backup_from_before_an_upgrade_is_restored_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _backup_from_before_the_upgrade(f"sqlite:///{tmp_path / 'old-live.sqlite3'}", path)
    live = make_engine(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    upgrade(live)
    restore(live, path)
    _restored_and_upgraded(f"sqlite:///{tmp_path / 'live.sqlite3'}")


def test_a_postgresql_dump_from_before_an_upgrade_is_restored_and_upgraded(
        postgres_server: object, tmp_path: Path) -> None:
    dump = tmp_path / "old.dump"
    _backup_from_before_the_upgrade(
        postgres_server.create_database(), dump)  # type: ignore[attr-defined]
    live = postgres_server.create_database()  # type: ignore[attr-defined]
    upgrade_engine = make_engine(live)
    upgrade(upgrade_engine)
    upgrade_engine.dispose()
    restore(live, dump)
    _restored_and_upgraded(live)
