"""Crash test: sign people in continuously, SIGKILL the writer at random moments, check
that every confirmed sign-in survived and the SQLite file is intact.

    .venv/bin/python -m bench.crash --kills 1000            # the long run (README)
    .venv/bin/python -m bench.crash --kills 200 --seed 3    # what CI runs (tests/)

How: a *zygote* process (``python -m bench.crash child URL``) imports Dropin once
and then, each time the driver asks, forks a writer. The writer opens its own SQLite
connection after the fork and loops: one transaction registers a new person and signs
them in (:func:`schema.signin.sign_in` through :meth:`schema.sql.Database.transaction`,
as the kiosk does), and only after the commit
returns it writes ``ok PERSON SESSION`` to stdout in one ``write()``. The driver kills
the writer with SIGKILL 20–300 ms after it was forked, wherever it is: inside a
transaction, in the commit's fsync, during a WAL checkpoint or while opening the file.
Then it asks for the next writer, which recovers the database on opening. Forking from
a zygote instead of starting Python each time keeps 200 kills within a minute.

At the end every confirmed (person, session) must be in ``attendance`` and
``PRAGMA integrity_check`` must say ``ok``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
ACTOR = "crash-test"


@dataclass
class CrashFigures:
    kills: int
    confirmed: int
    checked: int
    missing: int
    in_database: int
    integrity: str
    seconds: float

    def __str__(self) -> str:
        return (f"crash test: {self.kills} SIGKILLs survived, {self.confirmed} confirmed "
                f"sign-ins, {self.checked} checked present, {self.missing} missing, "
                f"{self.in_database} sign-ins in the database, integrity_check "
                f"{self.integrity!r}, {self.seconds:.1f} s")


def prepare(url: str, sessions: int = 4) -> list[int]:
    """A migrated database with a site, a service and ``sessions`` one-off sessions today."""
    from schema.clock import local_date, now_utc
    from schema.db import make_engine, run_in_transaction
    from schema.migrate import upgrade
    from schema.timetable import add_one_off, get_or_create_service, get_or_create_site

    engine = make_engine(url)
    upgrade(engine)

    def work(s: object) -> list[int]:
        site = get_or_create_site(s, "Crash room")  # type: ignore[arg-type]
        service = get_or_create_service(s, "Coffee")  # type: ignore[arg-type]
        today = local_date(now_utc())
        ids = []
        for i in range(sessions):
            row = add_one_off(s, site_id=site.id, service_id=service.id,  # type: ignore[arg-type]
                              on=today, start=dt.time(0, i), end=dt.time(23, 59), actor=ACTOR)
            ids.append(row.id)
        return ids

    ids = run_in_transaction(engine, work)
    engine.dispose()
    return ids  # type: ignore[return-value]


# --- the child side -----------------------------------------------------------------------


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write(): whole lines, never interleaved


def _writer(url: str, sessions: list[int]) -> None:
    """Sign new people in, one transaction each, until killed."""
    from schema.residents import NewPerson, register_household
    from schema.signin import sign_in
    from schema.sql import Database, Db

    pid = os.getpid()
    database = Database(url, lean=True)
    _say(f"ready {pid}")
    n = 0
    while True:
        n += 1
        session_id = sessions[n % len(sessions)]

        def work(s: Db, n: int = n, session_id: int = session_id) -> int:
            _, people = register_household(
                s, members=[NewPerson("Crash", f"Writer {pid} {n}", 1980)], actor=ACTOR)
            person_id = people[0].id
            added = sign_in(s, person_ids=[person_id], session_id=session_id,
                            method="card", actor=ACTOR)
            assert added == [person_id], added
            return person_id

        person_id = database.transaction(work)
        _say(f"ok {person_id} {session_id}")  # only after the commit returned


def child_main(url: str, sessions: list[int]) -> int:
    """The zygote: imports once, forks a writer for each 'go' on stdin."""
    import schema.residents
    import schema.signin
    import schema.sql  # noqa: F401

    _say("zygote")
    for line in sys.stdin:
        if line.strip() != "go":
            break
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _writer(url, sessions)
            except BaseException as exc:  # the driver counts this as a failure
                _say(f"error {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
                code = 1
            finally:
                os._exit(code)
        _say(f"child {pid}")
        os.waitpid(pid, 0)
        _say(f"dead {pid}")
    return 0


# --- the driver ---------------------------------------------------------------------------


def run_crash(url: str, kills: int, seed: int = 1, min_ms: int = 20, max_ms: int = 300,
              log: bool = False) -> CrashFigures:
    """Kill ``kills`` writers; returns the figures (raises AssertionError on any loss)."""
    from schema.db import make_engine

    rng = random.Random(seed)
    sessions = prepare(url)
    started = time.monotonic()
    errlog = tempfile.TemporaryFile()  # noqa: SIM115  (closed in the finally below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.crash", "child", url, ",".join(map(str, sessions))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog, cwd=REPO, text=True,
        bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put("eof")

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    confirmed: list[tuple[int, int]] = []
    errors: list[str] = []

    def expect(prefix: str) -> str:
        while True:
            try:
                line = lines.get(timeout=120)
            except queue.Empty:
                raise AssertionError(f"the crash child said nothing for 2 minutes "
                                     f"(waiting for {prefix!r})") from None
            if line.startswith("ok "):
                _, person, session = line.split()
                confirmed.append((int(person), int(session)))
            elif line.startswith("error "):
                errors.append(line)
            elif line == "eof":
                errlog.seek(0)
                raise AssertionError("the crash child ended: "
                                     + errlog.read().decode(errors="replace")[-2000:])
            if line.startswith(prefix):
                return line

    done = 0
    try:
        expect("zygote")
        for done in range(1, kills + 1):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            pid = int(expect("child ").split()[1])
            time.sleep(rng.uniform(min_ms, max_ms) / 1000)
            with contextlib.suppress(ProcessLookupError):  # it ended by itself: an error
                os.kill(pid, signal.SIGKILL)
            expect(f"dead {pid}")
            if log and done % 100 == 0:
                print(f"  {done} kills, {len(confirmed)} confirmed", flush=True)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pumping.join(timeout=10)
        proc.stdin.close()
        proc.stdout.close()
        errlog.close()
    assert not errors, f"{len(errors)} writers failed, first: {errors[0]}"

    engine = make_engine(url)
    with engine.connect() as conn:
        integrity = ", ".join(r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check"))
        fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        present = set(conn.execute(text(
            "SELECT person_id, session_id FROM attendance WHERE person_id IS NOT NULL")).all())
    engine.dispose()
    missing = [c for c in confirmed if c not in present]
    figures = CrashFigures(kills=done, confirmed=len(confirmed),
                           checked=len(confirmed) - len(missing), missing=len(missing),
                           in_database=len(present), integrity=integrity,
                           seconds=time.monotonic() - started)
    assert integrity == "ok", figures
    assert not fk, f"foreign key violations: {fk[:5]}"
    assert not missing, f"{figures}; first missing: {missing[:5]}"
    assert len(set(confirmed)) == len(confirmed), "a sign-in was confirmed twice"
    return figures


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        return child_main(argv[1], [int(x) for x in argv[2].split(",")])
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dropin-crash-") as tmp:
        db = args.db or Path(tmp) / "crash.sqlite3"
        figures = run_crash(f"sqlite:///{db}", args.kills, seed=args.seed, log=True)
    print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
